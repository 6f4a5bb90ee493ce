"""Requested chords: a progression a client writes ("Am F C G", "Cmaj7 A7/C# Dm7 G7", "vi IV I V", "ii7 V7 Imaj7")
read into the composer's own :class:`.theory.Chord` values.

Two spellings, token by token (they may be mixed):

* chord symbols — a root (``A``-``G`` with ``#``/``b``), a quality (none or ``maj`` major, ``m``/``min``/``-``
  minor, ``7``, ``maj7``, ``m7``, ``dim``, ``dim7``, ``aug``/``+``, ``sus2``, ``sus4``, ``7sus4``, ``6``, ``m6``,
  ``9``, ``m9``, ``maj9``, ``add9``, ``m7b5``/``ø``) and optionally ``/`` and a bass note (``A7/C#``);
* Roman numerals against the key, read exactly as the styles' progression pools are (:func:`numeral_chord`):
  ``vi``, ``IV``, ``bVII``, ``vii°``, ``V7``, ``Imaj7``, ``ii7``, ``V/V``, ``I/3``.

:func:`parse_progression` checks the grammar without a key (the engine's validation); :func:`resolve` reads the
tokens against a key into ``(chord, bass pitch class)`` pairs; :func:`key_of` finds the key a progression of
chord symbols is in.
"""

from __future__ import annotations

import re

from .theory import MODES, Chord, Key, chord_from_numeral, dominant_of

__all__ = ["MAX_CHORDS", "PROGRESSION_PATTERN", "ChordError", "is_numeral", "key_of", "numeral_chord",
           "parse_progression", "parse_symbol", "resolve"]

#: Most chords a request may write.
MAX_CHORDS = 64

_LETTERS = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}
_ACCIDENTALS = {"": 0, "#": 1, "♯": 1, "b": -1, "♭": -1}
_SYMBOL_RE = re.compile(r"^([A-G])([#♯b♭]?)([^/]*)(?:/([A-G])([#♯b♭]?))?$")

#: Chord-symbol qualities → semitones above the root, root first.
QUALITIES: dict[str, tuple[int, ...]] = {
    "": (0, 4, 7), "maj": (0, 4, 7), "M": (0, 4, 7),
    "m": (0, 3, 7), "min": (0, 3, 7), "-": (0, 3, 7),
    "7": (0, 4, 7, 10), "dom7": (0, 4, 7, 10),
    "maj7": (0, 4, 7, 11), "M7": (0, 4, 7, 11), "Δ": (0, 4, 7, 11), "Δ7": (0, 4, 7, 11),
    "m7": (0, 3, 7, 10), "min7": (0, 3, 7, 10), "-7": (0, 3, 7, 10),
    "mmaj7": (0, 3, 7, 11), "m(maj7)": (0, 3, 7, 11),
    "dim": (0, 3, 6), "°": (0, 3, 6), "o": (0, 3, 6),
    "dim7": (0, 3, 6, 9), "°7": (0, 3, 6, 9), "o7": (0, 3, 6, 9),
    "m7b5": (0, 3, 6, 10), "ø": (0, 3, 6, 10), "ø7": (0, 3, 6, 10), "min7b5": (0, 3, 6, 10),
    "aug": (0, 4, 8), "+": (0, 4, 8), "7#5": (0, 4, 8, 10), "aug7": (0, 4, 8, 10),
    "sus2": (0, 2, 7), "sus4": (0, 5, 7), "sus": (0, 5, 7), "7sus4": (0, 5, 7, 10), "7sus2": (0, 2, 7, 10),
    "6": (0, 4, 7, 9), "m6": (0, 3, 7, 9),
    "9": (0, 4, 7, 10, 14), "m9": (0, 3, 7, 10, 14), "maj9": (0, 4, 7, 11, 14),
    "add9": (0, 4, 7, 14), "madd9": (0, 3, 7, 14),
}

_SEPARATOR = "[ \\t\\n\\r,|]"
_ROOT = "[A-G][#♯b♭]?"
_QUALITY = "(?:" + "|".join(q.replace("+", "\\+").replace("(", "\\(").replace(")", "\\)")
                            for q in sorted(QUALITIES, key=len, reverse=True) if q) + ")?"
_SYMBOL = f"{_ROOT}{_QUALITY}(?:/{_ROOT})?"
# The numerals the styles write (theory's grammar, extensions in lower case): a degree, a secondary dominant over
# another numeral ("V7/vi"), an inversion ("I/3", "V/5") and gospel's passing diminished chord.
_DEGREE = "[b#]?(?:[vV][iI]{0,2}|[iI][vV]|[iI]{1,3})(?:°|o|\\+)?(?:maj7|m7|7|9|6|sus2|sus4|add9)?"
_NUMERAL = f"(?:#iv°7|[vV]7?/{_DEGREE}|{_DEGREE}/[35]|{_DEGREE})"
_TOKEN = f"(?:{_SYMBOL}|{_NUMERAL})"
#: The whole grammar of a request's ``chords``: 1-64 tokens apart by spaces, commas, bar lines or dashes between
#: spaces. The API's schema carries it, so the schema and the engine cannot disagree.
PROGRESSION_PATTERN = (f"^{_SEPARATOR}*{_TOKEN}(?:{_SEPARATOR}+(?:-{_SEPARATOR}+)*{_TOKEN}){{0,{MAX_CHORDS - 1}}}"
                       f"{_SEPARATOR}*$")
_PROGRESSION_RE = re.compile(PROGRESSION_PATTERN)
_SYMBOL_TOKEN_RE = re.compile(_SYMBOL)
_NUMERAL_TOKEN_RE = re.compile(_NUMERAL)


class ChordError(ValueError):
    """A token that is neither a chord symbol nor a Roman numeral; ``token`` is the offending text."""

    def __init__(self, token: str, message: str) -> None:
        super().__init__(message)
        self.token = token


def is_numeral(token: str) -> bool:
    """Whether ``token`` is a Roman numeral the composer reads (``vi``, ``V7/V``, ``I/3``, ``#iv°7``)."""
    return _NUMERAL_TOKEN_RE.fullmatch(token) is not None


def numeral_chord(numeral: str, key: Key) -> Chord:
    """A progression pool's numeral read against ``key``: ``V7/vi`` is the dominant seventh of ``vi``, ``I/3`` the
    tonic (its bass is the harmony's business), ``#iv°7`` the passing diminished seventh."""
    if numeral == "#iv°7":  # gospel's passing diminished chord between IV and I/V
        return Chord((key.tonic + 6) % 12, (0, 3, 6, 9), numeral)
    if numeral.endswith("/3") or numeral.endswith("/5"):  # an inversion asked for by the progression itself
        return chord_from_numeral(numeral[:-2], key)
    if "/" in numeral:
        head, target = numeral.split("/", 1)
        return dominant_of(chord_from_numeral(target, key), seventh=head.endswith("7"))
    return chord_from_numeral(numeral, key)


def parse_symbol(token: str) -> tuple[Chord, int] | None:
    """``"A7/C#"`` → (A C# E G, bass C#); None when ``token`` is not a chord symbol."""
    match = _SYMBOL_RE.match(token) if _SYMBOL_TOKEN_RE.fullmatch(token) else None
    if match is None:
        return None
    letter, accidental, quality, bass_letter, bass_accidental = match.groups()
    intervals = QUALITIES.get(quality)
    if intervals is None:
        return None
    root = (_LETTERS[letter] + _ACCIDENTALS[accidental]) % 12
    bass = root if bass_letter is None else (_LETTERS[bass_letter] + _ACCIDENTALS[bass_accidental or ""]) % 12
    return Chord(root=root, intervals=intervals, numeral=""), bass


def parse_progression(text: str) -> tuple[str, ...]:
    """The tokens of a progression (spaces, commas, bar lines and dashes separate them), each checked; raises
    :class:`ChordError` naming the first token that is no chord, or when there are none or more than
    :data:`MAX_CHORDS`. A text is a progression exactly when it matches :data:`PROGRESSION_PATTERN`."""
    tokens = tuple(t for t in re.split(f"{_SEPARATOR}+", text) if t and t != "-")
    if not tokens:
        raise ChordError("", "write at least one chord, such as \"Am F C G\" or \"vi IV I V\"")
    if len(tokens) > MAX_CHORDS:
        raise ChordError("", f"at most {MAX_CHORDS} chords, got {len(tokens)}")
    for token in tokens:
        if parse_symbol(token) is None and not is_numeral(token):
            raise ChordError(token, f"{token!r} is not a chord; write chord symbols such as \"Am\", \"Cmaj7\", "
                                    "\"A7/C#\", \"Bm7b5\" or Roman numerals such as \"vi\", \"V7\", \"bVII\"")
    if _PROGRESSION_RE.fullmatch(text) is None:
        raise ChordError("-", "separate chords with spaces, commas or bar lines (a dash only between spaces)")
    return tokens


def resolve(tokens: tuple[str, ...], key: Key) -> list[tuple[Chord, int]]:
    """Each token as ``(chord, bass pitch class)``: symbols as written, numerals read against ``key`` (``/3`` and
    ``/5`` put the third or fifth in the bass)."""
    chords: list[tuple[Chord, int]] = []
    for token in tokens:
        symbol = parse_symbol(token)
        if symbol is not None:
            chords.append(symbol)
            continue
        chord = numeral_chord(token, key)
        bass = chord.third if token.endswith("/3") else chord.fifth if token.endswith("/5") else chord.root
        chords.append((chord, bass))
    return chords


def key_of(tokens: tuple[str, ...]) -> tuple[int, str] | None:
    """The major or minor key a progression of chord symbols is in (None when it holds no symbol).

    Every key is scored by how many of the chords' notes lie in its scale (a note outside costs as much), with a
    bonus when the first chord is the key's tonic chord, a smaller one when the last chord or any chord is rooted on
    the tonic: "Am F C G" is A minor, "C Am F G" C major, "Cmaj7 A7/C# Dm7 G7" C major.
    """
    chords = [c for c in (parse_symbol(t) for t in tokens) if c is not None]
    if not chords:
        return None
    best: tuple[float, int, str] | None = None
    for mode in ("major", "minor"):
        third = 4 if mode == "major" else 3
        for tonic in range(12):
            scale = {(tonic + s) % 12 for s in MODES[mode]}
            score = 0.0
            for chord, bass in chords:
                score += sum(1.0 if pc in scale else -1.0 for pc in chord.pitch_classes)
                score += 0.5 if bass in scale else -0.5
                if chord.root == tonic:
                    score += 0.5 + (0.5 if chord.intervals[1] == third else -1.0)
            first, last = chords[0][0], chords[-1][0]
            if first.root == tonic and first.intervals[1] == third:
                score += 2.0
            if last.root == tonic:
                score += 0.5
            if best is None or score > best[0]:
                best = (score, tonic, mode)
    assert best is not None
    return best[1], best[2]
