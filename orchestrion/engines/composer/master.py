"""Master stage: rendered audio becomes a finished track at streaming loudness.

The chain: a high-pass at 30 Hz, colouring the production hints ask for ("lofi", "vinyl"), glue compression, a room
where the render has none (or a hall on top when asked), then a gain to −14 LUFS integrated (ITU-R BS.1770 through
pyloudnorm) and a true-peak brickwall limiter that holds the 4× oversampled signal at or below −1 dBTP. A piece
that ends gets a short fade over its release tail; a loop is processed as a circle, so its end flows into its start.

Silence stays silence and audio shorter than a loudness block is measured as if repeated; nothing here raises on
odd input.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.ndimage import minimum_filter1d, uniform_filter1d

from .loudness import block_true_peaks, integrated_loudness, true_peak_db

__all__ = ["Mastered", "TARGET_LUFS", "TRUE_PEAK_CEILING_DB", "master"]

TARGET_LUFS = -14.0
TRUE_PEAK_CEILING_DB = -1.0
#: The limiter aims a little under the ceiling so measurement differences between oversamplers never cross it.
_LIMITER_CEILING_DB = -1.25
#: The limiter's gain moves in steps of this many frames (1/3 ms), interpolated linearly in between: its curve is
#: computed on 16× fewer points, which keeps a 3-minute track's limiter fast and small.
_BLOCK = 16
_ATTACK_DB_PER_MS = 3.0
_RELEASE_DB_PER_S = 40.0
_SMOOTH_BLOCKS = 2
#: Most gain added to make up for loudness the limiter takes away; beyond it a track is left a little quiet
#: rather than crushed.
_MAX_EXTRA_GAIN_DB = 20.0
#: Deepest gain reduction left to the limiter; transients beyond it are soft-clipped first (a limiter that deep
#: would pump).
_LIMITER_RANGE_DB = 6.0
_LOOP_WARMUP_S = 3.0
_HEADROOM_DB = 5.0


@dataclass
class Mastered:
    audio: np.ndarray  #: float32 (frames, 2)
    #: Gain (dB) applied before dynamics to reach the target loudness; stems scaled by it sum to the pre-master mix.
    gain_db: float
    lufs: float  #: integrated loudness of the result (−inf for silence)
    true_peak_db: float  #: 4× oversampled peak of the result in dBTP
    limited_db: float  #: deepest gain reduction the limiter applied (≤ 0)


def _limiter_curve_db(need_db: np.ndarray, sample_rate: int, *, wrap: bool) -> np.ndarray:
    """A smooth per-block gain curve (dB, ≤ 0) never above ``need_db``: lookahead attack, linear release."""
    if wrap:  # a loop's gain curve must join up: compute it on three turns and keep the middle one
        n = need_db.shape[0]
        return _limiter_curve_db(np.tile(need_db, 3), sample_rate, wrap=False)[n : 2 * n]
    k = np.arange(need_db.shape[0], dtype=np.float64)
    attack = _ATTACK_DB_PER_MS * 1000.0 / sample_rate * _BLOCK
    release = _RELEASE_DB_PER_S / sample_rate * _BLOCK
    # min over later blocks of need + distance*attack: the gain starts falling ahead of a peak
    ahead = np.minimum.accumulate((need_db + attack * k)[::-1])[::-1] - attack * k
    # min over earlier blocks of ahead + distance*release: after a peak it recovers at `release` dB per block
    gain = np.minimum.accumulate(ahead - release * k) + release * k
    width = 2 * _SMOOTH_BLOCKS + 1
    # a moving average of a running minimum of the same width stays at or below every block it covers
    gain = uniform_filter1d(minimum_filter1d(gain, width, mode="nearest"), width, mode="nearest")
    # interpolating between neighbours' minimum keeps every frame of a block under that block's own value
    return minimum_filter1d(gain, 3, mode="wrap" if wrap else "nearest")


class _Limiter:
    """Per-block true-peak envelope of a signal and the gain that holds ``signal * gain`` under the ceiling."""

    def __init__(self, audio: np.ndarray, sample_rate: int, max_gain_db: float, *, wrap: bool) -> None:
        self.audio, self.sample_rate, self.wrap = audio, sample_rate, wrap
        self.max_gain_db = max_gain_db
        floor = 10 ** ((_LIMITER_CEILING_DB - max_gain_db) / 20)  # quieter blocks can never reach the ceiling
        self.env = block_true_peaks(audio, _BLOCK, floor, wrap=wrap)
        frames = audio.shape[0]
        self.energy = np.zeros(self.env.shape[0], dtype=np.float64)
        step = (1 << 18) // _BLOCK * _BLOCK
        for start in range(0, frames, step):  # chunked: no full-length float64 temporaries
            part = np.square(audio[start : start + step], dtype=np.float64).sum(axis=1)
            part = np.concatenate([part, np.zeros(-part.shape[0] % _BLOCK)])
            self.energy[start // _BLOCK : start // _BLOCK + part.shape[0] // _BLOCK] = part.reshape(-1, _BLOCK).sum(1)

    def curve_db(self, gain_db: float) -> np.ndarray:
        ceiling = 10 ** (_LIMITER_CEILING_DB / 20)
        level = self.env * 10 ** (gain_db / 20)
        need = np.zeros(self.env.shape[0], dtype=np.float64)
        over = level > ceiling
        if not over.any():
            return need
        need[over] = 20 * np.log10(ceiling / level[over])
        return _limiter_curve_db(need, self.sample_rate, wrap=self.wrap)

    def loss_db(self, curve_db: np.ndarray) -> float:
        """Predicted loudness the curve takes away, from the energy it removes."""
        total = float(self.energy.sum()) or 1.0
        return 10 * math.log10(max(float((self.energy * 10 ** (curve_db / 10)).sum()) / total, 1e-12))

    def apply(self, gain_db: float, curve_db: np.ndarray) -> np.ndarray:
        """``audio * gain * limiter``, the per-block curve interpolated frame by frame."""
        frames = self.audio.shape[0]
        out = np.empty_like(self.audio)
        centres = np.arange(curve_db.shape[0], dtype=np.float64) * _BLOCK + (_BLOCK - 1) / 2
        linear = 10 ** ((curve_db + gain_db) / 20)
        step = 1 << 18
        for start in range(0, frames, step):
            stop = min(start + step, frames)
            gain = np.interp(np.arange(start, stop, dtype=np.float64), centres, linear).astype(np.float32)
            np.multiply(self.audio[start:stop], gain[:, None], out=out[start:stop])
        return out


def _colour_and_dynamics(
    audio: np.ndarray, sample_rate: int, production: frozenset[str], add_room: bool, seed: int
) -> np.ndarray:
    import pedalboard as pb

    plugins: list = [pb.HighpassFilter(cutoff_frequency_hz=30.0)]
    if "lofi" in production:
        plugins += [pb.HighpassFilter(cutoff_frequency_hz=70.0), pb.LowpassFilter(cutoff_frequency_hz=6500.0),
                    pb.Distortion(drive_db=6.0)]
    plugins.append(pb.Compressor(threshold_db=-18.0, ratio=2.0, attack_ms=25.0, release_ms=220.0))
    if add_room and "dry" not in production:  # the render's own rooms ("hall" among them) otherwise suffice
        plugins.append(pb.Reverb(room_size=0.8 if "hall" in production else 0.55, damping=0.4, wet_level=0.22,
                                 dry_level=0.89, width=1.0))
    out = pb.Pedalboard(plugins)(audio, sample_rate, reset=True)
    if "vinyl" in production:
        out = out + _vinyl_noise(out.shape[0], sample_rate, seed, float(np.sqrt(np.mean(out**2)) + 1e-9))
    return np.ascontiguousarray(out, dtype=np.float32)


def _vinyl_noise(frames: int, sample_rate: int, seed: int, rms: float) -> np.ndarray:
    """Surface hiss and crackle, seeded, at levels relative to the music so it colours without covering."""
    rng = np.random.default_rng(seed ^ 0x5EED)
    hiss = rng.standard_normal((frames, 2)).astype(np.float32)
    hiss = uniform_filter1d(hiss, 3, axis=0) * (rms * 0.02)  # soft, slightly dull hiss ~ −34 dB under the music
    crackle = np.zeros((frames, 2), dtype=np.float32)
    count = int(frames / sample_rate * 6)  # about six pops a second
    if count and frames > 64:
        at = rng.integers(0, frames - 64, count)
        amp = (rng.pareto(3.0, count) + 0.3).astype(np.float32) * rms * 0.5
        decay = np.exp(-np.arange(48) / 6.0).astype(np.float32)
        for ch in range(2):
            pulses = np.zeros(frames, dtype=np.float32)
            np.add.at(pulses, at, amp * rng.choice([-1.0, 1.0], count).astype(np.float32))
            crackle[:, ch] = np.convolve(pulses, decay, mode="same")
    return hiss + crackle


def _fade(audio: np.ndarray, sample_rate: int) -> None:
    """Fade in over 3 ms and out over the last second (at most a tenth of the piece), in place."""
    n = audio.shape[0]
    fade_in = min(int(0.003 * sample_rate), n // 4)
    if fade_in:
        audio[:fade_in] *= (np.arange(fade_in, dtype=np.float32) / fade_in)[:, None]
    fade_out = min(int(1.0 * sample_rate), n // 10)
    if fade_out:
        ramp = 0.5 * (1 + np.cos(np.linspace(0.0, math.pi, fade_out, dtype=np.float32)))
        audio[n - fade_out :] *= ramp[:, None]


def _soft_clip(audio: np.ndarray, level: float) -> np.ndarray:
    """Round off whatever rises above half of ``level`` so that nothing reaches ``level`` (tanh knee)."""
    knee = np.float32(0.5 * level)
    magnitude = np.abs(audio)
    over = magnitude > knee
    if not over.any():
        return audio
    out = audio.copy()
    out[over] = np.sign(audio[over]) * (knee + knee * np.tanh((magnitude[over] - knee) / knee))
    return out


def _level(shaped: np.ndarray, lufs: float, sample_rate: int, loop: bool) -> tuple[np.ndarray, float, float, float]:
    """Gain ``shaped`` to the target loudness under the true-peak ceiling: (audio, gain dB, deepest GR dB, LUFS).

    Limiting lowers loudness: the gain is raised to match, first by predicting the loss from the energy the
    limiter removes (cheap), then by measuring. Transients more than :data:`_LIMITER_RANGE_DB` over the ceiling
    (a drum stem alone) are soft-clipped first, and the gain then starts again from the plain loudness match.
    """
    ceiling = 10 ** (_LIMITER_CEILING_DB / 20)
    base_db = TARGET_LUFS - lufs
    top_db = base_db + _MAX_EXTRA_GAIN_DB
    # The envelope is exact only where a gain up to max_gain_db could push it over: start with a few dB of
    # headroom (most music) and widen it if the gain has to climb further.
    limiter = _Limiter(shaped, sample_rate, base_db + _HEADROOM_DB, wrap=loop)
    gain_db = base_db
    for _ in range(4):
        if gain_db > limiter.max_gain_db:
            limiter = _Limiter(shaped, sample_rate, min(gain_db + _HEADROOM_DB, top_db), wrap=loop)
        curve = limiter.curve_db(gain_db)
        error_db = TARGET_LUFS - (lufs + gain_db + limiter.loss_db(curve))
        if abs(error_db) < 0.05 or gain_db >= top_db:
            break
        gain_db = min(gain_db + error_db, top_db)
    if gain_db > limiter.max_gain_db:
        limiter = _Limiter(shaped, sample_rate, min(gain_db + _HEADROOM_DB, top_db), wrap=loop)
    curve = limiter.curve_db(gain_db)
    clipped = False
    out, measured = shaped, lufs
    for _ in range(5):
        if not clipped and float(curve.min()) < -_LIMITER_RANGE_DB:
            clipped, gain_db = True, base_db
            level = ceiling * 10 ** ((_LIMITER_RANGE_DB - gain_db) / 20)
            limiter = _Limiter(_soft_clip(shaped, level), sample_rate, gain_db, wrap=loop)
            curve = limiter.curve_db(gain_db)
        out = limiter.apply(gain_db, curve)
        if not loop:
            _fade(out, sample_rate)
        measured = integrated_loudness(out, sample_rate)
        error_db = TARGET_LUFS - measured
        if not math.isfinite(measured) or abs(error_db) <= 0.2 or gain_db >= top_db:
            break
        gain_db = min(gain_db + error_db * 1.2, top_db)  # limiting takes back part of any raise: overshoot
        if clipped:  # the clipper's level follows the gain
            level = ceiling * 10 ** ((_LIMITER_RANGE_DB - gain_db) / 20)
            limiter = _Limiter(_soft_clip(shaped, level), sample_rate, gain_db, wrap=loop)
        elif gain_db > limiter.max_gain_db:
            limiter = _Limiter(shaped, sample_rate, min(gain_db + _HEADROOM_DB, top_db), wrap=loop)
        curve = limiter.curve_db(gain_db)
    return out, gain_db, float(curve.min()), measured


def master(
    audio: np.ndarray,
    sample_rate: int,
    *,
    production: frozenset[str] = frozenset(),
    loop: bool = False,
    has_reverb: bool = True,
    seed: int = 0,
) -> Mastered:
    """Master ``audio`` (float (frames, 2)) to −14 LUFS and ≤ −1 dBTP.

    ``has_reverb`` says whether the render already placed the music in a room; ``seed`` drives the vinyl noise.
    """
    audio = np.asarray(audio, dtype=np.float32)
    if audio.ndim != 2 or audio.shape[1] != 2:
        raise ValueError(f"audio must have shape (frames, 2), got {audio.shape}")
    if audio.shape[0] == 0 or not np.any(audio):
        return Mastered(audio.copy(), 0.0, -math.inf, -math.inf, 0.0)
    if not np.isfinite(audio).all():
        audio = np.nan_to_num(audio, nan=0.0, posinf=0.0, neginf=0.0)

    # Bring the mix to a known level first so the compressor's threshold means the same for every render.
    rms = float(np.sqrt(np.mean(np.square(audio, dtype=np.float64))))
    pre_db = -20.0 - 20 * math.log10(max(rms, 1e-9))
    pre = np.float32(10 ** (pre_db / 20))
    if loop:
        warm = min(audio.shape[0], int(_LOOP_WARMUP_S * sample_rate))
        circle = np.concatenate([audio[-warm:], audio]) * pre
        shaped = _colour_and_dynamics(circle, sample_rate, production, not has_reverb, seed)[warm:]
    else:
        shaped = _colour_and_dynamics(audio * pre, sample_rate, production, not has_reverb, seed)

    lufs = integrated_loudness(shaped, sample_rate)
    if not math.isfinite(lufs):  # below BS.1770's absolute gate: too quiet to judge, keep the level
        lufs = 10 * math.log10(max(float(np.mean(np.square(shaped, dtype=np.float64))), 1e-18))
    out, gain_db, limited_db, measured = _level(shaped, lufs, sample_rate, loop)
    peak_db = true_peak_db(out, wrap=loop)
    ceiling_db = _LIMITER_CEILING_DB + 0.1
    if peak_db > ceiling_db:  # the per-frame gain moved a peak between samples: trim the whole track
        out *= np.float32(10 ** ((ceiling_db - peak_db) / 20))
        peak_db = true_peak_db(out, wrap=loop)
        measured = integrated_loudness(out, sample_rate)
    return Mastered(
        audio=out,
        gain_db=pre_db + gain_db,
        lufs=measured,
        true_peak_db=peak_db,
        limited_db=limited_db,
    )
