"""Drums and hand percussion: grooves a listener recognises, played with a drummer's craft.

A :class:`Groove` is a cycle of two or four bars written on step grids — one string per General MIDI drum key,
``X`` accent, ``x`` hit, ``O`` medium, ``o`` soft, ``g`` ghost, ``.`` rest; a string's length sets its grid
(16 = sixteenths and 12 = eighth-note triplets in 4/4) — in three layers chosen by a section's energy and role:
*light* (intros, quiet verses), *full*, and *peak* (choruses, solos, drops). :func:`drum_part` plays a groove
over a list of :class:`DrumBar` and adds what a drummer adds at the seams of a form:

* a fill in a section's last bar, one beat or two by the step in energy, denser than the groove it replaces;
* a crash on the downbeat of a section that arrives with energy (and on the final hit) — nowhere else;
* a snare build through a "build" section (eighths, sixteenths, then thirty-seconds) and a beat of silence
  before a drop; a breakdown thins to its hats; below an energy of 0.25 the kit rests but for a pickup;
* open hats into new phrases, generated hat rolls in trap and drill that change from bar to bar, comping that
  varies bar by bar in jazz;
* a final bar of one hit (kick and crash) that rings.

A groove in a metre it was not written for is halved (4/4 into 2/4), doubled (6/8 into 12/8) or regenerated
from the bar's pulses, so any style plays in 3/4, 6/8, 5/4 or 7/8 with a beat a listener (and a beat tracker)
finds. :func:`hand_part` writes one hand-percussion voice (congas, claves, palmas, dhol...) in the idiom of a
groove. Accents are written, not velocities: the performance layer turns them into dynamics, and it applies
swing — the triplet-grid grooves (swing, shuffle, gospel, brushes) are already swung.
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

from .instruments import PERCUSSION

__all__ = ["GROOVES", "DrumBar", "Event", "Groove", "drum_part", "groove_names", "hand_part"]

#: (start in beats, duration in beats, GM key, accent): 1.0 an ordinary hit, up to 1.27 accented, ~0.3 a ghost.
Event = tuple[float, float, int, float]
Hit = tuple[float, int, float, float]  # offset in the bar, key, accent, duration
Bar = tuple[Hit, ...]
Strings = Mapping[int, str]

# General MIDI percussion keys (channel 10) by their GM1 names.
KICK2, KICK, RIM, SNARE, CLAP, ESNARE = 35, 36, 37, 38, 39, 40  # Acoustic Bass Drum, Bass Drum 1, Side Stick...
FLOOR, HAT, FLOOR_HI, PEDAL, TOM_LO, OPEN, TOM_LM, TOM_HM, CRASH, TOM_HI, RIDE = range(41, 52)
BELL, TAMB, COWBELL, VIBRASLAP = 53, 54, 56, 58  # Ride Bell, Tambourine, Cowbell, Vibraslap
BONGO_HI, BONGO_LO, CONGA_MUTE, CONGA_OPEN, CONGA_LO, TIMBALE_HI, TIMBALE_LO = range(60, 67)
AGOGO_HI, AGOGO_LO, CABASA, MARACAS, WHISTLE_SHORT, WHISTLE_LONG, GUIRO_SHORT, GUIRO_LONG = range(67, 75)
CLAVES, WOOD_HI, WOOD_LO, CUICA_MUTE, CUICA_OPEN, TRIANGLE_MUTE, TRIANGLE_OPEN = range(75, 82)

_KICKS = frozenset({KICK, KICK2})
_BACKBEATS = frozenset({SNARE, CLAP, ESNARE})
_KEEPERS = frozenset({HAT, PEDAL, OPEN, RIDE, BELL, TAMB, MARACAS, CABASA, WOOD_HI, WOOD_LO})
_TOMS = (TOM_HI, TOM_HM, TOM_LM, TOM_LO, FLOOR_HI, FLOOR)
_ACCENT = {"X": 1.2, "x": 1.0, "O": 0.8, "o": 0.6, "g": 0.3}
#: Sections where a groove plays its peak layer (double kick in metal, ride in rock) when the energy is there.
_CLIMAX = frozenset({"chorus", "drop", "solo", "hook", "B"})
REST, THIN, LIGHT, FULL, PEAK, BUILD = "rest", "thin", "light", "full", "peak", "build"


@dataclass(frozen=True, slots=True)
class DrumBar:
    """One bar of the piece as the drummer sees it: where it is, what section it is in, what comes next."""

    index: int  #: bar number in the piece (0-based)
    start: float  #: beat where the bar starts; events come back in absolute beats
    beats: float  #: bar length in quarter notes (4 in 4/4, 3 in 3/4 and 6/8, 6 in 12/8, 2 in 2/4)
    section: str  #: "intro", "verse", "chorus", "bridge", "breakdown", "build", "drop", "solo", "outro", "A"...
    energy: float  #: the section's energy, 0-1
    first: bool  #: first bar of its section
    last: bool  #: last bar of its section
    next_section: str | None  #: the following section's name (None at the end)
    next_energy: float | None
    final: bool  #: the piece's closing bar: one hit (kick and crash) that rings, nothing after


@dataclass(frozen=True, slots=True)
class Figure:
    """A groove's cycle of bars in one metre, in its three layers."""

    beats: float
    compound: bool
    full: tuple[Bar, ...]
    light: tuple[Bar, ...]
    peak: tuple[Bar, ...]
    clave: bool = False  #: cycle by the piece's bar number, so a two-bar clave never turns round at a seam


@dataclass(frozen=True, slots=True)
class Groove:
    name: str
    doc: str
    figures: tuple[Figure, ...]  #: the first is the groove's home metre
    fill: str = "toms"  #: toms, snare, roll, trap, jazz, brush, latin, hand, orchestral, march, reggae
    kick: int = KICK
    backbeat: int = SNARE
    keeper: int = HAT  #: the time-keeping voice: what a breakdown keeps and a foreign metre is built on
    feel: str = "rock"  #: how a foreign metre is filled: "rock", "four" (on the floor), "half" (time), "swing"
    rolls: str | None = None  #: "trap" (32nds and triplets) or "drill" (triplets): hat rolls that vary per bar
    open_into: bool = False  #: an open hat on the last eighth of every fourth bar, into the next phrase
    adlib: tuple[Bar, ...] = ()  #: comping figures laid over full bars, one drawn per bar (jazz)


# --- pattern notation -------------------------------------------------------------------------------------------

def _parse(strings: Strings, beats: float) -> Bar:
    hits: list[Hit] = []
    for key, text in strings.items():
        steps = text.replace(" ", "")
        if not steps:
            continue
        if len(steps) / beats not in (1, 2, 3, 4, 6, 8):
            raise ValueError(f"key {key}: {len(steps)} steps do not divide a bar of {beats} beats: {text!r}")
        step = beats / len(steps)
        for i, mark in enumerate(steps):
            if mark != ".":
                hits.append((round(i * step, 6), key, _ACCENT[mark], min(step, 0.5)))
    return tuple(sorted(hits))


def _over(bar: Strings, changes: Strings) -> dict[int, str]:
    merged = {**bar, **changes}
    return {k: v for k, v in merged.items() if v}


def _soften(steps: str) -> str:
    return steps.translate(str.maketrans({"X": "x", "x": "o", "O": "o", "g": "."}))


def _thin(bar: Strings) -> dict[int, str]:
    """A verse-weight version of a full bar: time kept softer, kick on the strong beats, backbeat as a side stick."""
    out: dict[int, str] = {}
    for key, text in bar.items():
        steps = text.replace(" ", "")
        if key in _KEEPERS:
            out[key] = _soften(steps)
        elif key in _KICKS:
            out[key] = "".join(m if i in (0, len(steps) // 2) else "." for i, m in enumerate(steps))
        elif key in _BACKBEATS and RIM not in bar:
            out[RIM] = "".join("o" if m in "Xx" else "." for m in steps)
    return out


def _cycle(spec: Strings | Sequence[Strings]) -> list[Strings]:
    return [spec] if isinstance(spec, Mapping) else list(spec)


def _fig(full: Strings | Sequence[Strings], light: Strings | Sequence[Strings] | None = None,
         peak: Strings | Sequence[Strings] | None = None, beats: float = 4.0, compound: bool = False,
         clave: bool = False) -> Figure:
    fulls = _cycle(full)
    lights = _cycle(light) if light is not None else [_thin(b) for b in fulls]
    if peak is None:
        peaks: list[Strings] = fulls
    else:
        changes = _cycle(peak)
        count = max(len(fulls), len(changes))
        peaks = [_over(fulls[i % len(fulls)], changes[i % len(changes)]) for i in range(count)]
    return Figure(beats, compound, tuple(_parse(b, beats) for b in fulls), tuple(_parse(b, beats) for b in lights),
                  tuple(_parse(b, beats) for b in peaks), clave)


GROOVES: dict[str, Groove] = {}


def _add(name: str, doc: str, *figures: Figure, adlib: Sequence[Strings] = (), **kw) -> None:
    GROOVES[name] = Groove(name, doc, figures, adlib=tuple(_parse(a, figures[0].beats) for a in adlib), **kw)


def groove_names() -> frozenset[str]:
    return frozenset(GROOVES)


# --- the groove book --------------------------------------------------------------------------------------------
# Rock, pop and their neighbours: 8th hats with accented downbeats, backbeat on 2 and 4, a variation bar.

_ROCK = {KICK: "x... .... x.x. ....", SNARE: ".... X... ...g X...", HAT: "x.O. x.O. x.O. x.O."}
_add("rock", "kick 1 and 3-and, snare 2 and 4, accented 8th hats; ride in the chorus",
     _fig([_ROCK, _over(_ROCK, {KICK: "x... ..x. x... ...."}), _ROCK,
           {KICK: "x... .... x.x. ..x.", SNARE: ".... X... .... X..g", HAT: "x.O. x.O. x.O. x...",
            OPEN: ".... .... .... ..x."}],
          light={KICK: "x... .... x... ....", RIM: ".... o... .... o...", HAT: "x.o. x.o. x.o. x.o."},
          peak={HAT: "", RIDE: "x.O. x.O. x.O. x.O."}), open_into=True)
_POP = {KICK: "x... ..x. x... ....", SNARE: ".... X... .... X...", HAT: "x.O. x.O. x.O. x.O."}
_add("pop", "kick 1, 2-and, 3; snare 2 and 4; 8th hats, clap-layered 16ths in the chorus",
     _fig([_POP, {KICK: "x... ..x. x.x. ..x.", SNARE: ".... X... .... X.g.", HAT: "x.O. x.O. x.O. x...",
                  OPEN: ".... .... .... ..x."}],
          light={KICK: "x... .... x... ....", RIM: ".... o... .... o...", HAT: "x.o. x.o. x.o. x.o."},
          peak={CLAP: ".... x... .... x...", HAT: "xoOo xoOo xoOo xoOo"}), open_into=True)
_KPOP = {KICK: "x... ..x. ..x. ....", SNARE: ".... X... .... X...", CLAP: ".... x... .... x...",
         HAT: "x.x. x.x. x.x. x.x."}
_add("kpop", "punchy syncopated verse kick, snare and clap together; four-on-the-floor dance chorus",
     _fig([_KPOP, _over(_KPOP, {KICK: "x... ..x. ..x. x.x.", SNARE: ".... X... .... X..x"})],
          light={KICK: "x... .... x... ....", HAT: "..o. ..o. ..o. ..o.", CLAP: ".... o... .... o..."},
          peak={KICK: "X... x... X... x...", OPEN: "..x. ..x. ..x. ..x.", HAT: "xo.o xo.o xo.o xo.o"}),
     open_into=True)
_JPOP = {KICK: "x... ...x ..x. ....", SNARE: ".... X... .... X...", HAT: "x.O. x.O. x.O. x.O."}
_add("jpop", "driving anime-opening beat, syncopated kick; four-on-the-floor with open off-beat hats in the chorus",
     _fig([_JPOP, _over(_JPOP, {KICK: "x... ...x ..x. x...", SNARE: ".... X... .... X.x."})],
          peak={KICK: "x... x... x... x...", OPEN: "..x. ..x. ..x. ..x.", HAT: "x... x... x... x..."}),
     open_into=True)
_CITY = {KICK: "x... .... x.x. ....", SNARE: ".... X..g .... X...", HAT: "xoxo xoxo xoxo xoxo"}
_add("city_pop", "80s disco-funk lite: 16th hats, ghosted snare, open hats on the off-beats in the chorus",
     _fig([_CITY, {KICK: "x... ..x. x.x. ....", SNARE: ".... X..g ..g. X...", HAT: "xoxo xoxo xoxo xo..",
                   OPEN: ".... .... .... ..x."}],
          light={KICK: "x... .... x... ....", RIM: ".... o... .... o...", HAT: "x.o. x.o. x.o. x.o."},
          peak={CLAP: ".... x... .... x...", OPEN: "..x. ..x. ..x. ..x."}), open_into=True)
_add("synthwave", "80s: kick 1 and 3, big snare on 2 and 4, 8th hats going to 16ths in the chorus",
     _fig([{KICK: "x... .... x... ....", SNARE: ".... X... .... X...", HAT: "x.x. x.x. x.x. x.x."},
           {KICK: "x... .... x.x. ....", SNARE: ".... X... .... X...", HAT: "x.x. x.x. x.x. x...",
            OPEN: ".... .... .... ..x."}],
          light={KICK: "x... .... x... ....", HAT: "x.o. x.o. x.o. x.o."},
          peak={HAT: "xoxo xoxo xoxo xoxo", KICK: "x... ..x. x... ...."}))
_add("punk", "fast rock beat in the verse, the 1-2 skank (kick on the beats, snare on every off-beat) in the chorus",
     _fig([{KICK: "x... .... x.x. ....", SNARE: ".... X... .... X...", HAT: "x.x. x.x. x.x. x.x."},
           {KICK: "x.x. .... x.x. ....", SNARE: ".... X... .... X...", HAT: "x.x. x.x. x.x. x.x."}],
          light={KICK: "x... .... x... ....", SNARE: ".... x... .... x...", HAT: "x.o. x.o. x.o. x.o."},
          peak=[{KICK: "x... x... x... x...", SNARE: "..x. ..x. ..x. ..x.", HAT: "", RIDE: "x.x. x.x. x.x. x.x."},
                {KICK: "x... x... x... x.x.", SNARE: "..x. ..x. ..x. ..x.", HAT: "", RIDE: "x.x. x.x. x.x. x.x."}]))
_GRUNGE = {KICK: "x... ..x. x... ....", SNARE: ".... X... .... X...", HAT: "x.x. x.x. x.x. x.x."}
_add("grunge", "quiet verse on a closed hat and side stick, loud chorus on a washing open hat",
     _fig([_GRUNGE, _over(_GRUNGE, {KICK: "x... ..x. x.x. ..x."})],
          light={KICK: "x... .... x... ....", RIM: ".... o... .... o...", HAT: "x.o. x.o. x.o. x.o."},
          peak=[{HAT: "", OPEN: "x.o. x.o. x.o. x.o.", KICK: "x... ..x. x.x. ...."},
                {HAT: "", OPEN: "x.o. x.o. x.o. x.o.", KICK: "x... ..x. x.x. ..x."}]))
_add("shoegaze", "ride-led wash, kick 1 and 3-and; open-hat wash in the chorus",
     _fig([{KICK: "x... .... x.x. ....", SNARE: ".... X... .... X...", RIDE: "x.o. x.o. x.o. x.o."},
           {KICK: "x... ..x. x... ....", SNARE: ".... X... .... X...", RIDE: "x.o. x.o. x.o. x.o."}],
          light={KICK: "x... .... .... ....", RIDE: "x... x... x... x..."},
          peak=[{RIDE: "", OPEN: "x.x. x.x. x.x. x.x.", KICK: "x... ..x. x.x. ...."},
                {RIDE: "", OPEN: "x.x. x.x. x.x. x.x.", KICK: "x... ..x. x... ..x."}]))
_add("emo", "busy midwest-emo kick, a displaced snare accent in the second bar, ride bell in the chorus",
     _fig([{KICK: "x... ..x. x... ..x.", SNARE: ".... X... .... X...", HAT: "x.x. x.x. x.x. x.x."},
           {KICK: "x... ..x. .x.. x...", SNARE: ".... X... ..x. X...", HAT: "x.x. x.x. x.x. x.x."}],
          peak={HAT: "", BELL: "x.x. x.x. x.x. x.x."}))
_add("surf", "floor-tom 8ths under snare 2 and 4; Wipe Out 16ths on the floor tom in the chorus",
     _fig([{KICK: "x... .... x... ....", SNARE: ".... X... .... X...", FLOOR: "x.x. x.x. x.x. x.x."},
           {KICK: "x... .... x... ....", SNARE: ".... X... .... X...", FLOOR: "x.x. x.x. x.xx x.xx"}],
          light={KICK: "x... .... x... ....", HAT: "x.o. x.o. x.o. x.o.", RIM: ".... o... .... o..."},
          peak=[{FLOOR: "Xoxo xoxo Xoxo xoxo"}, {FLOOR: "Xoxo xoxo Xoxo xxxx"}]))
_add("metal", "kick following the chugs, 8th hats, snare 2 and 4; 16th double kick under a ride only in choruses",
     _fig([{KICK: "x.xx ..x. x.xx ..x.", SNARE: ".... X... .... X...", HAT: "x.x. x.x. x.x. x.x."},
           {KICK: "x.xx x.xx x.xx ..x.", SNARE: ".... X... .... X...", HAT: "x.x. x.x. x.x. x.x."}],
          light={KICK: "x... .... x... ....", SNARE: ".... x... .... x...", HAT: "x.o. x.o. x.o. x.o."},
          peak=[{KICK: "xxxx xxxx xxxx xxxx", HAT: "", RIDE: "x.x. x.x. x.x. x.x."},
                {KICK: "xxxx xxxx xxxx xxxx", HAT: "", RIDE: "x.x. x.x. x.x. ....", BELL: ".... .... .... x.x."}]))
_add("boss_battle", "driving 8th kick, quarter hats; galloping kick under a ride in the climax",
     _fig([{KICK: "x.x. x.x. x.x. x.x.", SNARE: ".... X... .... X...", HAT: "x... x... x... x..."},
           {KICK: "x.xx x.x. x.xx x.x.", SNARE: ".... X... .... X..x", HAT: "x... x... x... x..."}],
          light={KICK: "x... .... x... ....", HAT: "x.o. x.o. x.o. x.o."},
          peak={KICK: "x.xx x.xx x.xx x.xx", HAT: "", RIDE: "x.x. x.x. x.x. x.x."}))
_add("adventure", "heroic pop-rock beat; rolling tom pattern under a ride in the climax",
     _fig([{KICK: "x... ..x. x... ....", SNARE: ".... X..g .... X...", HAT: "x.x. x.x. x.x. x.x."},
           {KICK: "x... ..x. x... ....", SNARE: ".... X..g .... X...", HAT: "x.x. x.x. x.x. x.x.",
            TOM_LO: ".... .... .... ..x."}],
          light={KICK: "x... .... x... ....", HAT: "x.o. x.o. x.o. x.o."},
          peak={FLOOR: "x..x ..x. x..x ..x.", HAT: "", RIDE: "x.x. x.x. x.x. x.x."}), open_into=True)
_add("chiptune", "8-bit beat: kick 1 and 3-and, snare 2 and 4, noise hats going to 16ths",
     _fig([{KICK: "x... .... x.x. ....", SNARE: ".... x... .... x...", HAT: "x.x. x.x. x.x. x.x."},
           {KICK: "x... ..x. x... ....", SNARE: ".... x... .... x.xx", HAT: "x.x. x.x. x.x. x.x."}],
          peak={HAT: "xoxo xoxo xoxo xoxo", KICK: "x... x... x... x..."}), fill="roll")
_add("childrens", "bouncy simple beat with a tambourine lift in the chorus",
     _fig([{KICK: "x... .... x... ....", SNARE: ".... x... .... x...", HAT: "x.x. x.x. x.x. x.x."},
           {KICK: "x... ..x. x... ....", SNARE: ".... x... .... x.x.", HAT: "x.x. x.x. x.x. x.x."}],
          peak={TAMB: "..x. ..x. ..x. ..x."}))
_add("puzzle", "light and quirky: side stick on 2 and 4, off-beat hats, claps in the peak",
     _fig([{KICK: "x... .... x... ....", RIM: ".... x... .... x...", HAT: "..o. ..o. ..o. ..o."},
           {KICK: "x... ..x. x... ....", RIM: ".... x... .... x.o.", HAT: "..o. ..o. ..o. ..o."}],
          light={KICK: "x... .... .... ....", RIM: ".... o... .... o...", HAT: "..o. ..o. ..o. ..o."},
          peak={CLAP: ".... x... .... x...", HAT: "x.o. x.o. x.o. x.o."}), fill="snare", backbeat=RIM)
_add("corporate", "bright steady beat with claps; four-on-the-floor and open hats in the peak",
     _fig([{KICK: "x... .... x.x. ....", CLAP: ".... x... .... x...", HAT: "x.x. x.x. x.x. x.x."},
           {KICK: "x... ..x. x... ....", CLAP: ".... x... .... x...", HAT: "x.x. x.x. x.x. x...",
            OPEN: ".... .... .... ..x."}],
          light={KICK: "x... .... x... ....", HAT: "x.o. x.o. x.o. x.o.", CLAP: ".... o... .... o..."},
          peak=[{KICK: "x... x... x... x...", OPEN: "..x. ..x. ..x. ..x."},
                {KICK: "x... x... x... x.x.", OPEN: "..x. ..x. ..x. ..x.", CLAP: ".... x... .... x..x"}]),
     fill="roll", backbeat=CLAP)
_add("jingle", "upbeat pop beat with snare and clap together, 16th hats at the hook",
     _fig([{KICK: "x... ..x. x... ....", SNARE: ".... X... .... X...", CLAP: ".... x... .... x...",
            HAT: "x.x. x.x. x.x. x.x."},
           {KICK: "x... ..x. x.x. ....", SNARE: ".... X... .... X...", CLAP: ".... x... .... x...",
            HAT: "x.x. x.x. x.x. x.x."}],
          peak={HAT: "xoxo xoxo xoxo xoxo"}), open_into=True)
_add("folk", "light acoustic kit: kick 1 and 3, side stick 2 and 4; snare and tambourine in the chorus",
     _fig([{KICK: "x... .... x... ....", RIM: ".... x... .... x...", HAT: "x.o. x.o. x.o. x.o."},
           {KICK: "x... ..x. x... ....", RIM: ".... x... .... x...", HAT: "x.o. x.o. x.o. x.o."}],
          light={KICK: "x... .... x... ....", HAT: "o.o. o.o. o.o. o.o."},
          peak={RIM: "", SNARE: ".... X... .... X...", TAMB: "x.x. x.x. x.x. x.x."}), backbeat=RIM)
_add("hand", "a percussion kit: stomp-like bass drum, shaker 16ths, tambourine 2 and 4, conga answers",
     _fig([{KICK2: "x... .... x... ....", TAMB: ".... x... .... x...", MARACAS: "xoxo xoxo xoxo xoxo",
            CONGA_OPEN: ".... ..x. .... ..x."},
           {KICK2: "x... .... x... ....", TAMB: ".... x... .... x...", MARACAS: "xoxo xoxo xoxo xoxo",
            CONGA_OPEN: ".... ..x. .... ....", CONGA_LO: ".... .... .... .x.x"}],
          light={KICK2: "x... .... .... ....", MARACAS: "x.o. x.o. x.o. x.o."},
          peak={TAMB: "..x. x.x. ..x. x.x."}), fill="hand", kick=KICK2, backbeat=TAMB, keeper=MARACAS)

# Soul, funk, disco and dance: ghost notes, 16th hats, four on the floor.

_add("funk", "16th hats accented on the 8ths, syncopated kick, ghost-noted snare, an open hat on 3-and",
     _fig([{KICK: "x.x. .... ..x. .x..", SNARE: ".... X..g .g.. X..g", HAT: "xoxo xoxo xoxo xoxo"},
           {KICK: "x.x. .... ..x. x...", SNARE: ".... X..g .g.g X.g.", HAT: "xoxo xoxo xo.. xoxo",
            OPEN: ".... .... ..x. ...."}],
          light={KICK: "x... .... ..x. ....", SNARE: ".... o..g .... o...", HAT: "x.o. x.o. x.o. x.o."},
          peak={KICK: "x.x. ..x. ..x. .x.."}), fill="snare")
_SOUL = {KICK: "x... ...x ..x. ....", SNARE: ".... X..g .g.. X...", HAT: "x.O. x.O. x.O. x.O."}
_add("soul", "R&B backbeat with ghost notes, kick 1, 2-a, 3-and",
     _fig([_SOUL, {KICK: "x... ...x ..x. ..x.", SNARE: ".... X..g .g.. X..g", HAT: "x.O. x.O. x.O. x...",
                   OPEN: ".... .... .... ..o."}],
          light={KICK: "x... .... x... ....", RIM: ".... o... .... o...", HAT: "x.o. x.o. x.o. x.o."},
          peak={HAT: "xoOo xoOo xoOo xoOo"}), fill="snare", open_into=True)
_add("neo_soul", "lazy Dilla-ish kick, ghosty snare and hats (the lag is the performance layer's)",
     _fig([{KICK: "x... ..x. .x.. ....", SNARE: ".... X.g. ..g. X..g", HAT: "x.o. xgo. x.o. xgo."},
           {KICK: "x... ..x. .x.. .x..", SNARE: ".... X.g. .g.. X.g.", HAT: "x.o. xgo. x.o. x...",
            OPEN: ".... .... .... ..o."}],
          light={KICK: "x... .... .x.. ....", RIM: ".... o... .... o...", HAT: "x.o. x.o. x.o. x.o."},
          peak={SNARE: ".... X.g. ..gg X..g"}), fill="snare")
_add("gospel", "shuffled (triplet) gospel groove, ghost notes; ride and chops in the chorus",
     _fig([{KICK: "x.. ... x.x ...", SNARE: "... X.g ... X..", HAT: "x.x x.x x.x x.x"},
           {KICK: "x.. ..x x.. ..x", SNARE: "..g X.g ..g X.g", HAT: "x.x x.x x.x x.x"}],
          light={KICK: "x.. ... x.. ...", HAT: "x.o x.o x.o x.o", RIM: "... o.. ... o.."},
          peak={SNARE: "..g X.g ..g X.g", HAT: "", RIDE: "x.x X.x x.x X.x"}), fill="jazz")
_add("motown", "four-on-the-floor kick and snare on every beat (2 and 4 accented), 8th hats",
     _fig([{KICK: "x... x... x... x...", SNARE: "o... X... o... X...", HAT: "x.x. x.x. x.x. x.x."},
           {KICK: "x... x... x... x.x.", SNARE: "o... X... o... X.o.", HAT: "x.x. x.x. x.x. x.x."}],
          light={KICK: "x... .... x... ....", SNARE: ".... o... .... o...", HAT: "x.o. x.o. x.o. x.o."}),
     fill="snare", feel="four")
_add("disco", "four-on-the-floor, open hats on every off-beat, snare 2 and 4",
     _fig([{KICK: "x... x... x... x...", SNARE: ".... x... .... x...", OPEN: "..x. ..x. ..x. ..x.",
            HAT: "x... x... x... x..."},
           {KICK: "x... x... x... x...", SNARE: ".... x... .... x.x.", OPEN: "..x. ..x. ..x. ..x.",
            HAT: "x... x... x... x..."}],
          light={KICK: "x... x... x... x...", HAT: "..o. ..o. ..o. ..o."},
          peak={HAT: "xo.o xo.o xo.o xo.o", CLAP: ".... x... .... x..."}), fill="roll", feel="four")
_add("house", "four-on-the-floor, clap 2 and 4, open hats on the off-beats, skipping closed hats",
     _fig([{KICK: "x... x... x... x...", CLAP: ".... x... .... x...", OPEN: "..x. ..x. ..x. ..x.",
            HAT: "o..o o..o o..o o..o"},
           {KICK: "x... x... x... x...", CLAP: ".... x... .... x..x", OPEN: "..x. ..x. ..x. ..x.",
            HAT: "o..o o..o o..o o..o"}],
          light={KICK: "x... x... x... x...", OPEN: "..o. ..o. ..o. ..o."},
          peak={HAT: "oxoo oxoo oxoo oxoo", SNARE: ".... x... .... x...", RIDE: "x.x. x.x. x.x. x.x."}),
     fill="roll", backbeat=CLAP, feel="four")
_add("edm", "big-room four-on-the-floor; sparse verse, the drop densest (16th hats, ride, clap and snare)",
     _fig([{KICK: "X... x... X... x...", CLAP: ".... X... .... X...", SNARE: ".... x... .... x...",
            OPEN: "..x. ..x. ..x. ..x.", HAT: "x..x x..x x..x x..x"},
           {KICK: "X... x... X... x...", CLAP: ".... X... .... X...", SNARE: ".... x... .... x.x.",
            OPEN: "..x. ..x. ..x. ..x.", HAT: "x..x x..x x..x x..x"}],
          light={KICK: "x... .... x... ....", OPEN: "..o. ..o. ..o. ..o.", CLAP: ".... o... .... o..."},
          peak={KICK: "X... X... X... X...", HAT: "xoxo xoxo xoxo xoxo", RIDE: "x.x. x.x. x.x. x.x.",
                OPEN: "..X. ..X. ..X. ..X."}), fill="roll", backbeat=CLAP, feel="four")
_add("techno", "relentless kick, off-beat open hats, soft clap, a syncopated rim; ride and 16ths at the peak",
     _fig([{KICK: "X... X... X... X...", OPEN: "..x. ..x. ..x. ..x.", CLAP: ".... o... .... o...",
            HAT: "o..o o..o o..o o..o"},
           {KICK: "X... X... X... X...", OPEN: "..x. ..x. ..x. ..x.", CLAP: ".... o... .... o...",
            HAT: "o..o o..o o..o o..o", RIM: "...o ..o. .... o..."}],
          light={KICK: "x... x... x... x...", OPEN: "..o. ..o. ..o. ..o."},
          peak={HAT: "xoxo xoxo xoxo xoxo", RIDE: "x.x. x.x. x.x. x.x.", CLAP: ".... x... .... x..."}),
     fill="roll", backbeat=CLAP, feel="four")
_add("trance", "four-on-the-floor with off-beat open hats and clap; ride and snare at the peak",
     _fig([{KICK: "X... X... X... X...", OPEN: "..x. ..x. ..x. ..x.", CLAP: ".... x... .... x...",
            HAT: "x..o x..o x..o x..o"},
           {KICK: "X... X... X... X...", OPEN: "..x. ..x. ..x. ..x.", CLAP: ".... x... .... x..x",
            HAT: "x..o x..o x..o xooo"}],
          light={KICK: "x... x... x... x...", OPEN: "..o. ..o. ..o. ..o."},
          peak={RIDE: "x.x. x.x. x.x. x.x.", SNARE: ".... x... .... x..."}), fill="roll", backbeat=CLAP,
     feel="four")
_add("amapiano", "deep-house kick, clap 2 and 4, syncopated rim, off-beat hats (shakers are a hand part)",
     _fig([{KICK: "x... x... x... x...", CLAP: ".... x... .... x...", RIM: "...x ..x. .... ...x",
            OPEN: "..x. ..x. ..x. ..x."},
           {KICK: "x... x... x... x.x.", CLAP: ".... x... .... x...", RIM: "...x ..x. ..x. ....",
            OPEN: "..x. ..x. ..x. ..x."}],
          light={KICK: "x... .... x... ....", HAT: "..o. ..o. ..o. ..o."},
          peak={HAT: "xoxo xoxo xoxo xoxo", CLAP: ".... X... .... X..."}), fill="roll", backbeat=CLAP,
     feel="four")
_add("two_step", "UK garage: skippy kick missing beat 3, snare 2 and 4, shuffled 16th hats, rim syncopations",
     _fig([{KICK: "x... .... ..x. ....", SNARE: ".... X... .... X...", HAT: "o.xo o.xo o.xo o.xo"},
           {KICK: "x... ...x .... ..x.", SNARE: ".... X... .... X...", HAT: "o.xo o.xo o.xo o.xo",
            RIM: "...o .... ..o. ...."}],
          light={KICK: "x... .... ..x. ....", HAT: "..o. ..o. ..o. ..o."},
          peak={OPEN: "..x. ..x. ..x. ..x.", CLAP: ".... x... .... x..."}), fill="roll")

# Hip hop and bass music: half time, 808 kicks, hat rolls.

_add("boom_bap", "kick 1, 2-a, 3-and, hard snare 2 and 4, 8th hats (swung by the performance layer)",
     _fig([{KICK: "x... ...x ..x. ....", SNARE: ".... X... .... X...", HAT: "x.O. x.O. x.O. x.O."},
           {KICK: "x.x. .... ..x. .x..", SNARE: ".... X... .... X..g", HAT: "x.O. x.O. x.O. x...",
            OPEN: ".... .... .... ..o."}],
          light={KICK: "x... .... ..x. ....", HAT: "x.o. x.o. x.o. x.o.", RIM: ".... o... .... o..."},
          peak={HAT: "x.Ox x.Ox x.Ox x.Ox"}), fill="snare")
_TRAP = {SNARE: ".... .... X... ....", CLAP: ".... .... x... ....", HAT: "x.x. x.x. x.x. x.x."}
_add("trap", "half time: snare and clap on 3, 808 kick patterns, hat rolls in 32nds and triplets that vary",
     _fig([{**_TRAP, KICK: "x... .... ..x. .x.."}, {**_TRAP, KICK: "x... ...x ..x. ...."},
           {**_TRAP, KICK: "x... .... ..x. .x.."},
           {**_TRAP, KICK: "x..x .... ..x. ..x.", SNARE: ".... .... X... ..x."}],
          light={KICK: "x... .... ..x. ....", HAT: "o.o. o.o. o.o. o.o."},
          peak={HAT: "xoxo xoxo xoxo xoxo"}), fill="trap", feel="half", rolls="trap")
_DRILL = {CLAP: ".... .... x... ....", HAT: "x.x .xx x.x .x."}
_add("drill", "sliding-808 kick, off-kilter snares (moved off 3 in alternate bars), triplet hats and rolls",
     _fig([{**_DRILL, KICK: "x... .... ..x. ....", SNARE: ".... .... X... ...."},
           {**_DRILL, KICK: "x... ..x. .... .x..", SNARE: ".... .... X... ..x."},
           {**_DRILL, KICK: "x... .... ..x. ....", SNARE: ".... .... X... ...."},
           {KICK: "x... ..x. .... ....", SNARE: ".... ..X. .... X...", CLAP: ".... ..x. .... x...",
            HAT: "x.x .xx x.x .x."}],
          light={KICK: "x... .... .... ....", HAT: "x.o x.o x.o x.o"},
          peak={HAT: "xox xox xox xox"}), fill="trap", feel="half", rolls="drill")
_add("phonk", "3-3-2 kick and cowbell figure, clap 2 and 4, steady hats",
     _fig([{KICK: "x... ..x. .... x...", CLAP: ".... X... .... X...", COWBELL: "x..x ..x. x..x ..x.",
            HAT: "x.x. x.x. x.x. x.x."},
           {KICK: "x... ..x. .... x.x.", CLAP: ".... X... .... X...", COWBELL: "x..x ..x. x.x. x.x.",
            HAT: "x.x. x.x. x.x. x.x."}],
          light={KICK: "x... .... .... ....", COWBELL: "o..o ..o. o..o ..o.", HAT: "o.o. o.o. o.o. o.o."},
          peak={HAT: "xoxo xoxo xoxo xoxo"}), fill="roll", backbeat=CLAP)
_add("dubstep", "half time: kick on 1, snare on 3 only, 8th hats; syncopated kick and 16ths in the drop",
     _fig([{KICK: "x... .... .... ....", SNARE: ".... .... X... ....", HAT: "x.x. x.x. x.x. x.x."},
           {KICK: "x... .... ..x. ....", SNARE: ".... .... X... ....", HAT: "x.x. x.x. x.x. x.x."}],
          light={KICK: "x... .... .... ....", HAT: "x.o. x.o. x.o. x.o."},
          peak=[{KICK: "x... ..x. .... ..x.", CLAP: ".... .... X... ....", HAT: "xoxo xoxo xoxo xoxo"},
                {KICK: "x... ..x. ..x. x...", CLAP: ".... .... X... ....", HAT: "xoxo xoxo xoxo xxxx"}]),
     fill="roll", feel="half")
_add("dnb", "two-step breakbeat: kick 1 and 3-and, snare 2 and 4 with ghosts; ride over 16ths at the peak",
     _fig([{KICK: "x... .... ..x. ....", SNARE: ".... X... ...g X...", HAT: "x.x. x.x. x.x. x.x."},
           {KICK: "x.x. .... ..x. ....", SNARE: ".... X..g .g.. X..g", HAT: "x.x. x.x. x.x. x.x."}],
          light={KICK: "x... .... .... ....", HAT: "x.o. x.o. x.o. x.o."},
          peak={RIDE: "x.x. x.x. x.x. x.x.", HAT: "xoxo xoxo xoxo xoxo"}), fill="roll")
_add("hyperpop", "maximal: stuttering kick, snare and clap 2 and 4, 16th hats with rolls",
     _fig([{KICK: "x..x .... ..x. ....", SNARE: ".... X... .... X...", CLAP: ".... x... .... x...",
            HAT: "xoxo xoxo xoxo xoxo"},
           {KICK: "x..x ..x. ..x. ..x.", SNARE: ".... X... .... X.x.", CLAP: ".... x... .... x...",
            HAT: "xoxo xoxo xoxo xoxo"}],
          light={KICK: "x... .... ..x. ....", HAT: "x.o. x.o. x.o. x.o."},
          peak={KICK: "x..x ..x. x.x. ..x.", OPEN: "..x. ..x. ..x. ..x."}), fill="roll", rolls="trap")

# Reggae and Caribbean.

_add("one_drop", "roots reggae: kick and side stick together on 3 only, swung 8th hats with a flick",
     _fig([{KICK: ".... .... X... ....", RIM: ".... .... x... ....", HAT: "x.O. x.O. x.O. x.O."},
           {KICK: ".... .... X... ....", RIM: ".... .... x... ....", HAT: "x.O. x.O. x.O. x.xx"}],
          light={RIM: ".... .... o... ....", HAT: "x.o. x.o. x.o. x.o."},
          peak=[{RIM: "", SNARE: ".... .... X... ....", HAT: "xoxo xoxo xoxo xoxo"},
                {RIM: "", SNARE: ".... .... X... ....", HAT: "xoxo xoxo xoxo xo..", OPEN: ".... .... .... ..o."}]),
     fill="reggae", backbeat=RIM, feel="half")
_add("steppers", "reggae steppers: four-on-the-floor kick, side stick on 3",
     _fig([{KICK: "x... x... x... x...", RIM: ".... .... X... ....", HAT: "x.O. x.O. x.O. x.O."},
           {KICK: "x... x... x... x...", RIM: ".... .... X... ..o.", HAT: "x.O. x.O. x.O. x.xx"}],
          light={KICK: "x... .... x... ....", HAT: "x.o. x.o. x.o. x.o."}), fill="reggae", backbeat=RIM,
     feel="four")
_add("ska", "off-beat hats, snare 2 and 4, kick 1 and 3; four-on-the-floor with open off-beats at the peak",
     _fig([{KICK: "x... .... x... ....", SNARE: ".... X... .... X...", HAT: "..x. ..x. ..x. ..x."},
           {KICK: "x... .... x... ....", SNARE: ".... X... .... X.x.", HAT: "..x. ..x. ..x. ..x."}],
          light={KICK: "x... .... x... ....", RIM: ".... o... .... o...", HAT: "..o. ..o. ..o. ..o."},
          peak={KICK: "x... x... x... x...", OPEN: "..x. ..x. ..x. ..x.", HAT: ""}), fill="snare")
_add("dancehall", "riddim: kick on 1, snare on 3, syncopated side sticks",
     _fig([{KICK: "x... .... ..x. ....", SNARE: ".... .... X... ....", RIM: "...x .... .x.. ..x.",
            HAT: "x.x. x.x. x.x. x.x."},
           {KICK: "x... ..x. ..x. ....", SNARE: ".... .... X... .x..", RIM: "...x .... .... ..x.",
            HAT: "x.x. x.x. x.x. x.x."}],
          light={KICK: "x... .... .... ....", HAT: "x.o. x.o. x.o. x.o.", RIM: ".... .... o... ...."},
          peak={KICK: "x... ..x. ..x. ..x.", CLAP: ".... .... X... ...."}), fill="snare", feel="half")
_DEMBOW = {KICK: "x... x... x... x...", SNARE: "...x ..x. ...x ..x.", HAT: "x.x. x.x. x.x. x.x."}
_add("dembow", "reggaeton: kick on every beat, snare on the a of 1 and the and of 2 (and of 3 and 4)",
     _fig([_DEMBOW, _DEMBOW, _DEMBOW, _over(_DEMBOW, {SNARE: "...x ..x. ...x ..xx"})],
          light={KICK: "x... x... x... x...", RIM: "...o ..o. ...o ..o.", HAT: "x.o. x.o. x.o. x.o."},
          peak={CLAP: "...x ..x. ...x ..x.", HAT: "xoxo xoxo xoxo xoxo"}), fill="roll", feel="four")

# Latin.

_add("salsa", "2-3 son clave frame: cáscara on the timbale shell, bombo on the 3-side's 2-and, bell at the peak",
     _fig([{TIMBALE_HI: "x... x.x. ..x. ..x.", KICK: ".... .... .... o..."},
           {TIMBALE_HI: "x... x... x.x. ..x.", KICK: ".... ..x. .... o..."}],
          light=[{TIMBALE_HI: "o... o.o. ..o. ..o."}, {TIMBALE_HI: "o... o... o.o. ..o."}],
          peak=[{TIMBALE_HI: "", COWBELL: "X.o. x.o. X.o. x.o.", TIMBALE_LO: ".... .... .... ..x."},
                {TIMBALE_HI: "", COWBELL: "X.o. x.o. X.o. x.o.", TIMBALE_LO: ".... .... .... x..."}],
          clave=True), fill="latin", backbeat=TIMBALE_LO, keeper=COWBELL)
_add("samba", "surdo-weighted kick (beats 2 and 4 heavy), partido-alto side stick, 16th caixa at the peak",
     _fig([{KICK: "o..x X..x o..x X..x", RIM: "x..x ..x. ..x. .x..", PEDAL: "..x. ..x. ..x. ..x."},
           {KICK: "o..x X..x o..x X..x", RIM: "..x. .x.. x..x ..x.", PEDAL: "..x. ..x. ..x. ..x."}],
          light={KICK: "o... X... o... X...", RIM: "x..x ..x. ..x. .x.."},
          peak={SNARE: "g.gx g.gx g.gx g.gx"}), fill="snare", keeper=PEDAL)
_add("bossa", "bossa nova: heartbeat kick (1 and the a of 1), bossa clave on the side stick, soft 8ths",
     _fig([{KICK: "x..o x..o x..o x..o", RIM: "x..x ..x. ..x. .x..", HAT: "o.o. o.o. o.o. o.o."},
           {KICK: "x..o x..o x..o x..o", RIM: "..x. .x.. .x.. x...", HAT: "o.o. o.o. o.o. o.o."}],
          light={KICK: "x... .... x... ....", RIM: "x..x ..x. ..x. .x.."},
          peak={HAT: "", RIDE: "x.o. x.o. x.o. x.o."}), fill="brush", backbeat=RIM)
_add("cumbia", "2-feel: kick on 1 and 3, off-beat hat chuck, side stick 2 and 4 (güira is a hand part)",
     _fig([{KICK: "x... .... x... ....", RIM: ".... x... .... x...", HAT: "..x. ..x. ..x. ..x."},
           {KICK: "x... .... x... ..x.", RIM: ".... x... .... x...", HAT: "..x. ..x. ..x. ..x."}],
          light={KICK: "x... .... x... ....", HAT: "..o. ..o. ..o. ..o."},
          peak=[{KICK: "x... ..x. x... ..x.", OPEN: "..x. .... ..x. ...."},
                {KICK: "x... ..x. x.x. ..x.", OPEN: "..x. .... ..x. ...."}]), fill="latin", backbeat=RIM)
_add("bachata", "kick 1 and 3, güira-shaped hats (8th and two 16ths), a slap on 4-and",
     _fig([{KICK: "x... .... x... ....", HAT: "x.xx x.xx x.xx x.xx", RIM: ".... .... .... ..x."},
           {KICK: "x... .... x... ..x.", HAT: "x.xx x.xx x.xx x.xx", RIM: ".... ..x. .... ..x."}],
          light={KICK: "x... .... .... ....", HAT: "x.oo x.oo x.oo x.oo"},
          peak={KICK: "x... ..x. x... ..x."}), fill="latin", backbeat=RIM)
_add("mariachi", "ranchera vals in 3/4 (bass 1, chords 2 and 3); son in 6/8 alternating with 3/4 (sesquiáltera)",
     _fig([{KICK: "x... .... ....", SNARE: ".... x... x...", HAT: "x... x... x..."},
           {KICK: "x... .... ..x.", SNARE: ".... x... x...", HAT: "x... x... x..."}],
          light={KICK: "x... .... ....", HAT: "x... o... o..."}, beats=3.0),
     _fig([{KICK: "X..x..", SNARE: "...x..", HAT: "x.xx.x"}, {KICK: "X.x.x.", SNARE: ".o.o.o", HAT: "x.x.x."}],
          light={KICK: "x.....", HAT: "x..x.."}, beats=3.0, compound=True), fill="snare")
_COMPAS = {RIM: "ggX ggX gXg XgX", KICK2: "..x ..x ... ..x"}
_add("compas", "bulería 12-beat compás in 12/8: cajón-like slaps accenting 3, 6, 8, 10 and 12",
     _fig([_COMPAS, {RIM: "ggX ggX gXg XgX", KICK2: "o.x ..x .x. ..x"}],
          light={RIM: "..o ..o .o. o.o"}, peak=[{KICK2: "..x ..x .x. x.x"}, {KICK2: "o.x ..x .x. X.x"}],
          beats=6.0, compound=True),
     fill="snare", kick=KICK2, backbeat=RIM, keeper=CLAP)
_add("rumba", "rumba flamenca: cajón bass on 1, 2-and, 3, 4-and, slaps on 2 and 4 with ghosts",
     _fig([{KICK2: "x... ..x. x... ..x.", RIM: "..g. X.g. ..g. X.g."},
           {KICK2: "x... ..x. x... ..x.", RIM: "..g. X.g. ..g. X.gg"}],
          light={KICK2: "x... .... x... ....", RIM: ".... o... .... o..."},
          peak=[{RIM: "g.g. X.gg g.g. X.gg"}, {RIM: "g.g. X.gg g.g. X.gg", KICK2: "x... ..x. x..x ..x."}]),
     fill="snare", kick=KICK2, backbeat=RIM, keeper=CLAP)

# African and Indian.

_add("afrobeat", "Tony Allen style: busy kick, ghosted snare, open hats on every off-beat",
     _fig([{KICK: "x... ..x. ..x. x...", SNARE: ".... X..g .g.. X.g.", OPEN: "..x. ..x. ..x. ..x.",
            HAT: "x..o x..o x..o x..o"},
           {KICK: "x..x ..x. x... ..x.", SNARE: ".... X..g .gg. X..g", OPEN: "..x. ..x. ..x. ..x.",
            HAT: "x..o x..o x..o x..o"}],
          light={KICK: "x... .... x... ....", HAT: "x..o x..o x..o x..o", OPEN: "..o. ..o. ..o. ..o."},
          peak=[{KICK: "x..x ..x. x..x ..x."}, {KICK: "x..x ..x. x... .xx.", SNARE: ".... X.gg .g.g X.g."}]),
     fill="toms")
_add("afrobeats", "afropop: syncopated 3-3-2 kick, clap 2 and 4, off-beat rims (shaker is a hand part)",
     _fig([{KICK: "x..x ..x. x... ....", CLAP: ".... x... .... x...", RIM: "...x .... ..x. ....",
            HAT: "..o. ..o. ..o. ..o."},
           {KICK: "x..x ..x. x... ..x.", CLAP: ".... x... .... x...", RIM: "...x ..x. ..x. ....",
            HAT: "..o. ..o. ..o. ..o."}],
          light={KICK: "x... .... x... ....", HAT: "..o. ..o. ..o. ..o.", RIM: ".... .... ..o. ...."},
          peak={OPEN: "..x. .... ..x. ....", HAT: "x.o. x.o. x.o. x.o."}), fill="hand", backbeat=CLAP)
_add("highlife", "kick 1 and 3, light snare, 8th hats under a bell line",
     _fig([{KICK: "x... .... x... ....", SNARE: ".... x... .... x...", HAT: "x.x. x.x. x.x. x.x.",
            COWBELL: "x..x ..x. ..x. x..."},
           {KICK: "x... ..x. x... ....", SNARE: ".... x... .... x..g", HAT: "x.x. x.x. x.x. x.x.",
            COWBELL: "x..x ..x. ..x. x..."}],
          light={KICK: "x... .... x... ....", COWBELL: "o..o ..o. ..o. o..."},
          peak={OPEN: ".... .... .... ..x."}), fill="toms")
_add("bhangra", "bhangra-pop: long-short chaal kick (1, 2-and, 3, 4-and), snare 2 and 4 (dhol and tabla are hand parts)",
     _fig([{KICK: "x... ..x. x... ..x.", SNARE: ".... X... .... X...", HAT: "x.ox x.ox x.ox x.ox"},
           {KICK: "x... ..x. x... ..x.", SNARE: ".... X... .... X.x.", HAT: "x.ox x.ox x.ox x..."}],
          light={KICK: "x... .... x... ....", HAT: "x.o. x.o. x.o. x.o."},
          peak={KICK: "x..x ..x. x..x ..x.", CLAP: ".... x... .... x..."}), fill="toms")

# Jazz and blues: triplet grids (already swung).

_SWING = {RIDE: "x.. X.x x.. X.x", PEDAL: "... x.. ... x..", KICK: "g.. g.. g.. g.."}
_COMPING = ({SNARE: "... ... ..g ..."}, {SNARE: "..g ... ... ..g"}, {SNARE: "... ..g ... ..."},
            {SNARE: "... ... ... ..o"}, {SNARE: "..g ..g ... ..."}, {})
_add("swing", "ride spang-a-lang, hi-hat foot on 2 and 4, feathered kick, snare comping that varies",
     _fig(_SWING, light={RIDE: "x.. o.o x.. o.o", PEDAL: "... x.. ... x.."},
          peak={RIDE: "x.. X.x X.. X.x"}),
     fill="jazz", keeper=RIDE, feel="swing", adlib=_COMPING)
_add("bebop", "fast ride pattern, hat on 2 and 4, busier snare comping and kick bombs",
     _fig(_SWING, light={RIDE: "x.. o.o x.. o.o", PEDAL: "... x.. ... x.."}),
     fill="jazz", keeper=RIDE, feel="swing",
     adlib=_COMPING + ({SNARE: "..o ... ..g ..o"}, {KICK: "... ..x ... ..."}, {SNARE: ".g. ..o ... .g."},
                       {KICK: "... ... ... ..x", SNARE: "..g ... ..g ..."}))
_add("big_band", "ride and four feathered kicks, hat 2 and 4; snare-and-kick setups in the shout chorus",
     _fig({RIDE: "x.. X.x x.. X.x", PEDAL: "... x.. ... x..", KICK: "o.. o.. o.. o.."},
          light={RIDE: "x.. o.o x.. o.o", PEDAL: "... x.. ... x.."},
          peak={SNARE: "... ..x ... ..x", KICK: "o.. o.x o.. o.x", RIDE: "X.. X.x X.. X.x"}),
     fill="jazz", keeper=RIDE, feel="swing", adlib=_COMPING[:4])
_add("brushes", "cool jazz brushes: swung taps on the snare, hat foot 2 and 4, ride joining at the peak",
     _fig([{SNARE: "o.g O.o o.g O.o", PEDAL: "... x.. ... x..", KICK: "g.. ... g.. ..."},
           {SNARE: "o.g O.o o.g O.O", PEDAL: "... x.. ... x..", KICK: "g.. ... g.. ..g"}],
          light={SNARE: "o.. o.g o.. o.g", PEDAL: "... o.. ... o.."},
          peak={RIDE: "x.. X.x x.. X.x"}), fill="brush", keeper=SNARE, feel="swing")
_add("noir", "slow brushes and a soft ride, hat foot on 2 and 4",
     _fig([{SNARE: "g.. o.g g.. o.g", PEDAL: "... x.. ... x..", RIDE: "o.. o.o o.. o.o", KICK: "g.. ... ... ..."},
           {SNARE: "g.. o.g g.g o.o", PEDAL: "... x.. ... x..", RIDE: "o.. o.o o.. o.o", KICK: "g.. ... ... ..."}],
          light={RIDE: "o.. o.o o.. o.o", PEDAL: "... o.. ... o.."},
          peak=[{SNARE: "o.g O.o o.g O.o"}, {SNARE: "o.g O.o o.g O.O"}]), fill="brush", keeper=RIDE, feel="swing")
_add("shuffle", "blues shuffle: triplet long-short hats, snare 2 and 4, kick 1 and 3; ride at the peak",
     _fig([{KICK: "x.. ... x.. ...", SNARE: "... X.. ... X..", HAT: "x.x x.x x.x x.x"},
           {KICK: "x.. ... x.. ..x", SNARE: "... X.. ... X.g", HAT: "x.x x.x x.x x.x"}],
          light={KICK: "x.. ... x.. ...", HAT: "x.o x.o x.o x.o"},
          peak={HAT: "", RIDE: "x.x X.x x.x X.x", SNARE: "..g X.. ..g X.."}), fill="jazz", feel="swing")

# Country, folk and dances.

_add("train", "country train beat: 16th snare (brushes) accented on 2 and 4, kick 1 and 3",
     _fig([{KICK: "x... .... x... ....", SNARE: "ggog Xgog ggog Xgog"},
           {KICK: "x... .... x... ..x.", SNARE: "ggog Xgog ggog XgOg"}],
          light={KICK: "x... .... x... ....", SNARE: "g.o. X.o. g.o. X.o."},
          peak={SNARE: "goxo Xoxo goxo Xoxo"}), fill="snare", keeper=SNARE)
_add("bluegrass", "cut time: brushed snare chop on 2 and 4 with 8th taps, kick 1 and 3",
     _fig([{KICK: "x... .... x... ....", SNARE: "g.g. X.g. g.g. X.g."},
           {KICK: "x... .... x... ....", SNARE: "g.g. X.g. g.g. X.gg"}],
          light={KICK: "x... .... x... ....", SNARE: ".... o... .... o..."}), fill="brush", keeper=SNARE)
_add("western", "clip-clop: high and low woodblocks trotting, a gallop pickup in the second bar",
     _fig([{WOOD_HI: "x... x... x... x...", WOOD_LO: "..x. ..x. ..x. ..x.", KICK2: "x... .... x... ...."},
           {WOOD_HI: "x... x... x... x...", WOOD_LO: "..x. ..xx ..x. ..xx", KICK2: "x... .... x... ...."}],
          light={WOOD_HI: "x... x... x... x...", WOOD_LO: "..o. ..o. ..o. ..o."},
          peak={SNARE: ".... x... .... x...", FLOOR: "x... .... x... ...."}), fill="snare", kick=KICK2,
     keeper=WOOD_HI)
_add("celtic", "reel: light kit under the tune, bass drum 1 and 3, side stick 2 and 4; jig feel in 6/8",
     _fig([{KICK2: "x... .... x... ....", RIM: ".... x... .... x...", HAT: "x.o. x.o. x.o. x.o."},
           {KICK2: "x... .... x.x. ....", RIM: ".... x... .... x...", HAT: "x.o. x.o. x.o. x.oo"}],
          light={KICK2: "x... .... x... ....", HAT: "x.o. x.o. x.o. x.o."},
          peak={RIM: "", SNARE: ".... X... .... X...", FLOOR_HI: "..o. ..o. ..o. ..o."}),
     _fig([{KICK2: "x.....", RIM: "...x..", HAT: "xooxoo"}, {KICK2: "x.....", RIM: "...x.o", HAT: "xooxoo"}],
          beats=3.0, compound=True), kick=KICK2, backbeat=RIM)
_add("jig", "6/8: bass drum on the first pulse, side stick on the second, hats on every eighth",
     _fig([{KICK2: "x.....", RIM: "...x..", HAT: "xooxoo"}, {KICK2: "x..x..", RIM: "...x.o", HAT: "xooxoo"}],
          light={KICK2: "x.....", HAT: "x..o.."},
          peak=[{RIM: "", SNARE: "...X..", KICK2: "x..x..", HAT: "xoxxox"},
                {RIM: "", SNARE: "...X.x", KICK2: "x..x..", HAT: "xoxxox"}], beats=3.0, compound=True),
     kick=KICK2, backbeat=RIM)
_add("shanty", "stomps on 1 and 3, claps on 2 and 4 (in 6/8: stomp, clap); every beat stomped at the peak",
     _fig([{KICK2: "x... .... x... ....", CLAP: ".... X... .... X..."},
           {KICK2: "x... .... x.x. ....", CLAP: ".... X... .... X..."}],
          light={KICK2: "x... .... x... ....", CLAP: ".... o... .... o..."},
          peak=[{KICK2: "x... x... x... x...", TAMB: "..x. ..x. ..x. ..x."},
                {KICK2: "x... x... x... x.x.", TAMB: "..x. ..x. ..x. ..x."}]),
     _fig([{KICK2: "x.....", CLAP: "...X.."}, {KICK2: "x....x", CLAP: "...X.."}],
          peak={KICK2: "x..x..", TAMB: "x.xx.x"}, beats=3.0, compound=True),
     kick=KICK2, backbeat=CLAP, keeper=TAMB)
_add("klezmer", "2/4 oom-pah (bass drum on the beats, snare on the and) alternating with a 3-3-2 bulgar bar",
     _fig([{KICK2: "x... x...", SNARE: "..x. ..x.", HAT: "..x. ..x."},
           {KICK2: "x... o...", SNARE: "...x ..x.", HAT: "x..x ..x."}],  # the bass drum keeps the pulse
          light={KICK2: "x... x...", HAT: "..o. ..o."}, peak={SNARE: "..x. .xx."}, beats=2.0),
     fill="snare", kick=KICK2)
_add("polka", "2/4 oom-pah: kick on both beats, snare and hat on the ands",
     _fig([{KICK: "x... x...", SNARE: "..x. ..x.", HAT: "..x. ..x."},
           {KICK: "x... x...", SNARE: "..x. .xx.", HAT: "..x. ..x."}],
          light={KICK: "x... x...", HAT: "..o. ..o."}, peak={OPEN: "..x. ..x.", HAT: ""}, beats=2.0),
     fill="snare")
_add("march", "2/4 street beat: bass drum on both beats, snare cadence with 16ths, rolls into sections",
     _fig([{KICK2: "x... x...", SNARE: "X.xx x.x."}, {KICK2: "x... x...", SNARE: "X.x. X.xx"}],
          light={KICK2: "x... ....", SNARE: "o.o. o.o."}, peak=[{SNARE: "X.xx X.xx"}, {SNARE: "X.xx Xxxx"}],
          beats=2.0),
     fill="march", kick=KICK2, keeper=SNARE)
_add("waltz", "3/4: bass drum on 1, soft snare on 2 and 3, hats on the beats; ride at the peak",
     _fig([{KICK: "x... .... ....", SNARE: ".... o... o...", HAT: "x... x... x..."},
           {KICK: "x... .... ....", SNARE: ".... o... o.o.", HAT: "x... x... x..."}],
          light={KICK: "x... .... ....", HAT: ".... o... o..."},
          peak=[{HAT: "", RIDE: "x... x... x...", SNARE: ".... x... x..."},
                {HAT: "", RIDE: "x... x... x...", SNARE: ".... x... x.x."}], beats=3.0), fill="brush")

# Film and games.

_add("orchestral", "concert bass drum on 1 (and soft on 3); the climax adds beats and a snare ostinato",
     _fig([{KICK2: "x... .... o... ...."}, {KICK2: "x... .... o... ..o."}],
          light={KICK2: "o... .... .... ...."},
          peak=[{KICK2: "X... x... X... x...", SNARE: "x.xx x... x.xx x..."},
                {KICK2: "X... x... X... x...", SNARE: "x.xx x... x.xx xxxx"}]),
     fill="orchestral", kick=KICK2, keeper=SNARE)
_add("trailer", "epic: big bass drum and snare, low toms answering; taiko-like 16th toms at the climax",
     _fig([{KICK2: "X... ..x. X... ....", SNARE: ".... X... .... X...", FLOOR_HI: "..x. ..x. ..x. x.x."},
           {KICK2: "X... ..x. X... ....", SNARE: ".... X... .... X...", FLOOR: "x..x ..x. x..x ..x."}],
          light={KICK2: "x... .... x... ....", FLOOR: "o... .... o... ...."},
          peak={FLOOR: "x.xx x.xx x.xx x.xx", TOM_LO: "..x. ..x. ..x. ..x."}), kick=KICK2, keeper=FLOOR)


# --- fitting a groove to a bar's metre --------------------------------------------------------------------------

def _halves(bars: tuple[Bar, ...], beats: float) -> tuple[Bar, ...]:
    half = beats / 2
    out: list[Bar] = []
    for bar in bars:
        out.append(tuple(h for h in bar if h[0] < half - 1e-9))
        out.append(tuple((round(h[0] - half, 6), *h[1:]) for h in bar if h[0] >= half - 1e-9))
    return tuple(out)


def _pairs(bars: tuple[Bar, ...], beats: float) -> tuple[Bar, ...]:
    seq = bars if len(bars) % 2 == 0 else bars * 2
    return tuple(seq[i] + tuple((round(h[0] + beats, 6), *h[1:]) for h in seq[i + 1]) for i in range(0, len(seq), 2))


def _refit(figures: Sequence[Figure], beats: float, compound: bool) -> Figure | None:
    """A figure for the metre: as written, halved (4/4 into 2/4) or doubled (6/8 into 12/8)."""
    same = [f for f in figures if f.compound == compound]
    for f in same:
        if math.isclose(f.beats, beats):
            return f
    for f in same:
        if math.isclose(f.beats, 2 * beats):
            return Figure(beats, compound, _halves(f.full, f.beats), _halves(f.light, f.beats),
                          _halves(f.peak, f.beats), f.clave)
    for f in same:
        if math.isclose(2 * f.beats, beats):
            return Figure(beats, compound, _pairs(f.full, f.beats), _pairs(f.light, f.beats),
                          _pairs(f.peak, f.beats), f.clave)
    return None


def _pulse_sizes(beats: float, compound: bool) -> list[int]:
    """The bar's pulses in eighth notes: 3s in compound metres, 2s in simple ones, 2+2+3 for 7/8."""
    n = max(1, round(beats * 2))
    if compound and n % 3 == 0:
        return [3] * (n // 3)
    if n % 2 == 0:
        return [2] * (n // 2)
    return [2] * ((n - 3) // 2) + [3] if n >= 3 else [n]


def _groups(count: int) -> list[int]:
    """Pulses grouped under a kick each: 4 → 2+2, 5 → 3+2, 6 → 3+3, 7 → 2+2+3."""
    if count <= 3:
        return [count]
    if count == 5:
        return [3, 2]
    if count == 6:
        return [3, 3]
    if count % 2 == 0:
        return [2] * (count // 2)
    return [2] * ((count - 3) // 2) + [3]


def _line(marks: Mapping[int, str], steps: int) -> str:
    return "".join(marks.get(i, ".") for i in range(steps))


@dataclass(frozen=True, slots=True)
class _Frame:
    """A bar's pulse skeleton in eighth notes: where the pulses, kicks and backbeats fall."""

    eighths: int
    pulses: tuple[int, ...]
    kicks: tuple[int, ...]
    backbeats: tuple[int, ...]
    group_ends: tuple[int, ...]  #: the last eighth of each kick group


def _frame(beats: float, compound: bool, feel: str = "rock") -> _Frame:
    sizes = _pulse_sizes(beats, compound)
    pulses = [sum(sizes[:i]) for i in range(len(sizes))]
    kicks, backs, ends, i = [], [], [], 0
    for size in _groups(len(pulses)):
        kicks.append(pulses[i])
        if size > 1:
            backs.append(pulses[i + size - 1])
        i += size
        ends.append((pulses[i] if i < len(pulses) else sum(sizes)) - 1)
    if feel == "four":
        kicks = list(pulses)
    if feel == "half" and len(pulses) > 1:
        backs = [pulses[len(pulses) // 2]]
    return _Frame(sum(sizes), tuple(pulses), tuple(kicks), tuple(backs), tuple(ends))


def _generic(g: Groove, beats: float, compound: bool) -> Figure:
    """The groove's voices laid on the bar's pulses: kick on each group's first pulse, backbeat on its last."""
    fr = _frame(beats, compound, g.feel)
    n = fr.eighths
    kick = _line({p: ("X" if p == 0 else "x") for p in fr.kicks}, n)
    back = _line({p: "X" for p in fr.backbeats}, n)
    if g.feel == "swing" and not compound and n % 2 == 0:  # ride on the beats, the skip note on every other beat
        beats_n = n // 2
        keep = _line({**{3 * b: "x" for b in range(beats_n)}, **{3 * b + 2: "o" for b in range(1, beats_n, 2)}},
                     3 * beats_n)
        busy = _line({**{3 * b: "x" for b in range(beats_n)}, **{3 * b + 2: "o" for b in range(beats_n)}},
                     3 * beats_n)
    else:
        keep = _line({i: ("x" if i in fr.pulses else "o") for i in range(n)}, n)
        busy = keep if g.feel == "swing" else \
            _line({i: ("x" if i % 2 == 0 and i // 2 in fr.pulses else "o") for i in range(2 * n)}, 2 * n)
    if g.keeper in _BACKBEATS:  # brush taps keep time under the backbeat, softly
        keep, busy = _soften(keep), _soften(busy)
    if g.feel == "swing":  # jazz keeps the backbeat with the hat foot and feathers the kick
        a = {g.kick: kick.replace("X", "g").replace("x", "g"), PEDAL: back.replace("X", "x"), g.keeper: keep}
        return _fig(a, {g.keeper: _soften(keep), PEDAL: back.replace("X", "o")}, {g.keeper: busy}, beats, compound)
    a = {g.kick: kick, g.backbeat: back, g.keeper: keep}
    pickup = kick[:-1] + ("o" if kick[-1] == "." and back[-1] == "." else kick[-1])
    light = {g.kick: _line({0: "x"}, n), g.keeper: _soften(keep)}
    return _fig([a, {**a, g.kick: pickup}], light, {g.keeper: busy}, beats, compound)


@lru_cache(maxsize=None)
def _fit(name: str, beats: float, compound: bool) -> Figure:
    g = GROOVES[name]
    return _refit(g.figures, beats, compound) or _generic(g, beats, compound)


# --- playing a groove over a form -------------------------------------------------------------------------------

def _placed(bars: Sequence[DrumBar]) -> list[tuple[DrumBar, int, int]]:
    """Each bar with its position in its section and the section's length in bars."""
    starts = [i for i, bar in enumerate(bars)
              if i == 0 or bar.first or bars[i - 1].last or bar.section != bars[i - 1].section]
    out: list[tuple[DrumBar, int, int]] = []
    for k, s in enumerate(starts):
        e = starts[k + 1] if k + 1 < len(starts) else len(bars)
        out += [(bars[i], i - s, e - s) for i in range(s, e)]
    return out


def _level(bar: DrumBar) -> str:
    if bar.section == "drop":
        return PEAK
    if bar.section == "build":
        return BUILD
    if bar.energy < 0.25:
        return REST
    if bar.section == "breakdown":
        return THIN
    if bar.energy < 0.55:
        return LIGHT
    return PEAK if bar.section in _CLIMAX and bar.energy >= 0.6 else FULL


def _end(bar: DrumBar) -> float:
    """Where the bar's playing stops: a beat early before a drop, so the drop lands out of silence."""
    return max(bar.beats - 1.0, 0.0) if bar.last and bar.next_section == "drop" else bar.beats


def _tidy(hits: list[Hit]) -> list[Hit]:
    """One hit per key and instant (the loudest), and a closed hat never sounding over its own open hat."""
    opens = {round(h[0], 4) for h in hits if h[1] == OPEN}
    best: dict[tuple[float, int], Hit] = {}
    for h in hits:
        t = round(h[0], 4)
        if h[1] == HAT and (t in opens or round(t - 0.25, 4) in opens):
            continue
        if (t, h[1]) not in best or h[2] > best[(t, h[1])][2]:
            best[(t, h[1])] = h
    return sorted(best.values())


_ROLLS = ((0.125, 0.5), (1 / 6, 0.5), (1 / 6, 1.0), (1 / 3, 1.0), (0.125, 1.0))
_TRIPLET_ROLLS = ((1 / 6, 0.5), (1 / 6, 1.0), (1 / 3, 1.0), (1 / 6, 1.5))


def _on_grid(start: float, sub: float, length: float, pulse: float) -> bool:
    """Whether a roll from ``start`` strikes every pulse it crosses, so the beat survives the roll."""
    p = math.ceil(start / pulse - 1e-9) * pulse
    while p < start + length - 1e-9:
        if abs((p - start) / sub - round((p - start) / sub)) > 1e-6:
            return False
        p += pulse
    return True


def _hat_rolls(hits: list[Hit], beats: float, pulse: float, count: int, triplets: bool, rng: random.Random,
               previous: tuple) -> tuple[list[Hit], tuple]:
    """Replace hats in ``count`` windows by rolls; redraw when the bar would repeat the previous bar's rolls."""
    kinds = _TRIPLET_ROLLS if triplets else _ROLLS
    chosen: list[tuple[float, float, float]] = []
    for _ in range(8):
        spots = [k * 0.5 for k in range(1, int(beats * 2))]
        rng.shuffle(spots)
        chosen = []
        for start in spots:
            sub, length = kinds[rng.randrange(len(kinds))]
            if start + length <= beats and _on_grid(start, sub, length, pulse) and \
                    all(start + length <= s or start >= s + ln for s, _, ln in chosen):
                chosen.append((start, sub, length))
            if len(chosen) == count:
                break
        if tuple(sorted(chosen)) != previous:
            break
    out = [h for h in hits if not (h[1] == HAT and any(s <= h[0] < s + ln for s, _, ln in chosen))]
    for start, sub, length in chosen:
        n = round(length / sub)
        rising = rng.random() < 0.6
        for k in range(n):
            accent = 0.5 + 0.5 * ((k + 1) / n if rising else 1 - k / n)
            out.append((round(start + k * sub, 6), HAT, round(accent, 3), sub))
    return out, tuple(sorted(chosen))


_LADDER = (0.5, 1 / 3, 0.25, 1 / 6, 0.125)
_COMPOUND_LADDER = (0.5, 0.25, 0.125)
_FILL_BASE = {"jazz": 1 / 3, "brush": 1 / 3, "trap": 1 / 6, "reggae": 1 / 6, "orchestral": 0.125}


def _fill_hits(g: Groove, start: float, end: float, pulse: float, busiest: int, compound: bool,
               rng: random.Random) -> list[Hit]:
    """A fill over [start, end) with more strokes in every pulse than the groove it replaces."""
    kind = g.fill
    ladder = _COMPOUND_LADDER if compound else _LADDER
    base = _FILL_BASE.get(kind, 0.25)
    if compound:
        base = 0.5 if kind in ("jazz", "brush") else 0.125 if kind == "orchestral" else 0.25
    i = ladder.index(base)
    while round(pulse / ladder[i]) <= busiest and i + 1 < len(ladder):
        i += 1
    sub = ladder[i]
    n = max(round((end - start) / sub), 1)
    times = [start + k * sub for k in range(n)]
    if kind == "roll" or kind == "march":  # electronic rolls double up into 32nds over their second half
        half = start + (end - start) / 2
        times = [t for t in times if t < half] + [half + k * sub / 2 for k in range(round((end - half) / (sub / 2)))]
    n = len(times)
    shape = rng.choice(_SHAPES)
    hits: list[Hit] = []
    for k, t in enumerate(times):
        frac, rise = k / n, (k + 1) / n
        if kind in ("toms", "reggae"):
            key, accent = _tom_stroke(shape, k, frac), 0.7 + 0.45 * rise
        elif kind == "jazz":
            key = (SNARE, TOM_HM, SNARE, FLOOR_HI)[k % 4]
            accent = 0.55 + 0.5 * rise
        elif kind == "latin":
            key = (TIMBALE_HI, TIMBALE_LO)[k % 2]
            accent = 0.6 + 0.55 * rise
        elif kind == "hand":
            key = (CONGA_OPEN, CONGA_MUTE, CONGA_OPEN, CONGA_LO)[min(int(frac * 4), 3)]
            accent = 0.6 + 0.5 * rise
        elif kind == "brush":
            key, accent = g.backbeat if g.backbeat != RIM else SNARE, 0.35 + 0.45 * rise
        elif kind == "snare":
            key, accent = g.backbeat, 0.3 + 0.85 * rise ** 1.5
        else:  # roll, trap, orchestral, march: crescendo on the snare
            key, accent = (SNARE if g.backbeat not in _BACKBEATS else g.backbeat), 0.4 + 0.8 * rise
        hits.append((round(t, 6), key, round(min(accent, 1.2), 3), sub))
    if kind == "jazz":  # the setup: kick under the last stroke
        hits.append((round(times[-1], 6), g.kick, 1.0, sub))
    if kind == "trap":  # the snare rolls over hats rolling in thirty-seconds
        hits += [(round(start + k * 0.125, 6), HAT, round(0.5 + 0.5 * k / ((end - start) / 0.125), 3), 0.125)
                 for k in range(round((end - start) / 0.125))]
    hits.append((round(start, 6), g.kick, 1.0, 0.5))
    return hits


_SHAPES = ("run", "split", "pairs", "low")


def _tom_stroke(shape: str, k: int, frac: float) -> int:
    """The drum for stroke ``k`` (``frac`` of the way through) of a tom fill, travelling down the kit."""
    if shape == "run":  # a few snare strokes, then high tom to floor tom
        return SNARE if frac < 0.25 else _TOMS[min(int((frac - 0.25) / 0.75 * 6), 5)]
    if shape == "split":  # half snare, half toms
        return SNARE if frac < 0.5 else _TOMS[min(int((frac - 0.5) * 2 * 6), 5)]
    if shape == "pairs":  # snare and tom alternating on the way down
        return SNARE if k % 2 == 0 else _TOMS[min(int(frac * 6), 5)]
    return _TOMS[3 + min(int(frac * 3), 2)]  # low: the floor toms only


_UNDER_FILL = _KICKS | {PEDAL}  # the feet keep time through a fill


def _with_fill(g: Groove, layer: Sequence[Bar], extra: int, hits: list[Hit], bar: DrumBar, level: str, end: float,
               compound: bool, rng: random.Random) -> list[Hit]:
    """Replace the end of the bar by a fill with more strokes than any bar of the section has there."""
    pulse = 1.5 if compound else 1.0
    coming = bar.next_energy if bar.next_energy is not None else bar.energy
    if level == REST and coming < 0.25:
        return hits
    span = pulse if level == REST or coming - bar.energy < 0.3 else 2 * pulse
    span = min(span, max(pulse, (end // (2 * pulse)) * pulse), end)
    if span <= 0:
        return hits
    start = end - span

    def inside(h: Hit, lo: float = start, hi: float = end) -> bool:
        return lo - 1e-9 <= h[0] < hi - 1e-9

    kept = [h for h in hits if not inside(h) or h[1] in _UNDER_FILL]
    busiest = 0  # the most strokes any bar of the section has in one pulse of the window, beyond the feet
    for k in range(round(span / pulse)):
        lo, hi = start + k * pulse, start + (k + 1) * pulse
        under = sum(1 for h in kept if inside(h, lo, hi))
        busiest = max([busiest, sum(inside(h, lo, hi) for h in hits) - under] +
                      [sum(inside(h, lo, hi) for h in b) + extra - under for b in layer])
    return kept + _fill_hits(g, start, end, pulse, busiest, compound, rng)


def _build(g: Groove, fig: Figure, bar: DrumBar, pos: int, length: int, cycle: int, end: float) -> list[Hit]:
    """A snare build through the section: eighths, then sixteenths, then thirty-seconds, rising to the end."""
    hits = [h for h in fig.light[cycle % len(fig.light)] if h[1] not in _BACKBEATS and h[1] != g.backbeat]
    if g.feel == "four":
        hits = [h for h in hits if h[1] not in _KICKS] + [(float(b), g.kick, 1.0, 0.5) for b in range(int(end))]
    key = SNARE if g.backbeat in _BACKBEATS or g.backbeat == RIM else g.backbeat
    sub = (0.5, 0.25, 0.125)[min(2, pos * 3 // max(length, 1))]
    times: list[float] = []
    t = 0.0
    while t < end - 1e-9:
        times.append(t)
        if pos == length - 1:  # the last bar: sixteenths, then thirty-seconds over its second half
            t += 0.125 if t >= end / 2 - 1e-9 else min(sub, 0.25)
        else:
            t += sub
    total = length * bar.beats
    for t in times:
        accent = 0.45 + 0.75 * (pos * bar.beats + t) / total
        hits.append((round(t, 6), key, round(min(accent, 1.2), 3), 0.125))
    return hits


def _kicks_on_one(fig: Figure) -> bool:
    """Whether the groove lands its kick on one (a one drop leaves beat one empty, crash or not)."""
    return any(h[0] == 0.0 and h[1] in _KICKS for b in fig.full for h in b)


def _kit_bar(g: Groove, fig: Figure, bar: DrumBar, pos: int, length: int, compound: bool, rng: random.Random,
             state: dict) -> list[Hit]:
    level = _level(bar)
    cycle = bar.index if fig.clave else pos
    end = _end(bar)
    layer: Sequence[Bar] = ()
    extra = 0
    if level == THIN:
        layer = [tuple(h for h in b if h[1] in _KEEPERS) for b in fig.light]
    elif level in (LIGHT, FULL, PEAK):
        layer = {LIGHT: fig.light, FULL: fig.full, PEAK: fig.peak}[level]
    hits: list[Hit] = list(layer[cycle % len(layer)]) if layer else []
    if level == BUILD:
        hits = _build(g, fig, bar, pos, length, cycle, end)
    elif level in (FULL, PEAK):
        if g.adlib and fig is g.figures[0]:
            hits += g.adlib[rng.randrange(len(g.adlib))]
            extra = max(len(a) for a in g.adlib)
        if g.rolls:
            hits, state["rolls"] = _hat_rolls(hits, bar.beats, 1.5 if compound else 1.0, 2 if level == PEAK else 1,
                                              g.rolls == "drill", rng, state.get("rolls", ()))
        if g.open_into and pos % 4 == 3 and not bar.last and bar.beats >= 2:
            hits.append((bar.beats - 0.5, OPEN, 0.8, 0.5))
    if bar.last and bar.next_section is not None and level != BUILD:
        hits = _with_fill(g, layer, extra, hits, bar, level, end, compound, rng)
    if bar.first and bar.energy >= 0.5 and level not in (REST, THIN):
        hits.append((0.0, CRASH, 1.1, 2.0))
        if _kicks_on_one(fig) and not any(h[0] == 0.0 and h[1] in _KICKS for h in hits):
            hits.append((0.0, g.kick, 1.0, 0.5))
    return _tidy([h for h in hits if h[0] < end - 1e-9])


def drum_part(groove: str, bars: Sequence[DrumBar], compound: bool, rng: random.Random) -> list[Event]:
    """The kit's events over ``bars`` in absolute beats, ``(start, duration, key, accent)``, in time order."""
    g = GROOVES[groove]
    events: list[Event] = []
    state: dict = {}
    for bar, pos, length in _placed(bars):
        if bar.final:  # one hit that rings, and nothing after it
            events += [(bar.start, bar.beats, g.kick, 1.2), (bar.start, bar.beats, CRASH, 1.2)]
            break
        fig = _fit(g.name, bar.beats, compound)
        for t, key, accent, dur in _kit_bar(g, fig, bar, pos, length, compound, rng, state):
            events.append((round(bar.start + t, 6), dur, key, accent))
    return sorted(events)


# --- hand percussion --------------------------------------------------------------------------------------------

#: voice → (its part in a foreign metre, the stroke on the pulses, the stroke between); the keys themselves are
#: the catalogue's (:data:`.instruments.PERCUSSION`), main stroke first. General MIDI has no tabla, dhol, djembe,
#: cajón, bodhrán or surdo: the nearest sounds stand in — bongo and congas for the tabla's dayan and bayan, Low
#: Floor Tom and High Timbale for the dhol's bass and treble heads, congas for the djembe's bass, tone and slap,
#: Acoustic Bass Drum and Side Stick for the cajón, floor and low toms for the bodhrán, the kit's deep GM2 hits
#: (86, 87) for the surdo, Cabasa and Long Guiro for the güira's metal scrape, Sticks for a finger snap.
_STROKES: dict[str, tuple[str, int, int]] = {
    "congas": ("drum", CONGA_LO, CONGA_OPEN), "bongos": ("drum", BONGO_LO, BONGO_HI),
    "timbales": ("drum", TIMBALE_LO, TIMBALE_HI), "cowbell": ("bell", COWBELL, COWBELL),
    "claves": ("bell", CLAVES, CLAVES), "shaker": ("keeper", 82, 82), "maracas": ("keeper", MARACAS, MARACAS),
    "tambourine": ("keeper", TAMB, TAMB), "claps": ("backbeat", CLAP, CLAP),
    "guiro": ("keeper", GUIRO_LONG, GUIRO_SHORT), "cabasa": ("keeper", CABASA, CABASA),
    "agogo": ("bell", AGOGO_HI, AGOGO_LO), "triangle": ("keeper", TRIANGLE_OPEN, TRIANGLE_MUTE),
    "woodblock": ("bell", WOOD_HI, WOOD_LO), "castanets": ("bell", 85, 85),
    "cuica": ("effect", CUICA_OPEN, CUICA_MUTE), "whistle_perc": ("effect", WHISTLE_LONG, WHISTLE_SHORT),
    "tabla": ("drum", CONGA_LO, BONGO_HI), "dhol": ("drum", FLOOR, TIMBALE_HI), "djembe": ("drum", CONGA_LO, CONGA_MUTE),
    "cajon": ("drum", KICK2, RIM), "bodhran": ("drum", FLOOR, 45), "shekere": ("keeper", CABASA, CABASA),
    "guira": ("keeper", GUIRO_LONG, CABASA), "surdo": ("drum", 87, 86), "vibraslap": ("effect", VIBRASLAP, VIBRASLAP),
    "finger_snaps": ("backbeat", 31, 31), "sleigh_bells": ("keeper", 83, 83), "bell_tree": ("effect", 84, 84),
    "scratch": ("effect", 29, 30), "tamborim": ("keeper", 65, 65), "tambora": ("drum", 45, 37),
}
_VOICES: dict[str, tuple[tuple[int, ...], str, int, int]] = {
    voice.id: (voice.keys, *_STROKES.get(voice.id, ("keeper", voice.keys[0], voice.keys[-1])))
    for voice in PERCUSSION.values()
}


def _lighter(bar: Strings) -> dict[int, str]:
    """Ghosts out; a line of more than eight strokes a bar keeps its eighths. Never fewer than two strokes."""
    steps = {k: v.replace(" ", "") for k, v in bar.items()}
    out = {k: v.replace("g", ".") for k, v in steps.items()}
    if sum(len(v) - v.count(".") for v in out.values()) > 8:
        out = {k: "".join(m if (i * 8) % len(v) == 0 else "." for i, m in enumerate(v)) for k, v in out.items()}
    return out if sum(len(v) - v.count(".") for v in out.values()) >= 2 else steps


def _hfig(full: Strings | Sequence[Strings], beats: float = 4.0, compound: bool = False, clave: bool = False,
          light: Strings | Sequence[Strings] | None = None) -> Figure:
    fulls = _cycle(full)
    return _fig(fulls, light if light is not None else [_lighter(b) for b in fulls], None, beats, compound, clave)


_HAND: dict[tuple[str, str | None], tuple[Figure, ...]] = {}


def _hand(voice: str, grooves: Sequence[str | None], *figures: Figure) -> None:
    for groove in grooves:
        _HAND[(voice, groove)] = figures


_HALF_TIME = ("trap", "drill", "dubstep")
_hand("congas", (None, "salsa", "cumbia", "rumba", "bossa"),  # tumbao: heel-toe, slap on 2, open tones on 4 and 4-and
      _hfig({CONGA_MUTE: "o.g. X.g. o.g. ....", CONGA_OPEN: ".... .... .... x...", CONGA_LO: ".... .... .... ..x."}))
_hand("congas", ("afrobeat", "afrobeats", "highlife", "amapiano", "hand"),
      _hfig({CONGA_LO: "x... .... x... ....", CONGA_OPEN: "..x. ..xx ..x. ..x.", CONGA_MUTE: ".... X... .... X..."}))
_hand("bongos", (None, "salsa"),  # martillo, the open tone on 4
      _hfig({BONGO_HI: "X.o. x.o. X.o. ..o.", BONGO_LO: ".... .... .... x..."}))
_hand("bongos", ("bachata",), _hfig({BONGO_HI: "x.ox x.o. x.ox x.o.", BONGO_LO: ".... .... .... ..X."}))
_hand("timbales", (None,), _hfig({TIMBALE_HI: "x... x.x. x.x. ..x.", TIMBALE_LO: ".... .... .... x..."}))
_hand("timbales", ("salsa",),  # cáscara 2-3, with the clave
      _hfig([{TIMBALE_HI: "x... x.x. ..x. ..x."}, {TIMBALE_HI: "x... x... x.x. ..x.", TIMBALE_LO: ".... .... .... x..."}],
            clave=True))
_hand("cowbell", (None, "salsa"), _hfig({COWBELL: "X.o. x.o. X.o. x.o."}))  # bongo bell: the beats and their ands
_hand("cowbell", ("phonk",), _hfig({COWBELL: "x..x ..x. x..x ..x."}))  # 3-3-2 in sixteenths
_hand("claves", (None, "afrobeat", "highlife"), _hfig({CLAVES: "x..x ..x. ..x. x..."}))  # son clave 3-2 in one bar
_hand("claves", ("salsa",), _hfig([{CLAVES: "..x. x..."}, {CLAVES: "x..x ..x."}], clave=True))  # son clave 2-3
_hand("claves", ("bossa",), _hfig({CLAVES: "x..x ..x. ..x. .x.."}))
_hand("shaker", (None,), _hfig({MARACAS: "ooXo ooXo ooXo ooXo"}))
_hand("shaker", ("afrobeats",), _hfig({MARACAS: "XooX ooXo XooX ooXo"}))  # 3-3-2 accents
_hand("shaker", ("amapiano",), _hfig({MARACAS: "ooXO ooXO ooXO ooXO"}))
_hand("maracas", (None,), _hfig({MARACAS: "X.o. x.o. X.o. x.o."}))
_hand("tambourine", (None,), _hfig({TAMB: "o.o. X.o. o.o. X.o."}))
_hand("tambourine", ("motown", "gospel", "soul", "pop"), _hfig({TAMB: ".... X... .... X..."}))
_hand("tambourine", ("samba",), _hfig({TAMB: "xoox xoox xoox xoox"}))  # pandeiro
_hand("claps", (None,), _hfig({CLAP: ".... X... .... X..."}))
_hand("claps", _HALF_TIME, _hfig({CLAP: ".... .... X... ...."}))
_hand("claps", ("compas",), _hfig({CLAP: "ooX ooX oXo XoX"}, beats=6.0, compound=True,
                                  light={CLAP: "..X ..X .X. X.X"}))  # palmas on 3, 6, 8, 10, 12
_hand("claps", ("rumba",), _hfig({CLAP: "..o. X.o. ..o. X.o."}))
_hand("guiro", (None,), _hfig({GUIRO_LONG: "x... x... x... x...", GUIRO_SHORT: "..xx ..xx ..xx ..xx"}))
_hand("cabasa", (None,), _hfig({CABASA: "Xoxo xoxo Xoxo xoxo"}))
_hand("agogo", (None, "samba"), _hfig({AGOGO_HI: "x.x. ..x. x.x. ..x.", AGOGO_LO: ".... x... .... x..."}))
_hand("agogo", ("highlife", "afrobeat"), _hfig({AGOGO_HI: "x.x. .x.x .x.x .x..", AGOGO_LO: ".... x... .... x..."}))
_hand("triangle", (None,), _hfig({TRIANGLE_MUTE: "xo.o xo.o xo.o xo.o", TRIANGLE_OPEN: "..X. ..X. ..X. ..X."}))
_hand("woodblock", (None,), _hfig({WOOD_HI: "x... x... x... x...", WOOD_LO: "..o. ..o. ..o. ..o."}))
_hand("woodblock", ("western",), _hfig({WOOD_HI: "x... x... x... x...", WOOD_LO: "..x. ..xx ..x. ..xx"}))
_hand("castanets", (None,), _hfig({85: "x.xx x.x. x.xx x.x."}))
_hand("castanets", ("compas",), _hfig({85: "o.X o.X oXo XoX"}, beats=6.0, compound=True))
_hand("cuica", (None,), _hfig({CUICA_MUTE: "x..x .... x..x ....", CUICA_OPEN: "..x. ..x. ..x. ..x."}))
_hand("whistle_perc", (None,), _hfig({WHISTLE_SHORT: "x.x. x... .... ....", WHISTLE_LONG: ".... .... x... ...."}))
_hand("tabla", (None,),  # keherwa: dha ge na ti na ka dhi na, tirakita ghosts in the full layer
      _hfig({BONGO_HI: "X... x... x... X.x.", CONGA_LO: "x.x. .... .... x...", CONGA_MUTE: ".... ..og ..og ...."}))
_hand("dhol", (None,), _hfig({FLOOR: "X... x... X... x...", TIMBALE_HI: "..gx ..gx ..gx ..gx"}))  # the chaal
_hand("djembe", (None,), _hfig({CONGA_LO: "x... .... x... ....", CONGA_OPEN: "..x. x... ..x. x...",
                                CONGA_MUTE: "...X ..X. ...X ..X."}))
_hand("cajon", (None,), _hfig({KICK2: "x... .... ..x. ....", RIM: "..g. X.g. g.g. X.g."}))
_hand("cajon", ("rumba",), _hfig({KICK2: "x... ..x. x... ..x.", RIM: "..g. X.g. ..g. X.gg"}))
_hand("cajon", ("compas",), _hfig(_COMPAS, beats=6.0, compound=True))
_hand("bodhran", (None,), _hfig({FLOOR: "X.o. x.o. X.o. x.o.", TOM_LO: "...o .... ...o ...."}),
      _hfig({FLOOR: "Xooxoo"}, beats=3.0, compound=True))
_hand("shekere", (None,), _hfig({CABASA: "o.X. o.X. o.X. o.X."}))
_hand("guira", (None, "bachata"), _hfig({GUIRO_LONG: "x... x... x... x...", CABASA: "..xx ..xx ..xx ..xx"}))
_hand("guira", ("cumbia",), _hfig({CABASA: "x.xx x.xx x.xx x.xx"}))  # chucu-chucu
_hand("surdo", (None,), _hfig({86: "o... .... o... ....", 87: ".... X... .... X..o"}))
_hand("vibraslap", (None,), _hfig({VIBRASLAP: ".... x... .... ..x."}))
_hand("finger_snaps", (None,), _hfig({31: ".... x... .... x..."}))


def _hand_generic(voice: str, beats: float, compound: bool) -> Figure:
    """A voice in a metre it has no pattern for, laid on the bar's pulses by what it does in a band."""
    _, role, on, between = _VOICES[voice]
    fr = _frame(beats, compound)
    n = fr.eighths
    marks: dict[int, dict[int, str]] = {on: {}, between: {}}

    def put(key: int, step: int, mark: str) -> None:
        if ".ogxOX".index(mark) > ".ogxOX".index(marks[key].get(step, ".")):
            marks[key][step] = mark

    offbeats = [i for i in range(n) if i not in fr.pulses]
    if role == "keeper":  # every eighth, the pulses marked
        for p in fr.pulses:
            put(on, p, "X" if p == 0 else "x")
        for i in offbeats:
            put(between, i, "o")
    elif role == "backbeat":  # the backbeats, or the downbeat and a pickup in a bar without one
        for p in fr.backbeats or (0,):
            put(on, p, "X" if fr.backbeats else "x")
        if len(marks[on]) < 2:
            put(on, n - 1, "o")
    elif role == "drum":  # low head on the kicks, high head on the other pulses, soft strokes between
        for p in fr.kicks:
            put(on, p, "x")
        for p in fr.pulses:
            if p not in fr.kicks:
                put(between, p, "X")
        for i in offbeats:
            put(between, i, "o")
    elif role == "bell":  # every pulse, and the last eighth of each group leading on
        for e in fr.group_ends:
            put(on, e, "o")
        for p in fr.pulses:
            put(on, p, "X" if p == 0 else "x")
    else:  # effects: the downbeat and the last pulse
        put(on, 0, "x")
        put(between, fr.pulses[-1] if len(fr.pulses) > 1 else n - 1, "x")
    return _hfig({key: _line(m, n) for key, m in marks.items() if m}, beats, compound)


@lru_cache(maxsize=None)
def _hand_fit(voice: str, groove: str, beats: float, compound: bool) -> Figure:
    for key in ((voice, groove), (voice, None)):
        if key in _HAND:
            fig = _refit(_HAND[key], beats, compound)
            if fig is not None:
                return fig
    return _hand_generic(voice, beats, compound)


def hand_part(voice: str, groove: str, bars: Sequence[DrumBar], compound: bool, rng: random.Random) -> list[Event]:
    """One hand-percussion voice over ``bars`` in the idiom of ``groove``: resting below an energy of 0.25, its
    light line in quiet sections, breakdowns and builds, its full line elsewhere; a flourish before a louder
    section (the drums among them), silence before a drop, one stroke on the final bar."""
    keys, role, on, between = _VOICES[voice]
    events: list[Event] = []
    for bar, pos, _ in _placed(bars):
        if bar.final:
            events.append((bar.start, bar.beats, keys[0], 1.1))
            break
        level = _level(bar)
        if level == REST:
            continue
        fig = _hand_fit(voice, groove, bar.beats, compound)
        layer = fig.light if level in (LIGHT, THIN, BUILD) else fig.peak if level == PEAK else fig.full
        hits = list(layer[(bar.index if fig.clave else pos) % len(layer)])
        end = _end(bar)
        rising = (bar.next_energy or 0.0) - bar.energy >= 0.1
        if bar.last and bar.next_section is not None and rising and role == "drum" and end >= 1.0:
            start = end - (1.5 if compound else 1.0)
            hits = [h for h in hits if not start - 1e-9 <= h[0] < end - 1e-9]
            order = (between, on) if rng.random() < 0.5 else (between, between, on, on)
            n = round((end - start) / 0.25)
            hits += [(round(start + k * 0.25, 6), order[k * len(order) // n], round(0.6 + 0.5 * (k + 1) / n, 3), 0.25)
                     for k in range(n)]
        events += [(round(bar.start + t, 6), dur, key, accent) for t, key, accent, dur in hits if t < end - 1e-9]
    return sorted(events)

