"""Routing: which style a prompt asks for.

The rule, in order:

1. **Specificity.** Every genre phrase the prompt uses votes for its style with its rank (:mod:`.genres`: 3 a
   sub-genre, form or scene; 2 a genre name; 1 an umbrella or adjective; 0.5 an instrument leaning toward a
   style), plus a tenth of a point per extra word, so the longest, most specific phrase wins: "string quartet"
   over "classical", "boss battle" over "video game", "drum and bass" over "bass". Styles the negative prompt (or
   a negation) names cannot win.
2. **Ties** on the best vote go to the style with the larger sum of votes (named more often, or in more ways),
   then to the style named first in the prompt.
3. **No genre phrase at all:** the nearest style by a documented similarity — shared words between the prompt and
   the style's description (its ``doc``), the named instruments its ensemble uses (more when one usually plays its
   tune; less when only an instrument of the same General MIDI family is there), and how close its default mood
   (valence, energy), tempo range, metre and drums are to what the prompt asked. Before that, a word the lexicon
   does not know counts as a genre phrase one rank weaker when it is that phrase run together ("bossanova"), a
   compound ending in it ("Militärmarsch"), or one or two letters from it ("reggeaton"). Ties there go to the style whose energy is
   nearest, then to the style book's order. Nothing is decided by a hash or alphabetically.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache

from .genres import GENRES
from .instruments import INSTRUMENTS
from .reading import Reading
from .styles import STYLES, Style

__all__ = ["Route", "nearest_style", "route"]

_STOP = frozenset(
    "a an and the of for with in on to by at from as or is it its into over under their this that very music "
    "song track piece style sound sounds like some more most all any each every who what which when where than "
    "then there these those has have had be been being are was were will would can could should into onto".split()
)
_SINGLE_WORD_GENRES = {p: votes for p, votes in GENRES.items() if " " not in p and len(p) >= 5}


@dataclass(frozen=True)
class Route:
    style: str
    weights: tuple[tuple[str, float], ...]  #: every style the prompt evoked, strongest first, summing to 1
    by: str  #: "genre" (a genre phrase decided), "fuzzy" (a misspelt genre word), "nearest" (similarity)


def _distance(a: str, b: str, limit: int) -> int:
    """Levenshtein distance, or ``limit + 1`` as soon as it must exceed ``limit``."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        if min(current) > limit:
            return limit + 1
        previous = current
    return previous[-1]


@lru_cache(maxsize=1)
def _compact() -> dict[str, tuple[tuple[str, float], ...]]:
    """Genre phrases written without spaces ("bossanova", "drumandbass")."""
    return {p.replace(" ", "").replace("'", ""): v for p, v in GENRES.items() if " " in p}


def _misspelt(word: str) -> tuple[tuple[str, float], ...] | None:
    """The genre a word not in the lexicon most likely means: the phrase run together ("bossanova"), a compound
    ending in a genre word ("militarmarsch", "rockmusik" read from its head), or a genre word one or two edits away
    ("reggeaton", "shoegazing")."""
    if word in _compact():
        return _compact()[word]
    for size in range(len(word) - 3, 3, -1):  # German-style compounds: the genre word is the head (at the end)
        if word[-size:] in _SINGLE_WORD_GENRES:
            return _SINGLE_WORD_GENRES[word[-size:]]
    limit = 1 if len(word) < 7 else 2
    best: tuple[int, int, str] | None = None
    for phrase in _SINGLE_WORD_GENRES:
        distance = _distance(word, phrase, limit)
        if distance <= limit:
            candidate = (distance, abs(len(phrase) - len(word)), phrase)
            best = candidate if best is None or candidate < best else best
    return None if best is None else _SINGLE_WORD_GENRES[best[2]]


def _fuzzy_votes(unknown: list[str]) -> list[tuple[str, float, int]]:
    """(style, rank, position) for words that are near-misspellings of a genre phrase, one rank weaker."""
    votes = []
    for position, word in enumerate(unknown[:32]):
        found = _misspelt(word)
        if found is not None:
            votes += [(style, rank - 1.0, 1000 + position) for style, rank in found]
    return votes


def _decide(votes: list[tuple[str, float, int]], banned: set[str]) -> tuple[str, tuple[tuple[str, float], ...]] | None:
    best: dict[str, float] = {}
    total: dict[str, float] = {}
    first: dict[str, int] = {}
    for style, score, position in votes:
        if style in banned or style not in STYLES:
            continue
        best[style] = max(best.get(style, 0.0), score)
        total[style] = total.get(style, 0.0) + score
        first[style] = min(first.get(style, 1 << 30), position)
    if not best:
        return None
    ranked = sorted(best, key=lambda s: (-best[s], -total[s], first[s]))
    weight_sum = sum(total[s] for s in ranked) or 1.0  # votes may all weigh 0 (a misspelled umbrella word)
    return ranked[0], tuple((s, total[s] / weight_sum) for s in ranked[:6])


def route(reading: Reading, *, valence: float | None, energy: float | None, bpm: float | None,
          metre: tuple[int, int] | None, drums: bool | None, instruments: tuple[str, ...]) -> Route:
    """The style ``reading`` asks for; the keyword arguments are what the prompt stated (None where silent)."""
    banned = {style for m in reading.negative for style, _ in m.sense.styles}
    votes = [(style, rank + 0.1 * (m.words - 1), m.position)
             for m in reading.positive for style, rank in m.sense.styles]
    strong = [v for v in votes if v[1] >= 1.0]
    decided = _decide(strong, banned)
    if decided is not None:
        return Route(decided[0], decided[1], "genre")
    decided = _decide(_fuzzy_votes(reading.unknown) + votes, banned)
    if decided is not None and any(v[1] >= 1.0 for v in _fuzzy_votes(reading.unknown)):
        return Route(decided[0], decided[1], "fuzzy")
    words = {w for m in reading.positive for w in m.phrase.split()} | set(reading.unknown)
    leaning = {style: rank for style, rank, _ in votes}
    style = nearest_style(words, valence=valence, energy=energy, bpm=bpm, metre=metre, drums=drums,
                          instruments=instruments, leaning=leaning, banned=banned)
    return Route(style, ((style, 1.0),), "nearest")


@lru_cache(maxsize=None)
def _families(name: str) -> frozenset[str]:
    """The General MIDI families of the style's instruments (a shakuhachi is at home where flutes are)."""
    return frozenset(INSTRUMENTS[i].gm_family for i in STYLES[name].instruments() if i in INSTRUMENTS)


@lru_cache(maxsize=None)
def _vocabulary(name: str) -> frozenset[str]:
    style = STYLES[name]
    words = set(re.findall(r"[a-z]+", style.doc.lower())) | set(name.split("_"))
    return frozenset(w for w in words if len(w) >= 3 and w not in _STOP)


def _similarity(style: Style, words: set[str], valence: float | None, energy: float | None, bpm: float | None,
                metre: tuple[int, int] | None, drums: bool | None, instruments: tuple[str, ...],
                leaning: float) -> float:
    vocabulary = _vocabulary(style.name)
    shared = len({w for w in words if w in vocabulary or (w.endswith("s") and w[:-1] in vocabulary)})
    score = 1.2 * shared / math.sqrt(len(vocabulary) or 1)
    ensemble = style.instruments() | frozenset(style.hand)
    score += 0.8 * sum(1 for i in instruments if i in ensemble)
    families = _families(style.name)
    score += 0.4 * sum(1 for i in instruments if i in INSTRUMENTS and INSTRUMENTS[i].gm_family in families)
    lead = style.ensemble.get("melody", ("",))[0]
    score += 1.0 * sum(1 for i in instruments if i == lead)  # the style whose tune that instrument usually plays
    score += 2.0 * leaning
    score += 1.0 - abs((valence if valence is not None else 0.0) - style.valence) / 2.0
    score += 1.5 * (1.0 - abs((energy if energy is not None else 0.5) - style.energy))
    if bpm is not None:
        low, high = style.quarter_tempo
        distance = max(low - bpm, bpm - high, 0.0) / 30.0
        score += 0.8 * math.exp(-distance)
    if metre is not None:
        score += 0.6 if metre == style.metre else 0.0
    if drums is not None:
        score += 0.6 if drums == (style.drums is not None) else 0.0
    return score


def nearest_style(words: set[str], *, valence: float | None, energy: float | None, bpm: float | None,
                  metre: tuple[int, int] | None, drums: bool | None, instruments: tuple[str, ...],
                  leaning: dict[str, float] | None = None, banned: set[str] | None = None) -> str:
    """The style most like what the prompt describes (see the module docstring for the measure)."""
    leaning = leaning or {}
    banned = banned or set()
    order = {name: i for i, name in enumerate(STYLES)}
    candidates = [s for s in STYLES.values() if s.name not in banned] or list(STYLES.values())
    target_energy = energy if energy is not None else 0.5
    return max(candidates, key=lambda s: (
        round(_similarity(s, words, valence, energy, bpm, metre, drums, instruments, leaning.get(s.name, 0.0)), 6),
        -abs(s.energy - target_energy), -order[s.name])).name
