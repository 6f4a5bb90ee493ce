"""Sheet music: the MusicXML reads back in music21 as the score's tune, chords, metre and key; Verovio engraves it."""

from __future__ import annotations

import functools
import warnings

import pytest

from orchestrion.engines.composer.compose import compose
from orchestrion.engines.composer.interpret import interpret
from orchestrion.engines.composer.notation import NotationError, engrave, musicxml, sheet_music
from orchestrion.engines.composer.score import ChordSpan, KeyChange, Note, Score, Section, TempoChange, Track

music21 = pytest.importorskip("music21")

#: prompt → (time signature, key-signature fifths, mode). Straight (unswung) styles, so the grid is plain sixteenths.
PROMPTS = {
    "Elegant Viennese waltz for string orchestra in 3/4 time, D major": ((3, 4), 2, "major"),
    "a lively folk jig in 6/8 in E flat major": ((6, 8), -3, "major"),
    "progressive rock in 7/8 in A minor": ((7, 8), 0, "minor"),
    "a sad piano piece in B flat minor": ((4, 4), -5, "minor"),
}


@functools.cache
def _score(prompt: str) -> Score:
    return compose(interpret(prompt, "", {"duration": 20.0}), seed=1)


@functools.cache
def _parsed(prompt: str, lead_sheet: bool):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return music21.converter.parse(musicxml(_score(prompt), lead_sheet=lead_sheet), format="musicxml")


def _bar(score: Score) -> float:
    return score.time_signature[0] * 4 / score.time_signature[1]


def _written_onsets(part) -> list[tuple[float, int]]:
    """(onset in quarters, MIDI pitch) of each written note, tied continuations left out."""
    out = []
    for n in part.flatten().getElementsByClass(music21.note.Note):
        if n.tie is None or n.tie.type == "start":
            out.append((float(n.offset), n.pitch.midi))
    return out


@pytest.mark.parametrize("prompt", PROMPTS)
def test_lead_sheet_melody_is_the_scores_melody_on_the_grid(prompt):
    score = _score(prompt)
    melody = next(t for t in score.tracks if t.role == "melody")
    end = -(-score.length_beats // _bar(score)) * _bar(score)
    lines: dict[float, Note] = {}  # one note per onset: an ornament landing on its main note's onset yields
    for n in melody.notes:
        onset = round(n.start * 4) / 4
        if onset < end and (onset not in lines or n.start > lines[onset].start):
            lines[onset] = n
    expected = {(onset, n.pitch) for onset, n in lines.items()}
    written = _written_onsets(_parsed(prompt, True).parts[0])
    assert len(expected) >= 8
    assert len(expected & set(written)) >= 0.95 * len(expected)
    assert len(written) <= len(expected) * 1.05  # nothing invented


@pytest.mark.parametrize("prompt", PROMPTS)
def test_chord_symbols_follow_the_score_in_order(prompt):
    score = _score(prompt)
    symbols = list(_parsed(prompt, True).parts[0].flatten().getElementsByClass(music21.harmony.ChordSymbol))
    assert [(float(c.offset), c.root().pitchClass, c.bass().pitchClass) for c in symbols] == [
        (round(c.start * 4) / 4, c.root, c.bass) for c in score.chords]


@pytest.mark.parametrize("prompt", PROMPTS)
@pytest.mark.parametrize("lead_sheet", [True, False])
def test_every_part_has_the_pieces_bars_each_filled_exactly(prompt, lead_sheet):
    score = _score(prompt)
    bar = _bar(score)
    parsed = _parsed(prompt, lead_sheet)
    for part in parsed.parts:
        measures = list(part.getElementsByClass(music21.stream.Measure))
        assert len(measures) == -(-score.length_beats // bar)
        for measure in measures:
            for voice in measure.voices or [measure]:
                written = sum(n.quarterLength for n in voice.notesAndRests
                              if not isinstance(n, music21.harmony.Harmony))
                assert written == pytest.approx(bar), (part.partName, measure.number, voice.id)


@pytest.mark.parametrize("prompt", PROMPTS)
def test_time_and_key_signatures_are_the_scores(prompt):
    (signature, fifths, mode) = PROMPTS[prompt]
    score = _score(prompt)
    assert score.time_signature == signature and score.key_mode == mode  # the prompt was read as meant
    part = _parsed(prompt, True).parts[0]
    assert [t.ratioString for t in part.flatten().getElementsByClass(music21.meter.TimeSignature)] == [
        f"{signature[0]}/{signature[1]}"]
    key = part.flatten().getElementsByClass(music21.key.KeySignature)[0]
    assert (key.sharps, key.mode) == (fifths, mode)


def test_a_flat_key_is_spelt_with_flats():
    prompt = "a sad piano piece in B flat minor"
    for lead_sheet in (True, False):
        pitches = [p for n in _parsed(prompt, lead_sheet).flatten().notes if not isinstance(n, music21.harmony.Harmony)
                   for p in n.pitches]
        assert pitches and not [p for p in pitches if p.accidental is not None and p.accidental.alter > 0]
        assert any(p.accidental is not None and p.accidental.alter < 0 for p in pitches)


def test_full_score_has_a_part_per_track_and_drums_on_a_percussion_staff():
    prompt = "Smoky late-night jazz trio: upright bass walking, brushed drums, piano comping, 140 bpm swing"
    score = compose(interpret(prompt, "", {"duration": 15.0}), seed=1)
    xml = musicxml(score, lead_sheet=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        parsed = music21.converter.parse(xml, format="musicxml")
    pitched = [t.name for t in score.tracks if not t.is_drums and t.notes]
    drums = [t.name for t in score.tracks if t.is_drums and t.notes]
    names = [p.partName for p in parsed.parts]  # a grand staff reads back as two PartStaffs of one name
    assert drums and [n for i, n in enumerate(names) if i == 0 or n != names[i - 1]] == pitched + drums
    kit = parsed.parts[-1]
    assert isinstance(kit.flatten().getElementsByClass(music21.clef.Clef)[0], music21.clef.PercussionClef)
    assert kit.flatten().getElementsByClass(music21.note.Unpitched)
    assert b"<midi-program>1</midi-program>" in xml  # the piano, GM program 0, one-based in MusicXML
    # swung eighths are written straight, under a "Swing" marking
    assert b">Swing<" in xml
    onsets = [offset % 1 for offset, _ in _written_onsets(parsed.parts[0])]
    assert sum(1 for o in onsets if o in (0.0, 0.5)) >= 0.9 * len(onsets)


def _hand_made() -> Score:
    """4/4 in F major: a tune played a few ms loose, a note over the bar line, a chord, a rest."""
    tune = Track("flute", "melody", 73, notes=[
        Note(0.004, 0.98, 69, 90), Note(0.995, 0.52, 70, 90), Note(1.51, 0.49, 72, 90),  # A Bb C
        Note(3.003, 2.01, 65, 90),  # F over the bar line: tied quarters
        Note(6.0, 2.0, 68, 90),  # G#/Ab, the blue third: spelt with a flat in F major
    ])
    chords = Track("piano", "harmony", 0, notes=[Note(0.0, 4.0, p, 70) for p in (53, 57, 60)])
    return Score(tempo=[TempoChange(0.0, 90.0)], time_signature=(4, 4), key_tonic=5, key_mode="major",
                 tracks=[tune, chords], sections=[Section("verse", 0.0, 8.0, 0.5)], length_beats=8.0,
                 chords=[ChordSpan(0.0, 4.0, 5, 5, (5, 9, 0), "F"), ChordSpan(4.0, 4.0, 10, 2, (10, 2, 5), "Bb/D")])


def test_loose_timing_is_quantised_tied_over_the_bar_and_chords_stack():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        parsed = music21.converter.parse(musicxml(_hand_made(), lead_sheet=False), format="musicxml")
    tune, piano = parsed.parts
    notes = list(tune.flatten().getElementsByClass(music21.note.Note))
    assert [(float(n.offset), n.nameWithOctave, float(n.quarterLength)) for n in notes] == [
        (0.0, "A4", 1.0), (1.0, "B-4", 0.5), (1.5, "C5", 0.5), (3.0, "F4", 1.0), (4.0, "F4", 1.0), (6.0, "A-4", 2.0)]
    assert notes[3].tie.type == "start" and notes[4].tie.type == "stop"
    chord = piano.flatten().getElementsByClass(music21.chord.Chord).stream().getElementsNotOfClass(
        music21.harmony.Harmony)[0]
    assert sorted(p.midi for p in chord.pitches) == [53, 57, 60] and chord.quarterLength == 4.0
    assert "verse" in musicxml(_hand_made(), lead_sheet=True).decode().lower()


def test_key_changes_are_written_where_they_happen():
    score = _hand_made()
    score.keys = [KeyChange(4.0, 7, "major")]
    part = music21.converter.parse(musicxml(score, lead_sheet=True), format="musicxml").parts[0]
    keys = part.flatten().getElementsByClass(music21.key.KeySignature)
    assert [(float(k.offset), k.sharps) for k in keys] == [(0.0, -1), (4.0, 1)]


def test_engraving_gives_svg_pages_and_sheet_music_names_its_files():
    files = sheet_music(_score("a sad piano piece in B flat minor"))
    names = [name for name, _, _ in files]
    assert names[0] == "sheet/lead_sheet.musicxml" and "sheet/lead_sheet-1.svg" in names
    assert "sheet/score.musicxml" in names and "sheet/score-1.svg" in names
    for name, content_type, data in files:
        if name.endswith(".svg"):
            assert content_type == "image/svg+xml" and b"<svg" in data
        else:
            assert content_type == "application/vnd.recordare.musicxml+xml" and data.startswith(b"<?xml")


@pytest.mark.parametrize("garbage", [b"not music at all", b"\xff\xfe\x00", b"<score-partwise><part id='P1'>"])
def test_garbage_does_not_engrave(garbage):
    with pytest.raises(NotationError):
        engrave(garbage)
