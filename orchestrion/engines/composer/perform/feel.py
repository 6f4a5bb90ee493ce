"""How a style is played, and what kind of player each track is.

:class:`Feel` gathers what the performance reads from a style — swing, the pocket each voice sits in, how much
patterned looseness a human band brings, the articulation, the bend idioms — filling what a style leaves unsaid
from its family (a soul band lays the snare back, a jazz drummer rides ahead, a club track sits on the grid).
:class:`Part` says what a track's instrument can do: sustain and swell, be pedalled, be strummed, glide.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..instruments import INSTRUMENTS, Instrument
from ..score import Track

if TYPE_CHECKING:
    from ..styles import Style

__all__ = ["Feel", "Part", "classify", "feel_of"]

#: Where each voice sits against the grid in ms (+ late, − early) when a style names no pocket of its own: the
#: kick is the anchor, snares lay back in soul and hip hop, rides and shakers push, comping sits behind the beat
#: and orchestral basses speak a little late. Quantised electronic styles keep to the grid.
_POCKETS: dict[str, dict[str, float]] = {
    "electronic": {},
    "urban": {"kick": 2.0, "snare": 10.0, "hat": -2.0, "bass": 4.0, "harmony": 8.0, "melody": 4.0, "counter": 4.0},
    "pop": {"snare": 2.0, "hat": -2.0, "bass": 1.0, "harmony": 2.0, "melody": 2.0},
    "rock": {"snare": 4.0, "hat": -2.0, "ride": -2.0, "bass": 2.0, "harmony": 1.0, "melody": 3.0},
    "jazz": {"ride": -3.0, "snare": 4.0, "bass": -2.0, "harmony": 6.0, "melody": 8.0, "counter": 6.0, "doubling": 8.0},
    "soul": {"snare": 8.0, "hat": -2.0, "bass": 3.0, "harmony": 6.0, "melody": 6.0, "counter": 4.0},
    "latin": {"perc": -3.0, "hat": -2.0, "harmony": 2.0, "melody": 3.0},
    "african": {"perc": -2.0, "hat": -2.0, "snare": 3.0, "bass": 2.0, "harmony": 2.0, "melody": 3.0},
    "world": {"perc": -2.0, "hat": -1.0, "harmony": 2.0, "melody": 3.0},
    "folk": {"perc": -2.0, "snare": 3.0, "harmony": 2.0, "melody": 3.0},
    "classical": {"bass": 6.0, "harmony": 3.0, "pad": 2.0, "counter": 2.0, "percussion": 2.0},
    "media": {"snare": 2.0, "hat": -2.0, "bass": 2.0, "harmony": 2.0, "melody": 2.0},
}
#: Beats of the bar a style plays early or late as a whole (ms): the Viennese waltz anticipates its second beat.
_BAR_FEEL: dict[str, dict[float, float]] = {"waltz": {1.0: -20.0, 2.0: 6.0}}

#: Comping patterns played by picking single strings, never strummed.
_PICKED = frozenset({"fingerpick", "arpeggio", "twinkle", "requinto", "pluck", "alberti", "travis", "roll"})
#: Instruments strummed like guitars though the catalogue may file them elsewhere.
_STRUMMED_IDS = ("banjo", "mandolin", "ukulele", "vihuela", "guitarron", "cuatro", "tres", "charango", "bouzouki")
#: Guitar-family instruments played with a bar or by harmonics: never strummed.
_UNSTRUMMED = frozenset({"pedal_steel", "lap_steel", "guitar_harmonics"})
#: Families whose sustained notes are bowed, blown, sung or held (lines that connect, swell and take vibrato).
_BREATHING = frozenset({"strings", "woodwind", "brass", "reed", "voice", "synth", "world"})
#: Families whose long notes take delayed vibrato from the modulation wheel (and bowed instruments filed elsewhere).
_VIBRATO = frozenset({"strings", "woodwind", "brass", "voice"})
_VIBRATO_IDS = frozenset({"erhu", "theremin"})
_LEADS = range(80, 88)  # General MIDI's synth leads
_PIANO_PROGRAMS = frozenset(range(6))  # acoustic and electric pianos; harpsichord and clavinet have no pedal


@dataclass(frozen=True)
class Feel:
    name: str = ""
    family: str = "pop"
    swing: float = 0.5
    swing_unit: float = 0.5
    pocket: dict[str, float] = field(default_factory=dict)
    humanize_ms: float = 8.0
    articulation: str = "normal"
    bends: frozenset[str] = frozenset()
    electronic: bool = False
    comp: str = "block"
    bass: str = "root"
    half_time: bool = False
    bar_feel: dict[float, float] = field(default_factory=dict)

    def offset_ms(self, voice: str) -> float:
        return self.pocket.get(voice, 0.0)


def feel_of(style: Style | Any, score_style: str = "") -> Feel:
    """The style's feel; fields a style does not carry fall back to its family's habits."""
    name = getattr(style, "name", "") or score_style
    family = getattr(style, "family", "pop")
    electronic = bool(getattr(style, "electronic", False))
    pocket = {} if electronic else dict(_POCKETS.get(family, _POCKETS["pop"]))
    pocket.update({voice: float(ms) for voice, ms in getattr(style, "pocket", ())})
    return Feel(
        name=name,
        family=family,
        swing=float(getattr(style, "swing", 0.5)),
        swing_unit=float(getattr(style, "swing_unit", 0.5)),
        pocket=pocket,
        humanize_ms=0.0 if electronic else float(getattr(style, "humanize_ms", 8.0)),
        articulation=getattr(style, "articulation", "normal"),
        bends=frozenset(getattr(style, "bends", frozenset())),
        electronic=electronic,
        comp=getattr(style, "comp", "block"),
        bass=getattr(style, "bass", "root"),
        half_time=bool(getattr(style, "half_time", False)),
        bar_feel=dict(_BAR_FEEL.get(name, {})),
    )


@dataclass
class Part:
    """A track with what its instrument can do."""

    track: Track
    inst: Instrument | None
    family: str
    drums: bool
    sustained: bool
    piano: bool
    strummed: bool
    breathing: bool  #: bowed, blown, sung or held: connects legato and swells on CC11
    vibrato: bool  #: long notes take CC1 vibrato
    #: CC11 shaping: "full" (note and phrase swells, crescendos), "swell_pedal" (phrase level and crescendos, the
    #: organ's swell box), "phrase" (section level, a faint phrase arc and crescendos: sustained guitars and synth
    #: basses), "" (none: decaying sounds, drums, effects).
    expression: str

    @property
    def role(self) -> str:
        return self.track.role

    @property
    def melodic(self) -> bool:
        return self.track.role in ("melody", "counter", "doubling")

    @property
    def id(self) -> str:
        return self.inst.id if self.inst else ""


def _instrument(track: Track) -> Instrument | None:
    inst = INSTRUMENTS.get(track.instrument)
    if inst is not None:
        return inst
    # a score written before tracks carried their catalogue id: the first entry with the same program and kind
    return next((i for i in INSTRUMENTS.values() if i.program == track.program and i.is_drums == track.is_drums),
                None)


def classify(track: Track, feel: Feel) -> Part:
    inst = _instrument(track)
    drums = track.is_drums or (inst is not None and inst.is_drums)
    family = inst.family if inst else ""
    sustained = bool(inst and inst.sustained) and not drums
    ident = inst.id if inst else track.instrument
    piano = not drums and family == "keys" and track.program in _PIANO_PROGRAMS
    strum_like = (family == "guitar" or any(s in ident for s in _STRUMMED_IDS)) and ident not in _UNSTRUMMED
    picked = track.role == "arp" or (track.role == "harmony" and feel.comp in _PICKED)
    breathing = sustained and family in _BREATHING
    lead = family == "synth" and track.program in _LEADS
    if drums or family == "fx":
        expression = ""
    elif not sustained:  # a pad held on a decaying sound still follows the phrase on its swell pedal
        expression = "swell_pedal" if track.role == "pad" else ""
    elif breathing or family == "keys":  # sustained keys are tape strings and flutes (mellotron)
        expression = "full"
    elif family == "organ":
        expression = "swell_pedal"
    else:
        expression = "phrase"
    return Part(
        track=track, inst=inst, family=family, drums=drums, sustained=sustained, piano=piano,
        strummed=strum_like and not drums and not picked, breathing=breathing,
        vibrato=breathing and (family in _VIBRATO or lead or ident in _VIBRATO_IDS), expression=expression,
    )
