"""Variation: what the prompt leaves open, the seed decides — so ten seeds make ten different pieces of one style.

The interpreter reads the prompt alone; :func:`settle` then draws, from the seed, the key when none was stated
(and the mode where the style and mood allow either), and the tempo within the style's range when no number or
tempo word was given. Stated values always win. The compose stage draws the rest from the same seed: the
progressions, the ensemble among the style's options, the motifs and the form's layout.
"""

from __future__ import annotations

import dataclasses
import hashlib
import random

from .brief import Brief
from .styles import DEFAULT_STYLE, STYLES

__all__ = ["settle"]

#: Every tonic: the parts take their registers from their instruments, so any key sits well; the more keys, the
#: fewer seeds land in the same one.
_TONICS = {"major": tuple(range(12)), "minor": tuple(range(12))}
_MINOR_LIKE = ("minor", "dorian", "phrygian", "locrian")
#: How far (as a share of the style's tempo range) the seed may move an unstated tempo from the mood's choice.
_TEMPO_SPREAD = 0.35
#: Moods this clear keep their mode: a sad prompt stays minor whatever the seed.
_CLEAR_MOOD = 0.45


def _rng(seed: int, brief: Brief) -> random.Random:
    digest = hashlib.blake2b(f"{seed}|{brief.variation}|{brief.style}|settle".encode(), digest_size=8).digest()
    return random.Random(int.from_bytes(digest, "big"))


def settle(brief: Brief, seed: int) -> Brief:
    """``brief`` with the seed's key, mode and tempo wherever the prompt stated none; settling twice changes
    nothing."""
    if brief.settled:
        return brief
    style = STYLES.get(brief.style) or STYLES[DEFAULT_STYLE]
    rng = _rng(seed, brief)
    changes: dict = {"settled": True}

    if "key" not in brief.explicit:  # a stated tonic ("in A") keeps the mode the interpreter gave it
        mode = brief.mode
        if "mode" not in brief.explicit and style.mode == "either" and abs(brief.valence) < _CLEAR_MOOD:
            # the mood still leans: a brighter prompt is more often major
            mode = "major" if rng.random() < 0.5 + brief.valence else "minor"
        tonics = _TONICS["minor" if mode in _MINOR_LIKE else "major"]
        changes["mode"], changes["tonic"] = mode, tonics[rng.randrange(len(tonics))]
    if not {"bpm", "tempo"} & brief.explicit:
        low, high = style.quarter_tempo if brief.metre[1] == 8 and brief.metre[0] % 3 == 0 else style.tempo
        shift = rng.uniform(-_TEMPO_SPREAD, _TEMPO_SPREAD) * (high - low)
        changes["bpm"] = float(round(min(max(brief.bpm + shift, low), high)))
    return dataclasses.replace(brief, **changes)
