"""Numbers and names a prompt states outright: keys ("in E-flat major", "F#m", "ré mineur", "a-Moll"), tempo
("128 BPM", "♩=90"), metre ("3/4") and duration ("90 seconds", "2 minutes").

What the user states wins over anything the interpreter guesses; :mod:`.interpret` calls these first.
"""

from __future__ import annotations

import re
from typing import Iterable

from .text import fold, strip_accents

__all__ = ["KEY_PATTERN", "MAX_BPM", "MAX_DURATION", "MIN_BPM", "MIN_DURATION", "find_bpm", "find_duration",
           "find_key", "find_metre", "parse_key", "parse_time_signature", "TIME_SIGNATURE_PATTERN"]

#: A time signature a request may write: 2-15 beats over 2, 4 or 8 ("3/4", "6/8", "7/8", "12/8"), or an even
#: number of sixteenths (2-14) over 16 — the drum grid counts whole eighth notes, so "5/16" is not played.
TIME_SIGNATURE_PATTERN = r"^\s*(?:([2-9]|1[0-5])\s*/\s*([248])|([2468]|1[024])\s*/\s*(16))\s*$"

MIN_DURATION, MAX_DURATION = 5.0, 300.0
MIN_BPM, MAX_BPM = 40.0, 240.0

_LETTERS = {"c": 0, "d": 2, "e": 4, "f": 5, "g": 7, "a": 9, "b": 11}
_SOLFEGE = {"do": 0, "ut": 0, "re": 2, "mi": 4, "fa": 5, "sol": 7, "la": 9, "si": 11}
_MODE_WORDS = {
    "m": "minor", "min": "minor", "minor": "minor", "mineur": "minor", "menor": "minor", "moll": "minor",
    "minore": "minor", "aeolian": "minor", "maj": "major", "major": "major", "majeur": "major", "mayor": "major",
    "dur": "major", "maggiore": "major", "ionian": "major", "dorian": "dorian", "phrygian": "phrygian",
    "lydian": "lydian", "mixolydian": "mixolydian", "locrian": "locrian",
}
_MODE_RE = "|".join(sorted(_MODE_WORDS, key=len, reverse=True))
#: Accidentals written as a sign or a word, which may stand right before a mode ("C#m", "C sharp minor") ...
_SHARP_WORDS = ("#", "♯", "sharp", "diese", "sostenido")
_FLAT_WORDS = ("♭", "flat", "bemol")
#: ... and those glued to the note ("Bb", German "Fis", "Ees") that need a space or hyphen before a mode.
_GLUED_FLAT, _GLUED_SHARP_SUFFIX, _GLUED_FLAT_SUFFIX = "b", "is", "es"
_ACCIDENTAL_RE = (
    rf"(?:\s*(?:{'|'.join(_SHARP_WORDS)})|\s*(?:{'|'.join(_FLAT_WORDS)})|{_GLUED_FLAT}(?![a-z])"
    rf"|{_GLUED_SHARP_SUFFIX}(?=[\s-])|{_GLUED_FLAT_SUFFIX}(?=[\s-]))"
)


def _accidental(text: str | None) -> int:
    if not text:
        return 0
    text = text.strip().lower()
    if text in (*_SHARP_WORDS, _GLUED_SHARP_SUFFIX):
        return 1
    return -1  # every other accidental the patterns accept is a flat


# --- keys ---------------------------------------------------------------------------------------------------------
#: "key of D minor" and "D minor key" are read as "D minor".
_KEY_PREFIX, _KEY_SUFFIX = "key of ", " key"
_KEY_ALONE_RE = re.compile(
    rf"^(?:(?P<letter>[a-g])|(?P<solfege>do|re|mi|fa|sol|la|si|ut))\s*-?\s*(?P<acc>{_ACCIDENTAL_RE})?"
    rf"\s*-?\s*(?P<mode>{_MODE_RE})?$"
)
#: A chord symbol's minor with a glued flat ("Ebm", "Bbm"), which the glued flat's rule above does not reach.
_GLUED_FLAT_MINOR_RE = re.compile(rf"^(?:(?P<letter>[a-g])|(?P<solfege>do|re|mi|fa|sol|la|si|ut)){_GLUED_FLAT}m$")


def parse_key(text: str) -> tuple[int, str] | None:
    """``"E-flat major"`` → ``(3, "major")``, ``"F#m"`` → ``(6, "minor")``, ``"Ebm"`` → ``(3, "minor")``,
    ``"D dorian"`` → ``(2, "dorian")``.

    A bare note name is major. Returns None for anything that is not a key.
    """
    if not isinstance(text, str) or len(text) > 40:
        return None
    folded = fold(text).strip().replace(_KEY_PREFIX, "").replace(_KEY_SUFFIX, "").strip()
    chord = _GLUED_FLAT_MINOR_RE.match(folded)
    if chord is not None:
        base = _LETTERS[chord["letter"]] if chord["letter"] else _SOLFEGE[chord["solfege"]]
        return (base - 1) % 12, "minor"
    match = _KEY_ALONE_RE.match(folded)
    if match is None:
        return None
    base = _LETTERS[match["letter"]] if match["letter"] else _SOLFEGE[match["solfege"]]
    mode = _MODE_WORDS[match["mode"]] if match["mode"] else "major"
    return (base + _accidental(match["acc"])) % 12, mode


# --- the same grammar as one regular expression, for schemas ----------------------------------------------------
def _spelled(word: str) -> str:
    """``word`` as a pattern that takes each letter in either case and with any Latin-1 accent :func:`fold` drops
    ("ré", "Dièse", "BÉMOL"); signs and spaces stand for themselves."""
    classes = []
    for char in word:
        if char.isascii() and char.isalpha():
            variants = {char, char.upper()} | {c for c in _LATIN_1_LETTERS if fold(c) == char}
            classes.append("[" + "".join(sorted(variants)) + "]")
        else:
            classes.append(char)
    return "".join(classes)


def _any_of(words: Iterable[str]) -> str:
    return "(?:" + "|".join(_spelled(word) for word in sorted(words, key=len, reverse=True)) + ")"


def _key_pattern() -> str:
    """The strings :func:`parse_key` reads (at most 40 characters), as a regular expression that means the same in
    Python and ECMA-262 (so in JSON Schema): no flags and no look-arounds, which are written out instead.

    Spaces stand where the grammar allows any whitespace, and a hyphen where it allows one or two, so a few odd
    spellings :func:`parse_key` tolerates (a tab between words, "D -", "C - - dorian") are not in the pattern;
    everything in the pattern is a key.
    """
    gap = " *-? *"  # between note, accidental and mode: nothing, spaces, or one hyphen
    spaced = "(?: *- *| +)"  # a gap that is not empty: after "Bb", "Fis", "Ees" a glued mode would be misread
    sign = _any_of(_SHARP_WORDS + _FLAT_WORDS)
    glued_flat = _spelled(_GLUED_FLAT)
    before_mode = "|".join((f"{gap}{sign}{gap}", f"{gap}{glued_flat}{spaced}",
                            f"{gap}{_any_of((_GLUED_SHARP_SUFFIX, _GLUED_FLAT_SUFFIX))}{spaced}", gap))
    rest = f"(?:{before_mode}){_any_of(_MODE_WORDS)}|{gap}{sign}|{gap}{glued_flat}|{glued_flat}{_spelled('m')}"
    return (f"^ *(?:{_spelled(_KEY_PREFIX)})?{_any_of([*_LETTERS, *_SOLFEGE])}(?:{rest})?"
            f"(?:{_spelled(_KEY_SUFFIX)})? *$")


#: Letters with an accent in Latin-1 (À-ÿ): the accented spellings :data:`KEY_PATTERN` admits.
_LATIN_1_LETTERS = tuple(chr(code) for code in range(0xC0, 0x100) if chr(code).isalpha())
#: What :func:`parse_key` accepts, as a regular expression (for the API's JSON Schema).
KEY_PATTERN = _key_pattern()


# Keys inside a prompt: a note name followed by a mode word; "in A" / "key of Bb"; a chord symbol like "F#m".
_KEY_WITH_MODE_RE = re.compile(
    rf"(?<![\w#♯♭])(?P<letter>[A-Ga-g]|do|re|mi|fa|sol|la|si)[\s-]*(?P<acc>{_ACCIDENTAL_RE})?[\s-]*"
    rf"(?P<mode>{'|'.join(w for w in sorted(_MODE_WORDS, key=len, reverse=True) if w != 'm')})(?![\w])",
    re.IGNORECASE,
)
_KEY_AFTER_IN_RE = re.compile(
    r"\b(?:in|key of|key|tonality|en|tonart|tonalidad)\s*:?\s+(?P<letter>[A-G])(?P<acc>#|♯|♭|b|-flat|-sharp| flat| sharp)?"
    r"(?![\w#♯])"
)
_CHORD_SYMBOL_RE = re.compile(r"(?<![\w#♯♭])(?P<letter>[A-G])(?P<acc>#|♯|♭|b)?m(?![\w#])")


def find_key(text: str) -> tuple[int, str | None] | None:
    folded = strip_accents(text)
    for match in _KEY_WITH_MODE_RE.finditer(folded):
        word = match["letter"].lower()
        # a lone lower-case letter is a note name only after "in" or "key of" ("in a minor" yes, "a major label" no)
        before = folded[max(match.start() - 7, 0) : match.start()].lower()
        if len(word) == 1 and match["letter"].islower() and not before.endswith(("in ", "of ", "key ", "en ")):
            continue
        base = _LETTERS[word] if word in _LETTERS else _SOLFEGE[word]
        return (base + _accidental(match["acc"])) % 12, _MODE_WORDS[match["mode"].lower()]
    for pattern, mode in ((_CHORD_SYMBOL_RE, "minor"), (_KEY_AFTER_IN_RE, None)):
        found = pattern.search(folded)
        if found is not None:
            return (_LETTERS[found["letter"].lower()] + _accidental(found["acc"])) % 12, mode
    return None


# --- tempo, metre, duration ---------------------------------------------------------------------------------------
_BPM_RES = (
    re.compile(r"(\d{2,3}(?:[.,]\d+)?)\s*-?\s*(?:bpm|b\.p\.m|beats per minute|beats a minute|ppm|lpm|schlage)"),
    re.compile(r"(?:tempo|bpm|♩|quarter note|crotchet)\s*(?:of|=|:|at)?\s*(\d{2,3}(?:[.,]\d+)?)\b"),
)
_METRE_RE = re.compile(r"(?<![\d/])(\d{1,2})\s*/\s*(2|4|8|16)(?![\d/])")
_DURATION_RE = re.compile(
    r"(\d+(?:[.,]\d+)?|one|two|three|four|five|half a|a)\s*-?\s*"
    r"(seconds?|secs?|segundos?|secondes?|sekunden|secondi|minutes?|mins?|minutos?|minuten|minuti)\b"
    # "10 s" and "2 min" (but not "80s": the decade has no space)
    r"|(\d+(?:[.,]\d+)?)\s+(s|m)\b(?!\s*(?:major|minor))"
)
_CLOCK_RE = re.compile(r"\b(\d{1,2}):([0-5]\d)\s*(?:min|minutes|long|duration|length)")
_NUMBER_WORDS = {"one": 1.0, "two": 2.0, "three": 3.0, "four": 4.0, "five": 5.0, "half a": 0.5, "a": 1.0}


def find_bpm(text: str) -> float | None:
    for pattern in _BPM_RES:
        for match in pattern.finditer(text):
            bpm = float(match.group(1).replace(",", "."))
            if 20.0 <= bpm <= 400.0:
                return min(max(bpm, MIN_BPM), MAX_BPM)
    return None


def find_metre(text: str) -> tuple[int, int] | None:
    for match in _METRE_RE.finditer(text):
        numerator, denominator = int(match.group(1)), int(match.group(2))
        if 2 <= numerator <= 15:
            return numerator, denominator
    return None


def parse_time_signature(text: object) -> tuple[int, int] | None:
    """``"6/8"`` → (6, 8); None unless it matches :data:`TIME_SIGNATURE_PATTERN`."""
    match = re.match(TIME_SIGNATURE_PATTERN, text) if isinstance(text, str) else None
    if match is None:
        return None
    return (int(match.group(1)), int(match.group(2))) if match.group(1) else (int(match.group(3)), 16)


def find_duration(text: str) -> float | None:
    match = _DURATION_RE.search(text)
    if match is not None:
        amount = match.group(1) or match.group(3)
        unit = match.group(2) or match.group(4)
        value = _NUMBER_WORDS.get(amount) or float(amount.replace(",", "."))
        seconds = value * (60.0 if unit.startswith("m") else 1.0)
        return min(max(seconds, MIN_DURATION), MAX_DURATION)
    clock = _CLOCK_RE.search(text)
    if clock is not None:
        return min(max(int(clock.group(1)) * 60.0 + int(clock.group(2)), MIN_DURATION), MAX_DURATION)
    return None
