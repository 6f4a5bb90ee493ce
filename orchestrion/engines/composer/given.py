"""What a request fixes instead of the composer: a section plan, the harmony, the tune.

A section plan (``sections`` in a request) names sections in the words musicians use; :func:`section_kind` reads a
name as one of the form's kinds (:mod:`.form`), so a "pre-chorus" is written as a build and a "drop" as a chorus,
and :func:`section_plans` lays the plan out in bars. A remix, an extension and a MIDI arrangement keep harmony
and a tune from elsewhere: :func:`given_harmony` turns chord changes at beats into the per-bar harmony the part
writers read, and :class:`Given` carries all of it into :func:`.compose.compose`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .form import SectionPlan
from .harmony import BarHarmony
from .brief import Brief
from .theory import Chord, Key

__all__ = ["Given", "SectionSpec", "given_harmony", "requested_sections", "section_kind", "section_plans"]

Event = tuple[float, float, int, float]  # absolute beat, duration, pitch, accent

#: Energy of a section of each kind when its plan gives none (the form's own levels, :mod:`.form`).
KIND_ENERGY = {"intro": 0.3, "A": 0.55, "B": 0.88, "bridge": 0.35, "build": 0.6, "outro": 0.38, "end": 0.5}
#: Names of each kind; a name that holds words of several kinds is the first kind's ("final chorus" is a chorus,
#: "verse ending" a verse): the closing bar comes last, so only a name that is nothing else closes the piece.
_KINDS = (
    ("build", ("pre chorus", "prechorus", "build", "buildup", "build up", "riser", "rise", "lift", "climb")),
    ("intro", ("intro", "introduction", "opening", "prelude", "overture", "count in")),
    ("outro", ("outro", "coda", "fade", "postlude", "epilogue")),
    ("B", ("chorus", "refrain", "hook", "drop", "climax", "b", "b section", "main")),
    ("bridge", ("bridge", "breakdown", "break", "solo", "interlude", "middle 8", "middle eight", "instrumental",
                "c", "c section")),
    ("A", ("verse", "a", "a section", "theme", "strain", "head", "groove")),
    ("end", ("ending", "end", "final", "button", "tag")),
)


def section_kind(name: str) -> str:
    """The form kind ("intro", "A", "B", "bridge", "build", "outro", "end") a section called ``name`` is written
    as; a name the table does not know is written as a verse ("A")."""
    words = re.sub(r"[^a-z0-9]+", " ", name.lower()).strip()
    for candidate in (words, re.sub(r"\s*\d+$", "", words)):  # "middle 8" as it is; "verse 2", "chorus2" less the number
        for kind, names in _KINDS:
            if candidate in names:
                return kind
    words = re.sub(r"\s*\d+$", "", words)
    for kind, names in _KINDS:  # "big chorus", "final drop", "guitar solo"
        if any(len(n) > 2 and re.search(rf"\b{re.escape(n)}\b", words) for n in names):
            return kind
    return "A"


@dataclass(frozen=True, slots=True)
class SectionSpec:
    """One section of a requested plan, in bars."""

    name: str
    bars: int
    energy: float | None = None  #: None: the kind's usual energy
    #: Catalogue ids of the instruments that play here (None: the whole ensemble).
    instruments: frozenset[str] | None = None
    drums: bool = True  #: the kit and hand percussion play here


@dataclass(frozen=True)
class Given:
    """Material :func:`.compose.compose` takes as it is rather than writing it."""

    sections: tuple[SectionSpec, ...] = ()
    #: Chord changes over the whole piece as ``(beat, chord, bass pitch class)``, in order, the first at beat 0;
    #: empty: the composer's (or the request's ``chords``) harmony.
    chords: tuple[tuple[float, Chord, int], ...] = ()
    #: The tune as ``(beat, duration, pitch, accent)``; empty: the composer writes one.
    tune: tuple[Event, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.sections or self.chords or self.tune)


def section_plans(specs: tuple[SectionSpec, ...]) -> list[SectionPlan]:
    """The plan's sections laid out bar after bar, each with its kind, energy and occurrence."""
    plans: list[SectionPlan] = []
    seen: dict[str, int] = {}
    bar = 0
    for spec in specs:
        kind = section_kind(spec.name)
        energy = KIND_ENERGY[kind] if spec.energy is None else spec.energy
        plans.append(SectionPlan(kind, spec.name, bar, spec.bars, min(max(energy, 0.05), 1.0), seen.get(kind, 0)))
        seen[kind] = seen.get(kind, 0) + 1
        bar += spec.bars
    return plans


def given_harmony(sections: list[SectionPlan], changes: tuple[tuple[float, Chord, int], ...], key: Key,
                  bar_beats: float) -> list[BarHarmony]:
    """One :class:`.harmony.BarHarmony` per bar of ``sections`` playing ``changes`` (beat, chord, bass) exactly;
    a change inside a bar becomes one of the bar's ``changes``. Bars past the last change hold it."""
    total = sum(s.bars for s in sections)
    section_of = [(index, b) for index, s in enumerate(sections) for b in range(s.bars)]
    ordered = sorted(changes, key=lambda c: c[0]) or [(0.0, Chord(key.tonic, (0, 4, 7) if not key.is_minor
                                                                    else (0, 3, 7)), key.tonic)]
    bars: list[tuple[Chord, int, tuple[tuple[float, Chord], ...], tuple[int, ...]]] = []
    cursor = 0
    current = ordered[0]
    for bar in range(total):
        start, end = bar * bar_beats, (bar + 1) * bar_beats
        while cursor < len(ordered) and ordered[cursor][0] <= start + 1e-6:
            current = ordered[cursor]
            cursor += 1
        inside = []
        probe = cursor
        while probe < len(ordered) and ordered[probe][0] < end - 1e-6:
            inside.append(ordered[probe])
            probe += 1
        bars.append((current[1], current[2], tuple((round(t - start, 6), c) for t, c, _ in inside),
                     tuple(b for _, _, b in inside)))
    result = []
    for index, (chord, bass, inside_changes, basses) in enumerate(bars):
        following = bars[(index + 1) % len(bars)][0]
        section, in_section = section_of[index]
        last = index + 1 >= len(bars) or section_of[index + 1][0] != section
        result.append(BarHarmony(chord=chord, next_chord=following, section=section, bar_in_section=in_section,
                                 cadence=last, bass=bass, key=key, changes=inside_changes, change_basses=basses))
    return result


#: How far the tempo may move (a share of it) so that a plan written in seconds falls on whole bars.
_TEMPO_FIT = 0.12


def _layout(raw: list[dict], bar_seconds: float) -> tuple[list[int], float]:
    """Each section's bars, and the largest distance (s) between a section's end and its time in the plan:
    seconds are laid out end to end and each boundary rounded to the nearest bar, so no error accumulates."""
    elapsed = 0.0
    placed = 0
    bars_of: list[int] = []
    worst = 0.0
    for section in raw:
        if section.get("bars") is not None:
            bars = int(section["bars"])
            elapsed += bars * bar_seconds
        else:
            elapsed += float(section["seconds"])
            bars = max(int(round(elapsed / bar_seconds)) - placed, 1)
        placed += bars
        bars_of.append(bars)
        worst = max(worst, abs(placed * bar_seconds - elapsed))
    return bars_of, worst


def requested_sections(raw: list[dict], brief: Brief) -> tuple[Brief, tuple[SectionSpec, ...]]:
    """A request's ``sections`` (validated: name, seconds or bars, prompt, energy) for ``brief`` (settled): the
    plan in bars, and the brief as long as the plan, its tempo moved (by at most 12 %, when the request stated
    none) to the one at which sections written in seconds start nearest their times, and its ensemble joined by
    what the sections' prompts name."""
    import dataclasses

    from .interpret import interpret
    from .numbers import MAX_BPM, MIN_BPM

    bar_beats = brief.beats_per_bar
    bpm = brief.bpm
    if any(s.get("seconds") is not None for s in raw) and not {"bpm", "tempo"} & brief.explicit:
        steps = int(brief.bpm * _TEMPO_FIT / 0.25)
        candidates = [b for b in (brief.bpm + 0.25 * k for k in range(-steps, steps + 1)) if MIN_BPM <= b <= MAX_BPM]
        bpm = min(candidates, key=lambda b: (round(_layout(raw, bar_beats * 60.0 / b)[1] * b / 60.0, 3),
                                             abs(b - brief.bpm)))
    bar_seconds = bar_beats * 60.0 / bpm
    layout, _ = _layout(raw, bar_seconds)
    specs: list[SectionSpec] = []
    extra: list[str] = []
    for section, bars in zip(raw, layout):
        energy = section.get("energy")
        instruments, drums = None, True
        prompt = section.get("prompt")
        if prompt:
            read = interpret(prompt)
            if energy is None:
                energy = read.energy
            instruments = frozenset(read.instruments) or None
            drums = read.drums
            extra += [i for i in read.instruments if i not in brief.instruments and i not in extra]
        specs.append(SectionSpec(str(section["name"]), bars, None if energy is None else float(energy),
                                 instruments, drums))
    music = sum(layout) * bar_seconds
    tail = min(2.0, max(0.6, music * 0.1))
    changes: dict = {"bpm": bpm, "duration": music + tail}
    if extra and not brief.ensemble:
        changes["instruments"] = brief.instruments + tuple(extra)
    return dataclasses.replace(brief, **changes), tuple(specs)
