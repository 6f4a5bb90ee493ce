"""The genre phrases a prompt may use, each pointing at one style with a rank of specificity.

Ranks (the routing rule in :mod:`.interpret` reads them):

* 3 — a sub-genre, scene, form or idiom that names one style exactly ("string quartet", "boss battle",
  "dembow", "bulería", "drum and bass", "deep house");
* 2 — a genre's own name ("jazz", "rock", "classical", "reggae") and artists that define a style;
* 1 — an umbrella or an adjective a family of styles shares ("video game", "electronic", "cinematic",
  "jazzy", "latin", "dance");
* 0.5 — (in :mod:`.lexicon`) an instrument or mood that leans toward a style (an accordion toward musette).

Phrases are written as prompts are folded: lower case, accents stripped, hyphens, underscores and slashes as
spaces. A longer phrase of the same rank wins over a shorter one; the interpreter adds a tenth of a point per
extra word.
"""

from __future__ import annotations

__all__ = ["GENRES"]

_TABLE: dict[str, dict[float, str]] = {
    "orchestral": {3: "symphony orchestra|symphonic|film score|orchestral score|movie score|symphony|"
                      "philharmonic|full orchestra|grand orchestre|orquesta sinfonica|sinfonieorchester|"
                      "john williams|hans zimmer style orchestral",
                   2: "orchestral|orchestra|orchestre|orquesta|orchester|sinfonie|filmmusik|オーケストラ|管弦乐",
                   1: "cinematic|soundtrack|film|movie|score|concerto"},
    "epic_trailer": {3: "trailer|epic trailer|movie trailer|trailer music|braam|braams|hybrid orchestral|"
                        "blockbuster|hybrid trailer|trailer build",
                     2: "epic|epique|episch|epico", 1: "heroic|battle hymn"},
    "ambient": {3: "dark ambient|ambient drone|space ambient|music for airports|brian eno|drone music",
                2: "ambient|soundscape|drone|ambiance|ambiente", 1: "atmospheric|ethereal|space|beatless"},
    "meditation": {3: "meditation|guided meditation|yoga|spa|spa music|singing bowl|singing bowls|"
                      "tibetan bowls|reiki|sound bath|healing music|mindfulness|sleep music|relaxation music|"
                      "tigelas tibetanas|cuencos tibetanos|meditacao|meditacion|meditativ",
                   2: "new age|zen|meditative", 1: "healing|massage"},
    "lofi": {3: "lo fi hip hop|lofi hip hop|lofi hiphop|lo fi hiphop|chillhop|beats to study|study beats|"
                "lofi beat|lo fi beat|jazzhop",
             2: "lofi|lo fi|lo fi beats", 1: "study|studying"},
    "boom_bap": {3: "boom bap|boombap|golden era|golden age hip hop|90s hip hop|90s hiphop|east coast hip hop|"
                    "east coast|dilla|j dilla|nujabes",
                 2: "hip hop|hiphop|rap|hip hop beat|rap beat", 1: "beat tape"},
    "trap": {3: "trap beat|atlanta trap|trap type beat|type beat|808 trap|trap instrumental|southern trap",
             2: "trap", 1: "808s"},
    "drill": {3: "uk drill|ny drill|brooklyn drill|chicago drill|drill beat|drill type beat", 2: "drill"},
    "phonk": {3: "phonk|drift phonk|memphis phonk|memphis rap|cowbell phonk|brazilian phonk", 2: "drift"},
    "house": {3: "deep house|house music|tech house|chicago house|acid house|piano house|afro house|"
                 "soulful house|progressive house|future house|jackin house",
              2: "house", 1: "club|dance|danse|baile|tanz|dancefloor"},
    "uk_garage": {3: "uk garage|2 step|two step|2step|speed garage|future garage|ukg", 2: "garage"},
    "techno": {3: "techno|minimal techno|berlin techno|detroit techno|industrial techno|acid techno|warehouse|"
                  "hard techno|peak time techno",
               2: "rave", 1: "industrial|minimal"},
    "trance": {3: "trance|uplifting trance|psytrance|psy trance|progressive trance|goa trance|vocal trance|"
                  "anjunabeats|armin van buuren",
               2: "supersaw"},
    "edm": {3: "big room|festival edm|festival anthem|electro house|future bass|mainstage|big room house",
            2: "edm|electronic dance music|electro", 1: "electronic|festival|drop"},
    "dubstep": {3: "dubstep|brostep|riddim dubstep|wobble bass|skrillex|tearout|melodic dubstep", 2: "wobble"},
    "dnb": {3: "drum and bass|drum n bass|drum & bass|drum'n'bass|drumnbass|dnb|d&b|d n b|liquid dnb|"
               "liquid drum and bass|neurofunk|jungle|liquid funk|jump up",
            2: "breakbeat|breakbeats", 1: "liquid"},
    "synthwave": {3: "synthwave|synth wave|retrowave|outrun|darksynth|vaporwave|chillwave|night drive|"
                     "miami vice|stranger things|dreamwave",
                  2: "synthpop|synth pop|80s synth", 1: "80s|1980s|eighties|retro futuristic|cyberpunk|neon"},
    "hyperpop": {3: "hyperpop|hyper pop|100 gecs|sophie style|pc music|glitchcore|digicore|bubblegum bass",
                 2: "glitch pop"},
    "pop": {3: "pop song|radio pop|dance pop|electropop|teen pop|top 40|chart pop|mainstream pop|power pop",
            2: "pop|chanson|schlager|ポップ|流行", 1: "radio|catchy|radio friendly"},
    "kpop": {3: "k pop|kpop|korean pop|korean idol|idol pop|idol group|girl group|boy band|bts|blackpink|케이팝", 2: "korean"},
    "jpop": {3: "j pop|jpop|anisong|アニソン|anime opening|anime op|anime theme|japanese pop|j rock|jrock|vocaloid|アニメ",
             2: "anime"},
    "city_pop": {3: "city pop|citypop|シティポップ|japanese city pop|tatsuro yamashita|mariya takeuchi|plastic love",
                 2: "japanese 80s"},
    "ballad": {3: "pop ballad|power ballad|love ballad|piano ballad|love song", 2: "ballad|ballade|balada"},
    "indie": {3: "indie rock|indie pop|indie folk|bedroom pop|dream pop|jangle pop|lo fi indie|math rock|"
                 "post rock",
              2: "indie|alternative|alt rock"},
    "rock": {3: "rockmusik|stadium rock|arena rock|hard rock|classic rock|rock anthem|garage rock|southern rock|"
                "blues rock|rock and roll|rock n roll|rock 'n' roll|country rock|folk rock",
             2: "rock|ロック|摇滚", 1: "stadium|anthem|guitar driven|guitars"},
    "punk": {3: "punk|punk rock|pop punk|hardcore punk|skate punk|ramones|sex pistols|green day", 2: "punky"},
    "grunge": {3: "grunge|seattle sound|nirvana|soundgarden|alice in chains|pearl jam|post grunge", 2: "sludgy"},
    "shoegaze": {3: "shoegaze|shoegazing|shoegazer|my bloody valentine|slowdive|nu gaze|wall of sound guitars",
                 2: "dreamy guitars"},
    "emo": {3: "emo|midwest emo|twinkly guitars|twinkle|emocore|american football|screamo", 2: "emotional rock"},
    "surf_rock": {3: "surf rock|surf guitar|surf music|dick dale|tarantino surf|surf instrumental|surf",
                  2: "surfing"},
    "metal": {3: "neoclassical metal|heavy metal|thrash metal|death metal|black metal|power metal|doom metal|metalcore|djent|"
                 "nu metal|progressive metal|speed metal|thrash",
              2: "metal|metallica|iron maiden", 1: "headbanging"},
    "funk": {3: "funk|p funk|70s funk|funk groove|slap bass funk|james brown|parliament|funkadelic",
             2: "funky", 1: "groovy|1970s|70s|seventies"},
    "disco": {3: "disco|nu disco|italo disco|studio 54|boogie|bee gees|donna summer", 2: "discotheque"},
    "soul": {3: "soul|r&b|rnb|r and b|rhythm and blues|classic soul|northern soul|southern soul|stax|"
                "contemporary r&b|90s r&b",
             2: "soulful"},
    "neo_soul": {3: "neo soul|neosoul|d'angelo|erykah badu|neo soul groove", 2: "nu soul"},
    "motown": {3: "motown|motown sound|60s soul|sixties soul|supremes|jackson 5|temptations", 2: "detroit soul"},
    "gospel": {3: "gospel|gospel choir|black gospel|praise and worship|praise|worship music|church choir",
               2: "spiritual", 1: "church|choir music"},
    "hymn": {3: "kirchenlied|kirchenmusik|cantique|himno|hino|hymn|hymnal|chorale|hymne|church hymn|organ hymn|sacred music|requiem|mass|psalm|"
                "gregorian chant|plainchant|liturgical",
             2: "sacred", 1: "solemn|cathedral"},
    "jazz": {3: "jazz trio|jazz club|jazz standard|jazz quartet|small group jazz|swing jazz|jazz ballad|"
                "smooth jazz|hard bop|modal jazz",
             2: "jazz|ジャズ|爵士|swing", 1: "jazzy|smoky|cocktail|lounge|speakeasy"},
    "bebop": {3: "bebop|be bop|bop|charlie parker|dizzy gillespie|rhythm changes", 2: "fast jazz"},
    "cool_jazz": {3: "cool jazz|west coast jazz|chet baker|miles davis kind of blue|birth of the cool|"
                     "dave brubeck",
                  2: "cool"},
    "big_band": {3: "big band|swing band|swing era|glenn miller|count basie|duke ellington|jazz orchestra|"
                    "shout chorus|lindy hop|electro swing",
                 2: "swing orchestra"},
    "blues": {3: "12 bar blues|twelve bar blues|12 bar|blues shuffle|delta blues|chicago blues|texas blues|"
                 "bb king|blues jam",
              2: "blues|bluesy", 1: "shuffle|delta"},
    "bossa": {3: "bossa nova|bossa|ipanema|jobim|joao gilberto", 2: "brazilian jazz", 1: "brazilian|brazil"},
    "samba": {3: "samba|carnival|carnaval|batucada|samba enredo|pagode|rio carnival", 2: "samba de roda"},
    "salsa": {3: "salsa|salsa dura|son cubano|mambo|timba|cuban salsa|salsa band|tito puente|celia cruz|"
                 "montuno|guaguanco",
              2: "afro cuban|cuban", 1: "latin|latino"},
    "cumbia": {3: "cumbia|cumbia villera|vallenato|cumbia sonidera|chicha", 2: "colombian"},
    "bachata": {3: "bachata|bachatas|romeo santos|aventura|requinto", 2: "dominican"},
    "reggaeton": {3: "reggaeton|reggaeton beat|dembow|dembow beat|perreo|latin urban|urbano latino|"
                     "moombahton|bad bunny|daddy yankee|latin trap",
                  2: "regueton|reguetón|reggaetón"},
    "mariachi": {3: "mariachi|ranchera|son jarocho|mariachi band|corrido|banda|norteno", 2: "mexican"},
    "tango": {3: "tango|milonga|argentine tango|tango nuevo|piazzolla|astor piazzolla", 2: "buenos aires"},
    "flamenco": {3: "flamenco|buleria|bulerias|soleares|solea|palmas|seguiriya|alegrias|tangos flamencos|"
                    "paco de lucia|cante jondo|zapateado",
                 2: "andalusian|andaluz|sevilla", 1: "spanish guitar|spanish"},
    "rumba_flamenca": {3: "rumba flamenca|gipsy rumba|gypsy rumba|gipsy kings|gypsy kings|rumba catalana|rumba",
                       2: "gipsy"},
    "reggae": {3: "reggae|roots reggae|one drop|dub reggae|dub|rocksteady|bob marley|lovers rock",
               2: "jamaican|rastafari", 1: "island"},
    "ska": {3: "ska|ska punk|two tone|2 tone|third wave ska|skinhead reggae", 2: "skanking"},
    "dancehall": {3: "bashment|dancehall|riddim|ragga|raggamuffin|soca|dancehall riddim", 2: "caribbean"},
    "afrobeat": {3: "afrobeat|fela|fela kuti|tony allen|afro beat|afro funk|afrofunk", 2: "nigerian funk"},
    "afrobeats": {3: "afrobeats|afro beats|afropop|afro pop|afroswing|burna boy|wizkid|davido|naija|"
                     "afro fusion",
                  2: "nigerian|african pop", 1: "african|afro"},
    "amapiano": {3: "amapiano|log drum|log drums|piano house south africa|gqom|south african house",
                 2: "south african"},
    "highlife": {3: "highlife|palm wine|palm wine guitar|ghanaian highlife|hiplife|juju music|juju",
                 2: "ghanaian|west african guitar"},
    "bollywood": {3: "bollywood|filmi|bhangra|punjabi|desi|tollywood|kollywood|indian film music|item number|"
                     "bollywood dance",
                  2: "indian|hindi|hindustani", 1: "india|raga"},
    "klezmer": {3: "klezmer|freylekhs|freilach|bulgar|hora|jewish wedding|yiddish|freygish|hava nagila",
                2: "jewish", 1: "balkan"},
    "celtic": {3: "celtic|irish reel|reel|scottish reel|celtic folk|irish folk|scottish folk|ceilidh|"
                  "highland|bodhran|uilleann",
               2: "irish|scottish|gaelic", 1: "ireland|scotland"},
    "jig": {3: "jig|jigs|irish jig|slip jig|double jig|hornpipe", 2: "gigue"},
    "sea_shanty": {3: "chant de marin|chanson de marin|seemannslied|cancion marinera|sea shanty|shanty|shanties|sea shanties|sailor song|pirate song|pirate shanty|"
                      "wellerman|drunken sailor",
                   2: "sailors|pirate|pirates|nautical", 1: "sea|ocean voyage"},
    "folk": {3: "acoustic folk|folk song|singer songwriter|campfire song|americana|folk ballad|fingerstyle folk",
             2: "folk|folklore|folklorique|volksmusik", 1: "acoustic|campfire|unplugged"},
    "country": {3: "country|country music|nashville|honky tonk|outlaw country|country pop|modern country|"
                   "line dance|two step country",
                2: "countrified", 1: "cowboy|rural|southern"},
    "bluegrass": {3: "bluegrass|newgrass|appalachian|hillbilly|banjo breakdown|old time fiddle|jug band",
                  2: "appalachia", 1: "banjo picking"},
    "western": {3: "cowboy western|spaghetti western|western soundtrack|ennio morricone|morricone|wild west|cowboy showdown|"
                   "western film|western movie|desert showdown",
                2: "western|far west", 1: "desert|frontier|outlaw"},
    "baroque": {3: "baroque|concerto grosso|bach|vivaldi|handel|fugue|harpsichord concerto|barroco|barock|"
                   "brandenburg|continuo|telemann|corelli",
                2: "early music|renaissance"},
    "romantic_piano": {3: "nocturne|chopin|liszt|romantic piano|piano sonata|etude|prelude|impromptu|debussy|"
                          "satie|classical piano|solo classical piano|rachmaninoff|schumann",
                       2: "classical|klassik|clasica|classique|romantic era|piano classique", 1: "romantic"},
    "neoclassical": {3: "neoclassical|neo classical|modern classical|contemporary classical|einaudi|"
                        "ludovico einaudi|olafur arnalds|max richter|nils frahm|minimalist piano|"
                        "contemplative piano|post classical|yann tiersen|amelie",
                     2: "minimal piano|piano piece", 1: "contemplative|minimalist"},
    "string_quartet": {3: "string quartet|quatuor a cordes|streichquartett|cuarteto de cuerdas|"
                          "chamber strings|string trio|chamber music|chamber|quartet|quatuor",
                       2: "strings only"},
    "waltz": {3: "waltz|viennese waltz|valse|vals|walzer|strauss|blue danube", 2: "viennese|vienna|wiener"},
    "musette": {3: "musette|valse musette|bal musette|parisian cafe|cafe parisien|paris cafe|french cafe|"
                   "accordion waltz|montmartre|guinguette",
                2: "parisian|parisien|paris|bistro|french accordion", 1: "cafe|french"},
    "march": {3: "militarmarsch|march|military march|marching band|sousa|parade music|marcha|marsch|fanfare|drum corps",
              2: "military|marching|parade"},
    "polka": {3: "polka|oktoberfest|oompah|bavarian|beer hall|bierfest", 2: "german folk"},
    "lullaby": {3: "lullaby|berceuse|nursery lullaby|cradle song|wiegenlied|cancion de cuna|canción de cuna|"
                   "brahms lullaby|bedtime song|baby sleep",
                2: "bedtime|baby|sleep|sleepy", 1: "cradle"},
    "childrens": {3: "kinderlied|kinderlieder|kindermusik|cancion infantil|musica infantil|chanson pour enfants|comptine|musique pour enfants|children's song|childrens song|kids song|nursery rhyme|kids music|children's music|"
                     "childrens music|cartoon theme|kids show|preschool|sing along",
                  2: "children's|childrens|kids|cartoon|nursery", 1: "playful|silly|toy"},
    "chiptune": {3: "chiptune|chiptunes|8 bit|8bit|nes|gameboy|game boy|chip music|retro game|arcade|"
                    "pixel art game|16 bit|snes|commodore 64|c64",
                 2: "pixel|bit crushed", 1: "retro"},
    "boss_battle": {3: "boss battle|boss fight|final boss|boss theme|battle theme|boss music|fight music|"
                       "final battle|jrpg battle",
                    2: "battle music|combat music|battle"},
    "game_adventure": {3: "adventure game|overworld|world map|rpg exploration|exploration theme|zelda|"
                          "rpg music|jrpg|open world|adventure theme|hero's journey|quest music|town theme|"
                          "village theme",
                       2: "adventure|rpg|quest|exploration", 1: "video game|videogame|game music|gaming|game"},
    "game_puzzle": {3: "puzzle game|puzzle music|puzzle theme|tetris|match 3|casual game|mobile game|"
                       "menu music|level select",
                    2: "puzzle|quirky", 1: "casual"},
    "horror": {3: "horreur|film d'horreur|film d horreur|musica de terror|horrorfilm|terror|horror|horror movie|horror film|scary movie|jump scare|creepypasta|haunted house|"
                  "slasher|found footage|psychological horror",
               2: "creepy|scary|terrifying|spooky", 1: "eerie|sinister|haunting|dread"},
    "noir": {3: "film noir|noir|detective|private eye|crime jazz|detective story|neo noir|gumshoe",
             2: "dark jazz", 1: "rainy city|smoky bar"},
    "corporate": {3: "corporate|corporate background|corporate music|business presentation|explainer video|"
                     "commercial background|advertising music|tech commercial|startup|presentation music|"
                     "youtube background|background music for video|motivational corporate|product demo",
                  2: "commercial|advert|advertisement|presentation|promo video", 1: "background|upbeat background"},
    "jingle": {3: "jingle|ident|logo sting|sting|stinger|podcast intro|podcast outro|radio jingle|sonic logo|"
                  "audio logo|station id|intro jingle|outro jingle|notification sound|short intro|channel intro",
               2: "intro music|outro music|bumper", 1: "podcast"},
}

#: folded phrase -> ((style, rank), ...)
GENRES: dict[str, tuple[tuple[str, float], ...]] = {}
for _style, _ranks in _TABLE.items():
    for _rank, _phrases in _ranks.items():
        for _phrase in _phrases.split("|"):
            GENRES[_phrase] = GENRES.get(_phrase, ()) + ((_style, float(_rank)),)
