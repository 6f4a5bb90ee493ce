"""Controller curves: expression (CC11) and vibrato (CC1) on sustained parts, the sustain pedal (CC64) on pianos.

A string, wind or pad player keeps shaping a note after it starts: long notes swell and ease (messa di voce),
phrases rise and fall, and the two bars before a climax crescendo into it — velocity cannot do any of that, CC11
can. Long notes on strings, winds, brass, voices and synth leads bloom into vibrato (CC1) after they speak. An
organ's swell box follows the phrase and the crescendos but not single notes; sustained guitars and synth basses
follow the sections and, faintly, the phrase. Pianists catch each chord with the pedal just after it sounds and lift just before the
next. Curves are sampled at most every eighth of a beat and only sent when they move, so a track stays cheap to
render.
"""

from __future__ import annotations

import bisect

from ..score import ChordSpan, Control
from .feel import Feel, Part
from .timeline import Timeline, arc
from .timing import Played

__all__ = ["expression", "pedal", "volume_swells"]

_FINE = 0.125  # beats between samples while a curve moves quickly
_COARSE = 0.5
_MIN_STEP = 2  # CC units a curve must move before another event is worth sending
#: Comping styles whose piano is played dry: a pedal would smear their rhythm.
_DRY = frozenset({"skank", "funk", "stab", "house", "pump", "montuno", "jazz", "shuffle", "offbeat8", "staccato",
                  "oompah", "dembow", "amapiano", "citypop"})


def _smooth(x: float) -> float:
    x = min(max(x, 0.0), 1.0)
    return x * x * (3.0 - 2.0 * x)


class _Swell:
    """A note (or chord) long enough to be shaped while it sounds."""

    __slots__ = ("start", "end", "dip", "lift", "settle", "top")

    def __init__(self, start: float, end: float, dip: float, lift: float, settle: float, top: float) -> None:
        self.start, self.end, self.dip, self.lift, self.settle, self.top = start, end, dip, lift, settle, top

    def offset(self, t: float) -> float:
        p = (t - self.start) / max(self.end - self.start, 1e-6)
        if p < self.top:
            return self.dip + (self.lift - self.dip) * _smooth(p / self.top)
        return self.lift + (self.settle - self.lift) * _smooth((p - self.top) / (1.0 - self.top))


def _sample(times: set[float], start: float, end: float, step: float) -> None:
    t = start
    while t < end - 1e-6:
        times.add(round(t, 4))
        t += step


def _groups(notes: list[Played]) -> list[tuple[float, float]]:
    """(start, end) of each onset's notes: a chord counts once, held as long as its longest note."""
    spans: dict[float, float] = {}
    for n in notes:
        key = round(n.start, 4)
        spans[key] = max(spans.get(key, n.end), n.end)
    return sorted(spans.items())


def _swells(part: Part, spans: list[tuple[float, float]], timeline: Timeline) -> list[_Swell]:
    if part.expression != "full":
        return []
    arrivals = [end for _, end in timeline.crescendos]
    swells = []
    previous_end = -1e9
    for start, end in spans:
        length = end - start
        arriving = any(abs(start - a) < 0.1 for a in arrivals)  # the climax lands full, not from a dip
        if part.melodic:
            if length >= max(1.5, timeline.beats(700.0, start)):
                joined = start - previous_end < timeline.beats(40.0, start)
                dip = -2.0 if arriving else -6.0 if joined else -12.0
                swells.append(_Swell(start, end, dip, 5.0, -2.0, 0.6))
        elif length >= 1.5:
            swells.append(_Swell(start, end, -2.0 if arriving else -5.0, 1.0, 0.0, 0.55))
        previous_end = end
    return swells


def expression(part: Part, notes: list[Played], timeline: Timeline) -> list[Control]:
    """CC11 and CC1 curves for a sustained part (empty for anything else)."""
    if not part.expression or not notes:
        return []
    spans = _groups(notes)
    swells = _swells(part, spans, timeline)
    swell_starts = [s.start for s in swells]
    crescendos = timeline.crescendos
    full = part.expression == "full"
    floor, reach = (90.0, 30.0) if part.expression != "phrase" else (108.0, 16.0)
    arc_depth = (0.6 if part.melodic else 0.4) if full else 0.5 if part.expression == "swell_pedal" else 0.3

    def plain(t: float) -> float:
        value = floor + reach * timeline.level(t)
        if arc_depth:
            _, position = timeline.phrase(t)
            value += 120.0 * arc_depth * (arc(position) - 1.0)
        i = bisect.bisect_right(swell_starts, t) - 1
        if i >= 0 and t < swells[i].end:
            value += swells[i].offset(t)
        return value

    def value_at(t: float) -> int:
        for w0, w1 in crescendos:
            if w0 <= t < w1:
                start = plain(w0)
                target = min(floor + reach * timeline.level(w1) + 7.0, 127.0)
                return int(round(start + (target - start) * ((t - w0) / (w1 - w0)) ** 1.6))
        return int(min(max(round(plain(t)), 0), 127))

    # a still curve is sampled every half beat while the part sounds; a swell in about eight steps, a crescendo
    # in sixteen
    times: set[float] = set()
    for start, end in spans:
        _sample(times, start, end, _COARSE)
    for swell in swells:
        _sample(times, swell.start, swell.end, max(_FINE, (swell.end - swell.start) / 8))
    span_starts = [start for start, _ in spans]
    for w0, w1 in crescendos:
        step = max(_FINE, (w1 - w0) / 16)
        for start, end in spans[max(bisect.bisect_right(span_starts, w0) - 1, 0):]:
            if start >= w1:
                break
            if end > w0:
                first = w0 + step * max(0, -(-(start - w0) // step))
                _sample(times, first, min(end, w1), step)
    starts = {round(s, 4) for s, _ in spans}
    controls: list[Control] = []
    last = None
    for t in sorted(times):
        v = value_at(t)
        if last is None or abs(v - last) >= _MIN_STEP or (t in starts and v != last):
            controls.append(Control(t, 11, v))
            last = v
    if part.vibrato and part.melodic:
        controls += _vibrato(spans, timeline)
    return controls


def _vibrato(spans: list[tuple[float, float]], timeline: Timeline) -> list[Control]:
    """Delayed vibrato on long notes: none as the note speaks, blooming toward its end, gone by the next note."""
    controls: list[Control] = []
    for i, (start, end) in enumerate(spans):
        length = end - start
        seconds = timeline.ms(length, start) / 1000.0
        if length < 1.5 or seconds < 0.6:
            continue
        peak = min(52.0, 26.0 + 14.0 * seconds)
        for fraction, amount in ((0.35, 0.1), (0.6, 0.6), (0.85, 1.0)):
            controls.append(Control(round(start + fraction * length, 4), 1, int(round(peak * amount))))
        following = spans[i + 1][0] if i + 1 < len(spans) else end
        controls.append(Control(round(max(min(end, following), start + 0.9 * length), 4), 1, 0))
    return controls


def volume_swells(notes: list[Played], timeline: Timeline) -> list[Control]:
    """A steel player's volume pedal: long notes fade in from near silence, short ones play at full."""
    controls: list[Control] = []
    for start, end in _groups(notes):
        length = end - start
        if length >= 1.0:
            rise = 0.4 * length
            steps = max(int(rise / _FINE), 2)
            for k in range(steps + 1):
                level = int(round(50 + 62 * _smooth(k / steps)))
                controls.append(Control(round(start + rise * k / steps, 4), 11, level))
        else:
            controls.append(Control(round(start, 4), 11, 112))
    return controls


def pedal(part: Part, notes: list[Played], timeline: Timeline, chords: list[ChordSpan], feel: Feel) -> list[Control]:
    """CC64 down just after each chord is struck and up just before the next (both hands pedal alike)."""
    if not part.piano or not notes or feel.articulation == "staccato" or feel.comp in _DRY:
        return []
    spans: list[tuple[float, float]] = []
    source = [(c.start, c.start + c.length) for c in chords] or [
        (b * timeline.bar, (b + 1) * timeline.bar) for b in range(int(-(-timeline.length // timeline.bar)))]
    for start, end in source:
        if end - start > 2 * timeline.bar + 1e-6:  # a long chord: catch it again every bar as the tune moves
            t = start
            while t < end - 1e-6:
                spans.append((t, min(t + timeline.bar, end)))
                t += timeline.bar
        else:
            spans.append((start, end))
    onsets = sorted(n.start for n in notes)
    last_end = max(n.end for n in notes)
    controls: list[Control] = []
    for i, (start, end) in enumerate(spans):
        j = bisect.bisect_left(onsets, start - timeline.beats(30.0, start))
        if j >= len(onsets) or onsets[j] >= end:
            continue  # the piano rests through this chord
        down = max(onsets[j], start) + timeline.beats(50.0, start)
        final = i == len(spans) - 1
        if final and not timeline.loop:
            up = max(end, last_end)
        else:
            up = end - timeline.beats(20.0, end)
        if up - down < timeline.beats(40.0, start):
            continue
        controls += [Control(round(down, 4), 64, 127), Control(round(up, 4), 64, 0)]
    return controls
