"""MIDI input: a client's file read into parts, tempo, metre and key; its tune and its chords bar by bar; its parts
as score tracks; and every bad file refused with a sentence the client can act on."""

from __future__ import annotations

import io
import random
import struct

import mido
import pytest

from orchestrion.engines.composer.chords import parse_progression
from orchestrion.engines.composer.midi_in import (
    MAX_MIDI_BYTES,
    MidiError,
    bar_chords,
    melody,
    read_midi,
    to_tracks,
)

TPB = 480

# A C major tune over Am F C G in 3/4: (start beat, duration, pitch, velocity).
TUNE = [(0.0, 1.0, 76, 90), (1.0, 1.0, 74, 80), (2.0, 1.0, 72, 85),
        (3.0, 2.0, 69, 90), (5.0, 1.0, 72, 80),
        (6.0, 1.0, 67, 90), (7.0, 1.0, 76, 80), (8.0, 1.0, 79, 85),
        (9.0, 1.5, 74, 90), (10.5, 0.5, 71, 80), (11.0, 1.0, 67, 85)]
BLOCKS = [(57, 60, 64), (53, 57, 60), (55, 60, 64), (55, 59, 62)]  # Am, F, C/G, G
BASS = [45, 41, 48, 43]


def _track(name: str | None, notes, *, channel: int = 0, program: int | None = None, meta=()) -> mido.MidiTrack:
    """A track of ``notes`` (start, duration, pitch, velocity) in beats plus ``meta`` (beat, MetaMessage)."""
    events = [(beat, 0, message) for beat, message in meta]
    if name is not None:
        events.append((0.0, 0, mido.MetaMessage("track_name", name=name)))
    if program is not None:
        events.append((0.0, 1, mido.Message("program_change", channel=channel, program=program)))
    for start, duration, pitch, velocity in notes:
        events.append((start, 3, mido.Message("note_on", channel=channel, note=pitch, velocity=velocity)))
        events.append((start + duration, 2, mido.Message("note_off", channel=channel, note=pitch)))
    return _delta(events)


def _delta(events) -> mido.MidiTrack:
    track, now = mido.MidiTrack(), 0
    for beat, _, message in sorted(events, key=lambda e: (e[0], e[1])):
        tick = round(beat * TPB)
        track.append(message.copy(time=tick - now))
        now = tick
    return track


def _save(midi: mido.MidiFile) -> bytes:
    buffer = io.BytesIO()
    midi.save(file=buffer)
    return buffer.getvalue()


def _song(*, key: str | None = None, melody_name: str = "Melody", tune=TUNE) -> bytes:
    conductor = [(0.0, mido.MetaMessage("time_signature", numerator=3, denominator=4)),
                 (0.0, mido.MetaMessage("set_tempo", tempo=mido.bpm2tempo(100))),
                 (6.0, mido.MetaMessage("set_tempo", tempo=mido.bpm2tempo(80)))]
    if key:
        conductor.append((0.0, mido.MetaMessage("key_signature", key=key)))
    midi = mido.MidiFile(type=1, ticks_per_beat=TPB)
    midi.tracks.append(_track("Song", [], meta=conductor))
    midi.tracks.append(_track(melody_name, tune, channel=0, program=73))
    chords = [(bar * 3.0, 3.0, p, 70) for bar, block in enumerate(BLOCKS) for p in block]
    midi.tracks.append(_track("Piano", chords, channel=1, program=0))
    midi.tracks.append(_track("Bass", [(bar * 3.0, 3.0, p, 95) for bar, p in enumerate(BASS)], channel=2, program=33))
    kit = [(beat, 0.25, 36 if beat % 3 == 0 else 42, 100) for beat in range(12)]
    midi.tracks.append(_track("Drums", kit, channel=9))
    return _save(midi)


def _single(notes, *, numerator: int = 4, bpm: float = 120.0, channel: int = 0) -> bytes:
    midi = mido.MidiFile(type=1, ticks_per_beat=TPB)
    meta = [(0.0, mido.MetaMessage("time_signature", numerator=numerator, denominator=4)),
            (0.0, mido.MetaMessage("set_tempo", tempo=mido.bpm2tempo(bpm)))]
    midi.tracks.append(_track("Keys", notes, channel=channel, program=0, meta=meta))
    return _save(midi)


def _chord_bars(*bars, beats: float = 4.0):
    """Block chords, one bar each (pitches held the whole bar)."""
    return [(i * beats, beats, p, 80) for i, pitches in enumerate(bars) for p in pitches]


# --- reading ----------------------------------------------------------------------------------------------------


def test_song_reads_tempo_metre_length_and_parts():
    piece = read_midi(_song())
    assert piece.ticks_per_beat == TPB
    assert piece.tempo == [(0.0, 100.0), (6.0, 80.0)]
    assert piece.time_signature == (3, 4) and piece.bar_beats == 3.0
    assert piece.length_beats == 12.0
    assert piece.seconds == pytest.approx(6 * 0.6 + 6 * 0.75)
    assert [(p.name, p.channel, p.program, p.is_drums) for p in piece.parts] == [
        ("melody", 0, 73, False), ("piano", 1, 0, False), ("bass", 2, 33, False), ("drums", 9, 0, True)]
    assert piece.parts[0].notes == TUNE
    chords = sorted((bar * 3.0, 3.0, p, 70) for bar, block in enumerate(BLOCKS) for p in block)
    assert piece.parts[1].notes == chords
    assert piece.parts[3].notes[:2] == [(0.0, 0.25, 36, 100), (1.0, 0.25, 42, 100)]


def test_length_rounds_up_to_a_whole_bar_and_defaults_apply():
    midi = mido.MidiFile(type=1, ticks_per_beat=96)
    midi.tracks.append(_track(None, [], meta=[(0.0, mido.MetaMessage("time_signature", numerator=3,
                                                                         denominator=4))]))
    track = mido.MidiTrack([mido.Message("note_on", note=60, velocity=90, time=0),
                            mido.Message("note_off", note=60, time=1008)])  # 10.5 beats at 96 ticks
    midi.tracks.append(track)
    piece = read_midi(_save(midi))
    assert piece.tempo == [(0.0, 120.0)]
    assert piece.parts[0].notes == [(0.0, 10.5, 60, 90)] and piece.parts[0].name == "piano"
    assert piece.length_beats == 12.0 and piece.seconds == pytest.approx(6.0)
    assert read_midi(_single([(0, 1, 60, 80)])).time_signature == (4, 4)


def test_format_0_splits_by_channel_and_names_parts_by_program():
    events = [(0.0, 0, mido.MetaMessage("track_name", name="My Song")),
              (0.0, 1, mido.Message("program_change", channel=0, program=40)),
              (0.0, 1, mido.Message("program_change", channel=1, program=40))]
    for channel, pitch in ((0, 76), (1, 72), (9, 36)):
        events += [(0.0, 3, mido.Message("note_on", channel=channel, note=pitch, velocity=100)),
                   (1.0, 2, mido.Message("note_off", channel=channel, note=pitch))]
    midi = mido.MidiFile(type=0, ticks_per_beat=TPB)
    midi.tracks.append(_delta(events))
    piece = read_midi(_save(midi))
    assert [(p.name, p.channel, p.program, p.is_drums) for p in piece.parts] == [
        ("violin", 0, 40, False), ("violin_2", 1, 40, False), ("drums", 9, 0, True)]
    assert [p.notes for p in piece.parts] == [[(0.0, 1.0, 76, 100)], [(0.0, 1.0, 72, 100)], [(0.0, 1.0, 36, 100)]]


def test_running_status_and_velocity_zero_note_offs():
    # 96 ticks a beat: C4 on, E4 on a beat later and both released at beat 2, all after one status byte.
    events = bytes([0x00, 0x90, 60, 100, 0x60, 64, 90, 0x60, 60, 0, 0x00, 64, 0, 0x00, 0xFF, 0x2F, 0x00])
    data = (b"MThd" + struct.pack(">IHHH", 6, 0, 1, 96) + b"MTrk" + struct.pack(">I", len(events)) + events)
    piece = read_midi(data)
    assert piece.parts[0].notes == [(0.0, 2.0, 60, 100), (1.0, 1.0, 64, 90)]


def test_unreleased_and_overlapping_notes_are_ended():
    track = mido.MidiTrack([
        mido.Message("note_on", note=48, velocity=70, time=0),  # never released: ends with the track
        mido.Message("note_on", note=60, velocity=80, time=0),
        mido.Message("note_on", note=60, velocity=90, time=TPB),  # struck again: the first ends here
        mido.Message("note_off", note=60, time=TPB),
        mido.Message("note_off", note=60, time=0),  # a stray release is ignored
        mido.Message("note_on", note=62, velocity=80, time=TPB),
        mido.Message("note_on", note=62, velocity=80, time=0),  # a doubled strike is one note
        mido.Message("note_off", note=62, time=TPB),
        mido.MetaMessage("end_of_track", time=2 * TPB),
    ])
    midi = mido.MidiFile(type=1, ticks_per_beat=TPB)
    midi.tracks.append(track)
    piece = read_midi(_save(midi))
    assert piece.parts[0].notes == [(0.0, 6.0, 48, 70), (0.0, 1.0, 60, 80), (1.0, 1.0, 60, 90), (3.0, 1.0, 62, 80)]


def test_names_are_unique_and_stem_safe():
    midi = mido.MidiFile(type=1, ticks_per_beat=TPB)
    for name in ("Lead Vocal (Verse)!", "lead vocal verse", "***"):
        midi.tracks.append(_track(name, [(0, 1, 72, 80)], program=52))
    assert [p.name for p in read_midi(_save(midi)).parts] == ["lead_vocal_verse", "lead_vocal_verse_2", "choir"]


def test_programs_and_instrument_names_set_in_other_tracks_are_found():
    midi = mido.MidiFile(type=1, ticks_per_beat=TPB)
    setup = [(0.0, mido.Message("program_change", channel=3, program=42))]
    midi.tracks.append(_delta([(beat, 1, message) for beat, message in setup]))
    midi.tracks.append(_track(None, [(0, 1, 48, 80)], channel=3,
                              meta=[(0.0, mido.MetaMessage("instrument_name", name="Cello 1"))]))
    midi.tracks.append(_track(None, [(0, 1, 36, 80), (0, 1, 42, 80)], channel=9))
    parts = read_midi(_save(midi)).parts
    assert [(p.name, p.channel, p.program, p.is_drums) for p in parts] == [
        ("cello_1", 3, 42, False), ("drums", 9, 0, True)]


# --- key --------------------------------------------------------------------------------------------------------


def test_key_signature_is_taken_from_the_file():
    assert read_midi(_song(key="Bbm")).key == (10, "minor")
    assert read_midi(_song(key="F#")).key == (6, "major")


def test_key_is_estimated_for_clear_inputs():
    assert read_midi(_song()).key == (9, "minor")  # it opens and dwells on A minor
    c_major = _chord_bars((48, 64, 67, 72), (53, 65, 69, 72), (55, 62, 67, 71), (48, 64, 67, 72))
    tune = [(i * 1.0, 1.0, p, 90) for i, p in enumerate((72, 74, 76, 77, 79, 77, 76, 74, 72, 71, 74, 79, 76, 72,
                                                         67, 72))]
    assert read_midi(_single(c_major + [(s, d, p + 12, v) for s, d, p, v in tune])).key == (0, "major")
    a_minor = _chord_bars((45, 60, 64, 69), (50, 62, 65, 69), (52, 64, 68, 71), (45, 60, 64, 69))
    assert read_midi(_single(a_minor)).key == (9, "minor")


# --- melody -----------------------------------------------------------------------------------------------------


def test_melody_takes_the_named_part_even_below_the_accompaniment():
    low = [(start, duration, pitch - 24, velocity) for start, duration, pitch, velocity in TUNE]
    assert melody(read_midi(_song(melody_name="Lead Synth", tune=low))) == low
    assert melody(read_midi(_song(melody_name="Vocals", tune=low))) == low
    assert melody(read_midi(_song(melody_name="Flute", tune=low)))[0] == (0.0, 3.0, 64, 70)  # no name: the top line


def test_skyline_of_the_song_finds_its_tune():
    assert melody(read_midi(_song(melody_name="Flute"))) == TUNE


def test_skyline_of_a_piano_texture_is_its_top_line():
    top = [(0.0, 2.0, 76, 90), (2.0, 1.2, 74, 90), (3.0, 1.0, 72, 90), (4.0, 4.0, 79, 90)]
    inner = [(0.0, 1.0, 60, 60), (0.0, 1.0, 67, 60), (1.0, 1.0, 60, 60), (1.0, 1.0, 67, 60),
             (2.0, 2.0, 65, 60), (4.0, 2.0, 64, 60), (6.0, 2.0, 65, 60)]
    bass = [(0.0, 4.0, 36, 80), (4.0, 4.0, 43, 80)]
    piece = read_midi(_single(top + inner + bass))
    assert melody(piece) == [(0.0, 2.0, 76, 90), (2.0, 1.0, 74, 90), (3.0, 1.0, 72, 90), (4.0, 4.0, 79, 90)]


def test_skyline_is_monophonic_across_parts():
    line = melody(read_midi(_song(melody_name="Flute")))
    for (start, duration, _, _), (following, _, _, _) in zip(line, line[1:]):
        assert duration > 0 and start + duration <= following + 1e-9
    assert all(p >= 64 for _, _, p, _ in line)


# --- chords -----------------------------------------------------------------------------------------------------


def test_bar_chords_of_the_song():
    piece = read_midi(_song())
    chords = bar_chords(piece)
    assert chords == ["Am", "F", "C", "G"]
    assert parse_progression(" ".join(chords)) == tuple(chords)


def test_bar_chords_find_sevenths_and_other_qualities():
    bars = _chord_bars((43, 59, 62, 65), (48, 64, 67, 71), (50, 65, 69, 72), (47, 62, 65), (48, 65, 67),
                       (48, 64, 68), (45, 60, 64, 67))
    chords = bar_chords(read_midi(_single(bars)))
    assert chords == ["G7", "Cmaj7", "Dm7", "Bdim", "Csus4", "Caug", "Am7"]
    parse_progression(" ".join(chords))


def test_silent_bars_repeat_the_chord_before_and_start_on_the_tonic():
    notes = [(4.0, 4.0, p, 80) for p in (43, 59, 62, 67)] + [(12.0, 4.0, p, 80) for p in (48, 60, 64, 67)]
    midi = mido.MidiFile(type=1, ticks_per_beat=TPB)
    midi.tracks.append(_track("Keys", notes, meta=[(0.0, mido.MetaMessage("key_signature", key="C"))]))
    midi.tracks.append(_track("Drums", [(0.0, 0.25, 36, 100)], channel=9))
    assert bar_chords(read_midi(_save(midi))) == ["C", "G", "G", "C"]


def test_chords_are_spelled_for_the_key():
    flats = _chord_bars((46, 62, 65, 70), (51, 63, 67, 70), (53, 65, 69, 72), (46, 62, 65, 70))
    assert bar_chords(read_midi(_single(flats))) == ["Bb", "Eb", "F", "Bb"]
    sharps = _chord_bars((52, 64, 68, 71), (45, 61, 64, 69), (47, 63, 66, 71), (52, 64, 68, 71))
    assert bar_chords(read_midi(_single(sharps))) == ["E", "A", "B", "E"]
    f_sharp_minor = _chord_bars((42, 61, 66, 69), (47, 62, 66, 71), (49, 61, 65, 68), (42, 61, 66, 69))
    chords = bar_chords(read_midi(_single(f_sharp_minor)))
    assert chords == ["F#m", "Bm", "C#", "F#m"]
    parse_progression(" ".join(chords))


# --- tracks -----------------------------------------------------------------------------------------------------


def test_to_tracks_gives_roles_programs_and_notes():
    piece = read_midi(_song())
    tracks = to_tracks(piece)
    assert [(t.name, t.role, t.program, t.is_drums) for t in tracks] == [
        ("melody", "melody", 73, False), ("piano", "harmony", 0, False), ("bass", "bass", 33, False),
        ("drums", "drums", 0, True)]
    assert [(n.start, n.duration, n.pitch, n.velocity) for n in tracks[0].notes] == TUNE
    assert all(n.duration >= 0.05 for t in tracks for n in t.notes)
    assert all(t.volume == 0.8 and t.instrument == "" and -1.0 <= t.pan <= 1.0 for t in tracks)


def test_to_tracks_spreads_harmony_parts_and_lengthens_blips():
    midi = mido.MidiFile(type=1, ticks_per_beat=TPB)
    for name in ("Strings", "Guitar", "Organ"):
        midi.tracks.append(_track(name, [(0, 4, 60, 80)], program=48))
    midi.tracks.append(_track("Hats", [(0, 0, 42, 80)], channel=9))
    tracks = to_tracks(read_midi(_save(midi)))
    assert [t.pan for t in tracks] == [-0.5, 0.0, 0.5, 0.0]
    assert tracks[3].notes[0].duration == 0.05


# --- refusals ---------------------------------------------------------------------------------------------------


def _format_2() -> bytes:
    midi = mido.MidiFile(type=2, ticks_per_beat=TPB)
    midi.tracks.append(_track("A", [(0, 1, 60, 80)]))
    return _save(midi)


def _fast(notes) -> bytes:
    """``notes`` at 6000 bpm: they fit in 300 s however many beats they last."""
    return _single(notes, bpm=6000.0)


@pytest.mark.parametrize(("data", "message"), [
    (b"", "the file is empty"),
    (bytes(random.Random(1).randrange(256) for _ in range(300)),
     "not a Standard MIDI File (it does not start with MThd)"),
    (b"MThd" + bytes(MAX_MIDI_BYTES + MAX_MIDI_BYTES * 3 // 10), "the file is 1.3 MiB; at most 1 MiB"),
    (b"MThd" + bytes(MAX_MIDI_BYTES), "the file is 1048580 bytes; at most 1 MiB"),
    (_format_2(), "MIDI format 2 (independent sequences) is not supported; send a format 0 or 1 file"),
    (b"MThd" + struct.pack(">IHHH", 6, 1, 1, 0xE728), "the file times its events in SMPTE frames; send a file timed "
                                                      "in ticks per quarter note"),
    (_single([(0, 700, 60, 80)]), "the file lasts 350 s; at most 300 s"),
    (_fast([(0, 9000, 60, 80)]), "the file lasts 9000 beats; at most 8000"),
    (_single([]), "the file has no notes"),
    (_single([(0, 1, 60, 0)]), "the file has no notes"),
])
def test_bad_files_are_refused_with_a_sentence(data, message):
    with pytest.raises(MidiError) as caught:
        read_midi(data)
    assert str(caught.value) == message


def test_damaged_files_raise_midi_error_only():
    good = _song()
    truncated = good[: len(good) // 2]
    with pytest.raises(MidiError, match="^the file could not be read as a Standard MIDI File"):
        read_midi(truncated)
    rng = random.Random(7)
    for _ in range(150):
        damaged = bytearray(good)
        for _ in range(rng.randrange(1, 6)):
            damaged[rng.randrange(14, len(damaged))] = rng.randrange(256)
        try:
            piece = read_midi(bytes(damaged))
        except MidiError as exc:
            assert "Traceback" not in str(exc) and str(exc)
        else:
            assert piece.parts and piece.seconds <= 300.0 + piece.bar_beats * 60.0 / min(b for _, b in piece.tempo)


def _pedalled_piano(pedal: bool) -> bytes:
    """Staccato piano chords, one a bar, the sustain pedal down over each bar (or never), an expression swell and a
    bend on a second part; volume and pan as a file's mix sets them."""
    notes = [(bar * 4.0, 0.25, pitch, 90) for bar in range(4) for pitch in (60, 64, 67)]
    meta = [(0.0, mido.MetaMessage("set_tempo", tempo=mido.bpm2tempo(120))),
            (0.0, mido.Message("control_change", channel=0, control=7, value=50)),  # the mix's: not kept
            (0.0, mido.Message("control_change", channel=0, control=10, value=20))]
    if pedal:
        for bar in range(4):
            meta += [(bar * 4.0, mido.Message("control_change", channel=0, control=64, value=127)),
                     (bar * 4.0 + 3.9, mido.Message("control_change", channel=0, control=64, value=0))]
    lead = [(beat, 1.0, 72, 90) for beat in range(16)]
    lead_meta = [(0.0, mido.Message("control_change", channel=1, control=101, value=0)),
                 (0.0, mido.Message("control_change", channel=1, control=100, value=0)),
                 (0.0, mido.Message("control_change", channel=1, control=6, value=12)),  # bend range: 12
                 (0.0, mido.Message("control_change", channel=1, control=11, value=60)),
                 (2.0, mido.Message("control_change", channel=1, control=11, value=60)),  # the same again
                 (4.0, mido.Message("control_change", channel=1, control=11, value=110)),
                 (5.5, mido.Message("pitchwheel", channel=1, pitch=4096)),
                 (6.0, mido.Message("pitchwheel", channel=1, pitch=0))]
    midi = mido.MidiFile(type=1, ticks_per_beat=TPB)
    midi.tracks.append(_track("Piano", notes, channel=0, program=0, meta=meta))
    midi.tracks.append(_track("Lead", lead, channel=1, program=81, meta=lead_meta))
    return _save(midi)


def test_the_files_pedals_expression_and_bends_are_kept_and_its_mix_is_not():
    piano, lead = to_tracks(read_midi(_pedalled_piano(pedal=True)))
    assert [(c.time, c.controller, c.value) for c in piano.controls] == [
        (bar * 4.0 + offset, 64, value) for bar in range(4) for offset, value in ((0.0, 127), (3.9, 0))]
    assert [(c.time, c.controller, c.value) for c in lead.controls] == [(0.0, 11, 60), (4.0, 11, 110)]
    assert [(b.time, b.value) for b in lead.bends] == [(5.5, 4096), (6.0, 0)] and lead.bend_range == 12
    assert piano.bends == [] and piano.bend_range == 2


def test_the_performance_leaves_a_files_own_curves_as_played():
    from orchestrion.engines.composer.edits import midi_score
    from orchestrion.engines.composer.interpret import interpret
    from orchestrion.engines.composer.perform import perform
    from orchestrion.engines.composer.styles import STYLES

    def performed(pedal: bool):
        score = midi_score(read_midi(_pedalled_piano(pedal)), interpret("a warm piano recording", "", {}))
        return perform(score, STYLES["ballad"], random.Random(1)).tracks  # a ballad's pianist pedals

    piano, lead = performed(pedal=True)
    assert [(c.time, c.value) for c in piano.controls if c.controller == 64] == [
        (bar * 4.0 + offset, value) for bar in range(4) for offset, value in ((0.0, 127), (3.9, 0))]
    assert [(b.time, b.value) for b in lead.bends] == [(5.5, 4096), (6.0, 0)]
    assert [(c.time, c.value) for c in lead.controls if c.controller == 11] == [(0.0, 60), (4.0, 110)]
    unpedalled, _ = performed(pedal=False)  # without the file's pedal, the pianist pedals as it would
    drawn = [(c.time, c.value) for c in unpedalled.controls if c.controller == 64]
    assert drawn and drawn != [(c.time, c.value) for c in piano.controls if c.controller == 64]
    assert not {7, 10} & {c.controller for c in piano.controls + unpedalled.controls}
