"""The curated lexicon: words and phrases a prompt may use, and what each one asks of the music.

Every entry is a :class:`Sense`: style votes (style, rank — see :mod:`.genres` for what the ranks mean),
instruments (the first is played when wanted; all are removed when negated), a mood nudge, production hints,
drums wanted or not, a tempo nudge or an absolute tempo, a metre, arrangement hints, and two flags: ``feature``
(the words that put an instrument in front: "featuring", "prominent", "solo", "led by") and ``calm`` (solemn,
sparse, contemplative, sacred ... — no drum kit unless one is asked for). Phrases are matched on text lower-cased
with accents stripped, so "accordéon" finds "accordeon". Genre phrases come from :mod:`.genres`; instrument names,
umbrella words ("guitar", "synth") and category words ("keyboards", "horns", "strings") from the instrument
catalogue (:mod:`.instruments`). Nothing in this module parses numbers: :mod:`.interpret` reads "128 BPM", keys,
metres and durations itself.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from . import instruments as catalogue
from .genres import GENRES

__all__ = ["FEATURE_WORDS", "LEXICON", "NEGATORS", "SCOPE_BREAKERS", "SOFT_BREAKERS", "Sense"]


@dataclass(frozen=True)
class Sense:
    styles: tuple[tuple[str, float], ...] = ()  #: (style, rank)
    instruments: tuple[str, ...] = ()
    valence: float | None = None  #: -1 sad .. 1 happy
    energy: float | None = None  #: 0 calm .. 1 intense
    production: tuple[str, ...] = ()
    drums: bool | None = None
    tempo: float | None = None  #: nudge of the position in the style's tempo range, -0.5 .. 0.5
    bpm: float | None = None  #: an absolute tempo (Italian tempo marks)
    metre: tuple[int, int] | None = None
    hints: tuple[str, ...] = ()  #: "solo", "small", "build", "flat", "swing", "straight", "loop", "fade" ...
    #: A category word ("keyboards", "horns"): negated, it removes every member listed here; asked for, it names
    #: one of :attr:`instruments`.
    removes: tuple[str, ...] = ()
    calm: bool = False  #: calm, solemn, sparse, sacred, contemplative: no drum kit unless asked


LEXICON: dict[str, Sense] = {}


def _add(words: str, **kw: object) -> None:
    """Add meanings to words, keeping what earlier tables gave them (a word may name a style and a mood)."""
    for word in words.split("|"):
        prior = LEXICON.get(word)
        if prior is None:
            LEXICON[word] = Sense(**kw)  # type: ignore[arg-type]
            continue
        merged = dict(kw)
        if "styles" in merged:
            merged["styles"] = prior.styles + tuple(merged["styles"])  # type: ignore[operator]
        if "instruments" in merged and prior.instruments:
            merged["instruments"] = prior.instruments + tuple(
                i for i in merged["instruments"] if i not in prior.instruments)  # type: ignore[union-attr]
        LEXICON[word] = replace(prior, **merged)  # type: ignore[arg-type]


# --- genres -------------------------------------------------------------------------------------------------------
for _phrase, _votes in GENRES.items():
    _add(_phrase, styles=_votes)

# --- moods --------------------------------------------------------------------------------------------------------
_add("sad|melancholic|melancholy|sorrowful|mournful|tragic|grief|heartbreak|lonely|tearful|triste|traurig|"
     "tristeza|depressing|悲しい|悲伤|😢|😭", valence=-0.8, energy=0.3)
_add("dark|sinister|ominous|menacing|evil|gloomy|haunting|eerie|horror|creepy|scary|sombre|somber|oscuro|dunkel",
     valence=-0.7, energy=0.55)
_add("nostalgic|nostalgique|nostalgia|wistful|bittersweet|longing|nostalgisch|nostalgico|retro", valence=-0.2,
     energy=0.35)
_add("happy|joyful|cheerful|uplifting|bright|sunny|feel good|playful|fun|gai|joyeux|joyeuse|alegre|frohlich|"
     "feliz|heureux|😊|😀|☀|🌞|快乐|楽しい", valence=0.8, energy=0.65)
_add("hopeful|triumphant|victorious|inspiring|inspirational|majestic|glorious|noble|awe|awe inspiring|soaring",
     valence=0.6, energy=0.75)
_add("romantic|tender|love|loving|sweet|warm|warmth|dolce|amoroso|romantique|romantico", valence=0.4, energy=0.35)
_add("calm|relaxing|relaxed|peaceful|serene|tranquil|gentle|soft|soothing|chill|chilled|mellow|quiet|dreamy|"
     "intimate|calme|doux|douce|tranquilo|ruhig|sanft|leger|legere|relajante|😌|🌙", valence=0.2, energy=0.2)
_add("energetic|intense|driving|powerful|aggressive|fierce|explosive|hard|heavy|relentless|pounding|massive|huge|"
     "big|loud|frenetic|wild|🔥|💥|forte|fuerte", energy=0.9)
_add("upbeat|lively|bouncy|danceable|groovy|vibrant|festive|party|fete|fiesta|fest|vivace|anime", valence=0.6,
     energy=0.75)
_add("tense|tension|suspense|suspenseful|thriller|urgent|anxious|nervous|building tension", valence=-0.4,
     energy=0.7, hints=("build",))
_add("mysterious|mystical|magical|enchanted|fantasy|whimsical|misterioso|mystique", valence=0.0, energy=0.4)
_add("elegant|graceful|classy|sophisticated|refined|elegante", valence=0.3, energy=0.45)
_add("hypnotic|repetitive|trance like|mesmerizing|minimal|minimalist", energy=0.6, hints=("flat",))
_add("angry|rage|furious|wutend|enojado|colere", valence=-0.8, energy=0.95)

# --- tempo words --------------------------------------------------------------------------------------------------
_add("slow|slowly|lento|lent|lente|langsam|laid back|laidback|leisurely|unhurried|downtempo|languid", tempo=-0.4)
_add("fast|quick|rapid|rapide|rapido|schnell|uptempo|up tempo|speedy|frantic|rolling|racing", tempo=0.4)
_add("largo|grave", bpm=50.0)
_add("adagio", bpm=68.0)
_add("andante", bpm=90.0)
_add("moderato", bpm=112.0)
_add("allegro|allegretto", bpm=132.0)
_add("presto|vivacissimo", bpm=176.0)

# --- arrangement and form words ------------------------------------------------------------------------------------
_add("unaccompanied|alone|seul|seule|a cappella", hints=("solo",), calm=True)
_add("fade out|fading out|fades out|fade away|fade to silence|fadeout", hints=("fade",))
_add("trio|stripped|stripped down|bare|minimal arrangement", hints=("small",))
_add("duet|duo|duetto|duo for|a deux", hints=("small", "duet"), calm=True)
_add("sparse|solemn|sacred|contemplative|prayerful|reflective|introspective|still|stillness|hushed|devotional|"
     "meditative|serene|tranquil|peaceful|calm|calming|soothing|relaxing", hints=("small",), calm=True)
_add("build|builds|building|slow build|crescendo|rising|grows|growing|swell|evolving|climax", hints=("build",))
_add("swing|swung|swinging|shuffle|shuffled", hints=("swing",))
_add("straight|quantized|robotic|mechanical", hints=("straight",))
_add("loop|loopable|looping|seamless", hints=("loop",))
_add("triple meter|triple time|in three|three four", metre=(3, 4))
_add("compound meter|six eight", metre=(6, 8))

# --- drums --------------------------------------------------------------------------------------------------------
_add("drums|drum|drum kit|beat|beats|percussion|percussive|groove|rhythm section|batterie|bateria|tambores|"
     "schlagzeug|percusion|🥁|kick|snare|hi hat|hihat|hi hats|hats|breakbeats|breaks|four on the floor|"
     "backbeat|one drop|brushes|brushed|hand percussion|drummer|drumming|rhythm",
     drums=True)
_add("beatless|drumless|no beat|percussionless|arrhythmic|free time|rubato", drums=False)

# --- production ---------------------------------------------------------------------------------------------------
_add("vinyl|crackle|dusty|dust|record|cassette|tape|hiss|warped|wow and flutter", production=("vinyl", "lofi"))
_add("lo fi production|lofi production|low fidelity|bitcrushed|bitcrush|degraded", production=("lofi",))
_add("hall|concert hall|big hall|cathedral|reverb|reverberant|spacious|cavernous|distant|wide|vast|epic hall|"
     "london studio|abbey road|scoring stage", production=("hall",))
_add("dry|studio|close mic|close miked|tight|punchy|in your face|upfront", production=("dry",))
_add("live|live recording|concert|in concert|jam|jam session|room", production=("live",))
_add("gated reverb|gated", production=("gated",))
_add("analog|analogue|vintage|warm analog", production=("warm",))

# --- instruments --------------------------------------------------------------------------------------------------
for _voice in catalogue.PERCUSSION.values():  # first: "agogo" and "woodblock" in a prompt mean the hand voices
    for _name in _voice.names:
        _add(_name, instruments=(_voice.id,), drums=True)
for _inst in catalogue.INSTRUMENTS.values():
    for _name in _inst.names:
        if _inst.is_drums:  # naming a kit asks for drums
            _add(_name, instruments=(_inst.id,), drums=True)
        else:
            _add(_name, instruments=(_inst.id,))
for _word, _ids in catalogue.GENERAL_WORDS.items():
    _add(_word, instruments=tuple(_ids))
for _word, _members in catalogue.CATEGORY_WORDS.items():
    _prior = LEXICON.get(_word)
    _add(_word, removes=tuple(sorted(_members)),
         instruments=_prior.instruments if _prior and _prior.instruments else tuple(sorted(_members)))
# Words in scripts and symbols the catalogue's ASCII names do not cover.
for _word, _ids in {
    "ピアノ": ("piano",), "钢琴": ("piano",), "鋼琴": ("piano",), "🎹": ("piano",), "ギター": ("clean_guitar", "nylon_guitar"),
    "吉他": ("clean_guitar", "nylon_guitar"), "🎸": ("clean_guitar", "distortion_guitar"), "🎻": ("violin",),
    "🎷": ("alto_sax", "tenor_sax"), "🎺": ("trumpet",), "🔔": ("tubular_bells",), "バイオリン": ("violin",),
    "小提琴": ("violin",), "太鼓": ("taiko",), "尺八": ("shakuhachi",), "琴": ("koto",),
}.items():
    _add(_word, instruments=_ids)
_add("🥁", drums=True)
_add("walking bass|walking bassline|walking bass line|upright bass line", instruments=("acoustic_bass",))
_add("brushes|brushed drums|brushed snare|brush drums", instruments=("brush_kit",), drums=True)
for _word in ("drums", "drum", "drum kit", "percussion", "percussions", "batterie", "bateria", "schlagzeug"):
    _add(_word, drums=True)

# A plural genre phrase names its instrument too ("singing bowls" is meditation, played on singing bowls).
for _word, _sense in list(LEXICON.items()):
    for _cut in (1, 2):
        _single = LEXICON.get(_word[:-_cut]) if _word.endswith("s" if _cut == 1 else "es") else None
        if not _sense.instruments and _single is not None and _single.instruments:
            _add(_word, instruments=_single.instruments)
            break

# Instruments that lean toward a style (an accordion alone does not make a polka).
_LEANS = {
    "harpsichord": ("baroque",), "accordion": ("musette",), "accordeon": ("musette",), "bandoneon": ("tango",),
    "banjo": ("bluegrass",), "fiddle": ("celtic",), "bagpipes": ("celtic",), "bagpipe": ("celtic",),
    "tin whistle": ("celtic",), "pedal steel": ("country",), "808": ("trap",), "808s": ("trap",),
    "rhodes": ("lofi",), "square wave": ("chiptune",), "walking bass": ("jazz",), "upright bass": ("jazz",),
    "slap bass": ("funk",), "clavinet": ("funk",), "timpani": ("orchestral",), "french horns": ("orchestral",),
    "french horn": ("orchestral",), "string orchestra": ("orchestral",), "music box": ("lullaby",),
    "distorted guitar": ("rock",), "distorted guitars": ("rock",), "power chords": ("rock",),
    "skank": ("reggae",), "guitar skank": ("reggae",), "organ bubble": ("reggae",), "church organ": ("hymn",),
    "pipe organ": ("hymn",), "acid": ("techno",), "acid bassline": ("techno",), "303": ("techno",),
    "nylon string guitar": ("bossa",), "steel drums": ("reggae",), "steel pan": ("reggae",), "sax": ("jazz",),
    "saxophone": ("jazz",), "sitar": ("bollywood",), "tabla": ("bollywood",), "dhol": ("bollywood",),
    "mandolin": ("bluegrass",), "ukulele": ("childrens",), "kalimba": ("afrobeats",),
    "castanets": ("flamenco",), "guiro": ("salsa",), "timbales": ("salsa",), "congas": ("salsa",),
    "harmonium": ("bollywood",), "theremin": ("horror",), "glockenspiel": ("childrens",), "taiko": ("epic_trailer",),
    "supersaw": ("trance",), "wobble bass": ("dubstep",), "reese": ("dnb",), "reese bass": ("dnb",),
}
for _word, _styles in _LEANS.items():
    if _word in LEXICON:
        _add(_word, styles=tuple((s, 0.5) for s in _styles))

#: Words that put the instruments after them (in their clause) in front: "featuring", "prominent", "led by".
FEATURE_WORDS = frozenset({
    "featuring", "feat", "featured", "features", "prominent", "prominently", "starring", "showcasing", "spotlight",
    "spotlighting", "highlighting", "led", "leading", "lead", "solo", "soloing", "front", "centre", "center",
    "foreground", "upfront", "avec", "mettant",
})

#: Words that negate what follows them in their clause ("no drums", "sans batterie", "ohne Schlagzeug").
NEGATORS = frozenset({
    "no", "not", "without", "dont", "don't", "sans", "sin", "ohne", "kein", "keine", "keinen", "nicht", "non", "avoid",
    "minus", "zero", "never", "nor", "lacking", "excluding", "exclude", "except", "pas", "senza", "nessun", "sem",
})

#: Words that end a negation's reach ("no drums but a warm bass").
SCOPE_BREAKERS = frozenset({
    "but", "with", "just", "only", "featuring", "feat", "instead", "rather", "plus", "avec", "con", "mit", "mais",
    "pero", "aber", "so", "though", "yet", "while",
})

#: Words that end a negation's reach once it has taken an object ("no drums and a soft piano").
SOFT_BREAKERS = frozenset({"and", "a", "an", "the", "some", "lots", "y", "et", "und", "e", "with"})
