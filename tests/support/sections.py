"""Section plans built by hand, so harmony and melody tests do not depend on the form planner."""

from __future__ import annotations

from orchestrion.engines.composer.form import SectionPlan


def sections(layout: tuple[tuple[str, int], ...], energy: float = 0.5) -> list[SectionPlan]:
    """One :class:`SectionPlan` per ``(kind, bars)``, named after its kind, in order."""
    out, start, seen = [], 0, {}
    for kind, bars in layout:
        out.append(SectionPlan(kind, kind, start, bars, energy, seen.get(kind, 0)))
        seen[kind] = seen.get(kind, 0) + 1
        start += bars
    return out
