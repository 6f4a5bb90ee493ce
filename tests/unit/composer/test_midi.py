"""MIDI extra: the score survives a round trip through mido with its tempo, metre, key, programs and notes."""

from __future__ import annotations

import io

import mido
import pytest

from orchestrion.engines.composer.midi import TICKS_PER_BEAT, allocate_channels, key_signature_name, score_to_midi
from orchestrion.engines.composer.score import Bend, Control, Note, Score, TempoChange, Track

from .conftest import make_score


def _read(data: bytes) -> mido.MidiFile:
    return mido.MidiFile(file=io.BytesIO(data))


def test_round_trip_keeps_notes_programs_and_channels():
    score = make_score(bars=2)
    midi = _read(score_to_midi(score))
    assert midi.type == 1 and midi.ticks_per_beat == TICKS_PER_BEAT
    assert len(midi.tracks) == 1 + len(score.tracks)
    for track, mtrack in zip(score.tracks, midi.tracks[1:]):
        names = [m.name for m in mtrack if m.type == "track_name"]
        assert names == [track.name]
        ons, now = [], 0
        for message in mtrack:
            now += message.time
            if message.type == "note_on" and message.velocity > 0:
                ons.append((now, message.note, message.velocity, message.channel))
        expected = sorted((round(n.start * TICKS_PER_BEAT), n.pitch, n.velocity) for n in track.notes)
        assert sorted(o[:3] for o in ons) == expected
        channels = {o[3] for o in ons}
        assert channels == ({9} if track.is_drums else channels - {9}) and len(channels) == 1
        programs = [m.program for m in mtrack if m.type == "program_change"]
        assert programs == [track.program]
        controls = {m.control for m in mtrack if m.type == "control_change"}
        assert {7, 10, 11, 91, 93} <= controls


def test_conductor_track_has_tempo_map_metre_and_key():
    score = make_score(bars=2, bpm=96.0)
    score.tempo.append(TempoChange(4.0, 72.0))
    score.time_signature = (6, 8)
    score.key_tonic, score.key_mode = 2, "minor"
    conductor = _read(score_to_midi(score)).tracks[0]
    tempos = [(m.time, round(mido.tempo2bpm(m.tempo), 3)) for m in conductor if m.type == "set_tempo"]
    assert [bpm for _, bpm in tempos] == [96.0, 72.0]
    ticks = 0
    for message in conductor:
        ticks += message.time
        if message.type == "set_tempo" and round(mido.tempo2bpm(message.tempo)) == 72:
            assert ticks == 4 * TICKS_PER_BEAT
    [metre] = [m for m in conductor if m.type == "time_signature"]
    assert (metre.numerator, metre.denominator) == (6, 8)
    [key] = [m for m in conductor if m.type == "key_signature"]
    assert key.key == "Dm"


def test_midi_length_matches_the_score():
    score = make_score(bars=4, bpm=120.0)
    assert _read(score_to_midi(score)).length == pytest.approx(8.0, abs=0.05)


def test_many_tracks_get_distinct_channels_and_further_ports():
    score = make_score(bars=1, extra_tracks=16)  # 19 melodic tracks, all different
    placements = allocate_channels(score)
    melodic = [p for p, t in zip(placements, score.tracks) if not t.is_drums]
    assert len({(p.port, p.channel) for p in melodic}) == len(melodic)
    assert all(p.channel != 9 for p in melodic)
    assert max(p.port for p in melodic) == 1
    drums = [p for p, t in zip(placements, score.tracks) if t.is_drums]
    assert [p.channel for p in drums] == [9]
    midi = _read(score_to_midi(score))
    ports = [m.port for t in midi.tracks[1:] for m in t if m.type == "midi_port"]
    assert sorted(set(ports)) == [0, 1]


def test_identical_tracks_share_a_channel():
    a = Track("violins 1", "harmony", 40, notes=[Note(0, 1, 67, 80)])
    b = Track("violins 2", "harmony", 40, notes=[Note(0, 1, 64, 80)])
    c = Track("swelling", "pad", 40, notes=[Note(0, 1, 60, 80)], controls=[Control(0, 11, 60)])
    score = Score(tempo=[TempoChange(0, 90)], time_signature=(4, 4), key_tonic=0, key_mode="major",
                  tracks=[a, b, c], length_beats=4)
    pa, pb, pc = allocate_channels(score)
    assert pa == pb and pc != pa


def test_same_pitch_overlaps_do_not_cut_the_next_note():
    track = Track("piano", "harmony", 0, notes=[Note(0.0, 2.0, 60, 90), Note(1.0, 2.0, 60, 80)])
    score = Score(tempo=[TempoChange(0, 120)], time_signature=(4, 4), key_tonic=0, key_mode="major",
                  tracks=[track], length_beats=4)
    events, now = [], 0
    for message in _read(score_to_midi(score)).tracks[1]:
        now += message.time
        if message.type in ("note_on", "note_off"):
            events.append((now, message.type))
    assert events == [(0, "note_on"), (480, "note_off"), (480, "note_on"), (1440, "note_off")]


def test_key_signature_names():
    assert key_signature_name(3, "major") == "Eb"
    assert key_signature_name(6, "minor") == "F#m"
    assert key_signature_name(2, "dorian") == "C"
    assert key_signature_name(7, "mixolydian") == "C"
    assert key_signature_name(9, "minor") == "Am"


def _messages(mtrack) -> list[tuple[int, object]]:
    out, now = [], 0
    for message in mtrack:
        now += message.time
        out.append((now, message))
    return out


def test_bends_export_as_pitchwheel_after_the_bend_range():
    lead = Track("lead", "melody", 81, notes=[Note(1.0, 2.0, 64, 100)], bend_range=7,
                 bends=[Bend(1.5, 4096), Bend(2.0, -8192), Bend(2.5, 0)])
    score = Score(tempo=[TempoChange(0, 120)], time_signature=(4, 4), key_tonic=0, key_mode="major",
                  tracks=[lead], length_beats=4)
    events = _messages(_read(score_to_midi(score)).tracks[1])
    controls = [(t, m.control, m.value) for t, m in events if m.type == "control_change"]
    rpn = [(c, v) for _, c, v in controls if c in (101, 100, 6, 38)]
    assert rpn == [(101, 0), (100, 0), (6, 7), (38, 0), (101, 127), (100, 127)]
    first_note = min(t for t, m in events if m.type == "note_on")
    assert all(t <= first_note for t, c, _ in controls if c in (101, 100, 6, 38))
    wheel = [(t, m.pitch) for t, m in events if m.type == "pitchwheel"]
    assert wheel == [(720, 4096), (960, -8192), (1200, 0)]


def test_tracks_that_bend_keep_their_own_channel():
    a = Track("guitar 1", "harmony", 29, notes=[Note(0, 1, 52, 80)], bends=[Bend(0.5, 2000)])
    b = Track("guitar 2", "harmony", 29, notes=[Note(0, 1, 55, 80)])
    score = Score(tempo=[TempoChange(0, 90)], time_signature=(4, 4), key_tonic=0, key_mode="major",
                  tracks=[a, b], length_beats=4)
    pa, pb = allocate_channels(score)
    assert pa != pb


def test_the_file_carries_the_faders_and_sends_the_render_used(soundfont):
    from orchestrion.engines.composer.render import render

    score = make_score(bars=1)
    rendering = render(score, soundfont, stems=False)
    midi = _read(score_to_midi(score, rendering.settings))
    for settings, mtrack in zip(rendering.settings, midi.tracks[1:]):
        first = {m.control: m.value for m in mtrack if m.type == "control_change" and m.time == 0}
        assert (first[7], first[10], first[91], first[93]) == (settings.volume, settings.pan, settings.reverb,
                                                              settings.chorus)
    assert len({s.volume for s in rendering.settings}) > 1  # balanced, not one fader for all


def test_written_bytes_read_back_identically_through_mido():
    score = make_score(bars=2, extra_tracks=3)
    score.tracks[0].bends = [Bend(0.25, 1234)]
    data = score_to_midi(score)
    midi = _read(data)
    buffer = io.BytesIO()
    midi.save(file=buffer)
    assert buffer.getvalue() == data
