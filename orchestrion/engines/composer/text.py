"""Folding prompt text the way the lexicon is written: accents stripped, lower case, one token list."""

from __future__ import annotations

import re
import unicodedata

__all__ = ["CLAUSE_END", "fold", "strip_accents", "tokens"]

_TOKEN_RE = re.compile(r"[\w&#']+|[^\w\s]")
#: Punctuation that ends a clause (and a negation's or a featuring word's reach).
CLAUSE_END = frozenset(",.;:!?()[]{}—–|\"«»“”…")


def strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).replace("\ufe0f", "")


def fold(text: str) -> str:
    return strip_accents(text).lower()


def tokens(text: str) -> list[str]:
    """The folded words and punctuation of ``text``; hyphens, underscores and slashes separate words."""
    return _TOKEN_RE.findall(fold(text).replace("-", " ").replace("_", " ").replace("/", " "))
