"""Jazz, blues, soul and funk: swing, shuffles, walking bass, seventh chords, horn sections."""

from __future__ import annotations

from .base import BLUES, BLUES_MINOR, JAZZ_MAJOR, JAZZ_MINOR, SOUL_MAJOR, SOUL_MINOR, Style, add

add(Style(
    "jazz", (100, 180), JAZZ_MAJOR, JAZZ_MINOR,
    {"melody": ("piano", "tenor_sax", "vibraphone"), "harmony": ("piano", "jazz_guitar"), "pad": ("organ",),
     "bass": ("acoustic_bass",), "drums": ("jazz_kit", "brush_kit")},
    doc="Small-group jazz: a walking bass in quarters, the ride's spang-a-lang with the hi-hat on 2 and 4, "
        "comping in syncopated jabs, a 32-bar AABA head.",
    family="jazz", swing=0.64, comp="jazz", bass="walking", drums="swing", kit="jazz_kit", melody="swing",
    form="aaba", reverb=0.3, humanize_ms=10, valence=0.2, energy=0.5, chromatic=True,
    pocket=(("ride", -4.0), ("bass", -2.0), ("harmony", 6.0), ("snare", 6.0)),
))
add(Style(
    "bebop", (180, 240), ("ii7 V7 Imaj7 VI7", "Imaj7 VI7 ii7 V7", "iii7 VI7 ii7 V7"), ("ii°7 V7 i7 i7", "i7 VI7 ii°7 V7"),
    {"melody": ("alto_sax", "trumpet", "piano"), "harmony": ("piano",), "bass": ("acoustic_bass",),
     "drums": ("jazz_kit",)},
    doc="Bebop: fast running eighth-note lines with chromatic approach notes and enclosures, rhythm changes and "
        "ii–V turnarounds two chords to the bar, a driving ride and dropped 'bombs' on the kick.",
    family="jazz", swing=0.6, comp="jazz", bass="walking", drums="bebop", kit="jazz_kit", melody="bebop",
    form="aaba", reverb=0.25, humanize_ms=8, valence=0.3, energy=0.8, chromatic=True,
    pocket=(("ride", -3.0), ("bass", -2.0)),
))
add(Style(
    "cool_jazz", (100, 140), JAZZ_MAJOR, JAZZ_MINOR,
    {"melody": ("muted_trumpet", "alto_sax", "flute"), "harmony": ("piano", "jazz_guitar"), "bass": ("acoustic_bass",),
     "counter": ("baritone_sax", "trombone"), "drums": ("brush_kit",)},
    doc="Cool jazz: relaxed tempo, brushes on the snare, a muted trumpet or alto sax melody with space, soft "
        "counterlines from baritone sax, light comping.",
    family="jazz", swing=0.62, comp="jazz", bass="walking", drums="brushes", kit="brush_kit", melody="lyrical",
    form="aaba", reverb=0.35, humanize_ms=12, valence=0.0, energy=0.35, chromatic=True,
    pocket=(("snare", 8.0), ("harmony", 8.0)),
))
add(Style(
    "big_band", (140, 200), ("Imaj7 vi7 ii7 V7", "I6 VI7 ii7 V7", "ii7 V7 Imaj7 VI7"), ("i6 iv7 ii°7 V7", "i7 VI7 ii°7 V7"),
    {"melody": ("trumpet", "alto_sax"), "harmony": ("brass", "piano"), "counter": ("trombone", "tenor_sax"),
     "doubling": ("alto_sax", "clarinet"), "pad": ("tenor_sax",), "bass": ("acoustic_bass",),
     "drums": ("jazz_kit",)},
    doc="Big band swing: sax and brass sections trading riffs, shout-chorus stabs, a four-to-the-bar walking "
        "bass and guitar, the drummer kicking the band's accents.",
    family="jazz", swing=0.64, comp="stab", bass="walking", drums="big_band", kit="jazz_kit", melody="swing",
    form="aaba", reverb=0.4, humanize_ms=8, valence=0.6, energy=0.75, chromatic=True, production=frozenset({"hall"}),
    pocket=(("ride", -3.0),),
))
add(Style(
    "blues", (64, 100), BLUES, BLUES_MINOR,
    {"melody": ("overdrive_guitar", "harmonica"), "harmony": ("rock_organ", "piano"), "pad": ("organ",),
     "bass": ("electric_bass",), "drums": ("drum_kit",)},
    doc="12-bar blues shuffle: triplet-swung shuffle on the hats and a shuffling boogie bass (root–third–fifth–"
        "sixth), dominant sevenths on I, IV and V, a quick change and a turnaround, a guitar that bends blue notes.",
    family="jazz", mode="major", swing=0.67, comp="shuffle", bass="shuffle", drums="shuffle", melody="swing",
    form="blues12", reverb=0.3, humanize_ms=10, valence=-0.2, energy=0.5, blue_notes=True,
    bends=frozenset({"guitar"}), pocket=(("snare", 6.0),), production=frozenset({"amp"}), inversions=False,
))
add(Style(
    "funk", (96, 116), ("I7 IV7 I7 IV7", "I7 I7 IV7 V7"), ("i7 IV7 i7 IV7", "i7 i7 iv7 i7", "i7 iv7 VII7 i7"),
    {"melody": ("brass", "alto_sax", "clavinet"), "harmony": ("clavinet", "muted_guitar"), "pad": ("organ",),
     "bass": ("slap_bass", "electric_bass"), "counter": ("muted_guitar",), "drums": ("drum_kit",)},
    doc="Funk: everything on the one, sixteenth-note ghosted snare, a syncopated slap bass, clipped clavinet and "
        "wah guitar chanks, horn stabs.",
    family="soul", mode="minor", swing=0.54, swing_unit=0.25, comp="funk", bass="funk", drums="funk", melody="riff",
    reverb=0.15, humanize_ms=5, valence=0.5, energy=0.75, production=frozenset({"dry", "drum_bus"}),
    articulation="staccato", pocket=(("snare", 2.0), ("hat", -2.0)), inversions=False,
))
add(Style(
    "disco", (112, 124), ("vi ii V I", "Imaj7 ii7 iii7 ii7", "IV V iii vi"), ("i7 iv7 VII7 IIImaj7", "i7 iv7 i7 iv7"),
    {"melody": ("strings", "brass"), "harmony": ("clean_guitar", "electric_grand"), "pad": ("strings",),
     "bass": ("electric_bass",), "counter": ("brass",), "drums": ("drum_kit",)},
    doc="Disco: four-on-the-floor with open hats on the off-beats, octave-jumping bass, string swells and "
        "sixteenth guitar chanks.",
    family="soul", comp="house", bass="octave", drums="disco", melody="flowing", reverb=0.35, humanize_ms=4,
    valence=0.7, energy=0.8, production=frozenset({"sidechain"}), inversions=False,
))
add(Style(
    "soul", (70, 100), SOUL_MAJOR, SOUL_MINOR,
    {"melody": ("tenor_sax", "organ", "electric_grand"), "harmony": ("electric_grand", "clean_guitar"),
     "pad": ("organ", "strings"), "bass": ("electric_bass",), "counter": ("brass",), "drums": ("drum_kit",)},
    doc="Soul and R&B: a deep pocket backbeat with ghost notes, gospel-tinged piano and organ, horn pads, a "
        "singing lead line, a melodic bass.",
    family="soul", mode="major", swing=0.55, swing_unit=0.25, comp="gospel", bass="motown", drums="soul",
    melody="lyrical", reverb=0.3, humanize_ms=10, valence=0.3, energy=0.5, blue_notes=True,
    pocket=(("snare", 8.0), ("harmony", 6.0)), production=frozenset({"warm"}),
))
add(Style(
    "neo_soul", (70, 95), ("Imaj9 iii7 vi9 IVmaj7", "ii9 V9 Imaj9 vi9", "IVmaj7 iii7 ii9 Imaj7"),
    ("i9 iv9 VImaj7 v7", "i9 IV9 i9 IV9"),
    {"melody": ("rhodes", "clean_guitar"), "harmony": ("rhodes",), "pad": ("warm_pad",), "bass": ("fretless_bass",),
     "drums": ("drum_kit",)},
    doc="Neo-soul: drums laid way behind the beat with a lazy, ghosty snare, lush ninth chords on Rhodes, a "
        "fretless bass sliding between notes.",
    family="soul", swing=0.58, swing_unit=0.25, comp="neo_soul", bass="syncopated", drums="neo_soul",
    melody="lyrical", reverb=0.3, humanize_ms=14, valence=0.2, energy=0.4, chromatic=True,
    pocket=(("snare", 18.0), ("kick", 8.0), ("harmony", 12.0), ("bass", 8.0)), bends=frozenset({"slide"}),
    production=frozenset({"warm"}),
))
add(Style(
    "motown", (110, 130), ("I vi IV V", "I IV V IV", "ii V I vi"), ("i iv V i", "i VI iv V"),
    {"melody": ("piano", "flute", "strings"), "harmony": ("piano", "clean_guitar"), "pad": ("strings",),
     "bass": ("electric_bass",), "counter": ("brass",), "drums": ("drum_kit",)},
    doc="Motown: the snare on every beat with the tambourine on 2 and 4, a melodic, busy bass, piano and guitar "
        "chops on the backbeat, strings and horns answering the tune.",
    family="soul", mode="major", comp="block", bass="motown", drums="motown", melody="hook", reverb=0.3,
    humanize_ms=6, valence=0.7, energy=0.7, hand=("tambourine",), lift=True,
))
add(Style(
    "gospel", (70, 100), ("I IV I V", "I iii IV V", "IV V iii vi ii V I I", "I I7 IV iv", "I I/3 IV IV/3 V"),
    ("i iv VII III",),
    {"melody": ("choir", "church_organ"), "harmony": ("piano",), "pad": ("church_organ", "organ"),
     "bass": ("electric_bass",), "drums": ("drum_kit",)},
    doc="Gospel: a choir over Hammond organ and piano with passing chords, a shuffling backbeat, hand claps on 2 "
        "and 4, call and response, a last-chorus lift.",
    family="soul", mode="major", swing=0.62, comp="gospel", bass="walking", drums="gospel", melody="call_response",
    reverb=0.45, valence=0.8, energy=0.6, hand=("claps",), lift=True, blue_notes=True,
))
