"""Music theory the compose stage builds on: keys, scales, modes and chords named by Roman numerals.

Pitch classes are integers 0-11 (C=0). A :class:`Key` knows its scale; a :class:`Chord` knows its root, its pitch
classes and which of them the melody may land on. Roman numerals are read against the key: in major and minor the
numeral's case gives the quality (``V`` in minor is the harmonic-minor dominant, ``bVII`` in major is borrowed);
in the church modes every chord is diatonic, so the numeral only picks the degree.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

__all__ = [
    "MODES",
    "NOTE_NAMES",
    "Chord",
    "Key",
    "chord_from_numeral",
    "fold_into_range",
    "pitch_class_name",
]

NOTE_NAMES = ("C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B")

#: Scale steps in semitones from the tonic.
MODES: dict[str, tuple[int, ...]] = {
    "major": (0, 2, 4, 5, 7, 9, 11),
    "minor": (0, 2, 3, 5, 7, 8, 10),
    "dorian": (0, 2, 3, 5, 7, 9, 10),
    "phrygian": (0, 1, 3, 5, 7, 8, 10),
    "lydian": (0, 2, 4, 6, 7, 9, 11),
    "mixolydian": (0, 2, 4, 5, 7, 9, 10),
    "locrian": (0, 1, 3, 5, 6, 8, 10),
}

#: Which family a mode's progressions are written for.
MINOR_LIKE = frozenset({"minor", "dorian", "phrygian", "locrian"})

_QUALITIES: dict[str, tuple[int, ...]] = {
    "maj": (0, 4, 7),
    "min": (0, 3, 7),
    "dim": (0, 3, 6),
    "aug": (0, 4, 8),
    "sus2": (0, 2, 7),
    "sus4": (0, 5, 7),
}

_NUMERALS = {"i": 0, "ii": 1, "iii": 2, "iv": 3, "v": 4, "vi": 5, "vii": 6}
_NUMERAL_RE = re.compile(r"^(b|#)?(vii|vi|v|iv|iii|ii|i)(°|o|\+)?(maj7|m7|7|9|6|sus2|sus4|add9)?$", re.IGNORECASE)


def pitch_class_name(pc: int) -> str:
    return NOTE_NAMES[pc % 12]


@dataclass(frozen=True, slots=True)
class Key:
    tonic: int  #: pitch class 0-11
    mode: str  #: a key of :data:`MODES`

    @property
    def scale(self) -> tuple[int, ...]:
        """The scale's pitch classes, tonic first."""
        return _scale_pcs(self.tonic, self.mode)

    @property
    def is_minor(self) -> bool:
        return self.mode in MINOR_LIKE

    def contains(self, pitch: int) -> bool:
        return pitch % 12 in self.scale_set

    @property
    def scale_set(self) -> frozenset[int]:
        return frozenset(self.scale)

    def degree_pitch(self, index: int, base: int) -> int:
        """MIDI pitch of scale step ``index`` (0 = the tonic at or above ``base``; may be negative or > 6)."""
        octave, step = divmod(index, 7)
        root = base + (self.tonic - base) % 12
        return root + MODES[self.mode][step] + 12 * octave

    def step_of(self, pitch: int, base: int) -> int:
        """Inverse of :meth:`degree_pitch` for scale tones; chromatic tones round down to the scale step below."""
        root = base + (self.tonic - base) % 12
        octave, semis = divmod(pitch - root, 12)
        steps = MODES[self.mode]
        step = max(i for i, s in enumerate(steps) if s <= semis)
        return step + 7 * octave

    def name(self) -> str:
        return f"{pitch_class_name(self.tonic)} {self.mode}"


@lru_cache(maxsize=None)
def _scale_pcs(tonic: int, mode: str) -> tuple[int, ...]:
    return tuple((tonic + s) % 12 for s in MODES[mode])


@dataclass(frozen=True, slots=True)
class Chord:
    root: int  #: pitch class
    intervals: tuple[int, ...]  #: semitones above the root, root first
    numeral: str = ""

    @property
    def pitch_classes(self) -> tuple[int, ...]:
        return tuple((self.root + i) % 12 for i in self.intervals)

    @property
    def triad(self) -> tuple[int, ...]:
        return self.pitch_classes[:3]

    @property
    def fifth(self) -> int:
        return (self.root + self.intervals[2]) % 12


@lru_cache(maxsize=4096)
def chord_from_numeral(numeral: str, key: Key) -> Chord:
    """``"V7"`` in A minor is E G# B D; ``"bVII"`` in C major is Bb D F. Unknown numerals read as the tonic."""
    match = _NUMERAL_RE.match(numeral.strip())
    if match is None:
        return chord_from_numeral("i" if key.is_minor else "I", key)
    accidental, roman, quality_mark, extension = match.groups()
    degree = _NUMERALS[roman.lower()]
    steps = MODES[key.mode]
    root = (key.tonic + steps[degree] + (-1 if accidental == "b" else 1 if accidental == "#" else 0)) % 12
    if key.mode in ("major", "minor") or accidental:
        if quality_mark in ("°", "o"):
            triad = _QUALITIES["dim"]
        elif quality_mark == "+":
            triad = _QUALITIES["aug"]
        else:
            triad = _QUALITIES["maj"] if roman.isupper() else _QUALITIES["min"]
    else:
        scale = set(_scale_pcs(key.tonic, key.mode))
        third = 4 if (root + 4) % 12 in scale else 3
        fifth = 7 if (root + 7) % 12 in scale else 6 if third == 3 else 8
        triad = (0, third, fifth)
    extension = (extension or "").lower()
    if extension in ("sus2", "sus4"):
        triad = _QUALITIES[extension]
    intervals = triad
    if extension == "maj7":
        intervals = triad + (11,)
    elif extension == "m7":
        intervals = (0, 3, 7, 10)
    elif extension == "7":
        # minor 7th on every triad: dominant on major, minor 7th on minor, half-diminished on diminished
        intervals = triad + (10,)
    elif extension == "9":
        intervals = triad + (10, 14)
    elif extension == "add9":
        intervals = triad + (14,)
    elif extension == "6":
        intervals = triad + (9,)
    return Chord(root=root, intervals=intervals, numeral=numeral)


def fold_into_range(pitch: int, low: int, high: int) -> int:
    """Move ``pitch`` by octaves until it lies in ``[low, high]`` (ranges narrower than an octave clamp)."""
    while pitch < low:
        pitch += 12
    while pitch > high:
        pitch -= 12
    if pitch < low:  # range narrower than an octave
        pitch = low
    return pitch
