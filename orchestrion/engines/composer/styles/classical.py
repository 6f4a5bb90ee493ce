"""Classical and sacred styles: orchestra, chamber music, solo piano, dances, marches, hymns."""

from __future__ import annotations

from .base import CLASSICAL_MAJOR, CLASSICAL_MINOR, EPIC_MAJOR, EPIC_MINOR, Style, add

add(Style(
    "orchestral", (72, 108), EPIC_MAJOR, EPIC_MINOR,
    {"melody": ("strings", "violin"), "counter": ("french_horn", "cello"), "harmony": ("brass", "trombone"),
     "pad": ("slow_strings", "strings"), "bass": ("contrabass", "cello"), "arp": ("harp", "pizzicato"),
     "percussion": ("timpani",), "drums": ("orchestral_kit",), "doubling": ("flute", "oboe", "clarinet")},
    doc="Symphonic film score: strings carrying the theme, horns answering, brass chords in the climaxes, harp "
        "arpeggios, timpani rolls into arrivals, a ritardando into the last chord.",
    family="classical", comp="swell", bass="root", arp="up8", drums="orchestral", kit="orchestral_kit",
    melody="lyrical", reverb=0.6, ritardando=True, valence=0.2, energy=0.6, production=frozenset({"hall"}),
    articulation="legato", lift=True,
))
add(Style(
    "baroque", (88, 120), CLASSICAL_MAJOR, CLASSICAL_MINOR,
    {"melody": ("violin", "oboe"), "harmony": ("harpsichord",), "pad": ("strings",), "bass": ("cello", "bassoon"),
     "counter": ("viola", "flute")},
    doc="Baroque concerto grosso: a walking continuo bass, harpsichord figuration, violins in running sixteenths, "
        "terraced dynamics, a ritardando at the final cadence.",
    family="classical", comp="alberti", bass="continuo", melody="busy", reverb=0.4, humanize_ms=6, ritardando=True,
    valence=0.3, energy=0.6, production=frozenset({"hall"}), articulation="detached",
))
add(Style(
    "romantic_piano", (60, 84), CLASSICAL_MAJOR + ("I iii IV iv",), CLASSICAL_MINOR + ("i VI iv V",),
    {"melody": ("piano",), "harmony": ("piano",)},
    doc="Romantic solo piano (nocturne, prelude): a singing right hand over broken-chord left-hand figures, the "
        "sustain pedal caught at every chord, rubato and a ritardando at the end.",
    family="classical", comp="ballad", bass="none", melody="lyrical", reverb=0.45, humanize_ms=14, ritardando=True,
    valence=-0.1, energy=0.3, chromatic=True,
))
add(Style(
    "neoclassical", (60, 90), ("I V vi IV", "vi IV I V", "I iii vi IV"), ("i VI III VII", "i VI iv V", "i iv VI VII"),
    {"melody": ("piano",), "harmony": ("piano",), "pad": ("slow_strings",), "counter": ("cello",)},
    doc="Modern contemplative piano (Einaudi, Ólafur Arnalds, Max Richter): repeated broken-chord patterns, a "
        "sparse melody with space, strings entering softly; minimal, patient, no drums.",
    family="classical", comp="arpeggio", bass="none", melody="sparse", form="through", reverb=0.55, humanize_ms=12,
    ritardando=True, valence=-0.1, energy=0.25, articulation="legato", production=frozenset({"hall"}),
))
add(Style(
    "string_quartet", (72, 108), CLASSICAL_MAJOR, CLASSICAL_MINOR,
    {"melody": ("violin",), "counter": ("viola",), "harmony": ("violin",), "bass": ("cello",)},
    doc="String quartet: two violins, viola and cello, each a single line (never more than a double stop), the "
        "first violin leading, the cello as bass.",
    family="classical", comp="quartet", bass="root", melody="lyrical", reverb=0.4, humanize_ms=10, ritardando=True,
    valence=0.2, energy=0.4, production=frozenset({"hall"}), articulation="legato",
))
add(Style(
    "waltz", (150, 180), ("I I V7 V7 V7 V7 I I", "I IV V7 I", "I vi ii V7"), ("i i V7 V7 V7 V7 i i", "i iv V7 i"),
    {"melody": ("strings", "violin", "flute"), "harmony": ("strings",), "pad": ("slow_strings",),
     "bass": ("contrabass", "cello"), "counter": ("french_horn", "clarinet")},
    doc="Viennese waltz: bass on one, chords on two and three (the second beat slightly early), a lilting string "
        "melody in long phrases, a ritardando at the end.",
    family="classical", metre=(3, 4), comp="waltz", bass="waltz", melody="lyrical", reverb=0.5, humanize_ms=8,
    ritardando=True, valence=0.5, energy=0.5, production=frozenset({"hall"}), pocket=(("harmony", -8.0),),
    articulation="legato",
))
add(Style(
    "march", (108, 124), ("I IV V7 I", "I vi ii V7", "I I V7 I"), ("i iv V7 i",),
    {"melody": ("trumpet", "piccolo"), "harmony": ("brass",), "counter": ("french_horn", "clarinet"),
     "pad": ("brass",), "bass": ("tuba",), "drums": ("orchestral_kit",)},
    doc="Military march: 2/4, a snare cadence with rolls, bass drum on the beat, tuba oom-pah, brass fanfare "
        "melody with dotted rhythms.",
    family="classical", metre=(2, 4), mode="major", comp="oompah", bass="root_fifth", drums="march",
    kit="orchestral_kit", melody="fanfare", reverb=0.35, valence=0.6, energy=0.7, articulation="detached",
    inversions=False,
))
add(Style(
    "hymn", (60, 84), ("I IV I V", "I vi IV V I", "I IV V I", "I ii V I"), ("i iv V i", "i VI iv V"),
    {"melody": ("church_organ", "choir"), "harmony": ("church_organ", "choir"), "pad": ("choir",),
     "bass": ("church_organ",)},
    doc="Hymn and chorale: four-part harmony moving in quarters and halves on a church organ (with a choir), "
        "cadences at the end of every phrase, no drums; solemn and sacred.",
    family="classical", mode="major", comp="chorale", bass="chorale", melody="chant", reverb=0.7, humanize_ms=4,
    ritardando=True, valence=0.2, energy=0.3, production=frozenset({"hall"}), articulation="legato",
))
add(Style(
    "lullaby", (60, 76), ("I IV I V", "I vi IV V", "I IV V I"), ("i iv i V", "i VI iv V"),
    {"melody": ("music_box", "celesta", "flute"), "harmony": ("harp", "nylon_guitar"), "pad": ("warm_pad", "slow_strings"),
     "bass": ("cello",)},
    doc="Lullaby: a rocking 3/4, a music-box or celesta tune over harp arpeggios, very soft, slowing at the end.",
    family="classical", metre=(3, 4), mode="major", comp="arpeggio", bass="waltz", melody="lyrical", reverb=0.5,
    ritardando=True, valence=0.4, energy=0.15,
))
