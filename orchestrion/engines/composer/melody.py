"""Melody: tunes grown from motifs, sung in scale steps over the chords.

A motif is a one-bar rhythm with a contour (steps up and down the scale). A phrase states the motif, answers it
with a variation (the contour turned over or moved), states it again and closes on a long note; the first phrase
of a section ends open (on the second or fifth degree), the second closes on the tonic. Strong beats land on chord
tones, most motion is stepwise, leaps are turned back, and every note is taken from the key's scale so the tune
stays in key. Choruses get their own motif, higher; later verses vary theirs.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from .theory import Chord, Key

__all__ = ["Motif", "make_motif", "realise_phrase", "counter_line"]

Cell = tuple[tuple[float, float], ...]  # (offset, duration) within one pulse, duration 0 = rest

# Rhythm cells for one quarter-note pulse, per melodic feel.
_SIMPLE_CELLS: dict[str, tuple[tuple[Cell, float], ...]] = {
    "sparse": ((((0.0, 1.0),), 1.0),),
    "lyrical": ((((0.0, 1.0),), 3.0), (((0.0, 0.5), (0.5, 0.5)), 2.0), (((0.0, 0.0),), 0.6)),
    "flowing": ((((0.0, 0.5), (0.5, 0.5)), 3.0), (((0.0, 1.0),), 2.0), (((0.0, 0.75), (0.75, 0.25)), 1.0),
                (((0.0, 0.0), (0.5, 0.5)), 0.7)),
    "busy": ((((0.0, 0.25), (0.25, 0.25), (0.5, 0.25), (0.75, 0.25)), 2.0), (((0.0, 0.5), (0.5, 0.25), (0.75, 0.25)), 2.0),
             (((0.0, 0.5), (0.5, 0.5)), 2.0)),
    "riff": ((((0.0, 0.5), (0.5, 0.5)), 2.0), (((0.0, 0.0), (0.5, 0.5)), 2.0), (((0.0, 0.75), (0.75, 0.25)), 1.5),
             (((0.0, 0.25), (0.5, 0.5)), 1.0), (((0.0, 1.0),), 1.0)),
    "swing": ((((0.0, 0.5), (0.5, 0.5)), 3.0), (((0.0, 1.0),), 1.5), (((0.0, 0.0), (0.5, 0.5)), 1.5)),
}
_COMPOUND_CELLS: tuple[tuple[Cell, float], ...] = (
    (((0.0, 1.0), (1.0, 0.5)), 3.0), (((0.0, 0.5), (0.5, 0.5), (1.0, 0.5)), 3.0), (((0.0, 1.5),), 1.0),
    (((0.0, 0.5), (0.5, 1.0)), 1.0),
)


@dataclass(frozen=True, slots=True)
class Motif:
    rhythm: tuple[tuple[float, float], ...]  #: (onset in bar, duration) in beats
    contour: tuple[int, ...]  #: scale steps from the previous note, one per note


def _pick(cells: tuple[tuple[Cell, float], ...], rng: random.Random) -> Cell:
    total = sum(weight for _, weight in cells)
    x = rng.uniform(0.0, total)
    for cell, weight in cells:
        x -= weight
        if x <= 0:
            return cell
    return cells[-1][0]


def make_motif(feel: str, bar_beats: float, compound: bool, rng: random.Random) -> Motif:
    rhythm: list[tuple[float, float]] = []
    if feel == "sparse":
        length = bar_beats if rng.random() < 0.5 else bar_beats / 2
        t = 0.0
        while t < bar_beats - 1e-6:
            rhythm.append((t, min(length, bar_beats - t)))
            t += length
    else:
        pulse = 1.5 if compound else 1.0
        t = 0.0
        while t < bar_beats - 1e-6:
            cell = _pick(_COMPOUND_CELLS, rng) if compound else _pick(_SIMPLE_CELLS[feel], rng)
            for offset, duration in cell:
                if duration > 0 and t + offset < bar_beats:
                    rhythm.append((t + offset, min(duration, bar_beats - t - offset)))
            t += pulse
    if not rhythm or rhythm[0][0] > 0.0:
        rhythm.insert(0, (0.0, rhythm[0][0] if rhythm else bar_beats))
    contour = []
    direction = rng.choice((-1, 1))
    for i in range(len(rhythm)):
        if i == 0:
            contour.append(0)
            continue
        step = rng.choices((1, 2, 3, 4), weights=(6, 3, 1.2, 0.5))[0]
        if rng.random() < 0.3:
            direction = -direction
        contour.append(direction * step if rng.random() > 0.12 else 0)
    return Motif(tuple(rhythm), tuple(contour))


def _vary(motif: Motif, how: int) -> Motif:
    if how == 0:
        return Motif(motif.rhythm, tuple(-c for c in motif.contour))  # inversion
    if how == 1:
        return Motif(motif.rhythm, motif.contour[:1] + tuple(reversed(motif.contour[1:])))  # retrograde contour
    return motif


def _nearest_chord_tone(step: int, chord_steps: set[int]) -> int:
    for distance in range(0, 7):
        for candidate in (step - distance, step + distance):
            if candidate % 7 in chord_steps:
                return candidate
    return step


def _chord_steps(chord: Chord, key: Key) -> set[int]:
    scale = key.scale
    return {scale.index(pc) for pc in chord.triad if pc in scale} or {0, 2, 4}


def realise_phrase(motif: Motif, chords: list[Chord], key: Key, bar_beats: float, start_step: int,
                   low_step: int, high_step: int, closes: bool, rng: random.Random
                   ) -> tuple[list[tuple[float, float, int]], int]:
    """Notes ``(offset, duration, scale step)`` for one phrase of ``len(chords)`` bars, and the last step."""
    bars = len(chords)
    notes: list[tuple[float, float, int]] = []
    step = start_step
    variation = rng.randrange(3)
    for bar, chord in enumerate(chords):
        chord_steps = _chord_steps(chord, key)
        last_bar = bar == bars - 1
        if last_bar and bars > 1:
            # the phrase ends on a long note: the tonic when it closes, the 2nd or 5th when it stays open
            target_degrees = (0, 2, 4) if closes else (1, 4, 2)
            wanted = next((d for d in target_degrees if d in chord_steps), next(iter(sorted(chord_steps))))
            candidates = [s for s in range(low_step, high_step + 1) if s % 7 == wanted]
            step = min(candidates, key=lambda s: abs(s - step)) if candidates else step
            notes.append((bar * bar_beats, bar_beats * (0.75 if bars > 2 else 1.0), step))
            continue
        current = motif if bar % 2 == 0 else _vary(motif, variation)
        if bar == 2 and bars >= 4:
            current = Motif(motif.rhythm, tuple(c + (1 if i == 0 else 0) for i, c in enumerate(motif.contour)))
        for (onset, duration), move in zip(current.rhythm, current.contour):
            target = step + move
            strong = onset % 1.0 == 0.0 and (onset == 0.0 or duration >= 1.0 or onset == bar_beats / 2)
            if target > high_step or target < low_step:
                target = step - move  # turn back from the edge of the range
            target = min(max(target, low_step), high_step)
            if strong:
                target = _nearest_chord_tone(target, chord_steps)
                if target > high_step:
                    target -= 7 if target - 7 >= low_step else 0
                if target < low_step:
                    target += 7 if target + 7 <= high_step else 0
            if abs(target - step) > 4:  # a leap is answered by a step back
                target = step + (2 if target > step else -2)
            step = target
            notes.append((bar * bar_beats + onset, duration, step))
    return notes, step


def counter_line(chords: list[Chord], key: Key, low: int, high: int, bar_beats: float,
                 rng: random.Random) -> list[tuple[float, float, int]]:
    """A slow guide-tone line: the third or seventh of each chord, held, moving to the nearest next one."""
    notes: list[tuple[float, float, int]] = []
    previous = (low + high) // 2
    for bar, chord in enumerate(chords):
        pcs = chord.pitch_classes
        guides = [pcs[1]] + ([pcs[3]] if len(pcs) > 3 else [pcs[2]])
        options = [p for p in range(low, high + 1) if p % 12 in guides and key.contains(p)]
        if not options:
            options = [p for p in range(low, high + 1) if p % 12 in pcs and key.contains(p)] or [previous]
        pitch = min(options, key=lambda p: (abs(p - previous), rng.random()))
        half = bar_beats / 2
        if rng.random() < 0.35 and bar_beats >= 3:
            notes.append((bar * bar_beats, half, pitch))
            passing = [p for p in range(pitch - 2, pitch + 3) if p != pitch and key.contains(p) and low <= p <= high]
            second = rng.choice(passing) if passing else pitch
            notes.append((bar * bar_beats + half, half, second))
            previous = second
        else:
            notes.append((bar * bar_beats, bar_beats, pitch))
            previous = pitch
    return notes
