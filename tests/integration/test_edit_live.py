"""Shaping and editing through a real server (docs/editing.md), each checked in the returned MIDI and audio:
a section plan starts each section where it was planned; an extension keeps the source's samples up to its seam;
a repaint keeps everything outside its span; a remix keeps harmony and melody on other instruments; a MIDI file is
rendered note for note or arranged around its melody; the edits' errors name their field."""

from __future__ import annotations

import base64
import difflib
import io
from xml.etree import ElementTree
from typing import Any

import httpx
import mido
import numpy as np
import pytest
import soundfile

from orchestrion.engines.composer.chords import parse_symbol
from tests.support.server import ServerProcess

COMPOSER = "orchestrion/composer"


def _post(server: ServerProcess, body: dict[str, Any], *, key: str | None = None,
          wait: bool = True) -> httpx.Response:
    headers = {"Authorization": f"Bearer {key or server.api_key}"}
    if wait:
        headers["Prefer"] = "wait=90"
    return httpx.post(server.base_url + "/v2/generate/audio", json=body, headers=headers, timeout=120)


def _made(server: ServerProcess, body: dict[str, Any]) -> dict[str, Any]:
    # the stems and the lead sheet show what an edit kept: ask for them (they are made when asked for)
    answer = _post(server, {"model": COMPOSER, "stems": True, "sheet_music": True, **body})
    assert answer.status_code == 200, answer.text
    made = answer.json()
    assert made["status"] == "completed", made
    return made


def _audio(made: dict[str, Any]) -> np.ndarray:
    data = httpx.get(made["audio_file"]["url"], timeout=30).content
    audio, rate = soundfile.read(io.BytesIO(data), dtype="float32", always_2d=True)
    assert rate == 48_000 and audio.shape[1] == 2
    return audio


def _notes(made: dict[str, Any]) -> tuple[mido.MidiFile, list[tuple[float, int, int]], list[tuple[float, str]]]:
    """The generation's MIDI file, its pitched notes as (seconds, channel, pitch) and its markers (seconds, name)."""
    midi = mido.MidiFile(file=io.BytesIO(httpx.get(made["midi_file"]["url"], timeout=30).content))
    notes, markers, now = [], [], 0.0
    for message in midi:  # iterating a MidiFile yields messages with times in seconds, tempo map applied
        now += message.time
        if message.type == "note_on" and message.velocity > 0 and message.channel != 9:
            notes.append((now, message.channel, message.note))
        elif message.type == "marker":
            markers.append((now, message.text))
    return midi, notes, markers


_STEPS = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}


def _lead_sheet(made: dict[str, Any]) -> list[int]:
    """The melody of a generation as its lead sheet (MusicXML) writes it: MIDI pitches in order, a tied note once."""
    sheet = next(f for f in made["sheet_music"] if f["name"] == "lead_sheet" and f["format"] == "musicxml")
    root = ElementTree.fromstring(httpx.get(sheet["url"], timeout=30).content)
    pitches = []
    for note in root.iter("note"):
        pitch = note.find("pitch")
        if pitch is None or note.find("chord") is not None:
            continue
        if any(tie.get("type") == "stop" for tie in note.findall("tie")):
            continue
        alter = float(pitch.findtext("alter") or 0)
        pitches.append(12 * (int(pitch.findtext("octave")) + 1) + _STEPS[pitch.findtext("step")] + int(alter))
    return pitches


def _same_tune(theirs: list[int], ours: list[int]) -> float:
    """The share of ``theirs`` that ``ours`` plays in order, moved as a whole by at most whole octaves (a tune
    is taken up or down an octave to suit the instrument that plays it, never note by note)."""
    matcher = difflib.SequenceMatcher(a=[p % 12 for p in theirs], b=[p % 12 for p in ours], autojunk=False)
    shifts = [ours[block.b + k] - theirs[block.a + k] for block in matcher.get_matching_blocks()
              for k in range(block.size)]
    if not shifts:
        return 0.0
    common = max(set(shifts), key=shifts.count)
    assert common % 12 == 0
    return shifts.count(common) / len(theirs)


def _correlation(a: np.ndarray, b: np.ndarray) -> float:
    a, b = a.ravel().astype(np.float64), b.ravel().astype(np.float64)
    return float(np.dot(a, b) / (np.linalg.norm(a) * np.linalg.norm(b) + 1e-12))


@pytest.fixture(scope="module")
def source(live_server: ServerProcess) -> dict[str, Any]:
    """A 20 s pop song with a melody: what the edits start from."""
    return _made(live_server, {"prompt": "a bright pop song with piano, acoustic guitar and drums", "duration": 20,
                               "seed": 5})


def test_a_section_plan_starts_each_section_within_a_beat_of_its_time(live_server: ServerProcess) -> None:
    plan = [{"name": "intro", "bars": 4}, {"name": "verse", "bars": 8},
            {"name": "chorus", "bars": 8, "energy": 0.95, "prompt": "big and loud"},
            {"name": "outro", "bars": 4, "prompt": "piano only, no drums"}]
    made = _made(live_server, {"prompt": "an indie rock song", "bpm": 120, "sections": plan, "seed": 2})
    beat = 60.0 / 120
    planned = [0.0, 4 * 4 * beat, 12 * 4 * beat, 20 * 4 * beat]
    sections = made["plan"]["sections"]
    assert [s["name"] for s in sections] == ["intro", "verse", "chorus", "outro"]
    assert [s["bars"] for s in sections] == [4, 8, 8, 4]
    _, notes, markers = _notes(made)
    assert [name for _, name in markers] == ["intro", "verse", "chorus", "outro"]
    for (at, _), reported, want in zip(markers, sections, planned):
        assert abs(at - want) <= beat and abs(reported["start"] - want) <= beat, (at, reported, want)
    # music is heard at each section's start (an onset within a beat of it)
    for want in planned:
        assert any(abs(t - want) <= beat for t, _, _ in notes), want
    # the outro's prompt: no drums there, and the chorus is louder than the intro
    midi = mido.MidiFile(file=io.BytesIO(httpx.get(made["midi_file"]["url"], timeout=30).content))
    now, drum_hits = 0.0, []
    for message in midi:
        now += message.time
        if message.type == "note_on" and message.velocity > 0 and message.channel == 9:
            drum_hits.append(now)
    assert drum_hits and not any(planned[3] + 0.05 < t < planned[3] + 4 * 4 * beat - 0.05 for t in drum_hits)
    audio = _audio(made)
    rms = lambda a, b: float(np.sqrt(np.mean(audio[int(a * 48_000):int(b * 48_000)] ** 2)))  # noqa: E731
    assert rms(planned[2], planned[3]) > rms(planned[0], planned[1])
    assert made["audio_file"]["file_size"] > 0 and abs(len(audio) / 48_000 - (24 * 4 * beat + 2.0)) < 1.0


def test_extend_keeps_the_source_up_to_the_seam_and_adds_the_seconds(live_server: ServerProcess,
                                                                     source: dict[str, Any]) -> None:
    made = _made(live_server, {"extend": {"generation_id": source["id"], "seconds": 10}, "seed": 1})
    edit = made["edit"]
    assert edit["operation"] == "extend" and edit["generation_id"] == source["id"]
    original, extended = _audio(source), _audio(made)
    assert abs(len(extended) - (len(original) + 10 * 48_000)) <= 48_000 * 0.05
    bar = 4 * 60.0 / source_bpm(source)
    assert edit["crossfade"] <= bar + 1e-6
    seam = int(round(edit["seam"] * 48_000))
    kept = seam - int(round(bar * 48_000))  # all but the last bar before the seam
    assert kept > 48_000
    assert _correlation(original[:kept], extended[:kept]) >= 0.999
    assert np.array_equal(original[: seam - int(edit["crossfade"] * 48_000) - 1],
                          extended[: seam - int(edit["crossfade"] * 48_000) - 1])
    # the continuation is music, in the same key and tempo, on the same instruments
    after = extended[seam:]
    assert float(np.sqrt(np.mean(after ** 2))) > 0.02
    assert made["plan"]["sections"][0] == source["plan"]["sections"][0]
    assert {s["name"] for s in made["stems"]} >= {s["name"] for s in source["stems"]} - {"fx"}


def source_bpm(made: dict[str, Any]) -> float:
    midi = mido.MidiFile(file=io.BytesIO(httpx.get(made["midi_file"]["url"], timeout=30).content))
    tempo = next(m.tempo for m in midi.tracks[0] if m.type == "set_tempo")
    return mido.tempo2bpm(tempo)


def test_repaint_changes_the_span_and_nothing_else(live_server: ServerProcess, source: dict[str, Any]) -> None:
    made = _made(live_server, {"repaint": {"generation_id": source["id"], "start": 6.0, "end": 11.0}, "seed": 3})
    edit = made["edit"]
    assert edit["operation"] == "repaint" and edit["start"] <= 6.0 and edit["end"] >= 11.0
    original, painted = _audio(source), _audio(made)
    assert len(original) == len(painted)
    start, end = int(round(edit["start"] * 48_000)), int(round(edit["end"] * 48_000))
    assert _correlation(original[:start], painted[:start]) >= 0.999
    assert _correlation(original[end + 1:], painted[end + 1:]) >= 0.999
    assert np.array_equal(original[:start], painted[:start]) and np.array_equal(original[end + 1:], painted[end + 1:])
    assert _correlation(original[start:end], painted[start:end]) < 0.9


def test_remix_keeps_harmony_and_melody_on_other_instruments(live_server: ServerProcess,
                                                              source: dict[str, Any]) -> None:
    made = _made(live_server, {"remix": {"generation_id": source["id"]},
                               "prompt": "a cool jazz version with tenor saxophone, upright bass and brushes",
                               "seed": 4})
    assert made["edit"]["operation"] == "remix"
    chords = [c for s in source["plan"]["sections"] for c in s["chords"]]
    assert [c for s in made["plan"]["sections"] for c in s["chords"]] == chords
    assert [(s["name"], s["bars"]) for s in made["plan"]["sections"]] == \
        [(s["name"], s["bars"]) for s in source["plan"]["sections"]]
    assert {s["name"] for s in made["stems"]} != {s["name"] for s in source["stems"]}

    # the same tune: the remix's lead sheet has the source's melody, note for note (a few ornaments aside)
    theirs, ours = _lead_sheet(source), _lead_sheet(made)
    assert _same_tune(theirs, ours) >= 0.9, (theirs[:20], ours[:20])


def _song() -> bytes:
    """A small MIDI file: a C major tune over Am F C G, a bass, and a drum beat, at 96 bpm in 4/4."""
    midi = mido.MidiFile(ticks_per_beat=480)
    conductor = mido.MidiTrack([mido.MetaMessage("set_tempo", tempo=mido.bpm2tempo(96)),
                                mido.MetaMessage("time_signature", numerator=4, denominator=4)])
    tune = [72, 71, 69, 67, 65, 67, 69, 72, 76, 74, 72, 71, 69, 71, 72, 74]
    lead = mido.MidiTrack([mido.MetaMessage("track_name", name="melody"), mido.Message("program_change", program=73)])
    for pitch in tune * 2:
        lead += [mido.Message("note_on", note=pitch, velocity=90, time=0),
                 mido.Message("note_off", note=pitch, velocity=0, time=480)]
    chords = mido.MidiTrack([mido.MetaMessage("track_name", name="piano"),
                             mido.Message("program_change", channel=1, program=0)])
    for root in [57, 53, 48, 55] * 2:
        triad = [root, root + (3 if root == 57 else 4), root + 7]
        chords += [mido.Message("note_on", channel=1, note=p, velocity=70, time=0) for p in triad]
        chords += [mido.Message("note_off", channel=1, note=p, velocity=0, time=1920 if i == 0 else 0)
                   for i, p in enumerate(triad)]
    drums = mido.MidiTrack([mido.MetaMessage("track_name", name="drums")])
    for beat in range(32):
        drums += [mido.Message("note_on", channel=9, note=36 if beat % 2 == 0 else 38, velocity=100, time=0),
                  mido.Message("note_off", channel=9, note=36 if beat % 2 == 0 else 38, velocity=0, time=480)]
    midi.tracks += [conductor, lead, chords, drums]
    buffer = io.BytesIO()
    midi.save(file=buffer)
    return buffer.getvalue()


def _onsets(data: bytes) -> list[tuple[float, int]]:
    midi = mido.MidiFile(file=io.BytesIO(data))
    out, now = [], 0.0
    for message in midi:
        now += message.time
        if message.type == "note_on" and message.velocity > 0:
            out.append((now, message.note))
    return out


def test_midi_render_plays_every_note_at_its_time(live_server: ServerProcess) -> None:
    song = _song()
    made = _made(live_server, {"prompt": "warm studio recording", "midi": base64.b64encode(song).decode(),
                               "midi_mode": "render", "seed": 1})
    assert made["edit"]["operation"] == "render"
    given = _onsets(song)
    played = _onsets(httpx.get(made["midi_file"]["url"], timeout=30).content)
    for at, pitch in given:
        assert any(p == pitch and abs(t - at) <= 0.03 for t, p in played), (at, pitch)
    audio = _audio(made)
    assert abs(len(audio) / 48_000 - (32 * 60 / 96 + 2.0)) < 1.0
    assert float(np.sqrt(np.mean(audio ** 2))) > 0.02


def test_midi_arrange_keeps_the_files_melody(live_server: ServerProcess) -> None:
    song = _song()
    made = _made(live_server, {"prompt": "a bossa nova with nylon guitar", "midi": base64.b64encode(song).decode(),
                               "midi_mode": "arrange", "seed": 1})
    assert made["edit"]["operation"] == "arrange"
    # harmonised by the chords the file implies (the tune's own notes may add a seventh)
    roots = [parse_symbol(c)[0].root for s in made["plan"]["sections"] for c in s["chords"]]
    assert roots[:8] == [9, 5, 0, 7] * 2
    tune = [72, 71, 69, 67, 65, 67, 69, 72, 76, 74, 72, 71, 69, 71, 72, 74] * 2
    assert _same_tune(tune, _lead_sheet(made)) >= 0.95


def test_edit_errors_name_their_field(live_server: ServerProcess, source: dict[str, Any]) -> None:
    unknown = _post(live_server, {"model": COMPOSER, "extend": {"generation_id": "nope:lyria2"}}, wait=False)
    assert unknown.status_code == 404 and "extend.generation_id" in unknown.json()["message"]
    other_key = live_server.create_key("someone else")
    theirs = _post(live_server, {"model": COMPOSER, "remix": {"generation_id": source["id"]}, "prompt": "jazz"},
                   key=other_key, wait=False)
    assert theirs.status_code == 404
    both = _post(live_server, {"model": COMPOSER, "prompt": "x", "remix": {"generation_id": source["id"]},
                               "midi": base64.b64encode(_song()).decode()}, wait=False)
    assert both.status_code == 400 and "midi" in both.json()["message"]
    late = _post(live_server, {"model": COMPOSER, "repaint": {"generation_id": source["id"], "start": 500, "end": 510}},
                 wait=False)
    assert late.status_code == 400 and "repaint.start" in late.json()["message"]
    garbage = _post(live_server, {"model": COMPOSER, "prompt": "x", "midi": base64.b64encode(b"hello there").decode()},
                    wait=False)
    assert garbage.status_code == 415 and "midi:" in garbage.json()["message"]
    tone = _post(live_server, {"model": "test/tone", "prompt": "x", "chords": "Am F C G"}, wait=False)
    assert tone.status_code == 400 and "chords" in tone.json()["message"]
    too_long = _post(live_server, {"model": COMPOSER, "prompt": "x", "sections": [
        {"name": "verse", "seconds": 200}, {"name": "chorus", "seconds": 200}]}, wait=False)
    assert too_long.status_code == 413 and "sections: the plan lasts" in too_long.json()["message"]
    backwards = _post(live_server, {"model": COMPOSER, "repaint": {"generation_id": source["id"], "start": 8,
                                                                    "end": 2}}, wait=False)
    assert backwards.status_code == 400 and "repaint.end" in backwards.json()["message"]
    several = _post(live_server, {"model": COMPOSER, "extend": {"generation_id": source["id"]}, "sample_count": 2},
                    wait=False)
    assert several.status_code == 400 and "sample_count" in several.json()["message"]
    no_prompt = _post(live_server, {"model": COMPOSER}, wait=False)
    assert no_prompt.status_code == 400 and "prompt" in no_prompt.json()["message"]
