"""Form: how many bars the piece has, which sections they make and how much energy each carries.

Every style names its form (:data:`.styles.FORMS`); :func:`plan_form` lays the piece's bars out in whole phrases
of that form, so no section is a pile of leftover bars: what does not make a phrase becomes a short intro or
outro (at most four bars). The forms:

* ``verse_chorus`` — intro, verses (A) and choruses (B) with a bridge, the last chorus the highest;
* ``groove`` — the same in club shape: the middle section is a breakdown;
* ``blues12`` — choruses of the 12-bar blues (an 8-bar blues when a piece is shorter than twelve bars);
* ``aaba`` — 32-bar song form (A A bridge A), in 8-bar phrases, or 4 when the piece is short;
* ``build_drop`` — breakdown, build, drop (and again in longer pieces): the drop is the densest section;
* ``aabb`` — dance tunes: two strains, each played twice;
* ``jingle`` — a hook stated and answered, then a button ending;
* ``through`` — through-composed (ambient, film): themes that drift without a chorus.

A closing bar (``end``) holds the final hit and lets it ring; a looping piece has no intro, outro or closing bar,
its last section leads back into its first. Energy rises into choruses and drops and falls in bridges and
breakdowns, so the music builds and releases; an ``arc`` of "build" keeps rising, "flat" keeps a steady groove.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

__all__ = ["SectionPlan", "fit_bars", "plan_form"]

#: Section kinds: "intro", "A" (verse / strain / theme), "B" (chorus / drop / hook), "bridge" (bridge /
#: breakdown / solo), "build", "outro", "end" (the closing bar).
_ENERGY = {"intro": 0.3, "A": 0.55, "B": 0.88, "bridge": 0.35, "build": 0.6, "outro": 0.38, "end": 0.5}
_NAMES = {
    "verse_chorus": {"A": "verse", "B": "chorus", "bridge": "bridge"},
    "groove": {"A": "verse", "B": "chorus", "bridge": "breakdown"},
    "blues12": {"A": "verse", "B": "solo", "bridge": "solo"},
    "aaba": {"A": "A", "B": "solo", "bridge": "bridge"},
    "build_drop": {"A": "drop", "B": "drop", "bridge": "breakdown"},
    "aabb": {"A": "A", "B": "B", "bridge": "B"},
    "jingle": {"A": "answer", "B": "hook", "bridge": "bridge"},
    "through": {"A": "A", "B": "B", "bridge": "bridge"},
}
_COMMON = {"intro": "intro", "build": "build", "outro": "outro", "end": "ending"}
#: Orders of verses (A), choruses (B) and bridges for song forms; the seed picks one.
_SONG = (
    ("A", "B", "A", "B", "bridge", "B", "B", "A", "B", "bridge", "B", "B"),
    ("A", "A", "B", "A", "B", "bridge", "B", "B", "A", "B", "bridge", "B"),
    ("A", "B", "B", "A", "bridge", "B", "A", "B", "B", "bridge", "B", "B"),
)
_THROUGH = ("A", "A", "B", "A", "bridge", "B", "A", "B", "bridge", "A", "B", "A")


@dataclass(frozen=True, slots=True)
class SectionPlan:
    kind: str  #: "intro", "A", "B", "bridge", "build", "outro", "end"
    name: str  #: what a musician calls it: "verse", "chorus", "drop", "breakdown", "A", "hook" ...
    start_bar: int
    bars: int
    energy: float  #: 0.0-1.0
    occurrence: int  #: how many sections of this kind came before


def _split_edges(spare: int, allow_outro: bool) -> tuple[int, int]:
    """Intro and outro bars for ``spare`` bars that make no phrase: an intro first, the outro at most four."""
    if spare <= 4 or not allow_outro:
        return spare, 0
    outro = min(4, spare // 2)
    return spare - outro, outro


def _song_body(phrases: int, template: tuple[str, ...]) -> list[str]:
    kinds = [template[i % len(template)] for i in range(phrases)]
    if phrases >= 2 and kinds[-1] != "B":
        kinds[-1] = "B"
    if phrases == 1:
        kinds = ["B"]
    return kinds


def _body(form: str, available: int, phrase: int, rng: random.Random) -> tuple[int, list[tuple[str, int]], int]:
    """(intro bars, [(kind, bars)] in whole phrases, outro bars) filling ``available`` bars."""
    if form == "build_drop":
        return _build_drop(available)
    if form == "blues12":
        chorus = 12 if available >= 12 else 8 if available >= 8 else max(available, 1)  # see fit_bars
        count = max(available // chorus, 1)
        intro, outro = _split_edges(available - chorus * count, allow_outro=True)
        kinds = ["A"] + ["B"] * max(count - 2, 0) + (["A"] if count >= 2 else [])
        return intro, [(k, chorus) for k in kinds], outro
    if form == "aaba":
        size = 8 if available >= 32 else 4 if available >= 8 else max(available // 2, 1)
        size = min(size, max(available, 1))
        count = max(available // size, 1)
        kinds = ["A", "A", "bridge", "A"] * (count // 4)
        kinds += {0: [], 1: ["A"], 2: ["A", "A"], 3: ["A", "bridge", "A"]}[count % 4]
        if count >= 8:  # the choruses between the first and last heads are solos, a lift above them
            kinds = [("B" if k == "A" and 4 <= i < count - 4 else k) for i, k in enumerate(kinds)]
        intro, outro = _split_edges(available - size * count, allow_outro=True)
        return intro, [(k, size) for k in kinds], outro
    if form == "aabb":
        size = 8 if available >= 24 else 4 if available >= 8 else max(available // 2, 1)
        size = min(size, max(available, 1))
        count = max(available // size, 1)
        kinds = [("A", "A", "B", "B")[i % 4] for i in range(count)]
        intro, outro = _split_edges(available - size * count, allow_outro=True)
        return intro, [(k, size) for k in kinds], outro
    if form == "jingle":
        size = min(2 if available < 10 else 4, max(available, 1))
        count = max(available // size, 1)
        kinds = ["B"] * count if count <= 3 else [("B", "A", "bridge", "B")[i % 4] for i in range(count)]
        kinds[-1] = "B"
        intro, outro = _split_edges(available - size * count, allow_outro=False)
        return intro, [(k, size) for k in kinds], outro
    phrase = min(phrase, max(available, 1))
    count = max(available // phrase, 1)
    spare = available - phrase * count
    if spare == 0 and count >= 6:  # long pieces still want an intro and an outro
        count -= 1
        spare = phrase
    intro, outro = _split_edges(spare, allow_outro=True)
    template = _THROUGH if form == "through" else _SONG[rng.randrange(len(_SONG))]
    kinds = _song_body(count, template) if form != "through" else [template[i % len(template)] for i in range(count)]
    return intro, [(k, phrase) for k in kinds], outro


def _build_drop(available: int) -> tuple[int, list[tuple[str, int]], int]:
    if available < 14:
        build = max(available // 3, 1) if available >= 3 else 0
        return 0, [(k, n) for k, n in (("build", build), ("B", available - build)) if n], 0
    if available < 28:
        lead_in = available - 12  # breakdown first: the track opens on pads, builds and drops
        breakdown, intro = min(lead_in, 8), max(lead_in - 8, 0)
        plan = [("bridge", breakdown), ("build", 4), ("B", 8)] if breakdown else [("build", 4), ("B", 8)]
        return intro, plan, 0
    unit = 8 if available >= 56 else 4
    plan = [("build", unit), ("B", 2 * unit), ("bridge", unit), ("build", unit), ("B", 2 * unit)]
    used = 7 * unit
    while available - used >= 4 * unit:  # long pieces: another breakdown, build and drop
        plan += [("bridge", unit), ("build", unit), ("B", 2 * unit)]
        used += 4 * unit
    left = available - used
    if left <= 8:
        intro, outro = _split_edges(left, allow_outro=True)
    else:  # long remainders become an intro of whole units and an outro
        intro = min(left // 2 // unit * unit, 2 * unit)
        outro = left - intro
    return intro, plan, outro


def fit_bars(form: str, bars: int, loop: bool) -> int:
    """The bar count nearest ``bars`` that the form can fill with whole phrases where it has a fixed length: a
    blues is never shorter than its eight bars (plus the closing bar), a 12-bar chorus is not cut to ten."""
    closing = 0 if loop else 1
    if form == "blues12" and 3 <= bars < 12 + closing:
        return 8 + closing if bars < 11 + closing else 12 + closing
    return bars


def plan_form(total_bars: int, phrase_bars: int, loop: bool, arc: str, rng: random.Random,
              form: str = "verse_chorus") -> list[SectionPlan]:
    """Lay ``total_bars`` out in sections of whole phrases of ``form``. ``arc`` is "arc" (build and release),
    "build" (keeps rising to the last chorus) or "flat" (a steady groove with one breakdown)."""
    total_bars = max(total_bars, 1)
    end = 0 if loop or total_bars < 3 else 1
    intro, body, outro = _body(form, total_bars - end, max(phrase_bars, 1), rng)
    if loop:  # a loop's edges are part of its groove
        body = [("A", intro)] * bool(intro) + body + [("A", outro)] * bool(outro)
        intro = outro = 0
    plan: list[tuple[str, int]] = [("intro", intro)] * bool(intro) + body + [("outro", outro)] * bool(outro)
    plan += [("end", end)] * bool(end)
    merged: list[tuple[str, int]] = []
    for kind, bars in plan:  # two choruses in a row are one long chorus
        if merged and merged[-1][0] == kind and kind in ("B",) and form in ("verse_chorus", "groove"):
            merged[-1] = (kind, merged[-1][1] + bars)
        else:
            merged.append((kind, bars))

    names = {**_NAMES.get(form, _NAMES["verse_chorus"]), **_COMMON}
    body_total = sum(1 for kind, _ in merged if kind in ("A", "B", "bridge", "build"))
    sections: list[SectionPlan] = []
    seen: dict[str, int] = {}
    bar = body_index = 0
    def occurrence_of(kind: str) -> int:
        return seen.get(kind, 0)

    for kind, bars in merged:
        energy = _ENERGY[kind]
        if kind in ("A", "B", "bridge", "build"):
            progress = body_index / max(body_total - 1, 1)
            body_index += 1
            if form == "aaba" and kind == "A":  # the first head states the tune, the last one is the climax
                energy = 0.45 if occurrence_of(kind) == 0 else 0.75 if body_index == body_total else energy
            if form == "build_drop":
                energy = {"A": 0.95, "B": 0.95, "bridge": 0.3, "build": 0.6}[kind] + 0.04 * progress
            elif arc == "build":
                energy = {"A": 0.4, "B": 0.7, "bridge": 0.35, "build": 0.55}[kind] + 0.3 * progress
            elif arc == "flat":
                energy = {"A": 0.65, "B": 0.85, "bridge": 0.35, "build": 0.6}[kind]
            elif form == "through":
                energy = {"A": 0.45, "B": 0.62, "bridge": 0.35, "build": 0.5}[kind] + 0.1 * progress
            else:
                energy += 0.08 * progress  # later choruses lift a little higher
            energy += rng.uniform(-0.03, 0.03)
        occurrence = occurrence_of(kind)
        seen[kind] = occurrence + 1
        name = names[kind]
        sections.append(SectionPlan(kind, name, bar, bars, min(max(energy, 0.1), 1.0), occurrence))
        bar += bars
    return sections
