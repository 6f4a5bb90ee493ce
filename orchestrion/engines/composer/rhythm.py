"""Rhythm parts: how the harmony instruments comp, how the bass walks and how arpeggios run, one bar at a time.

Every pattern is a function of the bar's chord, its voicing and the bar length, returning ``(offset, duration,
pitch, accent)`` tuples (accent 0-1 scales velocity). Patterns written for 4/4 fall back to a pulse-by-pulse
version in other metres, so any style can play in 3/4, 6/8 or 5/4. Swing is applied afterwards to every part
alike by :func:`swing_offset`.
"""

from __future__ import annotations

import random

from .theory import Chord, Key, fold_into_range

__all__ = ["arp_bar", "bass_bar", "comp_bar", "swing_offset"]

Event = tuple[float, float, int, float]


def _pulses(bar_beats: float, compound: bool) -> list[float]:
    step = 1.5 if compound else 1.0
    count = max(int(round(bar_beats / step)), 1)
    return [i * step for i in range(count)]


def _chord_hits(hits: list[tuple[float, float, float]], voicing: tuple[int, ...]) -> list[Event]:
    return [(t, d, p, a) for t, d, a in hits for p in voicing]


def comp_bar(pattern: str, voicing: tuple[int, ...], chord: Chord, bar_beats: float, compound: bool,
             energy: float, rng: random.Random) -> list[Event]:
    four = abs(bar_beats - 4.0) < 1e-6
    pulses = _pulses(bar_beats, compound)
    if pattern in ("sustain", "swell"):
        return _chord_hits([(0.0, bar_beats, 1.0)], voicing)
    if pattern == "waltz" and not compound:
        return _chord_hits([(float(b), 0.8, 0.8) for b in range(1, int(bar_beats))], voicing[1:] or voicing)
    if pattern == "oompah":
        return _chord_hits([(p + 0.5, 0.35, 0.8) for p in pulses], voicing)
    if pattern == "arpeggio":
        order = list(voicing) + list(voicing[1:-1][::-1])
        steps = int(bar_beats * 2)
        return [(i * 0.5, 0.5, order[i % len(order)], 0.7 + 0.3 * (i == 0)) for i in range(steps)]
    if pattern == "fingerpick":
        low, rest = voicing[0], voicing[1:] or voicing
        steps = int(bar_beats * 2)
        events = []
        for i in range(steps):
            pitch = low if i % 4 == 0 else rest[(i // 2) % len(rest)] if i % 2 else rest[-1]
            events.append((i * 0.5, 0.9, pitch, 0.9 if i % 4 == 0 else 0.65))
        return events
    if pattern == "alberti":
        order = [voicing[0], voicing[-1], voicing[len(voicing) // 2], voicing[-1]]
        steps = int(bar_beats * 2)
        return [(i * 0.5, 0.5, order[i % 4], 0.85 if i % 2 == 0 else 0.65) for i in range(steps)]
    if pattern == "ballad":
        # left hand: the root low, then the chord broken upward on each beat (a pulse a listener can tap)
        root = fold_into_range(chord.root, 36, 47)
        events: list[Event] = [(0.0, bar_beats, root, 0.9)]
        upper = [p for p in voicing if p > root + 4] or list(voicing)
        for i, pulse in enumerate(pulses[1:], start=1):
            events.append((pulse, bar_beats - pulse, upper[(i - 1) % len(upper)], 0.6))
        return events
    if pattern == "power":
        return _chord_hits([(i * 0.5, 0.45, 1.0 if i % 2 == 0 else 0.75) for i in range(int(bar_beats * 2))],
                           voicing)
    if pattern == "gallop":
        hits = []
        for p in pulses:
            hits += [(p, 0.45, 1.0), (p + 0.5, 0.22, 0.7), (p + 0.75, 0.22, 0.75)]
        return _chord_hits(hits, voicing)
    if pattern == "strum":
        if compound:
            hits = [(p + o, 0.45, a) for p in pulses for o, a in ((0.0, 1.0), (0.5, 0.6), (1.0, 0.75))]
        else:
            shape = ((0.0, 1.0), (1.0, 0.8), (1.5, 0.6), (2.5, 0.6), (3.0, 0.85), (3.5, 0.6))
            hits = [(o, 0.45, a) for o, a in shape if o < bar_beats]
        return _chord_hits(hits, voicing)
    if pattern == "house" or pattern == "pump":
        hits = [(p + 0.5, 0.3, 1.0) for p in pulses]
        if pattern == "pump":
            hits += [(p, 0.3, 0.55) for p in pulses]
        return _chord_hits(hits, voicing)
    if pattern == "skank":
        return _chord_hits([(p, 0.3, 1.0) for p in pulses if int(p) % 2 == 1], voicing[1:] or voicing)
    if pattern == "tango":
        return _chord_hits([(p, 0.4, 1.0 if i == 0 else 0.75) for i, p in enumerate(pulses)], voicing)
    if four:
        if pattern == "stab":
            shape = rng.choice((((0.0, 1.0), (1.5, 0.8), (3.0, 0.9)), ((0.0, 1.0), (2.5, 0.8)),
                                ((0.0, 1.0), (0.75, 0.7), (2.0, 0.9), (3.5, 0.7))))
            return _chord_hits([(o, 0.45, a) for o, a in shape], voicing)
        if pattern == "lazy":
            return _chord_hits([(0.0, 1.4, 1.0), (1.5, 0.9, 0.7), (2.5, 1.4, 0.85)], voicing)
        if pattern == "funk":
            shape = ((0.0, 1.0), (0.75, 0.6), (1.5, 0.8), (2.25, 0.6), (2.5, 0.85), (3.5, 0.7))
            return _chord_hits([(o, 0.18, a) for o, a in shape], voicing[-3:])
        if pattern == "jazz":
            shape = rng.choice((((0.0, 0.9, 1.0), (1.5, 0.5, 0.8)), ((1.0, 0.5, 0.8), (2.5, 1.0, 0.9)),
                                ((0.0, 1.4, 0.9), (2.0, 0.5, 0.7), (3.5, 0.5, 0.8)), ((0.5, 0.5, 0.8), (2.0, 1.0, 0.9))))
            return _chord_hits(list(shape), voicing)
        if pattern == "shuffle":
            return _chord_hits([(0.0, 1.9, 0.85), (2.0, 1.9, 0.8)], voicing)
        if pattern == "bossa":
            shape = ((0.0, 0.9, 1.0), (1.5, 0.5, 0.75), (2.5, 0.9, 0.85), (3.5, 0.4, 0.7))
            return _chord_hits(list(shape), voicing)
    # "block" and every 4/4 pattern in other metres: a chord on each pulse, the downbeat accented
    return _chord_hits([(p, (1.4 if compound else 0.9), 1.0 if i == 0 else 0.75) for i, p in enumerate(pulses)],
                       voicing)


def _bass_pitch(pc: int, low: int, high: int) -> int:
    return fold_into_range(pc, low, min(low + 11, high))


def bass_bar(pattern: str, chord: Chord, next_chord: Chord, key: Key, bar_beats: float, compound: bool,
             low: int, high: int, bar_index: int, rng: random.Random) -> list[Event]:
    root = _bass_pitch(chord.root, low, high)
    fifth = root + 7 if root + 7 <= high else root - 5
    octave = root + 12 if root + 12 <= high else root
    third = root + chord.intervals[1]
    pulses = _pulses(bar_beats, compound)
    four = abs(bar_beats - 4.0) < 1e-6
    if pattern == "none":
        return []
    if pattern in ("root", "drone"):
        if pattern == "root" and four and bar_index % 2 == 1:
            return [(0.0, 2.0, root, 1.0), (2.0, 2.0, fifth if rng.random() < 0.5 else root, 0.85)]
        return [(0.0, bar_beats, root, 1.0)]
    if pattern == "pulse":
        return [(i * 0.5, 0.45, root, 1.0 if i % 2 == 0 else 0.8) for i in range(int(bar_beats * 2))]
    if pattern in ("octave", "arp_bass"):
        return [(i * 0.5, 0.45, root if i % 2 == 0 else octave, 1.0 if i % 2 == 0 else 0.8)
                for i in range(int(bar_beats * 2))]
    if pattern == "waltz":
        return [(0.0, 0.9, root if bar_index % 2 == 0 else fifth, 1.0)]
    if pattern in ("root_fifth", "tango") or compound:
        events = []
        for i, p in enumerate(pulses):
            pitch = root if i % 2 == 0 else fifth
            events.append((p, (1.0 if compound else 0.9), pitch, 1.0 if i == 0 else 0.8))
        if pattern == "root_fifth" and not compound and len(pulses) >= 4:
            events = [e for i, e in enumerate(events) if i % 2 == 0]
        return events
    if pattern in ("walking", "continuo"):
        target = _bass_pitch(next_chord.root, low, high)
        events = []
        count = len(pulses)
        line = [root]
        chord_tones = [root + i for i in chord.intervals[1:3]]
        for i in range(1, count):
            if i == count - 1:
                approach = target - 1 if pattern == "walking" and rng.random() < 0.6 else target + (2 if target < line[-1] else -2)
                if not key.contains(approach) and pattern == "continuo":
                    approach = target + (1 if target < line[-1] else -1)
                line.append(min(max(approach, low), high))
            else:
                options = [p for p in chord_tones + [line[-1] + 2, line[-1] - 2] if low <= p <= high and key.contains(p)]
                line.append(rng.choice(options) if options else root)
        for i, p in enumerate(pulses):
            events.append((p, 0.9, line[i], 1.0 if i == 0 else 0.8))
        return events
    if not four:
        return [(p, 0.9, root if i % 2 == 0 else fifth, 1.0 if i == 0 else 0.8) for i, p in enumerate(pulses)]
    if pattern == "syncopated":
        shape = rng.choice((((0.0, 1.4, root), (1.5, 0.5, root), (2.5, 1.0, fifth), (3.5, 0.4, octave)),
                            ((0.0, 0.75, root), (0.75, 0.75, root), (2.0, 1.0, fifth), (3.0, 0.9, root))))
        return [(t, d, p, 1.0 if t == 0 else 0.85) for t, d, p in shape]
    if pattern == "funk":
        shape = ((0.0, 0.25, root), (0.75, 0.2, octave), (1.0, 0.2, root), (1.5, 0.25, root), (2.25, 0.2, fifth),
                 (2.5, 0.25, octave), (3.0, 0.25, root), (3.5, 0.2, root + chord.intervals[-1] if len(chord.intervals) > 3 else fifth))
        return [(t, d, min(p, high), 1.0 if t in (0.0, 2.5) else 0.8) for t, d, p in shape]
    if pattern == "808":
        shape = rng.choice((((0.0, 1.4, root), (1.75, 0.5, root), (2.5, 1.4, root)),
                            ((0.0, 2.5, root), (2.75, 0.5, octave if octave <= high else root), (3.25, 0.6, root))))
        return [(t, d, p, 1.0) for t, d, p in shape]
    if pattern == "offbeat":
        return [(p + 0.5, 0.4, root if i % 2 == 0 else octave, 1.0) for i, p in enumerate(pulses)]
    if pattern == "acid":
        mask = (1, 0, 1, 1, 0, 1, 1, 0, 1, 0, 1, 1, 0, 1, 0, 1)
        ups = (0, 0, 12, 0, 0, 7, 0, 0, 0, 0, 12, 0, 0, 3, 0, 10)
        return [(i * 0.25, 0.2, min(root + ups[i], high), 1.0 if i % 4 == 0 else 0.7)
                for i in range(16) if mask[i]]
    if pattern == "sub":
        return [(0.0, 2.5, root, 1.0), (2.75, 1.2, root if rng.random() < 0.6 else fifth, 0.9)]
    if pattern == "reggae":
        return [(0.0, 0.75, root, 1.0), (1.0, 0.5, third, 0.8), (1.5, 0.45, fifth, 0.8), (2.5, 0.9, root, 0.9)]
    if pattern == "shuffle":
        line = (0, 4, 7, 9, 10, 9, 7, 4)
        return [(i * 0.5, 0.45, min(root + line[i], high), 1.0 if i % 2 == 0 else 0.75) for i in range(8)]
    if pattern == "bossa":
        return [(0.0, 1.4, root, 1.0), (1.5, 0.5, fifth, 0.75), (2.0, 1.4, fifth, 0.9), (3.5, 0.5, root, 0.75)]
    return [(0.0, 1.9, root, 1.0), (2.0, 1.9, fifth, 0.85)]


def arp_bar(pattern: str, voicing: tuple[int, ...], chord: Chord, bar_beats: float, low: int, high: int,
            rng: random.Random) -> list[Event]:
    tones = sorted({p for p in voicing} | {p + 12 for p in voicing if p + 12 <= high})
    tones = [p for p in tones if low <= p <= high] or list(voicing)
    if pattern == "sparkle":
        events = []
        t = 0.0
        while t < bar_beats:
            if rng.random() < 0.6:
                events.append((t, 1.5, rng.choice(tones[-4:]), 0.6))
            t += rng.choice((1.0, 1.5, 2.0))
        return events
    if pattern in ("ostinato", "ostinato16"):
        root = tones[0]
        cell = (root, root + 7, root + 12, root + 7)
        step = 0.25 if pattern == "ostinato16" else 0.5
        return [(i * step, step * 0.9, min(cell[i % 4], high), 1.0 if i % 4 == 0 else 0.7)
                for i in range(int(bar_beats / step))]
    step = 0.25 if pattern in ("up16", "chip") else 0.5
    order = tones + tones[-2:0:-1] if pattern == "chip" else tones
    count = int(round(bar_beats / step))
    return [(i * step, step * 0.9, order[i % len(order)], 1.0 if i % 4 == 0 else 0.75) for i in range(count)]


def swing_offset(beat: float, ratio: float, unit: float) -> float:
    """Where a straight ``beat`` falls under swing: the second ``unit`` of each pair moves to ``ratio`` of it."""
    if ratio <= 0.5:
        return beat
    pair = 2.0 * unit
    base = (beat // pair) * pair
    within = beat - base
    if abs(within - unit) < 1e-6:
        return base + pair * ratio
    return beat
