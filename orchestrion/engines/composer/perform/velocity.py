"""Dynamics: the accent velocities the score was written with become the velocities the band plays.

final velocity = the role's range at the dynamic level (the section curve inside the prompt's energy window)
                 × the accent (100 ordinary, up to 127 accented, ~60 soft, ~30 ghost)
                 × the phrase arc (rising toward the phrase's peak, falling at its close)
                 × the player's habit for that bar position (a few percent, the same every bar)
melodic lines also lean a little into their high notes. Drum accents of 45 or less are ghost notes and stay
ghosts, 25-40, whatever the level.
"""

from __future__ import annotations

import random

from .feel import Part
from .timeline import Timeline, arc
from .timing import Played, voice_of

__all__ = ["GHOST_ACCENT", "apply_velocities", "level_bars"]

GHOST_ACCENT = 45  #: a drum accent at or under this is a ghost note
_GHOST = (25, 40)
_MAX_BAR_STEP = 11.0  #: most a part's mean velocity moves from one bar to the next
#: Velocity at dynamic 0 and 1 for an ordinary note of each role.
_RANGE = {
    "melody": (34, 118), "counter": (30, 106), "doubling": (28, 98), "harmony": (30, 104), "pad": (28, 96),
    "arp": (28, 98), "bass": (40, 114), "percussion": (36, 120), "hand": (34, 110), "drums": (38, 124),
    "fx": (30, 90),
}
#: How deeply each role follows the phrase arc: lines breathe with the phrase, the rhythm section a little.
_ARC_DEPTH = {"melody": 1.0, "counter": 1.0, "doubling": 1.0, "drums": 0.35, "hand": 0.35, "percussion": 0.35}
#: Drummers play cymbals under the drums they ride over.
_VOICE_LEVEL = {"hat": 0.9, "ride": 0.9}


def _accent(accent: int) -> float:
    """Accents lift less than they are written (127 is a strong accent, not +27 %); soft notes drop more."""
    a = max(accent, 1) / 100.0
    return 1.0 + 0.45 * (a - 1.0) if a >= 1.0 else a ** 0.75


def _phrase_shape(notes: list[Played], timeline: Timeline, melodic: bool) -> dict[tuple[int, int], tuple[float, float]]:
    """Per phrase: where it peaks (its highest note, when that is inside the phrase) and its mean pitch."""
    groups: dict[tuple[int, int], list[tuple[float, int]]] = {}
    for n in notes:
        key, position = timeline.phrase(n.grid)
        groups.setdefault(key, []).append((position, n.pitch))
    shapes = {}
    for key, members in groups.items():
        peak = 0.62
        if melodic:
            position, _ = max(members, key=lambda m: (m[1], -m[0]))
            if 0.3 <= position <= 0.85:
                peak = position
        shapes[key] = (peak, sum(p for _, p in members) / len(members))
    return shapes


def apply_velocities(part: Part, notes: list[Played], timeline: Timeline, humanized: bool,
                     rng: random.Random) -> None:
    role = part.role
    low, high = _RANGE.get(role, (32, 104))
    depth = _ARC_DEPTH.get(role, 0.6)
    melodic = part.melodic
    shapes = _phrase_shape(notes, timeline, melodic)
    spread = 0.03 if humanized else 0.012
    habit: dict[tuple[str, int], float] = {}
    for n in notes:
        voice = voice_of(part, n.pitch)
        slot = int(round(timeline.position(n.grid) * 12))
        if (voice, slot) not in habit:
            habit[(voice, slot)] = 1.0 + rng.uniform(-spread, spread)
        level = timeline.dynamic(n.grid)
        if part.drums and n.accent <= GHOST_ACCENT:
            ghost = _GHOST[0] + (_GHOST[1] - _GHOST[0]) * min(max((level - 0.1) / 0.8, 0.0), 1.0)
            n.velocity = int(round(min(max(ghost * habit[(voice, slot)], _GHOST[0]), _GHOST[1])))
            continue
        key, position = timeline.phrase(n.grid)
        peak, mean_pitch = shapes[key]
        shape = 1.0 + depth * (arc(position, peak) - 1.0)
        velocity = (low + (high - low) * level) * _accent(n.accent) * shape * habit[(voice, slot)]
        velocity *= _VOICE_LEVEL.get(voice, 1.0) if part.drums else 1.0
        if melodic:
            velocity += min(max(0.35 * (n.pitch - mean_pitch), -4.0), 4.0)
        n.velocity = int(min(max(round(velocity), 1), 127))


def level_bars(notes: list[Played], bar: float) -> None:
    """A player's level moves bar to bar by at most :data:`_MAX_BAR_STEP`: a bar whose notes would sit further
    from the bar before (a held phrase end after a run, a roll after a hit) is moved as a whole, so its own
    accents keep their shape."""
    by_bar: dict[int, list[Played]] = {}
    for n in notes:
        by_bar.setdefault(int(n.grid // bar + 1e-9), []).append(n)
    previous: tuple[int, float] | None = None
    for index in sorted(by_bar):
        members = by_bar[index]
        mean = sum(n.velocity for n in members) / len(members)
        if previous is not None and previous[0] == index - 1 and abs(mean - previous[1]) > _MAX_BAR_STEP:
            target = previous[1] + (_MAX_BAR_STEP if mean > previous[1] else -_MAX_BAR_STEP)
            shift = target - mean
            for n in members:
                n.velocity = int(min(max(round(n.velocity + shift), 1), 127))
            mean = sum(n.velocity for n in members) / len(members)
        previous = (index, mean)
