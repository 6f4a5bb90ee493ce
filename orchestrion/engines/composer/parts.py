"""Pitched percussion and sound effects: timpani rolls, taiko hits, risers into a drop, seashore and birdsong.

:func:`pitched_percussion` writes drums that sound a pitch (timpani, taiko, melodic toms, steel drums played as
percussion): hits on the harmony's root or fifth where the music lands, rolls swelling into cadences and into the
final bar, denser when the section is louder. :func:`fx_part` writes a sound-effect part: a reverse cymbal as a
riser ending on the downbeat of each drop, or an ambience (seashore, rain, birds) placed on the bars and left to
ring. Both return ``(start, duration, pitch, accent)`` events in beats from the top of the piece.
"""

from __future__ import annotations

import math
import random
from typing import TYPE_CHECKING

from .form import SectionPlan
from .harmony import BarHarmony
from .theory import fold_into_range

if TYPE_CHECKING:
    from .arrange import Part

__all__ = ["fx_part", "pitched_percussion"]

Event = tuple[float, float, int, float]


def pitched_percussion(part: "Part", sections: list[SectionPlan], harmony: list[BarHarmony], bar_beats: float,
                       plays: list[bool], rng: random.Random, *, stingers: bool = False) -> list[Event]:
    """With ``stingers`` (a through-composed cue: horror, ambient) the drum only marks where sections begin."""
    timpani = part.instrument.id == "timpani"
    section_of_bar = [s for s in sections for _ in range(s.bars)]
    events: list[Event] = []
    for bar, h in enumerate(harmony):
        if not plays[bar]:
            continue
        section = section_of_bar[bar]
        t = bar * bar_beats
        tonic = fold_into_range(h.key.tonic, part.low, part.high)
        root = fold_into_range(h.chord.root, part.low, part.high)
        pitch = root if abs(root - tonic) in (0, 5, 7, 12) else tonic
        last_of_section = bar == section.start_bar + section.bars - 1
        if stingers and section.kind != "end" and not part.named:
            if bar == section.start_bar:
                events.append((t, 2.0, pitch, 1.2))
            continue
        if section.kind == "end":
            if timpani:  # a roll swelling into the final stroke
                count = int(bar_beats * 4)
                events += [(t - bar_beats + i * 0.25, 0.25, tonic, 0.75 + 0.35 * i / count) for i in range(count)]
            events.append((t, 2.0, tonic, 1.2))
            continue
        if timpani and (h.cadence or last_of_section) and section.energy >= 0.3:
            count = int(bar_beats * 4)
            events += [(t + i * 0.25, 0.25, pitch, 0.75 + 0.35 * i / count) for i in range(count)]
            continue
        events.append((t, 1.0, pitch, 1.15 if bar == section.start_bar else 1.0))
        if section.energy >= 0.7 or part.featured:
            half = bar_beats / 2
            events.append((t + half, 1.0, pitch if timpani else fold_into_range(h.chord.fifth, part.low, part.high),
                           0.85))
            if not timpani and last_of_section:  # taiko and toms drive into the next section
                events += [(t + bar_beats - 1.0 + k * 0.25, 0.25, pitch, 0.7 + 0.1 * k) for k in range(4)]
        elif section.kind == "intro" and bar > section.start_bar and rng.random() < 0.5:
            events.append((t + bar_beats / 2, 1.0, pitch, 0.7))
    return [e for e in events if e[0] >= 0.0]


def fx_part(part: "Part", sections: list[SectionPlan], harmony: list[BarHarmony], bar_beats: float, bpm: float,
            rng: random.Random) -> list[Event]:
    pitch = fold_into_range(60, part.low, part.high)
    events: list[Event] = []
    if part.instrument.id == "reverse_cymbal":  # a swell belongs on the downbeat it leads into
        swell = min(bar_beats, 1.4 * bpm / 60.0)  # the General MIDI sample swells for about 1.4 seconds
        if part.named:  # asked for: a swell into every bar line, or every few beats when the bars are few
            length = sum(s.bars for s in sections) * bar_beats
            step = bar_beats if length / bar_beats >= 9 else max(float(int(length / 9)), math.ceil(swell))
            return [(k * step - swell, swell, pitch, 0.95) for k in range(1, int(length / step) + 1)
                    if k * step < length]
        for previous, section in zip(sections, sections[1:]):
            rising = section.energy > previous.energy + 0.2
            if section.name == "drop" or (rising and previous.kind == "build"):
                start = section.start_bar * bar_beats
                events.append((start - swell, swell, pitch, 1.0))
        return [e for e in events if e[0] >= 0.0]
    for section in sections:
        if section.kind == "end":
            continue
        step = 0.5 if part.named else 1 if section.energy < 0.7 else 2  # a named ambience is always there
        position = float(section.start_bar)
        while position < section.start_bar + section.bars - 1e-6:
            offset = 0.0 if step < 1 or rng.random() < 0.6 else bar_beats / 2
            chord = harmony[min(int(position), len(harmony) - 1)].chord  # even a wave has a pitch: a chord tone
            tone = fold_into_range(rng.choice((chord.root, chord.root, chord.fifth)), part.low, part.high)
            events.append((position * bar_beats + offset, bar_beats * max(step, 1.0), tone, 0.9))
            position += step
    return events
