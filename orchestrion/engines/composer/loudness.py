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

__all__ = ["LoudnessMeter", "block_true_peaks", "integrated_loudness", "k_weighting", "true_peak_db"]

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
    if audio.shape[1] == 2 and audio.flags.c_contiguous:  # one pass over contiguous memory, then pairs
        both = np.abs(audio.reshape(-1))
        return np.maximum(both[0::2], both[1::2])
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
    peak = max(float(_frame_peaks(audio[start : start + _CHUNK]).max()) for start in range(0, audio.shape[0], _CHUNK))
    if peak == 0.0:
        return -math.inf
    return 20 * math.log10(float(block_true_peaks(audio, 4096, peak, wrap=wrap).max()))


def integrated_loudness(audio: np.ndarray, sample_rate: int) -> float:
    """Integrated loudness (LUFS) of ``audio`` (frames, channels), as ``pyloudnorm.Meter.integrated_loudness``.

    Audio shorter than one 400 ms block is measured as if it repeated; silence is −inf.
    """
    data = np.asarray(audio)
    if data.ndim == 1:
        data = data[:, None]
    min_frames = int(_BLOCK_S * sample_rate) + 1
    if 0 < data.shape[0] < min_frames:
        data = np.tile(data, (-(-min_frames // data.shape[0]), 1))
    meter = LoudnessMeter(data.shape[0], sample_rate, data.shape[1])
    for start in range(0, data.shape[0], _CHUNK):
        meter.feed(data[start : start + _CHUNK])
    return meter.result()


_BLOCK_S, _OVERLAP_STEP = 0.400, 0.25
_K_WEIGHTING: dict[int, np.ndarray] = {}


def k_weighting(sample_rate: int) -> np.ndarray:
    """BS.1770's K-weighting (pre-filter and RLB high-pass) as second-order sections, pyloudnorm's coefficients."""
    sos = _K_WEIGHTING.get(sample_rate)
    if sos is None:
        import pyloudnorm

        stages = list(pyloudnorm.Meter(sample_rate)._filters.values())
        sos = np.array([np.concatenate([st.b * st.passband_gain, st.a]) for st in stages], dtype=np.float64)
        _K_WEIGHTING[sample_rate] = sos
    return sos


class LoudnessMeter:
    """:func:`integrated_loudness` of ``frames`` frames fed in consecutive chunks of any size.

    Lets the master measure a signal it computes chunk by chunk without ever holding all of it. Cumulative
    K-weighted energy is needed only at the 400 ms block bounds, so each chunk is filtered (carrying the filter
    state), squared and summed up to the bounds it contains.
    """

    def __init__(self, frames: int, sample_rate: int, channels: int = 2) -> None:
        self.frames, self.sample_rate, self.channels = frames, sample_rate, channels
        self.sos = k_weighting(sample_rate)
        self.n_blocks = max(int(np.round((frames / sample_rate - _BLOCK_S) / (_BLOCK_S * _OVERLAP_STEP))) + 1, 0)
        j = np.arange(self.n_blocks, dtype=np.float64)
        lower = (_BLOCK_S * (j * _OVERLAP_STEP) * sample_rate).astype(np.int64)
        upper = np.minimum((_BLOCK_S * (j * _OVERLAP_STEP + 1) * sample_rate).astype(np.int64), frames)
        self.upper = upper
        self.bounds, self.where = np.unique(np.concatenate([lower, upper]), return_inverse=True)
        self.at_bounds = np.zeros((self.bounds.shape[0], channels), dtype=np.float64)
        self.state = np.zeros((self.sos.shape[0], channels, 2))
        self.carry = np.zeros(channels)
        self.position = 0
        self.next_bound = int(np.searchsorted(self.bounds, 0, side="right"))  # bounds at 0 hold zero energy
        self.silent = True

    def feed(self, chunk: np.ndarray) -> None:
        from scipy.signal import sosfilt

        chunk = np.asarray(chunk)
        if chunk.ndim == 1:
            chunk = chunk[:, None]
        n = chunk.shape[0]
        if n == 0:
            return
        if self.silent and np.any(chunk):
            self.silent = False
        start, stop = self.position, self.position + n
        # channels as rows: the filter then runs along contiguous memory
        weighted, self.state = sosfilt(self.sos, chunk.T.astype(np.float64), axis=1, zi=self.state)
        np.square(weighted, out=weighted)
        b = self.next_bound
        hi = int(np.searchsorted(self.bounds, stop, side="right"))
        if hi > b:  # energy up to each bound in this chunk (bounds fall in (start, stop]): segment sums, summed up
            cuts = self.bounds[b:hi] - start
            # reduceat's last segment runs to the end, so the chunk's remainder after the last bound is one more
            segments = np.add.reduceat(weighted, np.concatenate([[0], cuts[cuts < n]]), axis=1)
            running = np.cumsum(segments, axis=1) + self.carry[:, None]
            self.at_bounds[b:hi] = running[:, : cuts.shape[0]].T
            self.carry = running[:, -1]
        else:
            self.carry = self.carry + weighted.sum(axis=1)
        self.next_bound, self.position = hi, stop

    def result(self, *, upto: int | None = None) -> float:
        """The integrated loudness of the whole signal; with ``upto``, of the blocks that end by frame ``upto`` (fed
        already): what a stream knows before the rest is made."""
        if upto is not None and upto > self.position:
            raise ValueError(f"the meter has been fed {self.position} frames, not {upto}")
        blocks = self.n_blocks if upto is None else int(np.searchsorted(self.upper, upto, side="right"))
        if self.frames == 0 or self.silent or blocks == 0:
            return -math.inf
        cumulative = self.at_bounds[self.where]
        z = (cumulative[self.n_blocks : self.n_blocks + blocks] - cumulative[:blocks]) / (_BLOCK_S * self.sample_rate)
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
