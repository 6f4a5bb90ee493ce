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
from scipy.signal import firwin

__all__ = [
    "Mastered",
    "TARGET_LUFS",
    "TRUE_PEAK_CEILING_DB",
    "integrated_loudness",
    "master",
    "true_peak_db",
]

TARGET_LUFS = -14.0
TRUE_PEAK_CEILING_DB = -1.0
#: The limiter aims a little under the ceiling so measurement differences between oversamplers never cross it.
_LIMITER_CEILING_DB = -1.25
_OVERSAMPLE = 4
_HALF_TAPS = 12  # taps of the oversampling filter on each side of a frame
#: Frames more than this below the ceiling cannot reach it between samples (a 4× oversampled peak exceeds the
#: samples around it by 3 dB at most for real signals), so only frames above it are oversampled.
_CANDIDATE_MARGIN_DB = 4.0
#: Most gain added to make up for loudness the limiter takes away (a drum stem alone needs ~15 dB); beyond it a
#: track is left a little quiet rather than crushed.
_MAX_EXTRA_GAIN_DB = 20.0
#: Deepest gain reduction left to the limiter; transients beyond it are soft-clipped first.
_LIMITER_RANGE_DB = 6.0
_ATTACK_DB_PER_MS = 3.0
_RELEASE_DB_PER_S = 40.0
_SMOOTH_MS = 0.7
_LOOP_WARMUP_S = 3.0


@dataclass
class Mastered:
    audio: np.ndarray  #: float32 (frames, 2)
    #: Gain (dB) applied before dynamics to reach the target loudness; stems scaled by it sum to the pre-master mix.
    gain_db: float
    lufs: float  #: integrated loudness of the result (−inf for silence)
    true_peak_db: float  #: 4× oversampled peak of the result in dBTP
    limited_db: float  #: deepest gain reduction the limiter applied (≤ 0)


#: The 4× interpolation low-pass (cut at the original Nyquist), gain 4 so interpolated samples keep their level.
_PROTOTYPE = firwin(2 * _HALF_TAPS * _OVERSAMPLE + 1, 1.0 / _OVERSAMPLE, window=("kaiser", 6.0)) * _OVERSAMPLE


def _polyphase_filters() -> np.ndarray:
    """(_OVERSAMPLE, 2*_HALF_TAPS) interpolation filters: row p gives the sample p/4 of a frame after it."""
    taps = len(_PROTOTYPE)
    proto = _PROTOTYPE
    centre = taps // 2
    filters = np.zeros((_OVERSAMPLE, 2 * _HALF_TAPS), dtype=np.float64)
    for phase in range(_OVERSAMPLE):
        for j, offset in enumerate(range(-_HALF_TAPS + 1, _HALF_TAPS + 1)):
            # output at frame n + phase/4 takes input n + offset with weight proto[centre + phase - 4*offset]
            k = centre + phase - _OVERSAMPLE * offset
            if 0 <= k < taps:
                filters[phase, j] = proto[k]
    return filters


_FILTERS = _polyphase_filters()


def _frame_true_peaks(audio: np.ndarray, frames: np.ndarray, *, wrap: bool = False) -> np.ndarray:
    """Largest absolute value of the 4× oversampled signal between each of ``frames`` and the next frame."""
    n = audio.shape[0]
    offsets = np.arange(-_HALF_TAPS + 1, _HALF_TAPS + 1)
    peaks = np.zeros(len(frames), dtype=np.float64)
    for start in range(0, len(frames), 65_536):  # bounded memory: windows are (chunk, taps) per channel
        idx = frames[start : start + 65_536, None] + offsets
        outside = None if wrap else (idx < 0) | (idx >= n)
        idx = idx % n  # a loop wraps round; a piece is silent before and after itself (masked below)
        for ch in range(audio.shape[1]):
            windows = audio[idx, ch].astype(np.float64)
            if outside is not None:
                windows[outside] = 0.0
            values = np.abs(windows @ _FILTERS.T).max(axis=1)
            np.maximum(peaks[start : start + 65_536], values, out=peaks[start : start + 65_536])
    return peaks


def _frame_peaks(audio: np.ndarray) -> np.ndarray:
    """Largest absolute sample across channels, per frame (column-wise: reducing a short axis is slow)."""
    peaks = np.abs(audio[:, 0]).astype(np.float64)
    for ch in range(1, audio.shape[1]):
        np.maximum(peaks, np.abs(audio[:, ch]), out=peaks)
    return peaks


def _all_true_peaks(audio: np.ndarray, *, wrap: bool = False) -> np.ndarray:
    """Per-frame true peak of every frame: each interpolating phase as one FFT convolution, in bounded chunks."""
    from scipy.signal import oaconvolve

    n = audio.shape[0]
    pad = 2 * _HALF_TAPS
    rows = np.ascontiguousarray(audio.T, dtype=np.float32)
    if wrap:
        padded = np.concatenate([np.tile(rows, (1, -(-pad // n) + 1))[:, -pad:], rows,
                                 np.tile(rows, (1, -(-pad // n) + 1))[:, :pad]], axis=1)
    else:
        padded = np.pad(rows, ((0, 0), (pad, pad)))
    peaks = np.abs(rows).max(axis=0).astype(np.float64)  # phase 0 is the frame itself
    kernels = _FILTERS[1:, ::-1].astype(np.float32)
    chunk = 1 << 20
    for start in range(0, n, chunk):
        stop = min(start + chunk, n)
        piece = padded[:, start : stop + 2 * pad]
        first = pad - _HALF_TAPS + 1  # 'valid' output k holds the frame start + k - first
        for kernel in kernels:
            values = oaconvolve(piece, kernel[None, :], mode="valid", axes=1)[:, first : first + stop - start]
            np.maximum(peaks[start:stop], np.abs(values).max(axis=0), out=peaks[start:stop])
    return peaks


def _peak_envelope(audio: np.ndarray, floor: float, *, wrap: bool = False) -> np.ndarray:
    """Per-frame true peak where it may exceed ``floor``; the sample peak elsewhere (cheap, and below floor)."""
    sample_peak = _frame_peaks(audio)
    loud = sample_peak > floor
    # A frame's inter-sample peak lies between it and its neighbour: oversample the frame before a loud one too.
    loud[:-1] |= loud[1:]
    near = np.flatnonzero(loud)
    if near.size > audio.shape[0] // 8:  # gathering windows frame by frame only pays for sparse peaks
        return np.maximum(sample_peak, _all_true_peaks(audio, wrap=wrap))
    if near.size:
        sample_peak[near] = np.maximum(sample_peak[near], _frame_true_peaks(audio, near, wrap=wrap))
    return sample_peak


def true_peak_db(audio: np.ndarray) -> float:
    """True peak of ``audio`` (frames, channels) in dBTP, from a 4× oversampled signal."""
    if audio.size == 0:
        return -math.inf
    peak = float(np.abs(audio).max())
    if peak == 0.0:
        return -math.inf
    env = _peak_envelope(audio, peak * 10 ** (-_CANDIDATE_MARGIN_DB / 20))
    return 20 * math.log10(float(env.max()))


def _limiter_gain_db(need_db: np.ndarray, sample_rate: int, *, wrap: bool) -> np.ndarray:
    """A smooth gain curve (dB, ≤ 0) never above ``need_db``: fast lookahead attack, slow linear release."""
    if wrap:  # a loop's gain curve must join up: compute it on three turns and keep the middle one
        n = need_db.shape[0]
        return _limiter_gain_db(np.tile(need_db, 3), sample_rate, wrap=False)[n : 2 * n]
    k = np.arange(need_db.shape[0], dtype=np.float64)
    attack = _ATTACK_DB_PER_MS * 1000.0 / sample_rate
    release = _RELEASE_DB_PER_S / sample_rate
    # min over later frames of need + distance*attack: the gain starts falling ahead of a peak
    ahead = np.minimum.accumulate((need_db + attack * k)[::-1])[::-1] - attack * k
    # min over earlier frames of ahead + distance*release: after a peak it recovers at `release` dB per frame
    gain = np.minimum.accumulate(ahead - release * k) + release * k
    width = max(1, int(_SMOOTH_MS * sample_rate / 1000)) * 2 + 1
    # a moving average of a running minimum of the same width stays at or below every frame it covers
    return uniform_filter1d(minimum_filter1d(gain, width, mode="nearest"), width, mode="nearest")


def _limit(audio: np.ndarray, env: np.ndarray, gain: float, sample_rate: int, *, wrap: bool) -> np.ndarray:
    """Limiter gain (linear, per frame) for ``audio * gain`` given its true-peak envelope ``env``."""
    ceiling = 10 ** (_LIMITER_CEILING_DB / 20)
    over = env * gain > ceiling
    if not over.any():
        return np.ones(env.shape[0], dtype=np.float64)
    need_db = np.zeros(env.shape[0], dtype=np.float64)
    need_db[over] = 20 * np.log10(ceiling / (env[over] * gain))
    return 10 ** (_limiter_gain_db(need_db, sample_rate, wrap=wrap) / 20)


def integrated_loudness(audio: np.ndarray, sample_rate: int) -> float:
    """Integrated loudness (LUFS) of ``audio`` (frames, channels), as ``pyloudnorm.Meter.integrated_loudness``.

    Same K-weighting filters (pyloudnorm's), block bounds and gates; the 400 ms block energies come from one
    cumulative sum instead of a Python loop, which makes it ~4× faster on a 3-minute track.
    Audio shorter than one block is measured as if it repeated; silence is −inf.
    """
    import pyloudnorm
    from scipy.signal import sosfilt

    block_s, step = 0.400, 0.25
    data = np.asarray(audio)
    if data.ndim == 1:
        data = data[:, None]
    min_frames = int(block_s * sample_rate) + 1
    if 0 < data.shape[0] < min_frames:
        data = np.tile(data, (-(-min_frames // data.shape[0]), 1))
    if data.shape[0] == 0 or not np.any(data):
        return -math.inf
    stages = list(pyloudnorm.Meter(sample_rate)._filters.values())
    sos = np.array([np.concatenate([st.b * st.passband_gain, st.a]) for st in stages], dtype=np.float64)
    # channels as contiguous rows: sosfilt runs ~2× faster than over a strided axis
    weighted = sosfilt(sos, np.ascontiguousarray(data.T, dtype=np.float64), axis=1)
    frames = weighted.shape[1]
    n_blocks = int(np.round((frames / sample_rate - block_s) / (block_s * step))) + 1
    j = np.arange(n_blocks, dtype=np.float64)
    lower = (block_s * (j * step) * sample_rate).astype(np.int64)
    upper = np.minimum((block_s * (j * step + 1) * sample_rate).astype(np.int64), frames)
    power = np.zeros((weighted.shape[0], frames + 1), dtype=np.float64)
    np.cumsum(np.square(weighted, out=weighted), axis=1, out=power[:, 1:])
    z = ((power[:, upper] - power[:, lower]) / (block_s * sample_rate)).T  # (blocks, channels)
    weights = np.array([1.0, 1.0, 1.0, 1.41, 1.41])[: z.shape[1]]
    with np.errstate(divide="ignore"):
        block_lufs = -0.691 + 10.0 * np.log10(z @ weights)
        gated = block_lufs >= -70.0
        if not gated.any():
            return -math.inf
        relative = -0.691 + 10.0 * np.log10(z[gated].mean(axis=0) @ weights) - 10.0
        gated &= block_lufs > relative
        if not gated.any():
            return -math.inf
        return float(-0.691 + 10.0 * np.log10(z[gated].mean(axis=0) @ weights))


def _colour_and_dynamics(
    audio: np.ndarray, sample_rate: int, production: frozenset[str], add_room: bool, seed: int
) -> np.ndarray:
    import pedalboard as pb

    plugins: list = [pb.HighpassFilter(cutoff_frequency_hz=30.0)]
    if "lofi" in production:
        plugins += [pb.HighpassFilter(cutoff_frequency_hz=70.0), pb.LowpassFilter(cutoff_frequency_hz=6500.0),
                    pb.Distortion(drive_db=6.0)]
    plugins.append(pb.Compressor(threshold_db=-18.0, ratio=2.0, attack_ms=25.0, release_ms=220.0))
    if "dry" not in production and (add_room or "hall" in production):
        wet = 0.22 if add_room else 0.12
        plugins.append(pb.Reverb(room_size=0.8 if "hall" in production else 0.55, damping=0.4, wet_level=wet,
                                 dry_level=1.0 - wet / 2, width=1.0))
    out = pb.Pedalboard(plugins)(np.ascontiguousarray(audio.T), sample_rate, reset=True).T
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
    knee = 0.5 * level
    magnitude = np.abs(audio)
    over = magnitude > knee
    if not over.any():
        return audio
    out = audio.copy()
    shaped = knee + knee * np.tanh((magnitude[over] - knee) / knee)
    out[over] = np.sign(audio[over]) * shaped
    return out


def _level(
    shaped: np.ndarray, lufs: float, sample_rate: int, loop: bool
) -> tuple[np.ndarray, float, np.ndarray, float]:
    """Gain ``shaped`` to the target loudness under the true-peak ceiling: (audio, gain dB, limiter, LUFS).

    Limiting lowers loudness: the gain is raised to match, first by predicting the loss from the energy the
    limiter removes (cheap), then by measuring. Transients more than :data:`_LIMITER_RANGE_DB` over the ceiling
    (a drum stem alone) are rounded off by a soft clipper first, since a limiter that deep would pump.
    """
    ceiling = 10 ** (_LIMITER_CEILING_DB / 20)
    gain_db = TARGET_LUFS - lufs
    top_db = gain_db + _MAX_EXTRA_GAIN_DB
    energy = np.square(shaped[:, 0], dtype=np.float64) + np.square(shaped[:, 1], dtype=np.float64)
    total = float(energy.sum()) or 1.0
    source = shaped
    # Frames that stay under the ceiling even at the highest gain tried need no oversampling.
    env = _peak_envelope(source, 10 ** ((_LIMITER_CEILING_DB - _CANDIDATE_MARGIN_DB - top_db) / 20), wrap=loop)
    clipped_at = None
    for _ in range(4):
        limiter = _limit(source, env, 10 ** (gain_db / 20), sample_rate, wrap=loop)
        lost_db = 10 * math.log10(max(float((energy * limiter**2).sum()) / total, 1e-12))
        error_db = TARGET_LUFS - (lufs + gain_db + lost_db)
        if abs(error_db) < 0.05 or gain_db >= top_db:
            break
        gain_db = min(gain_db + error_db, top_db)
    limiter = _limit(source, env, 10 ** (gain_db / 20), sample_rate, wrap=loop)
    out, measured = shaped, lufs
    for _ in range(5):
        if 20 * math.log10(max(float(limiter.min()), 1e-12)) < -_LIMITER_RANGE_DB and clipped_at is None:
            # the predicted raise assumed the limiter would take the peaks; the clipper keeps their energy
            gain_db = TARGET_LUFS - lufs
            level = ceiling * 10 ** (_LIMITER_RANGE_DB / 20) / 10 ** (gain_db / 20)
            source, clipped_at = _soft_clip(shaped, np.float32(level)), gain_db
            floor = 10 ** ((_LIMITER_CEILING_DB - _CANDIDATE_MARGIN_DB - gain_db) / 20)
            env = _peak_envelope(source, floor, wrap=loop)
            limiter = _limit(source, env, 10 ** (gain_db / 20), sample_rate, wrap=loop)
        out = source * (limiter * 10 ** (gain_db / 20)).astype(np.float32)[:, None]
        if not loop:
            _fade(out, sample_rate)
        measured = integrated_loudness(out, sample_rate)
        error_db = TARGET_LUFS - measured
        if not math.isfinite(measured) or abs(error_db) <= 0.2 or gain_db >= top_db:
            break
        gain_db = min(gain_db + error_db * 1.2, top_db)  # limiting takes back part of any raise: overshoot
        if clipped_at is not None:  # the clipper's level follows the gain
            level = ceiling * 10 ** (_LIMITER_RANGE_DB / 20) / 10 ** (gain_db / 20)
            source, clipped_at = _soft_clip(shaped, np.float32(level)), gain_db
            floor = 10 ** ((_LIMITER_CEILING_DB - _CANDIDATE_MARGIN_DB - gain_db) / 20)
            env = _peak_envelope(source, floor, wrap=loop)
        limiter = _limit(source, env, 10 ** (gain_db / 20), sample_rate, wrap=loop)
    return out, gain_db, limiter, measured


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
        lufs = 20 * math.log10(max(float(np.sqrt(np.mean(shaped**2))), 1e-9))
    out, gain_db, limiter, measured = _level(shaped, lufs, sample_rate, loop)
    peak_db = true_peak_db(out)
    ceiling_db = _LIMITER_CEILING_DB + 0.1
    if peak_db > ceiling_db:  # the per-frame gain moved a peak between samples: trim the whole track
        out *= np.float32(10 ** ((ceiling_db - peak_db) / 20))
        peak_db = true_peak_db(out)
        measured = integrated_loudness(out, sample_rate)
    return Mastered(
        audio=out,
        gain_db=pre_db + gain_db,
        lufs=measured,
        true_peak_db=peak_db,
        limited_db=float(20 * np.log10(limiter.min())),
    )
