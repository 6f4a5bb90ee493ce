"""Pop, rock and urban styles: songs in verses and choruses, guitars, backbeats, 808s."""

from __future__ import annotations

from .base import POP_MAJOR, POP_MINOR, Style, add

_GUITAR_ROCK = frozenset({"amp", "drum_bus"})

add(Style(
    "pop", (96, 124), POP_MAJOR, POP_MINOR,
    {"melody": ("synth_lead", "piano", "clean_guitar"), "harmony": ("piano", "clean_guitar"),
     "pad": ("warm_pad", "strings"), "bass": ("electric_bass", "synth_bass"), "arp": ("clean_guitar",),
     "drums": ("drum_kit",)},
    doc="Contemporary pop: verse, pre-chorus lift and a hook chorus, four-chord loops, a backbeat, a last chorus "
        "that lifts.",
    mode="major", comp="block", bass="pulse", arp="up8", drums="pop", melody="hook", valence=0.5, energy=0.6,
    lift=True, production=frozenset({"drum_bus"}),
))
add(Style(
    "kpop", (100, 130), ("vi IV I V", "IVmaj7 V7 iii7 vi7", "I V vi iii IV I IV V"), ("i VI III VII", "iv v i VI"),
    {"melody": ("synth_lead", "bright_piano"), "harmony": ("bright_piano", "synth_brass"), "pad": ("poly_pad",),
     "bass": ("synth_bass",), "arp": ("clean_guitar",), "drums": ("electronic_kit",)},
    doc="K-pop: dance-pop with sharp contrasts between sections, syncopated stabs, a chant-like hook, a key "
        "change for the last chorus.",
    family="pop", mode="minor", comp="stab", bass="syncopated", arp="up16", drums="kpop", kit="electronic_kit",
    melody="hook", reverb=0.3, humanize_ms=0, electronic=True, valence=0.5, energy=0.8, lift=True,
    production=frozenset({"drum_bus", "sidechain"}),
))
add(Style(
    "jpop", (130, 180), ("IVmaj7 V7 iii7 vi7", "IV V iii vi", "I V vi iii IV I IV V"), ("VI VII i i", "iv V i VI"),
    {"melody": ("bright_piano", "synth_lead", "overdrive_guitar"), "harmony": ("bright_piano", "strings"),
     "pad": ("strings",), "bass": ("electric_bass",), "arp": ("clean_guitar",), "drums": ("drum_kit",)},
    doc="J-pop / anime opening: fast, dense chords on the 'royal road' progression (IVmaj7–V7–iii7–vi), busy "
        "bass, driving eighths, a soaring chorus with a final key change.",
    family="pop", mode="major", comp="block", bass="octave", arp="up16", drums="jpop", melody="flowing",
    valence=0.6, energy=0.85, lift=True, production=frozenset({"drum_bus"}),
))
add(Style(
    "city_pop", (100, 120), ("IVmaj7 iii7 vi7 Imaj7", "ii7 V7 Imaj7 vi7", "IVmaj7 V7 iii7 vi7"),
    ("i7 iv7 VII7 IIImaj7", "VImaj7 V7 i7 i7"),
    {"melody": ("fm_piano", "alto_sax", "synth_lead"), "harmony": ("fm_piano", "clean_guitar"),
     "pad": ("synth_strings",), "bass": ("slap_bass",), "counter": ("brass",), "drums": ("drum_kit",)},
    doc="80s Japanese city pop: major-seventh chords on an FM electric piano, slap bass octaves, clean funky "
        "guitar, bright brass, a glossy, dry-ish mix.",
    family="pop", mode="major", swing=0.53, swing_unit=0.25, comp="citypop", bass="slap", drums="city_pop",
    melody="flowing", reverb=0.3, valence=0.6, energy=0.65, chromatic=True, production=frozenset({"warm"}),
))
add(Style(
    "ballad", (62, 84), POP_MAJOR, POP_MINOR,
    {"melody": ("piano", "strings"), "harmony": ("piano",), "pad": ("slow_strings", "warm_pad"),
     "bass": ("fretless_bass", "cello")},
    doc="Pop ballad: piano arpeggios and the sustain pedal, strings entering for the chorus, a lift at the end.",
    comp="ballad", bass="root", melody="lyrical", reverb=0.45, ritardando=True, valence=-0.2, energy=0.35,
    lift=True, articulation="legato",
))
add(Style(
    "indie", (100, 130), ("I IV vi V", "I V vi IV", "IV I V vi"), ("i VI III VII", "i III VII VI"),
    {"melody": ("clean_guitar", "glockenspiel"), "harmony": ("steel_guitar", "clean_guitar"), "pad": ("organ", "warm_pad"),
     "bass": ("electric_bass",), "arp": ("clean_guitar",), "drums": ("room_kit",)},
    doc="Indie rock / pop: jangly strummed guitars, a room-sounding kit, a melodic bass.",
    family="rock", comp="strum", bass="pulse", arp="up8", drums="rock", kit="room_kit", melody="flowing",
    valence=0.3, energy=0.6, production=frozenset({"live"}),
))
add(Style(
    "rock", (110, 160), ("I V vi IV", "I bVII IV I", "I IV V IV", "vi IV I V"), ("i VI VII i", "i VII VI VII"),
    {"melody": ("overdrive_guitar", "distortion_guitar"), "harmony": ("distortion_guitar", "overdrive_guitar"),
     "pad": ("rock_organ", "strings"), "bass": ("pick_bass", "electric_bass"), "drums": ("power_kit", "drum_kit")},
    doc="Rock and stadium rock: power chords chugging in eighths, a driving backbeat, a lead guitar that bends "
        "into its long notes.",
    family="rock", mode="major", comp="power", bass="pulse", drums="rock", kit="power_kit", melody="flowing",
    reverb=0.3, valence=0.4, energy=0.85, production=_GUITAR_ROCK, bends=frozenset({"guitar"}),
    pocket=(("snare", 4.0),), inversions=False,
))
add(Style(
    "punk", (160, 200), ("I IV V IV", "I V IV I", "I bVII IV I"), ("i VI VII i", "i iv VII i"),
    {"melody": ("distortion_guitar",), "harmony": ("distortion_guitar",), "bass": ("pick_bass",),
     "drums": ("power_kit",)},
    doc="Punk: fast all-downstroke power chords, a root-note eighth bass, a 1-2 beat with the snare on every "
        "off-beat quarter; three chords, short sections.",
    family="rock", mode="major", comp="chug", bass="pulse", drums="punk", kit="power_kit", melody="riff",
    reverb=0.15, humanize_ms=4, valence=0.2, energy=0.95, production=_GUITAR_ROCK, inversions=False,
))
add(Style(
    "grunge", (90, 130), ("I bIII IV I", "I bVII bIII IV"), ("i bII VII i", "i VI VII i", "i iv VII VI"),
    {"melody": ("overdrive_guitar", "clean_guitar"), "harmony": ("distortion_guitar",), "bass": ("pick_bass",),
     "counter": ("clean_guitar",), "drums": ("power_kit",)},
    doc="90s grunge: a quiet clean-guitar verse and a loud distorted chorus, drop-D chugs low in the register, "
        "heavy half-open hats, sludgy and slightly behind the beat.",
    family="rock", mode="minor", comp="chug", bass="pulse", drums="grunge", kit="power_kit", melody="lyrical",
    reverb=0.3, humanize_ms=8, valence=-0.4, energy=0.8, production=_GUITAR_ROCK, bends=frozenset({"guitar"}),
    pocket=(("snare", 8.0), ("bass", 4.0)), inversions=False,
))
add(Style(
    "shoegaze", (90, 130), ("I IV I IV", "Imaj7 IVmaj7 vi7 IVmaj7"), ("i VI III VII", "i iv VI VII"),
    {"melody": ("synth_lead", "clean_guitar"), "harmony": ("distortion_guitar", "overdrive_guitar"),
     "pad": ("warm_pad", "sweep_pad"), "bass": ("electric_bass",), "drums": ("room_kit",)},
    doc="Shoegaze: walls of reverb-soaked, sustained distorted guitar chords, a buried dreamy melody, steady "
        "drums; the guitars smear into a pad.",
    family="rock", comp="sustain", bass="pulse", drums="shoegaze", kit="room_kit", melody="lyrical", reverb=0.8,
    valence=0.0, energy=0.6, production=frozenset({"hall", "wide", "amp"}), bends=frozenset({"whammy"}),
    articulation="legato",
))
add(Style(
    "emo", (120, 160), ("I V vi IV", "IVmaj7 I V vi"), ("i VI III VII", "VI VII i iv"),
    {"melody": ("clean_guitar", "overdrive_guitar"), "harmony": ("clean_guitar",), "counter": ("distortion_guitar",),
     "bass": ("pick_bass",), "drums": ("drum_kit",)},
    doc="Midwest emo: twinkly arpeggiated clean guitars in sixteenths, open-string colour chords, a busy drummer "
        "with off-beat accents, a distorted lift in the chorus.",
    family="rock", comp="twinkle", bass="pulse", drums="emo", melody="flowing", reverb=0.3, valence=-0.3,
    energy=0.7, production=frozenset({"amp"}),
))
add(Style(
    "surf_rock", (150, 180), ("I IV I V", "I vi IV V", "I bVII IV I"), ("i iv V i", "i VI VII i"),
    {"melody": ("clean_guitar",), "harmony": ("clean_guitar", "steel_guitar"), "pad": ("rock_organ",),
     "bass": ("pick_bass",), "drums": ("room_kit",)},
    doc="Surf rock: a reverb-drenched clean guitar tremolo-picking the melody, whammy dips, a floor-tom driven "
        "beat, walking bass runs.",
    family="rock", mode="minor", comp="strum", bass="octave", drums="surf", kit="room_kit", melody="busy",
    reverb=0.6, humanize_ms=6, valence=0.4, energy=0.8, production=frozenset({"live"}),
    bends=frozenset({"whammy"}), chromatic=True,
))
add(Style(
    "metal", (120, 180), ("I bVII IV I",), ("i VI VII i", "i VII VI VII", "i bII i VII", "i VI iv V"),
    {"melody": ("distortion_guitar",), "harmony": ("distortion_guitar",), "pad": ("slow_strings", "choir"),
     "bass": ("pick_bass",), "drums": ("power_kit",)},
    doc="Heavy metal: palm-muted power-chord chugs low in the guitar's register, galloping rhythms, double kick "
        "in the choruses, a lead guitar that bends and dives.",
    family="rock", mode="minor", comp="gallop", bass="pulse", drums="metal", kit="power_kit", melody="riff",
    reverb=0.25, humanize_ms=3, valence=-0.6, energy=1.0, production=_GUITAR_ROCK,
    bends=frozenset({"guitar", "whammy"}), inversions=False,
))
add(Style(
    "boom_bap", (84, 96), ("ii7 V7 Imaj7 vi7", "vi7 ii7 V7 Imaj7"), ("i7 iv7 i7 iv7", "i7 VImaj7 iv7 V7"),
    {"melody": ("piano", "vibraphone"), "harmony": ("rhodes", "piano"), "pad": ("slow_strings", "warm_pad"),
     "bass": ("acoustic_bass", "electric_bass"), "drums": ("drum_kit",)},
    doc="Boom-bap hip hop: a hard kick and a cracking snare on 2 and 4, swung sixteenth hats, a looped "
        "jazz-sample feel on piano or vibraphone, upright bass.",
    family="urban", mode="minor", swing=0.58, swing_unit=0.25, comp="lazy", bass="syncopated", drums="boom_bap",
    melody="riff", form="groove", reverb=0.25, humanize_ms=10, valence=-0.1, energy=0.5,
    production=frozenset({"vinyl", "drum_bus"}), pocket=(("snare", 10.0), ("kick", 3.0)),
))
add(Style(
    "trap", (130, 150), POP_MAJOR, ("i VI i VII", "i iv VI V", "i VI III VII", "i i VI V"),
    {"melody": ("music_box", "synth_lead", "bright_piano"), "pad": ("choir_pad", "warm_pad"), "bass": ("sub_bass",),
     "harmony": ("bright_piano",), "drums": ("tr808",)},
    doc="Trap: half-time snare and clap on 3, hi-hat rolls in 32nds and triplets that change bar to bar, booming "
        "808 bass that glides between notes, a dark bell or piano melody.",
    family="urban", mode="minor", comp="sustain", bass="808", drums="trap", kit="tr808", melody="riff", reverb=0.35,
    humanize_ms=0, electronic=True, half_time=True, valence=-0.5, energy=0.7, production=frozenset({"drum_bus"}),
    bends=frozenset({"808"}), inversions=False,
))
add(Style(
    "drill", (138, 146), ("i VI i VII",), ("i VI i VII", "i bII i VII", "i iv i VI"),
    {"melody": ("slow_strings", "piano", "choir"), "pad": ("choir_pad",), "bass": ("sub_bass",),
     "harmony": ("strings",), "drums": ("tr808",)},
    doc="Drill (UK and Brooklyn): sliding 808s, off-kilter syncopated snares, triplet hi-hats, dark strings or "
        "choir in a minor key.",
    family="urban", mode="minor", comp="sustain", bass="808", drums="drill", kit="tr808", melody="riff",
    reverb=0.35, humanize_ms=0, electronic=True, half_time=True, valence=-0.7, energy=0.75,
    production=frozenset({"drum_bus"}), bends=frozenset({"808"}), inversions=False,
))
add(Style(
    "phonk", (130, 150), ("i VI i VII",), ("i i VI VII", "i bII i i", "i iv i VI"),
    {"melody": ("agogo_bells", "music_box"), "harmony": ("synth_brass",), "pad": ("choir_pad",),
     "bass": ("sub_bass",), "drums": ("tr808",)},
    doc="Drift phonk / Memphis phonk: a cowbell riff carrying the melody (General MIDI's agogo and the kit's "
        "cowbell stand in for the sampled 808 cowbell), a distorted sliding 808, a 3-3-2 kick, tape hiss.",
    family="urban", mode="minor", comp="sustain", bass="808", drums="phonk", kit="tr808", melody="riff",
    reverb=0.25, humanize_ms=0, electronic=True, valence=-0.6, energy=0.85, hand=("cowbell",),
    production=frozenset({"drum_bus", "tape"}), bends=frozenset({"808"}), inversions=False,
))
