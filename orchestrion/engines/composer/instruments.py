"""The instrument catalogue: every General MIDI sound the composer can write for, and the words that name them.

Four tables answer the questions the interpreter and the arranger ask:

* :data:`INSTRUMENTS` — what can play a part. All 128 GM melodic programs under clear ids; everyday instruments GM
  lacks (ukulele, erhu, oud, log drum...) under their own ids with the nearest GM program, the choice explained
  beside the entry; and the drum kits (GS kit numbers on bank 128). Each entry carries its written range (a real
  player's range for acoustic instruments), the roles it suits best first, its GM family, the negation categories
  it belongs to and the names a prompt may call it by. :func:`by_program` gives a program's canonical entry.
* :data:`PERCUSSION` — hand percussion played on the drum channel (congas, claves, palmas...) as GM drum keys.
* :data:`GENERAL_WORDS` — umbrella words ("guitar", "synth", "horns") with candidate ids best first; the
  interpreter takes the first the style already uses, else the first.
* :data:`CATEGORY_WORDS` — words a negation uses for a whole class ("no keyboards", "without horns") with every
  member id (instruments, kits and hand percussion). In a negation a category word outranks a general word.

Names are spelled the way a prompt is folded before matching: lower case, accents stripped, hyphens, underscores
and slashes turned to spaces, brackets and "+" dropped ("Acoustic Guitar (nylon)" → "acoustic guitar nylon",
"accordéon" → "accordeon"), at most four words (the longest phrase the interpreter matches). A specific name
belongs to one instrument; a word that could mean several is a general word, never a name. GM gives two names to
both a program and drum keys — "agogo" and "woodblock" — and in a prompt they mean the hand-percussion voice; the
programs also answer to "tuned agogo" and "temple blocks".

Every program, kit and drum key here was checked against FluidR3_GM, the default SoundFont: the kits it lacks
(the GS SFX kit, 56) are left out, and the drum keys used all sound in its standard kit.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "CATEGORY_WORDS",
    "GENERAL_WORDS",
    "GM_DRUM_KEYS",
    "INSTRUMENTS",
    "PERCUSSION",
    "Instrument",
    "Percussion",
    "by_program",
    "GM_NAMES",
    "find_instrument",
    "request_instrument_names",
    "instrument",
]

#: General MIDI's sixteen program families, eight programs each, in program order.
_GM_FAMILIES = (
    "piano", "chromatic_percussion", "organ", "guitar", "bass", "strings", "ensemble", "brass", "reed", "pipe",
    "synth_lead", "synth_pad", "synth_effects", "ethnic", "percussive", "sound_effects",
)


@dataclass(frozen=True, slots=True)
class Instrument:
    id: str
    program: int
    low: int  #: lowest MIDI pitch written
    high: int  #: highest MIDI pitch written
    family: str  #: coarse: "keys", "strings", "brass", "woodwind", "guitar", "bass", "synth", "drums", "fx" ...
    is_drums: bool = False
    sustained: bool = True  #: holds a note (bowed, blown, organ, pad) rather than decaying
    percussive: bool = False  #: a struck sound prominent enough to read as percussion (timpani, marimba)
    names: tuple[str, ...] = ()  #: folded phrases a prompt may use for it; a canonical entry's first is its GM name
    gm_family: str = ""  #: the GM family of the sound it plays ("drum_kit" for kits)
    categories: frozenset[str] = frozenset()  #: negation categories it belongs to (see CATEGORY_WORDS)
    roles: tuple[str, ...] = ()  #: the roles it suits, best first ("drums" for kits)
    bank: int = 0  #: SoundFont bank: 0 (GM), 8 for the GS variation sounds used, 128 for drum kits


@dataclass(frozen=True, slots=True)
class Percussion:
    """A hand-percussion voice on the drum channel: its GM drum keys, main stroke first, then the other strokes."""

    id: str
    keys: tuple[int, ...]
    names: tuple[str, ...] = ()
    gm_note_names: tuple[str, ...] = ()  #: the GM (GM2 for 27-34, 82-87) name of each key


def _m(id: str, program: int, low: int, high: int, family: str, categories: str, roles: str, names: str, *,
       bank: int = 0, sustained: bool = True, percussive: bool = False) -> Instrument:
    return Instrument(
        id, program, low, high, family, False, sustained, percussive, tuple(names.split("|")) if names else (),
        _GM_FAMILIES[program // 8], frozenset(categories.split()), tuple(roles.split()), bank,
    )


# Category sets shared by many entries. Synthesizer sounds count as keyboards because in a band the keys player
# plays them; synth basses and drums do not (they are bass and drums). See CATEGORY_WORDS for each rule.
_KEYS = "keyboards"
_SYNTH = "synths electronic keyboards"
_MALLETS = "percussion mallets"
_BOWED = "strings bowed orchestral"
_GUITAR = "guitars plucked"
_PLUCKED = "plucked"
_ORCH_WINDS = "woodwinds orchestral"
_WINDS = "woodwinds"
_BRASS = "brass horns orchestral"
_SAX = "horns woodwinds"
_PERC = "percussion"
_DRUMLIKE = "percussion drums"
_BASS = "bass plucked"
_SYNTH_BASS = "bass synths electronic"
_NONE = ""

# Role orders shared by many entries.
_PIANO_ROLES = "harmony melody arp counter"
_PAD_ROLES = "pad harmony"
_LEAD_ROLES = "melody arp counter"
_STRUM = "harmony arp melody"
_SOLO_WIND = "melody counter doubling"
_FX = "fx"

_CATALOGUE = (
    # --- piano (0-7) ------------------------------------------------------------------------------------------
    _m("piano", 0, 21, 108, "keys", _KEYS, _PIANO_ROLES,
       "acoustic grand piano|grand piano|acoustic piano|concert grand|concert piano|piano a queue|piano de cola",
       sustained=False),
    _m("bright_piano", 1, 21, 108, "keys", _KEYS, _PIANO_ROLES,
       "bright acoustic piano|bright piano|bright grand|pop piano", sustained=False),
    _m("electric_grand", 2, 28, 103, "keys", _KEYS, _PIANO_ROLES,
       "electric grand piano|electric grand|cp 70|cp 80|cp70", sustained=False),
    _m("honky_tonk", 3, 21, 108, "keys", _KEYS, _PIANO_ROLES,
       "honky tonk piano|honky tonk|saloon piano|upright piano|tack piano|barrelhouse piano|detuned piano|"
       "out of tune piano", sustained=False),
    _m("rhodes", 4, 28, 100, "keys", _KEYS, "harmony melody arp",
       "electric piano 1|rhodes|fender rhodes|rhodes piano|suitcase rhodes|tine piano", sustained=False),
    # A reed electric piano: GM's tine piano (4) is nearer its bark than the FM bell of program 5.
    _m("wurlitzer", 4, 33, 96, "keys", _KEYS, "harmony melody arp",
       "wurlitzer|wurli|wurly|wurlitzer piano|wurlitzer electric piano", sustained=False),
    _m("fm_piano", 5, 28, 103, "keys", _SYNTH, "harmony melody arp",
       "electric piano 2|fm piano|fm electric piano|dx7|dx7 piano|dx piano|dx7 electric piano", sustained=False),
    _m("harpsichord", 6, 29, 89, "keys", _KEYS, "harmony arp melody counter",
       "harpsichord|clavecin|cembalo|clavicembalo|cravo|virginal|spinet", sustained=False),
    _m("clavinet", 7, 29, 88, "keys", _KEYS, "harmony arp melody",
       "clavi|clavinet|clav|d6 clavinet|funk clavinet", sustained=False),
    # --- chromatic percussion (8-15) ---------------------------------------------------------------------------
    _m("celesta", 8, 60, 108, "mallets", "keyboards orchestral", "arp melody counter doubling",
       "celesta|celeste", sustained=False),
    _m("glockenspiel", 9, 72, 108, "mallets", "percussion mallets orchestral", "doubling melody arp",
       "glockenspiel|glock|orchestra bells|bell lyre|jeu de timbres|campanelli", sustained=False),
    _m("music_box", 10, 60, 96, "mallets", _NONE, "melody arp",
       "music box|musicbox|musical box|boite a musique|caja de musica|caixa de musica|spieluhr|orgoru",
       sustained=False),
    _m("vibraphone", 11, 53, 89, "mallets", _MALLETS, "harmony melody arp counter",
       "vibraphone|vibes|vibraharp|vibrafono|vibraphon|vibrafone", sustained=False),
    _m("marimba", 12, 45, 96, "mallets", _MALLETS, "arp melody harmony counter",
       "marimba|balafon|marimbaphone", sustained=False, percussive=True),
    _m("xylophone", 13, 65, 108, "mallets", "percussion mallets orchestral", "melody doubling arp",
       "xylophone|xilofono|xylophon|xilofone|mokkin", sustained=False, percussive=True),
    _m("tubular_bells", 14, 60, 77, "mallets", "percussion mallets orchestral", "doubling melody percussion",
       "tubular bells|orchestral chimes|tubular chimes|church bell|church bells|cloches tubulaires|"
       "rohrenglocken", sustained=False),
    _m("dulcimer", 15, 48, 88, "world", _NONE, "arp melody harmony",
       "dulcimer|hammered dulcimer|santur|santoor|cimbalom|tsymbaly|yangqin|hackbrett|salterio",
       sustained=False),
    # Amapiano's log drum (a synth voice modelled on a slit drum): marimba held the played pitch exactly down
    # to A1 with a woody half-second decay when measured; melodic tom, synth drum, taiko and the GS 808 tom
    # drift off pitch or have none.
    _m("log_drum", 12, 33, 57, "bass", "percussion bass", "bass percussion",
       "log drum|amapiano log drum|slit drum|log bass", sustained=False, percussive=True),
    # Singing bowls: the long metallic ring of tubular bells is the nearest GM sound.
    _m("singing_bowl", 14, 55, 79, "percussion", _PERC, "percussion pad",
       "singing bowl|tibetan singing bowl|tibetan bowl|crystal bowl|sound bowl|himalayan bowl", sustained=False),
    # --- organ (16-23) -----------------------------------------------------------------------------------------
    _m("organ", 16, 36, 96, "organ", _KEYS, "pad harmony melody",
       "drawbar organ|hammond|hammond organ|hammond b3|b3|b3 organ|tonewheel organ|jazz organ"),
    _m("percussive_organ", 17, 36, 96, "organ", _KEYS, "harmony pad melody",
       "percussive organ|combo organ|farfisa|vox continental"),
    _m("rock_organ", 18, 36, 96, "organ", _KEYS, "pad harmony melody",
       "rock organ|leslie organ|overdriven organ|distorted organ"),
    _m("church_organ", 19, 24, 96, "organ", _KEYS, "pad harmony melody",
       "church organ|pipe organ|cathedral organ|grand orgue|kirchenorgel|organo da chiesa|organo a canne|"
       "orgao de tubos"),
    _m("reed_organ", 20, 41, 89, "organ", _KEYS, "pad harmony melody",
       "reed organ|pump organ|parlor organ|parlour organ|american organ"),
    # The Indian hand-pumped harmonium is a reed organ; its own id keeps its shorter range and melodic role.
    _m("harmonium", 20, 48, 84, "organ", _KEYS, "melody pad harmony",
       "harmonium|indian harmonium|hand harmonium|harmonio"),
    _m("accordion", 21, 41, 89, "reed", _NONE, "melody harmony pad",
       "accordion|accordeon|akkordeon|acordeon|fisarmonica|acordeao|sanfona|piano accordion|button accordion|"
       "diatonic accordion|melodeon|akodion"),
    _m("harmonica", 22, 60, 96, "reed", _NONE, "melody counter pad",
       "harmonica|mouth organ|blues harp|harmonika|mundharmonika|armonica a bocca"),
    # A blown keyboard reed: the harmonica's free reed is the nearest GM sound.
    _m("melodica", 22, 53, 89, "reed", _NONE, "melody counter", "melodica|pianica|melodion"),
    _m("bandoneon", 23, 41, 89, "reed", _NONE, "melody harmony pad", "tango accordion|bandoneon|bandonion"),
    # The bandoneon grew out of the German concertina; program 23 is the nearer reed voice.
    _m("concertina", 23, 55, 91, "reed", _NONE, "melody harmony",
       "concertina|anglo concertina|english concertina|konzertina"),
    # --- guitar (24-31) ----------------------------------------------------------------------------------------
    _m("nylon_guitar", 24, 40, 83, "guitar", _GUITAR, "harmony arp melody counter",
       "acoustic guitar nylon|nylon guitar|nylon string guitar|nylon|classical guitar|spanish guitar|"
       "flamenco guitar|guitare classique|guitarra clasica|guitarra espanola|guitarra flamenca|konzertgitarre|"
       "chitarra classica|violao|gut string guitar", sustained=False),
    # Small nylon-strung instruments get the nylon guitar in their own register.
    _m("ukulele", 24, 60, 84, "guitar", _PLUCKED, _STRUM, "ukulele|uke|ukelele", sustained=False),
    _m("charango", 24, 64, 88, "guitar", _PLUCKED, _STRUM, "charango", sustained=False),
    _m("cuatro", 24, 57, 81, "guitar", _PLUCKED, "harmony melody",
       "venezuelan cuatro|cuatro venezolano|cuatro llanero", sustained=False),
    _m("vihuela", 24, 57, 81, "guitar", _GUITAR, "harmony arp", "vihuela|mariachi vihuela|vihuela mexicana",
       sustained=False),
    _m("lute", 24, 43, 81, "guitar", _PLUCKED, "arp harmony melody",
       "lute|renaissance lute|baroque lute|laud|luth|laute|liuto|theorbo|archlute", sustained=False),
    _m("steel_guitar", 25, 40, 86, "guitar", _GUITAR, "harmony arp melody",
       "acoustic guitar steel|steel string guitar|steel string acoustic|steel string|folk guitar|"
       "western guitar|westerngitarre|dreadnought|guitare folk|chitarra folk|fingerpicked guitar",
       sustained=False),
    # FluidR3's GS 12-string (bank 8) layers the steel guitar in octaves; other fonts fall back to program 25.
    _m("twelve_string_guitar", 25, 40, 86, "guitar", _GUITAR, "harmony arp",
       "12 string guitar|twelve string guitar|12 string|twelve string|12 string acoustic", bank=8,
       sustained=False),
    # Metal-strung lutes: the steel guitar is the brightest metal string GM has; the tremolo is played, not
    # sampled. FluidR3's GS "Mandolin" (bank 16) is only a darker steel guitar, so bank 0 serves better.
    _m("mandolin", 25, 55, 88, "guitar", _PLUCKED, "melody harmony counter arp",
       "mandolin|mandoline|mandolina|mandolino|bandolim", sustained=False),
    _m("bouzouki", 25, 48, 86, "guitar", _PLUCKED, "melody arp harmony",
       "bouzouki|buzuki|irish bouzouki|greek bouzouki|saz|baglama", sustained=False),
    _m("balalaika", 25, 64, 93, "guitar", _PLUCKED, "melody harmony", "balalaika|domra", sustained=False),
    _m("cavaquinho", 25, 62, 88, "guitar", _PLUCKED, _STRUM, "cavaquinho|cavaco", sustained=False),
    _m("tres", 25, 55, 84, "guitar", _GUITAR, "arp melody harmony", "tres cubano|cuban tres|tres guitar",
       sustained=False),
    # Bachata's requinto is a bright, steel-strung lead guitar played with a pick.
    _m("requinto", 25, 45, 86, "guitar", _GUITAR, "melody arp counter",
       "requinto|requinto guitar|bachata requinto", sustained=False),
    # A resonator guitar played with a bar: the steel guitar's tone, with slides from the performance layer.
    _m("dobro", 25, 43, 79, "guitar", _GUITAR, "melody counter harmony",
       "dobro|resonator guitar|resophonic guitar|resonator", sustained=False),
    _m("jazz_guitar", 26, 40, 86, "guitar", _GUITAR, "harmony melody counter",
       "electric guitar jazz|jazz guitar|hollow body guitar|hollowbody guitar|hollow body|archtop guitar|"
       "archtop|semi hollow guitar", sustained=False),
    # Pedal and lap steel: the warm, long-sustaining electric guitar of program 26; their swells and slides are
    # idiomatic and come from the performance layer's "pedal_steel" bends. FluidR3's GS "Hawaiian Guitar"
    # (bank 8) is only a darker copy of the same samples.
    _m("pedal_steel", 26, 47, 88, "guitar", _GUITAR, "counter melody pad",
       "pedal steel|pedal steel guitar|steel guitar|country steel guitar", sustained=False),
    _m("lap_steel", 26, 48, 88, "guitar", _GUITAR, "melody counter",
       "lap steel|lap steel guitar|hawaiian guitar|hawaiian steel guitar|bottleneck guitar", sustained=False),
    _m("clean_guitar", 27, 40, 86, "guitar", _GUITAR, "harmony arp melody counter",
       "electric guitar clean|clean guitar|clean electric guitar|telecaster|stratocaster|strat|jangly guitar|"
       "jangle guitar|twangy guitar|surf guitar", sustained=False),
    _m("muted_guitar", 28, 40, 76, "guitar", _GUITAR, "harmony arp counter",
       "electric guitar muted|muted guitar|palm muted guitar|palm muted|palm mute|funk guitar|chank|"
       "chicken scratch|wah guitar|wah|skank|guitar skank|skank guitar", sustained=False),
    _m("overdrive_guitar", 29, 40, 86, "guitar", _GUITAR, "harmony melody counter",
       "overdriven guitar|overdrive guitar|overdrive|crunchy guitar|crunch guitar|crunch|driven guitar"),
    _m("distortion_guitar", 30, 40, 86, "guitar", _GUITAR, "harmony melody",
       "distortion guitar|distorted guitar|distorted electric guitar|distortion|fuzz guitar|fuzz|power chords|"
       "shred guitar|metal guitar|heavy guitar|chugging guitar|guitare saturee|guitarra distorsionada|"
       "verzerrte gitarre"),
    _m("guitar_harmonics", 31, 52, 88, "guitar", _GUITAR, "arp melody",
       "guitar harmonics|harmonics|guitar harmonic", sustained=False),
    # --- bass (32-39) ------------------------------------------------------------------------------------------
    _m("acoustic_bass", 32, 28, 55, "bass", _BASS, "bass",
       "acoustic bass|upright bass|standup bass|stand up bass|bass fiddle|bull fiddle|doghouse bass",
       sustained=False),
    # The mariachi guitarrón has no GM sound; the acoustic bass plays its register.
    _m("guitarron", 32, 33, 60, "bass", _BASS, "bass", "guitarron|guitarron mexicano|mariachi bass",
       sustained=False),
    _m("electric_bass", 33, 28, 60, "bass", _BASS, "bass",
       "electric bass finger|finger bass|fingered bass|fingerstyle bass|precision bass|p bass|fender bass",
       sustained=False),
    _m("pick_bass", 34, 28, 60, "bass", _BASS, "bass",
       "electric bass pick|pick bass|picked bass|plectrum bass", sustained=False),
    _m("fretless_bass", 35, 28, 60, "bass", _BASS, "bass",
       "fretless bass|fretless|fretless electric bass", sustained=False),
    _m("slap_bass", 36, 28, 60, "bass", _BASS, "bass",
       "slap bass 1|slap bass|slap|slapped bass|slap and pop|popping bass", sustained=False),
    _m("slap_bass_2", 37, 28, 60, "bass", _BASS, "bass", "slap bass 2", sustained=False),
    _m("synth_bass", 38, 24, 55, "bass", _SYNTH_BASS, "bass",
       "synth bass 1|analog bass|analogue bass|moog bass|minimoog bass"),
    # The TB-303: GM's first synth bass is the resonant analogue bass it stands for.
    _m("acid_bass", 38, 28, 60, "bass", _SYNTH_BASS, "bass arp",
       "acid bass|acid bassline|acid bass line|acid line|acid|303|tb 303|303 bass|squelchy bass"),
    _m("sub_bass", 39, 24, 50, "bass", _SYNTH_BASS, "bass",
       "synth bass 2|sub bass|sub|808|808 bass|808 bassline|808 bass line"),
    # --- strings (40-47) ---------------------------------------------------------------------------------------
    _m("violin", 40, 55, 100, "strings", _BOWED, "melody counter doubling harmony",
       "violin|violon|geige|violine|violino|solo violin|violin solo|baiorin"),
    _m("viola", 41, 48, 88, "strings", _BOWED, "counter harmony pad melody", "viola|bratsche|solo viola"),
    _m("cello", 42, 36, 81, "strings", _BOWED, "counter melody bass harmony",
       "cello|violoncello|violoncelle|violonchelo|chelo|violoncelo|chero|solo cello"),
    _m("contrabass", 43, 28, 60, "strings", "strings bowed orchestral bass", "bass",
       "contrabass|orchestral bass|arco bass|bowed bass|bowed double bass"),
    _m("tremolo_strings", 44, 36, 96, "strings", _BOWED, "pad harmony",
       "tremolo strings|tremolo|string tremolo|tremolando strings|trem strings"),
    _m("pizzicato", 45, 36, 91, "strings", "strings plucked orchestral", "arp harmony counter",
       "pizzicato strings|pizzicato|pizz|plucked strings|pizz strings|pizzicati", sustained=False),
    _m("harp", 46, 24, 103, "strings", "plucked orchestral", "arp harmony melody",
       "orchestral harp|harp|harpe|arpa|harfe|harpa|concert harp|pedal harp|celtic harp|irish harp|clarsach|"
       "lyre|hapu", sustained=False),
    _m("timpani", 47, 40, 57, "percussion", "percussion orchestral", "percussion",
       "timpani|kettle drums|kettledrums|kettle drum|kettledrum|pauken|pauke|tympani|timps",
       sustained=False, percussive=True),
    # --- ensemble (48-55) --------------------------------------------------------------------------------------
    _m("strings", 48, 36, 96, "strings", _BOWED, "pad harmony melody counter",
       "string ensemble 1|string ensemble|orchestral strings|full strings|symphonic strings"),
    _m("slow_strings", 49, 36, 96, "strings", _BOWED, _PAD_ROLES,
       "string ensemble 2|slow strings|legato strings|lush strings|sustained strings|string swells|"
       "string swell|warm strings"),
    # The Mellotron replayed tapes of real strings, flutes and choirs; its signature string sound is nearest
    # the slow string ensemble.
    _m("mellotron", 49, 43, 77, "keys", _KEYS, "pad harmony melody",
       "mellotron|mellotron strings|chamberlin"),
    _m("synth_strings", 50, 36, 96, "synth", "strings synths electronic keyboards", _PAD_ROLES,
       "synth strings 1|synthstrings 1|synth strings|string synth|string machine|solina|synthetic strings|"
       "string synthesizer"),
    _m("synth_strings_2", 51, 36, 96, "synth", "strings synths electronic keyboards", _PAD_ROLES,
       "synth strings 2|synthstrings 2"),
    _m("choir", 52, 40, 81, "voice", "voices", "pad harmony melody",
       "choir aahs|aahs|aah|choir aah|mixed choir|chamber choir|church choir|gospel choir|sacred choir|"
       "choral voices|gregorian chant|monks chanting|chanting monks"),
    _m("voice", 53, 48, 79, "voice", "voices", "pad melody counter",
       "voice oohs|oohs|ooh|ooh vocals|humming|hummed vocals|vocalise|wordless vocals|wordless voice"),
    _m("synth_voice", 54, 48, 84, "synth", "voices synths electronic keyboards", "pad melody",
       "synth voice|synth choir|vocoder|vocoder voice|digital choir"),
    _m("orchestra_hit", 55, 48, 72, "brass", "orchestral", "harmony percussion",
       "orchestra hit|orchestral hit|orch hit|orchestra stab|orchestral stab", sustained=False,
       percussive=True),
    # --- brass (56-63) -----------------------------------------------------------------------------------------
    _m("trumpet", 56, 54, 84, "brass", _BRASS, "melody counter harmony doubling",
       "trumpet|trompette|trompeta|tromba|trompete|toranpetto|cornet|piccolo trumpet|bugle|mariachi trumpet|"
       "jazz trumpet"),
    # The flugelhorn has no GM sound of its own; the open trumpet in a lower register.
    _m("flugelhorn", 56, 52, 82, "brass", "brass horns", "melody counter",
       "flugelhorn|flugel horn|fluegelhorn|flugel"),
    _m("trombone", 57, 40, 72, "brass", _BRASS, "counter harmony bass melody",
       "trombone|posaune|trombon|sackbut|bass trombone|tenor trombone|toronbon"),
    # The didgeridoo is a lip-buzzed drone: a held trombone in its pedal register is the nearest GM sound.
    _m("didgeridoo", 57, 36, 52, "world", _NONE, "bass pad", "didgeridoo|didjeridu|yidaki|didge"),
    _m("tuba", 58, 28, 55, "brass", _BRASS, "bass counter", "tuba|sousaphone|helicon|bass tuba"),
    _m("euphonium", 58, 34, 70, "brass", "brass horns", "counter melody bass",
       "euphonium|baritone horn|tenor tuba|bombardino"),
    _m("muted_trumpet", 59, 54, 82, "brass", "brass horns", "melody counter",
       "muted trumpet|harmon mute|harmon muted trumpet|mute trumpet|trumpet mute|wah wah trumpet|"
       "cup mute trumpet"),
    _m("french_horn", 60, 41, 77, "brass", _BRASS, "counter melody harmony pad",
       "french horn|cor|corno|trompa|waldhorn|horn in f|corno francese"),
    _m("brass", 61, 40, 82, "brass", _BRASS, "harmony counter melody",
       "brass section|brass ensemble|brass band|brass stabs|brass hits|brass choir"),
    _m("synth_brass", 62, 36, 84, "synth", "brass horns synths electronic keyboards", "harmony melody pad",
       "synth brass 1|synthbrass 1|synth brass|brass synth|synth horns|synth horn|jump brass"),
    _m("synth_brass_2", 63, 36, 84, "synth", "brass horns synths electronic keyboards", "harmony melody pad",
       "synth brass 2|synthbrass 2"),
    # --- reed (64-71) ------------------------------------------------------------------------------------------
    _m("soprano_sax", 64, 56, 88, "woodwind", _SAX, "melody counter",
       "soprano sax|soprano saxophone|sax soprano|saxo soprano|sopransaxophon"),
    _m("alto_sax", 65, 49, 81, "woodwind", _SAX, "melody counter harmony",
       "alto sax|alto saxophone|sax alto|saxo alto|altsaxophon|sassofono contralto"),
    _m("tenor_sax", 66, 44, 76, "woodwind", _SAX, "melody counter harmony",
       "tenor sax|tenor saxophone|sax tenor|saxo tenor|tenorsaxophon|sassofono tenore"),
    _m("baritone_sax", 67, 37, 69, "woodwind", _SAX, "counter harmony bass",
       "baritone sax|bari sax|baritone saxophone|sax baritono|saxo baryton|baritonsaxophon"),
    _m("oboe", 68, 58, 91, "woodwind", _ORCH_WINDS, _SOLO_WIND, "oboe|hautbois"),
    _m("english_horn", 69, 52, 84, "woodwind", _ORCH_WINDS, "melody counter",
       "english horn|cor anglais|corno inglese|englischhorn|corno ingles"),
    # The duduk's huge double reed gives a dark, mellow tone: the English horn is the nearest GM double reed.
    _m("duduk", 69, 57, 77, "woodwind", _WINDS, "melody counter pad", "duduk|doudouk|balaban|armenian duduk"),
    _m("bassoon", 70, 34, 75, "woodwind", _ORCH_WINDS, "counter bass harmony",
       "bassoon|basson|fagott|fagot|fagotto|fagote"),
    _m("contrabassoon", 70, 22, 53, "woodwind", _ORCH_WINDS, "bass counter",
       "contrabassoon|double bassoon|contrafagotto|kontrafagott|contrebasson|contrafagot"),
    _m("clarinet", 71, 50, 94, "woodwind", _ORCH_WINDS, "melody counter doubling harmony",
       "clarinet|clarinette|clarinete|klarinette|clarinetto|kurarinetto"),
    _m("bass_clarinet", 71, 34, 74, "woodwind", _ORCH_WINDS, "bass counter",
       "bass clarinet|bassklarinette|clarinette basse|clarinetto basso|clarinete bajo"),
    # --- pipe (72-79) ------------------------------------------------------------------------------------------
    _m("piccolo", 72, 74, 108, "woodwind", _ORCH_WINDS, "doubling melody",
       "piccolo|piccolo flute|ottavino|petite flute|flautin"),
    _m("flute", 73, 60, 98, "woodwind", _ORCH_WINDS, _SOLO_WIND,
       "flute|flauta|flauto|flote|querflote|concert flute|transverse flute|traverso|flute traversiere|furuto"),
    # Side-blown bamboo flutes: the concert flute's airy tone in their own registers.
    _m("bansuri", 73, 59, 88, "woodwind", _WINDS, "melody counter", "bansuri|indian flute|bansuri flute"),
    _m("dizi", 73, 64, 96, "woodwind", _WINDS, "melody counter", "dizi|chinese flute|dizi flute"),
    _m("recorder", 74, 60, 93, "woodwind", _WINDS, "melody counter",
       "recorder|blockflote|flute a bec|flauta dulce|flauto dolce|flauta doce|soprano recorder|alto recorder"),
    # The Irish tin whistle is a fipple flute like the recorder (GM's "whistle", 78, is a person whistling).
    _m("tin_whistle", 74, 74, 98, "woodwind", _WINDS, "melody doubling",
       "tin whistle|penny whistle|irish whistle|low whistle|feadog"),
    _m("pan_flute", 75, 60, 93, "woodwind", _WINDS, "melody counter pad",
       "pan flute|panflute|pan pipes|panpipes|pan pipe|zampona|siku|flute de pan|flauta de pan|panflote|syrinx"),
    _m("blown_bottle", 76, 60, 84, "woodwind", _WINDS, "pad melody", "blown bottle|bottle blowing|jug"),
    _m("shakuhachi", 77, 62, 93, "woodwind", _WINDS, "melody counter",
       "shakuhachi|japanese flute|zen flute"),
    # The end-blown ney is breathy like the shakuhachi.
    _m("ney", 77, 55, 84, "woodwind", _WINDS, "melody counter",
       "ney|ney flute|arabic flute|persian ney|turkish ney"),
    _m("whistle", 78, 72, 96, "woodwind", _NONE, "melody",
       "whistle|whistling|human whistle|whistled melody|whistler|whistled"),
    _m("ocarina", 79, 60, 88, "woodwind", _WINDS, "melody counter", "ocarina|okarina"),
    # --- synth lead (80-87) ------------------------------------------------------------------------------------
    _m("square_lead", 80, 48, 96, "synth", _SYNTH, _LEAD_ROLES,
       "lead 1 square|square lead|square wave|square wave lead|square|pulse wave|pulse lead|chip lead|"
       "chiptune lead|8 bit lead|chip"),
    # A pure sine (FluidR3's GS "Sine Wave", bank 8; other fonts fall back to the square lead).
    _m("sine_lead", 80, 48, 96, "synth", _SYNTH, "melody counter pad",
       "sine wave|sine lead|sine|pure tone|sine wave lead", bank=8),
    # The theremin is a near-sine oscillator played with continuous glides: the GS sine wave, with portamento
    # and vibrato from the performance layer. The ondes Martenot sounds alike.
    _m("theremin", 80, 48, 96, "synth", "electronic", "melody",
       "theremin|thereminvox|ondes martenot", bank=8),
    _m("saw_lead", 81, 48, 96, "synth", _SYNTH, "melody arp counter harmony",
       "lead 2 sawtooth|saw lead|sawtooth|sawtooth lead|saw wave|sawtooth wave|saw synth"),
    # Trance's supersaw is a stack of detuned saws: FluidR3's sawtooth lead is itself a fat detuned pair.
    _m("supersaw", 81, 36, 96, "synth", _SYNTH, "harmony pad melody",
       "supersaw|super saw|trance lead|supersaw chords|trance synth"),
    # The Reese bass is detuned saws an octave or two down: the same sawtooth lead in the bass register.
    _m("reese_bass", 81, 24, 55, "bass", _SYNTH_BASS, "bass", "reese bass|reese|reese bassline"),
    _m("calliope_lead", 82, 48, 96, "synth", _SYNTH, "melody arp",
       "lead 3 calliope|calliope lead|calliope|steam calliope|circus organ"),
    _m("chiff_lead", 83, 48, 96, "synth", _SYNTH, "melody arp", "lead 4 chiff|chiff lead|chiff"),
    _m("charang", 84, 48, 96, "synth", _SYNTH, "melody harmony", "lead 5 charang|charang|charang lead"),
    _m("voice_lead", 85, 48, 91, "synth", "synths electronic keyboards voices", "melody pad",
       "lead 6 voice|voice lead|talkbox|talk box|vocal synth lead"),
    _m("fifths_lead", 86, 48, 91, "synth", _SYNTH, "melody harmony", "lead 7 fifths|fifths lead|fifths synth"),
    _m("bass_lead", 87, 36, 84, "synth", _SYNTH, "bass melody", "lead 8 bass lead|bass lead|bass lead synth"),
    # An older id for program 87, kept for the styles and briefs that name it; its words belong to bass_lead.
    _m("synth_lead", 87, 48, 96, "synth", _SYNTH, "melody arp", ""),
    # Dubstep's wobble needs a harmonically rich bass to sweep: the gritty bass-and-lead layer.
    _m("wobble_bass", 87, 24, 55, "bass", _SYNTH_BASS, "bass",
       "wobble bass|wobble|wub|wub wub|dubstep bass"),
    # --- synth pad (88-95) -------------------------------------------------------------------------------------
    _m("new_age_pad", 88, 36, 96, "synth", _SYNTH, _PAD_ROLES, "pad 1 new age|new age pad|fantasia|fantasia pad"),
    _m("warm_pad", 89, 36, 96, "synth", _SYNTH, _PAD_ROLES,
       "pad 2 warm|warm pad|warm synth pad|soft pad|analog pad|analogue pad"),
    _m("poly_pad", 90, 36, 96, "synth", _SYNTH, "pad harmony arp",
       "pad 3 polysynth|polysynth|poly synth|polysynth pad|poly pad|juno|juno pad"),
    _m("choir_pad", 91, 36, 96, "synth", "synths electronic keyboards voices", _PAD_ROLES,
       "pad 4 choir|choir pad|space voice|vocal pad|voice pad"),
    _m("bowed_pad", 92, 36, 96, "synth", _SYNTH, _PAD_ROLES, "pad 5 bowed|bowed pad|bowed glass"),
    # GM's bowed pad is bowed glass in FluidR3 and most fonts: the glass harmonica's own sound.
    _m("glass_harmonica", 92, 55, 91, "synth", _NONE, "pad melody",
       "glass harmonica|glass armonica|glass harp|singing glasses"),
    _m("metallic_pad", 93, 36, 96, "synth", _SYNTH, "pad", "pad 6 metallic|metallic pad|metal pad"),
    _m("halo_pad", 94, 36, 96, "synth", _SYNTH, _PAD_ROLES, "pad 7 halo|halo pad|halo|angelic pad"),
    _m("sweep_pad", 95, 36, 96, "synth", _SYNTH, "pad", "pad 8 sweep|sweep pad|sweeping pad|filter sweep pad"),
    # --- synth effects (96-103): pitched synth textures, used as pads and arpeggios ---------------------------
    _m("rain", 96, 36, 96, "synth", _SYNTH, "arp pad", "fx 1 rain|rain fx|ice rain|rain synth",
       sustained=False),
    _m("soundtrack", 97, 36, 96, "synth", _SYNTH, "pad", "fx 2 soundtrack|soundtrack fx|soundtrack pad"),
    _m("crystal", 98, 36, 96, "synth", _SYNTH, "arp melody counter",
       "fx 3 crystal|crystal fx|crystal synth|crystal bells", sustained=False),
    _m("atmosphere", 99, 36, 96, "synth", _SYNTH, _PAD_ROLES, "fx 4 atmosphere|atmosphere pad|atmosphere fx"),
    _m("brightness", 100, 36, 96, "synth", _SYNTH, _PAD_ROLES, "fx 5 brightness|brightness fx|bright pad"),
    _m("goblins", 101, 36, 96, "synth", _SYNTH, "pad fx", "fx 6 goblins|goblins fx|goblin pad"),
    _m("echoes", 102, 36, 96, "synth", _SYNTH, "pad arp", "fx 7 echoes|echoes fx|echo drops|echo pad"),
    _m("sci_fi", 103, 36, 96, "synth", _SYNTH, "fx pad", "fx 8 sci fi|sci fi fx|sci fi synth|space fx"),
    # --- ethnic (104-111) --------------------------------------------------------------------------------------
    _m("sitar", 104, 48, 84, "world", _PLUCKED, "melody counter", "sitar|electric sitar|surbahar",
       sustained=False),
    _m("banjo", 105, 48, 84, "guitar", _PLUCKED, "arp harmony melody",
       "banjo|five string banjo|5 string banjo|bluegrass banjo|tenor banjo|clawhammer banjo", sustained=False),
    _m("shamisen", 106, 48, 84, "world", _PLUCKED, "melody arp",
       "shamisen|samisen|sanshin|tsugaru shamisen|jamisen", sustained=False),
    # Fretless, plectrum-plucked lutes: the shamisen's bachi attack is nearer than a guitar's, and their slides
    # come from the performance layer.
    _m("oud", 106, 36, 79, "world", _PLUCKED, "melody counter arp", "oud|oud lute|arabic lute|barbat",
       sustained=False),
    _m("pipa", 106, 45, 86, "world", _PLUCKED, "melody arp", "pipa|chinese lute|biwa|pipa lute",
       sustained=False),
    _m("koto", 107, 48, 84, "world", _PLUCKED, "arp melody harmony", "koto|japanese koto|japanese zither",
       sustained=False),
    # Long plucked zithers share the koto's sound.
    _m("guzheng", 107, 38, 86, "world", _PLUCKED, "arp melody harmony",
       "guzheng|zheng|gu zheng|chinese zither|gayageum|kayagum|dan tranh", sustained=False),
    _m("zither", 107, 40, 84, "world", _PLUCKED, "arp melody harmony",
       "zither|concert zither|zitter|cithare|alpine zither", sustained=False),
    _m("kalimba", 108, 60, 89, "mallets", _PLUCKED, "arp melody",
       "kalimba|mbira|thumb piano|sansula|likembe|sanza", sustained=False),
    _m("bagpipe", 109, 67, 81, "reed", _WINDS, "melody",
       "bag pipe|bagpipe|highland bagpipe|highland pipes|great highland bagpipe|scottish pipes|cornemuse|gaita|"
       "gaita gallega|dudelsack|zampogna|sackpfeife|gaida|biniou"),
    # Uilleann pipes are sweeter and span two octaves, but GM's bagpipe is the only pipes sound.
    _m("uilleann_pipes", 109, 62, 86, "reed", _WINDS, "melody counter",
       "uilleann pipes|uilleann|uillean pipes|union pipes|irish pipes|irish bagpipe"),
    _m("fiddle", 110, 55, 93, "strings", "strings bowed", "melody counter doubling",
       "fiddle|folk fiddle|country fiddle|irish fiddle|bluegrass fiddle|old time fiddle|cajun fiddle|"
       "scottish fiddle|hardanger fiddle"),
    # The two-string erhu: GM's fiddle (the violin samples again in FluidR3), with the performance layer's slides.
    _m("erhu", 110, 62, 93, "world", "strings bowed", "melody counter",
       "erhu|chinese violin|chinese fiddle|huqin|haegeum"),
    _m("shanai", 111, 60, 84, "woodwind", _WINDS, "melody", "shanai|shehnai|shenai|shahnai"),
    # The other shawms — Chinese suona, Turkish zurna, Arab mizmar — share the shehnai's piercing double reed.
    _m("shawm", 111, 60, 91, "woodwind", _WINDS, "melody",
       "shawm|suona|zurna|mizmar|chirimia|bombarde|chinese oboe|surna"),
    # --- percussive (112-119): pitched percussion on a melodic channel ---------------------------------------
    _m("tinkle_bell", 112, 67, 103, "mallets", _PERC, "doubling arp percussion",
       "tinkle bell|tinkling bells|small bells|handbells|hand bells", sustained=False),
    _m("agogo_bells", 113, 60, 84, "percussion", _PERC, "percussion", "agogo|tuned agogo|pitched agogo",
       sustained=False, percussive=True),
    _m("steel_drums", 114, 52, 84, "mallets", _MALLETS, "melody arp harmony",
       "steel drums|steel drum|steel pan|steelpan|steel band|caribbean steel drum", sustained=False,
       percussive=True),
    # The handpan is a tuned steel idiophone played by hand: the steel drum is its nearest GM sound.
    _m("handpan", 114, 50, 77, "mallets", _PERC, "arp melody percussion",
       "handpan|hand pan|hang drum|hangdrum|pantam", sustained=False, percussive=True),
    _m("temple_blocks", 115, 60, 84, "percussion", _PERC, "percussion",
       "woodblock|temple blocks|temple block|mokugyo|pitched woodblock|tuned woodblock", sustained=False,
       percussive=True),
    _m("taiko", 116, 36, 60, "percussion", _DRUMLIKE, "percussion",
       "taiko drum|taiko|wadaiko|odaiko|japanese drums|japanese drum", sustained=False, percussive=True),
    _m("melodic_tom", 117, 40, 72, "percussion", _DRUMLIKE, "percussion",
       "melodic tom|tuned toms|tuned tom|roto toms|rototoms|roto tom", sustained=False, percussive=True),
    _m("synth_drum", 118, 36, 72, "percussion", "percussion drums synths electronic", "percussion",
       "synth drum|syndrum|synth tom", sustained=False, percussive=True),
    _m("reverse_cymbal", 119, 48, 72, "fx", _PERC, "fx percussion",
       "reverse cymbal|reversed cymbal|reverse crash|cymbal swell|riser cymbal"),
    # --- sound effects (120-127): a note near middle C plays the recording at its own speed -------------------
    _m("guitar_fret_noise", 120, 55, 67, "fx", _NONE, _FX,
       "guitar fret noise|fret noise|string squeak|finger squeak|guitar squeak", sustained=False),
    _m("breath_noise", 121, 55, 67, "fx", _NONE, _FX, "breath noise|breathing|breath sounds|breathy noise"),
    _m("seashore", 122, 55, 67, "fx", _NONE, _FX,
       "seashore|ocean waves|sea waves|waves crashing|crashing waves|sound of waves|beach waves|ocean sounds"),
    _m("bird_tweet", 123, 55, 67, "fx", _NONE, _FX,
       "bird tweet|birdsong|bird song|birds chirping|birds singing|chirping birds|bird sounds|tweeting birds"),
    _m("telephone_ring", 124, 55, 67, "fx", _NONE, _FX,
       "telephone ring|phone ringing|ringing phone|telephone|phone ring|ringtone"),
    _m("helicopter", 125, 55, 67, "fx", _NONE, _FX, "helicopter|helicopter blades"),
    _m("applause", 126, 55, 67, "fx", _NONE, _FX,
       "applause|audience applause|crowd applause|clapping crowd|ovation|standing ovation"),
    _m("gunshot", 127, 55, 67, "fx", _NONE, _FX, "gunshot|gun shot|gunfire|gun shots|pistol shot",
       sustained=False),
)


def _kit(id: str, program: int, categories: str, names: str) -> Instrument:
    return Instrument(
        id, program, 27, 87, "drums", True, False, True, tuple(names.split("|")), "drum_kit",
        frozenset(("percussion drums " + categories).split()), ("drums",), 128,
    )


# Drum kits: the program is the GS kit number on bank 128; FluidR3 has each of these (it lacks the SFX kit, 56).
_KITS = (
    _kit("drum_kit", 0, "",
         "standard kit|standard drum kit|standard drums|acoustic drum kit|acoustic drums|acoustic kit|live drums|"
         "real drums"),
    _kit("room_kit", 8, "", "room kit|room drums|roomy drums"),
    _kit("power_kit", 16, "", "power kit|power drums|rock kit|rock drums|arena drums"),
    _kit("electronic_kit", 24, "electronic",
         "electronic kit|electronic drums|electronic drum kit|electro drums|simmons|simmons drums|909|tr 909|"
         "tr909|909 kit|909 drums|e drums|digital drums"),
    # "808" alone is the bass (trap's 808s); the drum machine is named with "tr" or "kit"/"drums".
    _kit("tr808", 25, "electronic", "tr 808|tr808|808 kit|808 drums|808 drum kit|roland 808|808 drum machine"),
    _kit("jazz_kit", 32, "", "jazz kit|jazz drums|jazz drum kit|bebop drums"),
    # "brushes" is a way of playing, left to the interpreter; the kit answers to its own names.
    _kit("brush_kit", 40, "", "brush kit|brushed drums|brush drums|brushed snare|brush snare"),
    _kit("orchestral_kit", 48, "orchestral",
         "orchestral kit|orchestral percussion|concert percussion|orchestra kit|orchestral drums|"
         "concert bass drum"),
)

INSTRUMENTS: dict[str, Instrument] = {inst.id: inst for inst in _CATALOGUE + _KITS}

# The canonical entry of each program is the first bank-0 entry listed for it (the one carrying its GM name).
_BY_PROGRAM: dict[int, Instrument] = {i.program: i for i in reversed(_CATALOGUE) if i.bank == 0}


def instrument(id: str) -> Instrument:
    return INSTRUMENTS[id]


def by_program(program: int) -> Instrument:
    """The canonical catalogue entry for a General MIDI melodic program (0-127)."""
    try:
        return _BY_PROGRAM[program]
    except KeyError:
        raise ValueError(f"no General MIDI melodic program {program!r}; programs are 0-127") from None


# --- hand percussion on the drum channel ----------------------------------------------------------------------

#: General MIDI percussion key names: GM1 for 35-81, GM2 for the keys GS added below and above.
GM_DRUM_KEYS: dict[int, str] = {
    27: "High Q", 28: "Slap", 29: "Scratch Push", 30: "Scratch Pull", 31: "Sticks", 32: "Square Click",
    33: "Metronome Click", 34: "Metronome Bell", 35: "Acoustic Bass Drum", 36: "Bass Drum 1", 37: "Side Stick",
    38: "Acoustic Snare", 39: "Hand Clap", 40: "Electric Snare", 41: "Low Floor Tom", 42: "Closed Hi-Hat",
    43: "High Floor Tom", 44: "Pedal Hi-Hat", 45: "Low Tom", 46: "Open Hi-Hat", 47: "Low-Mid Tom",
    48: "Hi-Mid Tom", 49: "Crash Cymbal 1", 50: "High Tom", 51: "Ride Cymbal 1", 52: "Chinese Cymbal",
    53: "Ride Bell", 54: "Tambourine", 55: "Splash Cymbal", 56: "Cowbell", 57: "Crash Cymbal 2", 58: "Vibraslap",
    59: "Ride Cymbal 2", 60: "Hi Bongo", 61: "Low Bongo", 62: "Mute Hi Conga", 63: "Open Hi Conga",
    64: "Low Conga", 65: "High Timbale", 66: "Low Timbale", 67: "High Agogo", 68: "Low Agogo", 69: "Cabasa",
    70: "Maracas", 71: "Short Whistle", 72: "Long Whistle", 73: "Short Guiro", 74: "Long Guiro", 75: "Claves",
    76: "Hi Wood Block", 77: "Low Wood Block", 78: "Mute Cuica", 79: "Open Cuica", 80: "Mute Triangle",
    81: "Open Triangle", 82: "Shaker", 83: "Jingle Bell", 84: "Bell Tree", 85: "Castanets", 86: "Mute Surdo",
    87: "Open Surdo",
}


def _p(id: str, keys: tuple[int, ...], names: str) -> Percussion:
    return Percussion(id, keys, tuple(names.split("|")), tuple(GM_DRUM_KEYS[k] for k in keys))


# Keys are GM1 where GM1 has the sound; 82-87 (GM2/GS) sound in FluidR3's standard kit. Its 86/87 hold taiko hits
# rather than surdos: a deep drum either way. The TR-808 kit lacks 58, 65 and 66.
_HAND = (
    _p("congas", (63, 62, 64), "congas|conga|conga drums|tumbadora|tumbadoras"),
    _p("bongos", (60, 61), "bongos|bongo|bongo drums"),
    _p("timbales", (65, 66), "timbales|timbale|pailas|paila"),
    _p("cowbell", (56,), "cowbell|cow bell|cencerro|kuhglocke"),
    _p("claves", (75,), "claves|clave|clave sticks"),
    _p("shaker", (82, 70), "shaker|egg shaker|shaker egg|ganza|caxixi"),
    _p("maracas", (70,), "maracas|maraca"),
    _p("tambourine", (54,), "tambourine|tamb|pandeiro|pandereta|tamburin|tamburello|tambour de basque|riq"),
    _p("claps", (39,), "claps|clap|hand claps|handclaps|hand clap|handclap|palmas|clapping|hand clapping"),
    _p("guiro", (73, 74), "guiro|reco reco"),
    _p("cabasa", (69,), "cabasa|afuche|afoxe"),
    _p("agogo", (67, 68), "agogo|agogo bell|agogo bells|gankogui|double bell"),
    _p("triangle", (81, 80), "triangle|triangel|triangulo|triangolo"),
    _p("woodblock", (76, 77), "woodblock|wood block"),
    _p("castanets", (85,), "castanets|castanet|castanuelas|castagnettes|kastagnetten|nacchere|palillos"),
    _p("cuica", (79, 78), "cuica|friction drum"),
    _p("whistle_perc", (71, 72), "samba whistle|apito|referee whistle|police whistle|whistle blasts"),
    _p("surdo", (87, 86), "surdo|samba bass drum"),
    _p("vibraslap", (58,), "vibraslap|vibra slap|quijada|jawbone"),
    _p("sleigh_bells", (83,), "sleigh bells|sleigh bell|sleighbells|jingle bells|jingle bell"),
    _p("bell_tree", (84,), "bell tree|mark tree|wind chimes|wind chime|chime tree|bar chimes"),
    _p("scratch", (29, 30), "scratches|scratching|dj scratch|record scratch|turntable scratch|vinyl scratch"),
    # A finger snap is a ~30 ms click with its energy around 2-5 kHz; measured in FluidR3, the sticks key matches
    # that best, the hand clap (longer, lower) is the second stroke.
    _p("finger_snaps", (31, 39), "finger snaps|finger snap|finger snapping|snapping fingers|snaps|snapping"),
    # The samba tamborim's stick "tak" on a small tight skin: the high timbale's stick crack.
    _p("tamborim", (65,), "tamborim"),
    # Drums without a GM sound get the nearest hand-drum keys:
    # tabla: the dayan's ringing stroke as the high bongo, the bayan's bass as the low conga, then the low bongo.
    _p("tabla", (60, 64, 62), "tabla|tabla drums"),
    # dhol: the stick-struck bass head as the low floor tom, the thin-stick treble crack as the high timbale, the
    # open hand tone as the low conga.
    _p("dhol", (41, 65, 64), "dhol|dholak|dhol drum|bhangra drum"),
    # djembe: tone (open high conga), bass (low conga), slap (muted high conga).
    _p("djembe", (63, 64, 62), "djembe|djembe drum|jembe"),
    # cajón: the bass tone as a kick, the wooden slap as a side stick, the wire-buzzed slap as the snare.
    _p("cajon", (35, 37, 38), "cajon|cajon drum|cajon flamenco|box drum"),
    # bodhrán: a low frame drum whose pitch the hand bends: low floor tom, high floor tom, low tom.
    _p("bodhran", (41, 43, 45), "bodhran|irish drum"),
    # shekere / güira: beaded and metal scrapers: the cabasa, with maracas or a long guiro scrape.
    _p("shekere", (69, 70), "shekere|sekere|shakere|axatse"),
    _p("guira", (69, 74), "guira|guayo|metal scraper"),
    # tambora (merengue): stick head as low tom, the stick on the rim as side stick, the hand head as low conga.
    _p("tambora", (45, 37, 64), "tambora|merengue drum"),
)

PERCUSSION: dict[str, Percussion] = {p.id: p for p in _HAND}


# --- umbrella words -------------------------------------------------------------------------------------------

def _general(words: str, *ids: str) -> dict[str, tuple[str, ...]]:
    return dict.fromkeys(words.split("|"), ids)


#: Words that name a kind of instrument, mapped to candidate ids best first. None of them is an instrument name.
GENERAL_WORDS: dict[str, tuple[str, ...]] = {
    **_general("piano|klavier|pianoforte", "piano", "bright_piano", "electric_grand", "honky_tonk"),
    **_general("electric piano|e piano|epiano", "rhodes", "wurlitzer", "fm_piano", "electric_grand"),
    **_general("keyboard|keyboards|keys", "piano", "rhodes", "organ", "wurlitzer", "clavinet", "electric_grand",
               "fm_piano", "harpsichord", "poly_pad"),
    **_general("organ|orgue|orgel|organo|orgao", "organ", "rock_organ", "percussive_organ", "church_organ",
               "reed_organ", "harmonium"),
    **_general("bells|bell|chimes|cloches|glocken|campanas|campane|sinos", "tubular_bells", "glockenspiel",
               "celesta", "tinkle_bell", "music_box", "singing_bowl"),
    **_general("mallets|mallet percussion", "marimba", "vibraphone", "xylophone", "glockenspiel"),
    **_general("squeezebox|squeeze box", "accordion", "bandoneon", "concertina"),
    **_general("guitar|guitare|guitarra|gitarre|chitarra|gitaa", "clean_guitar", "steel_guitar", "nylon_guitar",
               "jazz_guitar", "muted_guitar", "overdrive_guitar", "distortion_guitar", "twelve_string_guitar",
               "requinto", "vihuela"),
    **_general("acoustic guitar|guitare acoustique|guitarra acustica|akustikgitarre|chitarra acustica",
               "steel_guitar", "nylon_guitar", "twelve_string_guitar"),
    **_general("electric guitar|e guitar|e gitarre|guitare electrique|guitarra electrica|chitarra elettrica",
               "clean_guitar", "overdrive_guitar", "distortion_guitar", "jazz_guitar", "muted_guitar"),
    **_general("lead guitar", "overdrive_guitar", "distortion_guitar", "clean_guitar", "jazz_guitar"),
    **_general("rhythm guitar", "clean_guitar", "steel_guitar", "muted_guitar", "overdrive_guitar",
               "distortion_guitar", "nylon_guitar"),
    **_general("slide guitar", "lap_steel", "dobro", "overdrive_guitar", "clean_guitar"),
    **_general("bass|basse|bajo|basso|baixo|bassline|bass line", "electric_bass", "acoustic_bass", "pick_bass",
               "fretless_bass", "slap_bass", "synth_bass", "sub_bass", "acid_bass", "reese_bass", "wobble_bass",
               "slap_bass_2", "guitarron", "contrabass", "log_drum", "tuba"),
    **_general("bass guitar|electric bass|e bass|basse electrique|bajo electrico", "electric_bass", "pick_bass",
               "fretless_bass", "slap_bass", "slap_bass_2"),
    **_general("double bass|contrebasse|kontrabass|contrabajo|contrabbasso", "acoustic_bass", "contrabass"),
    **_general("synth bass|synthbass|bass synth", "synth_bass", "sub_bass", "acid_bass", "reese_bass",
               "wobble_bass"),
    # "strings" asks for a string section's sound; a solo violin or cello is asked for by name.
    **_general("strings|string section|string orchestra|cordes|cuerdas|streicher|archi|cordas", "strings",
               "slow_strings", "tremolo_strings", "pizzicato", "synth_strings", "synth_strings_2"),
    **_general("choir|choeur|coro|chor", "choir", "voice", "choir_pad", "synth_voice"),
    **_general("voice|voices|vocals|vocal|singing|singer", "voice", "choir", "synth_voice", "choir_pad",
               "voice_lead"),
    **_general("brass|cuivres|metales|blechblaser|ottoni|metais", "brass", "trumpet", "trombone", "french_horn",
               "tuba", "muted_trumpet", "synth_brass", "flugelhorn", "euphonium"),
    **_general("horn", "french_horn", "brass", "trumpet", "synth_brass"),
    **_general("horns|horn section|horn stabs", "brass", "french_horn", "trumpet", "trombone", "tenor_sax",
               "alto_sax", "baritone_sax", "synth_brass"),
    **_general("sax|saxophone|saxofon|saxophon|saxofone|sassofono|saxo", "alto_sax", "tenor_sax", "soprano_sax",
               "baritone_sax"),
    **_general("woodwinds|woodwind|winds", "flute", "clarinet", "oboe", "bassoon", "english_horn", "piccolo",
               "recorder"),
    **_general("bamboo flute", "bansuri", "dizi", "shakuhachi"),
    **_general("synth|synthesizer|synthesiser|synthetiseur|sintetizador|sintetizzatore|moog|analog synth|"
               "analogue synth|modular synth", "poly_pad", "saw_lead", "square_lead", "warm_pad", "synth_bass",
               "synth_strings", "synth_brass", "supersaw", "sine_lead"),
    **_general("pad|synth pad", "warm_pad", "poly_pad", "halo_pad", "new_age_pad", "sweep_pad", "bowed_pad",
               "choir_pad", "metallic_pad", "atmosphere", "synth_strings"),
    **_general("synth lead|lead synth", "saw_lead", "square_lead", "supersaw", "synth_lead", "sine_lead",
               "calliope_lead", "chiff_lead", "charang", "voice_lead", "fifths_lead", "bass_lead"),
    **_general("drums|drum kit|drum set|drumkit|batterie|bateria|schlagzeug|batteria", "drum_kit", "room_kit",
               "power_kit", "jazz_kit", "brush_kit", "electronic_kit", "tr808", "orchestral_kit"),
    **_general("drum machine", "tr808", "electronic_kit"),
}


# --- categories for negation ----------------------------------------------------------------------------------
# Membership rules (Instrument.categories holds the tags; kits and hand percussion join by the rules below):
#   keyboards  — what a band's keys player plays: acoustic and electric pianos, harpsichord, clavinet, celesta,
#                organs and harmonium, and keyboard synths (leads, pads, synth strings and brass). Not accordions
#                or melodica (reed instruments with their own players), not synth bass or drum machines.
#   synths     — synthesizer sounds: leads, pads, GM synth effects, synth bass, strings, brass, voice, the FM
#                piano and the synth drum. electronic — synths plus the theremin and the drum machines.
#   horns      — the popular-music horn section: every brass instrument and the saxophones (a funk or soul
#                "horn section" is trumpets, trombones and saxes), synth brass included.
#   brass      — the brass instruments, brass sections and synth brass.
#   strings    — the bowed string family and its sections (violin to contrabass, fiddle, erhu, tremolo and
#                pizzicato strings, synth strings). Not harp or guitars, which players call by their own names.
#   woodwinds  — flutes, reeds and pipes (saxophones and bagpipes included: they are woodwinds by construction).
#   winds      — woodwinds and brass together, as in "wind band".
#   percussion — pitched percussion (timpani, mallets, bells, taiko, steel drums...), all hand percussion and
#                every kit. drums — the kits, all hand percussion and the drum programs (taiko, toms, synth drum).
#   guitars    — the guitar family (requinto, vihuela, tres, steel and resonator guitars), not banjo, mandolin or
#                ukulele. bass — every bass-line instrument, contrabass and amapiano's log drum included.
#   voices     — choirs, voices and the vocal synth sounds (synth voice, choir pad, voice lead).
#   mallets, plucked, bowed, orchestral — how it is played, and the symphony orchestra's own instruments.

def _members(category: str) -> frozenset[str]:
    ids = {i.id for i in INSTRUMENTS.values() if category in i.categories}
    if category in ("percussion", "drums"):
        ids |= PERCUSSION.keys()
    return frozenset(ids)


_CATEGORY_WORDS = {
    "keyboards": "keyboards|keyboard|keys|keyboard instruments",
    "synths": "synths|synth|synthesizers|synthesizer|synthesisers|synthesiser|synthetic sounds",
    "electronic": "electronic|electronics|electronic sounds|electronic instruments|electronic elements",
    "horns": "horns|horn section",
    "brass": "brass|brass section|brass instruments|cuivres|metales|blechblaser|ottoni",
    "strings": "strings|string section|string instruments|cordes|cuerdas|streicher|archi|cordas",
    "bowed": "bowed strings|bowed instruments",
    "plucked": "plucked instruments|plucked sounds",
    "woodwinds": "woodwinds|woodwind|woodwind instruments|holzblaser",
    "percussion": "percussion|percussions|percusion|percussao|schlagwerk",
    "drums": "drums|drum|batterie|bateria|schlagzeug|batteria|tambores",
    "guitars": "guitars|guitar|guitare|guitarra|gitarre|chitarra",
    "bass": "bass|basses|bassline|bass line|low end",
    "voices": "vocals|vocal|voices|voice|singing|singers|singer|choir|choirs",
    "mallets": "mallets|mallet percussion|mallet instruments",
    "orchestral": "orchestra|orchestral|orchestral instruments|symphonic instruments",
}

#: Category words a negation uses ("no keyboards", negative prompt "strings"), mapped to every member id:
#: instrument and kit ids from INSTRUMENTS and hand-percussion ids from PERCUSSION.
CATEGORY_WORDS: dict[str, frozenset[str]] = {
    word: _members(category) for category, words in _CATEGORY_WORDS.items() for word in words.split("|")
}
CATEGORY_WORDS.update(dict.fromkeys(
    ("winds", "wind instruments", "wind section"), _members("woodwinds") | _members("brass")))
CATEGORY_WORDS.update(dict.fromkeys(("hand percussion", "latin percussion"), frozenset(PERCUSSION)))
CATEGORY_WORDS.update(dict.fromkeys(
    ("sound effects", "sfx", "foley"),
    frozenset(i.id for i in INSTRUMENTS.values() if i.gm_family == "sound_effects" or i.id == "reverse_cymbal")))


# --- names a request writes -----------------------------------------------------------------------------------

_DRUM_WORDS = ("drums", "drum", "drum kit", "drumkit", "drum set", "drumset", "kit", "percussion", "standard kit")


def _name_key(name: str) -> str:
    import unicodedata

    folded = "".join(c for c in unicodedata.normalize("NFKD", name) if not unicodedata.combining(c)).lower()
    return " ".join("".join(c if c.isalnum() or c == "#" else " " for c in folded).split())


def _request_names() -> dict[str, str]:
    names: dict[str, str] = {}
    for word, ids in GENERAL_WORDS.items():
        names.setdefault(_name_key(word), ids[0])
    for word in _DRUM_WORDS:
        names[_name_key(word)] = "drum_kit"
    for inst in INSTRUMENTS.values():
        for name in inst.names:
            names[_name_key(name)] = inst.id
    for voice in PERCUSSION.values():  # last, so they win: "woodblock" and "agogo" name the hand voices
        for name in voice.names:
            names[_name_key(name)] = voice.id
    for inst in INSTRUMENTS.values():
        names[_name_key(inst.id)] = inst.id
    for voice in PERCUSSION.values():
        names[_name_key(voice.id)] = voice.id
    return names


_REQUEST_NAMES: dict[str, str] = {}

#: General MIDI's 128 program names as the standard spells them, program order.
GM_NAMES: tuple[str, ...] = (
    "Acoustic Grand Piano", "Bright Acoustic Piano", "Electric Grand Piano", "Honky-tonk Piano", "Electric Piano 1",
    "Electric Piano 2", "Harpsichord", "Clavinet", "Celesta", "Glockenspiel", "Music Box", "Vibraphone", "Marimba",
    "Xylophone", "Tubular Bells", "Dulcimer", "Drawbar Organ", "Percussive Organ", "Rock Organ", "Church Organ",
    "Reed Organ", "Accordion", "Harmonica", "Tango Accordion", "Acoustic Guitar (nylon)", "Acoustic Guitar (steel)",
    "Electric Guitar (jazz)", "Electric Guitar (clean)", "Electric Guitar (muted)", "Overdriven Guitar",
    "Distortion Guitar", "Guitar Harmonics", "Acoustic Bass", "Electric Bass (finger)", "Electric Bass (pick)",
    "Fretless Bass", "Slap Bass 1", "Slap Bass 2", "Synth Bass 1", "Synth Bass 2", "Violin", "Viola", "Cello",
    "Contrabass", "Tremolo Strings", "Pizzicato Strings", "Orchestral Harp", "Timpani", "String Ensemble 1",
    "String Ensemble 2", "Synth Strings 1", "Synth Strings 2", "Choir Aahs", "Voice Oohs", "Synth Voice",
    "Orchestra Hit", "Trumpet", "Trombone", "Tuba", "Muted Trumpet", "French Horn", "Brass Section", "Synth Brass 1",
    "Synth Brass 2", "Soprano Sax", "Alto Sax", "Tenor Sax", "Baritone Sax", "Oboe", "English Horn", "Bassoon",
    "Clarinet", "Piccolo", "Flute", "Recorder", "Pan Flute", "Blown Bottle", "Shakuhachi", "Whistle", "Ocarina",
    "Lead 1 (square)", "Lead 2 (sawtooth)", "Lead 3 (calliope)", "Lead 4 (chiff)", "Lead 5 (charang)",
    "Lead 6 (voice)", "Lead 7 (fifths)", "Lead 8 (bass + lead)", "Pad 1 (new age)", "Pad 2 (warm)",
    "Pad 3 (polysynth)", "Pad 4 (choir)", "Pad 5 (bowed)", "Pad 6 (metallic)", "Pad 7 (halo)", "Pad 8 (sweep)",
    "FX 1 (rain)", "FX 2 (soundtrack)", "FX 3 (crystal)", "FX 4 (atmosphere)", "FX 5 (brightness)", "FX 6 (goblins)",
    "FX 7 (echoes)", "FX 8 (sci-fi)", "Sitar", "Banjo", "Shamisen", "Koto", "Kalimba", "Bagpipe", "Fiddle", "Shanai",
    "Tinkle Bell", "Agogo", "Steel Drums", "Woodblock", "Taiko Drum", "Melodic Tom", "Synth Drum", "Reverse Cymbal",
    "Guitar Fret Noise", "Breath Noise", "Seashore", "Bird Tweet", "Telephone Ring", "Helicopter", "Applause",
    "Gunshot",
)


def request_instrument_names() -> tuple[str, ...]:
    """Every spelling a request's ``instruments`` may use, exactly (the API's schema lists them): the General MIDI
    names as spelled (:data:`GM_NAMES`), the catalogue and hand-percussion ids ("nylon_guitar"), and every name,
    synonym and general word in lower case with single spaces ("acoustic grand piano", "rhodes", "drums")."""
    if not _REQUEST_NAMES:
        _REQUEST_NAMES.update(_request_names())
    return tuple(sorted(set(GM_NAMES) | set(INSTRUMENTS) | set(PERCUSSION) | set(_REQUEST_NAMES)))


def find_instrument(name: str) -> str | None:
    """The catalogue id (:data:`INSTRUMENTS`) or hand-percussion id (:data:`PERCUSSION`) a request's instrument
    name means: a General MIDI name in any case and punctuation ("Electric Guitar (jazz)", "Acoustic Grand Piano"),
    a catalogue id ("nylon_guitar"), one of its synonyms ("rhodes", "upright bass"), a general word (its first
    choice: "piano", "organ") or a drum word ("drums", "drum kit", "percussion": the standard kit), spelled as
    :func:`request_instrument_names` lists; else None."""
    if not isinstance(name, str) or name not in _accepted():
        return None
    return _REQUEST_NAMES.get(_name_key(name))


_ACCEPTED: set[str] = set()


def _accepted() -> set[str]:
    if not _ACCEPTED:
        _ACCEPTED.update(request_instrument_names())
    return _ACCEPTED
