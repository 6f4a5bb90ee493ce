"""Harmony: the chord under every bar, chosen per section from the style's progressions, with cadences.

Each kind of section gets its own progression (verses one, choruses another, the bridge a third) repeated to fill
its bars. The bar before a chorus or before the ending turns to the dominant so the arrival lands, and the piece
starts and ends on the tonic — which is also what lets a listener (or a key finder) hear the key.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from .form import SectionPlan
from .styles import Style
from .theory import Chord, Key, chord_from_numeral

__all__ = ["BarHarmony", "plan_harmony", "progression_bars"]

_BRIDGE_MAJOR = ("IV V iii vi", "vi IV V V", "ii V IV V", "IV IV V V")
_BRIDGE_MINOR = ("VI VII VI VII", "iv VI VII VII", "VI iv VII V", "iv iv V V")


@dataclass(frozen=True, slots=True)
class BarHarmony:
    chord: Chord
    next_chord: Chord  #: the chord of the following bar (for approach notes)
    section: int  #: index into the form
    bar_in_section: int
    cadence: bool  #: the bar leads into a structural arrival


def _numerals(progression: str) -> list[str]:
    return progression.split()


def progression_bars(style: Style, key: Key) -> int:
    """Bars in the style's longest progression: the natural phrase length (a 12-bar blues is 12)."""
    pool = style.minor if key.is_minor else style.major
    longest = max(len(p.split()) for p in pool)
    bars = int(round(longest * style.chord_bars))
    return 4 if bars < 4 else bars


def _tonic(key: Key) -> str:
    return "i" if key.is_minor else "I"


def _dominant(style: Style, key: Key) -> str:
    if key.mode in ("dorian", "phrygian", "mixolydian", "lydian", "locrian"):
        return "v" if key.mode in ("dorian", "phrygian") else "IV"
    if style.name in ("blues", "jazz", "funk", "gospel", "bossa", "lofi", "disco", "tango", "waltz", "musette",
                      "march", "polka", "baroque", "string_quartet"):
        return "V7"
    return "V"


def plan_harmony(sections: list[SectionPlan], style: Style, key: Key, loop: bool,
                 rng: random.Random) -> list[BarHarmony]:
    pool = list(style.minor if key.is_minor else style.major)
    bridge_pool = _BRIDGE_MINOR if key.is_minor else _BRIDGE_MAJOR
    rng.shuffle(pool)
    by_kind = {
        "A": _numerals(pool[0]),
        "B": _numerals(pool[1 % len(pool)]),
        "bridge": _numerals(bridge_pool[rng.randrange(len(bridge_pool))]),
    }
    if style.name == "blues" or len(pool) == 1:
        by_kind["B"] = by_kind["A"]
    # the piece opens on the tonic: rotate the verse progression so it starts there when it holds one
    verse = by_kind["A"]
    tonic_index = next((i for i, n in enumerate(verse) if chord_from_numeral(n, key).root == key.tonic), None)
    if tonic_index:
        by_kind["A"] = verse[tonic_index:] + verse[:tonic_index]
    by_kind["intro"] = [_tonic(key)] + by_kind["A"][1:]
    by_kind["outro"] = by_kind["A"]
    by_kind["end"] = [_tonic(key)]

    per_bar: list[tuple[str, int, int]] = []  # (numeral, section index, bar in section)
    chord_bars = max(int(round(style.chord_bars)), 1)
    for index, section in enumerate(sections):
        numerals = by_kind[section.kind]
        for bar in range(section.bars):
            slot = (bar // chord_bars) % len(numerals)
            per_bar.append((numerals[slot], index, bar))

    # cadences: the last bar before a chorus, the ending, or (looping) the return to the top turns to the dominant
    cadence_bars: set[int] = set()
    bar_cursor = 0
    for index, section in enumerate(sections):
        bar_cursor += section.bars
        following = sections[index + 1].kind if index + 1 < len(sections) else ("loop" if loop else None)
        leads_home = following in ("end", "loop") or (following == "outro" and not style.electronic)
        leads_to_chorus = following == "B" and section.kind != "B" and not style.electronic
        if (leads_home or leads_to_chorus) and section.kind != "end" and section.bars >= 2:
            cadence_bars.add(bar_cursor - 1)
    for bar in cadence_bars:
        numeral, index, in_section = per_bar[bar]
        if style.name != "blues" or not numeral.startswith("V"):
            per_bar[bar] = (_dominant(style, key), index, in_section)
    if per_bar:  # the first bar is the tonic, and the last (unless looping) too
        first = per_bar[0]
        if chord_from_numeral(first[0], key).root != key.tonic:
            per_bar[0] = (_tonic(key), first[1], first[2])
        if not loop:
            last = per_bar[-1]
            per_bar[-1] = (_tonic(key), last[1], last[2])

    chords = [chord_from_numeral(numeral, key) for numeral, _, _ in per_bar]
    result = []
    for i, (numeral, index, in_section) in enumerate(per_bar):
        following = chords[i + 1] if i + 1 < len(chords) else chords[0]
        result.append(BarHarmony(chords[i], following, index, in_section, i in cadence_bars))
    return result
