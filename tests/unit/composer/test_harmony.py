"""Harmony: progressions with motion — cadences, inversions, secondary dominants, pedals, lifts, blues and AABA
forms — that start and end on the tonic; theory's numerals in every mode; voicings a player can play."""

from __future__ import annotations

import random

import pytest

from orchestrion.engines.composer.harmony import BarHarmony, chord_spans, plan_harmony
from orchestrion.engines.composer.styles import STYLES
from orchestrion.engines.composer.theory import Key, chord_from_numeral, chord_symbol
from orchestrion.engines.composer.voicing import voice_progression
from tests.support.sections import sections

SONG = (("intro", 4), ("A", 8), ("B", 8), ("A", 8), ("B", 8), ("bridge", 8), ("B", 8), ("outro", 4), ("end", 1))
C_MAJOR = Key(0, "major")


def plan(style: str, key: Key = C_MAJOR, seed: int = 0, layout=SONG, bar_beats: float = 4.0) -> list[BarHarmony]:
    return plan_harmony(sections(layout), STYLES[style], key, False, random.Random(seed), bar_beats)


def basses(bar: BarHarmony) -> list[tuple[int, int]]:
    """(root, bass) of every chord sounding in the bar."""
    return [(chord.root, bass) for _, _, chord, bass in bar.spans(4.0)]


@pytest.mark.parametrize("style", ["pop", "jazz", "rock", "hymn", "blues", "house", "flamenco", "jig", "gospel"])
def test_starts_and_ends_on_the_tonic_of_its_key(style: str) -> None:
    for seed in range(8):
        for key in (Key(2, "major"), Key(9, "minor"), Key(4, STYLES[style].mode)
                    if STYLES[style].mode not in ("either", "major", "minor") else Key(7, "major")):
            harmony = plan(style, key, seed)
            assert len(harmony) == sum(bars for _, bars in SONG)
            first, last = harmony[0], harmony[-1]
            assert first.chord.root == key.tonic and first.bass == key.tonic and first.key == key
            assert last.chord.root == key.tonic and last.bass == key.tonic and last.key == key
            assert not last.changes
            for i, bar in enumerate(harmony[:-1]):
                assert bar.next_chord == harmony[i + 1].chord


def test_the_same_seed_gives_the_same_harmony() -> None:
    for style in ("pop", "jazz", "gospel"):
        assert plan(style, seed=5) == plan(style, seed=5)
    assert len({tuple(h.chord for h in plan("pop", seed=s)) for s in range(6)}) >= 4


def _off_root_share(style: str, seeds: int = 12) -> float:
    shares = []
    for seed in range(seeds):
        harmony = plan(style, Key(seed % 12, "minor" if seed % 3 == 0 else "major"), seed)
        shares.append(sum(bar.bass != bar.chord.root for bar in harmony) / len(harmony))
    return sum(shares) / len(shares)


@pytest.mark.parametrize("style", ["pop", "jazz", "baroque", "gospel", "ballad", "string_quartet", "city_pop"])
def test_the_bass_leaves_the_root_where_the_style_allows(style: str) -> None:
    assert STYLES[style].inversions
    assert _off_root_share(style) >= 0.15


@pytest.mark.parametrize("style", ["punk", "metal", "reggaeton", "house", "blues", "jig", "flamenco"])
def test_the_bass_stays_on_roots_where_the_style_forbids_it(style: str) -> None:
    assert not STYLES[style].inversions
    for seed in range(6):
        for bar in plan(style, seed=seed):
            assert all(root == bass for root, bass in basses(bar)), style


def test_inversions_make_the_bass_step() -> None:
    """An inverted bass (not a pedal) is approached or left by step: I V6 vi, not a leap into a first inversion."""
    stepping = total = 0
    for seed in range(12):
        harmony = plan("pop", seed=seed, layout=(("A", 8), ("B", 8), ("A", 8), ("B", 8), ("end", 1)))
        line = [b for bar in harmony for _, b in basses(bar)]
        roots = [r for bar in harmony for r, _ in basses(bar)]
        for i in range(1, len(line) - 1):
            if line[i] != roots[i]:
                total += 1
                near = [min((line[i] - n) % 12, (n - line[i]) % 12) for n in (line[i - 1], line[i + 1])]
                stepping += any(d <= 2 for d in near)
    assert total > 20 and stepping / total >= 0.9


@pytest.mark.parametrize("style", ["pop", "jazz", "baroque", "gospel", "rock"])
def test_secondary_dominants_appear_and_resolve(style: str) -> None:
    found = resolved = 0
    for seed in range(10):
        harmony = plan(style, seed=seed)
        timeline = [chord for bar in harmony for _, _, chord, _ in bar.spans(4.0)]
        for i, chord in enumerate(timeline[:-1]):
            if "/" not in chord.numeral:
                continue
            found += 1
            following = next(c for c in timeline[i + 1:] if c != chord)
            resolved += following.root == (chord.root + 5) % 12  # down a fifth onto its target
            assert 4 in chord.intervals  # a major third: the target's leading tone
    assert found >= 5, style
    assert resolved / found >= 0.9


def test_borrowed_iv_appears_in_major_pop() -> None:
    minor_iv = sum(chord.root == 5 and chord.is_minor
                   for seed in range(16) for bar in plan("pop", seed=seed) for _, _, chord, _ in bar.spans(4.0))
    assert minor_iv >= 3


def test_cadences_turn_to_the_dominant_before_choruses_and_the_ending() -> None:
    plans = sections(SONG)
    arrivals = [i for i, s in enumerate(plans) if i > 0 and (s.kind == "end" or s.kind == "B" and plans[i - 1].kind != "B")]
    assert len(arrivals) == 4
    for seed in range(8):
        harmony = plan("pop", seed=seed)
        for i in arrivals:
            before = harmony[plans[i].start_bar - 1]
            arrival = harmony[plans[i].start_bar].key
            last_chord = before.spans(4.0)[-1][2]
            assert before.cadence
            # V, or before the ending the rock cadence's bVII
            assert last_chord.root in ((arrival.tonic + 7) % 12, (arrival.tonic + 10) % 12), (seed, i)


def test_blues_choruses_are_twelve_bars_with_v_iv_i_in_bars_nine_to_eleven() -> None:
    layout = (("A", 12), ("B", 12), ("B", 12), ("A", 12), ("end", 1))
    variants = set()
    for seed in range(10):
        key = Key(seed % 12, "major")
        harmony = plan("blues", key, seed, layout)
        for chorus in range(4):
            bars = harmony[chorus * 12:(chorus + 1) * 12]
            degrees = [(bar.chord.root - key.tonic) % 12 for bar in bars]
            assert degrees[0] == 0 and degrees[4] == 5 and degrees[6] == 0
            assert degrees[8:11] == [7, 5, 0], degrees
            assert all(7 in [(i + 3) % 12 for i in bar.chord.intervals] or 10 in bar.chord.intervals for bar in bars)
            variants.add(tuple(degrees))
    assert len(variants) >= 2  # quick change and turnaround variants


def test_the_last_chorus_lifts_and_comes_home() -> None:
    assert STYLES["pop"].lift
    layout = SONG
    plans = sections(layout)
    last_chorus = max(i for i, s in enumerate(plans) if s.kind == "B")
    section = plans[last_chorus]
    for seed in range(8):
        key = Key(seed % 12, "major")
        harmony = plan("pop", key, seed)
        lifted = {harmony[b].key for b in range(section.start_bar, section.start_bar + section.bars - 1)}
        assert len(lifted) == 1
        (up,) = lifted
        assert (up.tonic - key.tonic) % 12 in (1, 2) and up.mode == key.mode
        assert harmony[section.start_bar - 1].chord.root == (up.tonic + 7) % 12  # entered through its dominant
        earlier = [harmony[b].key for s in plans[:last_chorus] for b in range(s.start_bar, s.start_bar + s.bars)]
        assert set(earlier[:-1]) == {key}
        assert harmony[-1].key == key and harmony[-1].chord.root == key.tonic
    assert not STYLES["folk"].lift
    assert {bar.key for bar in plan("folk", C_MAJOR, 1)} == {C_MAJOR}


def test_aaba_bridge_moves_to_the_iv_or_the_relative_major() -> None:
    layout = (("A", 8), ("A", 8), ("bridge", 8), ("A", 8), ("end", 1))
    for key, away in ((Key(0, "major"), Key(5, "major")), (Key(9, "minor"), Key(0, "major"))):
        for seed in range(5):
            harmony = plan("jazz", key, seed, layout)
            bridge = harmony[16:24]
            assert {bar.key for bar in bridge[:6]} == {away}
            assert bridge[-1].key == key and bridge[-1].chord.root == (key.tonic + 7) % 12
            assert {bar.key for bar in harmony[:16] + harmony[24:]} == {key}


def test_jazz_turnarounds_put_two_chords_in_a_bar() -> None:
    split = sum(1 for seed in range(6) for bar in plan("jazz", seed=seed)
                if any(chord.root != bar.chord.root for _, chord in bar.changes))
    assert split >= 6


def test_pedal_points_under_intros_and_builds() -> None:
    layout = (("intro", 4), ("build", 4), ("B", 8), ("end", 1))
    tonic_pedals = 0
    for seed in range(10):
        harmony = plan("pop", seed=seed, layout=layout)
        build = harmony[4:7]
        assert {bar.bass for bar in build} == {7}  # a dominant pedal under the build
        tonic_pedals += all(bar.bass == 0 for bar in harmony[:4])
    assert tonic_pedals >= 3


def test_flamenco_walks_the_andalusian_cadence() -> None:
    key = Key(4, "phrygian_dominant")  # E: Am G F E
    for seed in range(4):
        roots = [bar.chord.root for bar in plan("flamenco", key, seed)]
        walks = sum(roots[i:i + 4] == [9, 7, 5, 4] for i in range(len(roots) - 3))
        assert walks >= 3
    minor = [bar.chord.root for bar in plan("flamenco", Key(9, "minor"), 1)]
    assert any(minor[i:i + 4] == [9, 7, 5, 4] for i in range(len(minor) - 3))


def test_chord_spans_read_like_a_lead_sheet() -> None:
    harmony = plan("pop", seed=3)
    spans = chord_spans(harmony, 4.0)
    assert spans[0].start == 0.0
    assert sum(s.length for s in spans) == pytest.approx(len(harmony) * 4.0)
    for a, b in zip(spans, spans[1:]):
        assert b.start == pytest.approx(a.start + a.length)
        assert (a.root, a.bass, a.pitch_classes) != (b.root, b.bass, b.pitch_classes) or a.numeral != b.numeral
    slashed = [s for s in spans if s.bass != s.root]
    assert slashed and all("/" in s.symbol for s in slashed)
    assert all("/" not in s.symbol for s in spans if s.bass == s.root)


def test_numerals_in_every_mode() -> None:
    symbols = lambda names, key: [chord_symbol(chord_from_numeral(n, key)) for n in names.split()]  # noqa: E731
    assert symbols("I V/3 vi IV", C_MAJOR)[:1] == ["C"]
    assert symbols("i VII VI V", Key(9, "minor")) == ["Am", "G", "F", "E"]
    assert symbols("iv III II I", Key(4, "phrygian_dominant")) == ["Am", "G", "F", "E"]
    assert symbols("i iv ii vii", Key(2, "phrygian_dominant")) == ["D", "Gm", "Eb", "Cm"]
    assert symbols("i iv V7 VII", Key(9, "harmonic_minor")) == ["Am", "Dm", "E7", "G"]
    assert symbols("Imaj7 ii7 V7 vii°", C_MAJOR) == ["Cmaj7", "Dm7", "G7", "Bdim"]
    assert chord_symbol(chord_from_numeral("V", C_MAJOR), 11) == "G/B"


def test_voicings_respect_what_one_player_can_sound() -> None:
    chords = [chord_from_numeral(n, C_MAJOR) for n in "Imaj7 vi7 ii7 V7 I IV V".split()]
    double_stops = voice_progression(chords, 55, 88, voices=4, max_voices=2)
    for chord, voicing in zip(chords, double_stops):
        assert len(voicing) == 2 and 3 <= voicing[1] - voicing[0] <= 12
        assert chord.third in {p % 12 for p in voicing}  # the third names the chord
        if len(chord.intervals) > 3:
            assert (chord.root + chord.intervals[3]) % 12 in {p % 12 for p in voicing}
    full = voice_progression(chords, 48, 76, voices=4)
    assert all(len(v) == 4 and 48 <= min(v) and max(v) <= 76 for v in full)
    moves = [sum(abs(a - b) for a, b in zip(x, y)) for x, y in zip(full, full[1:])]
    assert max(moves) <= 14  # led smoothly, not jumping between positions
    assert all(len(v) == 1 for v in voice_progression(chords, 60, 84, voices=3, max_voices=1))
