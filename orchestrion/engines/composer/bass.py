"""Bass lines: what the bass plays under each bar, by the style's figure.

Each figure gets the bar's chord, the next bar's chord (for approach notes), the pitch class the harmony puts in
the bass on the downbeat (the root, an inversion's bass, a passing note or a pedal), the key and the register,
and returns ``(offset, duration, pitch, accent)`` tuples. Figures are looked up by name in :data:`BASS`; the
ones written for 4/4 fall back to root–fifth on the pulses in other metres.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Callable

from .rhythm import pulses
from .theory import Chord, Key, fold_into_range

__all__ = ["BASS", "BassBar", "bass_bar"]

Event = tuple[float, float, int, float]


@dataclass(frozen=True, slots=True)
class BassBar:
    """Everything a bass figure may look at for one bar."""

    chord: Chord
    next_chord: Chord
    key: Key
    beats: float
    compound: bool
    low: int
    high: int
    index: int  #: bar number in the piece
    first: int  #: the downbeat's pitch (the harmony's bass note in the register)
    root: int  #: the chord's root in the register
    fifth: int
    octave: int
    third: int
    target: int  #: the next bar's downbeat root, for approach notes


Figure = Callable[[BassBar, random.Random], list[Event]]


def _four(b: BassBar) -> bool:
    return abs(b.beats - 4.0) < 1e-6 and not b.compound


def _root_fifth_pulses(b: BassBar, rng: random.Random) -> list[Event]:
    return [(p, 1.0 if b.compound else 0.9, b.first if i == 0 else (b.root if i % 2 == 0 else b.fifth),
             1.0 if i == 0 else 0.85) for i, p in enumerate(pulses(b.beats, b.compound))]


def _root(b, rng):
    if _four(b) and b.index % 2 == 1:
        return [(0.0, 2.0, b.first, 1.0), (2.0, 2.0, b.fifth if rng.random() < 0.5 else b.root, 0.85)]
    return [(0.0, b.beats, b.first, 1.0)]


def _drone(b, rng):
    return [(0.0, b.beats, b.first, 1.0)]


def _pulse(b, rng):
    return [(i * 0.5, 0.45, b.first if i < 2 else b.root, 1.0 if i % 2 == 0 else 0.8) for i in range(int(b.beats * 2))]


def _octave(b, rng):
    return [(i * 0.5, 0.45, (b.first if i == 0 else b.root) if i % 2 == 0 else b.octave, 1.0 if i % 2 == 0 else 0.8)
            for i in range(int(b.beats * 2))]


def _waltz(b, rng):
    return [(0.0, 0.9, b.first if b.index % 2 == 0 else b.fifth, 1.0)]


def _root_fifth(b, rng):
    """Root on the strong pulse, the fifth on the next strong one (boom ... boom)."""
    pts = pulses(b.beats, b.compound)
    strong = pts[::2] if len(pts) >= 4 else pts
    return [(p, 0.9 if not b.compound else 1.0, b.first if i == 0 else b.fifth if i % 2 else b.root,
             1.0 if i == 0 else 0.85) for i, p in enumerate(strong)]


def _boom_chuck(b, rng):
    """Bluegrass and country: root on one, fifth on three, and a walk up into the next chord every other bar."""
    events = _root_fifth(b, rng)
    if _four(b) and b.index % 2 == 1 and b.target != b.root:
        step = 1 if b.target > b.root else -1
        run = [b.target - 2 * step, b.target - step]
        events = [events[0], (2.0, 0.9, b.fifth, 0.85), (3.0, 0.45, run[0], 0.8), (3.5, 0.45, run[1], 0.8)]
    return events


def _walking(b, rng):
    """Quarter notes through chord tones and scale steps, the last one approaching the next root."""
    count = len(pulses(b.beats, b.compound))
    line = [b.first]
    tones = [b.root + i for i in b.chord.intervals[1:3]]
    for i in range(1, count):
        if i == count - 1:
            if rng.random() < 0.6:
                approach = b.target - 1 if b.target - 1 >= b.low else b.target + 1
            else:
                approach = b.target + (2 if b.target < line[-1] else -2)
            line.append(min(max(approach, b.low), b.high))
        else:
            options = [p for p in tones + [line[-1] + 2, line[-1] - 2] if b.low <= p <= b.high and b.key.contains(p)]
            line.append(rng.choice(options) if options else b.root)
    return [(p, 0.9, line[i], 1.0 if i == 0 else 0.85) for i, p in enumerate(pulses(b.beats, b.compound))]


def _continuo(b, rng):
    events = _walking(b, rng)
    if events and not b.key.contains(events[-1][2]):  # the baroque continuo approaches diatonically
        t, d, p, a = events[-1]
        events[-1] = (t, d, p + (1 if p < b.target else -1), a)
    return events


def _syncopated(b, rng):
    if not _four(b):
        return _root_fifth_pulses(b, rng)
    shape = ((((0.0, 1.4, b.first), (1.5, 0.5, b.root), (2.5, 1.0, b.fifth), (3.5, 0.4, b.octave)),
              ((0.0, 0.75, b.first), (0.75, 0.75, b.root), (2.0, 1.0, b.fifth), (3.0, 0.9, b.root)))[b.index % 2])
    return [(t, d, p, 1.0 if t == 0 else 0.85) for t, d, p in shape]


def _funk(b, rng):
    if not _four(b):
        return _root_fifth_pulses(b, rng)
    seventh = b.root + b.chord.intervals[3] if len(b.chord.intervals) > 3 else b.fifth
    shape = ((0.0, 0.25, b.first), (0.75, 0.2, b.octave), (1.0, 0.2, b.root), (1.5, 0.25, b.root),
             (2.25, 0.2, b.fifth), (2.5, 0.25, b.octave), (3.0, 0.25, b.root), (3.5, 0.2, seventh))
    return [(t, d, min(p, b.high), 1.1 if t in (0.0, 2.5) else 0.8) for t, d, p in shape]


def _slap(b, rng):
    """City-pop slap: the thumb on the root, the popped octave on the off-beats."""
    if not _four(b):
        return _octave(b, rng)
    shape = ((0.0, b.first, 1.05), (0.75, b.octave, 0.8), (1.0, b.root, 0.85), (1.5, b.octave, 0.85),
             (2.25, b.fifth, 0.8), (2.5, b.octave, 0.85), (3.0, b.root, 0.9), (3.5, b.octave, 0.8))
    return [(t, 0.22, p, a) for t, p, a in shape]


def _808(b, rng):
    if not _four(b):
        return _drone(b, rng)
    shapes = (((0.0, 1.4, b.first), (1.75, 0.5, b.root), (2.5, 1.4, b.root)),
              ((0.0, 2.5, b.first), (2.75, 0.5, b.octave if b.octave <= b.high else b.fifth), (3.25, 0.6, b.root)),
              ((0.0, 0.7, b.first), (0.75, 1.0, b.root), (2.5, 0.5, b.fifth), (3.0, 0.9, b.octave)))
    return [(t, d, p, 1.0) for t, d, p in shapes[(b.index + rng.randrange(2)) % 3]]


def _offbeat(b, rng):
    return [(p + 0.5, 0.4, (b.first if i == 0 else b.root) if i % 2 == 0 else b.octave, 1.0)
            for i, p in enumerate(pulses(b.beats, b.compound))]


def _rolling(b, rng):
    """Trance's rolling bass: the three sixteenths after each kick."""
    return [(p + k * 0.25, 0.22, b.first if p == 0 else b.root, 0.9 if k == 1 else 0.75)
            for p in pulses(b.beats, False) for k in (1, 2, 3)]


def _acid(b, rng):
    mask = (1, 0, 1, 1, 0, 1, 1, 0, 1, 0, 1, 1, 0, 1, 0, 1)
    ups = (0, 0, 12, 0, 0, 7, 0, 0, 0, 0, 12, 0, 0, 3, 0, 10)
    return [(i * 0.25, 0.2, min(b.root + ups[i], b.high) if i else b.first, 1.0 if i % 4 == 0 else 0.7)
            for i in range(min(16, int(b.beats * 4))) if mask[i] and b.key.contains(b.root + ups[i])]


def _sub(b, rng):
    if not _four(b):
        return _drone(b, rng)
    return [(0.0, 2.5, b.first, 1.0), (2.75, 1.2, b.root if b.index % 3 else b.fifth, 0.9)]


def _wobble(b, rng):
    """Dubstep's wobble: the sub re-articulated in eighth triplets and sixteenths under the half-time beat."""
    if not _four(b):
        return _drone(b, rng)
    events: list[Event] = [(0.0, 1.0, b.first, 1.1)]
    if b.index % 2 == 0:
        events += [(1.0 + k / 3, 1 / 3 * 0.9, b.root if k % 2 == 0 else b.octave, 0.85) for k in range(3)]
        events += [(2.0 + k * 0.25, 0.22, (b.root, b.root, b.octave, b.fifth)[k % 4], 0.9) for k in range(8)]
    else:
        events += [(1.5, 0.5, b.octave, 0.85)] + [(2.0 + k / 3, 0.3, b.root, 0.9) for k in range(6)]
    return events


def _reggae(b, rng):
    if not _four(b):
        return _root_fifth_pulses(b, rng)
    return [(0.0, 0.75, b.first, 1.0), (1.0, 0.5, b.third, 0.8), (1.5, 0.45, b.fifth, 0.8), (2.5, 0.9, b.root, 0.9)]


def _shuffle(b, rng):
    """The boogie shuffle: root, third, fifth, sixth, flat seventh and back, in swung eighths."""
    if not _four(b):
        return _root_fifth_pulses(b, rng)
    line = (0, 4, 7, 9, 10, 9, 7, 4)
    return [(i * 0.5, 0.45, min(b.root + line[i], b.high) if i else b.first, 1.0 if i % 2 == 0 else 0.75)
            for i in range(8)]


def _bossa(b, rng):
    if not _four(b):
        return _root_fifth_pulses(b, rng)
    return [(0.0, 1.4, b.first, 1.0), (1.5, 0.5, b.fifth, 0.75), (2.0, 1.4, b.fifth, 0.9), (3.5, 0.5, b.root, 0.75)]


def _tango(b, rng):
    if _four(b) and b.index % 2 == 1:
        return [(0.0, 0.45, b.first, 1.0), (1.5, 0.45, b.fifth, 0.85), (3.0, 0.45, b.octave, 0.9)]
    return _root_fifth_pulses(b, rng)


def _tumbao(b, rng):
    """Salsa tumbao: silent on the downbeat, the 'and' of two, then beat four anticipating the next chord."""
    if not _four(b):
        return _root_fifth_pulses(b, rng)
    nxt = fold_into_range(b.target, b.low, b.low + 11)
    return [(1.5, 1.4, b.fifth, 0.9), (3.0, 1.0, nxt, 1.0)]


def _dembow(b, rng):
    """The reggaeton/dancehall bass on the kick: three-three-two against the dembow."""
    if not _four(b):
        return _root_fifth_pulses(b, rng)
    return [(0.0, 0.7, b.first, 1.0), (0.75, 0.7, b.root, 0.8), (1.5, 0.45, b.root, 0.85),
            (2.0, 0.7, b.root, 1.0), (2.75, 0.7, b.fifth if b.index % 2 else b.root, 0.8), (3.5, 0.45, b.root, 0.85)]


def _two_step(b, rng):
    if not _four(b):
        return _root_fifth_pulses(b, rng)
    return [(0.0, 0.7, b.first, 1.0), (0.75, 0.5, b.root, 0.8), (2.5, 0.7, b.octave if b.index % 2 else b.root, 0.9),
            (3.25, 0.5, b.fifth, 0.8)]


def _log_drum(b, rng):
    """Amapiano's log drum: a pitched, syncopated percussive bass that leaves the downbeat to the kick."""
    if not _four(b):
        return _root_fifth_pulses(b, rng)
    shapes = (((0.75, b.root), (1.5, b.root), (2.25, b.octave), (3.0, b.fifth), (3.5, b.root)),
              ((0.5, b.root), (1.25, b.fifth), (2.0, b.root), (2.75, b.octave), (3.5, b.root)))
    return [(t, 0.4, p, 1.0 if i == 0 else 0.85) for i, (t, p) in enumerate(shapes[b.index % 2])]


def _cumbia(b, rng):
    if not _four(b):
        return _root_fifth_pulses(b, rng)
    return [(0.0, 1.4, b.first, 1.0), (2.0, 0.9, b.fifth, 0.9), (3.0, 0.45, b.fifth, 0.75), (3.5, 0.45, b.root, 0.8)]


def _bachata(b, rng):
    if not _four(b):
        return _root_fifth_pulses(b, rng)
    return [(0.0, 1.4, b.first, 1.0), (1.5, 0.45, b.fifth, 0.8), (2.0, 1.4, b.root, 0.95), (3.5, 0.45, b.fifth, 0.8)]


def _afrobeat(b, rng):
    """A two-bar afrobeat riff around root, fifth and octave, dancing around the beat."""
    if not _four(b):
        return _root_fifth_pulses(b, rng)
    shapes = (((0.0, b.first), (0.75, b.root), (1.5, b.fifth), (2.0, b.octave), (2.75, b.fifth), (3.5, b.root)),
              ((0.0, b.root), (1.0, b.fifth), (1.75, b.octave), (2.5, b.fifth), (3.0, b.root), (3.75, b.fifth)))
    return [(t, 0.4, p, 1.0 if t == 0 else 0.85) for t, p in shapes[b.index % 2]]


def _motown(b, rng):
    """A melodic eighth-note line: root, octave and fifth, with a chromatic step into the next chord."""
    if not _four(b):
        return _root_fifth_pulses(b, rng)
    approach = b.target - 1 if b.target - 1 >= b.low else b.target + 1
    return [(0.0, 0.9, b.first, 1.0), (1.0, 0.45, b.fifth, 0.8), (1.5, 0.45, b.octave, 0.8),
            (2.0, 0.9, b.root, 0.9), (3.0, 0.45, b.fifth, 0.8), (3.5, 0.45, approach, 0.8)]


def _highlife(b, rng):
    if not _four(b):
        return _root_fifth_pulses(b, rng)
    return [(0.0, 0.7, b.first, 1.0), (0.75, 0.7, b.fifth, 0.8), (1.5, 0.45, b.octave, 0.8),
            (2.0, 0.9, b.root, 0.9), (3.0, 0.45, b.third, 0.8), (3.5, 0.45, b.fifth, 0.8)]


def _chorale(b, rng):
    """The hymn's bass voice: half notes, the second moving by step or to the fifth."""
    if b.beats < 4:
        return [(0.0, b.beats, b.first, 1.0)]
    second = b.fifth if b.first == b.root else b.root
    return [(0.0, b.beats / 2, b.first, 1.0), (b.beats / 2, b.beats / 2, second, 0.9)]


def _arp_bass(b, rng):
    return _octave(b, rng)


BASS: dict[str, Figure] = {
    "none": lambda b, rng: [], "root": _root, "drone": _drone, "pulse": _pulse, "octave": _octave,
    "arp_bass": _arp_bass, "waltz": _waltz, "root_fifth": _root_fifth, "boom_chuck": _boom_chuck,
    "walking": _walking, "continuo": _continuo, "syncopated": _syncopated, "funk": _funk, "slap": _slap,
    "808": _808, "offbeat": _offbeat, "rolling": _rolling, "acid": _acid, "sub": _sub, "wobble": _wobble,
    "reggae": _reggae, "shuffle": _shuffle, "bossa": _bossa, "tango": _tango, "tumbao": _tumbao,
    "dembow": _dembow, "two_step": _two_step, "log_drum": _log_drum, "cumbia": _cumbia, "bachata": _bachata,
    "afrobeat": _afrobeat, "motown": _motown, "highlife": _highlife, "chorale": _chorale,
}


def bass_bar(pattern: str, chord: Chord, next_chord: Chord, key: Key, bar_beats: float, compound: bool,
             low: int, high: int, bar_index: int, rng: random.Random, bass_pc: int | None = None) -> list[Event]:
    """One bar of the bass figure ``pattern``; ``bass_pc`` is the pitch class the harmony wants on the downbeat."""
    top = min(low + 11, high)
    root = fold_into_range(chord.root, low, top)
    fifth = root + 7 if root + 7 <= high else root - 5
    octave = root + 12 if root + 12 <= high else root
    third = root + chord.intervals[1]
    first = root if bass_pc is None else fold_into_range(bass_pc, low, top)
    if abs(first - root) > 7:  # an inversion's bass sits near the root, not an octave away
        first += 12 if first < root else -12
        first = min(max(first, low), high)
    target = fold_into_range(next_chord.root, low, top)
    bar = BassBar(chord, next_chord, key, bar_beats, compound, low, high, bar_index, first, root, fifth, octave,
                  third, target)
    figure = BASS.get(pattern, _root_fifth_pulses)
    return [ev for ev in figure(bar, rng) if ev[0] < bar_beats]
