"""The master as a stream: a track mastered piece by piece while it renders, so its first bars can be heard before
its last are made, and the file is the stream (one mastering path, the same samples either way).

:func:`.master.master` measures the whole track before it sets a gain; a stream cannot wait for that. Here every
stage is causal, or looks ahead by a fixed, bounded amount, and runs in fixed units of :data:`UNIT` frames, so the
result depends on the mix alone, never on how fast the render arrived:

* **pre-gain** (what the compressor's threshold means): from the score's predicted power (:func:`.mix.energy_curve`,
  the estimate the faders were set by), calibrated on the first :data:`PRE_WINDOW_S` rendered;
* **the chain** (:func:`.master.chain`: high-pass, colour, compression, room), unit by unit;
* **the level**: one gain per unit towards −14 LUFS integrated, from the loudness of everything the chain has made
  by then and the score's prediction for the rest. What is known grows :data:`SPEED` times faster than the music
  plays from a :data:`LOOKAHEAD_S` head start, so a 30 s track's gain is settled from its third second on, where it
  is the whole track's measured gain; before that it moves smoothly from the estimate to it. What the limiter took
  off so far is added back to the later units;
* **a true-peak limiter** with a lookahead of a few blocks: samples more than :data:`_RANGE_DB` over the ceiling are
  rounded off first (soft clip), then a per-block gain with a linear attack and release holds the 4× oversampled
  peak under −1.25 dBTP;
* **the ends**: a few milliseconds of taper, or the fade-out, where the score asks for one.

Tolerance (documented in docs/streaming.md and measured by ``bench/quality.py``): integrated loudness within ±1 LU
of −14 LUFS, true peak at or under −1 dBTP.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Iterator

import numpy as np
from scipy.ndimage import minimum_filter1d, uniform_filter1d

from .loudness import LoudnessMeter, block_true_peaks, integrated_loudness, true_peak_db
from .master import (
    _LIMITER_CEILING_DB,
    _RELEASE_DB_PER_S,
    _ATTACK_DB_PER_MS,
    TARGET_LUFS,
    _add_vinyl_noise,
    _ends,
    _fade,
    chain,
)

__all__ = ["LOOKAHEAD_S", "SPEED", "UNIT", "StreamMaster", "Streamed"]

#: Frames of one unit: the chain, the level and the limiter each work a unit at a time (0.2 s at 48 kHz).
UNIT = 9600
#: The level's head start (s), and how many times faster than the music its knowledge of the track grows.
LOOKAHEAD_S, SPEED = 2.0, 10.0
#: Seconds of the mix the pre-gain is calibrated on.
PRE_WINDOW_S = 2.0
#: Mix level (dBFS RMS) the chain is fed at, as :func:`.master.master` feeds it.
_CHAIN_LEVEL_DB = -20.0
_METER_CHUNK = 5 * UNIT  #: frames the loudness meters are fed at a time (one second)
_BLOCK = 16  #: frames per limiter block
_RANGE_DB = 6.0  #: deepest gain reduction left to the limiter; beyond it, the soft clip
_LOOK_BLOCKS = 8  #: the limiter's lookahead (blocks): its attack covers _RANGE_DB in fewer
_SMOOTH = 5  #: width (blocks) of the limiter curve's smoothing
_MAX_GAIN_DB = 30.0  #: most gain the level may add (a near-silent start is not pushed into noise)
#: A unit's level makes up for what the limiter took off the units up to this many before it (those are final by
#: then, whatever the timing: a unit is emitted _EMIT_LAG units after its level is known).
_LOSS_LAG = 5
#: Units between a unit's level and its emission (the level of the next is interpolated into it, the limiter
#: looks one unit ahead, its curve is smoothed across units).
_EMIT_LAG = 4
#: A vinyl surface's noise sits this far under the chain's level (it is added in the chain, as the master adds it).
_VINYL_RMS = 10 ** (_CHAIN_LEVEL_DB / 20)


@dataclass
class Streamed:
    """What :class:`StreamMaster` reports when the track is done (the fields of :class:`.master.Mastered`)."""

    gains: tuple[float, float]  #: (pre-gain dB, the level's final gain dB): what an edit masters at
    lufs: float
    true_peak_db: float
    limited_db: float


class StreamMaster:
    """Masters a ``frames``-long mix as it is rendered: :meth:`feed` it the mix and how far it is rendered, and it
    yields each finished piece ``(first frame, float32 (n, 2))`` in order, as early as its lookahead allows."""

    def __init__(self, frames: int, sample_rate: int, *, production: frozenset[str] = frozenset(),
                 has_reverb: bool = True, seed: int = 0, fade_out: bool = False,
                 prediction: np.ndarray | None = None, prediction_step_s: float = 0.1,
                 gains: tuple[float, float] | None = None) -> None:
        self.frames, self.sample_rate = frames, sample_rate
        self.production, self.seed = production, seed
        # a last unit of a few frames joins the one before (the chain reads two frames as two channels)
        self.units = max(frames // UNIT if frames % UNIT < 64 else -(-frames // UNIT), 1)
        self.board = chain(production, not has_reverb)
        self.prediction, self.prediction_step = prediction, prediction_step_s
        self.fixed = gains
        self.pre_db: float | None = gains[0] if gains is not None else None
        self.ends = _ends(frames, sample_rate, False, fade_out)
        # the loudness of the chain's output and of the result, each fed a second at a time (_METER_CHUNK), at
        # places fixed by the track alone; the result's true peak is measured whole at the end (interpolated only
        # near its loudest samples, that takes milliseconds)
        self.meter = LoudnessMeter(frames, sample_rate)
        self.out_meter = LoudnessMeter(frames, sample_rate)
        self.metered = self.out_metered = 0
        self.measured = (-1, -math.inf)  # (frames known, their loudness): the last the level read
        self.level_db = np.full(self.units, np.nan)  # the level's gain per unit
        self.shaped = np.zeros((frames, 2), dtype=np.float32)  # the chain's output, then the level applied
        n_blocks = -(-frames // _BLOCK)
        self.need = np.zeros(n_blocks + _LOOK_BLOCKS + 2 * _SMOOTH)  # dB each block must come down (≤ 0)
        self.curve = np.zeros(n_blocks + 2 * _SMOOTH)  # the limiter's gain (dB) after attack and release
        self.release_db = _RELEASE_DB_PER_S / sample_rate * _BLOCK
        self.attack_db = _ATTACK_DB_PER_MS * 1000.0 / sample_rate * _BLOCK
        self.chained = self.levelled = self.peaked = self.limited = self.emitted = 0  # units through each stage
        self.energy = np.zeros((self.units, 2))  # per unit: energy before the limiter and after it
        self.deepest = 0.0

    # -- what each stage needs ---------------------------------------------------------------------------------
    def _unit_end(self, unit: int) -> int:
        return self.frames if unit >= self.units - 1 else (unit + 1) * UNIT

    def _known(self, unit: int) -> int:
        """Frames of the chain's output the level of ``unit`` is computed from (a fixed schedule, in whole seconds).
        """
        # a unit is emitted _EMIT_LAG units after its level is known: the schedule counts from the first emission
        seconds = LOOKAHEAD_S + SPEED * max(unit - _EMIT_LAG, 0) * UNIT / self.sample_rate
        return min(self.frames, int(math.ceil(seconds * self.sample_rate / _METER_CHUNK)) * _METER_CHUNK)

    # -- feeding -------------------------------------------------------------------------------------------------
    def feed(self, mix: np.ndarray, rendered: int) -> Iterator[tuple[int, np.ndarray]]:
        """Process what ``rendered`` frames of ``mix`` allow; yield the pieces finished on the way."""
        rendered = min(rendered, self.frames)
        if self.pre_db is None:
            window = min(self.frames, int(PRE_WINDOW_S * self.sample_rate))
            if rendered < window:
                return
            self.pre_db = self._pre_gain(mix, window)
        while True:
            progressed = False
            while self.chained < self.units and self._unit_end(self.chained) <= rendered:
                self._chain_unit(mix, self.chained)
                self.chained += 1
                progressed = True
            while self.levelled < self.units and (self.fixed is not None or
                                                 self._known(self.levelled) <= self.chained * UNIT):
                if self.fixed is None and self.emitted < self.levelled - _LOSS_LAG:
                    break  # what the limiter took off the units before is part of this unit's gain
                self.level_db[self.levelled] = self._level(self.levelled)
                self.levelled += 1
                progressed = True
            # a unit is shaped (level and soft clip) once the level of the next is known (the gain is interpolated)
            while self.peaked < min(self.levelled - 1 if self.levelled < self.units else self.units, self.chained):
                self._shape_unit(self.peaked)
                self.peaked += 1
                progressed = True
            while self.limited < (self.peaked - 1 if self.peaked < self.units else self.units):
                self._limit_unit(self.limited)
                self.limited += 1
                progressed = True
            while self.emitted < (self.limited - 1 if self.limited < self.units else self.units):
                yield self._emit(self.emitted)
                self.emitted += 1
                progressed = True
            if not progressed:
                return

    @property
    def done(self) -> bool:
        return self.emitted >= self.units

    def result(self) -> Streamed:
        """The figures of the finished track (once every piece is yielded)."""
        if not self.done:
            raise RuntimeError("the track is not finished")
        level = float(self.level_db[-1]) if self.units else 0.0
        lufs = self.out_meter.result() if self.frames > int(0.4 * self.sample_rate) else integrated_loudness(
            self.shaped, self.sample_rate)
        return Streamed((float(self.pre_db or 0.0), level), lufs, true_peak_db(self.shaped), self.deepest)

    # -- stages ------------------------------------------------------------------------------------------------
    def _pre_gain(self, mix: np.ndarray, window: int) -> float:
        head = mix[:window]
        if not np.isfinite(head).all():  # read as the chain will take it: what is not a number is silence
            head = np.nan_to_num(head, nan=0.0, posinf=0.0, neginf=0.0)
        measured = float(np.mean(np.square(head, dtype=np.float64)))
        if measured <= 0.0:
            return 0.0
        estimate = measured
        curve, step = self.prediction, self.prediction_step
        if curve is not None and curve.size:
            known = curve[: max(int(window / self.sample_rate / step), 1)].mean()
            whole = curve[: max(int(self.frames / self.sample_rate / step), 1)].mean()
            if known > 0 and whole > 0:
                estimate = measured * whole / known  # the score's shape, at the level the render measured
        return _CHAIN_LEVEL_DB - 10 * math.log10(estimate)

    def _chain_unit(self, mix: np.ndarray, unit: int) -> None:
        start, stop = unit * UNIT, self._unit_end(unit)
        piece = mix[start:stop] * np.float32(10 ** ((self.pre_db or 0.0) / 20))
        if not np.isfinite(piece).all():  # the check is a fraction of what replacing would cost every unit
            np.nan_to_num(piece, copy=False, nan=0.0, posinf=0.0, neginf=0.0)
        out = self.board(piece, self.sample_rate, reset=unit == 0)
        if "vinyl" in self.production:
            _add_vinyl_noise(out, self.sample_rate, self.seed * 100_003 + unit, _VINYL_RMS)
        self.shaped[start:stop] = out

    def _level(self, unit: int) -> float:
        if self.fixed is not None:
            return self.fixed[1]
        known = self._known(unit)
        while self.metered < known:  # the chain's output up to `known` (whole seconds, or the end), not yet shaped
            stop = min(self.metered + _METER_CHUNK, self.frames)
            self.meter.feed(self.shaped[self.metered : stop])
            self.metered = stop
        if self.measured[0] != known:  # once the whole track is known, every later unit reads the same figure
            self.measured = (known, self.meter.result(upto=known))
        lufs = self.measured[1]
        if not math.isfinite(lufs):
            return 0.0 if unit == 0 else float(self.level_db[unit - 1])
        curve, step = self.prediction, self.prediction_step
        if known < self.frames and curve is not None and curve.size:
            split = max(int(known / self.sample_rate / step), 1)
            end = max(int(self.frames / self.sample_rate / step), split + 1)
            ahead, behind = curve[split:end].mean(), curve[:split].mean()
            if ahead > 0 and behind > 0:
                # the rest at the loudness the score predicts relative to what was measured, weighted by length
                share = (self.frames - known) / self.frames
                lufs += 10 * math.log10(1 - share + share * ahead / behind)
        # the loudness the limiter took off the units emitted _LOSS_LAG units ago and before, made up here
        before, after = self.energy[: max(unit - _LOSS_LAG, 0)].sum(axis=0)
        taken = 10 * math.log10(before / after) if before > 0 and after > 0 else 0.0
        return float(min(TARGET_LUFS - lufs + taken, _MAX_GAIN_DB))

    def _frame_level(self, start: int, stop: int) -> np.ndarray:
        """The level's linear gain on frames ``start:stop``: per unit, interpolated between unit centres."""
        centres = (np.arange(self.levelled) + 0.5) * UNIT
        linear = 10 ** (self.level_db[: self.levelled] / 20)
        return np.interp(np.arange(start, stop, dtype=np.float64), centres, linear).astype(np.float32)

    def _shape_unit(self, unit: int) -> None:
        start, stop = unit * UNIT, self._unit_end(unit)
        piece = self.shaped[start:stop]
        piece *= self._frame_level(start, stop)[:, None]
        self.energy[unit, 0] = float(np.square(piece, dtype=np.float64).sum())
        _soft_clip(piece, 10 ** ((_LIMITER_CEILING_DB + _RANGE_DB) / 20))
        # peaks of this unit's blocks, with the neighbours' frames as context for the interpolation
        lo, hi = max(start - _BLOCK, 0), min(stop + _BLOCK, self.frames)
        peaks = block_true_peaks(self.shaped[lo:hi], _BLOCK, 10 ** ((_LIMITER_CEILING_DB - 1.0) / 20))
        first = (start - lo) // _BLOCK
        count = -(-(stop - start) // _BLOCK)
        with np.errstate(divide="ignore"):
            over = 20 * np.log10(np.maximum(peaks[first:first + count], 1e-12)) - _LIMITER_CEILING_DB
        self.need[start // _BLOCK : start // _BLOCK + count] = -np.maximum(over, 0.0)
        if unit > 0:  # the previous unit's last blocks saw only part of this unit's context: look again
            self._repeak(start)

    def _repeak(self, start: int) -> None:
        lo, hi = max(start - 2 * _BLOCK, 0), min(start + 2 * _BLOCK, self.frames)
        peaks = block_true_peaks(self.shaped[lo:hi], _BLOCK, 10 ** ((_LIMITER_CEILING_DB - 1.0) / 20))
        block = start // _BLOCK - 1
        over = 20 * math.log10(max(float(peaks[(start - _BLOCK - lo) // _BLOCK]), 1e-12)) - _LIMITER_CEILING_DB
        self.need[block] = -max(over, 0.0)

    def _limit_unit(self, unit: int) -> None:
        """The limiter's curve for ``unit``'s blocks: attack ahead of each peak, linear release after it."""
        first = unit * UNIT // _BLOCK
        last = -(-self._unit_end(unit) // _BLOCK)
        k = np.arange(first, last)
        ahead = self.need[k].copy()
        for distance in range(1, _LOOK_BLOCKS + 1):
            np.minimum(ahead, self.need[k + distance] + self.attack_db * distance, out=ahead)
        previous = self.curve[first - 1] if first > 0 else 0.0
        # each block recovers from the one before: c[i] = min(ahead[i], c[i-1] + release, 0), unrolled into
        # min(0, c[-1] + release·(i+1), min over j ≤ i of ahead[j] + release·(i-j)) — a running minimum
        ramp = self.release_db * np.arange(ahead.shape[0])
        curve = np.minimum.accumulate(ahead - ramp) + ramp
        np.minimum(curve, previous + self.release_db + ramp, out=curve)
        np.minimum(curve, 0.0, out=curve)
        self.curve[first:last] = curve

    def _emit(self, unit: int) -> tuple[int, np.ndarray]:
        start, stop = unit * UNIT, self._unit_end(unit)
        first, last = start // _BLOCK, -(-stop // _BLOCK)
        lo, hi = max(first - 2 * _SMOOTH, 0), min(last + 2 * _SMOOTH, self.curve.shape[0])
        window = self.curve[lo:hi]
        smooth = minimum_filter1d(uniform_filter1d(minimum_filter1d(window, _SMOOTH, mode="nearest"), _SMOOTH,
                                                   mode="nearest"), 3, mode="nearest")
        centres = (np.arange(lo, hi) * _BLOCK + (_BLOCK - 1) / 2).astype(np.float64)
        gain_db = np.interp(np.arange(start, stop, dtype=np.float64), centres, smooth)
        gain = (10 ** (gain_db / 20)).astype(np.float32)
        if self.ends is not None:
            _fade(gain, start, self.frames, *self.ends)
        piece = self.shaped[start:stop]
        piece *= gain[:, None]
        self.energy[unit, 1] = float(np.square(piece, dtype=np.float64).sum())
        self.deepest = min(self.deepest, float(smooth.min()))
        if stop % _METER_CHUNK == 0 or stop == self.frames:
            self.out_meter.feed(self.shaped[self.out_metered : stop])
            self.out_metered = stop
        return start, piece


def _soft_clip(audio: np.ndarray, level: float) -> None:
    """Round off, in place, whatever rises more than 3 dB under ``level`` so that nothing reaches ``level`` (a
    tanh knee); anything quieter is left to the limiter untouched."""
    knee = np.float32(level * 10 ** (-3 / 20))
    room = np.float32(level) - knee
    magnitude = np.abs(audio)
    over = magnitude > knee
    if over.any():
        audio[over] = np.sign(audio[over]) * (knee + room * np.tanh((magnitude[over] - knee) / room))
