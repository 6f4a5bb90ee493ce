"""Edits on the score (composer/edits.py, given.py, score_io.py): what a user of extend, repaint, remix and
section plans would notice, checked on scores and small arrays (the live tests check the audio end to end)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from orchestrion.engines.composer.compose import compose
from orchestrion.engines.composer.edits import Splice, beat_at, extend, remix_given, repaint, repaint_span, splice
from orchestrion.engines.composer.given import Given, requested_sections, section_kind
from orchestrion.engines.composer.interpret import interpret
from orchestrion.engines.composer.master import master
from orchestrion.engines.composer.score_io import (
    Mastering,
    ScoreFileError,
    StoredScore,
    dump_score,
    load_score,
)
from orchestrion.engines.composer.variation import settle


def _stored(prompt: str, seed: int = 3, **overrides: object) -> StoredScore:
    brief = settle(interpret(prompt, "", overrides), seed)
    return StoredScore(compose(brief, seed), brief, seed, Mastering(1.5, 2.5))


@pytest.mark.parametrize(("name", "kind"), [
    ("intro", "intro"), ("Verse 2", "A"), ("chorus2", "B"), ("pre-chorus", "build"), ("drop", "B"),
    ("final chorus", "B"), ("Chorus (final)", "B"), ("chorus tag", "B"), ("verse ending", "A"),
    ("end of the bridge", "bridge"), ("middle 8", "bridge"), ("guitar solo", "bridge"), ("breakdown", "bridge"),
    ("outro", "outro"), ("coda", "outro"), ("ending", "end"), ("tag", "end"), ("something else", "A"),
])
def test_section_names_are_read_as_musicians_mean_them(name: str, kind: str) -> None:
    assert section_kind(name) == kind


def test_a_plan_in_seconds_starts_each_section_within_a_beat_of_its_time() -> None:
    brief = settle(interpret("an ambient piece"), 3)
    plan = [{"name": "intro", "seconds": 7}, {"name": "verse", "seconds": 13}, {"name": "chorus", "seconds": 11}]
    planned, specs = requested_sections(plan, brief)
    assert abs(planned.bpm / brief.bpm - 1) <= 0.12
    bar = planned.beats_per_bar * 60.0 / planned.bpm
    starts, wanted, at = [], [0.0, 7.0, 20.0], 0
    for spec in specs:
        starts.append(at * bar)
        at += spec.bars
    beat = 60.0 / planned.bpm
    assert all(abs(s - w) <= beat for s, w in zip(starts, wanted)), (starts, wanted, beat)
    score = compose(planned, 3, Given(sections=specs))
    assert [s.name for s in score.sections] == ["intro", "verse", "chorus"]


def test_a_plan_with_a_stated_tempo_keeps_it_and_counts_bars_exactly() -> None:
    brief = settle(interpret("a rock song at 120 bpm"), 1)
    planned, specs = requested_sections([{"name": "verse", "bars": 8}, {"name": "chorus", "seconds": 16}], brief)
    assert planned.bpm == 120 and [s.bars for s in specs] == [8, 8]


def test_the_score_file_reads_back_as_written() -> None:
    stored = _stored("a jazz trio in 3/4")
    again = load_score(dump_score(stored))
    assert again.score == stored.score and again.brief == stored.brief
    assert (again.seed, again.mastering) == (stored.seed, stored.mastering)
    with pytest.raises(ScoreFileError, match="version"):
        load_score(dump_score(stored).replace(b'"version":1', b'"version":99'))
    with pytest.raises(ScoreFileError):
        load_score(b"{}")


def test_an_extension_keeps_every_note_before_the_seam_and_continues_past_it() -> None:
    stored = _stored("an upbeat pop song with piano and guitar", duration=20.0)
    source = stored.score
    brief, given, finish = extend(stored, 15.0)
    score, cut = finish(compose(brief, stored.seed, given))
    seam = beat_at(score, cut.keep_until)
    for old in source.tracks:
        new = next(t for t in score.tracks if t.name == old.name)
        assert [n for n in old.notes if n.start < seam - 1e-6] == [n for n in new.notes if n.start < seam - 1e-6]
    assert any(n.start >= seam for t in score.tracks for n in t.notes)
    assert score.seconds_at(score.length_beats) > source.seconds_at(source.length_beats) + 10
    assert cut.crossfade <= score.time_signature[0] * 4 / score.time_signature[1] * 60 / score.tempo[0].bpm
    assert (score.key_tonic, score.key_mode, score.time_signature) == \
        (source.key_tonic, source.key_mode, source.time_signature)


def test_an_extension_seams_at_the_closing_bar_not_at_a_final_chorus() -> None:
    brief = settle(interpret("a pop song at 120 bpm"), 2)
    planned, specs = requested_sections([{"name": "intro", "bars": 2}, {"name": "verse", "bars": 4},
                                         {"name": "final chorus", "bars": 4}, {"name": "ending", "bars": 1}], brief)
    score = compose(planned, 2, Given(sections=specs))
    stored = StoredScore(score, planned, 2, Mastering(0.0, 0.0))
    extended, given, finish = extend(stored, 10.0)
    _, cut = finish(compose(extended, 2, given))
    assert beat_at(score, cut.keep_until) == pytest.approx(10 * 4, abs=1e-6)  # the ending's bar line


def test_a_repaint_keeps_every_note_outside_its_span() -> None:
    stored = _stored("a bright folk song with fiddle and guitar", duration=20.0)
    lo, hi = repaint_span(stored.score, 6.0, 11.0)
    brief, given, finish = repaint(stored, 6.0, 11.0, stored.brief)
    score, cut = finish(compose(brief, 99, given))
    assert cut.keep_until - cut.crossfade == pytest.approx(stored.score.seconds_at(lo))
    assert cut.resume_at == pytest.approx(stored.score.seconds_at(hi))
    outside = lambda t: [n for n in t.notes if not lo - 1e-6 <= n.start < hi - 1e-6]  # noqa: E731
    inside = lambda t: [n for n in t.notes if lo - 1e-6 <= n.start < hi - 1e-6]  # noqa: E731
    changed = False
    for old in stored.score.tracks:
        new = next(t for t in score.tracks if t.name == old.name)
        assert outside(old) == outside(new)
        changed |= inside(old) != inside(new)
    assert changed


def test_a_repaint_keeps_the_harmony_unless_the_request_writes_the_spans_chords() -> None:
    stored = _stored("a bright folk song with fiddle and guitar", duration=20.0)
    lo, hi = repaint_span(stored.score, 6.0, 11.0)
    kept_brief, kept_given, kept = repaint(stored, 6.0, 11.0, stored.brief)
    score, _ = kept(compose(kept_brief, 99, kept_given))
    assert [(c.start, c.symbol) for c in score.chords] == [(c.start, c.symbol) for c in stored.score.chords]
    own_brief, own_given, own = repaint(stored, 6.0, 11.0, stored.brief, ("Dm", "G"), 1)
    score, _ = own(compose(own_brief, 99, own_given))
    inside = [c.symbol for c in score.chords if lo - 1e-6 <= c.start < hi - 1e-6]
    assert inside[:2] == ["Dm", "G"]
    assert [c for c in score.chords if c.start < lo - 1e-6] == [c for c in stored.score.chords if c.start < lo - 1e-6]


def test_a_remix_keeps_the_chords_and_the_tune_moved_to_its_key() -> None:
    stored = _stored("an upbeat pop song with piano", duration=20.0)
    wanted = settle(interpret("a bossa nova in D", "", {"key": "D major"}), 4)
    brief, given = remix_given(stored, dataclasses.replace(wanted, bpm=stored.score.tempo[0].bpm))
    shift = (2 - stored.score.key_tonic + 6) % 12 - 6
    assert [c[1].root for c in given.chords] == [(c.root + shift) % 12 for c in stored.score.chords]
    melody = next(t for t in stored.score.tracks if t.role == "melody")
    assert [p for _, _, p, _ in given.tune] == [n.pitch + shift for n in sorted(melody.notes, key=lambda n: n.start)]
    remixed = compose(brief, 4, given)
    assert [c.root for c in remixed.chords] == [(c.root + shift) % 12 for c in stored.score.chords]


def test_splice_keeps_the_source_outside_and_crossfades_inside() -> None:
    rate = 1000
    source = np.full((5000, 2), 0.25, dtype=np.float32)
    new = np.full((6000, 2), -0.5, dtype=np.float32)
    out = splice(source, new, rate, Splice(keep_until=2.0, crossfade=0.5))
    assert out.shape == new.shape and np.array_equal(out[:1500], source[:1500])
    assert np.array_equal(out[2000:], new[2000:]) and np.all(np.diff(out[1500:2000, 0]) < 0)
    span = splice(source, new[:5000], rate, Splice(keep_until=1.1, crossfade=0.1, resume_at=3.0,
                                                    crossfade_out=0.2))
    assert np.array_equal(span[:1000], source[:1000]) and np.array_equal(span[3000:], source[3000:])
    assert np.array_equal(span[1100:2800], new[1100:2800])


def test_mastering_at_given_gains_repeats_an_earlier_master_of_the_same_audio() -> None:
    rng = np.random.default_rng(1)
    audio = (rng.standard_normal((48_000 * 3, 2)) * 0.1).astype(np.float32)
    first = master(audio.copy(), 48_000)
    again = master(audio.copy(), 48_000, gains=first.gains)
    np.testing.assert_array_equal(first.audio, again.audio)
    louder = master(audio.copy(), 48_000, gains=(first.gains[0], first.gains[1] + 3.0))
    assert float(np.abs(louder.audio).mean()) > float(np.abs(first.audio).mean())
