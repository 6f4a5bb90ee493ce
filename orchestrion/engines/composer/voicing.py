"""Voicing: which actual pitches play each chord, chosen so the voices move as little as they can.

For every chord a handful of candidate voicings (close and open positions, every inversion, in the part's
register) are scored against the previous voicing: total movement, common tones kept, parallel fifths and octaves
and leaps over a fifth penalised, and a pull back toward the middle of the register so the part never drifts
away. The cheapest wins.

A part that cannot hold the whole chord keeps the notes that name it: three voices drop the fifth, two keep the
guide tones (third and seventh, or root and third), one the third. ``max_voices`` says what one player can sound
at once — a bowed string two (a double stop, no wider than an octave), a wind one — whatever the part asks for.
"""

from __future__ import annotations

from functools import lru_cache

from .theory import Chord

__all__ = ["voice_progression", "power_chord"]

Voicing = tuple[int, ...]


def _tones(pitch_classes: tuple[int, ...], voices: int) -> list[int]:
    """The pitch classes ``voices`` notes should sound: the whole chord, or what names it when they are fewer."""
    pcs = list(pitch_classes)
    if len(pcs) <= voices:
        return pcs + [pcs[0]] * (voices - len(pcs))  # double the root
    root, third, fifth, upper = pcs[0], pcs[1], pcs[2], pcs[3:]
    if voices == 1:
        return [third]
    if voices == 2:
        return [third, upper[0]] if upper else [root, third]
    if voices == 3:
        return [third, upper[0], upper[1]] if len(upper) >= 2 else [root, third, upper[0]]
    return ([root, third] + upper)[:voices]  # four or more: the fifth goes first


@lru_cache(maxsize=8192)
def _candidates(pitch_classes: tuple[int, ...], low: int, high: int, voices: int) -> tuple[Voicing, ...]:
    pcs = _tones(pitch_classes, voices)
    found: set[Voicing] = set()
    for rotation in range(len(pcs)):
        order = pcs[rotation:] + pcs[:rotation]
        for bottom in range(low, min(low + 12, high + 1)):
            if bottom % 12 != order[0]:
                continue
            close = [bottom]
            for pc in order[1:]:
                nxt = close[-1] + 1
                while nxt % 12 != pc:
                    nxt += 1
                close.append(nxt)
            for shift in (0, 12):
                voicing = tuple(p + shift for p in close)
                if voicing[-1] <= high:
                    found.add(voicing)
                if len(voicing) >= 3:  # drop-2: the second voice from the top goes down an octave
                    drop = sorted(voicing[:-2] + (voicing[-2] - 12,) + voicing[-1:])
                    if drop[0] >= low and drop[-1] <= high:
                        found.add(tuple(drop))
    if voices == 2:  # a double stop: a third to an octave apart, on neighbouring strings
        found = {v for v in found if 3 <= v[1] - v[0] <= 12} or found
    if not found:  # a register too narrow for the chord: stack from the bottom and fold down
        found.add(tuple(sorted(low + (pc - low) % 12 for pc in pcs)))
    return tuple(sorted(found))


def _cost(previous: Voicing | None, candidate: Voicing, centre: float) -> float:
    mean = sum(candidate) / len(candidate)
    cost = abs(mean - centre) * 0.6
    spread = candidate[-1] - candidate[0]
    if spread > 19:
        cost += (spread - 19) * 0.5
    if previous is None or len(previous) != len(candidate):
        return cost
    for a, b in zip(previous, candidate):
        move = abs(a - b)
        cost += move
        if move > 7:
            cost += 4.0
    common = len(set(previous) & set(candidate))
    cost -= 1.5 * common
    for i in range(len(candidate)):
        for j in range(i + 1, len(candidate)):
            before = (previous[j] - previous[i]) % 12
            after = (candidate[j] - candidate[i]) % 12
            if before == after and after in (0, 7) and previous[i] != candidate[i]:
                cost += 6.0  # parallel octaves or fifths
    return cost


def voice_progression(chords: list[Chord], low: int, high: int, voices: int = 4,
                      start: Voicing | None = None, max_voices: int | None = None) -> list[Voicing]:
    """One voicing per chord within ``[low, high]``, each led smoothly from the one before. ``max_voices`` caps
    the notes sounding at once (2 for a bowed string's double stops, 1 for a wind)."""
    if max_voices is not None:
        voices = max(1, min(voices, max_voices))
    centre = (low + high) / 2.0
    result: list[Voicing] = []
    previous = start
    cache: dict[tuple[Chord, Voicing | None], Voicing] = {}
    for chord in chords:
        memo = cache.get((chord, previous))
        if memo is None:
            options = _candidates(chord.pitch_classes, low, high, voices)
            memo = min(options, key=lambda v: _cost(previous, v, centre))
            cache[(chord, previous)] = memo
        result.append(memo)
        previous = memo
    return result


def power_chord(chord: Chord, low: int) -> Voicing:
    """Root, fifth and octave from the first root at or above ``low`` (rock and metal rhythm guitar)."""
    root = low + (chord.root - low) % 12
    return (root, root + 7, root + 12)
