"""The piece as a performer reads it: bars and tempo, the dynamic level from bar to bar, phrases, climaxes.

The dynamic level follows the sections' energies, but never as steps: a section's level is reached by a ramp over
the last bars before it (a crescendo into a chorus or a drop, a diminuendo into a breakdown), long enough that no
bar moves more than :data:`MAX_STEP` of the range from the bar before. The prompt's energy sets the window the
level moves in: a calm piece peaks where an intense one only starts.
"""

from __future__ import annotations

import bisect
import math

from ..score import Score, Section

__all__ = ["MAX_STEP", "Timeline", "arc"]

MAX_STEP = 0.18  #: the most the section level may move in one bar (of its 0-1 range)
_CLIMB_BARS = 2  #: a crescendo or diminuendo into a new section takes at least this many bars


def arc(position: float, peak: float = 0.62) -> float:
    """The phrase arc at ``position`` (0-1 through the phrase): rising to 1 at ``peak``, falling at the close."""
    if position < peak:
        return 0.94 + 0.06 * math.sin(0.5 * math.pi * position / peak)
    return 1.0 - 0.07 * ((position - peak) / max(1.0 - peak, 1e-6)) ** 1.5


class Timeline:
    def __init__(self, score: Score, half_time: bool = False) -> None:
        self.bar = score.bar_beats
        numerator, denominator = score.time_signature
        #: the counted beat in quarter notes: a dotted quarter in 6/8 and 12/8
        self.pulse = 1.5 if denominator == 8 and numerator % 3 == 0 else 1.0
        ends = [n.start + n.duration for t in score.tracks for n in t.notes]
        self.length = score.length_beats or (max(ends) if ends else self.bar)
        self.loop = score.loop
        tempo = sorted(score.tempo, key=lambda t: t.beat)
        self._tempo_at = [t.beat for t in tempo] or [0.0]
        self._bpm = [t.bpm for t in tempo] or [120.0]
        sections = sorted(score.sections, key=lambda s: s.start)
        self.sections = sections or [Section("all", 0.0, self.length, 0.6)]
        self._section_starts = [s.start for s in self.sections]
        energy = min(max(score.energy, 0.0), 1.0)
        # a prompt of energy 0.3 peaks (accents and all) under velocity 90; 0.9 reaches the top of each range
        self._floor = 0.12 + 0.30 * energy
        self._ceiling = 0.26 + 0.66 * energy
        bar_seconds = self.bar * 60.0 / self._bpm[0]
        self.phrase_bars = 8 if half_time or bar_seconds < 1.6 else 4
        self._knots_t, self._knots_v = self._level_knots()
        self.crescendos = self._crescendos()

    # time ------------------------------------------------------------------------------------------------------
    def bpm(self, beat: float) -> float:
        return self._bpm[max(bisect.bisect_right(self._tempo_at, beat) - 1, 0)]

    def beats(self, ms: float, at: float) -> float:
        """``ms`` milliseconds as beats at the tempo in force at beat ``at``."""
        return ms * self.bpm(at) / 60000.0

    def ms(self, beats: float, at: float) -> float:
        return beats * 60000.0 / self.bpm(at)

    def position(self, beat: float) -> float:
        """Beats since the bar line."""
        return beat - math.floor(beat / self.bar + 1e-9) * self.bar

    # dynamics --------------------------------------------------------------------------------------------------
    def _level_knots(self) -> tuple[list[float], list[float]]:
        sections = self.sections
        into: list[float] = [0.0] * len(sections)  # part of the ramp into section i that lies in section i
        before: list[float] = [0.0] * (len(sections) + 1)  # part of the ramp into section i that lies before it
        for i in range(1, len(sections)):
            change = abs(sections[i].energy - sections[i - 1].energy)
            if change < 0.01:
                continue
            bars = max(_CLIMB_BARS if change >= 0.05 else 1, math.ceil(change / MAX_STEP - 1e-9))
            need = bars * self.bar
            room = max(sections[i - 1].length - into[i - 1], 0.0)
            before[i] = min(need, room)
            into[i] = min(need - before[i], sections[i].length * 0.5)
        times: list[float] = []
        values: list[float] = []
        for i, s in enumerate(sections):
            times += [s.start + into[i], s.start + s.length - before[i + 1]]
            values += [s.energy, s.energy]
        return times, values

    def level(self, beat: float) -> float:
        """The section level 0-1 at ``beat``, ramped between sections."""
        times, values = self._knots_t, self._knots_v
        i = bisect.bisect_right(times, beat)
        if i == 0:
            return values[0]
        if i >= len(times):
            return values[-1]
        t0, t1 = times[i - 1], times[i]
        if t1 - t0 < 1e-9:
            return values[i]
        return values[i - 1] + (values[i] - values[i - 1]) * (beat - t0) / (t1 - t0)

    def dynamic(self, beat: float) -> float:
        """The dynamic 0-1 at ``beat``: the section level inside the window the prompt's energy allows."""
        return self._floor + (self._ceiling - self._floor) * self.level(beat)

    def _crescendos(self) -> list[tuple[float, float]]:
        """The two bars before each climax: (start, end) beats."""
        sections = self.sections
        top = max(s.energy for s in sections)
        spans = []
        for prev, s in zip(sections, sections[1:]):
            if s.energy >= max(0.7, top - 0.1) and s.energy >= prev.energy + 0.15:
                spans.append((max(s.start - 2 * self.bar, prev.start), s.start))
        return spans

    # phrases ---------------------------------------------------------------------------------------------------
    def section_index(self, beat: float) -> int:
        return max(bisect.bisect_right(self._section_starts, beat + 1e-6) - 1, 0)

    def phrase(self, beat: float) -> tuple[tuple[int, int], float]:
        """The phrase ``beat`` falls in — (section, phrase number) — and how far through it (0-1)."""
        index = self.section_index(beat)
        section = self.sections[index]
        size = self.phrase_bars * self.bar
        into = max(beat - section.start, 0.0)
        number = int(into // size)
        length = min(size, max(section.length - number * size, self.bar))
        return (index, number), min(max((into - number * size) / length, 0.0), 0.999)
