"""Bus processing the production hints ask for, run on each track's audio as the render hands it out.

* ``"sidechain"`` — the music ducks under the kick (four-on-the-floor pumping). The kick times are in the score,
  so the gain envelope is computed from them, not detected: a few milliseconds down, a short hold, and a smooth
  recovery over about half a beat; the lead ducks half as deep as the rest.
* ``"drum_bus"`` — the kit and hand percussion share one compressor: its gain, computed from their sum, is applied
  to each of them, so their peaks come down against their body (a lower crest factor).
* ``"amp"`` — overdriven and distortion guitars go through an amp and a cabinet: a soft-clipping stage driven
  relative to the part's own level, then a speaker's band (steep roll-off above ~5 kHz where the fizz lives, a
  mid bump, a tight low end).
* ``"gated"`` — the 1980s gated snare: each snare or clap hit feeds a large room whose tail is cut after a
  fraction of a second.

Gains (sidechain, drum bus) are linear per track, so the stems still sum to the mix; amp and gated reverb are
effects on one track, whose stem is then the processed track. Everything is a function of the score and the
audio, block by block with its state carried across blocks, so a job renders the same bytes every time.
"""

from __future__ import annotations

import math

import numpy as np

from .mix import TrackMix, beats_to_seconds
from .score import Score, Track
from .sf2 import SAMPLE_RATE

__all__ = ["Buses"]

_KICKS = (35, 36)
_SNARES = (38, 39, 40)  # snares and the clap
_AMP_PROGRAMS = (29, 30)  # overdriven and distortion guitar
#: Sidechain: depth (dB) for the music and for the lead, and the envelope's attack and hold (s); it recovers over
#: this share of a beat.
_DUCK_DB, _DUCK_LEAD_DB = 7.0, 3.0
_DUCK_ATTACK_S, _DUCK_HOLD_S, _DUCK_RELEASE_BEATS = 0.004, 0.02, 0.55
_DUCK_GRID = 16  # frames between computed points of the envelope
_LEADS = ("melody", "counter")
#: Drum bus compressor: detector step (frames), threshold above the bus's own level (dB), ratio, release (dB/s),
#: the blocks of history its level follows, and its look-ahead (steps). Fast enough to catch each hit's peak and
#: let go before the next, so the hits come down against the body between them.
_COMP_STEP, _COMP_ABOVE_DB, _COMP_RATIO, _COMP_RELEASE_DB_S, _COMP_HISTORY, _COMP_AHEAD = 32, 9.0, 4.0, 250.0, 3, 2
#: Amp: how far over the part's RMS the soft clipper starts to bend.
_AMP_HEADROOM = 2.0
#: Gated reverb: how long each hit feeds the room and how long the room is heard (s), and its level.
_GATE_FEED_S, _GATE_OPEN_S, _GATE_CLOSE_S, _GATE_LEVEL = 0.06, 0.24, 0.03, 0.6


def _frames(score: Score, beats: np.ndarray) -> np.ndarray:
    return np.round(beats_to_seconds(score, np.maximum(beats, 0.0)) * SAMPLE_RATE).astype(np.int64)


def _hits(score: Score, tracks: list[Track], keys: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Beats, frames and velocities (0-1) of the kit's hits on ``keys``, in time order."""
    notes = [n for t in tracks if t.is_drums and t.role != "hand" for n in t.notes
             if n.pitch in keys and n.velocity > 0]
    notes.sort(key=lambda n: (n.start, n.pitch))
    beats = np.array([max(n.start, 0.0) for n in notes], dtype=np.float64)
    velocity = np.array([min(n.velocity, 127) / 127 for n in notes], dtype=np.float64)
    return beats, _frames(score, beats), velocity


def _biquad_peak(freq: float, gain_db: float, q: float) -> np.ndarray:
    """RBJ peaking-EQ biquad as one second-order section."""
    a = 10 ** (gain_db / 40)
    w = 2 * math.pi * freq / SAMPLE_RATE
    alpha = math.sin(w) / (2 * q)
    b = np.array([1 + alpha * a, -2 * math.cos(w), 1 - alpha * a])
    den = np.array([1 + alpha / a, -2 * math.cos(w), 1 - alpha / a])
    return np.concatenate([b / den[0], den / den[0]])[None, :]


class _Sidechain:
    def __init__(self, score: Score, tracks: list[Track], beats: np.ndarray, kicks: np.ndarray,
                 velocity: np.ndarray) -> None:
        self.kicks = kicks.astype(np.float64)
        self.strength = np.minimum(1.0, velocity * 1.25)  # an ordinary kick (velocity ~100) ducks fully
        seconds_per_beat = np.array([60.0 / score.bpm_at(float(b)) for b in beats])
        self.release = np.maximum(_DUCK_RELEASE_BEATS * seconds_per_beat * SAMPLE_RATE, 1.0)
        self.ducked = [(i, _DUCK_LEAD_DB if (t.role in _LEADS or t.featured) else _DUCK_DB)
                       for i, t in enumerate(tracks) if not t.is_drums]

    def _depth(self, at: np.ndarray, index: np.ndarray) -> np.ndarray:
        """How far (0-1) the kick ``index`` holds the music down at frames ``at``."""
        valid = index >= 0
        i = np.maximum(index, 0)
        phase = at - self.kicks[i]
        attack, hold = _DUCK_ATTACK_S * SAMPLE_RATE, _DUCK_HOLD_S * SAMPLE_RATE
        x = np.clip((phase - attack - hold) / self.release[i], 0.0, 1.0)
        shape = np.where(phase < attack, phase / attack, 0.5 * (1 + np.cos(np.pi * x)))
        return np.where(valid & (phase >= 0), shape * self.strength[i], 0.0)

    def process(self, parts: np.ndarray, start: int) -> None:
        n = parts.shape[2]
        # the envelope is smooth at a 1/3 ms grid: computed there and drawn between its points
        grid = np.arange(start, start + n + _DUCK_GRID, _DUCK_GRID, dtype=np.float64)
        latest = np.searchsorted(self.kicks, grid, side="right") - 1
        depth = np.maximum(self._depth(grid, latest), self._depth(grid, latest - 1))
        if not depth.any():
            return
        frames = np.arange(start, start + n, dtype=np.float64)
        gains: dict[float, np.ndarray] = {}
        for track, db in self.ducked:
            if db not in gains:
                gains[db] = np.interp(frames, grid, 10 ** (-db * depth / 20)).astype(np.float32)
            parts[track] *= gains[db][None, :]


class _DrumBus:
    def __init__(self, members: list[int]) -> None:
        self.members = members
        self.history: list[float] = []  # mean squares of the last blocks with sound
        self.reduction = 0.0  # gain reduction (dB) at the end of the last block
        self.threshold: float | None = None

    def process(self, parts: np.ndarray, start: int) -> None:
        bus = parts[self.members].sum(axis=0)
        n = bus.shape[1]
        mean_square = float(np.square(bus, dtype=np.float64).mean())
        if mean_square > 1e-12:
            self.history = (self.history + [mean_square])[-_COMP_HISTORY:]
        if not self.history:
            return
        threshold = 10 * math.log10(sum(self.history) / len(self.history)) + _COMP_ABOVE_DB
        before = threshold if self.threshold is None else self.threshold
        self.threshold = threshold
        steps = -(-n // _COMP_STEP)
        padded = np.zeros((2, steps * _COMP_STEP), dtype=np.float32)
        padded[:, :n] = np.abs(bus)
        peak = padded.reshape(2, steps, _COMP_STEP).max(axis=(0, 2))
        level = 20 * np.log10(np.maximum(peak, 1e-9))
        ramp = before + (threshold - before) * (np.arange(1, steps + 1) / steps)  # the threshold glides
        need = np.maximum(level - ramp, 0.0) * (1 - 1 / _COMP_RATIO)
        fall = _COMP_RELEASE_DB_S * _COMP_STEP / SAMPLE_RATE
        k = np.arange(steps)
        held = np.maximum.accumulate(need + fall * k) - fall * k
        held = np.maximum(held, self.reduction - fall * (k + 1))
        self.reduction = float(held[-1])
        ahead = held.copy()  # the gain starts down a little before a peak, then the corner is rounded off
        for shift in range(1, _COMP_AHEAD + 1):
            np.maximum(ahead[:-shift], held[shift:], out=ahead[:-shift])
        width = _COMP_AHEAD + 1
        smooth = np.convolve(np.concatenate([ahead[:1]] * _COMP_AHEAD + [ahead]), np.ones(width) / width,
                             mode="valid")
        centres = k * _COMP_STEP + _COMP_STEP / 2
        gain = 10 ** (-np.interp(np.arange(n), centres, smooth) / 20)
        parts[self.members] *= gain.astype(np.float32)[None, None, :]


class _Amp:
    def __init__(self, members: list[int], plans: list[TrackMix]) -> None:
        from scipy.signal import butter

        self.members = members
        # the clipper bends relative to each part's expected level, so the drive is the same at any fader
        self.knee = [_AMP_HEADROOM * 10 ** (plans[i].level_db / 20) if math.isfinite(plans[i].level_db) else 0.1
                     for i in members]
        self.sos = np.concatenate([
            butter(2, 90.0, "highpass", fs=SAMPLE_RATE, output="sos"),
            butter(4, 5000.0, "lowpass", fs=SAMPLE_RATE, output="sos"),
            _biquad_peak(1600.0, 3.0, 0.9),
            _biquad_peak(110.0, 2.0, 1.2),
        ])
        self.state = [np.zeros((self.sos.shape[0], 2, 2)) for _ in members]

    def process(self, parts: np.ndarray, start: int) -> None:
        from scipy.signal import sosfilt

        for k, track in enumerate(self.members):
            knee = np.float32(max(self.knee[k], 1e-6))
            driven = np.tanh(parts[track] / knee) * knee
            out, self.state[k] = sosfilt(self.sos, driven.astype(np.float64), axis=1, zi=self.state[k])
            parts[track] = out


class _GatedReverb:
    def __init__(self, members: list[int], hits: np.ndarray) -> None:
        import pedalboard

        self.members = members
        self.hits = hits.astype(np.float64)
        self.rooms = [pedalboard.Reverb(room_size=0.9, damping=0.35, wet_level=1.0, dry_level=0.0, width=1.0)
                      for _ in members]
        self.fresh = True  # the rooms hold nothing worth hearing: start them from silence

    def _gate(self, at: np.ndarray, open_s: float) -> np.ndarray:
        latest = np.searchsorted(self.hits, at, side="right") - 1
        phase = (at - self.hits[np.maximum(latest, 0)]) / SAMPLE_RATE
        close = np.clip(1 - (phase - open_s) / _GATE_CLOSE_S, 0.0, 1.0)
        return np.where((latest >= 0) & (phase >= 0), close, 0.0).astype(np.float32)

    def process(self, parts: np.ndarray, start: int) -> None:
        n = parts.shape[2]
        at = np.arange(start, start + n, dtype=np.float64)
        heard = self._gate(at, _GATE_OPEN_S)
        if not heard.any():
            self.fresh = True
            return
        feed = self._gate(at, _GATE_FEED_S)
        for track, room in zip(self.members, self.rooms):
            wet = room(parts[track] * feed[None, :], SAMPLE_RATE, reset=self.fresh)
            parts[track] += wet * (heard * np.float32(_GATE_LEVEL))[None, :]
        self.fresh = False


class Buses:
    """The bus processing ``score.production`` asks for, over the tracks of one render pass."""

    def __init__(self, score: Score, tracks: list[Track], plans: list[TrackMix]) -> None:
        """``tracks`` are the pass's own (with their ``plans``); the kicks and snares the envelopes follow are
        read from the whole score, whichever pass plays them."""
        hints = score.production
        self.stages: list = []
        drums = [i for i, t in enumerate(tracks) if t.is_drums]
        if "amp" in hints:
            guitars = [i for i, t in enumerate(tracks) if not t.is_drums and t.program in _AMP_PROGRAMS]
            if guitars:
                self.stages.append(_Amp(guitars, plans))
        if "gated" in hints and drums:
            _, snares, _ = _hits(score, score.tracks, _SNARES)
            kit = [i for i in drums if tracks[i].role != "hand"]
            if snares.size and kit:
                self.stages.append(_GatedReverb(kit, snares))
        if "drum_bus" in hints and drums:
            self.stages.append(_DrumBus(drums))
        if "sidechain" in hints:
            beats, kicks, velocity = _hits(score, score.tracks, _KICKS)
            if kicks.size and any(not t.is_drums for t in tracks):
                self.stages.append(_Sidechain(score, tracks, beats, kicks, velocity))

    @property
    def active(self) -> bool:
        return bool(self.stages)

    def process(self, parts: np.ndarray, start: int) -> None:
        """Process one block of per-track audio (tracks, 2, frames) starting at frame ``start``, in place."""
        for stage in self.stages:
            stage.process(parts, start)
