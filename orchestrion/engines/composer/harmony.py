"""Harmony: the chords under every bar, chosen per section from the style's progressions, then given motion.

Each kind of section gets its own progression from the style's pools (verses one, choruses another, the bridge a
third), repeated to fill its bars. Then the progression is played the way a musician would: the bar before a
chorus or the ending turns to the dominant so the arrival lands; secondary dominants lean into the chords they
precede (``V7/vi`` before ``vi``); major keys borrow ``iv``, ``bVI`` and ``bVII`` where the style allows; the bass
steps through inversions (``I V6 vi``) and passing notes instead of jumping root to root; intros and builds sit on
a tonic or dominant pedal; an AABA bridge moves to the IV (or the relative key); the last chorus may lift a step
and come home through the dominant. Blues choruses are twelve bars with quick-change and turnaround variants;
flamenco walks the Andalusian cadence. The piece starts and ends on the tonic of its key.

:func:`plan_harmony` gives one :class:`BarHarmony` per bar; :func:`chord_spans` turns them into the lead sheet.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from .form import SectionPlan
from .score import ChordSpan
from .styles import Style
from .chords import numeral_chord, resolve
from .theory import Chord, Key, chord_symbol, dominant_of

__all__ = ["BarHarmony", "chord_spans", "plan_harmony", "progression_bars", "requested_harmony"]

_BRIDGE_MAJOR = ("IV V iii vi", "vi IV V V", "ii V IV V", "IV IV V V", "vi iii IV I", "IV I/3 ii V")
_BRIDGE_MINOR = ("VI VII VI VII", "iv VI VII VII", "VI iv VII V", "iv iv V V", "III VII iv V")
#: AABA bridges, read in the bridge's key (the IV, or the relative major of a minor key).
_AABA_BRIDGE = ("I I IV IV", "I vi IV IV", "ii V I I", "I IV I IV", "I iii IV IV")
_AABA_BRIDGE_JAZZ = ("ii7 V7 Imaj7 Imaj7", "Imaj7 vi7 ii7 V7", "Imaj7 I7 IVmaj7 IVmaj7")
#: Phrygian-dominant keys without progressions of their own: the Andalusian cadence and its neighbours (read by
#: degree, :func:`.theory.chord_from_numeral`).
_PHRYGIAN_DOMINANT = ("iv III II I", "I II I II", "I iv II I", "I vii I II")
_ROYAL_ROAD = "IVmaj7 V7 iii7 vi7"

#: Styles whose idiom colours chords with sevenths and two-chord bars at turnarounds.
_JAZZY = frozenset({"jazz", "bebop", "cool_jazz", "big_band", "noir", "bossa", "gospel", "neo_soul", "soul",
                    "lofi", "city_pop", "musette", "samba", "boom_bap", "motown"})
#: Classical styles: dominant sevenths and secondary dominants, no two-chord jazz bars.
_CLASSICAL = frozenset({"baroque", "string_quartet", "romantic_piano", "waltz", "march", "polka", "hymn",
                        "orchestral", "tango", "neoclassical", "lullaby"})
#: Styles that end a song with the rock cadence bVI-bVII-I as readily as with V-I.
_ROCK_CADENCE = frozenset({"rock", "pop", "indie", "game_adventure", "epic_trailer", "synthwave", "kpop", "jpop",
                           "ballad", "emo", "shoegaze", "boss_battle", "orchestral"})
#: Modal tunes: the pools already carry their colour, borrowing would blur the mode.
_NO_BORROWING = frozenset({"blues", "bluegrass", "celtic", "jig", "folk", "sea_shanty", "country", "reggae", "ska",
                           "highlife", "afrobeat", "cumbia", "bachata", "salsa", "mariachi", "flamenco",
                           "rumba_flamenca", "klezmer", "bollywood"})


@dataclass(frozen=True, slots=True)
class BarHarmony:
    """The harmony of one bar. ``changes`` are further chords inside the bar, ``change_basses`` their bass notes."""

    chord: Chord  #: the chord on the bar's downbeat
    next_chord: Chord  #: the next bar's downbeat chord (for approach notes)
    section: int  #: index into the form
    bar_in_section: int
    cadence: bool  #: the bar leads into a structural arrival
    #: Pitch class the bass plays on the downbeat: the root, an inversion's bass, a passing note or a pedal.
    bass: int
    key: Key  #: the key in force this bar (an AABA bridge or a last-chorus lift modulates)
    changes: tuple[tuple[float, Chord], ...] = ()  #: (offset in beats, chord) after the downbeat
    change_basses: tuple[int, ...] = ()  #: the bass pitch class of each change, in order

    def chord_at(self, offset: float) -> Chord:
        """The chord sounding ``offset`` beats into the bar."""
        chord = self.chord
        for start, change in self.changes:
            if offset + 1e-6 >= start:
                chord = change
        return chord

    def bass_at(self, offset: float) -> int:
        """The bass pitch class sounding ``offset`` beats into the bar."""
        bass = self.bass
        for (start, _), change_bass in zip(self.changes, self.change_basses):
            if offset + 1e-6 >= start:
                bass = change_bass
        return bass

    def spans(self, bar_beats: float) -> list[tuple[float, float, Chord, int]]:
        """``(offset, length, chord, bass)`` for the downbeat chord and every change."""
        starts = [0.0] + [t for t, _ in self.changes]
        chords = [self.chord] + [c for _, c in self.changes]
        basses = [self.bass_at(0.0)] + list(self.change_basses)
        ends = starts[1:] + [bar_beats]
        return [(s, e - s, c, b) for s, e, c, b in zip(starts, ends, chords, basses)]


def progression_bars(style: Style, key: Key) -> int:
    """Bars in the style's longest progression: the natural phrase length (a 12-bar blues is 12)."""
    pool = style.minor if key.is_minor else style.major
    longest = max(len(p.split()) for p in pool)
    bars = int(round(longest * style.chord_bars))
    return 4 if bars < 4 else bars


def chord_spans(harmony: list[BarHarmony], bar_beats: float) -> list[ChordSpan]:
    """The lead sheet: one span per chord change (a new chord or a new bass), symbols like ``Am7`` and ``G/B``."""
    spans: list[ChordSpan] = []
    for index, bar in enumerate(harmony):
        for offset, length, chord, bass in bar.spans(bar_beats):
            start = index * bar_beats + offset
            last = spans[-1] if spans else None
            if last is not None and last.root == chord.root and last.bass == bass \
                    and last.pitch_classes == chord.pitch_classes and last.numeral == chord.numeral:
                spans[-1] = ChordSpan(last.start, last.length + length, last.root, last.bass, last.pitch_classes,
                                      last.symbol, last.numeral)
                continue
            spans.append(ChordSpan(round(start, 6), length, chord.root, bass, chord.pitch_classes,
                                   chord_symbol(chord, bass), chord.numeral))
    return spans


# --- planning -------------------------------------------------------------------------------------------------


@dataclass
class _Slot:
    """A chord being planned: a numeral read against a key, so a modulation re-reads it."""

    numeral: str
    key: Key
    offset: float = 0.0
    bass: int | None = None  #: fixed bass (pedal, passing note); None = chosen by the bass pass
    root_only: bool = False  #: arrivals and cadential dominants keep the bass on the root

    def chord(self) -> Chord:
        return _chord(self.numeral, self.key)


@dataclass
class _Bar:
    slots: list[_Slot]
    section: int
    in_section: int
    cadence: bool = False


def _chord(numeral: str, key: Key) -> Chord:
    return numeral_chord(numeral, key)


def _flag(style: Style, name: str, default: object) -> object:
    return getattr(style, name, default)


def _allows_inversions(style: Style) -> bool:
    default = not style.electronic and style.comp not in ("power", "gallop")
    return bool(_flag(style, "inversions", default))


def _colourful(style: Style) -> bool:
    """Secondary dominants and borrowed chords belong to styles whose bass moves, and to rock's root-bound songs
    (V/V, bVII, bVI); loops and riffs keep still."""
    return (_allows_inversions(style) or style.family == "rock" and style.name != "punk") and not style.electronic


def _tonic(key: Key) -> str:
    return "i" if key.is_minor and key.mode != "phrygian_dominant" else "I"


def _dominant(style: Style, key: Key) -> str:
    if key.mode in ("dorian", "mixolydian"):
        return "VII"
    if key.mode in ("phrygian", "phrygian_dominant", "lydian", "locrian"):
        return "II"
    return "V7" if style.name in _JAZZY | _CLASSICAL or style.name in ("blues", "funk", "disco") else "V"


def _form(style: Style, sections: list[SectionPlan]) -> str:
    form = _flag(style, "form", None)
    if isinstance(form, str) and form:
        return form
    if style.name == "blues":
        return "blues12"
    return "verse_chorus"


def _pools(style: Style, key: Key) -> list[str]:
    modal = tuple(_flag(style, "modal", ()) or ())
    if key.mode not in ("major", "minor") and (key.mode == style.mode or key.mode == "phrygian_dominant"):
        if modal:
            return list(modal)
        if key.mode == "phrygian_dominant":
            return list(_PHRYGIAN_DOMINANT)
    return list(style.minor if key.is_minor else style.major)


def _rotate_to_tonic(numerals: list[str], key: Key) -> list[str]:
    index = next((i for i, n in enumerate(numerals) if _chord(n, key).root == key.tonic), None)
    return numerals[index:] + numerals[:index] if index else numerals


def _blues(key: Key, variant: int, jazzy: bool) -> list[list[str]]:
    """A 12-bar blues, bar by bar (a bar may hold two numerals): plain, quick change, and jazz turnarounds."""
    if key.is_minor:
        bars = [["i7"], ["i7"], ["i7"], ["i7"], ["iv7"], ["iv7"], ["i7"], ["i7"], ["VI7"], ["V7"], ["i7"], ["V7"]]
        if variant & 1:
            bars[1] = ["iv7"]
        if jazzy and variant & 2:
            bars[10], bars[11] = ["i7", "VI7"], ["ii°7", "V7"]
        return bars
    bars = [["I7"], ["I7"], ["I7"], ["I7"], ["IV7"], ["IV7"], ["I7"], ["I7"], ["V7"], ["IV7"], ["I7"], ["V7"]]
    if variant & 1:  # quick change: the IV in the second bar
        bars[1] = ["IV7"]
    if variant & 2:  # turnaround: the last two bars move twice as fast
        bars[10], bars[11] = (["I7", "VI7"], ["ii7", "V7"]) if jazzy else (["I7", "IV7"], ["I7", "V7"])
    if jazzy and variant & 4:
        bars[5] = ["IV7", "#iv°7"]
        bars[7] = ["I7", "V7/ii"]
        bars[8] = ["ii7"]  # the jazz blues: ii-V into the turnaround, bar 10 still the IV
    return bars


def _progressions(style: Style, key: Key, form: str, rng: random.Random) -> dict[str, list[str]]:
    pool = _pools(style, key)
    signature = pool[0]
    rng.shuffle(pool)
    if style.name in ("flamenco", "rumba_flamenca"):  # the Andalusian cadence is the genre: it opens the piece
        pool = [signature] + [p for p in pool if p != signature]
    verse = pool[0].split()
    if not (style.name in ("flamenco", "rumba_flamenca") and verse[0] in ("i", "iv")):
        verse = _rotate_to_tonic(verse, key)
    chorus = pool[1 % len(pool)].split()
    if style.name == "jpop" and not key.is_minor:
        chorus = _ROYAL_ROAD.split()
    if len(pool) == 1 or form in ("blues12", "groove"):
        chorus = verse
    bridge_pool = _BRIDGE_MINOR if key.is_minor else _BRIDGE_MAJOR
    bridge = bridge_pool[rng.randrange(len(bridge_pool))].split()
    if key.mode not in ("major", "minor"):
        bridge = pool[-1].split()
    tonic = _tonic(key)
    return {"A": verse, "B": chorus, "bridge": bridge, "outro": verse, "intro": [tonic] + verse[1:],
            "build": chorus, "end": [tonic]}


def _section_numerals(numerals: list[str], bars: int, chord_bars: float) -> list[list[str]]:
    """Lay a progression over ``bars`` bars: a chord per ``chord_bars`` bars, or two per bar when it is 0.5."""
    if chord_bars < 1.0:
        per_bar = max(int(round(1.0 / chord_bars)), 1)
        return [[numerals[(b * per_bar + k) % len(numerals)] for k in range(per_bar)] for b in range(bars)]
    span = max(int(round(chord_bars)), 1)
    return [[numerals[(b // span) % len(numerals)]] for b in range(bars)]


def plan_harmony(sections: list[SectionPlan], style: Style, key: Key, loop: bool, rng: random.Random,
                 bar_beats: float = 4.0) -> list[BarHarmony]:
    """One :class:`BarHarmony` per bar of ``sections``; deterministic for a given ``rng`` state."""
    form = _form(style, sections)
    progressions = _progressions(style, key, form, rng)
    jazzy = style.name in _JAZZY
    bars: list[_Bar] = []
    blues_variant = rng.randrange(8)
    for index, section in enumerate(sections):
        numerals: list[list[str]]
        if form == "blues12" and section.kind in ("A", "B", "bridge", "outro"):
            twelve = _blues(key, blues_variant if section.occurrence % 2 == 0 else blues_variant ^ 1, jazzy)
            numerals = [twelve[b % 12] for b in range(section.bars)]
        else:
            kind = section.kind if section.kind in progressions else "A"
            numerals = _section_numerals(progressions[kind], section.bars, style.chord_bars)
            if form == "aabb" and section.kind in ("A", "B") and section.bars >= 4:
                numerals[-2], numerals[-1] = [_dominant(style, key)], [_tonic(key)]  # each strain closes home
        for b, names in enumerate(numerals):
            slots = [_Slot(n, key, offset=k * bar_beats / len(names)) for k, n in enumerate(names)]
            bars.append(_Bar(slots, index, b))
    if not bars:
        return []

    starts = _section_starts(sections)
    if form == "aaba":
        _aaba_bridges(bars, sections, starts, style, key, bar_beats)
    _cadences(bars, sections, starts, style, key, loop, form, bar_beats, rng)
    if _flag(style, "lift", False) and not loop:
        _lift(bars, sections, starts, style, key, rng)
    if _colourful(style):
        _secondary_dominants(bars, sections, starts, style, key, bar_beats, rng)
        if not key.is_minor and style.name not in _NO_BORROWING:
            _borrowed(bars, sections, starts, style, key, bar_beats, rng)
    _home(bars, key, loop)
    _bass_line(bars, sections, style, key, bar_beats, rng)
    return _finish(bars)


def requested_harmony(sections: list[SectionPlan], tokens: tuple[str, ...], key: Key,
                      bars_per_chord: int = 1) -> list[BarHarmony]:
    """The harmony a request wrote (:mod:`.chords`): one chord every ``bars_per_chord`` bars, the progression looped
    over the whole form, each chord played as written (a slash chord's bass in the bass) — no cadences, secondary
    dominants, borrowed chords, inversions or pedals of the composer's own."""
    chords = resolve(tokens, key)
    span = max(int(bars_per_chord), 1)
    bars: list[tuple[Chord, int, int, int]] = []  # chord, bass, section index, bar in section
    for index, section in enumerate(sections):
        for b in range(section.bars):
            chord, bass = chords[(len(bars) // span) % len(chords)]
            bars.append((chord, bass, index, b))
    result = []
    for i, (chord, bass, section, in_section) in enumerate(bars):
        following = bars[(i + 1) % len(bars)][0]
        last_of_section = i + 1 >= len(bars) or bars[i + 1][2] != section
        result.append(BarHarmony(chord=chord, next_chord=following, section=section, bar_in_section=in_section,
                                 cadence=last_of_section, bass=bass, key=key))
    return result


def _section_starts(sections: list[SectionPlan]) -> list[int]:
    starts, cursor = [], 0
    for section in sections:
        starts.append(cursor)
        cursor += section.bars
    return starts


def _set(bar: _Bar, numeral: str, key: Key, root_only: bool = False) -> None:
    bar.slots = [_Slot(numeral, key, root_only=root_only)]


def _cadences(bars: list[_Bar], sections: list[SectionPlan], starts: list[int], style: Style, key: Key,
              loop: bool, form: str, bar_beats: float, rng: random.Random) -> None:
    """The last bar before a chorus, a drop, the ending or (looping) the top turns to the dominant."""
    jazzy = style.name in _JAZZY
    for index, section in enumerate(sections):
        following = sections[index + 1].kind if index + 1 < len(sections) else ("loop" if loop else None)
        last = starts[index] + section.bars - 1
        if section.kind == "end" or section.bars < 2:
            continue
        leads_home = following in ("end", "loop") or (following == "outro" and not style.electronic)
        leads_to_chorus = following == "B" and section.kind != "B" and (not style.electronic or section.kind == "build")
        if not (leads_home or leads_to_chorus):
            continue
        if key.mode not in ("major", "minor") and following not in ("end", "loop"):
            continue  # modal progressions carry their own cadence (the Andalusian ends on I)
        bar = bars[last]
        bar.cadence = True
        current = bar.slots[-1].numeral
        if form == "blues12" and current.startswith(("V", "v")):
            bar.slots[-1].root_only = True
            continue
        if form == "aabb" and section.kind in ("A", "B"):
            bars[last - 1].cadence = True
            continue
        home = bar.slots[-1].key
        dominant = _dominant(style, home)
        if jazzy and bar_beats >= 3 and home.mode in ("major", "minor") and rng.random() < 0.7:
            two = "ii°7" if home.is_minor else "ii7"
            bar.slots = [_Slot(two, home), _Slot(dominant, home, offset=bar_beats / 2, root_only=True)]
        elif (leads_home and following == "end" and style.name in _ROCK_CADENCE and not home.is_minor
              and home.mode == "major" and last >= 1 and rng.random() < 0.35):
            _set(bars[last - 1], "bVI", home)  # the rock cadence: bVI-bVII-I
            _set(bar, "bVII", home, root_only=True)
        else:
            _set(bar, dominant, home, root_only=True)


def _secondary_dominants(bars: list[_Bar], sections: list[SectionPlan], starts: list[int], style: Style,
                         key: Key, bar_beats: float, rng: random.Random) -> None:
    """Lean into ``ii``, ``iii``, ``IV``, ``V`` and ``vi`` through their own dominants: ``I V7/vi vi IV``."""
    jazzy = style.name in _JAZZY
    seventh = jazzy or style.name in _CLASSICAL or rng.random() < 0.5
    chance, limit = (0.4, 2) if jazzy else (0.3, 1)
    half_bars = (jazzy or style.name == "gospel") and bar_beats >= 3
    for index, section in enumerate(sections):
        if section.kind not in ("A", "B", "bridge", "outro") or section.bars < 3:
            continue
        placed = 0
        for b in range(1, section.bars - 1):
            i = starts[index] + b
            bar, target = bars[i], bars[i + 1]
            if placed >= limit or bar.cadence or len(bar.slots) > 1 or b % 4 == 0:
                continue
            goal = target.slots[0]
            if "/" in goal.numeral or goal.key != bar.slots[0].key:
                continue
            goal_chord = goal.chord()
            home = goal.key
            if goal_chord.root == home.tonic or not (goal_chord.is_major or goal_chord.is_minor):
                continue
            if bar.slots[0].chord().root == (goal_chord.root + 7) % 12 or rng.random() > chance:
                continue
            base = goal.numeral.rstrip("7").replace("maj", "").replace("m", "") or goal.numeral
            # a secondary dominant whose triad the key already holds (V/IV is I) needs its seventh to be heard
            plain = set(dominant_of(goal_chord, seventh=False).pitch_classes) <= home.scale_set
            secondary = ("V7/" if seventh or plain else "V/") + base
            if half_bars and bar.slots[0].chord().root != goal_chord.root:
                bar.slots.append(_Slot(secondary, home, offset=bar_beats / 2))
            else:
                bar.slots = [_Slot(secondary, home)]
            placed += 1


def _borrowed(bars: list[_Bar], sections: list[SectionPlan], starts: list[int], style: Style, key: Key,
              bar_beats: float, rng: random.Random) -> None:
    """Major keys borrow the minor ``iv`` on the way home: ``IV iv I``."""
    for index, section in enumerate(sections):
        if section.kind not in ("A", "B", "bridge", "outro") or rng.random() > 0.45:
            continue
        for b in range(section.bars - 1):
            i = starts[index] + b
            bar, after = bars[i], bars[i + 1]
            if bar.cadence or len(bar.slots) > 1 or bar.slots[0].key.mode != "major":
                continue
            here, there = bar.slots[0].chord(), after.slots[0].chord()
            home = bar.slots[0].key
            if here.root != (home.tonic + 5) % 12 or not here.is_major or there.root != home.tonic:
                continue
            if bar_beats >= 3:
                bar.slots.append(_Slot("iv", home, offset=bar_beats / 2))
            else:
                bar.slots = [_Slot("iv", home)]
            break


def _aaba_bridges(bars: list[_Bar], sections: list[SectionPlan], starts: list[int], style: Style, key: Key,
                  bar_beats: float) -> None:
    """The bridge of a 32-bar song moves to the IV (the relative major in minor) and turns home at its end."""
    jazzy = style.name in _JAZZY
    away = key.relative() if key.is_minor else key.shifted(5)
    pool = _AABA_BRIDGE_JAZZ if jazzy else _AABA_BRIDGE
    for index, section in enumerate(sections):
        if section.kind != "bridge" or section.bars < 4:
            continue
        numerals = pool[(section.occurrence + key.tonic) % len(pool)].split()
        first = starts[index]
        body = section.bars - 2
        for b in range(body):
            _set(bars[first + b], numerals[b * len(numerals) // body], away)
        two = "ii°7" if key.is_minor else ("ii7" if jazzy else "IV" if not key.is_minor else "iv")
        _set(bars[first + section.bars - 2], two, key)
        _set(bars[first + section.bars - 1], _dominant(style, key), key, root_only=True)
        if index > 0 and bars[first - 1].slots[0].chord().root == key.tonic and bar_beats >= 3:
            pivot = "V7/III" if key.is_minor else "V7/IV"  # the home tonic turns into the new key's dominant
            bars[first - 1].slots.append(_Slot(pivot, key, offset=bar_beats / 2))


def _lift(bars: list[_Bar], sections: list[SectionPlan], starts: list[int], style: Style, key: Key,
          rng: random.Random) -> None:
    """The final chorus goes up a whole step (or a semitone), entered through its new dominant, and comes home
    through the home dominant so the piece still ends in its key."""
    choruses = [i for i, s in enumerate(sections) if s.kind == "B"]
    if len(choruses) < 2:
        return
    target = choruses[-1]
    section = sections[target]
    if section.bars < 4 or target == 0:
        return
    lifted = key.shifted(2 if rng.random() < 0.65 else 1)
    first = starts[target]
    for b in range(section.bars):
        for slot in bars[first + b].slots:
            slot.key = lifted
    before = bars[first - 1]
    _set(before, "V7" if lifted.mode in ("major", "minor") else _dominant(style, lifted), lifted, root_only=True)
    before.cadence = True
    following = sections[target + 1].kind if target + 1 < len(sections) else None
    if following is not None:
        last = bars[first + section.bars - 1]
        _set(last, "V7" if key.mode in ("major", "minor") else _dominant(style, key), key, root_only=True)
        last.cadence = True


def _home(bars: list[_Bar], key: Key, loop: bool) -> None:
    """The first bar is the tonic, and the last too unless the piece loops."""
    first = bars[0]
    if first.slots[0].chord().root != key.tonic or first.slots[0].key != key:
        first.slots[0] = _Slot(_tonic(key), key, root_only=True)
    first.slots[0].root_only = True
    if not loop:
        _set(bars[-1], _tonic(key), key, root_only=True)


def _interval(a: int, b: int) -> int:
    d = (b - a) % 12
    return min(d, 12 - d)


def _bass_line(bars: list[_Bar], sections: list[SectionPlan], style: Style, key: Key, bar_beats: float,
               rng: random.Random) -> None:
    """Choose each chord's bass: roots where the style wants them; elsewhere inversions that make the bass step
    (``I V6 vi``), passing notes between roots a third apart, pedals under intros and builds."""
    inversions = _allows_inversions(style)
    # choirs, church and classical writing take first inversions more readily than a band's bass player does
    third_cost = -0.4 if style.family in ("soul", "classical") else -0.25
    slots: list[tuple[int, _Slot]] = [(i, s) for i, bar in enumerate(bars) for s in bar.slots]
    if not inversions:
        for _, slot in slots:
            slot.bass = slot.chord().root
        return
    section_of = [bar.section for bar in bars]
    pedal_sections: dict[int, int] = {}
    for index, section in enumerate(sections):
        home = key
        if section.kind == "intro" and section.bars >= 2 and rng.random() < 0.7:
            pedal_sections[index] = home.tonic
        elif section.kind == "build" and section.bars >= 2:
            pedal_sections[index] = (home.tonic + 7) % 12
        elif section.kind == "bridge" and _form(style, sections) == "through" and rng.random() < 0.5:
            pedal_sections[index] = home.tonic
    previous: int | None = None
    for n, (i, slot) in enumerate(slots):
        chord = slot.chord()
        pcs = chord.pitch_classes
        pedal = pedal_sections.get(section_of[i])
        if slot.bass is not None:
            previous = slot.bass
            continue
        if pedal is not None and not (bars[i].cadence and i + 1 < len(bars) and section_of[i + 1] != section_of[i]):
            slot.bass = pedal
            previous = pedal
            continue
        if slot.root_only or previous is None or n + 1 >= len(slots) or slot.numeral.endswith("/5"):
            slot.bass = chord.fifth if slot.numeral.endswith("/5") else chord.root
            previous = slot.bass
            continue
        following = slots[n + 1][1].chord().root
        options = [(chord.root, _root_motion(previous, chord.root))]
        for pc, base in ((chord.third, third_cost), (chord.fifth, 0.45), (pcs[3] if len(pcs) > 3 else None, 0.3)):
            if pc is None:
                continue
            into = _interval(previous, pc)
            out = _interval(pc, following)
            if pc == chord.fifth and not (1 <= into <= 2 and 1 <= out <= 2):
                continue  # a six-four chord only as a passing chord
            if len(pcs) > 3 and pc == pcs[3] and not ((pc - following) % 12 in (1, 2)):
                continue  # the seventh in the bass must fall by step
            cost = base + (0.0 if into <= 2 else 0.3 if into <= 4 else 0.6) + (0.0 if 1 <= out <= 2 else 0.5)
            options.append((pc, cost))
        if slot.numeral.endswith("/3"):
            options = [(chord.third, 0.0)]
        repeated = n > 0 and slots[n - 1][1].chord() == chord and slots[n - 1][1].bass == chord.root
        if repeated and _interval(chord.third, following) <= 2:
            options.append((chord.third, -0.2))  # the bass walks up through a held chord: I I6 IV
        slot.bass = min(options, key=lambda o: o[1] + rng.uniform(0.0, 0.3))[0]
        previous = slot.bass
    _passing_basses(bars, key, bar_beats, rng)


def _root_motion(a: int, b: int) -> float:
    return {0: 0.35, 1: 0.1, 2: 0.1, 3: 0.15, 4: 0.15, 5: 0.05, 6: 0.6}[_interval(a, b)]


def _passing_basses(bars: list[_Bar], key: Key, bar_beats: float, rng: random.Random) -> None:
    """Between roots a third apart the bass takes the step between on the half bar (``C C/B | Am``)."""
    if bar_beats < 3:
        return
    for i in range(len(bars) - 1):
        bar, after = bars[i], bars[i + 1]
        if len(bar.slots) > 1 or bar.cadence or bar.slots[0].root_only or i == 0:
            continue
        slot, goal = bar.slots[0], after.slots[0]
        if slot.bass is None or goal.bass is None or slot.key != goal.key:
            continue
        gap = (goal.bass - slot.bass) % 12
        if gap not in (3, 4, 8, 9) or rng.random() > 0.7:
            continue
        down = gap in (8, 9)
        scale = slot.key.scale_set
        between = [p % 12 for p in ((slot.bass - 1, slot.bass - 2) if down else (slot.bass + 1, slot.bass + 2))
                   if p % 12 in scale and _interval(p % 12, goal.bass) in (1, 2)]
        if not between:
            continue
        bar.slots.append(_Slot(slot.numeral, slot.key, offset=bar_beats / 2, bass=between[0]))


def _finish(bars: list[_Bar]) -> list[BarHarmony]:
    chords = [[(s.offset, s.chord(), s.bass if s.bass is not None else s.chord().root) for s in bar.slots]
              for bar in bars]
    result = []
    for i, bar in enumerate(bars):
        first = chords[i][0]
        following = chords[i + 1][0][1] if i + 1 < len(bars) else chords[0][0][1]
        rest = chords[i][1:]
        result.append(BarHarmony(
            chord=first[1], next_chord=following, section=bar.section, bar_in_section=bar.in_section,
            cadence=bar.cadence, bass=first[2], key=bar.slots[0].key,
            changes=tuple((round(t, 6), c) for t, c, _ in rest), change_basses=tuple(b for _, _, b in rest),
        ))
    return result
