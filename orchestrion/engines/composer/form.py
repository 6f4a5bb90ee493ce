"""Form: how many bars the piece has, which sections they make and how much energy each carries.

A piece is an intro, verses (A), choruses (B), a quiet bridge or breakdown and an outro, closed by one bar that
holds the final tonic chord. Energy rises into the choruses and drops in the bridge so the music builds and
releases; the arrangement and dynamics follow it. A looping piece has no intro, outro or final bar: its last
section leads back into its first.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

__all__ = ["SectionPlan", "plan_form"]

#: Orders of verses (A), choruses (B) and bridges; the seed picks one, so pieces of one prompt differ in shape.
_TEMPLATES = (
    ("A", "B", "A", "bridge", "B", "B", "A", "B", "bridge", "B", "B", "A", "B"),
    ("A", "A", "B", "A", "B", "bridge", "B", "B", "A", "B", "bridge", "B", "B"),
    ("A", "B", "B", "A", "bridge", "B", "A", "B", "B", "bridge", "B", "B", "A"),
)
_ENERGY = {"intro": 0.28, "A": 0.55, "B": 0.88, "bridge": 0.32, "outro": 0.38, "end": 0.5}


@dataclass(frozen=True, slots=True)
class SectionPlan:
    kind: str  #: "intro", "A", "B", "bridge", "outro", "end"
    name: str  #: "intro", "verse", "chorus", "bridge", "outro", "ending"
    start_bar: int
    bars: int
    energy: float  #: 0.0-1.0
    occurrence: int  #: how many sections of this kind came before


_NAMES = {"intro": "intro", "A": "verse", "B": "chorus", "bridge": "bridge", "outro": "outro", "end": "ending"}


def plan_form(total_bars: int, phrase_bars: int, loop: bool, arc: str, rng: random.Random) -> list[SectionPlan]:
    """Lay ``total_bars`` out in sections of whole phrases. ``arc`` is "arc" (build and release), "build" (keeps
    rising to the last chorus) or "flat" (a steady groove with one breakdown)."""
    total_bars = max(total_bars, 1)
    if loop:
        intro = outro = end = 0
    else:
        end = 1 if total_bars >= 2 else 0
        intro = 0 if total_bars < 5 else 1 if total_bars < 8 else 2 if total_bars < 24 else 4
        outro = 0 if total_bars < 10 else 2 if total_bars < 32 else 4
    body = total_bars - intro - outro - end
    while body < 1 and (intro or outro):  # tiny pieces keep the body first
        if outro:
            outro -= 1
        else:
            intro -= 1
        body += 1
    if body < 1:
        body, end = total_bars, 0

    phrase = phrase_bars
    if body < 2 * phrase:
        phrase = max(1, body // 2) if body >= 2 else body
    count = max(1, body // phrase)
    template = _TEMPLATES[rng.randrange(len(_TEMPLATES))]
    kinds = [template[i % len(template)] for i in range(count)]
    if count >= 2 and kinds[-1] != "B":
        kinds[-1] = "B"
    sizes = [phrase] * count
    sizes[-1] += body - phrase * count

    plan: list[tuple[str, int]] = []
    if intro:
        plan.append(("intro", intro))
    plan.extend(zip(kinds, sizes))
    if outro:
        plan.append(("outro", outro))
    if end:
        plan.append(("end", end))

    sections: list[SectionPlan] = []
    seen: dict[str, int] = {}
    bar = 0
    body_index = 0
    body_count = count
    for kind, bars in plan:
        energy = _ENERGY[kind]
        if kind in ("A", "B", "bridge"):
            progress = body_index / max(body_count - 1, 1)
            body_index += 1
            if arc == "build":
                energy = {"A": 0.4, "B": 0.7, "bridge": 0.35}[kind] + 0.3 * progress
            elif arc == "flat":
                energy = {"A": 0.65, "B": 0.85, "bridge": 0.35}[kind]
            else:
                energy += 0.08 * progress  # later choruses lift a little higher
            energy += rng.uniform(-0.03, 0.03)
        occurrence = seen.get(kind, 0)
        seen[kind] = occurrence + 1
        sections.append(SectionPlan(kind, _NAMES[kind], bar, bars, min(max(energy, 0.1), 1.0), occurrence))
        bar += bars
    return sections
