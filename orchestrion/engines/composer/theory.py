"""Music theory the compose stage builds on: keys, scales, modes and chords named by Roman numerals.

Pitch classes are integers 0-11 (C=0). A :class:`Key` knows its scale; a :class:`Chord` knows its root, its pitch
classes and which of them the melody may land on. Roman numerals are read against the key: in major and minor the
numeral's case gives the quality (``V`` in minor is the harmonic-minor dominant, ``bVII`` in major is borrowed);
in the church modes every chord is diatonic, so the numeral only picks the degree. Harmonic minor reads like minor
(its numerals name natural-minor degrees, ``V`` and ``vii°`` supply the leading tone). Phrygian dominant
(flamenco, klezmer's freygish) reads its numerals by degree against the phrygian scale with a major tonic chord,
as those musicians hear it: in E the Andalusian cadence ``iv III II I`` is Am G F E, and in D freygish
``i iv ii vii`` is D Gm Eb Cm.
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
    "chord_symbol",
    "dominant_of",
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
    #: Flamenco's and klezmer's mode (freygish, Spanish phrygian): phrygian with a major third.
    "phrygian_dominant": (0, 1, 4, 5, 7, 8, 10),
    "harmonic_minor": (0, 2, 3, 5, 7, 8, 11),
}

#: Modes whose numerals take their quality from the case (``V`` major, ``iv`` minor) rather than from the scale.
_CASE_QUALITY = frozenset({"major", "minor", "harmonic_minor"})
#: Modes whose numerals name the degrees of another scale.
_READ_AS = {"harmonic_minor": "minor", "phrygian_dominant": "phrygian"}

#: Which family a mode's progressions are written for.
MINOR_LIKE = frozenset({"minor", "dorian", "phrygian", "locrian", "phrygian_dominant", "harmonic_minor"})

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

    def shifted(self, semitones: int) -> Key:
        """The same mode on a tonic ``semitones`` higher (a modulation up a step, to the IV ...)."""
        return Key((self.tonic + semitones) % 12, self.mode)

    def relative(self) -> Key:
        """The relative major of a minor key, the relative minor of a major one (other modes: the key itself)."""
        if self.mode == "major":
            return Key((self.tonic + 9) % 12, "minor")
        if self.mode in ("minor", "harmonic_minor"):
            return Key((self.tonic + 3) % 12, "major")
        return self


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

    @property
    def third(self) -> int:
        return (self.root + self.intervals[1]) % 12

    @property
    def is_major(self) -> bool:
        return self.intervals[1] == 4 and self.intervals[2] == 7

    @property
    def is_minor(self) -> bool:
        return self.intervals[1] == 3 and self.intervals[2] == 7


@lru_cache(maxsize=4096)
def chord_from_numeral(numeral: str, key: Key) -> Chord:
    """``"V7"`` in A minor is E G# B D; ``"bVII"`` in C major is Bb D F. Unknown numerals read as the tonic."""
    match = _NUMERAL_RE.match(numeral.strip())
    if match is None:
        return chord_from_numeral("i" if key.is_minor else "I", key)
    accidental, roman, quality_mark, extension = match.groups()
    degree = _NUMERALS[roman.lower()]
    reading = _READ_AS.get(key.mode, key.mode)
    steps = MODES[reading]
    root = (key.tonic + steps[degree] + (-1 if accidental == "b" else 1 if accidental == "#" else 0)) % 12
    if key.mode == "phrygian_dominant" and degree == 0 and not accidental:
        triad = _QUALITIES["maj"]
    elif key.mode in _CASE_QUALITY or accidental:
        if quality_mark in ("°", "o"):
            triad = _QUALITIES["dim"]
        elif quality_mark == "+":
            triad = _QUALITIES["aug"]
        else:
            triad = _QUALITIES["maj"] if roman.isupper() else _QUALITIES["min"]
    else:
        scale = set(_scale_pcs(key.tonic, reading))
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


def dominant_of(target: Chord, seventh: bool = True) -> Chord:
    """The secondary dominant resolving to ``target`` (``V7/V`` before ``V``): a major triad a fifth above it."""
    intervals = (0, 4, 7, 10) if seventh else (0, 4, 7)
    label = "V7" if seventh else "V"
    return Chord(root=(target.root + 7) % 12, intervals=intervals, numeral=f"{label}/{target.numeral or '?'}")


_SUFFIXES = {
    (0, 4, 7): "", (0, 3, 7): "m", (0, 3, 6): "dim", (0, 4, 8): "aug", (0, 2, 7): "sus2", (0, 5, 7): "sus4",
    (0, 4, 7, 10): "7", (0, 4, 7, 11): "maj7", (0, 3, 7, 10): "m7", (0, 3, 6, 10): "m7b5", (0, 3, 6, 9): "dim7",
    (0, 3, 7, 11): "m(maj7)", (0, 4, 7, 10, 14): "9", (0, 3, 7, 10, 14): "m9", (0, 4, 7, 11, 14): "maj9",
    (0, 4, 7, 14): "add9", (0, 3, 7, 14): "madd9", (0, 4, 7, 9): "6", (0, 3, 7, 9): "m6", (0, 5, 7, 10): "7sus4",
    (0, 2, 7, 10): "7sus2", (0, 4, 8, 10): "7#5", (0, 3, 6, 10, 14): "m9b5",
}


def chord_symbol(chord: Chord, bass: int | None = None) -> str:
    """The lead-sheet symbol: ``Am7``, ``G/B``, ``Bbmaj7``; a bass other than the root is written after a slash."""
    suffix = _SUFFIXES.get(tuple(chord.intervals))
    if suffix is None:  # an unusual stack: name the triad and list what sits on top
        suffix = _SUFFIXES.get(tuple(chord.intervals[:3]), "") + "".join(
            f"({i})" for i in chord.intervals[3:])
    symbol = pitch_class_name(chord.root) + suffix
    if bass is not None and bass % 12 != chord.root:
        symbol += "/" + pitch_class_name(bass)
    return symbol


def fold_into_range(pitch: int, low: int, high: int) -> int:
    """Move ``pitch`` by octaves until it lies in ``[low, high]`` (ranges narrower than an octave clamp)."""
    while pitch < low:
        pitch += 12
    while pitch > high:
        pitch -= 12
    if pitch < low:  # range narrower than an octave
        pitch = low
    return pitch
