"""The style book, one test per style: its tempo range in the beat it counts, its metre, its groove in the MIDI,
its ensemble from the catalogue — and for the grooves a listener names, the hits that make them recognisable."""

from __future__ import annotations

import io

import mido
import pytest

from orchestrion.engines.composer.compose import compose
from orchestrion.engines.composer.drums import groove_names
from orchestrion.engines.composer.instruments import INSTRUMENTS, PERCUSSION
from orchestrion.engines.composer.interpret import interpret
from orchestrion.engines.composer.melody import FEELS
from orchestrion.engines.composer.midi import score_to_midi
from orchestrion.engines.composer.rhythm import ARP, COMP
from orchestrion.engines.composer.bass import BASS
from orchestrion.engines.composer.styles import FORMS, STYLES

KICKS, SNARES, CLAPS = {35, 36}, {37, 38, 40}, {39}


def _prompt(name: str) -> str:
    return f"{name.replace('_', ' ')} music"


def _drum_hits(score) -> list[tuple[float, int]]:
    """(beat, key) of every note-on on the drum channel, read back from the Standard MIDI File."""
    midi = mido.MidiFile(file=io.BytesIO(score_to_midi(score)))
    hits = []
    for track in midi.tracks:
        tick = 0
        for message in track:
            tick += message.time
            if message.type == "note_on" and message.velocity and message.channel == 9:
                hits.append((tick / midi.ticks_per_beat, message.note))
    return hits


def _loudest_bars(score) -> list[float]:
    """Start beats of the bars of the piece's loudest section (where a groove is played in full)."""
    numerator, denominator = score.time_signature
    bar = numerator * 4.0 / denominator
    loudest = max((s for s in score.sections if s.name != "ending"), key=lambda s: s.energy)
    return [loudest.start + i * bar for i in range(int(round(loudest.length / bar)))]


def _at(hits: list[tuple[float, int]], beat: float, keys: set[int], slack: float = 0.06) -> bool:
    return any(abs(t - beat) <= slack and k in keys for t, k in hits)


@pytest.mark.parametrize("name", sorted(STYLES))
def test_style_plays_in_its_tempo_metre_and_groove(name: str) -> None:
    style = STYLES[name]
    assert style.doc and style.form in FORMS
    assert style.comp in COMP and style.bass in BASS and style.arp in ARP and style.melody in FEELS
    assert style.drums is None or style.drums in groove_names()
    assert all(i in INSTRUMENTS for options in style.ensemble.values() for i in options), name
    assert all(v in PERCUSSION for v in style.hand)
    brief = interpret(_prompt(name))
    assert brief.style == name
    score = compose(brief, 1)
    low, high = style.quarter_tempo
    assert low - 1e-6 <= score.bpm_at(0.0) <= high + 1e-6
    assert score.time_signature == style.metre
    kit = [t for t in score.tracks if t.role == "drums"]
    if style.drums is None:
        assert not kit  # no kit unless the prompt asks
        return
    hits = _drum_hits(score)
    bars = _loudest_bars(score)
    assert kit and len(hits) >= 4 * len(bars)
    played = sum(any(b - 0.05 <= t < b + score.time_signature[0] * 4 / score.time_signature[1] for t, _ in hits)
                 for b in bars)
    assert played == len(bars)  # the groove plays every bar of the loudest section


def _share(bars: list[float], test) -> float:
    return sum(1 for b in bars if test(b)) / len(bars)


@pytest.mark.parametrize(("name", "check"), [
    ("reggaeton", lambda h, b: all(_at(h, b + k, KICKS) for k in range(4)) and _at(h, b + 0.75, SNARES | CLAPS)
     and _at(h, b + 1.5, SNARES | CLAPS)),  # dembow
    ("dancehall", lambda h, b: _at(h, b, KICKS)),
    ("house", lambda h, b: all(_at(h, b + k, KICKS) for k in range(4))),  # four on the floor
    ("techno", lambda h, b: all(_at(h, b + k, KICKS) for k in range(4))),
    ("disco", lambda h, b: all(_at(h, b + k, KICKS) for k in range(4))),
    ("reggae", lambda h, b: _at(h, b + 2, KICKS) and not _at(h, b, KICKS)),  # one drop: kick on 3 only
    ("dubstep", lambda h, b: _at(h, b + 2, SNARES | CLAPS) and not _at(h, b + 1, SNARES | CLAPS)),  # half time
    ("trap", lambda h, b: _at(h, b + 2, SNARES | CLAPS) and not _at(h, b + 1, SNARES)),
    ("rock", lambda h, b: _at(h, b + 1, SNARES) and _at(h, b + 3, SNARES)),  # backbeat
    ("punk", lambda h, b: _at(h, b, KICKS)),
    ("country", lambda h, b: sum(_at(h, b + k / 4, SNARES, 0.03) for k in range(16)) >= 8),  # train beat
    ("blues", lambda h, b: _at(h, b + 2 / 3, {42, 44, 46, 51}, 0.05)),  # shuffle: the triplet's last third
    ("jazz", lambda h, b: _at(h, b + 1, {44}) and _at(h, b + 3, {44})),  # hi-hat foot on 2 and 4
    ("motown", lambda h, b: all(_at(h, b + k, SNARES | {54}) for k in range(4))),
])
def test_a_groove_a_listener_recognises(name: str, check) -> None:
    score = compose(interpret(_prompt(name)), 1)
    hits = _drum_hits(score)
    bars = _loudest_bars(score)
    assert _share(bars, lambda b: check(hits, b)) >= 0.75, name


def test_flamenco_palmas_mark_the_bulerias_accents() -> None:
    score = compose(interpret("flamenco guitar with palmas"), 1)
    assert score.time_signature == (12, 8)
    hits = _drum_hits(score)
    bars = _loudest_bars(score)
    accents = (1.0, 2.5, 3.5, 4.5, 5.5)  # eighths 3, 6, 8, 10 and 12 of the compás
    assert _share(bars, lambda b: sum(_at(hits, b + a, CLAPS) for a in accents) >= 4) >= 0.75


def test_salsa_plays_son_clave_on_claves() -> None:
    score = compose(interpret("salsa dura with piano montuno"), 2)
    claves = next(t for t in score.tracks if t.instrument == "claves")
    onsets = {round(n.start % 8.0, 2) for n in claves.notes}
    # 2-3 son clave over two bars: 2 and 3 of the first, 1, 2-and and 4 of the second
    assert {1.0, 2.0, 4.0, 5.5, 7.0} <= {round(o * 2) / 2 for o in onsets}


def test_a_jig_runs_at_dance_speed_in_six_eight_in_two_strains() -> None:
    brief = interpret("fast Irish jig")
    assert brief.metre == (6, 8)
    score = compose(brief, 1)
    dotted_quarters = score.bpm_at(0.0) / 1.5
    assert 108 <= dotted_quarters <= 130
    assert [s.name for s in score.sections if s.name in ("A", "B")][:3] == ["A", "A", "B"]


def test_a_twelve_bar_blues_is_twelve_bars() -> None:
    score = compose(interpret("slow 12-bar blues shuffle in A, 70 bpm", overrides={"duration": 60.0}), 1)
    body = [s for s in score.sections if s.name in ("verse", "solo")]
    assert body and all(s.length == 48.0 for s in body)


def test_a_jingle_is_short_with_a_hook_and_a_button() -> None:
    brief = interpret("10 s podcast jingle")
    assert brief.style == "jingle" and brief.duration == 10.0
    score = compose(brief, 1)
    assert 9.0 <= score.duration_seconds <= 12.0
    assert [s.name for s in score.sections][-1] == "ending"
    assert sum(s.name == "hook" for s in score.sections) >= 2
    last = score.sections[-1].start
    for track in score.tracks:  # the button: one short hit, nothing held over
        ending = [n for n in track.notes if n.start >= last - 0.01]
        assert all(n.duration <= 0.6 for n in ending) or track.is_drums


def test_dubstep_is_half_time_at_one_forty() -> None:
    brief = interpret("heavy dubstep, half-time drums")
    assert brief.style == "dubstep" and 138 <= brief.bpm <= 142 or 138 <= compose(brief, 1).bpm_at(0) <= 142
