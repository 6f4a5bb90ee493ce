"""Drums: per-style grooves on a step grid, thinned or filled out by a section's energy, with fills and crashes.

A groove is one bar of step patterns per General MIDI drum note ("x" hit, "X" accent, "o" soft, "g" ghost).
Below an energy of 0.25 the kit rests, up to 0.55 it plays its light pattern (hats, a soft kick), above that the
full groove; the bar before a louder section gets a fill and the louder section opens with a crash. A groove
written for another metre gives way to one generated from the bar's pulses, so there is always a clear beat at
the stated tempo for the listener (and a beat tracker) to follow.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

__all__ = ["Groove", "GROOVES", "drum_bar", "groove_for"]

KICK, KICK2, RIM, SNARE, CLAP, HAT, PEDAL, OPEN_HAT, CRASH, RIDE = 36, 35, 37, 38, 39, 42, 44, 46, 49, 51
TAMB, COWBELL, SHAKER, LOW_CONGA, HIGH_CONGA, TOMS = 54, 56, 70, 64, 63, (50, 48, 45, 43, 41)
_VELOCITY = {"X": 1.0, "x": 0.82, "o": 0.6, "g": 0.35}


@dataclass(frozen=True)
class Groove:
    bar_beats: float
    full: dict[int, str]
    light: dict[int, str]


def _g(bar_beats: float, full: dict[int, str], light: dict[int, str]) -> Groove:
    return Groove(bar_beats, full, light)


GROOVES: dict[str, Groove] = {
    "rock": _g(4, {KICK: "x.......x.x.....", SNARE: "....X.......X...", HAT: "x.x.x.x.x.x.x.x."},
               {KICK: "x.......x.......", HAT: "o.o.o.o.o.o.o.o."}),
    "pop": _g(4, {KICK: "x.....x.x.......", SNARE: "....X.......X...", HAT: "x.o.x.o.x.o.x.o."},
              {KICK: "x.......x.......", HAT: "o.o.o.o.o.o.o.o.", RIM: "....o.......o..."}),
    "house": _g(4, {KICK: "X...X...X...X...", CLAP: "....x.......x...", OPEN_HAT: "..x...x...x...x.",
                    HAT: "g.g.g.g.g.g.g.g."},
                {KICK: "x...x...x...x...", HAT: "..o...o...o...o."}),
    "edm": _g(4, {KICK: "X...X...X...X...", CLAP: "....X.......X...", OPEN_HAT: "..x...x...x...x.",
                  HAT: "gggggggggggggggg"},
              {KICK: "x...x...x...x...", HAT: "..o...o...o...o."}),
    "techno": _g(4, {KICK: "X...X...X...X...", HAT: "..x...x...x...x.", RIDE: "o.o.o.o.o.o.o.o.",
                     CLAP: "....o.......o..."},
                 {KICK: "x...x...x...x...", HAT: "..o...o...o...o."}),
    "synthwave": _g(4, {KICK: "x.......x.......", SNARE: "....X.......X...", HAT: "x.x.x.x.x.x.x.x."},
                    {KICK: "x.......x.......", HAT: "o.o.o.o.o.o.o.o."}),
    "boom_bap": _g(4, {KICK: "x......x..x.....", SNARE: "....X.......X...", HAT: "x.x.x.x.x.x.x.x."},
                   {KICK: "x.........x.....", HAT: "o.o.o.o.o.o.o.o."}),
    "trap": _g(4, {KICK: "x......x..x.....", SNARE: "........X.......", CLAP: "........x.......",
                   HAT: "x.x.x.x.x.x.xxxx"},
               {KICK: "x.........x.....", HAT: "o.o.o.o.o.o.o.o."}),
    "dnb": _g(4, {KICK: "x.........x.....", SNARE: "....X..g.g..X..g", HAT: "x.xox.xox.xox.xo",
                  RIDE: "o.o.o.o.o.o.o.o."},
              {HAT: "o.o.o.o.o.o.o.o.", RIDE: "o...o...o...o..."}),
    "funk": _g(4, {KICK: "x.........x..x..", SNARE: "....X..g.g..X..g", HAT: "xoxoxoxoxoxoxoxo"},
               {KICK: "x.........x.....", HAT: "oooooooooooooooo"}),
    "disco": _g(4, {KICK: "x...x...x...x...", SNARE: "....x.......x...", OPEN_HAT: "..x...x...x...x.",
                    HAT: "x...x...x...x..."},
                {KICK: "x...x...x...x...", HAT: "..o...o...o...o."}),
    "swing": _g(4, {RIDE: "x..x.xx..x.x", PEDAL: "...x.....x..", KICK: "g..g..g..g..", SNARE: "........g..."},
                {RIDE: "o..o.oo..o.o", PEDAL: "...o.....o.."}),
    "shuffle": _g(4, {KICK: "x.....x.....", SNARE: "...X.....X..", HAT: "x.xx.xx.xx.x"},
                  {KICK: "x.....x.....", HAT: "o.oo.oo.oo.o"}),
    "bossa": _g(4, {KICK: "x..xx..xx..xx..x", RIM: "x..x..x...x..x..", HAT: "xoxoxoxoxoxoxoxo"},
                {KICK: "x.......x.......", HAT: "oooooooooooooooo", RIM: "x..x..x...x..x.."}),
    "samba": _g(4, {KICK: "x..xx..xx..xx..x", TAMB: "xoxoxoxoxoxoxoxo", RIM: "x..x..x...x..x..", SNARE: "....x.......x..."},
                {KICK: "x.......x.......", TAMB: "oooooooooooooooo"}),
    "one_drop": _g(4, {KICK: "........X.......", RIM: "........x.......", HAT: "x.xgx.xgx.xgx.xg",
                       OPEN_HAT: "..............o."},
                   {HAT: "x.o.x.o.x.o.x.o.", RIM: "........o......."}),
    "train": _g(4, {KICK: "x.......x.......", SNARE: "g.g.X.g.g.g.X.g.", HAT: "..x...x...x...x."},
                {KICK: "x.......x.......", SNARE: "g.g.o.g.g.g.o.g."}),
    "hand": _g(4, {KICK: "x.......x.......", TAMB: "....x.......x...", SHAKER: "xoxoxoxoxoxoxoxo",
                   HIGH_CONGA: "......x.......x."},
               {KICK: "x.......x.......", SHAKER: "x.o.x.o.x.o.x.o."}),
    "waltz": _g(3, {KICK: "x...........", SNARE: "....x...x...", HAT: "x.o.x.o.x.o."},
                {KICK: "x...........", HAT: "x...o...o..."}),
    "jig": _g(3, {KICK: "x.....", SNARE: "...x..", HAT: "xoxxox"}, {KICK: "x.....", HAT: "x.ox.o"}),
    "march": _g(2, {KICK2: "x...x...", SNARE: "..x.xgx.", CRASH: "x......."}, {SNARE: "x.g.x.g.", KICK2: "x...x..."}),
    "polka": _g(2, {KICK: "x...x...", SNARE: "..x...x.", HAT: "..x...x."}, {KICK: "x...x...", HAT: "..o...o."}),
    "orchestral": _g(4, {KICK2: "X.......x.......", CRASH: "x..............."}, {KICK2: "o..............."}),
    "trailer": _g(4, {KICK2: "X.....x.X.......", SNARE: "....X.......X...", TOMS[3]: "..x...x...x.x.x."},
                  {KICK2: "x.......x.......", TOMS[4]: "....o.......o..."}),
    "metal": _g(4, {KICK: "xxxxxxxxxxxxxxxx", SNARE: "....X.......X...", CRASH: "x...x...x...x..."},
                {KICK: "x.x.x.x.x.x.x.x.", HAT: "x.x.x.x.x.x.x.x."}),
    "chiptune": _g(4, {KICK: "x.......x.x.....", SNARE: "....x.......x...", HAT: "x.x.x.x.x.x.x.x."},
                   {KICK: "x.......x.......", HAT: "o.o.o.o.o.o.o.o."}),
}


def _generic(bar_beats: float, compound: bool) -> Groove:
    """A groove for any metre: kick on the first pulse (and the middle one), snare on the others, hats between."""
    per_beat = 2 if compound else 4
    steps = int(round(bar_beats * per_beat))
    pulse = 3 if compound else 4
    kick, snare, hat = ["."] * steps, ["."] * steps, ["."] * steps
    pulses = list(range(0, steps, pulse))
    for i, s in enumerate(pulses):
        if i == 0 or (len(pulses) >= 4 and i == len(pulses) // 2):
            kick[s] = "x"
        else:
            snare[s] = "x" if len(pulses) > 2 and i % 2 else "o"
    for s in range(0, steps, 2 if not compound else 1):
        hat[s] = "x" if s % pulse == 0 else "o"
    full = {KICK: "".join(kick), SNARE: "".join(snare), HAT: "".join(hat)}
    return Groove(bar_beats, full, {KICK: "".join(kick), HAT: "".join(hat)})


def groove_for(name: str | None, bar_beats: float, compound: bool) -> Groove:
    groove = GROOVES.get(name or "")
    if groove is not None and abs(groove.bar_beats - bar_beats) < 1e-6:
        return groove
    if groove is not None and abs(bar_beats - 2 * groove.bar_beats) < 1e-6:  # 12/8 from a 6/8 groove
        return Groove(bar_beats, {n: p + p for n, p in groove.full.items()},
                      {n: p + p for n, p in groove.light.items()})
    return _generic(bar_beats, compound)


def drum_bar(groove: Groove, energy: float, fill: bool, crash: bool, final: bool,
             rng: random.Random) -> list[tuple[float, float, int, float]]:
    """``(offset, duration, note, accent)`` for one bar."""
    if final:
        return [(0.0, 1.0, KICK, 1.0), (0.0, 2.0, CRASH, 0.9)]
    if energy < 0.25 and not fill:
        return []
    layer = groove.full if energy >= 0.55 else groove.light
    events: list[tuple[float, float, int, float]] = []
    fill_from = groove.bar_beats - (2.0 if energy >= 0.7 else 1.0) if fill else groove.bar_beats + 1
    for note, pattern in layer.items():
        step = groove.bar_beats / len(pattern)
        for i, mark in enumerate(pattern):
            t = i * step
            if mark == "." or t >= fill_from:
                continue
            if note == CRASH and i > 0 and energy < 0.85:
                continue
            events.append((t, min(step, 0.5), note, _VELOCITY[mark]))
    if energy >= 0.85 and OPEN_HAT not in layer and HAT in layer:
        events.append((groove.bar_beats - 0.5, 0.5, OPEN_HAT, 0.7))
    if fill:
        t = max(fill_from, 0.0)
        count = int(round((groove.bar_beats - t) / 0.25))
        toms = rng.choice((True, False))
        for i in range(count):
            note = TOMS[min(i * len(TOMS) // max(count, 1), len(TOMS) - 1)] if toms else SNARE
            events.append((t + i * 0.25, 0.25, note, 0.55 + 0.45 * (i + 1) / count))
        events.append((max(fill_from, 0.0), 0.5, KICK, 0.9))
    if crash:
        events.append((0.0, 2.0, CRASH, 0.95))
        if not any(t == 0.0 and n == KICK for t, _, n, _ in events):
            events.append((0.0, 0.5, KICK, 1.0))
    return events
