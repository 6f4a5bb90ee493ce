"""Melody: tunes grown from motifs, phrased like songs, placed so that every beat agrees with the chord under it.

A **motif** is a bar of rhythm with a contour (scale steps from its first note). Phrases develop it the way
composers do: a *sentence* states it, restates it a step higher or with a new rhythm, breaks it into fragments and
cadences (1+1+2 bars, or 2+2+4); a *period* asks (antecedent, ending open on the 2nd, 5th or 7th) and answers
(consequent, ending on the tonic); a *hook* repeats a short catchy cell; a *riff* alternates a fixed head with
changing answers; *call and response* alternates a varying call with a refrain. Phrases often begin with a pickup.
Choruses sit higher and denser than verses, a bridge contrasts, later verses and choruses vary their rhythms.

Pitches are chosen beat by beat against the harmony in force (:class:`.harmony.BarHarmony`, its key included):
notes on a beat are chord tones or tensions at least a whole step from every sounding chord tone and the bass, so
nothing rubs a semitone against the accompaniment; notes between beats are passing, neighbour and approach notes
that resolve by step. Ornaments (turns, trills, grace notes), chromatic approach notes, enclosures and blue notes
decorate the line where the style asks for them, always off the beat and always resolving, few enough that the tune
stays in its key.

:func:`write_melody` writes the tune, :func:`write_counter` a counter-line that moves where the tune rests.
"""

from __future__ import annotations

import bisect
import random
from dataclasses import dataclass
from functools import lru_cache

from .form import SectionPlan
from .harmony import BarHarmony
from .styles import Style
from .theory import Chord, Key

__all__ = ["FEELS", "Event", "Feel", "Motif", "write_counter", "write_melody"]

Event = tuple[float, float, int, float]  #: (start beat, duration beats, MIDI pitch, accent: 1.0 ordinary)

#: Rhythm words: (length in beats, ((onset, duration), ...)). Empty tuples are rests.
_WORDS: dict[str, tuple[float, tuple[tuple[float, float], ...]]] = {
    "q": (1.0, ((0.0, 1.0),)), "h": (2.0, ((0.0, 2.0),)), "dh": (3.0, ((0.0, 3.0),)), "w": (4.0, ((0.0, 4.0),)),
    "ee": (1.0, ((0.0, 0.5), (0.5, 0.5))), "re": (1.0, ((0.5, 0.5),)), "r": (1.0, ()),
    "des": (1.0, ((0.0, 0.75), (0.75, 0.25))), "ssss": (1.0, ((0.0, 0.25), (0.25, 0.25), (0.5, 0.25), (0.75, 0.25))),
    "ess": (1.0, ((0.0, 0.5), (0.5, 0.25), (0.75, 0.25))), "sse": (1.0, ((0.0, 0.25), (0.25, 0.25), (0.5, 0.5))),
    "eqe": (2.0, ((0.0, 0.5), (0.5, 1.0), (1.5, 0.5))), "qde": (2.0, ((0.0, 1.5), (1.5, 0.5))),
    "trip": (1.0, ((0.0, 1 / 3), (1 / 3, 1 / 3), (2 / 3, 1 / 3))), "e": (0.5, ((0.0, 0.5),)),
    # compound metres: a pulse is a dotted quarter (three eighths)
    "dq": (1.5, ((0.0, 1.5),)), "qe": (1.5, ((0.0, 1.0), (1.0, 0.5))), "eq": (1.5, ((0.0, 0.5), (0.5, 1.0))),
    "eee": (1.5, ((0.0, 0.5), (0.5, 0.5), (1.0, 0.5))), "dse": (1.5, ((0.0, 0.75), (0.75, 0.25), (1.0, 0.5))),
    "cut": (1.5, ((0.0, 0.5), (0.5, 0.25), (0.75, 0.25), (1.0, 0.5))), "dqd": (3.0, ((0.0, 3.0),)),
    "rqe": (1.5, ((1.0, 0.5),)),
}


@dataclass(frozen=True)
class Feel:
    """How a style's tunes move: rhythm vocabulary, register, step sizes, pickups, phrase shape, decoration."""

    words: tuple[tuple[str, float], ...]  #: simple-metre rhythm words and weights
    compound: tuple[tuple[str, float], ...]  #: compound-metre words
    register: tuple[int, int]  #: preferred MIDI window when the style names none
    steps: tuple[float, float, float, float]  #: weights of contour moves by 1, 2, 3 and 4 scale steps
    pickup: float  #: chance a phrase opens with an anacrusis
    shape: str  #: "sentence", "period", "hook", "riff", "call"
    ornament: float = 0.0  #: chance per bar of a turn, trill or grace note
    approach: float = 0.0  #: chance of a chromatic approach or enclosure into a strong note
    span: int = 5  #: how far (scale steps) a motif may wander from its first note
    repeat: float = 0.12  #: chance a note repeats the one before (riffs and hooks hammer, bebop never stands still)


FEELS: dict[str, Feel] = {
    "sparse": Feel((("w", 2), ("h", 3), ("dh", 1.2), ("r", 1.2), ("q", 1), ("qde", 1.5), ("re", 0.6), ("eqe", 0.4)), (("dqd", 3), ("dq", 2), ("qe", 1)),
                   (67, 86), (5, 3, 1.5, 1), 0.1, "period", span=4),
    "lyrical": Feel((("q", 3), ("h", 2), ("ee", 2), ("qde", 1.5), ("dh", 0.5), ("eqe", 0.8), ("des", 0.4)),
                    (("qe", 3), ("dq", 2), ("eee", 1.5), ("eq", 1), ("dqd", 0.6)), (62, 81), (6, 3, 1.2, 0.6), 0.45,
                    "period"),
    "flowing": Feel((("ee", 3), ("q", 2), ("eqe", 1.2), ("qde", 1), ("des", 0.6), ("h", 0.6)),
                    (("eee", 3), ("qe", 2.5), ("dq", 1), ("eq", 1)), (62, 84), (6, 3, 1, 0.5), 0.5, "sentence"),
    "busy": Feel((("ssss", 1.5), ("ess", 2), ("sse", 1.5), ("ee", 2.5), ("q", 0.6)),
                 (("eee", 3), ("cut", 1.5), ("qe", 1.5), ("dse", 1)), (64, 88), (7, 2.5, 1, 0.4), 0.5, "sentence",
                 span=6, repeat=0.05),
    "riff": Feel((("ee", 2), ("re", 1.5), ("eqe", 1.5), ("des", 1), ("q", 1), ("r", 0.5), ("sse", 0.8)),
                 (("qe", 2), ("eq", 2), ("eee", 1.5), ("rqe", 0.8)), (57, 76), (5, 3, 1.5, 0.8), 0.35, "riff", span=4,
                 repeat=0.2),
    "swing": Feel((("ee", 3), ("q", 1.5), ("eqe", 1.5), ("re", 1), ("trip", 0.3), ("qde", 0.6)),
                  (("eee", 3), ("qe", 2.5), ("eq", 1)), (58, 79), (6, 3, 1.2, 0.6), 0.6, "sentence", approach=0.25),
    "hook": Feel((("ee", 2), ("q", 2), ("eqe", 2), ("re", 1), ("h", 0.8), ("des", 0.6)),
                 (("qe", 3), ("eee", 2), ("eq", 1.5), ("dq", 1)), (64, 81), (5, 3, 1.2, 0.5), 0.5, "hook", span=4,
                 repeat=0.18),
    "bebop": Feel((("ee", 7), ("trip", 0.5), ("q", 0.4), ("re", 0.6)), (("eee", 4), ("cut", 1)), (58, 84),
                  (7, 2, 0.8, 0.3), 0.7, "sentence", approach=0.45, span=7, repeat=0.02),
    "ornamented": Feel((("ee", 3), ("q", 1.5), ("ess", 1.2), ("sse", 1), ("eqe", 0.8)),
                       (("eee", 3), ("qe", 2), ("cut", 1.5), ("dq", 0.6)), (62, 86), (7, 2.5, 0.8, 0.4), 0.5,
                       "period", ornament=0.45, repeat=0.06),
    "chant": Feel((("q", 5), ("h", 2), ("w", 0.3), ("ee", 0.4)), (("qe", 2), ("dq", 2)), (60, 74),
                  (8, 1.5, 0.3, 0.0), 0.2, "period", span=3),
    "fanfare": Feel((("des", 2.5), ("q", 2), ("h", 1), ("trip", 0.6), ("ee", 0.8), ("qde", 1)),
                    (("qe", 2.5), ("dse", 2), ("dq", 1), ("eee", 1)), (60, 84), (3, 5, 2, 1.2), 0.6, "sentence",
                    span=7),
    "call_response": Feel((("q", 2), ("ee", 2), ("eqe", 1.2), ("h", 1), ("re", 0.8)),
                          (("qe", 3), ("eee", 1.5), ("dq", 1.5)), (57, 76), (6, 3, 1, 0.4), 0.5, "call"),
}


def _feel(style: Style) -> Feel:
    return FEELS.get(style.melody, FEELS["flowing"])


# --- where a note may sit ----------------------------------------------------------------------------------------


def _on_grid(t: float, compound: bool) -> bool:
    if abs(t - round(t)) < 1e-6:
        return True
    return compound and abs(t / 1.5 - round(t / 1.5)) < 1e-6


_BAR = [4.0]  # bar length for :func:`_strong`, set per tune (odd metres put beats off the quarter grid)


def _strong(t: float, compound: bool) -> bool:
    """On a beat: a whole quarter of the piece or of the bar, or (compound metres) a dotted-quarter pulse."""
    bar = _BAR[0]
    return _on_grid(t, compound) or _on_grid(t - bar * int((t + 1e-6) // bar), compound)


@lru_cache(maxsize=4096)
def _safe(pitch_classes: tuple[int, ...], bass: int, scale: frozenset[int]) -> tuple[frozenset[int], frozenset[int]]:
    """(chord tones, all pitch classes) a note on the beat may take: none a semitone from a sounding tone."""
    sounding = set(pitch_classes) | {bass}
    clear = {pc for pc in range(12) if all((pc - s) % 12 not in (1, 11) for s in sounding)}
    tones = frozenset(pc for pc in pitch_classes if pc in clear)
    usable = frozenset(pc for pc in clear if pc in scale or pc in tones)
    return tones, usable


class _Grid:
    """The harmony as the melody sees it: chord, bass and key at any beat."""

    def __init__(self, harmony: list[BarHarmony], bar_beats: float) -> None:
        self.harmony = harmony
        self.bar_beats = bar_beats

    def at(self, t: float) -> tuple[Chord, int, Key]:
        index = min(max(int((t + 1e-6) // self.bar_beats), 0), len(self.harmony) - 1)
        bar = self.harmony[index]
        offset = t - index * self.bar_beats
        return bar.chord_at(offset), bar.bass_at(offset), bar.key

    def safe(self, t: float) -> tuple[frozenset[int], frozenset[int], Key]:
        chord, bass, key = self.at(t)
        tones, usable = _safe(chord.pitch_classes, bass, key.scale_set)
        return tones, usable, key


@lru_cache(maxsize=512)
def _ladder(key: Key, low: int, high: int) -> tuple[int, ...]:
    return tuple(p for p in range(low - 14, high + 15) if key.contains(p))


def _move(pitch: int, steps: int, key: Key, low: int, high: int) -> int:
    """``pitch`` moved ``steps`` scale steps in ``key`` (a chromatic pitch first snaps to the scale)."""
    ladder = _ladder(key, low, high)
    index = bisect.bisect_left(ladder, pitch)
    if index >= len(ladder) or (index > 0 and pitch - ladder[index - 1] < ladder[index] - pitch):
        index -= 1
    index = min(max(index + steps, 0), len(ladder) - 1)
    return ladder[index]


# --- rhythm and motifs -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Motif:
    rhythm: tuple[tuple[float, float], ...]  #: (onset in the bar, duration)
    contour: tuple[int, ...]  #: scale steps from the first note, one per note


def _weighted(options: tuple[tuple[str, float], ...], rng: random.Random, density: float) -> list[tuple[str, float]]:
    out = []
    for name, weight in options:
        length, cells = _WORDS[name]
        per_beat = max(len(cells), 0.5) / length
        out.append((name, weight * per_beat ** density))
    return out


def _fill(feel: Feel, bar_beats: float, compound: bool, rng: random.Random, density: float = 0.0
          ) -> tuple[tuple[float, float], ...]:
    """One bar of rhythm from the feel's words; ``density`` > 0 favours more notes, < 0 fewer."""
    options = _weighted(feel.compound if compound else feel.words, rng, density)
    rhythm: list[tuple[float, float]] = []
    t = 0.0
    last = ""
    while t < bar_beats - 1e-6:
        room = bar_beats - t
        # a word seldom follows itself: a bar of one figure over and over is a drill, not a tune
        fitting = [(n, w * (0.35 if n == last else 1.0)) for n, w in options if _WORDS[n][0] <= room + 1e-6]
        if not fitting:
            fitting = [("e", 1.0)] if room >= 0.5 - 1e-6 else []
            if not fitting:
                break
        total = sum(w for _, w in fitting)
        x = rng.uniform(0.0, total)
        name = fitting[-1][0]
        for candidate, weight in fitting:
            x -= weight
            if x <= 0:
                name = candidate
                break
        length, cells = _WORDS[name]
        rhythm.extend((round(t + o, 4), d) for o, d in cells)
        t += length
        last = name
    if not rhythm or rhythm[0][0] > 0.0:
        first = rhythm[0][0] if rhythm else bar_beats
        rhythm.insert(0, (0.0, first))
    if len(rhythm) == 1 and bar_beats >= 2 and feel.shape != "period":
        rhythm = [(0.0, bar_beats / 2), (bar_beats / 2, bar_beats / 2)]
    return tuple(rhythm)


def _contour(count: int, feel: Feel, rng: random.Random) -> tuple[int, ...]:
    shape = rng.choices(("arch", "rise", "fall", "turn", "leap", "valley"), weights=(3, 2, 2, 1, 1.5, 2))[0]
    positions = [0]
    direction = -1 if shape in ("fall", "valley") else 1
    for i in range(1, count):
        step = rng.choices((1, 2, 3, 4), weights=feel.steps)[0]
        if shape in ("arch", "valley") and i == max(count // 2, 1):
            direction = -direction
        if shape == "turn":
            direction = -direction if i % 2 == 0 else direction
            step = 1
        if shape == "leap" and i == 1:
            step, direction = rng.choice((3, 4)), 1
        elif abs(positions[-1] - (positions[-2] if len(positions) > 1 else 0)) >= 3:
            direction, step = -direction, 1  # a leap is answered by a step back
        if rng.random() < feel.repeat:
            step = 0
        nxt = positions[-1] + direction * step
        if abs(nxt) > feel.span:
            direction = -direction
            nxt = positions[-1] + direction * step
        positions.append(nxt)
    return tuple(positions)


def _motif(feel: Feel, bar_beats: float, compound: bool, rng: random.Random, density: float = 0.0) -> Motif:
    rhythm = _fill(feel, bar_beats, compound, rng, density)
    return Motif(rhythm, _contour(len(rhythm), feel, rng))


def _vary_rhythm(motif: Motif, bar_beats: float, rng: random.Random, feel: Feel | None = None,
                 compound: bool = False, density: float = 0.0) -> Motif:
    """The same idea with a new rhythm: a note split, two merged, one anticipated, a dotted pair, or (given the
    feel) a new tail after the motif's head."""
    rhythm, contour = list(motif.rhythm), list(motif.contour)
    if feel is not None and rng.random() < 0.4:
        tail = 1.5 if compound else 1.0
        keep = [i for i, (on, d) in enumerate(rhythm) if on + d <= bar_beats - tail + 1e-6]
        if keep:
            words = tuple(_weighted(feel.compound if compound else feel.words, rng, density))
            name = rng.choices([n for n, _ in words if _WORDS[n][0] <= tail + 1e-6] or ["e"],
                               weights=[w for n, w in words if _WORDS[n][0] <= tail + 1e-6] or [1.0])[0]
            cells = _WORDS[name][1] or ((0.0, tail),)
            head_end = bar_beats - tail
            rhythm = [rhythm[i] for i in keep]
            contour = [contour[i] for i in keep]
            if rhythm[-1][0] + rhythm[-1][1] < head_end - 1e-6:  # the head's last note holds to the tail
                rhythm[-1] = (rhythm[-1][0], head_end - rhythm[-1][0])
            direction = rng.choice((1, -1))
            for on, d in cells:
                rhythm.append((round(head_end + on, 4), d))
                contour.append(contour[-1] + direction * rng.choice((1, 1, 2)))
            if tuple(rhythm) != motif.rhythm:
                return Motif(tuple(rhythm), tuple(contour))
            rhythm, contour = list(motif.rhythm), list(motif.contour)
    for _ in range(4):
        how = rng.randrange(4)
        if how == 0:  # split a long note in two, the second a step on
            longs = [i for i, (_, d) in enumerate(rhythm) if d >= 1.0 - 1e-6]
            if longs:
                i = rng.choice(longs)
                on, d = rhythm[i]
                half = d / 2
                rhythm[i:i + 1] = [(on, half), (round(on + half, 4), half)]
                follow = contour[i + 1] if i + 1 < len(contour) else contour[i] - 1
                contour.insert(i + 1, contour[i] + (1 if follow > contour[i] else -1))
                break
        elif how == 1 and len(rhythm) > 2:  # merge two short notes
            shorts = [i for i in range(1, len(rhythm) - 1) if rhythm[i][1] <= 0.5 and rhythm[i + 1][1] <= 0.5]
            if shorts:
                i = rng.choice(shorts)
                rhythm[i:i + 2] = [(rhythm[i][0], rhythm[i][1] + rhythm[i + 1][1])]
                del contour[i + 1]
                break
        elif how == 2:  # anticipate a note by an eighth: a syncopation
            movable = [i for i in range(1, len(rhythm)) if rhythm[i][0] % 1.0 == 0.0 and rhythm[i - 1][1] > 0.5]
            if movable:
                i = rng.choice(movable)
                on, d = rhythm[i]
                rhythm[i - 1] = (rhythm[i - 1][0], rhythm[i - 1][1] - 0.5)
                rhythm[i] = (on - 0.5, d + 0.5)
                break
        else:  # dot an even pair of eighths
            pairs = [i for i in range(len(rhythm) - 1) if rhythm[i][1] == 0.5 and rhythm[i + 1][1] == 0.5
                     and rhythm[i][0] % 1.0 == 0.0 and rhythm[i + 1][0] == rhythm[i][0] + 0.5]
            if pairs:
                i = rng.choice(pairs)
                on = rhythm[i][0]
                rhythm[i], rhythm[i + 1] = (on, 0.75), (on + 0.75, 0.25)
                break
    return Motif(tuple(rhythm), tuple(contour))


def _fragment(motif: Motif, bar_beats: float, rising: int) -> Motif:
    """The motif's head twice in one bar, the second a step on: the continuation of a sentence."""
    half = bar_beats / 2
    head = [(i, r) for i, r in enumerate(motif.rhythm) if r[0] < half - 1e-6]
    if len(head) < 1 or bar_beats < 2:
        return motif
    rhythm, contour = [], []
    for copy in range(2):
        for i, (on, d) in head:
            rhythm.append((round(on + copy * half, 4), min(d, half - on)))
            contour.append(motif.contour[i] + copy * rising)
    return Motif(tuple(rhythm), tuple(contour))


def _invert(motif: Motif) -> Motif:
    return Motif(motif.rhythm, tuple(-c for c in motif.contour))


def _cadence_rhythm(bar_beats: float, compound: bool, rng: random.Random) -> tuple[tuple[float, float], ...]:
    """An arrival: held, held with a second note, or reached through an accented step (an appoggiatura)."""
    pulse = 1.5 if compound else 1.0
    options = [((0.0, bar_beats * 0.75),), ((0.0, bar_beats),), ((0.0, bar_beats / 2),)]
    if bar_beats >= 2 * pulse:
        options += [((0.0, pulse), (pulse, bar_beats - pulse - 0.5 * pulse)),
                    ((0.0, bar_beats / 2), (bar_beats / 2, bar_beats / 4)),
                    ((0.0, 0.5 * pulse), (0.5 * pulse, bar_beats - pulse))]
    if bar_beats >= 3:
        options += [((0.0, 1.5), (1.5, 0.5), (2.0, bar_beats - 2.5)),
                    ((0.0, 1.0), (1.0, 1.0), (2.0, bar_beats - 2.0))]
    return rng.choice(options)


# --- phrase plans ------------------------------------------------------------------------------------------------


@dataclass
class _Slot:
    start: float  #: absolute beat
    duration: float
    position: int  #: scale steps from the phrase's anchor
    strong: bool
    cadence: str = ""  #: "close", "open" on a phrase's last note
    pitch: int = 0
    accent: float = 1.0


def _bar_slots(motif: Motif, origin: float, shift: int, compound: bool, accent: float) -> list[_Slot]:
    return [_Slot(origin + on, d, shift + c, _strong(origin + on, compound), accent=accent * (1.08 if on == 0.0 else 1.0))
            for (on, d), c in zip(motif.rhythm, motif.contour)]


def _phrase_bars(shape: str, bars: int, motif: Motif, answer: Motif, bar_beats: float, rng: random.Random,
                 occurrence: int) -> list[tuple[Motif | None, int]]:
    """What each bar of a phrase plays: (motif or None for the cadence bar, shift in scale steps)."""
    vary = _vary_rhythm
    up = rng.choice((1, -1, 1, 2))
    plan: list[tuple[Motif | None, int]]
    if bars == 1:
        return [(None, 0)]
    if bars == 2:
        return [(motif if occurrence % 2 == 0 else vary(motif, bar_beats, rng), 0), (None, 0)]
    if bars == 3:
        return [(motif, 0), (vary(motif, bar_beats, rng), up), (None, 0)]
    if shape == "hook":
        plan = [(motif, 0), (motif if rng.random() < 0.6 else vary(motif, bar_beats, rng), 0),
                (_fragment(motif, bar_beats, 1), up), (None, 0)]
    elif shape == "riff":
        plan = [(motif, 0), (answer, 0), (motif, 0), (vary(answer, bar_beats, rng), 0)]
    elif shape == "call":
        plan = [(vary(motif, bar_beats, rng) if occurrence % 2 else motif, 0), (None, 0),
                (answer, -1), (None, 0)]
    elif shape == "period":
        plan = [(motif, 0), (answer, up), (vary(motif, bar_beats, rng), 0), (None, 0)]
    else:  # sentence: basic idea, its sequence, fragmentation, cadence
        second = (motif, up) if rng.random() < 0.55 else (vary(motif, bar_beats, rng), 0)
        plan = [(motif, 0), second, (_fragment(motif, bar_beats, 1), up + 1), (None, 0)]
    while len(plan) < bars:  # longer phrases: the idea again, varied, before the cadence
        plan.insert(len(plan) - 1, (vary(plan[len(plan) % 3][0] or motif, bar_beats, rng), rng.choice((0, 1, -1))))
    return plan[:bars]


@dataclass
class _Register:
    low: int
    high: int

    def window(self, kind: str) -> tuple[int, int]:
        width = self.high - self.low
        if kind == "B":
            return self.low + width * 3 // 10, self.high
        if kind == "bridge":
            return self.low + width // 8, self.high - width // 6
        return self.low, self.low + width * 3 // 4


def _register(style: Style, feel: Feel, low: int, high: int) -> _Register:
    wanted = getattr(style, "melody_register", None) or feel.register
    lo, hi = max(wanted[0], low), min(wanted[1], high)
    if hi - lo < 12:  # the instrument lives elsewhere: keep the feel's width inside its range
        width = min(max(wanted[1] - wanted[0], 12), high - low)
        centre = min(max((wanted[0] + wanted[1]) // 2, low + width // 2), high - width // 2)
        lo, hi = centre - width // 2, centre - width // 2 + width
    return _Register(lo, hi)


# --- the tune ----------------------------------------------------------------------------------------------------


def write_melody(low: int, high: int, sections: list[SectionPlan], harmony: list[BarHarmony], style: Style,
                 bar_beats: float, compound: bool, phrase_bars: int, rng: random.Random) -> list[Event]:
    """The tune over ``harmony``: events ``(start, duration, pitch, accent)``, sorted, within ``[low, high]``
    (narrowed to the style's register). It plays in sections of kind A, B, bridge and outro, sounds the final
    tonic in ``end``, and rests elsewhere except for pickups into a phrase."""
    if not harmony:
        return []
    feel = _feel(style)
    _BAR[0] = bar_beats
    register = _register(style, feel, low, high)
    grid = _Grid(harmony, bar_beats)
    motifs: dict[tuple[str, int], tuple[Motif, Motif]] = {}
    density = {"A": -0.5, "B": 2.0, "bridge": -1.0, "outro": -0.7}
    slots: list[list[_Slot]] = []  # one list per phrase
    for section in sections:
        if section.kind not in ("A", "B", "bridge", "outro"):
            continue
        kind = "A" if section.kind == "outro" else section.kind
        # in bars of two beats or less a motif spans two bars, so an idea has room to turn
        unit = 2 if bar_beats <= 2.5 and section.bars >= 4 else 1
        span = bar_beats * unit
        units, spare = divmod(section.bars, unit)
        if (kind, unit) not in motifs:
            m = _motif(feel, span, compound, rng, density[kind])
            answer = _invert(_motif(feel, span, compound, rng, density[kind])) if feel.shape != "hook" \
                else _vary_rhythm(m, span, rng)
            motifs[(kind, unit)] = (m, answer)
        motif, answer = motifs[(kind, unit)]
        if section.occurrence > 0 and rng.random() < 0.4:
            answer = _vary_rhythm(answer, span, rng, feel, compound, density[kind])
        window = register.window(section.kind)
        for start, length, closes in _phrases(units, max(phrase_bars // unit, 1), feel):
            # a hook belongs to the chorus: verses and bridges of hook-driven styles are sentences
            shape = "sentence" if feel.shape == "hook" and kind != "B" else feel.shape
            plan = _phrase_bars(shape, length, motif, answer, span, rng, section.occurrence + start)
            phrase: list[_Slot] = []
            for b, (bar_motif, shift) in enumerate(plan):
                origin = (section.start_bar + (start + b) * unit) * bar_beats
                last = b == len(plan) - 1
                if bar_motif is None:
                    room = span + (spare * bar_beats if last and start + length >= units else 0.0)
                    cadence = _cadence_rhythm(room, compound, rng)
                    for n, (on, d) in enumerate(cadence):
                        final = n == len(cadence) - 1
                        tag = (("close" if closes else "open") if last else "open") if final else ""
                        position = 0 if final else rng.choice((1, 2, -1))
                        phrase.append(_Slot(origin + on, d, position, _strong(origin + on, compound), tag,
                                            accent=0.95))
                    continue
                # the idea keeps its head; its restatements, and every later verse and chorus, vary their rhythm
                chance = (0.3 if b > 0 else 0.15 if start > 0 else 0.0) + (0.3 if section.occurrence > 0 else 0.0)
                if rng.random() < chance:
                    bar_motif = _vary_rhythm(bar_motif, span, rng, feel, compound, density[kind])
                phrase += _bar_slots(bar_motif, origin, shift, compound, 1.05 if kind == "B" else 1.0)
            if phrase:
                _pickup(phrase, feel, bar_beats, compound, rng, first=start == 0)
                slots.append(_realise(phrase, grid, window, register, rng))
            if section.kind == "outro":
                break  # the outro states its idea once and lets the band play out
    events = _join(slots)
    _cadence_home(events, sections, harmony, grid, register, bar_beats)
    events = _decorate(events, grid, style, feel, register, compound, rng)
    return sorted(events)


def _phrases(bars: int, phrase_bars: int, feel: Feel) -> list[tuple[int, int, bool]]:
    """(first bar, bars, closes) for the phrases of a section: 4-bar phrases (8 in long-breathed styles), a
    12-bar blues as three, the last phrase closing on the tonic and the others alternating open and closed."""
    if bars == 12:
        size = 4
    elif bars >= 8 and bars % 8 == 0 and phrase_bars >= 8 and feel.shape in ("period", "sentence"):
        size = 8
    else:
        size = 4 if bars >= 4 else bars
    out = []
    start = 0
    index = 0
    while start < bars:
        remaining = bars - start
        length = min(size, remaining)
        if 0 < remaining - length < 2:
            length = remaining  # a leftover bar joins the phrase before it rather than standing alone
        out.append((start, length, start + length >= bars or index % 2 == 1))
        start += length
        index += 1
    return out


def _pickup(phrase: list[_Slot], feel: Feel, bar_beats: float, compound: bool, rng: random.Random,
            first: bool) -> None:
    """An anacrusis into the phrase: one to three short notes climbing (or falling) into its first note."""
    if rng.random() > feel.pickup * (1.3 if first else 0.8) or phrase[0].start < bar_beats:
        return
    unit = 0.5 if feel.shape != "chant" else 1.0
    count = rng.choice((1, 2, 2, 3)) if unit == 0.5 else 1
    direction = rng.choice((-1, -1, 1))
    head = phrase[0]
    for k in range(count, 0, -1):
        start = head.start - k * unit
        phrase.insert(count - k, _Slot(start, unit, head.position + direction * k, _strong(start, compound),
                                       accent=0.85))
    if count == 1 and rng.random() < 0.4:
        phrase[0].position = head.position - 4  # the dominant below leaping up to the tonic: sol-do


def _realise(phrase: list[_Slot], grid: _Grid, window: tuple[int, int], register: _Register,
             rng: random.Random) -> list[_Slot]:
    """Pitches for a phrase: strong notes on safe chord tones near the contour, weak ones resolving by step."""
    lo, hi = window
    positions = [s.position for s in phrase]
    first_chord, _, key = grid.at(phrase[0].start)
    span_low, span_high = min(positions), max(positions)
    centre = (lo + hi) // 2 - int(1.7 * (span_low + span_high) / 2)
    anchor = min(max(centre, lo + int(-1.7 * span_low)), hi - int(1.7 * span_high))
    anchor = min(max(anchor, register.low), register.high)
    previous: int | None = None
    for i, slot in enumerate(phrase):
        _, _, key = grid.at(slot.start)
        desired = _move(anchor, slot.position, key, register.low, register.high)
        slot.pitch = desired
        if not slot.strong:
            continue
        # a note the contour did not repeat should not turn into a repeat by snapping to the chord
        before = phrase[i - 1].pitch if i > 0 and phrase[i - 1].position != slot.position else None
        slot.pitch = _place_strong(desired, slot, grid, register, previous, before)
        previous = slot.pitch
    for i in range(len(phrase) - 1, -1, -1):
        slot = phrase[i]
        if slot.strong:
            continue
        following = phrase[i + 1].pitch if i + 1 < len(phrase) else None
        before = phrase[i - 1].pitch if i > 0 else None
        slot.pitch = _place_weak(slot.pitch, slot.start, following, grid, register, before)
    return phrase


_CLOSE = (0, 2, 4)  #: scale degrees a closing phrase may land on, best first
_OPEN = (4, 1, 6, 2)  #: ... and an open one


def _place_strong(desired: int, slot: _Slot, grid: _Grid, register: _Register, previous: int | None,
                  before: int | None = None) -> int:
    tones, usable, key = grid.safe(slot.start)
    scale = key.scale
    if slot.cadence:
        order = _CLOSE if slot.cadence == "close" else _OPEN
        wanted = [scale[d] for d in order if scale[d] in tones] or list(tones) or list(usable)
        rank = {pc: i for i, pc in enumerate(wanted)}
        candidates = [p for p in range(register.low, register.high + 1) if p % 12 in rank]
        if candidates:
            return min(candidates, key=lambda p: (abs(p - desired) + 2.5 * rank[p % 12], p))
    candidates = [p for p in range(register.low, register.high + 1) if p % 12 in usable]
    if not candidates:
        return fold(desired, register)
    downbeat = abs(slot.start / grid.bar_beats - round(slot.start / grid.bar_beats)) < 1e-6

    def cost(p: int) -> float:
        c = abs(p - desired)
        if p % 12 not in tones:
            c += 2.5 if downbeat else 1.5  # a tension on the beat is colour, used less than the chord tones
        if p % 12 not in key.scale_set:
            c += 4.0
        if previous is not None and abs(p - previous) > 9:
            c += abs(p - previous) - 9
        if p == before:
            c += 2.0
        return c

    return min(candidates, key=lambda p: (cost(p), p))


def _place_weak(desired: int, start: float, following: int | None, grid: _Grid, register: _Register,
                before: int | None = None) -> int:
    chord, _, key = grid.at(start)
    pcs = set(chord.pitch_classes)
    in_range = register.low <= desired <= register.high
    if in_range and key.contains(desired) and desired != following and (
            desired % 12 in pcs or following is None or abs(following - desired) <= 2):
        return desired
    options = [p for p in range(register.low, register.high + 1) if key.contains(p)
               and (p % 12 in pcs or (following is not None and 0 < abs(following - p) <= 2))]
    if not options:
        return fold(desired, register)
    return min(options, key=lambda p: (abs(p - desired) + (0 if p % 12 in pcs else 0.4)
                                       + 1.5 * (p == following) + 1.5 * (p == before), p))


def fold(pitch: int, register: _Register) -> int:
    while pitch > register.high:
        pitch -= 12
    while pitch < register.low:
        pitch += 12
    return pitch


def _join(phrases: list[list[_Slot]]) -> list[Event]:
    """Phrases laid end to end; where a pickup overlaps the previous phrase's last note, that note gives way."""
    events: list[Event] = []
    for phrase in phrases:
        begin = phrase[0].start
        while events and events[-1][0] >= begin - 1e-6:
            events.pop()
        if events:
            t, d, p, a = events[-1]
            if t + d > begin:
                events[-1] = (t, max(begin - t, 0.125), p, a)
        events.extend((round(s.start, 4), round(s.duration, 4), s.pitch, s.accent) for s in phrase)
    return events


def _cadence_home(events: list[Event], sections: list[SectionPlan], harmony: list[BarHarmony], grid: _Grid,
                  register: _Register, bar_beats: float) -> None:
    """The closing bar holds the tonic of the key in force, with the final chord."""
    end = next((s for s in sections if s.kind == "end"), None)
    if end is None:
        return
    start = end.start_bar * bar_beats
    key = harmony[end.start_bar].key
    while events and events[-1][0] >= start - 1e-6:
        events.pop()
    previous = events[-1][2] if events else (register.low + register.high) // 2
    tonics = [p for p in range(register.low, register.high + 1) if p % 12 == key.tonic]
    pitch = min(tonics, key=lambda p: (abs(p - previous), p)) if tonics else fold(key.tonic + 60, register)
    if events:
        t, d, p, a = events[-1]
        events[-1] = (t, min(d, start - t), p, a)
    events.append((start, end.bars * bar_beats, pitch, 1.1))


# --- decoration --------------------------------------------------------------------------------------------------


def _decorate(events: list[Event], grid: _Grid, style: Style, feel: Feel, register: _Register, compound: bool,
              rng: random.Random) -> list[Event]:
    """Ornaments, chromatic approaches and blue notes, off the beat, resolving by step, within a budget of
    out-of-key notes so the tune keeps its key."""
    chromatic = bool(getattr(style, "chromatic", False)) or style.melody == "bebop"
    blue = bool(getattr(style, "blue_notes", False))
    ornament = feel.ornament
    budget = max(int(0.03 * len(events)), 1)
    spent = 0
    out: list[Event] = []
    for i, (t, d, p, a) in enumerate(events):
        if i == len(events) - 1:  # the final tonic rings plain
            out.append((t, d, p, a))
            break
        _, _, key = grid.at(t)
        nxt = events[i + 1] if i + 1 < len(events) else None
        prev_end = out[-1][0] + out[-1][1] if out else 0.0
        # a chromatic approach or enclosure: the short note before a strong one becomes its lower neighbour
        if (chromatic and feel.approach and nxt is not None and d <= 0.5 and not _strong(t, compound)
                and _strong(nxt[0], compound) and abs(t + d - nxt[0]) < 1e-6 and spent < budget
                and rng.random() < feel.approach):
            approach = nxt[2] - 1
            if not key.contains(approach) and register.low <= approach <= register.high:
                out.append((t, d, approach, a * 0.9))
                spent += 1
                continue
        # a blue note: the flat third slid into the third, a crushed grace before the beat
        if (blue and _strong(t, compound) and (p - key.tonic) % 12 == 4 and spent < budget and d >= 0.5
                and p - 1 >= register.low
                and prev_end <= t - 0.125 and rng.random() < 0.5):
            out.append((t - 0.125, 0.125, p - 1, a * 0.8))
            spent += 1
        elif ornament and d >= 1.0 and _strong(t, compound) and rng.random() < ornament:
            out.extend(_ornament(t, d, p, a, key, register, compound, prev_end, rng))
            continue
        out.append((t, d, p, a))
    return out


def _ornament(t: float, d: float, p: int, a: float, key: Key, register: _Register, compound: bool,
              prev_end: float, rng: random.Random) -> list[Event]:
    """A turn, a trill, a mordent or a grace note on a long note; its quick notes fall between beats."""
    upper = _move(p, 1, key, register.low, register.high)
    lower = _move(p, -1, key, register.low, register.high)
    if upper == p or lower == p or upper > register.high or lower < register.low:
        return [(t, d, p, a)]
    how = rng.randrange(4)
    if how == 0 and d >= 1.5:  # turn: main, upper, main, lower, main
        figure = [(0.0, 0.5, p), (0.5, 0.125, upper), (0.625, 0.125, p), (0.75, 0.125, lower), (0.875, d - 0.875, p)]
    elif how == 1:  # trill into the held note
        figure = [(0.0, 0.125, p), (0.125, 0.125, upper), (0.25, 0.125, p), (0.375, 0.125, upper),
                  (0.5, d - 0.5, p)]
    elif how == 2:  # mordent
        figure = [(0.0, 0.125, p), (0.125, 0.125, lower), (0.25, d - 0.25, p)]
    else:  # grace note from above, just before the beat
        if prev_end > t - 0.125 + 1e-6:
            return [(t, d, p, a)]
        return [(t - 0.125, 0.125, upper, a * 0.75), (t, d, p, a)]
    if any(_strong(t + o, compound) for o, _, _ in figure[1:]):
        return [(t, d, p, a)]
    return [(t + o, dd, pp, a if o == 0.0 else a * 0.8) for o, dd, pp in figure]


# --- the counter-line --------------------------------------------------------------------------------------------


def write_counter(low: int, high: int, sections: list[SectionPlan], harmony: list[BarHarmony], style: Style,
                  bar_beats: float, rng: random.Random, melody: list[Event] | None = None) -> list[Event]:
    """A guide-tone counter-line (thirds and sevenths, held, moving by the nearest step) in sections A, B, bridge
    and outro. Given the ``melody``, it moves where the tune holds or rests and holds where the tune is busy."""
    if not harmony:
        return []
    grid = _Grid(harmony, bar_beats)
    register = _Register(low, high)
    onsets: dict[int, int] = {}
    for t, _, _, _ in melody or ():
        bar = int(t // bar_beats)
        onsets[bar] = onsets.get(bar, 0) + 1
    events: list[Event] = []
    previous = (low + high) // 2
    for section in sections:
        if section.kind not in ("A", "B", "bridge", "outro"):
            continue
        for bar in range(section.start_bar, section.start_bar + section.bars):
            t = bar * bar_beats
            pitch = _guide(grid, t, previous, register)
            quiet = melody is not None and onsets.get(bar, 0) <= 2
            if (quiet or (melody is None and rng.random() < 0.35)) and bar_beats >= 2:
                half = bar_beats / 2
                second = _guide(grid, t + half, pitch, register, move=True)
                passing = [p for p in range(min(pitch, second) + 1, max(pitch, second)) if grid.at(t)[2].contains(p)]
                events.append((t, half, pitch, 0.9))
                if passing and bar_beats >= 3 and abs(second - pitch) >= 3:
                    events.append((t + half - 0.5, 0.5, passing[len(passing) // 2], 0.8))
                    events[-2] = (t, half - 0.5, pitch, 0.9)
                events.append((t + half, half, second, 0.85))
                previous = second
            else:
                events.append((t, bar_beats, pitch, 0.9))
                previous = pitch
    return events


def _guide(grid: _Grid, t: float, previous: int, register: _Register, move: bool = False) -> int:
    chord, _, key = grid.at(t)
    tones, usable, _ = grid.safe(t)
    pcs = chord.pitch_classes
    guides = {pcs[1]} | ({pcs[3]} if len(pcs) > 3 else {pcs[2]})
    wanted = [pc for pc in guides if pc in tones and key.contains(pc)] or \
             [pc for pc in tones if key.contains(pc)] or list(usable)
    options = [p for p in range(register.low, register.high + 1) if p % 12 in wanted and (not move or p != previous)]
    if not options:
        return fold(previous, register)
    return min(options, key=lambda p: (abs(p - previous), p))

