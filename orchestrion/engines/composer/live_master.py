"""The live master: a causal chain for audio that is heard as it is made (:mod:`.live_play`).

The offline master (:mod:`.master`) reads a whole piece before deciding its level; a live stream cannot. Here the
level is a fixed gain chosen from the mix plan's estimated loudness (it moves, over half a second, only when the
score changes), brightness is a gentle tilt around 700 Hz (up to 4 dB of treble up and bass down, or the reverse),
and a look-ahead peak limiter keeps every sample within :data:`CEILING` (−1 dBFS). The limiter works on blocks of
:data:`_LIMIT_BLOCK` frames: each block's gain is at most what the loudest block within the look-ahead allows,
released smoothly, and interpolated across the block, so no sample passes the ceiling and no gain step clicks.

Every stage depends only on the samples and the scheduled changes (no clocks), so a replay masters identically.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.signal import lfilter

from .sf2 import SAMPLE_RATE

__all__ = ["CEILING", "LIMITER_DELAY", "LiveMaster"]

CEILING = 10 ** (-1.0 / 20)  #: −1 dBFS
_LIMIT_BLOCK = 32
_LOOKAHEAD_BLOCKS = 8
#: Frames the limiter holds back to see peaks coming (5.3 ms).
LIMITER_DELAY = _LIMIT_BLOCK * _LOOKAHEAD_BLOCKS
_RELEASE_S = 0.08
_RAMP_FRAMES = {"gain": SAMPLE_RATE // 2, "brightness": SAMPLE_RATE // 50}
_TILT_HZ = 700.0
_TILT_DB = 4.0


class _Param:
    """A value that moves linearly to each new setting over a ramp starting at the frame it is set for."""

    def __init__(self, value: float, ramp: int) -> None:
        self.points: list[tuple[int, float]] = [(0, value)]
        self.ramp = ramp

    def at(self, frame: int) -> float:
        xs, ys = zip(*self.points)
        return float(np.interp(frame, xs, ys))

    def set(self, frame: int, value: float) -> None:
        if self.points[-1][1] == value and self.at(frame) == value:
            return
        now = self.at(frame)
        self.points = [p for p in self.points if p[0] < frame] + [(frame, now), (frame + self.ramp, value)]

    def values(self, start: int, frames: int) -> np.ndarray | float:
        """The value at each of ``frames`` frames from ``start`` (a number when it holds still)."""
        keep = [p for p in self.points if p[0] >= start]
        before = [p for p in self.points if p[0] < start]
        self.points = before[-1:] + keep
        first, last = self.at(start), self.at(start + frames - 1)
        if first == last and not any(start < x < start + frames - 1 for x, _ in self.points):
            return first  # flat over these frames: the same number whatever is scheduled later
        xs = np.array([p[0] for p in self.points], dtype=np.float64)
        ys = np.array([p[1] for p in self.points], dtype=np.float64)
        return np.interp(np.arange(start, start + frames, dtype=np.float64), xs, ys)


class LiveMaster:
    """Gain, tilt and limiter over planar stereo blocks, in order; output runs :data:`LIMITER_DELAY` frames behind
    input."""

    def __init__(self) -> None:
        self.gain = _Param(0.0, _RAMP_FRAMES["gain"])  # dB
        self.brightness = _Param(0.5, _RAMP_FRAMES["brightness"])
        a = math.exp(-2 * math.pi * _TILT_HZ / SAMPLE_RATE)
        self._lowpass = ([1.0 - a], [1.0, -a])
        self._zi = np.zeros((2, 1))
        self._held = np.zeros((2, 0), dtype=np.float32)  # input waiting for its look-ahead
        self._last_gain = 1.0
        self._release = math.exp(-_LIMIT_BLOCK / (_RELEASE_S * SAMPLE_RATE))

    def process(self, audio: np.ndarray, start: int, frames: int) -> np.ndarray:
        """Take planar ``audio`` (2, n) beginning at input frame ``start``; give the next ``frames`` output frames,
        interleaved float32 ``(frames, 2)``. Input must lead output by :data:`LIMITER_DELAY` frames."""
        n = audio.shape[1]
        gain = self.gain.values(start, n)
        # float64 until each factor is made, so a flat stretch gives the same samples whether or not a change is
        # scheduled later in the same block
        audio = audio * np.power(10.0, np.asarray(gain, dtype=np.float64) / 20.0).astype(np.float32)
        tilt = (np.asarray(self.brightness.values(start, n), dtype=np.float64) - 0.5) * 2.0 * _TILT_DB
        low, self._zi = lfilter(*self._lowpass, audio, axis=1, zi=self._zi)
        low = low.astype(np.float32)
        treble = np.power(10.0, tilt / 20.0).astype(np.float32)
        bass = np.power(10.0, -tilt / 20.0).astype(np.float32)
        audio = low * bass + (audio - low) * treble
        held = np.concatenate([self._held, audio.astype(np.float32)], axis=1)
        if held.shape[1] < frames + LIMITER_DELAY:
            raise ValueError("the limiter needs its look-ahead: feed it LIMITER_DELAY frames ahead of its output")
        out = self._limit(held, frames)
        self._held = held[:, frames:]
        return out

    def _limit(self, held: np.ndarray, frames: int) -> np.ndarray:
        blocks = (frames + LIMITER_DELAY) // _LIMIT_BLOCK
        peaks = np.abs(held[:, : blocks * _LIMIT_BLOCK]).reshape(2, blocks, _LIMIT_BLOCK).max(axis=(0, 2))
        need = np.minimum(1.0, CEILING / np.maximum(peaks, 1e-12))
        window = np.lib.stride_tricks.sliding_window_view(need, _LOOKAHEAD_BLOCKS + 1).min(axis=1)
        count = frames // _LIMIT_BLOCK
        gains = np.empty(count + 1)
        gains[0] = self._last_gain
        g, release = self._last_gain, self._release
        for k in range(count):
            g = min(window[k], 1.0 - (1.0 - g) * release)
            gains[k + 1] = g
        self._last_gain = g
        ramp = np.arange(1, _LIMIT_BLOCK + 1, dtype=np.float64) / _LIMIT_BLOCK
        per_frame = (gains[:-1, None] + (gains[1:] - gains[:-1])[:, None] * ramp[None, :]).reshape(-1)
        out = (held[:, :frames] * per_frame.astype(np.float32)).T
        np.clip(out, -CEILING, CEILING, out=out)
        return np.ascontiguousarray(out)
