"""Routing by specificity: a prompt's genre words decide its style, the most specific first, and every phrase
people commonly type lands where a musician would put it."""

from __future__ import annotations

from pathlib import Path

import pytest

from orchestrion.engines.composer.genres import GENRES
from orchestrion.engines.composer.interpret import interpret
from orchestrion.engines.composer.styles import STYLES

TABLE = Path(__file__).parent / "data" / "routing.tsv"


def _rows() -> list[tuple[str, str]]:
    rows = []
    for line in TABLE.read_text(encoding="utf-8").splitlines()[1:]:
        if line.strip() and not line.startswith("#"):
            phrase, style = line.split("\t")
            rows.append((phrase, style))
    return rows


def test_the_routing_table_lands_on_its_styles() -> None:
    rows = _rows()
    assert len(rows) >= 300
    assert {style for _, style in rows} <= set(STYLES)
    misses = [(phrase, style, interpret(phrase).style) for phrase, style in rows if interpret(phrase).style != style]
    share = 1 - len(misses) / len(rows)
    assert share >= 0.98, misses


def test_at_least_sixty_styles_each_reachable_by_name() -> None:
    assert len(STYLES) >= 60
    for name, style in STYLES.items():
        assert style.doc, name
        assert interpret(f"{name.replace('_', ' ')} music").style == name or any(
            v[0] == name for votes in GENRES.values() for v in votes), name


@pytest.mark.parametrize(("prompt", "style"), [
    ("classical string quartet", "string_quartet"),
    ("video game boss battle", "boss_battle"),
    ("drum and bass with a deep bass line", "dnb"),
    ("jazzy lo-fi beat", "lofi"),
    ("orchestral trailer", "epic_trailer"),
    ("heavy dubstep, half-time drums", "dubstep"),
    ("fast Irish jig", "jig"),
    ("corporate upbeat background", "corporate"),
    ("10 s podcast jingle", "jingle"),
    ("Bollywood dance number", "bollywood"),
    ("Afrobeat", "afrobeat"),
    ("reggaeton party track with a dembow beat", "reggaeton"),
    ("flamenco guitar with palmas", "flamenco"),
    ("solemn organ hymn", "hymn"),
])
def test_the_more_specific_phrase_wins(prompt: str, style: str) -> None:
    assert interpret(prompt).style == style


def test_ties_go_to_the_style_named_more_then_first_never_the_alphabet() -> None:
    # "rock" and "jazz" are both genre names: the one named first wins ...
    assert interpret("rock and jazz").style == "rock"
    assert interpret("jazz and rock").style == "jazz"
    # ... unless the other is named more ways
    assert interpret("rock with a jazzy jazz feel").style == "jazz"
    # a negated style cannot win
    assert interpret("jazz or rock", "jazz").style == "rock"


def test_misspelt_and_run_together_genre_words_still_route() -> None:
    assert interpret("reggeaton").style == "reggaeton"
    assert interpret("bossanova").style == "bossa"
    assert interpret("Militärmarsch").style == "march"
    assert interpret("shoegazing guitars").style == "shoegaze"


def test_no_genre_word_goes_to_the_nearest_style_by_what_the_prompt_describes() -> None:
    calm = interpret("zorblax quiet gentle with soft pads and bells")
    assert calm.style in ("ambient", "meditation", "neoclassical", "lullaby")
    assert interpret("a tune for accordion and tuba, bouncy").style in ("polka", "klezmer", "musette", "sea_shanty")
    assert interpret("violin solo").style in ("string_quartet", "romantic_piano", "neoclassical", "baroque")
    # stable: the same words always give the same style, whatever else changes
    assert {interpret("zorblax quintessence of the glimmering void").style for _ in range(3)} == {
        interpret("zorblax quintessence of the glimmering void").style}
    # and the text's hash plays no part: reordering unrelated words keeps the style
    assert interpret("glimmering void zorblax").style == interpret("zorblax glimmering void").style


def test_a_prompt_whose_only_genre_votes_weigh_nothing_still_routes() -> None:
    # A near-miss of an umbrella word votes with weight 0; the weights reported must not divide by their sum.
    brief = interpret("GONE_MESSAGE", "drums", {"bpm": 60})
    assert brief.style in STYLES
