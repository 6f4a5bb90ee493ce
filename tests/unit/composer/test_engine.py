"""The composer engine end to end: a prompt becomes a mastered 48 kHz stereo track with its MIDI and stems."""

from __future__ import annotations

import io

import mido
import numpy as np
import pyloudnorm
import pytest
import soundfile

from orchestrion.engines import EngineError, GenerationRequest, InvalidRequest, create_engine
from orchestrion.engines.composer import ComposerEngine
from orchestrion.engines.composer.loudness import true_peak_db
from orchestrion.storage.encode import encode_audio

PROMPT = "Uplifting deep house track at 128 BPM in F minor, four-on-the-floor kick, warm bass line, airy synth pads"


@pytest.fixture(scope="module")
def engine() -> ComposerEngine:
    engine = ComposerEngine()
    engine.load()
    yield engine
    engine.close()


def _generate(engine: ComposerEngine, **kwargs):
    progress: list[tuple[int, float]] = []
    request = GenerationRequest(**{"prompt": PROMPT, "seed": 7, "duration": 8.0, **kwargs})
    [result] = engine.generate([request], lambda i, f: progress.append((i, f)))
    if isinstance(result, BaseException):
        raise result
    return result, progress


def test_registered_under_its_name_and_cheap_to_construct():
    engine = create_engine("composer")
    assert isinstance(engine, ComposerEngine)
    assert engine._soundfont is None  # the API builds engines only to validate: no SoundFont load
    assert (engine.min_duration, engine.max_duration) == (5.0, 300.0)


def test_prompt_becomes_mastered_stereo_track_with_midi_and_stems_when_asked(engine):
    plain, _ = _generate(engine)
    assert [e.name for e in plain.extras] == ["score.mid", "score.json"]  # stems and sheet music are asked for
    result, progress = _generate(engine, params={"stems": True})
    np.testing.assert_array_equal(result.audio, plain.audio)  # the track is the same with or without them
    audio = result.audio
    assert result.sample_rate == 48_000
    assert audio.dtype == np.float32 and audio.ndim == 2 and audio.shape[1] == 2
    assert 7.5 <= audio.shape[0] / 48_000 <= 10.5
    assert pyloudnorm.Meter(48_000).integrated_loudness(audio) == pytest.approx(-14.0, abs=0.5)
    assert true_peak_db(audio) <= -1.0
    assert progress[-1] == (0, 1.0) and [f for _, f in progress] == sorted(f for _, f in progress)

    extras = {extra.name: extra for extra in result.extras}
    midi = extras["score.mid"]
    assert midi.content_type == "audio/midi"
    parsed = mido.MidiFile(file=io.BytesIO(midi.data))
    assert any(m.type == "note_on" for t in parsed.tracks for m in t)
    assert any(m.channel == 9 for t in parsed.tracks for m in t if m.type == "note_on"), "house has drums"
    stems = [e for e in result.extras if e.name.startswith("stems/")]
    assert len(stems) == len(parsed.tracks) - 1
    for stem in stems:  # 16-bit full scale: half the memory of float, and what the WAV holds anyway
        assert stem.audio.dtype == np.int16 and stem.audio.shape == audio.shape

    info = result.info
    assert info["bpm"] == 128.0 and info["key"] == "F minor" and info["style"]
    assert info["brief"]["bpm"] == 128.0


def test_stems_sum_to_the_premaster_mix_at_master_loudness(engine):
    result, _ = _generate(engine, params={"stems": True})
    stems = np.sum([e.audio / 32768.0 for e in result.extras if e.name.startswith("stems/")], axis=0)
    meter = pyloudnorm.Meter(48_000)
    # the stems carry the master's loudness gain, so their sum sits near the track before its limiter
    assert meter.integrated_loudness(stems) == pytest.approx(meter.integrated_loudness(result.audio), abs=2.0)


def test_stems_encode_to_the_same_16_bit_samples(engine):
    result, _ = _generate(engine, duration=5.0, params={"stems": True})
    stem = next(e for e in result.extras if e.name.startswith("stems/"))
    for fmt in ("wav", "flac"):
        decoded, rate = soundfile.read(io.BytesIO(encode_audio(stem.audio, result.sample_rate, fmt)), dtype="int16")
        assert rate == 48_000 and decoded.shape == stem.audio.shape
        np.testing.assert_array_equal(decoded, stem.audio)


def test_same_request_same_bytes_across_jobs_and_engines(engine):
    first, _ = _generate(engine)
    _generate(engine, prompt="gentle bossa nova with nylon guitar", seed=3)
    second, _ = _generate(engine)
    assert first.audio.tobytes() == second.audio.tobytes()
    other = ComposerEngine()  # warmed up as an engine process does it before its first job
    try:
        other.warm()
        third, _ = _generate(other)
    finally:
        other.close()
    assert first.audio.tobytes() == third.audio.tobytes()
    assert [e.name for e in first.extras] == [e.name for e in third.extras]
    for a, b in zip(first.extras, third.extras):  # the MIDI, the score, the sheet music and the stems alike
        assert (a.data == b.data) if a.audio is None else (a.audio.tobytes() == b.audio.tobytes()), a.name
    different, _ = _generate(engine, seed=8)
    assert different.audio.shape != first.audio.shape or not np.array_equal(different.audio, first.audio)


def test_engine_options_are_checked() -> None:
    for option in ("stems", "warm_up"):
        with pytest.raises(EngineError, match=f"{option} must be true or false"):
            ComposerEngine({option: "yes"})
    cold = ComposerEngine({"warm_up": False})
    try:
        cold.warm()  # nothing to do: not even the SoundFont is read
        assert cold._soundfont is None
    finally:
        cold.close()


def test_parameters_win_over_the_prompt(engine):
    result, _ = _generate(engine, params={"bpm": 100, "key": "A minor", "stems": False})
    assert result.info["bpm"] == 100.0 and result.info["key"] == "A minor"
    assert [e.name for e in result.extras if not e.name.startswith("sheet/")] == ["score.mid", "score.json"]


def test_loop_has_no_fade(engine):
    result, _ = _generate(engine, params={"loop": True})
    assert np.abs(result.audio[-200:]).max() > 1e-3


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"bpm": 10}, "bpm", "between 40 and 240"),
        ({"bpm": 250}, "bpm", "between 40 and 240"),
        ({"bpm": "fast"}, "bpm", "number"),
        ({"bpm": True}, "bpm", "number"),
        ({"key": "H major"}, "key", "D minor"),
        ({"key": 5}, "key", "not a key"),
        ({"loop": "yes"}, "loop", "true or false"),
        ({"stems": 1}, "stems", "true or false"),
    ],
)
def test_validate_rejects_bad_parameters_with_helpful_messages(params, field, message):
    engine = ComposerEngine()
    with pytest.raises(InvalidRequest, match=message) as info:
        engine.validate(GenerationRequest(prompt="x", params=params))
    assert info.value.field == field


def test_validate_checks_duration_and_accepts_good_requests():
    engine = ComposerEngine()
    with pytest.raises(InvalidRequest) as info:
        engine.validate(GenerationRequest(prompt="x", duration=301))
    assert info.value.field == "duration"
    with pytest.raises(InvalidRequest):
        engine.validate(GenerationRequest(prompt="x", duration=4))
    engine.validate(GenerationRequest(prompt="x", duration=30, params={"bpm": 40, "key": "E-flat major",
                                                                      "loop": True}))


def test_one_bad_request_does_not_fail_the_batch(engine):
    good = GenerationRequest(prompt="calm solo piano", seed=1, duration=6.0)
    bad = GenerationRequest(prompt="calm solo piano", seed=1, duration=6.0, params={"key": "not a key"})
    results = engine.generate([bad, good], lambda i, f: None)
    assert isinstance(results[0], InvalidRequest)
    assert not isinstance(results[1], BaseException) and results[1].audio.shape[1] == 2


def test_any_text_makes_music(engine):
    for prompt in ("", "🎻🔥", "ζζζ qwerty 12345", "no drums no piano no strings no nothing"):
        request = GenerationRequest(prompt=prompt, seed=2, duration=5.0, params={"stems": False})
        [result] = engine.generate([request], lambda i, f: None)
        assert not isinstance(result, BaseException), f"{prompt!r}: {result!r}"
        assert np.abs(result.audio).max() > 0.01


def test_bad_options_fail_clearly():
    with pytest.raises(EngineError, match="stems"):
        ComposerEngine({"stems": "sometimes"})
    engine = ComposerEngine({"soundfont": "/nonexistent/font.sf2"})
    with pytest.raises(EngineError, match="SoundFont"):
        engine.load()


def test_a_midi_files_sustain_pedal_is_heard(engine):
    # Short guitar chords, one a bar: with the file's pedal down over each bar they ring on through it; without,
    # each is let go after a quarter of a beat. (The composer's own players never pedal a guitar.)
    def render(pedal: bool) -> np.ndarray:
        track, now = mido.MidiTrack([mido.MetaMessage("set_tempo", tempo=mido.bpm2tempo(120)),
                                     mido.Message("program_change", channel=0, program=24)]), 0
        events = []
        for bar in range(4):
            events += [(bar * 4.0, 1, mido.Message("note_on", note=p, velocity=100)) for p in (52, 59, 64)]
            events += [(bar * 4.0 + 0.25, 0, mido.Message("note_off", note=p)) for p in (52, 59, 64)]
            if pedal:
                events += [(bar * 4.0, 0, mido.Message("control_change", control=64, value=127)),
                           (bar * 4.0 + 3.9, 0, mido.Message("control_change", control=64, value=0))]
        for beat, _, message in sorted(events, key=lambda e: (e[0], e[1])):
            tick = round(beat * 480)
            track.append(message.copy(time=tick - now))
            now = tick
        buffer = io.BytesIO()
        midi = mido.MidiFile(type=0, ticks_per_beat=480)
        midi.tracks.append(track)
        midi.save(file=buffer)
        data = buffer.getvalue()
        result, _ = _generate(engine, prompt="a guitar",
                              params={"midi": {"file": "input.mid", "bytes": len(data)}, "midi_mode": "render"},
                              files={"midi": data})
        return result.audio

    def gaps_db(audio: np.ndarray) -> float:  # the mean level from beat 1 to 3.5 of each bar, 0.5 s a beat
        frames = [audio[int((bar * 2.0 + 0.5) * 48_000):int((bar * 2.0 + 1.75) * 48_000)] for bar in range(4)]
        return 10 * np.log10(np.mean(np.square(np.concatenate(frames), dtype=np.float64)))

    held, let_go = gaps_db(render(pedal=True)), gaps_db(render(pedal=False))
    assert held > let_go + 10, (held, let_go)
