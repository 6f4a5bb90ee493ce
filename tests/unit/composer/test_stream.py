"""The streaming master: a track mastered piece by piece as it renders is one track, whatever the timing."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from orchestrion.engines.base import GenerationRequest
from orchestrion.engines.composer import ComposerEngine
from orchestrion.engines.composer.loudness import integrated_loudness, true_peak_db
from orchestrion.engines.composer.stream import LOOKAHEAD_S, StreamMaster

RATE = 48_000


def _music(seconds: float, *, quiet_start: float = 0.0, seed: int = 1) -> np.ndarray:
    """Pulsing filtered noise with a few sharp hits: something with loudness, peaks and a start that can be
    quieter than the rest."""
    rng = np.random.default_rng(seed)
    frames = int(seconds * RATE)
    noise = rng.standard_normal((frames, 2)).astype(np.float32)
    noise = (noise + np.roll(noise, 1, axis=0)) * 0.5
    t = np.arange(frames) / RATE
    envelope = (0.6 + 0.4 * np.sin(2 * np.pi * 2 * t)).astype(np.float32)[:, None]
    audio = noise * envelope * np.float32(0.05)
    audio[:: RATE // 2] *= 12  # hits well over the rest: the limiter has work
    if quiet_start:
        audio[: int(quiet_start * RATE)] *= np.float32(0.03)
    return audio


def _master(mix: np.ndarray, sizes: list[int] | None, **kwargs) -> tuple[np.ndarray, StreamMaster]:
    master = StreamMaster(mix.shape[0], RATE, **kwargs)
    out = np.zeros_like(mix)
    position = rendered = 0
    step = iter(sizes or [])
    while not master.done:
        rendered = mix.shape[0] if sizes is None else min(mix.shape[0], rendered + next(step, 48_000))
        for start, piece in master.feed(mix, rendered):
            assert start == position, "pieces come in order, without gaps"
            out[start : start + piece.shape[0]] = piece
            position += piece.shape[0]
    assert position == mix.shape[0]
    return out, master


def test_the_same_track_however_the_render_arrives():
    mix = _music(12.0)
    whole, _ = _master(mix, None)
    rng = np.random.default_rng(5)
    trickled, _ = _master(mix, [int(n) for n in rng.integers(1, 30_000, 400)])
    np.testing.assert_array_equal(trickled, whole)


@pytest.mark.parametrize("quiet_start", [0.0, 4.0])
def test_streaming_loudness_and_true_peak(quiet_start):
    out, master = _master(_music(20.0, quiet_start=quiet_start), [9_600] * 200)
    assert integrated_loudness(out, RATE) == pytest.approx(-14.0, abs=1.0)
    assert true_peak_db(out) <= -1.0
    figures = master.result()
    assert figures.lufs == pytest.approx(integrated_loudness(out, RATE))
    assert figures.true_peak_db == pytest.approx(true_peak_db(out), abs=0.01)
    assert figures.limited_db < 0  # the hits were held down


def test_first_piece_comes_after_a_couple_of_seconds_of_render():
    mix = _music(30.0)
    master = StreamMaster(mix.shape[0], RATE)
    assert list(master.feed(mix, int((LOOKAHEAD_S - 0.5) * RATE))) == []
    pieces = list(master.feed(mix, int((LOOKAHEAD_S + 0.3) * RATE)))
    assert pieces and pieces[0][0] == 0


def test_fixed_gains_master_at_the_gains_given():
    mix = _music(10.0)
    _, first = _master(mix, None)
    gains = first.result().gains
    again, second = _master(mix, None, gains=gains)
    assert second.level_db.tolist() == [gains[1]] * second.units


def test_silence_stays_silence():
    out, _ = _master(np.zeros((RATE * 6, 2), np.float32), None)
    assert not out.any()


def test_samples_that_are_not_numbers_master_as_silence():
    mix = _music(8.0)
    broken = mix.copy()
    for at, value in ((RATE // 2, np.nan), (3 * RATE, np.inf), (6 * RATE + 7, -np.inf)):
        broken[at : at + 100] = value
        mix[at : at + 100] = 0.0
    out, _ = _master(broken, [30_000] * 20)
    assert np.isfinite(out).all()
    np.testing.assert_array_equal(out, _master(mix, [30_000] * 20)[0])


@pytest.fixture(scope="module")
def engine():
    engine = ComposerEngine()
    engine.load()
    yield engine
    engine.close()


def test_the_engine_hands_over_its_track_as_it_renders(engine):
    pieces: list[tuple[int, np.ndarray, int]] = []
    request = GenerationRequest(prompt="bright acoustic folk with guitar and fiddle", seed=4, duration=10.0)
    [streamed] = engine.generate([dataclasses.replace(
        request, sink=lambda start, audio, total: pieces.append((start, audio.copy(), total)))], lambda i, f: None)
    [plain] = engine.generate([request], lambda i, f: None)
    assert [p[0] for p in pieces] == sorted(p[0] for p in pieces) and len(pieces) > 10
    assert {p[2] for p in pieces} == {plain.audio.shape[0]}
    np.testing.assert_array_equal(np.concatenate([p[1] for p in pieces]), streamed.audio)
    np.testing.assert_array_equal(streamed.audio, plain.audio)  # nobody listening makes the same track
    assert streamed.info["lufs"] == pytest.approx(-14.0, abs=1.0) and streamed.info["true_peak_db"] <= -1.0
