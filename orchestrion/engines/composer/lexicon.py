"""The curated lexicon: words and phrases a prompt may use, and what each one asks of the music.

Every entry is a :class:`Sense`: style weights, instruments (the first is played when wanted; all are removed when
negated), a mood nudge, production hints, drums wanted or not, a tempo nudge or an absolute tempo, a metre, and
arrangement hints. Phrases are matched on text lower-cased with accents stripped, so "accordéon" finds
"accordeon"; a few common words of French, Spanish, German and Italian are here, and some emoji and CJK words.
Nothing in this module parses numbers: :mod:`.interpret` reads "128 BPM", keys, metres and durations itself.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["LEXICON", "NEGATORS", "SCOPE_BREAKERS", "SOFT_BREAKERS", "Sense"]


@dataclass(frozen=True)
class Sense:
    styles: tuple[tuple[str, float], ...] = ()
    instruments: tuple[str, ...] = ()
    valence: float | None = None  #: -1 sad .. 1 happy
    energy: float | None = None  #: 0 calm .. 1 intense
    production: tuple[str, ...] = ()
    drums: bool | None = None
    tempo: float | None = None  #: nudge of the position in the style's tempo range, -0.5 .. 0.5
    bpm: float | None = None  #: an absolute tempo (Italian tempo marks)
    metre: tuple[int, int] | None = None
    hints: tuple[str, ...] = ()  #: "solo", "small", "build", "flat", "swing", "straight", "bass_off" ...


LEXICON: dict[str, Sense] = {}


def _style(words: str, style: str, weight: float = 1.0, **kw: object) -> None:
    for word in words.split("|"):
        prior = LEXICON.get(word)
        styles = ((style, weight),) + (prior.styles if prior else ())
        LEXICON[word] = Sense(styles=styles, **kw)  # type: ignore[arg-type]


def _add(words: str, **kw: object) -> None:
    """Add meanings to words, keeping what earlier tables gave them (a word may name a style and a mood)."""
    for word in words.split("|"):
        prior = LEXICON.get(word)
        merged = {"styles": prior.styles, "instruments": prior.instruments, **kw} if prior else kw
        LEXICON[word] = Sense(**merged)  # type: ignore[arg-type]


# --- styles -------------------------------------------------------------------------------------------------------
_style("orchestral|orchestra|symphony|symphonic|film score|soundtrack|score|cinematic|movie|film|orchestre|"
       "orquesta|orchester|sinfonie|filmmusik|philharmonic|concerto|オーケストラ|管弦乐", "orchestral")
_style("epic|trailer|heroic|battle|war|epique|episch|epico|blockbuster|hybrid orchestral", "epic_trailer", 0.9,
       energy=0.9)
_style("ambient|soundscape|drone|atmospheric|ethereal|space|spa|meditation|meditative|new age|yoga|ambiance|"
       "ambiente|atmosphere", "ambient")
_style("lo fi|lofi|chillhop|study beats|beats to study|study", "lofi", production=("lofi",))
_style("hip hop|hiphop|rap|boom bap|golden age", "boom_bap")
_style("trap|808s|drill", "trap")
_style("house|deep house|garage|dance|club|danse|baile|tanz", "house")
_style("techno|warehouse|minimal techno|industrial|rave", "techno")
_style("drum and bass|drum n bass|drum & bass|dnb|d&b|jungle|liquid|breakbeat", "dnb")
_style("synthwave|retrowave|outrun|synthpop|80s|1980s|eighties|vaporwave|cyberpunk|night drive", "synthwave")
_style("edm|big room|festival|electro|dubstep|future bass|progressive house|trance|drop", "edm")
_style("pop|radio|catchy|chanson|cancion|schlager|k pop|j pop|ポップ|流行", "pop")
_style("indie|alternative|shoegaze|dream pop|bedroom pop", "indie")
_style("rock|stadium|anthem|grunge|punk|garage rock|hard rock|ロック|摇滚", "rock")
_style("metal|heavy metal|thrash|djent|metalcore|doom", "metal")
_style("funk|funky|groove|70s|1970s|seventies", "funk")
_style("disco|boogie|studio 54", "disco")
_style("jazz|bebop|swing jazz|big band|jazzy|smoky|cocktail|lounge|jazz club|ジャズ|爵士", "jazz")
_style("blues|12 bar|twelve bar|delta|bluesy", "blues")
_style("bossa nova|bossa|brazilian|brazil|ipanema", "bossa")
_style("samba|salsa|latin|carnival|carnaval|cumbia|rumba|mambo", "samba")
_style("reggae|dub|ska|rocksteady|jamaican|island", "reggae")
_style("folk|acoustic|campfire|singer songwriter|americana|folklore|folklorique", "folk")
_style("country|bluegrass|western|honky tonk|nashville|cowboy", "country")
_style("baroque|bach|vivaldi|handel|concerto grosso|fugue|harpsichord|barroco|barock", "baroque")
_style("classical|romantic|chopin|nocturne|debussy|satie|prelude|etude|sonata|klassik|clasica|classique",
       "romantic_piano")
_style("string quartet|chamber|quartet|quatuor|streichquartett", "string_quartet")
_style("waltz|valse|vals|walzer|viennese|vienna", "waltz", metre=(3, 4))
_style("musette|parisian|parisien|paris|cafe|bistro|french cafe|montmartre", "musette")
_style("chiptune|8 bit|8bit|16 bit|video game|videogame|retro game|nes|gameboy|arcade|pixel|chiptunes",
       "chiptune")
_style("celtic|irish|scottish|jig|reel|gaelic|highland", "celtic")
_style("tango|milonga|argentine|buenos aires", "tango")
_style("gospel|church|spiritual|hymn|choir music|praise", "gospel")
_style("march|marching|military|parade|marcha|marsch|fanfare", "march")
_style("polka|oktoberfest|bavarian|oompah", "polka")
_style("lullaby|berceuse|nursery|cradle|wiegenlied|cancion de cuna|sleep|bedtime|baby", "lullaby")
_style("ballad|ballade|balada|love song", "ballad")

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
_add("solo|unaccompanied|alone|seul|seule|a cappella", hints=("solo",))
_add("trio|duo|sparse|stripped|stripped down|bare", hints=("small",))
_add("build|builds|building|slow build|crescendo|rising|grows|growing|swell|evolving|climax", hints=("build",))
_add("swing|swung|swinging|shuffle|shuffled", hints=("swing",))
_add("straight|quantized|robotic|mechanical", hints=("straight",))
_add("loop|loopable|looping|seamless", hints=("loop",))
_add("triple meter|triple time|in three|three four", metre=(3, 4))
_add("compound meter|six eight", metre=(6, 8))

# --- drums --------------------------------------------------------------------------------------------------------
_add("drums|drum|drum kit|beat|beats|percussion|percussive|groove|rhythm section|batterie|bateria|tambores|"
     "schlagzeug|percusion|🥁|kick|snare|hi hat|hihat|hi hats|hats|breakbeats|breaks|four on the floor|"
     "backbeat|one drop|brushes|brushed|hand percussion|cajon|bongos|congas|shaker|tambourine|clap|claps",
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
_I = {
    "piano|grand piano|acoustic piano|klavier|pianoforte|pianos|🎹|ピアノ|钢琴|鋼琴": ("piano", "bright_piano",
                                                                                      "electric_grand", "honky_tonk"),
    "upright piano|honky tonk piano|saloon piano": ("honky_tonk", "piano"),
    "rhodes|electric piano|e piano|wurlitzer|wurli|fender rhodes": ("rhodes", "fm_piano"),
    "harpsichord|clavecin|cembalo|clavicembalo": ("harpsichord",),
    "clavinet|clav": ("clavinet",),
    "celesta|celeste": ("celesta",),
    "glockenspiel|glock": ("glockenspiel",),
    "music box|musicbox|boite a musique": ("music_box",),
    "vibraphone|vibes|vibraphon": ("vibraphone",),
    "marimba": ("marimba",),
    "xylophone": ("xylophone",),
    "bells|bell|chimes|tubular bells|church bells|cloches|glocken|campanas|🔔": ("tubular_bells", "celesta"),
    "organ|hammond|b3|orgue|orgel|organo": ("organ", "rock_organ", "percussive_organ"),
    "church organ|pipe organ|cathedral organ": ("church_organ",),
    "accordion|accordeon|akkordeon|acordeon|fisarmonica": ("accordion",),
    "harmonica|mouth organ|harp blues|harmonika": ("harmonica",),
    "bandoneon": ("bandoneon",),
    "guitar|guitars|guitare|guitarra|gitarre|chitarra|🎸|ギター|吉他": ("clean_guitar", "steel_guitar", "nylon_guitar",
                                                                     "jazz_guitar", "muted_guitar",
                                                                     "overdrive_guitar", "distortion_guitar"),
    "acoustic guitar|fingerpicked guitar|fingerpicked|fingerpicking|fingerstyle|strummed guitar": ("steel_guitar",),
    "nylon|nylon guitar|nylon string guitar|classical guitar|spanish guitar|flamenco guitar": ("nylon_guitar",),
    "electric guitar|clean guitar|telecaster|stratocaster": ("clean_guitar",),
    "jazz guitar|hollow body": ("jazz_guitar",),
    "wah guitar|wah|muted guitar|palm muted|skank|guitar skank|chank": ("muted_guitar",),
    "overdriven guitar|overdrive|crunchy guitar|crunch": ("overdrive_guitar",),
    "distorted guitar|distorted guitars|distorted electric guitars|distortion|power chords|shred|riffs|riff":
        ("distortion_guitar",),
    "pedal steel|steel guitar|lap steel|slide guitar|dobro": ("clean_guitar",),
    "banjo": ("banjo",),
    "sitar": ("sitar",),
    "koto": ("koto",),
    "kalimba|mbira|thumb piano": ("kalimba",),
    "bagpipe|bagpipes|pipes": ("bagpipe",),
    "bass|bass line|bassline|basse|bajo|bass guitar|electric bass|finger bass": ("electric_bass", "acoustic_bass",
                                                                                 "pick_bass", "fretless_bass",
                                                                                 "slap_bass", "synth_bass",
                                                                                 "sub_bass", "contrabass", "tuba"),
    "upright bass|double bass|acoustic bass|walking bass|contrebasse|kontrabass": ("acoustic_bass",),
    "slap bass|slap": ("slap_bass",),
    "fretless bass|fretless": ("fretless_bass",),
    "synth bass|analog bass|acid bassline|acid bass|acid|303|tb 303|reese": ("synth_bass",),
    "sub bass|sub|808|808s|booming 808s|deep sub bass": ("sub_bass",),
    "strings|string section|string orchestra|cordes|cuerdas|streicher|archi|🎻": ("strings", "slow_strings",
                                                                                "tremolo_strings", "violin", "viola",
                                                                                "cello", "contrabass", "pizzicato",
                                                                                "synth_strings", "fiddle"),
    "violin|violins|violon|violin solo|geige|violino": ("violin",),
    "viola|violas|alto": ("viola",),
    "cello|cellos|violoncello|violoncelle|violonchelo": ("cello",),
    "fiddle": ("fiddle",),
    "pizzicato|pizz|plucked strings": ("pizzicato",),
    "tremolo strings|tremolo": ("tremolo_strings",),
    "harp|harps|harpe|arpa|harfe": ("harp",),
    "timpani|timpanis|kettle drums|kettledrums|timbales": ("timpani",),
    "choir|choirs|vocals|vocal|voices|voice|singing|singer|chant|choeur|coro|chor|chorale|vocal chops":
        ("choir", "voice", "choir_pad"),
    "orchestra hit|orchestral hits": ("orchestra_hit",),
    "trumpet|trumpets|trompette|trompeta|tromba|trompete|🎺": ("trumpet", "muted_trumpet"),
    "muted trumpet|harmon mute": ("muted_trumpet",),
    "trombone|trombones|posaune": ("trombone",),
    "tuba|sousaphone": ("tuba",),
    "french horn|french horns|horn|horns|cor|corno|waldhorn|trompa": ("french_horn",),
    "brass|brass section|horn section|horn stabs|cuivres|metales|blechblaser|ottoni": ("brass", "trumpet",
                                                                                      "trombone", "french_horn",
                                                                                      "tuba", "synth_brass",
                                                                                      "muted_trumpet"),
    "synth brass|brass synth": ("synth_brass",),
    "saxophone|sax|saxophon|saxofon|🎷": ("alto_sax", "tenor_sax", "soprano_sax", "baritone_sax"),
    "alto sax|alto saxophone": ("alto_sax",),
    "tenor sax|tenor saxophone": ("tenor_sax",),
    "soprano sax": ("soprano_sax",),
    "baritone sax|bari sax": ("baritone_sax",),
    "oboe|hautbois|oboe d amore": ("oboe",),
    "english horn|cor anglais": ("english_horn",),
    "bassoon|basson|fagott": ("bassoon",),
    "clarinet|clarinette|klarinette|clarinete": ("clarinet",),
    "flute|flutes|flauta|flote|flauto|pan pipes": ("flute", "piccolo", "pan_flute", "recorder"),
    "piccolo": ("piccolo",),
    "recorder": ("recorder",),
    "pan flute|panflute|zampona": ("pan_flute",),
    "tin whistle|whistle|penny whistle": ("whistle",),
    "ocarina": ("ocarina",),
    "woodwinds|winds|woodwind": ("flute", "oboe", "clarinet", "bassoon", "english_horn", "piccolo"),
    "synth|synths|synthesizer|synthesiser|synthetiseur|sintetizador": ("poly_pad", "saw_lead", "synth_lead",
                                                                       "square_lead", "warm_pad", "synth_bass",
                                                                       "synth_strings", "synth_brass",
                                                                       "new_age_pad", "halo_pad", "sweep_pad",
                                                                       "bowed_pad", "choir_pad", "atmosphere"),
    "pad|pads|synth pad|synth pads|airy synth pads|warm pads|soft pads": ("warm_pad", "poly_pad", "halo_pad",
                                                                           "new_age_pad"),
    "lead synth|synth lead|saw lead|supersaw|lead": ("saw_lead", "synth_lead", "square_lead"),
    "square wave|square lead|square wave lead|square|pulse wave|chip": ("square_lead",),
    "arpeggio|arpeggios|arpeggiator|arps|arp": ("square_lead",),
    "steel drums|steelpan|steel pan": ("steel_drums",),
}
for _words, _ids in _I.items():
    for _word in _words.split("|"):
        _prior = LEXICON.get(_word)
        LEXICON[_word] = Sense(
            styles=_prior.styles if _prior else (),
            instruments=_ids,
            valence=_prior.valence if _prior else None,
            energy=_prior.energy if _prior else None,
            production=_prior.production if _prior else (),
            drums=_prior.drums if _prior else None,
        )

# Instruments that hint at a style (a little: an accordion alone does not make a polka).
_HINTS = {
    "harpsichord": (("baroque", 0.6),), "accordion": (("musette", 0.4),), "accordeon": (("musette", 0.4),),
    "bandoneon": (("tango", 0.8),), "banjo": (("country", 0.5),), "fiddle": (("country", 0.3), ("celtic", 0.3)),
    "bagpipes": (("celtic", 0.8),), "tin whistle": (("celtic", 0.6),), "pedal steel": (("country", 0.8),),
    "808": (("trap", 0.6),), "808s": (("trap", 0.6),), "rhodes": (("lofi", 0.2),), "square wave": (("chiptune", 0.6),),
    "walking bass": (("jazz", 0.5),), "upright bass": (("jazz", 0.3),), "slap bass": (("funk", 0.5),),
    "clavinet": (("funk", 0.6),), "timpani": (("orchestral", 0.4),), "french horns": (("orchestral", 0.4),),
    "french horn": (("orchestral", 0.4),), "string orchestra": (("orchestral", 0.6),), "music box": (("lullaby", 0.4),),
    "synth": (("synthwave", 0.2),), "distorted guitar": (("rock", 0.4),), "distorted electric guitars": (("rock", 0.4),),
    "power chords": (("rock", 0.5),), "skank": (("reggae", 0.6),),
    "guitar skank": (("reggae", 0.6),), "church organ": (("gospel", 0.4),), "acid": (("techno", 0.6),),
    "acid bassline": (("techno", 0.6),), "nylon string guitar": (("bossa", 0.3),), "steel drums": (("reggae", 0.3),),
    "sax": (("jazz", 0.3),), "saxophone": (("jazz", 0.3),), "harp": (("orchestral", 0.2),),
}
for _word, _styles in _HINTS.items():
    _s = LEXICON[_word]
    LEXICON[_word] = Sense(styles=_s.styles + _styles, instruments=_s.instruments, valence=_s.valence,
                           energy=_s.energy, production=_s.production, drums=_s.drums)
LEXICON["organ bubble"] = Sense(styles=(("reggae", 0.6),), instruments=("organ",))
LEXICON["hand percussion"] = Sense(drums=True, hints=("hand",))

#: Words that negate what follows them in their clause ("no drums", "sans batterie", "ohne Schlagzeug").
NEGATORS = frozenset({
    "no", "not", "without", "dont", "don't", "sans", "sin", "ohne", "kein", "keine", "keinen", "nicht", "non", "avoid",
    "minus", "zero", "never", "nor", "lacking", "excluding", "exclude", "except", "pas", "senza", "nessun",
})

#: Words that end a negation's reach ("no drums but a warm bass").
SCOPE_BREAKERS = frozenset({
    "but", "with", "just", "only", "featuring", "feat", "instead", "rather", "plus", "avec", "con", "mit", "mais",
    "pero", "aber", "so", "though", "yet", "while",
})

#: Words that end a negation's reach once it has taken an object ("no drums and a soft piano").
SOFT_BREAKERS = frozenset({"and", "a", "an", "the", "some", "lots", "y", "et", "und", "e", "with"})
