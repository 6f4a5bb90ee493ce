"""The style record, the registry every family module adds to, and the progression pools they share.

A leaf of the style book: the family modules import it, and :mod:`.` (the package) imports them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["DEFAULT_STYLE", "FORMS", "STYLES", "Style", "add"]

Ensemble = dict[str, tuple[str, ...]]

#: Forms :mod:`..form` can lay out.
FORMS = frozenset({"verse_chorus", "blues12", "aaba", "build_drop", "aabb", "jingle", "through", "groove"})


@dataclass(frozen=True)
class Style:
    name: str
    tempo: tuple[float, float]  #: range in the counted beat (quarter notes; dotted quarters in compound metres)
    major: tuple[str, ...]  #: progressions for major keys (and lydian, mixolydian)
    minor: tuple[str, ...]  #: progressions for minor keys (and the minor-like modes)
    ensemble: Ensemble
    #: Progressions for the style's own mode (phrygian dominant for flamenco and klezmer), read by degree; used
    #: when the key is in that mode.
    modal: tuple[str, ...] = ()
    doc: str = ""  #: what the style is, its idioms, and which General MIDI sounds stand in for missing ones
    family: str = "pop"  #: "electronic", "urban", "pop", "rock", "jazz", "soul", "latin", "african", "world", "folk", "classical", "media"
    metre: tuple[int, int] = (4, 4)
    mode: str = "either"  #: "major", "minor", "either" (then mood decides) or a mode name
    swing: float = 0.5  #: where the off-beat falls in its pair: 0.5 straight, 0.67 triplet swing
    swing_unit: float = 0.5  #: the note value that swings: 0.5 eighths, 0.25 sixteenths
    chord_bars: float = 1.0  #: bars per chord
    comp: str = "block"
    bass: str = "root"
    arp: str = "up8"
    drums: str | None = None  #: groove name; None = no kit unless the prompt asks
    kit: str = "drum_kit"
    melody: str = "flowing"  #: melodic feel (see :mod:`..melody`)
    form: str = "verse_chorus"
    reverb: float = 0.35
    humanize_ms: float = 8.0  #: size of the patterned timing variation; 0 for quantised electronic styles
    electronic: bool = False  #: quantised drums, builds by layering
    ritardando: bool = False
    valence: float = 0.0  #: default mood, -1 sad .. 1 happy
    energy: float = 0.5  #: default mood, 0 calm .. 1 intense
    #: Mix and production hints: "lofi", "vinyl", "tape", "hall", "dry", "live", "gated", "warm", "sidechain",
    #: "amp", "drum_bus", "wide".
    production: frozenset[str] = field(default_factory=frozenset)
    half_time: bool = False  #: the backbeat falls on 3 (dubstep, trap)
    articulation: str = "normal"  #: "legato", "normal", "staccato", "detached"
    #: Consistent timing per voice in ms, + late / − early: roles ("bass", "harmony" ...) or drum voices ("kick",
    #: "snare", "hat", "ride", "perc").
    pocket: tuple[tuple[str, float], ...] = ()
    #: Pitch-bend idioms: "guitar", "slide", "pedal_steel", "808", "sitar", "portamento", "whammy".
    bends: frozenset[str] = field(default_factory=frozenset)
    hand: tuple[str, ...] = ()  #: hand-percussion voices the style adds (ids in :data:`..instruments.PERCUSSION`)
    inversions: bool = True  #: the bass may leave the root (inversions, passing bass)
    lift: bool = False  #: the last chorus modulates up
    blue_notes: bool = False
    chromatic: bool = False  #: chromatic approach notes are idiomatic
    melody_register: tuple[int, int] | None = None  #: MIDI range for the tune, when the genre has its own
    seconds: float | None = None  #: the usual length when the prompt and the request name none (a jingle is short)

    @property
    def compound(self) -> bool:
        return self.metre[1] == 8 and self.metre[0] % 3 == 0

    @property
    def quarter_tempo(self) -> tuple[float, float]:
        """The tempo range in quarter notes (a 6/8 jig's 116 dotted quarters are 174 quarters)."""
        factor = 1.5 if self.compound else 1.0
        return self.tempo[0] * factor, self.tempo[1] * factor

    def instruments(self) -> frozenset[str]:
        """Every instrument the style's ensemble may use."""
        return frozenset(i for options in self.ensemble.values() for i in options)


STYLES: dict[str, Style] = {}


def add(style: Style) -> Style:
    if style.name in STYLES:
        raise ValueError(f"style {style.name!r} is defined twice")
    if style.form not in FORMS:
        raise ValueError(f"style {style.name!r}: unknown form {style.form!r}")
    STYLES[style.name] = style
    return style


# Progression pools shared by several families.
POP_MAJOR = ("I V vi IV", "vi IV I V", "I vi IV V", "I IV vi V", "I V IV V", "I V/3 vi I/5 IV I/3 ii V")
POP_MINOR = ("i VI III VII", "i iv VI V", "i VII VI VII", "i III VII VI", "i VI VII i")
EPIC_MINOR = ("i VI III VII", "i VI VII i", "i iv VI V", "i VII VI VII", "i III VI V")
EPIC_MAJOR = ("I V vi IV", "I iii IV V", "IV V iii vi", "I vi IV V", "I IV I V", "I V/3 vi IV")
JAZZ_MAJOR = ("Imaj7 vi7 ii7 V7", "ii7 V7 Imaj7 Imaj7", "Imaj7 IVmaj7 iii7 vi7 ii7 V7 Imaj7 V7", "iii7 vi7 ii7 V7")
JAZZ_MINOR = ("i7 iv7 i7 V7", "ii°7 V7 i7 i7", "i7 VImaj7 ii°7 V7", "i7 iv7 VII7 IIImaj7")
CLASSICAL_MAJOR = ("I IV V I", "I vi ii V", "I V vi iii IV I IV V", "I ii V I", "vi ii V I")
CLASSICAL_MINOR = ("i iv V i", "i VI iv V", "i iv VII III VI ii° V i", "i V i V", "i ii° V i")
LOOP_MINOR = ("i VII VI VII", "i VI III VII", "i iv i iv", "i VI i VII")
FOLK_MAJOR = ("I IV I V", "I V vi IV", "I IV V I", "vi IV I V")
FOLK_MINOR = ("i VII VI VII", "i iv VII i", "i VI VII i")
SOUL_MAJOR = ("Imaj7 IVmaj7 iii7 vi7", "I vi IV V", "IVmaj7 iii7 ii7 Imaj7", "I I7 IV iv")
SOUL_MINOR = ("i7 iv7 VII7 IIImaj7", "i7 IV7 i7 IV7", "i9 iv9 i9 VImaj7")
BLUES = ("I7 IV7 I7 I7 IV7 IV7 I7 I7 V7 IV7 I7 V7",)
BLUES_MINOR = ("i7 iv7 i7 i7 iv7 iv7 i7 i7 VI7 V7 i7 V7",)
ANDALUSIAN = ("i VII VI V", "i VII VI V i VII VI V")

DEFAULT_STYLE = "pop"
