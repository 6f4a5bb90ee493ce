"""Music for picture, games and brands: trailers, game cues, horror, noir, westerns, corporate beds, jingles."""

from __future__ import annotations

from .base import EPIC_MAJOR, EPIC_MINOR, Style, add

add(Style(
    "epic_trailer", (80, 100), EPIC_MAJOR, EPIC_MINOR,
    {"melody": ("french_horn", "strings"), "counter": ("strings",), "harmony": ("brass", "trombone"),
     "pad": ("slow_strings", "choir"), "bass": ("contrabass", "tuba"), "arp": ("tremolo_strings", "pizzicato"),
     "percussion": ("taiko", "timpani"), "drums": ("orchestral_kit",)},
    doc="Epic trailer: ostinato strings, huge low drum hits (General MIDI's taiko drum and the orchestral kit's "
        "bass drum), brass chords, a build that rises section by section to a final hit.",
    family="media", mode="minor", comp="stab", bass="pulse", arp="ostinato", drums="trailer", kit="orchestral_kit",
    melody="lyrical", form="build_drop", reverb=0.6, valence=-0.2, energy=0.85,
    production=frozenset({"hall", "drum_bus"}), inversions=False,
))
add(Style(
    "chiptune", (140, 170), ("I V vi IV", "I IV V I", "vi IV I V"), ("i VI VII i", "i VI III VII"),
    {"melody": ("square_lead",), "harmony": ("square_lead",), "bass": ("synth_bass",), "arp": ("square_lead",),
     "pad": ("poly_pad",), "drums": ("electronic_kit",)},
    doc="8-bit chiptune: square-wave lead with pitch slides, fast arpeggiated chords standing in for harmony, a "
        "pulsing octave bass, a noise-channel-like kit.",
    family="media", mode="major", comp="sustain", bass="arp_bass", arp="chip", drums="chiptune", kit="electronic_kit",
    melody="busy", reverb=0.15, humanize_ms=0, electronic=True, valence=0.7, energy=0.8,
    production=frozenset({"dry"}), bends=frozenset({"portamento"}), inversions=False,
))
add(Style(
    "boss_battle", (150, 180), ("i VI VII i",), ("i bII i VII", "i VI VII V", "i iv bII V", "i VI iv V"),
    {"melody": ("distortion_guitar", "brass", "square_lead"), "harmony": ("distortion_guitar", "brass"),
     "counter": ("strings",), "pad": ("choir",), "bass": ("pick_bass", "synth_bass"), "arp": ("tremolo_strings",),
     "percussion": ("timpani",), "drums": ("power_kit",)},
    doc="Video-game boss battle: minor and relentless — driving double-time drums, gallop rhythms, diminished and "
        "Neapolitan chords, brass and choir stabs, a tremolo string ostinato, an urgent lead.",
    family="media", mode="minor", comp="gallop", bass="pulse", arp="ostinato16", drums="boss_battle",
    kit="power_kit", melody="riff", reverb=0.35, valence=-0.6, energy=0.95, production=frozenset({"drum_bus", "amp"}),
    inversions=False,
))
add(Style(
    "game_adventure", (100, 130), ("I IV V I", "I bVII IV I", "I V vi IV", "I iii IV V"), ("i VI VII i", "i iv VII III"),
    {"melody": ("french_horn", "flute", "strings"), "harmony": ("strings",), "counter": ("flute",),
     "pad": ("slow_strings",), "bass": ("contrabass", "cello"), "arp": ("harp", "pizzicato"),
     "percussion": ("timpani",), "drums": ("orchestral_kit",)},
    doc="Adventure / overworld / RPG exploration: a heroic horn or flute theme with fanfare rhythms, bright "
        "major harmony with borrowed bVII, marching snare and harp, a sense of journey.",
    family="media", mode="major", comp="strum", bass="root_fifth", arp="up8", drums="adventure",
    kit="orchestral_kit", melody="fanfare", reverb=0.5, valence=0.7, energy=0.7, production=frozenset({"hall"}),
    lift=True,
))
add(Style(
    "game_puzzle", (100, 124), ("I IV I V", "Imaj7 IVmaj7 Imaj7 V7", "I vi ii V"), ("i iv V i", "i VI ii° V"),
    {"melody": ("marimba", "xylophone", "pizzicato"), "harmony": ("pizzicato", "celesta"), "bass": ("acoustic_bass",),
     "arp": ("celesta", "glockenspiel"), "drums": ("drum_kit",)},
    doc="Puzzle-game music: light and quirky, staccato marimba or pizzicato, a bouncy bass, soft clicks and "
        "shakers; loops without tiring the ear.",
    family="media", mode="major", comp="staccato", bass="root_fifth", arp="up8", drums="puzzle", melody="busy",
    reverb=0.25, valence=0.6, energy=0.45, articulation="staccato", chromatic=True,
))
add(Style(
    "horror", (50, 80), ("i bII i bII",), ("i bII i bII", "i iv° i bII", "i VI° i v"),
    {"melody": ("music_box", "violin", "celesta"), "harmony": ("tremolo_strings",), "pad": ("sweep_pad", "atmosphere"),
     "bass": ("contrabass", "sub_bass"), "percussion": ("timpani",)},
    doc="Horror: low drones and cluster tremolos, a detuned music box or lone violin, semitone motion (i–bII), "
        "sudden stingers and silences; no groove.",
    family="media", mode="minor", chord_bars=2, comp="cluster", bass="drone", melody="sparse", form="through",
    reverb=0.7, humanize_ms=16, valence=-0.9, energy=0.35, production=frozenset({"hall"}), articulation="legato",
    inversions=False,
))
add(Style(
    "noir", (60, 90), ("ii7 V7 Imaj7 vi7",), ("i7 VImaj7 ii°7 V7", "i7 iv7 ii°7 V7", "imaj7 i7 iv7 V7"),
    {"melody": ("muted_trumpet", "tenor_sax"), "harmony": ("piano",), "pad": ("slow_strings",),
     "bass": ("acoustic_bass",), "drums": ("brush_kit",)},
    doc="Film noir / detective: a muted trumpet or smoky tenor over minor jazz harmony, brushes, a walking bass in "
        "the dark, rain-on-the-window reverb.",
    family="media", mode="minor", swing=0.62, comp="jazz", bass="walking", drums="noir", kit="brush_kit",
    melody="lyrical", reverb=0.5, humanize_ms=12, valence=-0.5, energy=0.3, chromatic=True, blue_notes=True,
    pocket=(("snare", 8.0),),
))
add(Style(
    "western", (80, 120), ("I bVII IV I", "I IV I V", "I V IV I"), ("i VII VI V", "i iv i V", "i VII i VII"),
    {"melody": ("whistle", "trumpet", "clean_guitar"), "harmony": ("nylon_guitar", "steel_guitar"),
     "counter": ("clean_guitar",), "pad": ("choir",), "bass": ("acoustic_bass",), "drums": ("drum_kit",)},
    doc="Western / spaghetti western: a twangy guitar with reverb and tremolo, a whistled melody, a lone trumpet, "
        "choir swells, a clip-clop on woodblocks (the kit's wood blocks), galloping strums.",
    family="media", mode="minor", comp="gallop", bass="root_fifth", drums="western", melody="fanfare", reverb=0.6,
    valence=-0.2, energy=0.6, hand=("woodblock",), bends=frozenset({"slide"}), production=frozenset({"hall"}),
))
add(Style(
    "corporate", (100, 125), ("I V vi IV", "IV I V vi", "I iii IV V", "vi IV I V"), ("i VI III VII",),
    {"melody": ("bright_piano", "clean_guitar", "glockenspiel"), "harmony": ("clean_guitar", "piano"),
     "pad": ("warm_pad", "strings"), "bass": ("electric_bass",), "arp": ("clean_guitar", "marimba"),
     "drums": ("drum_kit",)},
    doc="Corporate / upbeat background: bright plucked guitar eighths, a simple optimistic piano motif, claps on 2 "
        "and 4, steady and unobtrusive, building gently.",
    family="media", mode="major", comp="pluck", bass="pulse", arp="pluck", drums="corporate", melody="hook",
    reverb=0.3, valence=0.7, energy=0.6, hand=("claps",), production=frozenset({"drum_bus"}),
))
add(Style(
    "jingle", (100, 140), ("I IV V I", "I vi IV V", "I V vi IV"), ("i VI VII i",),
    {"melody": ("bright_piano", "glockenspiel", "synth_lead"), "harmony": ("piano", "clean_guitar"),
     "pad": ("warm_pad",), "bass": ("electric_bass",), "drums": ("drum_kit",)},
    doc="Jingle / ident / podcast intro: a short, memorable hook stated and answered, a clear cadence and a "
        "button ending (one tight tonic hit) rather than a fade.",
    family="media", mode="major", comp="stab", bass="pulse", drums="jingle", melody="hook", form="jingle",
    reverb=0.3, valence=0.7, energy=0.7, seconds=12.0, inversions=False,
))
add(Style(
    "childrens", (100, 130), ("I IV V I", "I V I V", "I IV I V"), ("i iv V i",),
    {"melody": ("glockenspiel", "xylophone", "recorder"), "harmony": ("nylon_guitar", "piano"),
     "bass": ("acoustic_bass", "tuba"), "arp": ("celesta",), "drums": ("drum_kit",)},
    doc="Children's / nursery music: a bouncy, simple tune on glockenspiel, xylophone or recorder, ukulele-like "
        "strums (nylon guitar stands in), a tuba or bass on the beat, hand claps.",
    family="media", mode="major", comp="strum", bass="root_fifth", drums="childrens", melody="hook", reverb=0.25,
    valence=0.9, energy=0.6, hand=("claps",), articulation="detached",
))
