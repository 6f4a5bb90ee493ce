"""Latin American, Caribbean, African, Indian, Spanish and Jewish styles: clave, dembow, compás, dhol."""

from __future__ import annotations

from .base import ANDALUSIAN, Style, add

add(Style(
    "bossa", (120, 140), ("Imaj7 ii7 V7 Imaj7", "Imaj7 vi7 ii7 V7", "ii7 V7 Imaj7 IVmaj7"),
    ("i7 iv7 V7 i7", "i7 ii°7 V7 i7"),
    {"melody": ("flute", "nylon_guitar", "alto_sax"), "harmony": ("nylon_guitar",), "pad": ("slow_strings", "warm_pad"),
     "bass": ("acoustic_bass",), "drums": ("drum_kit",)},
    doc="Bossa nova: nylon guitar in the bossa pattern, a rim-click clave, root–fifth bass on 1 and 3, soft "
        "flute or sax, major-seventh harmony two bars to the chord.",
    family="latin", mode="major", chord_bars=2, comp="bossa", bass="bossa", drums="bossa", melody="lyrical",
    reverb=0.3, humanize_ms=8, valence=0.4, energy=0.35, chromatic=True,
))
add(Style(
    "samba", (96, 112), ("I vi ii V", "Imaj7 VI7 ii7 V7"), ("i iv V i",),
    {"melody": ("flute", "trumpet"), "harmony": ("nylon_guitar",), "pad": ("strings",),
     "bass": ("acoustic_bass",), "drums": ("drum_kit",)},
    doc="Samba: a two-feel with a surdo-like low drum on the second beat, tamborim and shaker sixteenths, "
        "cavaquinho-style chord chops (nylon guitar stands in).",
    family="latin", mode="major", comp="bossa", bass="bossa", drums="samba", melody="busy", valence=0.8,
    energy=0.8, hand=("shaker",),
))
add(Style(
    "salsa", (160, 210), ("I IV V7 IV", "ii7 V7 I I", "I V7 V7 I"), ("i iv V7 i", "ii°7 V7 i i", "i VI ii° V7"),
    {"melody": ("trumpet", "trombone", "flute"), "harmony": ("piano",), "counter": ("trombone", "brass"),
     "bass": ("acoustic_bass", "electric_bass"), "drums": ("drum_kit",)},
    doc="Salsa: son clave 2-3 on claves, a piano montuno (syncopated octaves and chord tones), a tumbao bass "
        "that anticipates the chord on the 'and' of 2 and on 4, congas and cowbell, trumpet and trombone mambos. "
        "Timbales come from the kit's timbale notes.",
    family="latin", mode="minor", comp="montuno", bass="tumbao", drums="salsa", melody="riff", reverb=0.3,
    humanize_ms=6, valence=0.6, energy=0.85, hand=("claves", "congas", "cowbell"), inversions=False,
    pocket=(("bass", -4.0),),
))
add(Style(
    "cumbia", (85, 105), ("I V7 V7 I", "I IV V7 I"), ("i iv V7 i", "i VII VI V"),
    {"melody": ("accordion", "clarinet"), "harmony": ("accordion", "nylon_guitar"), "bass": ("electric_bass",),
     "counter": ("flute",), "drums": ("drum_kit",)},
    doc="Cumbia: a two-feel with the bass on 1 and 3 (and a pickup), a scraped güira/guacharaca on every eighth "
        "(cabasa and maracas stand in), off-beat accordion chords, a lilting accordion melody.",
    family="latin", mode="minor", comp="cumbia", bass="cumbia", drums="cumbia", melody="flowing", reverb=0.3,
    valence=0.6, energy=0.6, hand=("guira", "congas"), inversions=False,
))
add(Style(
    "bachata", (120, 140), ("I IV V I", "I vi IV V"), ("i iv V i", "i VI iv V", "i VII VI V"),
    {"melody": ("nylon_guitar", "steel_guitar"), "harmony": ("steel_guitar", "nylon_guitar"),
     "bass": ("electric_bass",), "drums": ("drum_kit",)},
    doc="Bachata: the requinto guitar's arpeggios and runs, a second guitar's syncopated chords, a syncopated bass, "
        "bongo martillo and a güira (cabasa stands in) on every eighth.",
    family="latin", mode="minor", comp="requinto", bass="bachata", drums="bachata", melody="ornamented",
    reverb=0.3, valence=-0.1, energy=0.55, hand=("bongos", "guira"), inversions=False,
))
add(Style(
    "reggaeton", (88, 100), ("vi IV I V", "I V vi IV"), ("i VI III VII", "i iv VI V", "i VI VII i"),
    {"melody": ("synth_lead", "nylon_guitar"), "harmony": ("poly_pad", "nylon_guitar"), "pad": ("warm_pad",),
     "bass": ("sub_bass",), "drums": ("tr808",)},
    doc="Reggaeton: the dembow — kick on every beat, snare on the 'a' of 1 and the 'and' of 2 (and again in the "
        "second half) — a sub bass on the kick, minor four-chord loops, a synth or guitar hook.",
    family="latin", mode="minor", comp="dembow", bass="dembow", drums="dembow", kit="tr808", melody="hook",
    reverb=0.3, humanize_ms=0, electronic=True, valence=0.3, energy=0.75, production=frozenset({"drum_bus"}),
    inversions=False,
))
add(Style(
    "mariachi", (120, 190), ("I V7 V7 I", "I IV V7 I"), ("i V7 V7 i", "i iv V7 i"),
    {"melody": ("trumpet", "violin"), "harmony": ("nylon_guitar",), "counter": ("violin",),
     "bass": ("acoustic_bass",)},
    doc="Mariachi: two trumpets and violins in thirds, the vihuela's strums (nylon guitar stands in), the "
        "guitarrón's bass on the beat (General MIDI has no guitarrón: acoustic bass), a son in 3/4 or 6/8.",
    family="latin", metre=(3, 4), mode="major", comp="mariachi", bass="waltz", drums=None, melody="fanfare",
    reverb=0.35, valence=0.7, energy=0.7, inversions=False,
))
add(Style(
    "tango", (110, 126), ("I IV V7 I",), ("i iv V7 i", "i VI V7 i", "iv i V7 i"),
    {"melody": ("bandoneon", "violin"), "harmony": ("piano",), "pad": ("strings",), "bass": ("contrabass",),
     "counter": ("violin",)},
    doc="Tango: the marcato four (or 3-3-2) on piano and bass, a bandoneon melody with staccato and legato "
        "phrases, violin countermelodies; no drum kit.",
    family="latin", mode="minor", comp="tango", bass="tango", melody="flowing", reverb=0.3, valence=-0.2,
    energy=0.6, articulation="detached",
))
add(Style(
    "flamenco", (70, 95), ("I IV V I",), ANDALUSIAN,
    {"melody": ("nylon_guitar",), "harmony": ("nylon_guitar",), "bass": ("acoustic_bass",),
     "drums": ("drum_kit",)},
    modal=("iv III II I", "iv III II I iv III II I", "I II I II"),
    doc="Flamenco (bulería / soleá por bulerías): the 12-beat compás with accents on 3, 6, 8, 10 and 12, the "
        "Andalusian cadence in the Phrygian-dominant mode, rasgueado strums (four-to-five-stroke flourishes), "
        "palmas on the accents (General MIDI's hand clap) and a cajón-like low hit (kick and rim stand in).",
    family="world", metre=(12, 8), mode="phrygian_dominant", comp="rasgueado", bass="root", drums="compas",
    melody="ornamented", reverb=0.3, valence=-0.3, energy=0.7, hand=("claps",), inversions=False,
    production=frozenset({"dry"}),
))
add(Style(
    "rumba_flamenca", (100, 130), ANDALUSIAN + ("i iv VII III",), ANDALUSIAN + ("i iv VII III",),
    {"melody": ("nylon_guitar", "violin"), "harmony": ("nylon_guitar",), "bass": ("acoustic_bass",),
     "drums": ("drum_kit",)},
    doc="Rumba flamenca (gipsy rumba): strummed nylon guitars in the rumba pattern with muted slaps, palmas, a "
        "cajón groove (kick and rim stand in), Andalusian cadences.",
    family="world", mode="minor", comp="rasgueado", bass="root_fifth", drums="rumba", melody="ornamented",
    reverb=0.3, valence=0.3, energy=0.7, hand=("claps", "cajon"), inversions=False,
))
add(Style(
    "reggae", (68, 84), ("I IV I V", "I IV V IV", "I vi IV V"), ("i iv i VII", "i VII i VII", "i iv VII i"),
    {"melody": ("organ", "clean_guitar", "trumpet"), "harmony": ("muted_guitar", "clean_guitar"),
     "pad": ("organ",), "bass": ("electric_bass",), "drums": ("drum_kit",)},
    doc="Roots reggae: the one drop (kick and rim together on 3 only), the guitar skank on 2 and 4, the organ's "
        "bubble, a heavy melodic bass with space in it, laid back.",
    family="latin", swing=0.58, comp="skank", bass="reggae", drums="one_drop", melody="lyrical", reverb=0.35,
    humanize_ms=8, valence=0.4, energy=0.4, pocket=(("harmony", 10.0), ("snare", 8.0), ("bass", 4.0)),
    inversions=False,
))
add(Style(
    "ska", (150, 190), ("I vi IV V", "I IV V IV", "ii V I I"), ("i iv V i", "i VII VI V"),
    {"melody": ("trumpet", "alto_sax"), "harmony": ("clean_guitar", "organ"), "counter": ("trombone", "tenor_sax"),
     "bass": ("electric_bass",), "drums": ("drum_kit",)},
    doc="Ska: guitar and organ upstrokes on every off-beat, a walking bass, horn lines in unison, a fast shuffle "
        "backbeat.",
    family="latin", mode="major", comp="offbeat8", bass="walking", drums="ska", melody="riff", reverb=0.3,
    valence=0.7, energy=0.8, articulation="staccato",
))
add(Style(
    "dancehall", (90, 110), ("vi IV I V",), ("i VI VII i", "i iv i VII", "i i VI VII"),
    {"melody": ("synth_lead", "steel_drums"), "harmony": ("poly_pad",), "pad": ("warm_pad",), "bass": ("sub_bass",),
     "drums": ("electronic_kit",)},
    doc="Dancehall: a digital riddim — kick on 1, syncopated snare hits around 3 — a sub bass that leaves space, "
        "synth stabs and a short hook.",
    family="latin", mode="minor", comp="stab", bass="dembow", drums="dancehall", kit="electronic_kit",
    melody="hook", reverb=0.3, humanize_ms=0, electronic=True, valence=0.3, energy=0.75, inversions=False,
))
add(Style(
    "afrobeat", (100, 120), ("I7 IV7 I7 IV7",), ("i7 IV7 i7 IV7", "i7 i7 iv7 i7"),
    {"melody": ("tenor_sax", "trumpet"), "harmony": ("muted_guitar", "clean_guitar"), "counter": ("brass",),
     "pad": ("organ",), "bass": ("electric_bass",), "arp": ("clean_guitar",), "drums": ("drum_kit",)},
    doc="Afrobeat (Fela Kuti, Tony Allen): long one-chord vamps, interlocking muted and tenor guitars, a busy "
        "open-hat groove with the kick dancing around the beat, a clave-like bell and shekere (cabasa stands in), "
        "big horn riffs.",
    family="african", mode="minor", swing=0.53, swing_unit=0.25, chord_bars=2, comp="afro", bass="afrobeat",
    arp="pluck", drums="afrobeat", melody="riff", form="groove", reverb=0.25, humanize_ms=6, valence=0.4,
    energy=0.75, hand=("shekere", "claves"), inversions=False,
))
add(Style(
    "afrobeats", (100, 116), ("I V vi IV", "IV I V vi", "ii7 V7 Imaj7 Imaj7"), ("i VI III VII", "iv7 v7 i7 i7"),
    {"melody": ("synth_lead", "kalimba", "clean_guitar"), "harmony": ("clean_guitar", "rhodes"), "pad": ("warm_pad",),
     "bass": ("sub_bass",), "arp": ("kalimba",), "drums": ("electronic_kit",)},
    doc="Afrobeats / afropop (Burna Boy, Wizkid): a syncopated 3-3-2 kick, rim and shaker sixteenths, a "
        "log-drum-like sub, highlife-flavoured guitar plucks and a relaxed hook.",
    family="african", mode="major", swing=0.55, swing_unit=0.25, comp="afro", bass="syncopated", arp="pluck",
    drums="afrobeats", kit="electronic_kit", melody="hook", reverb=0.3, humanize_ms=4, valence=0.6, energy=0.65,
    hand=("shaker",), inversions=False,
))
add(Style(
    "amapiano", (108, 116), ("ii7 V7 Imaj7 vi7", "Imaj7 vi7 ii7 V7"), ("i7 iv7 VImaj7 v7", "i9 iv9 i9 VImaj7"),
    {"melody": ("rhodes", "flute"), "harmony": ("rhodes", "piano"), "pad": ("warm_pad",), "bass": ("log_drum",),
     "drums": ("electronic_kit",)},
    doc="Amapiano: the log drum bass — a pitched, gliding percussive bass in syncopated patterns (General MIDI's "
        "synth drum stands in) — shakers, a deep-house kick that drops out, jazzy Rhodes chords.",
    family="african", swing=0.56, swing_unit=0.25, comp="amapiano", bass="log_drum", drums="amapiano",
    kit="electronic_kit", melody="lyrical", form="groove", reverb=0.35, humanize_ms=0, electronic=True,
    valence=0.3, energy=0.6, hand=("shaker",), bends=frozenset({"808"}), inversions=False,
    production=frozenset({"sidechain"}),
))
add(Style(
    "highlife", (110, 140), ("I IV V I", "I V IV V", "I vi IV V"), ("i iv VII III",),
    {"melody": ("clean_guitar", "trumpet"), "harmony": ("clean_guitar",), "counter": ("alto_sax",),
     "bass": ("electric_bass",), "arp": ("clean_guitar",), "drums": ("drum_kit",)},
    doc="Highlife: bright interlocking palm-wine guitars picking arpeggios, a bell timeline (agogo and cowbell "
        "stand in for the gankogui), horn lines, a bouncy bass.",
    family="african", mode="major", comp="highlife", bass="highlife", arp="pluck", drums="highlife",
    melody="flowing", reverb=0.3, valence=0.8, energy=0.65, hand=("agogo",), inversions=False,
))
add(Style(
    "bollywood", (90, 130), ("I IV V I", "I bVII IV I", "vi IV V I"), ("i VII VI VII", "i iv VII i", "i VI VII i"),
    {"melody": ("sitar", "strings", "flute"), "harmony": ("strings", "harmonium"), "pad": ("slow_strings",),
     "counter": ("strings",), "bass": ("synth_bass", "electric_bass"), "drums": ("drum_kit",)},
    doc="Bollywood / filmi dance: the dhol's bhangra chaal and tabla-like patterns (General MIDI has neither: "
        "low and high congas, bongos and the kick stand in), a sitar melody sliding between notes (meend), "
        "sweeping strings answering it, a harmonium (reed organ) holding the chords.",
    family="world", mode="minor", comp="stab", bass="root_fifth", drums="bhangra", melody="ornamented", reverb=0.35,
    valence=0.6, energy=0.8, hand=("dhol", "tabla"), bends=frozenset({"sitar"}), inversions=False,
))
add(Style(
    "klezmer", (100, 150), ("I IV I V", "I vi ii V"), ("i iv i V", "i VII VI V", "i i iv V"),
    {"melody": ("clarinet", "violin"), "harmony": ("accordion", "piano"), "counter": ("violin", "trumpet"),
     "bass": ("tuba", "contrabass"), "drums": ("drum_kit",)},
    modal=("i iv i ii", "i vii iv i", "i iv ii i"),
    doc="Klezmer (freylekhs, bulgar): a clarinet crying and ornamenting in the freygish mode (Phrygian dominant), "
        "violin answering, accordion oom-pah chords, tuba bass on the beat.",
    family="world", metre=(2, 4), mode="phrygian_dominant", comp="oompah", bass="root_fifth", drums="klezmer",
    melody="ornamented", reverb=0.3, valence=0.2, energy=0.7, inversions=False,
))
