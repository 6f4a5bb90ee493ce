"""Drums and hand percussion: what a listener notices — the genre's groove, fills at the seams of a form,
crashes only where sections arrive, ghost notes, hat rolls, a silent beat before the drop, one final hit."""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Sequence

import pytest

from orchestrion.engines.composer.drums import DrumBar, Event, drum_part, groove_names, hand_part
from orchestrion.engines.composer.instruments import PERCUSSION

#: Every groove the style book names (design/STYLES.md), and the one a "hand percussion" prompt asks for.
STYLE_GROOVES = frozenset({
    "orchestral", "trailer", "boom_bap", "trap", "drill", "phonk", "house", "two_step", "techno", "trance", "edm",
    "dubstep", "dnb", "synthwave", "hyperpop", "pop", "kpop", "jpop", "city_pop", "rock", "punk", "grunge",
    "shoegaze", "emo", "surf", "metal", "funk", "disco", "soul", "neo_soul", "motown", "gospel", "swing", "bebop",
    "brushes", "big_band", "shuffle", "bossa", "samba", "salsa", "cumbia", "bachata", "dembow", "mariachi",
    "compas", "rumba", "one_drop", "ska", "dancehall", "afrobeat", "afrobeats", "amapiano", "highlife", "bhangra",
    "klezmer", "celtic", "jig", "shanty", "folk", "train", "bluegrass", "western", "waltz", "march", "polka",
    "childrens", "chiptune", "boss_battle", "adventure", "puzzle", "noir", "corporate", "jingle", "hand",
})
#: A groove's home metre (bar length in quarter notes, compound) where it is not 4/4.
HOME = {"jig": (3.0, True), "compas": (6.0, True), "march": (2.0, False), "polka": (2.0, False),
        "klezmer": (2.0, False), "waltz": (3.0, False), "mariachi": (3.0, False)}
KICKS = {35, 36}
SNARES = {37, 38, 39, 40}
CYMBALS = {49, 52, 55, 57}
TOMS = {41, 43, 45, 47, 48, 50}
OPEN_HAT, HAT, RIDE = 46, 42, 51
SONG = [("intro", 2, 0.3), ("verse", 4, 0.55), ("chorus", 4, 0.88), ("breakdown", 2, 0.35), ("build", 2, 0.6),
        ("drop", 2, 1.0), ("ending", 1, 0.5)]


def form(sections: Sequence[tuple[str, int, float]], beats: float = 4.0) -> list[DrumBar]:
    """Bars for ``(name, bars, energy)`` sections; a section named "ending" is the closing bar."""
    bars: list[DrumBar] = []
    for k, (name, count, energy) in enumerate(sections):
        following = sections[k + 1] if k + 1 < len(sections) else None
        for j in range(count):
            bars.append(DrumBar(len(bars), len(bars) * beats, beats, name, energy, j == 0, j == count - 1,
                                following[0] if following else None, following[2] if following else None,
                                name == "ending"))
    return bars


def by_bar(events: Sequence[Event], bars: Sequence[DrumBar]) -> dict[int, list[tuple[float, int, float]]]:
    """(offset in the bar, key, accent) per bar index."""
    out: dict[int, list[tuple[float, int, float]]] = defaultdict(list)
    for start, _, key, accent in events:
        bar = next(b for b in reversed(bars) if b.start <= start + 1e-9)
        out[bar.index].append((round(start - bar.start, 4), key, accent))
    return out


def onsets(hits: Sequence[tuple[float, int, float]], keys: set[int]) -> set[float]:
    return {t for t, key, _ in hits if key in keys}


def play(groove: str, sections: Sequence[tuple[str, int, float]], seed: int = 1
         ) -> tuple[list[DrumBar], dict[int, list[tuple[float, int, float]]], list[Event]]:
    beats, compound = HOME.get(groove, (4.0, False))
    bars = form(sections, beats)
    events = drum_part(groove, bars, compound, random.Random(seed))
    return bars, by_bar(events, bars), events


def inner(bars: Sequence[DrumBar], section: str) -> list[DrumBar]:
    """A section's bars away from its seams (no crash, no fill)."""
    return [b for b in bars if b.section == section and not b.first and not b.last]


def test_every_style_groove_exists() -> None:
    assert STYLE_GROOVES <= groove_names()


@pytest.mark.parametrize("groove", sorted(STYLE_GROOVES))
def test_every_groove_plays_thirty_seconds_on_the_beat(groove: str) -> None:
    beats, compound = HOME.get(groove, (4.0, False))
    bars, per_bar, events = play(groove, [("intro", 2, 0.3), ("verse", 4, 0.6), ("chorus", 4, 0.9),
                                          ("outro", 4, 0.4), ("ending", 1, 0.5)])  # 15 bars: 30 s at 120 BPM
    assert events == sorted(events)
    end = bars[-1].start + bars[-1].beats
    for start, duration, key, accent in events:
        assert 0 <= start < end and duration > 0
        assert 35 <= key <= 81  # General MIDI 1 percussion
        assert 0 < accent <= 1.27
    pulse = 1.5 if compound else 1.0
    for bar in inner(bars, "chorus"):  # a beat tracker finds every pulse of a full bar
        for k in range(round(beats / pulse)):
            assert any(abs(t - k * pulse) < 1e-6 for t, _, _ in per_bar[bar.index]), (groove, bar.index, k)


@pytest.mark.parametrize("beats,compound", [(3.0, False), (3.0, True), (5.0, False), (3.5, False), (6.0, True)])
def test_every_groove_keeps_a_clear_beat_in_other_metres(beats: float, compound: bool) -> None:
    pulses = [0.0]
    eighths = round(beats * 2)
    size = 3 if compound else 2
    while pulses[-1] + size / 2 < beats - 1e-9 and not (eighths % 2 and pulses[-1] + 1.5 >= beats - 1e-9):
        pulses.append(pulses[-1] + size / 2)
    bars = form([("verse", 4, 0.6), ("chorus", 4, 0.9), ("ending", 1, 0.5)], beats)
    for groove in sorted(STYLE_GROOVES):
        per_bar = by_bar(drum_part(groove, bars, compound, random.Random(2)), bars)
        for bar in inner(bars, "chorus") + inner(bars, "verse"):
            hits = per_bar[bar.index]
            assert all(any(abs(t - p) < 1e-6 for t, _, _ in hits) for p in pulses), (groove, beats, hits)
            if beats in (5.0, 3.5):  # metres no groove is written in: regenerated, kick on the downbeat
                assert 0.0 in onsets(hits, KICKS), (groove, beats)


def test_dembow_kick_on_every_beat_and_the_snare_figure() -> None:
    bars, per_bar, _ = play("dembow", SONG)
    for bar in inner(bars, "chorus") + inner(bars, "verse"):
        hits = per_bar[bar.index]
        assert {0.0, 1.0, 2.0, 3.0} <= onsets(hits, KICKS)
        assert {0.75, 1.5, 2.75, 3.5} <= onsets(hits, {38})
        assert not onsets(hits, {38}) & {1.0, 3.0}  # never a plain backbeat


def test_one_drop_kick_and_rim_together_on_three_only() -> None:
    bars, per_bar, _ = play("one_drop", [("verse", 4, 0.6), ("chorus", 4, 0.9), ("ending", 1, 0.5)])
    for bar in bars[:-1]:
        if bar.last:
            continue
        hits = per_bar[bar.index]
        assert onsets(hits, KICKS) == {2.0}
        assert onsets(hits, {37, 38}) == {2.0}


@pytest.mark.parametrize("groove", ["dubstep", "trap"])
def test_half_time_snare_on_three_only(groove: str) -> None:
    bars, per_bar, _ = play(groove, [("verse", 4, 0.6), ("chorus", 4, 0.9), ("ending", 1, 0.5)])
    for bar in bars[:-1]:
        if not bar.last:
            snares = onsets(per_bar[bar.index], {38, 39})
            assert 2.0 in snares and not snares & {1.0, 3.0}
    if groove == "dubstep":
        assert all(onsets(per_bar[b.index], {38, 39}) == {2.0} for b in bars[:-1] if not b.last)


@pytest.mark.parametrize("groove", ["house", "edm", "techno", "trance", "disco", "motown"])
def test_four_on_the_floor_in_full_sections(groove: str) -> None:
    bars, per_bar, _ = play(groove, [("verse", 4, 0.7), ("chorus", 4, 0.9), ("drop", 4, 1.0), ("ending", 1, 0.5)])
    for bar in bars[:-1]:
        if not bar.last:
            assert {0.0, 1.0, 2.0, 3.0} <= onsets(per_bar[bar.index], KICKS), (groove, bar.index)


def test_salsa_claves_play_son_clave_two_three_locked_to_the_bar_number() -> None:
    bars = form([("intro", 3, 0.5), ("verse", 8, 0.6), ("chorus", 8, 0.9), ("ending", 1, 0.5)])
    per_bar = by_bar(hand_part("claves", "salsa", bars, False, random.Random(3)), bars)
    for bar in bars[:-1]:
        if bar.last:
            continue
        hits = onsets(per_bar[bar.index], set(PERCUSSION["claves"].keys))
        assert hits == ({1.0, 2.0} if bar.index % 2 == 0 else {0.0, 1.5, 3.0}), bar.index  # 2-side, then 3-side


def test_buleria_accents_fall_on_three_six_eight_ten_twelve() -> None:
    accented = {2, 5, 7, 9, 11}  # eighth notes 3, 6, 8, 10, 12 of the compás, from 0
    bars = form([("verse", 4, 0.6), ("chorus", 4, 0.9), ("ending", 1, 0.5)], 6.0)
    kit = by_bar(drum_part("compas", bars, True, random.Random(4)), bars)
    palmas = by_bar(hand_part("claps", "compas", bars, True, random.Random(4)), bars)
    for per_bar in (kit, palmas):
        for bar in inner(bars, "verse") + inner(bars, "chorus"):
            strong = {round(t * 2) for t, key, accent in per_bar[bar.index] if accent >= 1.0}
            assert strong == accented, (bar.index, strong)


def test_train_beat_runs_sixteenths_on_the_snare() -> None:
    bars, per_bar, _ = play("train", [("verse", 4, 0.6), ("chorus", 4, 0.9), ("ending", 1, 0.5)])
    for bar in inner(bars, "verse") + inner(bars, "chorus"):
        assert onsets(per_bar[bar.index], {38}) >= {k / 4 for k in range(16)}


def test_shuffle_hats_sit_on_the_triplet_swing() -> None:
    bars, per_bar, _ = play("shuffle", [("verse", 4, 0.6), ("ending", 1, 0.5)])
    for bar in inner(bars, "verse"):
        hats = onsets(per_bar[bar.index], {HAT})
        assert hats == {b + s for b in range(4) for s in (0.0, round(2 / 3, 4))}  # long-short, never straight


def test_swing_ride_plays_spang_a_lang() -> None:
    bars, per_bar, _ = play("swing", [("verse", 4, 0.6), ("chorus", 4, 0.9), ("ending", 1, 0.5)])
    for bar in inner(bars, "verse") + inner(bars, "chorus"):
        assert onsets(per_bar[bar.index], {RIDE}) == {0.0, 1.0, 1.6667, 2.0, 3.0, 3.6667}
        assert onsets(per_bar[bar.index], {44}) == {1.0, 3.0}  # hi-hat foot on 2 and 4


@pytest.mark.parametrize("groove", sorted(STYLE_GROOVES))
def test_crashes_only_on_section_downbeats_and_the_final_hit(groove: str) -> None:
    sections = [("intro", 2, 0.3), ("verse", 8, 0.55), ("chorus", 8, 0.88), ("bridge", 4, 0.4),
                ("chorus", 4, 0.9), ("breakdown", 2, 0.3), ("build", 2, 0.6), ("drop", 4, 1.0), ("outro", 2, 0.4),
                ("ending", 1, 0.5)]
    bars, per_bar, _ = play(groove, sections)
    for bar in bars:
        crashes = onsets(per_bar[bar.index], CYMBALS)
        allowed = bar.first and bar.energy >= 0.5 and bar.section != "breakdown"
        assert crashes <= ({0.0} if allowed else set()), (groove, bar.index, bar.section)
    assert onsets(per_bar[bars[-1].index], CYMBALS) == {0.0}
    assert sum(1 for b in bars if onsets(per_bar[b.index], CYMBALS)) <= len(sections)


@pytest.mark.parametrize("groove", ["rock", "pop", "funk", "metal", "house", "edm", "trap", "swing", "salsa",
                                    "dnb", "one_drop", "bossa", "jig", "compas", "march"])
def test_a_fill_before_a_new_section_and_none_inside(groove: str) -> None:
    bars, per_bar, _ = play(groove, [("verse", 8, 0.55), ("chorus", 8, 0.9), ("ending", 1, 0.5)])
    beats = bars[0].beats
    window = 1.5 if HOME.get(groove, (4.0, False))[1] else 1.0

    def tail(bar: DrumBar) -> int:
        return sum(1 for t, _, _ in per_bar[bar.index] if t >= beats - window - 1e-9)

    for name in ("verse", "chorus"):
        section = [b for b in bars if b.section == name]
        last = section[-1]
        assert all(tail(last) > tail(b) for b in section[:-1]), (groove, name)
    if groove in ("rock", "pop", "metal"):  # tom fills only at the seams
        assert all(not onsets(per_bar[b.index], TOMS) for b in bars if not b.last and not b.final)


def test_fills_grow_with_the_step_in_energy() -> None:
    small = play("rock", [("verse", 4, 0.6), ("chorus", 4, 0.65), ("ending", 1, 0.5)])
    big = play("rock", [("verse", 4, 0.3), ("chorus", 4, 0.95), ("ending", 1, 0.5)])

    def fill_start(result) -> float:  # the first tom, or snare stroke off the backbeat, of the verse's last bar
        bars, per_bar, _ = result
        return min(t for t, key, accent in per_bar[bars[3].index]
                   if key in TOMS or (key == 38 and accent > 0.45 and t not in (1.0, 3.0)))

    assert fill_start(big) < fill_start(small)  # two beats of fill for the big lift, one for the small


def test_intro_below_the_threshold_rests_but_for_its_pickup() -> None:
    bars, per_bar, _ = play("rock", [("intro", 4, 0.15), ("verse", 4, 0.6), ("ending", 1, 0.5)])
    assert all(not per_bar[b.index] for b in bars[:3])
    assert per_bar[3] and all(t >= 3.0 - 1e-9 for t, _, _ in per_bar[3])


def test_funk_ghost_notes_on_the_snare_never_the_kick() -> None:
    _, _, events = play("funk", [("verse", 8, 0.6), ("chorus", 8, 0.9), ("ending", 1, 0.5)])
    ghosts = [key for _, _, key, accent in events if accent <= 0.45]
    assert ghosts.count(38) >= 16
    assert not [key for key in ghosts if key in KICKS]


def test_trap_hat_rolls_use_32nds_and_triplets_and_change_bar_to_bar() -> None:
    bars, per_bar, _ = play("trap", [("verse", 8, 0.6), ("chorus", 8, 0.9), ("ending", 1, 0.5)])
    rolls = []
    for bar in bars[:-1]:
        if bar.last:
            continue
        hats = sorted(onsets(per_bar[bar.index], {HAT}))
        off_grid = [t for t in hats if abs(t * 4 - round(t * 4)) > 1e-3]  # 32nds and triplets
        assert off_grid, bar.index
        rolls.append(tuple(hats))
    assert all(a != b for a, b in zip(rolls, rolls[1:]))  # never the same roll twice running
    assert any(abs(t * 8 - round(t * 8)) < 1e-3 and abs(t * 4 - round(t * 4)) > 1e-3 for r in rolls for t in r)
    assert any(abs(t * 3 - round(t * 3)) < 1e-3 and abs(t * 2 - round(t * 2)) > 1e-3 for r in rolls for t in r)


@pytest.mark.parametrize("groove", sorted(STYLE_GROOVES))
def test_silent_beat_before_the_drop_and_one_final_hit(groove: str) -> None:
    bars, per_bar, events = play(groove, SONG)
    before = next(b for b in bars if b.last and b.next_section == "drop")
    assert per_bar[before.index] and all(t < before.beats - 1 - 1e-9 for t, _, _ in per_bar[before.index])
    final = bars[-1]
    assert {t for t, _, _ in per_bar[final.index]} == {0.0}
    assert onsets(per_bar[final.index], KICKS) == {0.0} and onsets(per_bar[final.index], CYMBALS) == {0.0}
    assert len(per_bar[final.index]) == 2 and events[-1][0] == final.start


@pytest.mark.parametrize("groove", sorted(STYLE_GROOVES))
def test_breakdown_is_thinner_than_the_drop(groove: str) -> None:
    bars, per_bar, _ = play(groove, [("breakdown", 4, 0.35), ("drop", 4, 1.0), ("ending", 1, 0.5)])
    breakdown = [len(per_bar[b.index]) for b in bars if b.section == "breakdown" and not b.last]
    drop = [len(per_bar[b.index]) for b in bars if b.section == "drop" and not b.last]
    assert max(breakdown) < min(drop), groove
    assert not {key for b in bars if b.section == "breakdown" and not b.last for _, key, _ in per_bar[b.index]} & (
        KICKS | {38, 39})  # hats or nothing


def test_metal_double_kick_only_in_the_chorus_with_hats_or_ride() -> None:
    bars, per_bar, _ = play("metal", [("verse", 8, 0.6), ("chorus", 8, 0.9), ("ending", 1, 0.5)])
    for bar in bars[:-1]:
        hits = per_bar[bar.index]
        sixteenths = {k / 4 for k in range(16)}
        if bar.section == "chorus":
            assert sixteenths <= onsets(hits, KICKS)
        else:
            assert not sixteenths <= onsets(hits, KICKS)
        if not bar.last:
            assert onsets(hits, {HAT, RIDE}) and onsets(hits, {38}) == {1.0, 3.0}


def test_a_build_rolls_the_snare_faster_toward_the_drop() -> None:
    bars, per_bar, _ = play("edm", [("breakdown", 2, 0.35), ("build", 4, 0.6), ("drop", 4, 1.0),
                                    ("ending", 1, 0.5)])
    build = [b for b in bars if b.section == "build"]
    counts = [len(onsets(per_bar[b.index], {38})) for b in build]
    assert counts == sorted(counts) and counts[-1] > 2 * counts[0]
    last = sorted(onsets(per_bar[build[-1].index], {38}))
    assert any(abs((b - a) - 0.125) < 1e-6 for a, b in zip(last, last[1:]))  # thirty-seconds at the top


def test_drop_is_the_densest_section() -> None:
    bars, per_bar, _ = play("edm", [("verse", 4, 0.5), ("breakdown", 2, 0.35), ("build", 2, 0.6), ("drop", 4, 1.0),
                                    ("ending", 1, 0.5)])
    mean = {name: sum(len(per_bar[b.index]) for b in inner(bars, name)) / len(inner(bars, name))
            for name in ("verse", "drop")}
    assert mean["drop"] > 1.5 * mean["verse"]


@pytest.mark.parametrize("voice", sorted(PERCUSSION))
def test_every_hand_voice_is_heard_on_its_keys(voice: str) -> None:
    assert set(PERCUSSION[voice].keys) <= set(range(27, 88))
    for groove in ("pop", "salsa", "compas", "bhangra", "samba"):
        beats, compound = HOME.get(groove, (4.0, False))
        bars = form([("verse", 16, 0.5)], beats)
        events = hand_part(voice, groove, bars, compound, random.Random(5))
        assert len(events) >= 8, (voice, groove)
        assert {key for _, _, key, _ in events} <= set(PERCUSSION[voice].keys)
        slow = form([("verse", 8, 0.31)], 4.0)  # 30 s at 64 BPM, barely awake
        assert len(hand_part(voice, groove, slow, False, random.Random(5))) >= 8


@pytest.mark.parametrize("voice", ["congas", "shaker", "claps", "tambourine"])
def test_hand_voices_rest_in_silence_before_a_drop_and_end_on_one_stroke(voice: str) -> None:
    bars = form([("intro", 2, 0.2)] + SONG[1:])
    per_bar = by_bar(hand_part(voice, "house", bars, False, random.Random(6)), bars)
    assert not per_bar[0]  # below the threshold
    before = next(b for b in bars if b.last and b.next_section == "drop")
    assert all(t < before.beats - 1 - 1e-9 for t, _, _ in per_bar[before.index])
    assert [(t, key) for t, key, _ in per_bar[bars[-1].index]] == [(0.0, PERCUSSION[voice].keys[0])]


def test_style_idioms_in_hand_parts() -> None:
    bars = form([("verse", 4, 0.7)])

    def line(voice: str, groove: str) -> list[tuple[float, int, float]]:
        return by_bar(hand_part(voice, groove, bars, False, random.Random(7)), bars)[1]

    assert onsets(line("tambourine", "motown"), {54}) == {1.0, 3.0}
    assert onsets(line("congas", "salsa"), {62, 63, 64}) >= {1.0, 3.0, 3.5}  # slap on 2, open tones on 4 and 4-and
    assert onsets(line("cowbell", "phonk"), {56}) == {0.0, 0.75, 1.5, 2.0, 2.75, 3.5}  # 3-3-2
    assert onsets(line("dhol", "bhangra"), {41}) == {0.0, 1.0, 2.0, 3.0}
    assert onsets(line("dhol", "bhangra"), {65}) >= {0.75, 1.75, 2.75, 3.75}  # the chaal's lift before each beat


def test_same_seed_same_part_and_a_long_section_varies() -> None:
    bars = form([("verse", 16, 0.6), ("chorus", 16, 0.9), ("ending", 1, 0.5)])
    for groove in sorted(STYLE_GROOVES):
        beats, compound = HOME.get(groove, (4.0, False))
        bars = form([("verse", 16, 0.6), ("chorus", 16, 0.9), ("ending", 1, 0.5)], beats)
        first = drum_part(groove, bars, compound, random.Random(11))
        assert first == drum_part(groove, bars, compound, random.Random(11))
        per_bar = by_bar(first, bars)
        for name in ("verse", "chorus"):
            shapes = {tuple(per_bar[b.index]) for b in inner(bars, name)}
            assert len(shapes) > 1, (groove, name)  # a variation bar, not one bar forever
    voice_bars = form([("verse", 8, 0.6)])
    assert hand_part("congas", "salsa", voice_bars, False, random.Random(1)) == \
        hand_part("congas", "salsa", voice_bars, False, random.Random(1))
