"""The interpret stage: prompts become briefs — stated values win, negations remove, odd text still yields music."""

from __future__ import annotations

import pytest

from orchestrion.engines.composer.instruments import INSTRUMENTS
from orchestrion.engines.composer.interpret import interpret, parse_key
from orchestrion.engines.composer.styles import STYLES


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("E-flat major", (3, "major")),
        ("F#m", (6, "minor")),
        ("Bb minor", (10, "minor")),
        ("D dorian", (2, "dorian")),
        ("C# minor", (1, "minor")),
        ("G", (7, "major")),
        ("A minor", (9, "minor")),
        ("ré mineur", (2, "minor")),
        ("a-Moll", (9, "minor")),
        ("a minor", (9, "minor")),
        ("F sharp major", (6, "major")),
        ("Ab", (8, "major")),
    ],
)
def test_parse_key_reads_key_names(text: str, expected: tuple[int, str]) -> None:
    assert parse_key(text) == expected


@pytest.mark.parametrize("text", ["", "hello", "H minor", "X#", "in the mood", "major", "123", "C minor minor"])
def test_parse_key_rejects_non_keys(text: str) -> None:
    assert parse_key(text) is None


def test_stated_tempo_key_and_metre_win() -> None:
    brief = interpret("Uplifting deep house track at 128 BPM in F minor, four-on-the-floor kick")
    assert brief.style == "house"
    assert brief.bpm == 128.0
    assert (brief.tonic, brief.mode) == (5, "minor")
    assert brief.drums
    assert {"bpm", "key", "mode"} <= brief.explicit


@pytest.mark.parametrize(
    ("prompt", "tonic", "mode"),
    [
        ("a ballad in E-flat major", 3, "major"),
        ("dark trap in F#m", 6, "minor"),
        ("slow blues shuffle in A with organ", 9, "major"),
        ("Bb minor nocturne", 10, "minor"),
        ("valse en ré mineur", 2, "minor"),
    ],
)
def test_keys_found_inside_prompts(prompt: str, tonic: int, mode: str) -> None:
    brief = interpret(prompt)
    assert (brief.tonic, brief.mode) == (tonic, mode)


def test_metre_from_numbers_and_from_waltz() -> None:
    assert interpret("folk tune in 6/8").metre == (6, 8)
    assert interpret("a jazz piece in 5/4").metre == (5, 4)
    waltz = interpret("Elegant Viennese waltz for string orchestra, D major")
    assert waltz.metre == (3, 4) and waltz.style == "waltz"
    assert interpret("Slow 12-bar blues shuffle").metre == (4, 4)  # "12-bar" is not a time signature


def test_compound_metre_tempo_counts_dotted_quarters() -> None:
    brief = interpret("irish jig in 6/8 at 100 bpm")
    assert brief.bpm == pytest.approx(150.0)  # 100 dotted quarters = 150 quarter notes


def test_duration_from_text_and_overrides() -> None:
    assert interpret("ambient piece, 90 seconds").duration == 90.0
    assert interpret("2 minutes of lo-fi").duration == 120.0
    assert interpret("1980s synthwave").duration == 30.0  # a decade is not a duration
    brief = interpret("house at 128 bpm in F minor, 90 seconds",
                      overrides={"bpm": 122.0, "key": "D dorian", "duration": 12.0, "loop": True})
    assert brief.bpm == 122.0
    assert (brief.tonic, brief.mode) == (2, "dorian")
    assert brief.duration == 12.0
    assert brief.loop


def test_no_drums_and_beatless_remove_the_kit() -> None:
    assert not interpret("Sad solo piano ballad in D minor, slow and intimate, no drums").drums
    assert not interpret("Slowly evolving ambient soundscape with soft pads, beatless").drums
    assert not interpret("rock song without drums").drums
    assert interpret("rock song with drums").drums


def test_negation_reaches_only_its_own_clause() -> None:
    brief = interpret("no drums and a soft piano")
    assert not brief.drums
    assert "piano" in brief.instruments
    brief = interpret("no drums or bass, just strings")
    assert not brief.drums and not brief.bass
    assert "strings" in brief.instruments


def test_without_instrument_is_avoided() -> None:
    brief = interpret("jazz trio without piano")
    assert "piano" in brief.avoid
    assert "piano" not in brief.instruments


def test_negative_prompt_removes_instruments_and_drums() -> None:
    brief = interpret("Calm relaxing music for a spa with harp and flute", "drums, percussion, bass")
    assert not brief.drums
    assert not brief.bass
    assert {"harp", "flute"} <= set(brief.instruments)
    assert "timpani" in brief.avoid  # "percussion" takes pitched percussion with it
    epic = interpret("Epic trailer music with huge drums and brass, building tension", "choir, vocals, piano")
    assert {"choir", "piano"} <= epic.avoid
    assert epic.drums
    assert epic.style == "epic_trailer"


def test_negative_prompt_removes_styles_and_moods() -> None:
    assert interpret("jazz or rock", "jazz").style == "rock"
    assert (interpret("tune in a minor").tonic, interpret("tune in a minor").mode) == (9, "minor")
    assert interpret("a song", "sad, melancholic").valence > interpret("a song").valence - 0.01


def test_moods_move_valence_energy_and_mode() -> None:
    sad = interpret("sad melancholic piano")
    happy = interpret("happy cheerful piano")
    assert sad.valence < 0 < happy.valence
    assert sad.mode == "minor" and happy.mode == "major"
    assert interpret("energetic aggressive rock").energy > interpret("calm gentle rock").energy


def test_slow_and_fast_words_move_the_tempo() -> None:
    assert interpret("slow pop song").bpm < interpret("fast pop song").bpm


def test_production_hints() -> None:
    assert {"lofi", "vinyl"} <= interpret("Chill lo-fi hip hop beat, dusty vinyl crackle").production
    assert "hall" in interpret("orchestra recorded in a big hall").production
    assert "dry" in interpret("tight dry studio funk").production
    assert "hall" not in interpret("orchestral piece", "reverb").production


def test_seed_orchestral_prompt_is_orchestral() -> None:
    brief = interpret(
        "Majestic orchestral film score recorded in a top-tier London studio. A full-scale symphony orchestra "
        "delivers sweeping, cinematic music with rich emotional depth. Expect powerful percussion, expressive "
        "strings, and prominent French horns and timpani."
    )
    assert brief.style == "orchestral"
    assert {"strings", "french_horn", "timpani"} <= set(brief.instruments)


def test_other_languages_unicode_and_emoji() -> None:
    brief = interpret("Musique de café parisien avec accordéon — valse musette, léger et nostalgique ☕")
    assert brief.style == "musette"
    assert brief.metre == (3, 4)
    assert "accordion" in brief.instruments
    assert not interpret("rock sans batterie").drums
    assert not interpret("Rockmusik ohne Schlagzeug").drums
    assert interpret("canción triste con guitarra").valence < 0
    assert "piano" in interpret("悲しいピアノ").instruments


@pytest.mark.parametrize(
    "text",
    ["", "   ", "😀🎉🔥", "ØÆÅ ßüö ñ", "x" * 5000, "lorem ipsum " * 600, "128 BPM", "\x00\x01\n\t", "日本語の曲",
     "no no no without", "in in in key of", "999999 bpm 0/0 in Z major for 99999 minutes", "🎻" * 100],
)
def test_any_text_yields_a_valid_brief(text: str) -> None:
    brief = interpret(text, text[:50])
    assert brief.style in STYLES
    assert 40.0 <= brief.bpm <= 240.0
    assert 0 <= brief.tonic < 12
    assert 5.0 <= brief.duration <= 300.0 or brief.duration == 30.0
    assert all(i in INSTRUMENTS for i in brief.instruments)
    assert brief.to_dict()["style"] == brief.style


def test_unknown_words_fall_back_by_mood_and_stay_stable() -> None:
    a = interpret("zorblax quintessence of the glimmering void")
    assert a == interpret("zorblax quintessence of the glimmering void")
    calm = interpret("zorblax quiet gentle")
    assert calm.style in ("ambient", "lofi", "bossa", "folk", "romantic_piano")


def test_generic_words_take_the_styles_own_instrument() -> None:
    assert "synth_bass" in interpret("deep house with a warm bass line").instruments
    assert "acoustic_bass" in interpret("jazz trio with walking bass").instruments


def test_ordinary_words_are_not_read_as_keys() -> None:
    for text in ("I am happy, a song for a friend", "a major label pop hit", "be minimal", "I am ready, a quiet one"):
        assert "key" not in interpret(text).explicit, text
