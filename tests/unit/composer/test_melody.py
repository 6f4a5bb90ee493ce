"""Melody: tunes that agree with the chords on the beat, keep their key and register, develop a motif rather than
copy it, breathe in phrases with pickups, lift in the chorus and land on the tonic; a counter-line that answers."""

from __future__ import annotations

import random
from collections import defaultdict

import pytest

from orchestrion.engines.composer.harmony import BarHarmony, plan_harmony
from orchestrion.engines.composer.melody import Event, write_counter, write_melody
from orchestrion.engines.composer.styles import STYLES
from orchestrion.engines.composer.theory import Key
from tests.support.sections import sections

SONG = (("intro", 4), ("A", 8), ("B", 8), ("A", 8), ("B", 8), ("bridge", 8), ("B", 8), ("outro", 4), ("end", 1))
#: Styles across feels and metres (4/4, 3/4, 6/8, 12/8, 2/4) and modes.
STYLE_SET = ("pop", "jazz", "bebop", "blues", "flamenco", "jig", "hymn", "march", "house", "ambient", "gospel",
             "celtic", "klezmer", "waltz", "sea_shanty", "kpop", "orchestral", "game_adventure", "lofi", "hyperpop")


def _key(style: str, seed: int) -> Key:
    mode = STYLES[style].mode
    if mode == "either":
        mode = "minor" if seed % 2 else "major"
    return Key((seed * 5) % 12, mode)


def compose_tune(style: str, seed: int, layout=SONG) -> tuple[list[Event], list[BarHarmony], float, bool]:
    spec = STYLES[style]
    bar_beats = spec.metre[0] * 4 / spec.metre[1]
    compound = spec.metre[1] == 8 and spec.metre[0] % 3 == 0
    plans = sections(layout)
    harmony = plan_harmony(plans, spec, _key(style, seed), False, random.Random(seed), bar_beats)
    tune = write_melody(55, 93, plans, harmony, spec, bar_beats, compound, 8, random.Random(seed + 100))
    return tune, harmony, bar_beats, compound


def _sounding(harmony: list[BarHarmony], bar_beats: float, t: float) -> tuple[set[int], Key]:
    bar = min(int((t + 1e-6) // bar_beats), len(harmony) - 1)
    offset = t - bar * bar_beats
    h = harmony[bar]
    return set(h.chord_at(offset).pitch_classes) | {h.bass_at(offset)}, h.key


def _on_beat(t: float, compound: bool) -> bool:
    return abs(t - round(t)) < 1e-6 or compound and abs(t / 1.5 - round(t / 1.5)) < 1e-6


def clash_rate(tune: list[Event], harmony: list[BarHarmony], bar_beats: float, compound: bool) -> float:
    """On-beat melody notes a semitone (or minor ninth) from any chord tone or the bass, over all melody notes."""
    clashes = 0
    for t, _, pitch, _ in tune:
        if _on_beat(t, compound):
            tones, _ = _sounding(harmony, bar_beats, t)
            clashes += any((pitch - s) % 12 in (1, 11) for s in tones)
    return clashes / len(tune)


def bar_rhythms(tune: list[Event], bar_beats: float) -> dict[int, tuple[float, ...]]:
    bars: dict[int, list[float]] = defaultdict(list)
    for t, _, _, _ in tune:
        bar = int((t + 1e-6) // bar_beats)
        bars[bar].append(round(t - bar * bar_beats, 3))
    return {bar: tuple(onsets) for bar, onsets in bars.items()}


def distinct_share(tune: list[Event], bar_beats: float) -> float:
    rhythms = bar_rhythms(tune, bar_beats)
    return len(set(rhythms.values())) / len(rhythms)


def in_key_share(tune: list[Event], harmony: list[BarHarmony], bar_beats: float) -> float:
    return sum(_sounding(harmony, bar_beats, t)[1].contains(p) for t, _, p, _ in tune) / len(tune)


@pytest.mark.parametrize("style", STYLE_SET)
def test_notes_on_the_beat_never_rub_against_the_chord(style: str) -> None:
    rates = []
    for seed in range(6):
        tune, harmony, bar_beats, compound = compose_tune(style, seed)
        rates.append(clash_rate(tune, harmony, bar_beats, compound))
    assert max(rates) < 0.03, rates


@pytest.mark.parametrize("style", STYLE_SET)
def test_the_tune_keeps_the_key_in_force(style: str) -> None:
    for seed in range(6):
        tune, harmony, bar_beats, _ = compose_tune(style, seed)
        assert in_key_share(tune, harmony, bar_beats) >= 0.95


@pytest.mark.parametrize("style", [s for s in STYLE_SET if STYLES[s].metre not in ((2, 4),)])
def test_bars_have_varied_rhythms(style: str) -> None:
    shares = [distinct_share(compose_tune(style, seed)[0], compose_tune(style, seed)[2]) for seed in range(6)]
    assert sum(shares) / len(shares) >= 0.4, shares
    assert min(shares) >= 0.25, shares


def test_two_four_tunes_still_vary_their_bars() -> None:
    """Two-beat bars leave little room for new rhythms; motifs span two bars so they still change."""
    for style in ("march", "polka", "klezmer"):
        shares = [distinct_share(compose_tune(style, seed)[0], 2.0) for seed in range(6)]
        assert sum(shares) / len(shares) >= 0.25, (style, shares)


@pytest.mark.parametrize("style", STYLE_SET)
def test_the_tune_stays_in_its_register(style: str) -> None:
    spec = STYLES[style]
    for seed in range(4):
        tune, *_ = compose_tune(style, seed)
        pitches = [p for _, _, p, _ in tune]
        assert 55 <= min(pitches) and max(pitches) <= 93
        if spec.melody_register:
            low, high = spec.melody_register
            assert low <= min(pitches) and max(pitches) <= high
    if style == "hymn":  # a chant keeps within about an octave and a half
        assert max(pitches) - min(pitches) <= 19


def test_registers_follow_the_feel() -> None:
    def middle(style: str) -> float:
        pitches = [p for seed in range(4) for _, _, p, _ in compose_tune(style, seed)[0]]
        return sum(pitches) / len(pitches)

    assert middle("hyperpop") > middle("pop") > middle("blues")


def _motif_bars(tune: list[Event], bar_beats: float) -> dict[int, tuple[tuple[float, ...], tuple[int, ...]]]:
    """(onsets, intervals) per bar of the line under its ornaments (grace notes and trills left out)."""
    bars: dict[int, list[tuple[float, int]]] = defaultdict(list)
    for t, d, p, _ in tune:
        if d <= 0.13:
            continue
        bar = int((t + 1e-6) // bar_beats)
        bars[bar].append((round(t - bar * bar_beats, 3), p))
    return {b: (tuple(t for t, _ in notes), tuple(y - x for (_, x), (_, y) in zip(notes, notes[1:])))
            for b, notes in bars.items() if len(notes) >= 3}


@pytest.mark.parametrize("style", ["pop", "jazz", "orchestral", "celtic", "house", "waltz", "game_adventure"])
def test_the_motif_returns_transformed_not_copied(style: str) -> None:
    transformed = copies = 0
    for seed in range(8):
        tune, _, bar_beats, _ = compose_tune(style, seed)
        bars = _motif_bars(tune, bar_beats)
        verse = 4  # the first verse's first bar holds the motif
        if verse not in bars:
            continue
        rhythm, intervals = bars[verse]
        later = [bars[b] for b in bars if b > verse]
        transformed += any((r == rhythm) != (i == intervals) for r, i in later)  # one kept, the other changed
        copies += sum(r == rhythm and i == intervals for r, i in later)
        assert len(later) > copies  # never a piece of copies
    assert transformed >= 5  # of 8 pieces


def _pickups(tune: list[Event], layout, bar_beats: float) -> int:
    """Phrases of a section entered from the bar before: a note starting in the last beats before its downbeat."""
    count = 0
    for section in sections(layout):
        if section.kind in ("A", "B", "bridge") and section.start_bar > 0:
            downbeat = section.start_bar * bar_beats
            count += any(downbeat - 1.5 - 1e-6 <= t < downbeat for t, _, _, _ in tune)
    return count


@pytest.mark.parametrize("style", ["pop", "jazz", "gospel", "celtic", "lofi"])
def test_phrases_open_with_pickups(style: str) -> None:
    found = sum(_pickups(compose_tune(style, seed)[0], SONG, compose_tune(style, seed)[2]) for seed in range(8))
    assert found >= 8


def test_the_melody_rests_in_the_intro_except_for_a_pickup() -> None:
    for style in ("pop", "orchestral", "jazz"):
        for seed in range(6):
            tune, _, bar_beats, _ = compose_tune(style, seed)
            assert all(t >= 3 * bar_beats for t, _, _, _ in tune)


def test_choruses_sit_higher_and_denser_than_verses() -> None:
    plans = sections(SONG)
    for style in ("pop", "orchestral", "folk", "soul"):
        verse_pitch, chorus_pitch, verse_notes, chorus_notes = [], [], 0, 0
        for seed in range(8):
            tune, _, bar_beats, _ = compose_tune(style, seed)
            for t, _, p, _ in tune:
                kind = next(s.kind for s in plans if s.start_bar <= t // bar_beats < s.start_bar + s.bars)
                if kind == "A":
                    verse_pitch.append(p)
                    verse_notes += 1
                elif kind == "B":
                    chorus_pitch.append(p)
                    chorus_notes += 1
        assert sum(chorus_pitch) / len(chorus_pitch) > sum(verse_pitch) / len(verse_pitch) + 2, style
        assert chorus_notes / 3 > verse_notes / 2 * 1.08, style  # three choruses against two verses


@pytest.mark.parametrize("style", STYLE_SET)
def test_the_last_note_is_the_tonic_with_the_final_chord(style: str) -> None:
    for seed in range(4):
        tune, harmony, bar_beats, _ = compose_tune(style, seed)
        start, duration, pitch, _ = max(tune)
        final = len(harmony) - 1
        assert start == final * bar_beats and duration >= bar_beats
        assert pitch % 12 == harmony[final].key.tonic == harmony[final].chord.root


def test_a_lifted_chorus_is_sung_in_its_new_key() -> None:
    plans = sections(SONG)
    last = plans[6]
    for seed in range(6):
        tune, harmony, bar_beats, _ = compose_tune("pop", seed)
        lifted = harmony[last.start_bar + 1].key
        assert lifted.tonic != _key("pop", seed).tonic
        inside = [p for t, _, p, _ in tune if last.start_bar * bar_beats <= t < (last.start_bar + last.bars - 1) * bar_beats]
        assert sum(lifted.contains(p) for p in inside) / len(inside) >= 0.95


def test_ornaments_and_chromatic_approaches_where_the_style_asks() -> None:
    ornaments = sum(d <= 0.13 for seed in range(6) for _, d, _, _ in compose_tune("celtic", seed)[0])
    plain = sum(d <= 0.13 for seed in range(6) for _, d, _, _ in compose_tune("pop", seed)[0])
    assert ornaments >= 20 and plain == 0
    approaches = 0
    for seed in range(6):
        tune, harmony, bar_beats, compound = compose_tune("bebop", seed)
        for (t, d, p, _), following in zip(tune, tune[1:]):
            key = _sounding(harmony, bar_beats, t)[1]
            if not key.contains(p):
                assert abs(following[2] - p) <= 2 and not _on_beat(t, compound)  # off the beat, resolving by step
                approaches += following[2] - p == 1
    assert approaches >= 6


def test_the_same_seed_gives_the_same_tune() -> None:
    assert compose_tune("pop", 3) == compose_tune("pop", 3)
    tunes = {tuple(compose_tune("pop", seed)[0]) for seed in range(8)}
    assert len(tunes) == 8


def test_counter_line_answers_the_tune_and_keeps_out_of_its_way() -> None:
    for style in ("orchestral", "jazz", "pop"):
        spec = STYLES[style]
        for seed in range(4):
            tune, harmony, bar_beats, compound = compose_tune(style, seed)
            counter = write_counter(48, 72, sections(SONG), harmony, spec, bar_beats, random.Random(seed), tune)
            assert counter and all(48 <= p <= 72 for _, _, p, _ in counter)
            assert clash_rate(counter, harmony, bar_beats, compound) == 0.0
            assert in_key_share(counter, harmony, bar_beats) >= 0.95
            busy = {b for b, r in bar_rhythms(tune, bar_beats).items() if len(r) >= 5}
            moving = {b for b, r in bar_rhythms(counter, bar_beats).items() if len(r) >= 2}
            assert not busy & moving  # it moves while the tune holds, and holds while the tune is busy
