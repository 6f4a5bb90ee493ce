"""The style book: what makes a style sound like itself.

Each :class:`Style` gives a tempo range, metre, swing, progression pools (Roman numerals, read against the key by
:mod:`.theory`), an ensemble (for every role, the instruments that may play it — the first is the usual choice),
the comping, bass, arpeggio and drum patterns to use (named in :mod:`.rhythm` and :mod:`.drums`), a melody feel and
the mix. Interpretation scores prompts against these names; composition reads nothing else about a style.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["DEFAULT_STYLE", "STYLES", "Style"]

Ensemble = dict[str, tuple[str, ...]]


@dataclass(frozen=True)
class Style:
    name: str
    tempo: tuple[float, float]  #: quarter-note BPM range
    major: tuple[str, ...]  #: progressions for major keys (and lydian, mixolydian)
    minor: tuple[str, ...]  #: progressions for minor keys (and dorian, phrygian)
    ensemble: Ensemble
    metre: tuple[int, int] = (4, 4)
    mode: str = "either"  #: "major", "minor" or "either" (then mood decides)
    swing: float = 0.5  #: where the off-beat falls in its pair: 0.5 straight, 0.67 triplet swing
    swing_unit: float = 0.5  #: the note value that swings: 0.5 eighths, 0.25 sixteenths
    chord_bars: float = 1.0  #: bars per chord
    comp: str = "block"
    bass: str = "root"
    arp: str = "up8"
    drums: str | None = None  #: groove name; None = no kit unless the prompt asks
    kit: str = "drum_kit"
    melody: str = "flowing"  #: "sparse", "lyrical", "flowing", "busy", "riff", "swing"
    reverb: float = 0.35
    humanize_ms: float = 10.0
    electronic: bool = False  #: quantised drums, builds by layering
    ritardando: bool = False
    valence: float = 0.0  #: default mood, -1 sad .. 1 happy
    energy: float = 0.5  #: default mood, 0 calm .. 1 intense
    production: frozenset[str] = field(default_factory=frozenset)


POP_MAJOR = ("I V vi IV", "vi IV I V", "I vi IV V", "I IV vi V", "I V IV V")
POP_MINOR = ("i VI III VII", "i iv VI V", "i VII VI VII", "i III VII VI", "i VI VII i")
EPIC_MINOR = ("i VI III VII", "i VI VII i", "i iv VI V", "i VII VI VII", "i III VI V")
EPIC_MAJOR = ("I V vi IV", "I iii IV V", "IV V iii vi", "I vi IV V", "I IV I V")
JAZZ_MAJOR = ("Imaj7 vi7 ii7 V7", "ii7 V7 Imaj7 Imaj7", "Imaj7 IVmaj7 iii7 vi7 ii7 V7 Imaj7 V7", "iii7 vi7 ii7 V7")
JAZZ_MINOR = ("i7 iv7 i7 V7", "ii°7 V7 i7 i7", "i7 VImaj7 ii°7 V7", "i7 iv7 VII7 IIImaj7")
CLASSICAL_MAJOR = ("I IV V I", "I vi ii V", "I V vi iii IV I IV V", "I ii V I", "vi ii V I")
CLASSICAL_MINOR = ("i iv V i", "i VI iv V", "i iv VII III VI ii° V i", "i V i V", "i ii° V i")
LOOP_MINOR = ("i VII VI VII", "i VI III VII", "i iv i iv", "i VI i VII")
FOLK_MAJOR = ("I IV I V", "I V vi IV", "I IV V I", "vi IV I V")
FOLK_MINOR = ("i VII VI VII", "i iv VII i", "i VI VII i")

STYLES: dict[str, Style] = {}


def _add(style: Style) -> None:
    STYLES[style.name] = style


_add(Style(
    "orchestral", (72, 108), EPIC_MAJOR, EPIC_MINOR,
    {"melody": ("strings", "violin"), "counter": ("french_horn", "cello"), "harmony": ("brass", "trombone"),
     "pad": ("slow_strings", "strings"), "bass": ("contrabass", "cello"), "arp": ("harp", "pizzicato"),
     "percussion": ("timpani",), "drums": ("orchestral_kit",), "doubling": ("flute", "oboe", "clarinet")},
    comp="swell", bass="root", arp="up8", drums="orchestral", kit="orchestral_kit", melody="lyrical", reverb=0.6,
    ritardando=True, valence=0.2, energy=0.6, production=frozenset({"hall"}),
))
_add(Style(
    "epic_trailer", (80, 100), EPIC_MAJOR, EPIC_MINOR,
    {"melody": ("french_horn", "strings"), "counter": ("strings",), "harmony": ("brass", "trombone"),
     "pad": ("slow_strings", "choir"), "bass": ("contrabass", "tuba"), "arp": ("tremolo_strings", "pizzicato"),
     "percussion": ("timpani",), "drums": ("orchestral_kit",)},
    mode="minor", comp="stab", bass="pulse", arp="ostinato", drums="trailer", kit="orchestral_kit",
    melody="lyrical", reverb=0.6, valence=-0.2, energy=0.85, production=frozenset({"hall"}),
))
_add(Style(
    "ambient", (60, 80), ("Imaj7 IVmaj7", "I vi", "IVmaj7 Imaj7 vi7 Imaj7", "I V vi IV"),
    ("i VI", "i iv", "i7 VImaj7 III VII", "i VII VI i"),
    {"melody": ("tubular_bells", "celesta", "vibraphone"), "pad": ("halo_pad", "warm_pad", "new_age_pad"),
     "harmony": ("bowed_pad", "slow_strings"), "bass": ("sub_bass",), "arp": ("celesta", "music_box")},
    chord_bars=2, comp="sustain", bass="drone", arp="sparkle", melody="sparse", reverb=0.8, humanize_ms=15,
    valence=0.1, energy=0.2, production=frozenset({"hall"}),
))
_add(Style(
    "lofi", (70, 90),
    ("ii7 V7 Imaj7 vi7", "Imaj7 iii7 vi7 IVmaj7", "IVmaj7 iii7 ii7 Imaj7", "Imaj7 vi7 ii7 V7",
     "IVmaj7 V7 iii7 vi7", "Imaj7 IVmaj7 iii7 vi7"),
    ("i7 iv7 VImaj7 V7", "i7 iv7 i7 iv7", "VImaj7 v7 i7 i7", "i7 VImaj7 iv7 v7", "iv7 v7 i7 VImaj7",
     "i7 VII7 VImaj7 v7"),
    {"melody": ("rhodes", "vibraphone", "nylon_guitar"), "harmony": ("rhodes", "piano"), "pad": ("warm_pad",),
     "bass": ("electric_bass", "acoustic_bass"), "drums": ("drum_kit",)},
    swing=0.6, swing_unit=0.25, comp="lazy", bass="syncopated", drums="boom_bap", melody="lyrical", reverb=0.3,
    humanize_ms=18, valence=0.0, energy=0.3, production=frozenset({"lofi", "vinyl"}),
))
_add(Style(
    "boom_bap", (84, 96), ("ii7 V7 Imaj7 vi7", "vi7 ii7 V7 Imaj7"), ("i7 iv7 i7 iv7", "i7 VImaj7 iv7 V7"),
    {"melody": ("piano", "vibraphone"), "harmony": ("rhodes", "piano"), "pad": ("slow_strings", "warm_pad"),
     "bass": ("acoustic_bass", "electric_bass"), "drums": ("drum_kit",)},
    mode="minor", swing=0.58, swing_unit=0.25, comp="lazy", bass="syncopated", drums="boom_bap", melody="riff",
    reverb=0.25, humanize_ms=14, valence=-0.1, energy=0.5, production=frozenset({"vinyl"}),
))
_add(Style(
    "trap", (130, 150), POP_MAJOR, ("i VI i VII", "i iv VI V", "i VI III VII", "i i VI V"),
    {"melody": ("music_box", "synth_lead", "bright_piano"), "pad": ("choir_pad", "warm_pad"), "bass": ("sub_bass",),
     "harmony": ("bright_piano",), "drums": ("tr808",)},
    mode="minor", comp="sustain", bass="808", drums="trap", kit="tr808", melody="riff", reverb=0.35,
    humanize_ms=0, electronic=True, valence=-0.5, energy=0.7,
))
_add(Style(
    "house", (120, 128), ("vi IV I V", "I vi IV V", "IVmaj7 Imaj7"), ("i VII VI VII", "i7 iv7", "i VI III VII"),
    {"melody": ("saw_lead", "electric_grand"), "harmony": ("electric_grand", "rhodes"), "pad": ("warm_pad", "poly_pad"),
     "bass": ("synth_bass",), "arp": ("poly_pad",), "drums": ("electronic_kit",)},
    comp="house", bass="offbeat", arp="up16", drums="house", kit="electronic_kit", melody="riff", reverb=0.3,
    humanize_ms=0, electronic=True, valence=0.4, energy=0.7,
))
_add(Style(
    "techno", (126, 136), ("I I IV IV",), ("i i i VI", "i i VI VII", "i i i i"),
    {"melody": ("synth_lead", "saw_lead"), "pad": ("sweep_pad", "atmosphere"), "bass": ("synth_bass",),
     "arp": ("square_lead",), "drums": ("tr808", "electronic_kit")},
    mode="minor", comp="sustain", bass="acid", arp="ostinato16", drums="techno", kit="tr808", melody="riff",
    reverb=0.3, humanize_ms=0, electronic=True, chord_bars=2, valence=-0.3, energy=0.8,
))
_add(Style(
    "dnb", (170, 176), ("vi IV I V", "Imaj7 vi7"), ("i VI i VII", "i7 VImaj7", "i VI III VII"),
    {"melody": ("rhodes", "synth_lead"), "pad": ("warm_pad", "slow_strings"), "bass": ("sub_bass", "synth_bass"),
     "harmony": ("rhodes",), "drums": ("drum_kit",)},
    mode="minor", chord_bars=2, comp="sustain", bass="sub", drums="dnb", melody="lyrical", reverb=0.35,
    humanize_ms=0, electronic=True, valence=0.0, energy=0.8,
))
_add(Style(
    "synthwave", (84, 118), ("I V vi IV", "vi IV I V"), ("i VI III VII", "i VII VI VII", "i VI VII i"),
    {"melody": ("saw_lead", "synth_lead"), "harmony": ("synth_brass", "poly_pad"), "pad": ("warm_pad", "synth_strings"),
     "bass": ("synth_bass",), "arp": ("square_lead",), "drums": ("electronic_kit",)},
    mode="minor", comp="sustain", bass="pulse", arp="up16", drums="synthwave", kit="electronic_kit",
    melody="lyrical", reverb=0.45, humanize_ms=0, electronic=True, valence=0.0, energy=0.6,
))
_add(Style(
    "edm", (124, 130), ("vi IV I V", "I V vi IV", "IV V vi vi"), ("i VI III VII", "VI VII i i"),
    {"melody": ("saw_lead", "square_lead"), "harmony": ("synth_brass", "saw_lead"), "pad": ("poly_pad", "warm_pad"),
     "bass": ("synth_bass",), "arp": ("square_lead",), "drums": ("electronic_kit",)},
    comp="pump", bass="offbeat", arp="up16", drums="edm", kit="electronic_kit", melody="riff", reverb=0.4,
    humanize_ms=0, electronic=True, valence=0.5, energy=0.9,
))
_add(Style(
    "pop", (96, 124), POP_MAJOR, POP_MINOR,
    {"melody": ("synth_lead", "piano", "clean_guitar"), "harmony": ("piano", "clean_guitar"), "pad": ("warm_pad", "strings"),
     "bass": ("electric_bass", "synth_bass"), "arp": ("clean_guitar",), "drums": ("drum_kit",)},
    mode="major", comp="block", bass="pulse", arp="up8", drums="pop", melody="flowing", valence=0.5, energy=0.6,
))
_add(Style(
    "indie", (100, 130), ("I IV vi V", "I V vi IV", "IV I V vi"), ("i VI III VII", "i III VII VI"),
    {"melody": ("clean_guitar", "glockenspiel"), "harmony": ("steel_guitar", "clean_guitar"), "pad": ("organ", "warm_pad"),
     "bass": ("electric_bass",), "arp": ("clean_guitar",), "drums": ("room_kit",)},
    comp="strum", bass="pulse", arp="up8", drums="rock", kit="room_kit", melody="flowing", valence=0.3, energy=0.6,
))
_add(Style(
    "rock", (110, 160), ("I V vi IV", "I bVII IV I", "I IV V IV", "vi IV I V"), ("i VI VII i", "i VII VI VII"),
    {"melody": ("overdrive_guitar", "distortion_guitar"), "harmony": ("distortion_guitar", "overdrive_guitar"),
     "pad": ("rock_organ", "strings"), "bass": ("pick_bass", "electric_bass"), "drums": ("power_kit", "drum_kit")},
    mode="major", comp="power", bass="pulse", drums="rock", kit="power_kit", melody="flowing", reverb=0.3,
    valence=0.4, energy=0.85,
))
_add(Style(
    "metal", (120, 180), ("I bVII IV I",), ("i VI VII i", "i VII VI VII", "i bII i VII", "i VI iv V"),
    {"melody": ("distortion_guitar",), "harmony": ("distortion_guitar",), "pad": ("slow_strings", "choir"),
     "bass": ("pick_bass",), "drums": ("power_kit",)},
    mode="minor", comp="gallop", bass="pulse", drums="metal", kit="power_kit", melody="riff", reverb=0.25,
    valence=-0.6, energy=1.0,
))
_add(Style(
    "funk", (96, 116), ("I7 IV7 I7 IV7", "I7 I7 IV7 V7"), ("i7 IV7 i7 IV7", "i7 i7 iv7 i7", "i7 iv7 VII7 i7"),
    {"melody": ("brass", "alto_sax", "clavinet"), "harmony": ("clavinet", "muted_guitar"), "pad": ("organ",),
     "bass": ("slap_bass", "electric_bass"), "counter": ("muted_guitar",), "drums": ("drum_kit",)},
    mode="minor", swing=0.54, swing_unit=0.25, comp="funk", bass="funk", drums="funk", melody="riff",
    reverb=0.15, humanize_ms=6, valence=0.5, energy=0.75, production=frozenset({"dry"}),
))
_add(Style(
    "disco", (112, 124), ("vi ii V I", "Imaj7 ii7 iii7 ii7", "IV V iii vi"), ("i7 iv7 VII7 IIImaj7", "i7 iv7 i7 iv7"),
    {"melody": ("strings", "brass"), "harmony": ("clean_guitar", "electric_grand"), "pad": ("strings",),
     "bass": ("electric_bass",), "counter": ("brass",), "drums": ("drum_kit",)},
    comp="house", bass="octave", drums="disco", melody="flowing", reverb=0.35, humanize_ms=5, valence=0.7,
    energy=0.8,
))
_add(Style(
    "jazz", (100, 180), JAZZ_MAJOR, JAZZ_MINOR,
    {"melody": ("piano", "tenor_sax", "vibraphone"), "harmony": ("piano", "jazz_guitar"), "pad": ("organ",),
     "bass": ("acoustic_bass",), "drums": ("jazz_kit", "brush_kit")},
    swing=0.64, comp="jazz", bass="walking", drums="swing", kit="jazz_kit", melody="swing", reverb=0.3,
    humanize_ms=12, valence=0.2, energy=0.5,
))
_add(Style(
    "blues", (64, 100), ("I7 IV7 I7 I7 IV7 IV7 I7 I7 V7 IV7 I7 V7",), ("i7 iv7 i7 i7 iv7 iv7 i7 i7 VI7 V7 i7 V7",),
    {"melody": ("overdrive_guitar", "harmonica"), "harmony": ("rock_organ", "piano"), "pad": ("organ",),
     "bass": ("electric_bass",), "drums": ("drum_kit",)},
    mode="major", swing=0.67, comp="shuffle", bass="shuffle", drums="shuffle", melody="swing", reverb=0.3,
    humanize_ms=12, valence=-0.2, energy=0.5,
))
_add(Style(
    "bossa", (120, 140), ("Imaj7 ii7 V7 Imaj7", "Imaj7 vi7 ii7 V7", "ii7 V7 Imaj7 IVmaj7"),
    ("i7 iv7 V7 i7", "i7 ii°7 V7 i7"),
    {"melody": ("flute", "nylon_guitar", "alto_sax"), "harmony": ("nylon_guitar",), "pad": ("slow_strings", "warm_pad"),
     "bass": ("acoustic_bass",), "drums": ("drum_kit",)},
    mode="major", chord_bars=2, comp="bossa", bass="bossa", drums="bossa", melody="lyrical", reverb=0.3,
    humanize_ms=8, valence=0.4, energy=0.35,
))
_add(Style(
    "samba", (96, 112), ("I vi ii V", "Imaj7 VI7 ii7 V7"), ("i iv V i",),
    {"melody": ("flute", "trumpet"), "harmony": ("nylon_guitar",), "pad": ("strings",),
     "bass": ("acoustic_bass",), "drums": ("drum_kit",)},
    mode="major", comp="bossa", bass="bossa", drums="samba", melody="busy", valence=0.8, energy=0.8,
))
_add(Style(
    "reggae", (68, 84), ("I IV I V", "I IV V IV", "I vi IV V"), ("i iv i VII", "i VII i VII", "i iv VII i"),
    {"melody": ("organ", "clean_guitar", "trumpet"), "harmony": ("muted_guitar", "clean_guitar"),
     "pad": ("organ",), "bass": ("electric_bass",), "drums": ("drum_kit",)},
    swing=0.58, comp="skank", bass="reggae", drums="one_drop", melody="lyrical", reverb=0.35, humanize_ms=10,
    valence=0.4, energy=0.4,
))
_add(Style(
    "folk", (84, 112), FOLK_MAJOR, FOLK_MINOR,
    {"melody": ("harmonica", "violin", "flute"), "harmony": ("steel_guitar", "nylon_guitar"),
     "pad": ("accordion", "strings"), "bass": ("acoustic_bass",), "arp": ("steel_guitar",), "drums": ("drum_kit",)},
    mode="major", comp="fingerpick", bass="root_fifth", drums="hand", melody="lyrical", reverb=0.3, humanize_ms=12,
    valence=0.4, energy=0.4,
))
_add(Style(
    "country", (100, 130), ("I IV I V", "I I IV I V IV I I", "I IV V I"), FOLK_MINOR,
    {"melody": ("fiddle", "clean_guitar"), "harmony": ("steel_guitar",), "counter": ("banjo",), "pad": ("organ", "strings"),
     "bass": ("electric_bass",), "drums": ("drum_kit",)},
    mode="major", comp="strum", bass="root_fifth", drums="train", melody="flowing", reverb=0.25, valence=0.6,
    energy=0.65,
))
_add(Style(
    "baroque", (88, 120), CLASSICAL_MAJOR, CLASSICAL_MINOR,
    {"melody": ("violin", "oboe"), "harmony": ("harpsichord",), "pad": ("strings",), "bass": ("cello", "bassoon"),
     "counter": ("viola", "flute")},
    comp="alberti", bass="continuo", melody="busy", reverb=0.4, humanize_ms=8, ritardando=True, valence=0.3,
    energy=0.6, production=frozenset({"hall"}),
))
_add(Style(
    "romantic_piano", (60, 84), CLASSICAL_MAJOR + ("I iii IV iv",), CLASSICAL_MINOR + ("i VI iv V",),
    {"melody": ("piano",), "harmony": ("piano",)},
    comp="ballad", bass="none", melody="lyrical", reverb=0.45, humanize_ms=14, ritardando=True, valence=-0.1,
    energy=0.3,
))
_add(Style(
    "string_quartet", (72, 108), CLASSICAL_MAJOR, CLASSICAL_MINOR,
    {"melody": ("violin",), "counter": ("viola",), "harmony": ("violin",), "bass": ("cello",)},
    comp="sustain", bass="root", melody="lyrical", reverb=0.4, humanize_ms=10, ritardando=True, valence=0.2,
    energy=0.4, production=frozenset({"hall"}),
))
_add(Style(
    "waltz", (150, 180), ("I I V7 V7 V7 V7 I I", "I IV V7 I", "I vi ii V7"), ("i i V7 V7 V7 V7 i i", "i iv V7 i"),
    {"melody": ("strings", "violin", "flute"), "harmony": ("strings",), "pad": ("slow_strings",),
     "bass": ("contrabass", "cello"), "counter": ("french_horn", "clarinet")},
    metre=(3, 4), comp="waltz", bass="waltz", melody="lyrical", reverb=0.5, humanize_ms=8, ritardando=True,
    valence=0.5, energy=0.5, production=frozenset({"hall"}),
))
_add(Style(
    "musette", (140, 170), ("I I V7 V7 V7 V7 I I", "I IV V7 I"), ("i iv V7 i", "i i V7 V7 V7 V7 i i"),
    {"melody": ("accordion",), "harmony": ("accordion", "nylon_guitar"), "pad": ("strings",),
     "bass": ("acoustic_bass",), "drums": ("brush_kit",)},
    metre=(3, 4), mode="minor", comp="waltz", bass="waltz", drums="waltz", kit="brush_kit", melody="flowing",
    reverb=0.3, ritardando=True, valence=0.1, energy=0.45,
))
_add(Style(
    "chiptune", (140, 170), ("I V vi IV", "I IV V I", "vi IV I V"), ("i VI VII i", "i VI III VII"),
    {"melody": ("square_lead",), "harmony": ("square_lead",), "bass": ("synth_bass",), "arp": ("square_lead",),
     "pad": ("poly_pad",), "drums": ("electronic_kit",)},
    mode="major", comp="sustain", bass="arp_bass", arp="chip", drums="chiptune", kit="electronic_kit",
    melody="busy", reverb=0.15, humanize_ms=0, electronic=True, valence=0.7, energy=0.8,
    production=frozenset({"dry"}),
))
_add(Style(
    "celtic", (96, 126), ("I bVII I bVII", "I IV I V", "I V IV I"), ("i VII i VII", "i VI VII i", "i VII VI VII"),
    {"melody": ("fiddle", "whistle", "bagpipe"), "harmony": ("steel_guitar", "harp"), "pad": ("accordion", "strings"),
     "bass": ("acoustic_bass",), "drums": ("drum_kit",)},
    metre=(6, 8), comp="strum", bass="root_fifth", drums="jig", melody="busy", reverb=0.35, valence=0.5, energy=0.6,
))
_add(Style(
    "tango", (110, 126), ("I IV V7 I",), ("i iv V7 i", "i VI V7 i", "iv i V7 i"),
    {"melody": ("bandoneon", "violin"), "harmony": ("piano",), "pad": ("strings",), "bass": ("contrabass",),
     "counter": ("violin",)},
    mode="minor", comp="tango", bass="tango", melody="flowing", reverb=0.3, valence=-0.2, energy=0.6,
))
_add(Style(
    "gospel", (70, 100), ("I IV I V", "I iii IV V", "IV V iii vi ii V I I", "I I7 IV iv"), ("i iv VII III",),
    {"melody": ("choir", "church_organ"), "harmony": ("piano",), "pad": ("church_organ", "organ"),
     "bass": ("electric_bass",), "drums": ("drum_kit",)},
    mode="major", swing=0.62, comp="block", bass="pulse", drums="shuffle", melody="lyrical", reverb=0.45,
    valence=0.8, energy=0.6,
))
_add(Style(
    "march", (108, 124), ("I IV V7 I", "I vi ii V7", "I I V7 I"), ("i iv V7 i",),
    {"melody": ("trumpet", "piccolo"), "harmony": ("brass",), "counter": ("french_horn", "clarinet"),
     "pad": ("brass",), "bass": ("tuba",), "drums": ("orchestral_kit",)},
    metre=(2, 4), mode="major", comp="oompah", bass="root_fifth", drums="march", kit="orchestral_kit",
    melody="flowing", reverb=0.35, valence=0.6, energy=0.7,
))
_add(Style(
    "polka", (110, 130), ("I V7 V7 I", "I IV V7 I"), ("i V7 V7 i",),
    {"melody": ("accordion", "clarinet"), "harmony": ("accordion",), "pad": ("accordion",), "bass": ("tuba",),
     "drums": ("drum_kit",)},
    metre=(2, 4), mode="major", comp="oompah", bass="root_fifth", drums="polka", melody="busy", reverb=0.25,
    valence=0.8, energy=0.75,
))
_add(Style(
    "lullaby", (60, 76), ("I IV I V", "I vi IV V", "I IV V I"), ("i iv i V", "i VI iv V"),
    {"melody": ("music_box", "celesta", "flute"), "harmony": ("harp", "nylon_guitar"), "pad": ("warm_pad", "slow_strings"),
     "bass": ("cello",)},
    metre=(3, 4), mode="major", comp="arpeggio", bass="waltz", melody="lyrical", reverb=0.5, ritardando=True,
    valence=0.4, energy=0.15,
))
_add(Style(
    "ballad", (62, 84), POP_MAJOR, POP_MINOR,
    {"melody": ("piano", "strings"), "harmony": ("piano",), "pad": ("slow_strings", "warm_pad"),
     "bass": ("fretless_bass", "cello")},
    comp="ballad", bass="root", melody="lyrical", reverb=0.45, ritardando=True, valence=-0.2, energy=0.35,
))

DEFAULT_STYLE = "pop"
