"""Groove timing: swing, each voice's pocket, a patterned human looseness, and the bass locked to the kick.

A band's timing is not noise. Each voice sits consistently early or late (the pocket: a laid-back snare, hats
pushing, comping behind the beat); each player has a habit for each position in the bar (a template drawn once
per track and voice, the same every bar); and the whole band breathes together by a millisecond or two over a few
bars (smoothed drift shared by every part). A bass note that falls with a kick takes the kick's exact onset, so
the low end hits as one. Quantised electronic styles have no looseness: only their swing and any pocket the style
asks for by name.
"""

from __future__ import annotations

import random
from collections.abc import Callable

from .feel import Feel, Part
from .timeline import Timeline

__all__ = ["Played", "drum_voice", "swing", "voice_of", "apply_timing"]

_DRUM_VOICES = {35: "kick", 36: "kick", 37: "snare", 38: "snare", 39: "snare", 40: "snare",
                41: "snare", 43: "snare", 45: "snare", 47: "snare", 48: "snare", 50: "snare",  # toms: the hands
                42: "hat", 44: "hat", 46: "hat", 51: "ride", 53: "ride", 59: "ride",
                49: "kick", 52: "kick", 55: "kick", 57: "kick"}  # crashes land with the kick
KICKS = frozenset({35, 36})
_SLOTS_PER_BEAT = 12  # sixteenths and triplets both fall on this grid


class Played:
    """A note being performed: its grid position and accent from the score, its played time and velocity."""

    __slots__ = ("grid", "start", "end", "pitch", "velocity", "accent")

    def __init__(self, grid: float, end: float, pitch: int, accent: int) -> None:
        self.grid = grid
        self.start = grid
        self.end = end
        self.pitch = pitch
        self.accent = accent
        self.velocity = accent

    def __repr__(self) -> str:
        return f"Played({self.start:.4f}-{self.end:.4f}, {self.pitch}, v{self.velocity})"


def drum_voice(pitch: int) -> str:
    return _DRUM_VOICES.get(pitch, "perc")


def voice_of(part: Part, pitch: int) -> str:
    if part.role == "hand":
        return "perc"
    if part.drums:
        return drum_voice(pitch)
    return part.role


def swing(beat: float, ratio: float, unit: float) -> float:
    """Where a straight ``beat`` is played under swing: the second ``unit`` of each pair moves to ``ratio``."""
    if ratio <= 0.5 + 1e-6:
        return beat
    pair = 2.0 * unit
    base = (beat // pair) * pair
    if abs(beat - base - unit) < 1e-3:
        return base + pair * ratio
    return beat


def _drift(timeline: Timeline, size_ms: float, rng: random.Random) -> list[float]:
    """The band's shared breathing: ms at every second bar line, interpolated between."""
    count = int(timeline.length / (2 * timeline.bar)) + 3
    limit = 0.2 * size_ms
    return [min(max(rng.gauss(0.0, 0.1 * size_ms), -limit), limit) for _ in range(count)]


def _drift_at(drift: list[float], timeline: Timeline, beat: float) -> float:
    if not drift:
        return 0.0
    x = max(beat, 0.0) / (2 * timeline.bar)
    i = min(int(x), len(drift) - 2)
    frac = x - i
    return drift[i] + (drift[i + 1] - drift[i]) * frac


def _templates(part: Part, notes: list[Played], timeline: Timeline, size_ms: float,
               rng: random.Random) -> dict[tuple[str, int], float]:
    """A player's habit per voice and bar position (ms), the same every bar and centred on the voice's pocket."""
    if size_ms <= 0:
        return {}
    scale = 0.5 if part.role == "pad" else 1.0
    used: dict[str, set[int]] = {}
    for n in notes:
        used.setdefault(voice_of(part, n.pitch), set()).add(_slot(timeline, n.grid))
    table: dict[tuple[str, int], float] = {}
    limit = 0.6 * size_ms
    for voice in sorted(used):
        slots = sorted(used[voice])
        values = [min(max(rng.gauss(0.0, 0.3 * size_ms), -limit), limit) * scale for _ in slots]
        mean = sum(values) / len(values)  # the habit shapes the bar; the pocket alone sets where the voice sits
        table.update({(voice, s): v - mean for s, v in zip(slots, values)})
    return table


def _slot(timeline: Timeline, beat: float) -> int:
    return int(round(timeline.position(beat) * _SLOTS_PER_BEAT))


def apply_timing(parts: list[tuple[Part, list[Played]]], timeline: Timeline, feel: Feel,
                 rng_for: Callable[[str], random.Random]) -> None:
    """Move every note from the grid to where the band plays it (in place)."""
    size = feel.humanize_ms
    drift = _drift(timeline, size, rng_for("drift")) if size > 0 else []
    kicks: dict[float, float] = {}
    ordered = sorted(parts, key=lambda pn: not pn[0].drums)  # the kit first: the bass follows its kick
    for part, notes in ordered:
        template = _templates(part, notes, timeline, size, rng_for(f"timing|{part.track.name}"))
        lock = part.role == "bass" and bool(kicks)
        for n in notes:
            voice = voice_of(part, n.pitch)
            start = swing(n.grid, feel.swing, feel.swing_unit)
            end = swing(n.end, feel.swing, feel.swing_unit)
            ms = feel.offset_ms(voice) + _drift_at(drift, timeline, n.grid)
            ms += template.get((voice, _slot(timeline, n.grid)), 0.0)
            if feel.bar_feel and not part.drums and part.role not in ("melody", "counter"):
                beat_in_bar = round(timeline.position(n.grid), 3)
                ms += feel.bar_feel.get(beat_in_bar, 0.0)
            shift = timeline.beats(ms, n.grid)
            if lock:
                kick = kicks.get(round(n.grid, 3))
                if kick is not None:
                    shift = kick - start
            n.start = start + shift
            n.end = end + shift
            if part.drums and part.role == "drums" and n.pitch in KICKS:
                kicks.setdefault(round(n.grid, 3), n.start)
        _keep_in_piece(notes, timeline)


def _keep_in_piece(notes: list[Played], timeline: Timeline) -> None:
    latest = timeline.length - 1e-3 if timeline.loop else float("inf")
    for n in notes:
        length = n.end - n.start
        n.start = min(max(n.start, 0.0), latest)
        n.end = n.start + max(length, 1e-3)
        if timeline.loop:
            n.end = min(n.end, timeline.length)
