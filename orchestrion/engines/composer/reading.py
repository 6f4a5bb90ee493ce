"""Reading a prompt: its words looked up in the lexicon, in order, with what each mention means for the brief.

The longest phrase wins at each position (up to four words; a plural "-s"/"-es" finds its singular). A negator
("no", "without", "sans", "ohne" ...) reaches the terms after it in its clause until a scope breaker ("but",
"with") or, once it has an object, a soft breaker ("and a ..."); every term of the negative prompt is negated.
A featuring word ("featuring", "prominent", "led by") puts the instruments after it in its clause in front;
"solo" does so for the instrument beside it ("solo cello", "violin solo"). CJK and emoji phrases, which carry no
word boundaries, are found by substring.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .lexicon import FEATURE_WORDS, LEXICON, NEGATORS, SCOPE_BREAKERS, SOFT_BREAKERS, Sense
from .text import CLAUSE_END, fold, tokens

__all__ = ["Mention", "Reading", "read"]

_MAX_PHRASE = 4
_NEGATION_REACH = 4  # words a negator reaches past before it lapses
_FEATURE_REACH = 6  # words a featuring word reaches past before it lapses
_NON_ASCII = {fold(p): sense for p, sense in LEXICON.items() if not p.isascii()}


@dataclass(frozen=True, slots=True)
class Mention:
    phrase: str
    sense: Sense
    position: int  #: token index where the phrase starts (CJK and emoji: -1)
    words: int  #: how many words the phrase spans
    featured: bool = False  #: a featuring word or "solo" reaches it


@dataclass
class Reading:
    positive: list[Mention] = field(default_factory=list)
    negative: list[Mention] = field(default_factory=list)
    #: Words nothing in the lexicon knows (for the nearest-style fallback), in order.
    unknown: list[str] = field(default_factory=list)
    #: "solo" stood directly beside an instrument ("solo piano", "cello solo").
    solo_beside: bool = False


def _lookup(words: list[str], i: int) -> tuple[str, int] | None:
    for n in range(min(_MAX_PHRASE, len(words) - i), 0, -1):
        span = words[i : i + n]
        phrase = " ".join(span)
        if phrase in LEXICON:
            return phrase, n
        last = span[-1]
        for suffix in ("es", "s"):
            if len(last) > len(suffix) + 2 and last.endswith(suffix):
                stem = " ".join(span[:-1] + [last[: -len(suffix)]])
                if stem in LEXICON:
                    return stem, n
    return None


def _lookup_instrument(words: list[str], i: int, end: int) -> tuple[str, int] | None:
    """The longest phrase at ``i`` (ending by ``end``) that names an instrument."""
    for n in range(min(_MAX_PHRASE, end - i), 0, -1):
        phrase = " ".join(words[i : i + n])
        if phrase in LEXICON and LEXICON[phrase].instruments:
            return phrase, n
    return None


def _inner_instruments(words: list[str], i: int, n: int) -> list[Mention]:
    """Instruments named inside a genre phrase ("piano ballad", "surf guitar"): the phrase plays them too."""
    found, j = [], i
    while j < i + n:
        hit = _lookup_instrument(words, j, i + n)
        if hit is None:
            j += 1
            continue
        found.append(Mention(hit[0], LEXICON[hit[0]], j, hit[1]))
        j += hit[1]
    return found


def read(text: str, reading: Reading, *, negate_all: bool) -> None:
    """Add ``text``'s mentions to ``reading``; with ``negate_all`` every mention is negated (a negative prompt)."""
    folded = fold(text)
    target = reading.negative if negate_all else reading.positive
    for phrase, sense in _NON_ASCII.items():
        if phrase in folded:
            target.append(Mention(phrase, sense, -1, max(1, len(phrase) // 3)))  # longer scripts weigh more
    words = tokens(text)
    negating, took_object, reach = negate_all, False, 0
    featuring, feature_reach = False, 0
    i = 0
    while i < len(words):
        token = words[i]
        if token in CLAUSE_END:
            negating, took_object, featuring = negate_all, False, False
            i += 1
            continue
        found = _lookup(words, i) if token not in NEGATORS else None
        if token == "solo" and not negate_all:
            ahead = i + 1
            skipped = _lookup(words, ahead) if ahead < len(words) else None
            if skipped is not None and not LEXICON[skipped[0]].instruments:
                inner = _lookup_instrument(words, ahead, ahead + skipped[1])
                if inner is not None and inner[1] < skipped[1]:
                    skipped = None  # "solo piano ballad": the instrument comes first
                else:
                    ahead += skipped[1]  # "solo jazz piano": one genre or mood word may stand between
            after = _lookup_instrument(words, ahead, len(words)) if ahead < len(words) else None
            if after is not None and LEXICON[after[0]].instruments:  # "solo cello"
                if ahead > i + 1 and skipped is not None:
                    reading.positive.append(Mention(skipped[0], LEXICON[skipped[0]], i + 1, skipped[1]))
                reading.positive.append(Mention(after[0], LEXICON[after[0]], ahead, after[1], featured=True))
                reading.solo_beside = True
                i = ahead + after[1]
                continue
            previous = reading.positive[-1] if reading.positive else None
            if previous is not None and previous.position + previous.words == i and previous.sense.instruments:
                reading.positive[-1] = Mention(previous.phrase, previous.sense, previous.position, previous.words,
                                               featured=True)  # "cello solo"; "with a guitar solo" only features
                article = words[previous.position - 1] if previous.position > 0 else ""
                reading.solo_beside = reading.solo_beside or article not in ("a", "an", "the", "with", "his", "her")
            i += 1
            continue
        if found is not None and token in FEATURE_WORDS and found[1] == 1 and not LEXICON[found[0]].styles:
            following = _lookup(words, i + 1) if i + 1 < len(words) else None
            if not LEXICON[found[0]].instruments or following is not None and LEXICON[following[0]].instruments:
                found = None  # "lead guitar", "prominent horns": the word puts what follows in front
        if found is not None:
            phrase, n = found
            sense = LEXICON[phrase]
            inner = _inner_instruments(words, i, n) if n > 1 and sense.styles and not sense.instruments else []
            solo_name = sense.instruments and phrase.split()[-1] == "solo"  # "violin solo" is one catalogue name
            if negating:
                reading.negative.append(Mention(phrase, sense, i, n))
            else:
                reading.positive.append(Mention(phrase, sense, i, n,
                                                featured=(featuring or solo_name) and bool(sense.instruments)))
                reading.positive.extend(inner)
                if solo_name and (i == 0 or words[i - 1] not in ("a", "an", "the", "with", "his", "her")):
                    reading.solo_beside = True
            took_object, reach = True, 0
            i += n
            continue
        if not negate_all:
            if token in NEGATORS:
                negating, took_object, reach = True, False, 0
            elif token in FEATURE_WORDS:
                featuring, feature_reach = True, 0
            elif token in SCOPE_BREAKERS or (took_object and token in SOFT_BREAKERS):
                negating = False
            else:
                if negating:
                    reach += 1
                    if reach > _NEGATION_REACH:
                        negating = False
                if featuring:
                    feature_reach += 1
                    if feature_reach > _FEATURE_REACH:
                        featuring = False
                if token.isalpha() and len(token) >= 4 and len(reading.unknown) < 64:
                    reading.unknown.append(token)
        i += 1
