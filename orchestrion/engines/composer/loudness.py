"""Loudness and true-peak measurement for the master stage (and the quality bench).

:func:`integrated_loudness` is ITU-R BS.1770 exactly as ``pyloudnorm.Meter.integrated_loudness`` computes it (its
K-weighting filters, block bounds and gates), with block energies from one cumulative sum per channel instead of
a Python loop. True peak is the peak of a 4× oversampled signal (a Kaiser-windowed interpolation filter); frames
far below the level of interest are not oversampled, since a 4× interpolated peak exceeds the samples around it by
about 3 dB at most for real signals.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.signal import firwin

__all__ = ["block_true_peaks", "integrated_loudness", "true_peak_db"]

OVERSAMPLE = 4
_HALF_TAPS = 12  # taps of each interpolating phase on either side of a frame
#: Frames more than this under the level of interest are left at their sample peak.
CANDIDATE_MARGIN_DB = 4.0
_CHUNK = 1 << 18  # frames oversampled at a time: bounds memory on long tracks

#: The 4× interpolation low-pass (cut at the original Nyquist), gain 4 so interpolated samples keep their level.
_PROTOTYPE = firwin(2 * _HALF_TAPS * OVERSAMPLE + 1, 1.0 / OVERSAMPLE, window=("kaiser", 6.0)) * OVERSAMPLE
_OFFSETS = np.arange(-_HALF_TAPS + 1, _HALF_TAPS + 1)


def _polyphase_filters() -> np.ndarray:
    """(OVERSAMPLE, 2*_HALF_TAPS) filters: row p interpolates the point p/4 of the way to the next frame."""
    centre = len(_PROTOTYPE) // 2
    filters = np.zeros((OVERSAMPLE, len(_OFFSETS)), dtype=np.float64)
    for phase in range(OVERSAMPLE):
        for j, offset in enumerate(_OFFSETS):
            k = centre + phase - OVERSAMPLE * offset
            if 0 <= k < len(_PROTOTYPE):
                filters[phase, j] = _PROTOTYPE[k]
    return filters


FILTERS = _polyphase_filters()


def _frame_peaks(audio: np.ndarray) -> np.ndarray:
    """Largest absolute sample across channels, per frame (column-wise: reducing a short axis is slow)."""
    peaks = np.abs(audio[:, 0])
    for ch in range(1, audio.shape[1]):
        np.maximum(peaks, np.abs(audio[:, ch]), out=peaks)
    return peaks


def _windows(audio: np.ndarray, frames: np.ndarray, ch: int, wrap: bool) -> np.ndarray:
    idx = frames[:, None] + _OFFSETS
    n = audio.shape[0]
    windows = audio[idx % n, ch].astype(np.float64)
    if not wrap:  # a piece is silent before and after itself
        windows[(idx < 0) | (idx >= n)] = 0.0
    return windows


def _true_peaks_at(audio: np.ndarray, frames: np.ndarray, wrap: bool) -> np.ndarray:
    """Largest 4× oversampled value between each of ``frames`` and the next frame."""
    peaks = np.zeros(len(frames), dtype=np.float64)
    for start in range(0, len(frames), 65_536):
        part = frames[start : start + 65_536]
        for ch in range(audio.shape[1]):
            values = np.abs(_windows(audio, part, ch, wrap) @ FILTERS.T).max(axis=1)
            np.maximum(peaks[start : start + len(part)], values, out=peaks[start : start + len(part)])
    return peaks


def _dense_true_peaks(audio: np.ndarray, start: int, stop: int, wrap: bool) -> np.ndarray:
    """Largest 4× oversampled value after each frame of ``start:stop``, every frame."""
    from scipy.signal import oaconvolve

    n = audio.shape[0]
    idx = np.arange(start - _HALF_TAPS + 1, stop + _HALF_TAPS)
    rows = np.ascontiguousarray(audio[idx % n].T, dtype=np.float32)
    if not wrap:
        rows[:, (idx < 0) | (idx >= n)] = 0.0
    peaks = np.zeros(stop - start, dtype=np.float64)
    for kernel in FILTERS[1:, ::-1].astype(np.float32):  # phase 0 is the frame itself
        values = oaconvolve(rows, kernel[None, :], mode="valid", axes=1)
        np.maximum(peaks, np.abs(values).max(axis=0), out=peaks)
    return peaks


def block_true_peaks(audio: np.ndarray, block: int, floor: float = 0.0, *, wrap: bool = False) -> np.ndarray:
    """True peak of each ``block`` frames (the last block may be shorter), exact wherever it may exceed ``floor``.

    Blocks whose samples stay more than :data:`CANDIDATE_MARGIN_DB` under ``floor`` report their sample peak.
    """
    n = audio.shape[0]
    n_blocks = -(-n // block)
    out = np.empty(n_blocks, dtype=np.float64)
    threshold = floor * 10 ** (-CANDIDATE_MARGIN_DB / 20)
    step = _CHUNK // block * block
    for start in range(0, n, step):
        stop = min(start + step, n)
        peaks = _frame_peaks(audio[start:stop]).astype(np.float64)
        loud = peaks > threshold
        loud[:-1] |= loud[1:]  # the peak between a frame and a loud next one belongs to the first
        if stop < n and not loud[-1]:
            loud[-1] = float(_frame_peaks(audio[stop : stop + 1])[0]) > threshold
        near = np.flatnonzero(loud)
        if near.size > (stop - start) // 8:  # dense: one FFT convolution per phase beats gathering windows
            np.maximum(peaks, _dense_true_peaks(audio, start, stop, wrap), out=peaks)
        elif near.size:
            peaks[near] = np.maximum(peaks[near], _true_peaks_at(audio, near + start, wrap))
        pad = -(stop - start) % block
        if pad:
            peaks = np.concatenate([peaks, np.zeros(pad)])
        out[start // block : start // block + len(peaks) // block] = peaks.reshape(-1, block).max(axis=1)
    return out


def true_peak_db(audio: np.ndarray, *, wrap: bool = False) -> float:
    """True peak of ``audio`` (frames, channels) in dBTP, from a 4× oversampled signal."""
    if audio.size == 0:
        return -math.inf
    peak = float(_frame_peaks(audio).max())
    if peak == 0.0:
        return -math.inf
    return 20 * math.log10(float(block_true_peaks(audio, 4096, peak, wrap=wrap).max()))


def integrated_loudness(audio: np.ndarray, sample_rate: int) -> float:
    """Integrated loudness (LUFS) of ``audio`` (frames, channels), as ``pyloudnorm.Meter.integrated_loudness``.

    Audio shorter than one 400 ms block is measured as if it repeated; silence is −inf.
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
    frames = data.shape[0]
    if frames == 0 or not np.any(data):
        return -math.inf
    stages = list(pyloudnorm.Meter(sample_rate)._filters.values())
    sos = np.array([np.concatenate([st.b * st.passband_gain, st.a]) for st in stages], dtype=np.float64)
    n_blocks = int(np.round((frames / sample_rate - block_s) / (block_s * step))) + 1
    j = np.arange(n_blocks, dtype=np.float64)
    lower = (block_s * (j * step) * sample_rate).astype(np.int64)
    upper = np.minimum((block_s * (j * step + 1) * sample_rate).astype(np.int64), frames)
    # Cumulative K-weighted energy is needed only at block bounds; filter in chunks carrying the filter state,
    # so a 3-minute track never allocates a full-length float64 copy (fresh pages are slow to fault in).
    bounds, where = np.unique(np.concatenate([lower, upper]), return_inverse=True)
    z = np.empty((n_blocks, data.shape[1]), dtype=np.float64)
    for ch in range(data.shape[1]):
        state = np.zeros((sos.shape[0], 2))
        at_bounds = np.zeros(bounds.shape[0], dtype=np.float64)
        carry, b = 0.0, 0
        while b < bounds.shape[0] and bounds[b] == 0:
            b += 1
        for start in range(0, frames, _CHUNK):
            stop = min(start + _CHUNK, frames)
            weighted, state = sosfilt(sos, data[start:stop, ch].astype(np.float64), zi=state)
            np.square(weighted, out=weighted)
            np.cumsum(weighted, out=weighted)
            weighted += carry
            hi = np.searchsorted(bounds, stop, side="right")
            at_bounds[b:hi] = weighted[bounds[b:hi] - start - 1]
            b, carry = hi, float(weighted[-1])
        cumulative = at_bounds[where]
        z[:, ch] = (cumulative[n_blocks:] - cumulative[:n_blocks]) / (block_s * sample_rate)
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
