"""Master stage: −14 LUFS and ≤ −1 dBTP on very different inputs, never clipping, never crashing."""

from __future__ import annotations

import numpy as np
import pyloudnorm
import pytest
from scipy.signal import resample_poly

from orchestrion.engines.composer.loudness import integrated_loudness, true_peak_db
from orchestrion.engines.composer.master import master
from orchestrion.engines.composer.render import render

from .conftest import make_score

SR = 48_000


def _true_peak(audio: np.ndarray) -> float:
    """An independent 4× oversampled peak (scipy's polyphase resampler), in dBTP."""
    return float(20 * np.log10(np.abs(resample_poly(audio, 4, 1, axis=0)).max()))


def _lufs(audio: np.ndarray) -> float:
    return float(pyloudnorm.Meter(SR).integrated_loudness(audio))


@pytest.fixture(scope="module")
def music(soundfont) -> dict[str, np.ndarray]:
    rendering = render(make_score(bars=8, bpm=110.0), soundfont)
    return {"mix": rendering.mix, "drums": rendering.stems["drums"].audio(),
            "strings": rendering.stems["strings"].audio()}


def _inputs(music: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(0)
    t = np.arange(10 * SR) / SR
    clicks = (rng.standard_normal((10 * SR, 2)) * 0.02).astype(np.float32)
    clicks[:: SR // 6] = 0.95  # a hard transient six times a second over a quiet bed
    return {
        "music": music["mix"],
        "quiet": music["mix"] * 1e-3,
        "loud": np.clip(music["mix"] * 30, -1.0, 1.0),
        "drums only": music["drums"],
        "pad only": music["strings"] * 4,
        "clicks": clicks,
        "pumping bass": np.repeat(((1 + np.sign(np.sin(2 * np.pi * 2 * t))) * np.sin(2 * np.pi * 55 * t))[:, None],
                                  2, axis=1).astype(np.float32),
    }


@pytest.mark.parametrize("name", ["music", "quiet", "loud", "drums only", "pad only", "clicks", "pumping bass"])
def test_hits_loudness_and_true_peak_targets(music, name):
    audio = _inputs(music)[name]
    out = master(audio, SR).audio
    assert out.shape == audio.shape and out.dtype == np.float32
    assert _lufs(out) == pytest.approx(-14.0, abs=0.5)
    assert _true_peak(out) <= -1.0
    assert np.abs(out).max() < 0.999


@pytest.mark.parametrize("production", [{"lofi"}, {"vinyl"}, {"lofi", "vinyl"}, {"hall"}, {"dry"}, {"live"}])
def test_production_hints_keep_the_targets(music, production):
    out = master(music["mix"], SR, production=frozenset(production)).audio
    assert _lufs(out) == pytest.approx(-14.0, abs=0.5)
    assert _true_peak(out) <= -1.0


def test_production_hints_change_the_sound(music):
    plain = master(music["mix"], SR).audio
    lofi = master(music["mix"], SR, production=frozenset({"lofi"})).audio
    spectrum = {k: np.abs(np.fft.rfft(v[:, 0])) ** 2 for k, v in (("plain", plain), ("lofi", lofi))}
    freqs = np.fft.rfftfreq(plain.shape[0], 1 / SR)
    high = freqs > 9000
    share = {k: s[high].sum() / s.sum() for k, s in spectrum.items()}
    assert share["lofi"] < share["plain"] / 3, "lo-fi should roll off the highs"
    vinyl = master(music["mix"], SR, production=frozenset({"vinyl"}), seed=4).audio
    assert not np.array_equal(vinyl, plain)
    assert np.array_equal(vinyl, master(music["mix"], SR, production=frozenset({"vinyl"}), seed=4).audio)


def test_room_is_added_only_when_the_render_has_none(music):
    dry_render = master(music["mix"], SR, has_reverb=False).audio
    wet_render = master(music["mix"], SR, has_reverb=True).audio
    assert not np.array_equal(dry_render, wet_render)


def test_silence_and_tiny_inputs_do_not_crash():
    silent = master(np.zeros((SR, 2), np.float32), SR)
    assert not silent.audio.any() and silent.lufs == -np.inf
    empty = master(np.zeros((0, 2), np.float32), SR)
    assert empty.audio.shape == (0, 2)
    blip = np.zeros((2400, 2), np.float32)
    blip[100:1300] = np.sin(np.arange(1200) / 5.0)[:, None] * 0.3
    short = master(blip, SR)  # shorter than a 400 ms loudness block
    assert short.audio.shape == blip.shape
    assert _true_peak(short.audio) <= -1.0
    assert np.isfinite(short.audio).all()
    with_nan = master(np.full((SR, 2), np.nan, np.float32), SR)
    assert np.isfinite(with_nan.audio).all()


def test_rejects_mono_with_a_clear_error():
    with pytest.raises(ValueError, match="frames, 2"):
        master(np.zeros(SR, np.float32), SR)


def test_ending_fades_and_loop_joins_seamlessly(music):
    ending = master(music["mix"], SR).audio
    assert np.abs(ending[-1]).max() < 1e-3
    looped = master(music["mix"], SR, loop=True).audio
    assert _lufs(looped) == pytest.approx(-14.0, abs=0.5)
    # across the seam the signal moves no more than it does between neighbouring samples elsewhere
    steps = np.abs(np.diff(looped, axis=0)).max(axis=1)
    seam = np.abs(looped[0] - looped[-1]).max()
    assert seam <= np.percentile(steps, 99.9)
    assert np.abs(looped[:480]).max() > 1e-3, "a loop must not fade in"


def test_in_place_masters_the_buffer_it_was_given(music):
    copy = master(music["mix"], SR, production=frozenset({"vinyl"}), seed=2).audio
    buffer = music["mix"].copy()
    result = master(buffer, SR, production=frozenset({"vinyl"}), seed=2, in_place=True)
    assert result.audio is buffer
    assert buffer.tobytes() == copy.tobytes()


def test_same_input_gives_byte_identical_master(music):
    a = master(music["mix"], SR, production=frozenset({"vinyl", "hall"}), seed=1).audio
    b = master(music["mix"], SR, production=frozenset({"vinyl", "hall"}), seed=1).audio
    assert a.tobytes() == b.tobytes()


def test_loudness_meter_matches_pyloudnorm(music):
    rng = np.random.default_rng(2)
    for audio in (music["mix"], (rng.standard_normal((SR * 3 + 17, 2)) * 0.1).astype(np.float32)):
        assert integrated_loudness(audio, SR) == pytest.approx(_lufs(audio), abs=1e-4)


def test_true_peak_sees_peaks_between_samples():
    n = np.arange(SR)
    # a full-scale sine at a quarter of the rate, sampled 45° off its crests: samples read −3 dB, the wave is 0 dB
    audio = np.repeat(np.sin(np.pi / 2 * n + np.pi / 4)[:, None], 2, axis=1).astype(np.float32)
    assert 20 * np.log10(np.abs(audio).max()) == pytest.approx(-3.01, abs=0.05)
    assert true_peak_db(audio) == pytest.approx(_true_peak(audio), abs=0.2)
    assert true_peak_db(audio) > -0.5


def _steady_tone(seconds: float = 8.0) -> np.ndarray:
    t = np.arange(int(seconds * SR)) / SR
    return np.repeat((0.2 * np.sin(2 * np.pi * 220 * t))[:, None], 2, axis=1).astype(np.float32)


def _window_db(audio: np.ndarray, start_s: float, length_s: float = 0.1) -> float:
    start = int(start_s * SR) if start_s >= 0 else audio.shape[0] + int(start_s * SR)
    part = audio[start : start + int(length_s * SR)]
    return float(10 * np.log10(np.mean(np.square(part, dtype=np.float64)) + 1e-20))


def test_an_ending_is_left_as_rendered_but_for_a_click_guard():
    out = master(_steady_tone(), SR).audio
    # a sustained sound is not ramped down: a second before the end it is as loud as in the middle
    assert _window_db(out, -1.0) == pytest.approx(_window_db(out, 4.0), abs=0.5)
    assert _window_db(out, -0.1) == pytest.approx(_window_db(out, 4.0), abs=1.0)
    assert np.abs(out[-1]).max() < 1e-3  # only the last few milliseconds close


def test_fade_out_fades_over_the_last_seconds():
    out = master(_steady_tone(), SR, fade_out=True).audio
    steady = _window_db(out, 3.0)
    assert _window_db(out, -2.5) == pytest.approx(steady, abs=0.5)
    assert _window_db(out, -1.0) < steady - 3.0
    levels = [_window_db(out, -2.0 + 0.1 * k) for k in range(20)]
    assert all(b < a for a, b in zip(levels, levels[1:]))
    assert levels[-1] < steady - 30


@pytest.mark.parametrize("production", [{"tape"}, {"warm"}])
def test_tape_and_warm_colour_keep_the_targets(music, production):
    plain = master(music["mix"], SR).audio
    out = master(music["mix"], SR, production=frozenset(production)).audio
    assert _lufs(out) == pytest.approx(-14.0, abs=0.5)
    assert _true_peak(out) <= -1.0
    spectrum = {k: np.abs(np.fft.rfft(v[:, 0])) ** 2 for k, v in (("plain", plain), ("coloured", out))}
    freqs = np.fft.rfftfreq(plain.shape[0], 1 / SR)
    high = freqs > 8000
    assert spectrum["coloured"][high].sum() / spectrum["coloured"].sum() < \
        spectrum["plain"][high].sum() / spectrum["plain"].sum()
