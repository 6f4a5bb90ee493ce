"""Folk and country styles: acoustic strings, fiddles, banjos, dance tunes and work songs."""

from __future__ import annotations

from .base import FOLK_MAJOR, FOLK_MINOR, Style, add

add(Style(
    "folk", (84, 112), FOLK_MAJOR, FOLK_MINOR,
    {"melody": ("harmonica", "violin", "flute"), "harmony": ("steel_guitar", "nylon_guitar"),
     "pad": ("accordion", "strings"), "bass": ("acoustic_bass",), "arp": ("steel_guitar",), "drums": ("drum_kit",)},
    doc="Acoustic folk: fingerpicked steel-string guitar (a thumb on the bass strings, fingers on the top), "
        "harmonica or fiddle melody, light hand percussion.",
    family="folk", mode="major", comp="fingerpick", bass="root_fifth", drums="hand", melody="lyrical", reverb=0.3,
    humanize_ms=10, valence=0.4, energy=0.4, production=frozenset({"live"}),
))
add(Style(
    "country", (100, 130), ("I IV I V", "I I IV I V IV I I", "I IV V I", "I I/3 IV V", "I V/3 vi IV"), FOLK_MINOR,
    {"melody": ("fiddle", "pedal_steel", "clean_guitar"), "harmony": ("steel_guitar",), "counter": ("pedal_steel", "banjo"),
     "pad": ("organ", "strings"), "bass": ("electric_bass",), "drums": ("drum_kit",)},
    doc="Country: the train beat, a boom-chuck bass alternating root and fifth, strummed acoustic guitar, fiddle "
        "and pedal steel answering the tune (General MIDI has no pedal steel: a steel-string guitar swelling and "
        "sliding with pitch bends stands in).",
    family="folk", mode="major", comp="strum", bass="boom_chuck", drums="train", melody="flowing", reverb=0.25,
    valence=0.6, energy=0.65, bends=frozenset({"pedal_steel", "guitar"}),
))
add(Style(
    "bluegrass", (180, 240), ("I IV I V", "I I IV I I V I I", "I IV V I"), ("i VII i V",),
    {"melody": ("banjo", "fiddle", "mandolin"), "harmony": ("mandolin", "steel_guitar"), "arp": ("banjo",),
     "counter": ("fiddle",), "bass": ("acoustic_bass",)},
    doc="Bluegrass: banjo forward rolls in sixteenths, the mandolin's chop on 2 and 4, an upright bass in "
        "boom-chuck root–fifth, fiddle breakdowns; no drum kit, the mandolin chop is the snare (General MIDI has "
        "no mandolin: a steel-string guitar patch high and staccato stands in).",
    family="folk", mode="major", comp="boom_chuck", bass="boom_chuck", arp="roll", drums=None, melody="busy",
    reverb=0.2, valence=0.7, energy=0.8, production=frozenset({"live"}), inversions=False,
))
add(Style(
    "celtic", (96, 126), ("I bVII I bVII", "I IV I V", "I V IV I"), ("i VII i VII", "i VI VII i", "i VII VI VII"),
    {"melody": ("fiddle", "whistle", "bagpipe"), "harmony": ("steel_guitar", "harp"), "pad": ("accordion", "strings"),
     "bass": ("acoustic_bass",), "drums": ("drum_kit",)},
    doc="Celtic reels and airs: fiddle and tin whistle ornamenting the tune (cuts and rolls as grace notes), "
        "guitar or harp accompaniment, a bodhrán-like frame drum (low toms and kick stand in).",
    family="folk", mode="dorian", comp="strum", bass="root_fifth", drums="celtic", melody="ornamented",
    form="aabb", reverb=0.35, valence=0.5, energy=0.6, hand=("bodhran",),
))
add(Style(
    "jig", (108, 126), ("I IV I V", "I V I IV V I", "I bVII I V"), ("i VII i VII", "i VII VI VII"),
    {"melody": ("fiddle", "whistle", "flute"), "harmony": ("steel_guitar", "accordion"), "pad": ("accordion",),
     "bass": ("acoustic_bass",), "drums": ("drum_kit",)},
    doc="The Irish jig: 6/8 at dance speed (108–126 dotted quarters), two eight-bar strains each played twice "
        "(AABB), fiddle or whistle running eighths with ornaments, guitar strumming in threes, a bodhrán pulse "
        "(low toms and kick stand in).",
    family="folk", metre=(6, 8), mode="major", comp="strum", bass="root_fifth", drums="jig", melody="ornamented",
    form="aabb", reverb=0.3, valence=0.7, energy=0.75, hand=("bodhran",), inversions=False,
))
add(Style(
    "sea_shanty", (90, 120), ("I IV I V", "I V I V I IV V I"), ("i VII i v", "i iv VII i", "i VII VI VII"),
    {"melody": ("accordion", "fiddle", "voice"), "harmony": ("accordion",), "pad": ("choir",),
     "bass": ("contrabass", "tuba"), "drums": ("drum_kit",)},
    doc="Sea shanty: a call from a lead line and a response from a crew (choir), stomps on the beat and hand claps "
        "(the kit's kick and hand clap), accordion and fiddle; dorian or major, square phrases.",
    family="folk", mode="dorian", comp="oompah", bass="root_fifth", drums="shanty", melody="call_response",
    reverb=0.35, valence=0.3, energy=0.65, hand=("claps",), production=frozenset({"live"}), inversions=False,
))
add(Style(
    "polka", (110, 130), ("I V7 V7 I", "I IV V7 I"), ("i V7 V7 i",),
    {"melody": ("accordion", "clarinet"), "harmony": ("accordion",), "pad": ("accordion",), "bass": ("tuba",),
     "drums": ("drum_kit",)},
    doc="Polka: 2/4 oom-pah — tuba on the beat, accordion chords on the off-beat — a busy clarinet or accordion "
        "tune.",
    family="folk", metre=(2, 4), mode="major", comp="oompah", bass="root_fifth", drums="polka", melody="busy",
    reverb=0.25, valence=0.8, energy=0.75, articulation="staccato", inversions=False,
))
add(Style(
    "musette", (140, 170), ("I I V7 V7 V7 V7 I I", "I IV V7 I"), ("i iv V7 i", "i i V7 V7 V7 V7 i i"),
    {"melody": ("accordion",), "harmony": ("accordion", "nylon_guitar"), "pad": ("strings",),
     "bass": ("acoustic_bass",), "drums": ("brush_kit",)},
    doc="Valse musette: a Parisian café waltz — accordion melody with a bellows tremolo, guitar and bass in "
        "oom-pah-pah, brushes.",
    family="folk", metre=(3, 4), mode="minor", comp="waltz", bass="waltz", drums="waltz", kit="brush_kit",
    melody="flowing", reverb=0.3, ritardando=True, valence=0.1, energy=0.45, chromatic=True,
))
