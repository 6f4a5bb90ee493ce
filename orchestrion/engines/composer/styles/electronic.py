"""Electronic styles: club music built by layering over a quantised grid, ambient and lo-fi."""

from __future__ import annotations

from .base import Style, add

_CLUB = frozenset({"sidechain", "drum_bus"})

add(Style(
    "house", (120, 128), ("vi IV I V", "I vi IV V", "IVmaj7 Imaj7"), ("i VII VI VII", "i7 iv7", "i VI III VII"),
    {"melody": ("saw_lead", "electric_grand"), "harmony": ("electric_grand", "rhodes"), "pad": ("warm_pad", "poly_pad"),
     "bass": ("synth_bass",), "arp": ("poly_pad",), "drums": ("electronic_kit",)},
    doc="House and deep house: four-on-the-floor kick, off-beat open hats, off-beat piano or organ stabs, a bass "
        "on the off-beats, sections added and taken away a layer at a time.",
    family="electronic", comp="house", bass="offbeat", arp="up16", drums="house", kit="electronic_kit", melody="riff",
    form="groove", reverb=0.3, humanize_ms=0, electronic=True, valence=0.4, energy=0.7, production=_CLUB,
    inversions=False,
))
add(Style(
    "uk_garage", (128, 136), ("ii7 V7 Imaj7 vi7", "IVmaj7 iii7 vi7 V7"), ("i7 iv7 VImaj7 v7", "i9 VImaj7 iv7 v7"),
    {"melody": ("rhodes", "synth_lead"), "harmony": ("rhodes", "organ"), "pad": ("warm_pad",), "bass": ("synth_bass",),
     "drums": ("electronic_kit",)},
    doc="UK garage / 2-step: a skippy, shuffled two-step kick with swung sixteenths, chopped organ and Rhodes "
        "chords, a rubbery sub bass; the groove skips beats rather than hammering them.",
    family="electronic", swing=0.6, swing_unit=0.25, comp="stab", bass="two_step", drums="two_step",
    kit="electronic_kit", melody="hook", form="groove", reverb=0.3, humanize_ms=0, electronic=True, valence=0.3,
    energy=0.7, production=frozenset({"sidechain"}),
))
add(Style(
    "techno", (126, 136), ("I I IV IV",), ("i i i VI", "i i VI VII", "i i i i"),
    {"melody": ("synth_lead", "saw_lead"), "pad": ("sweep_pad", "atmosphere"), "bass": ("synth_bass",),
     "arp": ("square_lead",), "drums": ("tr808", "electronic_kit")},
    doc="Techno: a relentless kick on every beat, a ride on the off-beats, a squelching sixteenth-note acid line; "
        "hypnotic, two-chord harmony that changes slowly.",
    family="electronic", mode="minor", comp="sustain", bass="acid", arp="ostinato16", drums="techno", kit="tr808",
    melody="riff", form="groove", reverb=0.3, humanize_ms=0, electronic=True, chord_bars=2, valence=-0.3,
    energy=0.8, production=_CLUB, inversions=False,
))
add(Style(
    "trance", (134, 140), ("vi IV I V", "IV V vi vi"), ("i VI III VII", "VI VII i i", "i VI VII v"),
    {"melody": ("saw_lead", "synth_lead"), "harmony": ("saw_lead",), "pad": ("poly_pad", "warm_pad"),
     "bass": ("synth_bass",), "arp": ("square_lead", "saw_lead"), "drums": ("electronic_kit",)},
    doc="Uplifting trance: supersaw chords, a rolling off-beat bass in sixteenths, gated arpeggios, a long "
        "breakdown with the melody on pads, then a build and the drop.",
    family="electronic", mode="minor", comp="pump", bass="rolling", arp="up16", drums="trance", kit="electronic_kit",
    melody="lyrical", form="build_drop", reverb=0.5, humanize_ms=0, electronic=True, chord_bars=2, valence=0.3,
    energy=0.8, production=frozenset({"sidechain", "wide"}), bends=frozenset({"portamento"}), inversions=False,
))
add(Style(
    "edm", (124, 130), ("vi IV I V", "I V vi IV", "IV V vi vi"), ("i VI III VII", "VI VII i i"),
    {"melody": ("saw_lead", "square_lead"), "harmony": ("synth_brass", "saw_lead"), "pad": ("poly_pad", "warm_pad"),
     "bass": ("synth_bass",), "arp": ("square_lead",), "drums": ("electronic_kit",)},
    doc="Big-room / festival EDM: a build with a snare roll and a beat of silence, then a drop twice as dense as "
        "the breakdown; pumping sidechained chords.",
    family="electronic", comp="pump", bass="offbeat", arp="up16", drums="edm", kit="electronic_kit", melody="hook",
    form="build_drop", reverb=0.4, humanize_ms=0, electronic=True, valence=0.5, energy=0.9,
    production=frozenset({"sidechain", "drum_bus", "wide"}), bends=frozenset({"portamento"}), inversions=False,
))
add(Style(
    "dubstep", (138, 142), ("vi IV I V",), ("i VI i VII", "i i VI VII", "i bII i VII"),
    {"melody": ("saw_lead", "square_lead"), "harmony": ("synth_brass",), "pad": ("sweep_pad", "warm_pad"),
     "bass": ("synth_bass",), "drums": ("electronic_kit",)},
    doc="Dubstep: half-time drums (kick on 1, snare on 3) at 140, a wobbling bass in eighth and sixteenth "
        "triplets, a build into a drop. The wobble is a synth bass re-articulated in triplets (General MIDI has no "
        "LFO filter).",
    family="electronic", mode="minor", comp="sustain", bass="wobble", drums="dubstep", kit="electronic_kit",
    melody="riff", form="build_drop", reverb=0.35, humanize_ms=0, electronic=True, half_time=True, valence=-0.4,
    energy=0.9, production=frozenset({"drum_bus"}), bends=frozenset({"portamento"}), inversions=False,
))
add(Style(
    "dnb", (170, 176), ("vi IV I V", "Imaj7 vi7"), ("i VI i VII", "i7 VImaj7", "i VI III VII"),
    {"melody": ("rhodes", "synth_lead"), "pad": ("warm_pad", "slow_strings"), "bass": ("sub_bass", "synth_bass"),
     "harmony": ("rhodes",), "drums": ("drum_kit",)},
    doc="Drum and bass (liquid and jungle): a two-step breakbeat at 174 with ghosted snares, a deep sub bass "
        "at half speed, Rhodes and pads floating over it.",
    family="electronic", mode="minor", chord_bars=2, comp="sustain", bass="sub", drums="dnb", melody="lyrical",
    form="build_drop", reverb=0.35, humanize_ms=0, electronic=True, valence=0.0, energy=0.8,
    production=frozenset({"drum_bus"}), pocket=(("snare", 3.0),),
))
add(Style(
    "synthwave", (84, 118), ("I V vi IV", "vi IV I V"), ("i VI III VII", "i VII VI VII", "i VI VII i"),
    {"melody": ("saw_lead", "synth_lead"), "harmony": ("synth_brass", "poly_pad"), "pad": ("warm_pad", "synth_strings"),
     "bass": ("synth_bass",), "arp": ("square_lead",), "drums": ("electronic_kit",)},
    doc="Synthwave / retrowave: pulsing eighth-note bass, gated-reverb snare on 2 and 4, sixteenth arpeggios, "
        "brassy synth chords, a saw lead gliding between notes.",
    family="electronic", mode="minor", comp="sustain", bass="pulse", arp="up16", drums="synthwave",
    kit="electronic_kit", melody="lyrical", reverb=0.45, humanize_ms=0, electronic=True, valence=0.0, energy=0.6,
    production=frozenset({"gated", "warm", "wide"}), bends=frozenset({"portamento"}), inversions=False,
))
add(Style(
    "hyperpop", (150, 180), ("I V vi IV", "IV V I vi"), ("i VI III VII", "VI VII i III"),
    {"melody": ("square_lead", "saw_lead"), "harmony": ("saw_lead", "bright_piano"), "pad": ("poly_pad",),
     "bass": ("sub_bass",), "arp": ("square_lead",), "drums": ("tr808",)},
    doc="Hyperpop: maximal and fast, pitched-up square and saw leads sliding between notes, distorted 808s, "
        "glitchy sixteenth arpeggios and sudden drops.",
    family="electronic", mode="major", comp="pump", bass="808", arp="chip", drums="hyperpop", kit="tr808",
    melody="hook", reverb=0.3, humanize_ms=0, electronic=True, valence=0.6, energy=0.95,
    production=frozenset({"drum_bus"}), bends=frozenset({"portamento", "808"}), inversions=False,
    melody_register=(67, 91),
))
add(Style(
    "ambient", (60, 80), ("Imaj7 IVmaj7", "I vi", "IVmaj7 Imaj7 vi7 Imaj7", "I V vi IV"),
    ("i VI", "i iv", "i7 VImaj7 III VII", "i VII VI i"),
    {"melody": ("tubular_bells", "celesta", "vibraphone"), "pad": ("halo_pad", "warm_pad", "new_age_pad"),
     "harmony": ("bowed_pad", "slow_strings"), "bass": ("sub_bass",), "arp": ("celesta", "music_box")},
    doc="Ambient: beatless, slowly evolving pads over a drone, distant bells placed sparsely; long reverb, "
        "chords that change every two bars.",
    family="electronic", chord_bars=2, comp="sustain", bass="drone", arp="sparkle", melody="sparse", form="through",
    reverb=0.8, humanize_ms=12, valence=0.1, energy=0.2, production=frozenset({"hall", "wide"}),
    articulation="legato", inversions=False,
))
add(Style(
    "meditation", (50, 66), ("Imaj7 IVmaj7", "Isus2 IVadd9", "I V"), ("i9 iv9", "i VI", "isus2 VII"),
    {"melody": ("pan_flute", "flute", "kalimba"), "pad": ("new_age_pad", "halo_pad", "warm_pad"),
     "harmony": ("harp", "bowed_pad"), "bass": ("sub_bass",), "arp": ("tubular_bells", "kalimba")},
    doc="Meditation, spa and yoga music: very slow, beatless, a breathing pad over a tonic drone, a soft flute or "
        "pan flute phrase with long rests, bell strokes standing in for a singing bowl (General MIDI has none: "
        "tubular bells and kalimba are the closest).",
    family="electronic", chord_bars=2, comp="sustain", bass="drone", arp="bell", melody="sparse", form="through",
    reverb=0.85, humanize_ms=14, valence=0.3, energy=0.12, production=frozenset({"hall", "wide"}),
    articulation="legato", inversions=False,
))
add(Style(
    "lofi", (70, 90),
    ("ii7 V7 Imaj7 vi7", "Imaj7 iii7 vi7 IVmaj7", "IVmaj7 iii7 ii7 Imaj7", "Imaj7 vi7 ii7 V7",
     "IVmaj7 V7 iii7 vi7", "Imaj7 IVmaj7 iii7 vi7"),
    ("i7 iv7 VImaj7 V7", "i7 iv7 i7 iv7", "VImaj7 v7 i7 i7", "i7 VImaj7 iv7 v7", "iv7 v7 i7 VImaj7",
     "i7 VII7 VImaj7 v7"),
    {"melody": ("rhodes", "vibraphone", "nylon_guitar"), "harmony": ("rhodes", "piano"), "pad": ("warm_pad",),
     "bass": ("electric_bass", "acoustic_bass"), "drums": ("drum_kit",)},
    doc="Lo-fi hip hop: dusty, swung boom-bap drums played lazily behind the beat, jazzy seventh chords on a "
        "Rhodes, a round bass, tape wobble and vinyl crackle.",
    family="urban", swing=0.6, swing_unit=0.25, comp="lazy", bass="syncopated", drums="boom_bap", melody="lyrical",
    form="groove", reverb=0.3, humanize_ms=14, valence=0.0, energy=0.3,
    production=frozenset({"lofi", "vinyl", "tape"}), pocket=(("snare", 12.0), ("harmony", 10.0), ("kick", 4.0)),
))

