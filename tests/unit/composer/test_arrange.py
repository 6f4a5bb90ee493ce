"""Instruments by name: every General MIDI sound a prompt names plays an audible part, a featured one carries the
tune, a category word in a negation removes every member, and calm prompts get no drum kit they did not ask for."""

from __future__ import annotations

import pytest

from orchestrion.engines.composer.compose import compose
from orchestrion.engines.composer.instruments import CATEGORY_WORDS, INSTRUMENTS, PERCUSSION, by_program
from orchestrion.engines.composer.interpret import interpret
from orchestrion.engines.composer.score import Score

#: The two GM program names that are also kit sounds: in a prompt "agogo" and "woodblock" are the hand voices;
#: the melodic programs answer to "tuned agogo" and "temple blocks".
_SHARED_NAMES = {113: "tuned agogo", 115: "temple blocks"}


def _notes_by_instrument(score: Score) -> dict[str, int]:
    counts: dict[str, int] = {}
    for track in score.tracks:
        counts[track.instrument] = counts.get(track.instrument, 0) + len(track.notes)
    return counts


def _named(prompt: str, negative: str = "", seed: int = 1) -> tuple[tuple[str, ...], dict[str, int], Score]:
    brief = interpret(prompt, negative, {"duration": 30.0})
    score = compose(brief, seed)
    return brief.instruments, _notes_by_instrument(score), score


@pytest.mark.parametrize("program", range(128))
def test_every_general_midi_program_plays_when_named(program: int) -> None:
    inst = by_program(program)
    name = _SHARED_NAMES.get(program, inst.names[0])
    named, counts, _ = _named(f"a piece with {name}")
    assert inst.id in named
    assert counts.get(inst.id, 0) >= 8, (name, counts)


@pytest.mark.parametrize("voice", sorted(PERCUSSION))
def test_every_hand_percussion_voice_plays_when_named(voice: str) -> None:
    named, counts, score = _named(f"a groove with {PERCUSSION[voice].names[0]}")
    assert voice in named
    assert counts.get(voice, 0) >= 8
    assert all(t.is_drums for t in score.tracks if t.instrument == voice)


@pytest.mark.parametrize("kit", sorted(i.id for i in INSTRUMENTS.values() if i.is_drums))
def test_every_drum_kit_plays_when_named(kit: str) -> None:
    named, counts, score = _named(f"a beat on the {INSTRUMENTS[kit].names[0]}")
    assert kit in named and counts.get(kit, 0) >= 8
    assert any(t.role == "drums" and t.instrument == kit for t in score.tracks)


@pytest.mark.parametrize("prompt", [
    "a duet for shakuhachi and koto", "taiko drums and shakuhachi at dawn",
    "folk with banjo, mandolin, fiddle, harmonica and upright bass",
    "orchestral piece with harp, celesta, clarinet, bassoon and timpani",
    "jazz with vibraphone, muted trumpet, tenor sax, upright bass, brushes and piano",
    "a lullaby for music box, glockenspiel, celesta, harp, flute, cello, oboe and french horn",
    "Bollywood number with sitar, tabla, dhol, harmonium and strings",
    "ambient seashore with bird tweet and a soft pad",
])
def test_up_to_eight_named_instruments_each_play_their_part(prompt: str) -> None:
    named, counts, _ = _named(prompt)
    assert len(named) >= 2
    for inst in named:
        assert counts.get(inst, 0) >= 8, (inst, counts)


def test_the_hosted_examples_horns_and_timpani_are_prominent() -> None:
    prompt = ("Majestic orchestral film score recorded in a top-tier London studio. A full-scale symphony orchestra "
              "delivers sweeping, cinematic music with rich emotional depth. Expect powerful percussion, expressive "
              "strings, and prominent French horns and timpani.")
    brief = interpret(prompt)
    assert {"french_horn", "timpani"} <= set(brief.featured)
    score = compose(brief, 1)
    horn = next(t for t in score.tracks if t.instrument == "french_horn")
    assert horn.role == "melody" and horn.featured and len(horn.notes) >= 24
    timpani = next(t for t in score.tracks if t.instrument == "timpani")
    assert timpani.featured and len(timpani.notes) >= 16


@pytest.mark.parametrize(("prompt", "lead"), [
    ("pop song featuring a saxophone", {"alto_sax", "tenor_sax", "soprano_sax", "baritone_sax"}),
    ("a waltz led by the clarinet", {"clarinet"}),
    ("rock with a prominent organ", {"organ", "rock_organ", "percussive_organ", "church_organ"}),
    ("cello solo", {"cello"}),
])
def test_a_featured_instrument_carries_the_melody(prompt: str, lead: set[str]) -> None:
    score = compose(interpret(prompt), 3)
    melody = next(t for t in score.tracks if t.role == "melody")
    assert melody.instrument in lead and melody.featured


@pytest.mark.parametrize(("prompt", "negative", "category"), [
    ("Chill lo-fi hip hop beat, mellow and dusty", "keyboards", "keyboards"),
    ("lofi hip hop with no keyboards", "", "keyboards"),
    ("funk groove with horn stabs and clavinet", "horns", "horns"),
    ("orchestral film score", "strings", "strings"),
    ("synthwave night drive", "synths", "synths"),
    ("stadium rock anthem", "guitars", "guitars"),
    ("baroque concerto grosso without woodwinds", "", "woodwinds"),
    ("big band swing", "brass", "brass"),
])
def test_negating_a_category_removes_every_member(prompt: str, negative: str, category: str) -> None:
    members = CATEGORY_WORDS[category]
    for seed in (1, 2):
        brief = interpret(prompt, negative)
        score = compose(brief, seed)
        playing = {t.instrument for t in score.tracks if t.notes}
        assert not playing & members, (category, playing & members)
        assert any(t.role == "melody" and t.notes for t in score.tracks)  # something still carries the tune


@pytest.mark.parametrize("negative", ["drums", "percussion", "drums, percussion"])
def test_negating_drums_or_percussion_leaves_no_kit_and_only_the_hand_drums_named(negative: str) -> None:
    score = compose(interpret("salsa with congas", negative), 1)
    assert not any(t.role == "drums" for t in score.tracks)
    assert {t.instrument for t in score.tracks if t.is_drums} == {"congas"}  # not the style's claves and cowbell
    assert not any(t.is_drums for t in compose(interpret("salsa", negative), 1).tracks)


def test_an_instrument_the_prompt_names_outranks_its_negated_category_but_not_its_own_negation() -> None:
    kept = compose(interpret("lofi beat with a mellow Rhodes", "keyboards"), 1)
    playing = {t.instrument for t in kept.tracks if t.notes}
    assert "rhodes" in playing and not (playing - {"rhodes"}) & CATEGORY_WORDS["keyboards"]
    gone = compose(interpret("lofi beat with a mellow Rhodes", "rhodes"), 1)
    assert "rhodes" not in {t.instrument for t in gone.tracks}


@pytest.mark.parametrize("prompt", [
    "solemn organ hymn", "sparse contemplative piano piece", "Calm relaxing music for a spa with harp and flute",
    "sacred choral music", "peaceful solo guitar", "a serene, reflective cello piece", "calm jazz ballad",
])
def test_calm_prompts_get_no_drum_kit(prompt: str) -> None:
    brief = interpret(prompt)
    assert not brief.drums
    assert not any(t.is_drums for t in compose(brief, 1).tracks)


@pytest.mark.parametrize("prompt", [
    "calm lofi beat with soft drums", "peaceful folk song with light percussion", "relaxing deep house",
    "chill reggae with a one drop", "sparse minimal techno",
])
def test_calm_prompts_keep_drums_they_ask_for_or_a_genre_built_on_them(prompt: str) -> None:
    brief = interpret(prompt)
    assert brief.drums
    assert any(t.role == "drums" for t in compose(brief, 1).tracks)


def test_a_duet_is_its_two_players() -> None:
    score = compose(interpret("a duet for shakuhachi and koto"), 1)
    assert {t.instrument for t in score.tracks} == {"shakuhachi", "koto"}
    assert all(len(t.notes) >= 8 for t in score.tracks)


def test_solo_keeps_one_instrument() -> None:
    score = compose(interpret("Sad solo piano ballad in D minor, slow and intimate, no drums"), 1)
    assert {t.instrument for t in score.tracks} == {"piano"}
    violin = compose(interpret("violin solo, slow and lyrical"), 1)
    assert "violin" in {t.instrument for t in violin.tracks if t.role == "melody"}
    assert not any(t.is_drums for t in violin.tracks) and len(violin.tracks) <= 2
