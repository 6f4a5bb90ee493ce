"""The plan a client can build on: the piece's sections in seconds and bars, with the chords each one plays."""

from __future__ import annotations

from typing import Any

from .score import Score

__all__ = ["plan"]


def plan(score: Score) -> dict[str, Any]:
    """``{"sections": [{"name", "start" (seconds), "bars", "chords"}]}``: a lead sheet's outline of ``score``."""
    bar_beats = score.bar_beats
    sections = []
    for section in score.sections:
        end = section.start + section.length
        chords = [c.symbol for c in score.chords if section.start - 1e-6 <= c.start < end - 1e-6]
        sections.append({
            "name": section.name,
            "start": round(score.seconds_at(section.start), 3),
            "bars": int(round(section.length / bar_beats)),
            "chords": chords,
        })
    return {"sections": sections}
