"""The composer's request parameters `chords`, `bars_per_chord`, `time_signature` and `instruments`: parsing,
validation, and what the score does with them."""

from __future__ import annotations

import pytest

from orchestrion.engines import GenerationRequest, InvalidRequest
from orchestrion.engines.composer import ComposerEngine
from orchestrion.engines.composer.chords import ChordError, key_of, parse_progression, parse_symbol, resolve
from orchestrion.engines.composer.compose import compose
from orchestrion.engines.composer.instruments import INSTRUMENTS, PERCUSSION, find_instrument
from orchestrion.engines.composer.interpret import interpret
from orchestrion.engines.composer.numbers import parse_time_signature
from orchestrion.engines.composer.score import Score
from orchestrion.engines.composer.theory import Key


# --- parsing ------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("symbol", "root", "pcs", "bass"), [
    ("Am", 9, (9, 0, 4), 9), ("F", 5, (5, 9, 0), 5), ("Cmaj7", 0, (0, 4, 7, 11), 0),
    ("A7/C#", 9, (9, 1, 4, 7), 1), ("Dm7", 2, (2, 5, 9, 0), 2), ("G7", 7, (7, 11, 2, 5), 7),
    ("Bbdim", 10, (10, 1, 4), 10), ("F#aug", 6, (6, 10, 2), 6), ("Esus2", 4, (4, 6, 11), 4),
    ("Dsus4", 2, (2, 7, 9), 2), ("C6", 0, (0, 4, 7, 9), 0), ("G9", 7, (7, 11, 2, 5, 9), 7),
    ("Bm7b5", 11, (11, 2, 5, 9), 11), ("Ebmaj7/G", 3, (3, 7, 10, 2), 7), ("C/E", 0, (0, 4, 7), 4),
])
def test_chord_symbols_read_root_quality_and_bass(symbol: str, root: int, pcs: tuple[int, ...], bass: int) -> None:
    chord, chord_bass = parse_symbol(symbol)
    assert (chord.root, chord.pitch_classes, chord_bass) == (root, pcs, bass)


def test_roman_numerals_are_read_against_the_key_as_the_styles_pools_are() -> None:
    c_major = Key(0, "major")
    chords = resolve(parse_progression("vi IV I V"), c_major)
    assert [(c.root, c.pitch_classes[:3]) for c, _ in chords] == [
        (9, (9, 0, 4)), (5, (5, 9, 0)), (0, (0, 4, 7)), (7, (7, 11, 2))]
    jazz = resolve(parse_progression("ii7 V7 Imaj7"), Key(2, "major"))  # in D
    assert [c.pitch_classes for c, _ in jazz] == [(4, 7, 11, 2), (9, 1, 4, 7), (2, 6, 9, 1)]
    inverted = resolve(("I/3", "V/V", "bVII"), c_major)
    assert inverted[0][1] == 4 and inverted[1][0].root == 2 and inverted[2][0].root == 10


@pytest.mark.parametrize("text", ["Am, F | C  G", "Am F C G", " vi - IV - I - V "])
def test_progressions_split_on_spaces_commas_bar_lines_and_dashes(text: str) -> None:
    assert len(parse_progression(text)) == 4


@pytest.mark.parametrize(("text", "bad"), [("Am F H7 G", "H7"), ("C Gxyz", "Gxyz"), ("I IV viii", "viii"),
                                           ("Am foo", "foo"), ("C/Q", "C/Q")])
def test_a_token_that_is_no_chord_is_named(text: str, bad: str) -> None:
    with pytest.raises(ChordError) as caught:
        parse_progression(text)
    assert caught.value.token == bad and repr(bad) in str(caught.value)


def test_empty_and_too_long_progressions_are_refused() -> None:
    with pytest.raises(ChordError):
        parse_progression("   ")
    assert len(parse_progression(" ".join(["C"] * 64))) == 64
    with pytest.raises(ChordError, match="at most 64"):
        parse_progression(" ".join(["C"] * 65))


@pytest.mark.parametrize(("text", "key"), [("Am F C G", (9, "minor")), ("C Am F G", (0, "major")),
                                          ("Cmaj7 A7/C# Dm7 G7", (0, "major")), ("Em C G D", (4, "minor")),
                                          ("G D Em C", (7, "major")), ("Dm Bb F C", (2, "minor"))])
def test_the_key_of_a_progression_of_symbols(text: str, key: tuple[int, str]) -> None:
    assert key_of(parse_progression(text)) == key


def test_numerals_alone_name_no_key() -> None:
    assert key_of(("vi", "IV", "I", "V")) is None


@pytest.mark.parametrize(("text", "metre"), [("3/4", (3, 4)), ("4/4", (4, 4)), ("6/8", (6, 8)), ("12/8", (12, 8)),
                                            ("5/4", (5, 4)), ("7/8", (7, 8)), ("2/4", (2, 4)), ("9/8", (9, 8)),
                                            ("2/2", (2, 2)), ("15/8", (15, 8)), (" 6 / 16 ", (6, 16))])
def test_time_signatures_parse(text: str, metre: tuple[int, int]) -> None:
    assert parse_time_signature(text) == metre


@pytest.mark.parametrize("text", ["1/4", "16/4", "4/3", "4/32", "5/16", "3-4", "three four", "", "4/4/4", 3])
def test_time_signatures_outside_the_grammar_are_refused(text: object) -> None:
    assert parse_time_signature(text) is None


@pytest.mark.parametrize(("name", "expected"), [
    ("Acoustic Grand Piano", "piano"), ("acoustic grand piano", "piano"), ("Electric Bass (finger)", "electric_bass"),
    ("Electric Guitar (jazz)", "jazz_guitar"), ("String Ensemble 1", "strings"), ("piano", "piano"),
    ("violin", "violin"), ("nylon_guitar", "nylon_guitar"), ("drums", "drum_kit"), ("congas", "congas"),
])
def test_instrument_names_resolve(name: str, expected: str) -> None:
    assert find_instrument(name) == expected


def test_every_general_midi_program_name_resolves_to_its_program() -> None:
    from orchestrion.engines.composer.instruments import by_program

    for program in range(128):
        gm_name = by_program(program).names[0]
        found = find_instrument(gm_name)
        assert found in INSTRUMENTS and INSTRUMENTS[found].program == program or found in PERCUSSION, gm_name


def test_unknown_instrument_names_resolve_to_nothing() -> None:
    assert find_instrument("theremin of doom") is None and find_instrument("") is None


# --- engine validation --------------------------------------------------------------------------------------------
def _validate(**params: object) -> None:
    ComposerEngine().validate(GenerationRequest(prompt="pop", params=params))


@pytest.mark.parametrize(("params", "field", "fragment"), [
    ({"chords": "Am F X G"}, "chords", "'X'"),
    ({"chords": 5}, "chords", "must be a string"),
    ({"chords": " ".join(["C"] * 65)}, "chords", "at most 64"),
    ({"chords": "Am F", "bars_per_chord": 9}, "bars_per_chord", "1 to 8"),
    ({"chords": "Am F", "bars_per_chord": True}, "bars_per_chord", "1 to 8"),
    ({"time_signature": "4/3"}, "time_signature", "'4/3'"),
    ({"time_signature": 34}, "time_signature", "34"),
    ({"instruments": []}, "instruments", "1 to 8"),
    ({"instruments": ["piano"] * 9}, "instruments", "1 to 8"),
    ({"instruments": ["piano", "kazoo deluxe"]}, "instruments", "'kazoo deluxe'"),
    ({"instruments": [{"name": "piano", "role": "singer"}]}, "instruments", "'singer'"),
    ({"instruments": ["PIANO"]}, "instruments", "'PIANO'"),
    ({"instruments": [{"name": "piano", "colour": "red"}]}, "instruments", "`name` and optionally a `role`"),
    ({"instruments": [7]}, "instruments", "7"),
])
def test_the_engine_refuses_bad_values_naming_the_field(params: dict, field: str, fragment: str) -> None:
    with pytest.raises(InvalidRequest) as caught:
        _validate(**params)
    assert caught.value.field == field and fragment in str(caught.value)


def test_the_engine_accepts_good_values() -> None:
    _validate(chords="Cmaj7 A7/C# Dm7 G7", bars_per_chord=2, time_signature="7/8",
              instruments=["Acoustic Grand Piano", {"name": "upright bass", "role": "bass"}, "drums",
                           {"name": "congas", "role": "hand"}])


# --- the score ----------------------------------------------------------------------------------------------------
def _score(prompt: str, seed: int = 3, **params: object) -> Score:
    engine = ComposerEngine()
    request = GenerationRequest(prompt=prompt, params={"duration": 40, **params}, seed=seed)
    engine.validate(request)
    return compose(engine._brief(request), seed)


def _bar_beats(score: Score) -> float:
    numerator, denominator = score.time_signature
    return numerator * 4 / denominator


def _downbeat_symbols(score: Score) -> list[str]:
    bar = _bar_beats(score)
    symbols = []
    for index in range(int(round(score.length_beats / bar))):
        beat = index * bar + 1e-6
        symbols.append(next(c.symbol for c in score.chords if c.start <= beat < c.start + c.length))
    return symbols


def _matching(symbols: list[str], wanted: list[str], per: int = 1) -> float:
    return sum(s == wanted[(i // per) % len(wanted)] for i, s in enumerate(symbols)) / len(symbols)


@pytest.mark.parametrize("prompt", ["upbeat pop song", "jazz trio", "epic orchestral", "lofi hip hop", "techno",
                                    "blues", "calm piano", "flamenco guitar"])
def test_requested_chords_sound_on_the_downbeats(prompt: str) -> None:
    for seed in (1, 2):
        score = _score(prompt, seed, chords="Am F C G")
        assert _matching(_downbeat_symbols(score), ["Am", "F", "C", "G"]) >= 0.95
        assert (score.key_tonic, score.key_mode) == (9, "minor")  # the key follows the chords


def test_the_harmony_part_plays_the_requested_chords_on_the_downbeats() -> None:
    score = _score("upbeat pop song", chords="Am F C G", instruments=["piano", "Acoustic Bass", "flute"])
    comp = next(t for t in score.tracks if t.role == "harmony")
    bar = _bar_beats(score)
    wanted = [parse_symbol(s)[0] for s in ("Am", "F", "C", "G")]
    bars = int(round(score.length_beats / bar))
    hits = 0
    for index in range(bars):
        sounding = {n.pitch % 12 for n in comp.notes if n.start <= index * bar + 0.25 and
                    n.start + n.duration > index * bar + 0.1}
        chord = wanted[index % 4]
        hits += chord.root in sounding and chord.third in sounding
    assert hits / bars >= 0.95


def test_bars_per_chord_holds_each_chord_and_numerals_follow_the_key() -> None:
    score = _score("pop song", chords="vi IV I V", bars_per_chord=2, key="C major")
    assert _matching(_downbeat_symbols(score), ["Am", "F", "C", "G"], per=2) >= 0.95
    jazz = _score("jazz", chords="ii7 V7 Imaj7 Imaj7", key="F major")
    assert _matching(_downbeat_symbols(jazz), ["Gm7", "C7", "Fmaj7", "Fmaj7"]) >= 0.95


def test_slash_chords_put_their_bass_in_the_bass() -> None:
    score = _score("soul ballad", chords="Cmaj7 A7/C# Dm7 G7")
    assert _matching(_downbeat_symbols(score), ["Cmaj7", "A7/C#", "Dm7", "G7"]) >= 0.95
    assert (score.key_tonic, score.key_mode) == (0, "major")
    bass = next(t for t in score.tracks if t.role == "bass")
    bar = _bar_beats(score)
    played = [i for i in range(int(score.length_beats / bar)) if i % 4 == 1  # bars the bass plays (not the intro)
              and any(i * bar - 0.1 <= n.start < (i + 1) * bar - 0.1 for n in bass.notes)]
    on_c_sharp = sum(any(n.pitch % 12 == 1 and abs(n.start - i * bar) < 0.1 for n in bass.notes) for i in played)
    assert len(played) >= 2 and on_c_sharp == len(played)


def test_without_chords_the_style_still_chooses_its_own() -> None:
    score = _score("upbeat pop song", key="A minor")
    assert _matching(_downbeat_symbols(score), ["Am", "F", "C", "G"]) < 0.95


@pytest.mark.parametrize(("signature", "metre", "bar"), [("3/4", (3, 4), 3.0), ("6/8", (6, 8), 3.0),
                                                         ("7/8", (7, 8), 3.5), ("5/4", (5, 4), 5.0),
                                                         ("12/8", (12, 8), 6.0), ("2/4", (2, 4), 2.0)])
def test_time_signature_sets_the_score_metre_and_bar_length(signature: str, metre: tuple[int, int],
                                                            bar: float) -> None:
    score = _score("upbeat pop song", time_signature=signature, chords="C F G Am")
    assert score.time_signature == metre
    assert score.length_beats % bar == pytest.approx(0.0, abs=1e-6)
    starts = [c.start for c in score.chords]
    assert all((s / bar) == pytest.approx(round(s / bar), abs=1e-6) for s in starts)  # one chord per bar
    assert len(score.chords) == pytest.approx(score.length_beats / bar, abs=1)
    assert all(s.start % bar == pytest.approx(0.0, abs=1e-6) for s in score.sections)


def test_time_signature_overrides_a_metre_in_the_prompt_and_the_style() -> None:
    assert _score("a waltz in 3/4", time_signature="4/4").time_signature == (4, 4)


@pytest.mark.parametrize("listed", [
    ["Acoustic Grand Piano", "Electric Bass (finger)", "Violin"],
    ["flute"],
    ["Acoustic Guitar (nylon)", {"name": "cello", "role": "bass"}, {"name": "clarinet", "role": "melody"}],
    ["String Ensemble 1", "Trumpet", "Tuba", "Pad 2 (warm)"],
])
def test_instruments_are_exactly_the_listed_programs_without_drums(listed: list) -> None:
    for prompt in ("upbeat pop song", "heavy metal with drums and synths", "salsa"):
        score = _score(prompt, instruments=listed)
        wanted = {INSTRUMENTS[find_instrument(i if isinstance(i, str) else i["name"])].program for i in listed}
        assert {t.program for t in score.tracks if not t.is_drums} == wanted
        assert not any(t.is_drums for t in score.tracks)


def test_a_role_the_instrument_cannot_take_gives_way_to_one_it_can() -> None:
    score = _score("pop", instruments=[{"name": "drums", "role": "melody"}, {"name": "piano", "role": "drums"},
                                       {"name": "congas", "role": "bass"}])
    roles = {(t.instrument, t.role) for t in score.tracks}
    assert ("drum_kit", "drums") in roles and ("congas", "hand") in roles
    assert ("piano", "harmony") in roles and ("piano", "melody") in roles


def test_every_listed_spelling_resolves_and_others_do_not() -> None:
    from orchestrion.engines.composer.instruments import GM_NAMES, request_instrument_names

    names = request_instrument_names()
    assert set(GM_NAMES) <= set(names) and all(find_instrument(n) is not None for n in names)
    assert find_instrument("Acoustic grand PIANO") is None and find_instrument("acoustic  grand piano") is None


def test_listed_roles_are_kept() -> None:
    score = _score("pop", instruments=[{"name": "cello", "role": "bass"}, {"name": "clarinet", "role": "melody"},
                                       "piano"])
    roles = {(t.instrument, t.role) for t in score.tracks}
    assert ("cello", "bass") in roles and ("clarinet", "melody") in roles and ("piano", "harmony") in roles


def test_drums_play_only_when_a_kit_or_hand_percussion_is_listed() -> None:
    with_kit = _score("calm ambient", instruments=["piano", "drums"])
    assert [t.instrument for t in with_kit.tracks if t.is_drums] == ["drum_kit"]
    with_congas = _score("calm ambient", instruments=["piano", "congas"])
    assert [t.instrument for t in with_congas.tracks if t.is_drums] == ["congas"]
    assert {t.program for t in with_congas.tracks if not t.is_drums} == {0}


def test_the_brief_records_what_the_request_asked() -> None:
    brief = interpret("pop", "", {"chords": "Am F C G", "bars_per_chord": 2, "time_signature": "6/8",
                                  "instruments": ["piano", {"name": "violin", "role": "melody"}]})
    assert brief.chords == ("Am", "F", "C", "G") and brief.bars_per_chord == 2 and brief.metre == (6, 8)
    assert brief.ensemble == (("piano", ""), ("violin", "melody")) and not brief.drums
    assert {"key", "metre", "instruments"} <= brief.explicit
    assert brief.to_dict()["chords"] == ["Am", "F", "C", "G"]


def test_a_request_key_wins_over_the_chords_key() -> None:
    score = _score("pop", chords="Am F C G", key="C major")
    assert (score.key_tonic, score.key_mode) == (0, "major")
    assert _matching(_downbeat_symbols(score), ["Am", "F", "C", "G"]) >= 0.95
