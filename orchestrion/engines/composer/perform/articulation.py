"""Articulation and strums: how long each note is held, and how a guitarist's hand crosses the strings.

Bowed and blown lines join their notes (the next note speaks 10-30 ms before the last one stops), staccato styles
clip notes to under half their written length, detached ones to three quarters; everything else keeps the length
the score wrote. A chord of three or more notes on a guitar-like instrument is strummed: low to high on a
down-stroke (on the beat), high to low and softer on an up-stroke (off the beat); a flamenco rasgueado rolls its
accented chords as four or five quick finger strokes landing on the beat.
"""

from __future__ import annotations

import bisect
import random

from .feel import Feel, Part
from .timeline import Timeline
from .timing import Played

__all__ = ["articulate", "strum"]

_LEGATO_MS = (10.0, 30.0)
_REARTICULATE_MS = 15.0  # a repeated pitch in a legato line still needs its own bow or tongue stroke
_STACCATO = 0.45
_DETACHED = 0.75
_SHORTEST_MS = 60.0
#: Strum spread (first to last string, ms at 120 bpm) by comping pattern: downpicked chugs are nearly together.
_SPREAD_MS = {"power": 9.0, "chug": 9.0, "gallop": 9.0, "skank": 10.0, "offbeat8": 10.0, "boom_chuck": 11.0,
              "strum": 17.0, "rasgueado": 10.0}
_ROLL_GAP_MS = 32.0  # between the finger strokes of a rasgueado
_LONG_BASS = frozenset({"walking", "continuo", "drone", "sub", "808", "log_drum", "wobble", "chorale"})


# articulation ----------------------------------------------------------------------------------------------------

def _mode(part: Part, feel: Feel) -> str:
    role = part.role
    if part.drums or role in ("pad", "fx", "percussion"):
        return "legato" if part.breathing and feel.articulation == "legato" else "natural"
    if part.id == "pizzicato":
        return "staccato"
    if feel.articulation in ("staccato", "detached"):
        if role == "bass":  # a bass line is clipped less than the stabs over it, and long bass lines not at all
            return "natural" if feel.bass in _LONG_BASS else "detached"
        return feel.articulation
    if part.breathing and (feel.articulation == "legato" or part.melodic):
        return "legato"
    return "natural"


def articulate(part: Part, notes: list[Played], timeline: Timeline, feel: Feel, rng: random.Random) -> None:
    mode = _mode(part, feel)
    if mode == "legato":
        _legato(notes, timeline, rng)
    elif mode in ("staccato", "detached"):
        factor = _STACCATO if mode == "staccato" else _DETACHED
        longest = 1.5 if mode == "staccato" else 1.0
        for n in notes:
            length = n.end - n.start
            if length <= longest + 1e-6:
                shortest = min(timeline.beats(_SHORTEST_MS, n.start), length)
                n.end = n.start + max(length * factor, shortest)


def _legato(notes: list[Played], timeline: Timeline, rng: random.Random) -> None:
    """Join each note to the next onset when the score leaves no real rest between them."""
    if len(notes) < 2:
        return
    base = rng.uniform(14.0, 22.0)  # the player's own overlap
    onsets = sorted({round(n.start, 6) for n in notes})
    at: dict[float, list[int]] = {}
    for n in notes:
        at.setdefault(round(n.start, 6), []).append(n.pitch)
    for n in notes:
        i = bisect.bisect_right(onsets, round(n.start, 6))
        if i >= len(onsets):
            continue
        nxt = onsets[i]
        gap = nxt - n.end
        if gap > max(timeline.beats(40.0, n.start), 0.12 * (n.end - n.start)):
            continue  # a written rest
        if -gap > timeline.beats(_LEGATO_MS[1], nxt):
            continue  # held on over the next onset already

        pitches = at[nxt]
        if n.pitch in pitches:
            n.end = max(min(n.end, nxt - timeline.beats(_REARTICULATE_MS, nxt)), n.start + 1e-3)
            continue
        leap = min(abs(p - n.pitch) for p in pitches)
        ms = min(max(base + 6.0 * min(leap, 12) / 12.0, _LEGATO_MS[0]), _LEGATO_MS[1])
        n.end = nxt + timeline.beats(ms, nxt)


# strums ----------------------------------------------------------------------------------------------------------

def strum(part: Part, notes: list[Played], timeline: Timeline, feel: Feel) -> list[Played]:
    """Spread each chord of three or more notes into a strum; returns the notes (rasgueados add strokes)."""
    chords: dict[float, list[Played]] = {}
    for n in notes:
        chords.setdefault(round(n.grid, 4), []).append(n)
    hits = sorted(t for t, group in chords.items() if len(group) >= 3)
    if not hits:
        return notes
    sixteenths = any(abs(timeline.position(t) * 4 - round(timeline.position(t) * 4)) < 1e-3
                     and round(timeline.position(t) * 4) % 2 == 1 for t in hits)
    unit = 0.25 if sixteenths else 0.5
    comp = feel.comp if part.role == "harmony" else "strum"
    spread_ms = _SPREAD_MS.get(comp, 15.0)
    added: list[Played] = []
    previous = 0.0  # nothing to roll in from before the piece starts
    for t in hits:
        group = sorted(chords[t], key=lambda n: n.pitch)
        bpm = timeline.bpm(t)
        ms = min(max(spread_ms * min(max(120.0 / bpm, 0.75), 1.25), 8.0), 25.0)
        # the hand keeps moving down and up through the pulse and falls down on each counted beat
        within = timeline.position(t) % timeline.pulse
        down = int(round(within / unit)) % 2 == 0
        accented = max(n.accent for n in group) >= 110
        if comp == "rasgueado" and accented and part.role == "harmony":
            added += _rasgueado(group, timeline, previous, ms)
        else:
            _spread(group, timeline, ms if down else max(ms * 0.75, 8.0), down)
        previous = min(n.start for n in group)
    return notes + added if added else notes


def _spread(group: list[Played], timeline: Timeline, ms: float, down: bool) -> None:
    order = group if down else group[::-1]
    start = min(n.start for n in group)
    step = timeline.beats(ms, start) / max(len(order) - 1, 1)
    for i, n in enumerate(order):
        end = n.end
        n.start = start + i * step
        n.end = max(end, n.start + timeline.beats(30.0, start))
        fade = i / max(len(order) - 1, 1)
        n.velocity = max(int(round(n.velocity * ((1.0 - 0.08 * fade) if down else (0.88 - 0.1 * fade)))), 1)


def _rasgueado(group: list[Played], timeline: Timeline, previous: float, ms: float) -> list[Played]:
    """Finger strokes rolling into the beat: the last, loudest, lands where the chord was written."""
    start = min(n.start for n in group)
    gap = timeline.beats(_ROLL_GAP_MS, start)
    room = start - previous - timeline.beats(40.0, start)
    strokes = max(1, min(5 if len(group) >= 5 else 4, int(room / gap) + 1))
    extra: list[Played] = []
    for k in range(strokes - 1):
        at = start - (strokes - 1 - k) * gap
        swell = 0.6 + 0.3 * k / max(strokes - 1, 1)
        stroke = []
        for n in group:
            p = Played(n.grid, at + gap * 0.9, n.pitch, n.accent)
            p.start = at
            p.velocity = max(int(round(n.velocity * swell)), 1)
            stroke.append(p)
        _spread(stroke, timeline, ms * 0.8, True)
        extra += stroke
    _spread(group, timeline, ms, True)
    return extra
