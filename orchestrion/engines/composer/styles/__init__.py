"""The style book: what makes a style sound like itself.

Each :class:`Style` gives a tempo range (in the beat the genre counts: dotted quarters in 6/8 and 12/8), a metre,
swing, progression pools (Roman numerals, read against the key by :mod:`..theory`), an ensemble (for every role,
the instruments that may play it — the first is the usual choice), the comping, bass, arpeggio and drum patterns
(named in :mod:`..rhythm` and :mod:`..drums`), a melodic feel, a form, how it is played (pocket, articulation,
bends) and how it is mixed (production hints). Interpretation routes prompts to these names; composition and
performance read nothing else about a style.

The book is split by family — :mod:`.electronic`, :mod:`.popular`, :mod:`.jazz_soul`, :mod:`.latin_world`,
:mod:`.folk`, :mod:`.classical`, :mod:`.media` — and each style says in its ``doc`` what it stands for and where
General MIDI has no instrument for the real thing (tabla, dhol, palmas, guitarrón) which sounds stand in.
"""

from __future__ import annotations

from . import classical, electronic, folk, jazz_soul, latin_world, media, popular  # noqa: F401  (registers)
from .base import DEFAULT_STYLE, FORMS, STYLES, Style, add

__all__ = ["DEFAULT_STYLE", "FORMS", "STYLES", "Style", "add"]
