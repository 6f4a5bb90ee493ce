"""Edits of a finished track, on its score: extend, repaint, remix; and a MIDI file played or arranged.

Each edit reads the source's :class:`.score_io.StoredScore` and returns the new :class:`.score.Score` with
:class:`Splice` — where the source's own audio is kept — so that the engine renders the new score, masters it at
the source's gains and lays the source's samples back over everything the edit did not touch (:func:`splice`).

* :func:`extend` composes the piece further from the seam (the start of its ending) with the source's brief and
  seed, in the source's form, so the continuation keeps key, tempo, metre, ensemble and motifs;
* :func:`repaint` composes the bars of a span anew (another seed, or another prompt's brief in the source's key,
  tempo and metre) and keeps every note outside it;
* :func:`remix_given` keeps the source's form, chord changes and tune for :func:`.compose.compose` to arrange in
  another brief;
* :func:`midi_score` and :func:`midi_given` play a MIDI file's notes or arrange its melody.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from .brief import Brief
from .given import Given, SectionSpec, section_kind
from .score import ChordSpan, Note, Score, Section, TempoChange, Track
from .score_io import StoredScore
from .theory import Chord

__all__ = ["Splice", "beat_at", "extend", "midi_given", "midi_score", "remix_given", "repaint", "splice"]

#: An extension's crossfade: one beat before the seam, within these bounds (s) and never more than a bar.
_XFADE_MIN_S, _XFADE_MAX_S = 0.05, 1.0
#: A repaint's crossfades inside its span (s): in at its start, out before its end.
_REPAINT_IN_S, _REPAINT_OUT_S = 0.03, 0.25
#: Ring-out after an extension's closing bar (s).
_TAIL_S = 2.0
#: Remixed and arranged tunes are read on this grid (beats): sixteenths and triplets both land on it.
_TUNE_GRID = 1.0 / 12.0


@dataclass(frozen=True)
class Splice:
    """Where the new track takes the source's samples: before ``keep_until`` (s), crossfading into the new audio
    over the ``crossfade`` seconds before it; and (a repaint) again from ``resume_at`` (s), crossfading back over
    the ``crossfade_out`` seconds before it."""

    keep_until: float
    crossfade: float
    resume_at: float | None = None
    crossfade_out: float = 0.0


def beat_at(score: Score, seconds: float) -> float:
    """The beat sounding ``seconds`` into ``score`` (the inverse of :meth:`.score.Score.seconds_at`)."""
    elapsed = 0.0
    for i, change in enumerate(score.tempo):
        end = score.tempo[i + 1].beat if i + 1 < len(score.tempo) else math.inf
        span = (end - change.beat) * 60.0 / change.bpm
        if seconds <= elapsed + span:
            return change.beat + (seconds - elapsed) * change.bpm / 60.0
        elapsed += span
    return score.length_beats


def _specs(score: Score, until: float | None = None) -> list[SectionSpec]:
    bar = score.bar_beats
    specs = []
    for section in score.sections:
        if until is not None and section.start >= until - 1e-6:
            break
        length = section.length if until is None else min(section.length, until - section.start)
        bars = max(int(round(length / bar)), 1)
        specs.append(SectionSpec(section.name, bars, section.energy))
    return specs


def _seam(score: Score, sample_rate: int) -> float:
    """The beat an extension continues from: the start of the source's ending — its closing bar, the first
    bar of a final ritardando, or the bar before a fade-out begins — on a bar line."""
    bar = score.bar_beats
    seam = score.length_beats
    if score.sections and section_kind(score.sections[-1].name) == "end":  # the closing bar that ends the piece
        seam = min(seam, score.sections[-1].start)
    slowing = [t.beat for t in score.tempo[1:] if t.bpm < score.tempo[0].bpm]
    if slowing:
        seam = min(seam, slowing[0])
    if score.fade_out:
        fade = min(max(0.12 * score.duration_seconds, 2.0), 6.0)
        seam = min(seam, beat_at(score, score.duration_seconds - fade))
    return max(math.floor(seam / bar + 1e-6), 1) * bar


def _cut(track: Track, start: float, end: float, *, clip: bool) -> list[Note]:
    """``track``'s notes that begin in [start, end); with ``clip`` none sounds past ``end``."""
    notes = []
    for n in track.notes:
        if start - 1e-6 <= n.start < end - 1e-6:
            if clip and n.start + n.duration > end:
                n = Note(n.start, max(round(end - n.start, 4), 0.05), n.pitch, n.velocity)
            notes.append(n)
    return notes


def _merge_tracks(outside: Score, inside: Score, start: float, end: float) -> list[Track]:
    """Tracks playing ``outside``'s notes before ``start`` and from ``end`` on, and ``inside``'s in between (its
    parts the source did not have join for that span only); controls and bends the same way."""
    by_name = {t.name: t for t in inside.tracks}
    merged: list[Track] = []
    for track in outside.tracks:
        new = by_name.pop(track.name, None)
        notes = _cut(track, -math.inf, start, clip=False) + _cut(track, end, math.inf, clip=False)
        controls = [c for c in track.controls if not start - 1e-6 <= c.time < end - 1e-6]
        bends = [b for b in track.bends if not start - 1e-6 <= b.time < end - 1e-6]
        if new is not None:
            notes += _cut(new, start, end, clip=True)
            controls += [c for c in new.controls if start - 1e-6 <= c.time < end - 1e-6]
            bends += [b for b in new.bends if start - 1e-6 <= b.time < end - 1e-6]
        merged.append(dataclasses.replace(track, notes=sorted(notes, key=lambda n: (n.start, n.pitch)),
                                          controls=sorted(controls, key=lambda c: c.time),
                                          bends=sorted(bends, key=lambda b: b.time)))
    for new in by_name.values():  # a part only the new material has
        notes = _cut(new, start, end, clip=True)
        if notes:
            merged.append(dataclasses.replace(
                new, notes=notes, controls=[c for c in new.controls if start - 1e-6 <= c.time < end - 1e-6],
                bends=[b for b in new.bends if start - 1e-6 <= b.time < end - 1e-6]))
    return merged


def _merge_chords(outside: Score, inside: Score, start: float, end: float) -> list[ChordSpan]:
    def clipped(spans: list[ChordSpan], lo: float, hi: float) -> list[ChordSpan]:
        out = []
        for c in spans:
            s, e = max(c.start, lo), min(c.start + c.length, hi)
            if e > s + 1e-6:
                out.append(dataclasses.replace(c, start=round(s, 6), length=round(e - s, 6)))
        return out

    merged: list[ChordSpan] = []
    for span in (clipped(outside.chords, 0.0, start) + clipped(inside.chords, start, end)
                 + clipped(outside.chords, end, math.inf)):
        last = merged[-1] if merged else None
        if last is not None and (last.symbol, last.bass) == (span.symbol, span.bass) \
                and abs(last.start + last.length - span.start) < 1e-6:  # one chord across a seam stays one
            merged[-1] = dataclasses.replace(last, length=round(last.length + span.length, 6))
        else:
            merged.append(span)
    return merged


# --- extend -----------------------------------------------------------------------------------------------------
def extend(stored: StoredScore, seconds: float) -> tuple[Brief, Given, Any]:
    """What an extension of ``stored`` by ``seconds`` composes: the source's brief lengthened, its sections up to
    the seam followed by more of its body and a closing bar. Returns ``(brief, given, finish)``: compose
    ``brief`` with ``given`` and the source's seed, then ``finish(composed)`` gives ``(score, splice)``."""
    source = stored.score
    bar = source.bar_beats
    seam = _seam(source, stored.sample_rate)
    total = source.duration_seconds + seconds
    kept = _specs(source, seam)
    body = [s for s in kept if section_kind(s.name) in ("A", "B", "bridge", "build")] or kept
    bar_s = bar * 60.0 / source.tempo[0].bpm
    room = total - source.seconds_at(seam) - bar_s - _TAIL_S  # the closing bar and its ring-out
    more = max(int(round(room / bar_s)), 1)
    added: list[SectionSpec] = []
    index = 0
    while more > 0:
        spec = body[index % len(body)]
        take = min(spec.bars, more)
        if more - take < 2 and more - take > 0:  # no scrap of a section at the end
            take = more
        added.append(dataclasses.replace(spec, bars=take))
        more -= take
        index += 1
    last = added[-1]
    added[-1] = dataclasses.replace(last, energy=max(last.energy or 0.5, 0.7))
    specs = tuple(kept + added + [SectionSpec("ending", 1, 0.5)])
    brief = dataclasses.replace(stored.brief, duration=total, bpm=source.tempo[0].bpm, tonic=source.key_tonic,
                                mode=source.key_mode, metre=source.time_signature, settled=True, loop=False)

    def finish(composed: Score) -> tuple[Score, Splice]:
        tracks = _merge_tracks(source, composed, seam, math.inf)
        score = dataclasses.replace(
            composed,
            tracks=tracks,
            tempo=[t for t in source.tempo if t.beat < seam - 1e-6]
            + [t for t in composed.tempo if t.beat >= seam - 1e-6 and t.beat > 0],
            sections=[s for s in source.sections if s.start < seam - 1e-6]
            + [s for s in composed.sections if s.start >= seam - 1e-6],
            chords=_merge_chords(source, composed, seam, math.inf),
            keys=[k for k in source.keys if k.beat < seam - 1e-6] + [k for k in composed.keys if k.beat >= seam],
        )
        seam_s = score.seconds_at(seam)
        beat_s = 60.0 / source.tempo[0].bpm * (1.5 if source.time_signature[1] == 8
                                                 and source.time_signature[0] % 3 == 0 else 1.0)
        fade = min(max(beat_s, _XFADE_MIN_S), _XFADE_MAX_S, bar_s, seam_s)
        return score, Splice(keep_until=seam_s, crossfade=fade)

    return brief, Given(sections=specs), finish


# --- repaint ----------------------------------------------------------------------------------------------------
def repaint_span(source: Score, start: float, end: float) -> tuple[float, float]:
    """``[start, end)`` seconds widened to whole bars, in beats; a span reaching the music's end runs to it."""
    bar = source.bar_beats
    total_bars = max(int(round(source.length_beats / bar)), 1)
    first = min(int(math.floor(beat_at(source, start) / bar + 1e-6)), total_bars - 1)
    last = int(math.ceil(beat_at(source, end) / bar - 1e-6))
    last = min(max(last, first + 1), total_bars)
    return first * bar, last * bar


def _changes(source: Score, shift: int = 0) -> tuple[tuple[float, Chord, int], ...]:
    """The source's chord changes as ``(beat, chord, bass)``, moved by ``shift`` semitones."""
    return tuple((c.start, Chord((c.root + shift) % 12, tuple((pc - c.root) % 12 for pc in c.pitch_classes)),
                  (c.bass + shift) % 12) for c in source.chords)


def repaint(stored: StoredScore, start: float, end: float, brief: Brief,
            chords: tuple[str, ...] = (), bars_per_chord: int = 1) -> tuple[Brief, Given, Any]:
    """What repainting ``[start, end)`` seconds of ``stored`` composes: ``brief`` (the source's, or another
    prompt's) in the source's key, tempo, metre, length and form, over the source's chords (so the new bars join
    their neighbours) unless ``chords`` gives the span a progression of its own, its first chord on the span's
    first bar. ``finish(composed)`` gives ``(score, splice)``: the source's notes outside the widened span, the
    composed ones inside."""
    source = stored.score
    lo, hi = repaint_span(source, start, end)
    if chords:  # the progression starts where the span does (it is laid over the form from its first bar)
        turn = int(round(lo / source.bar_beats)) // max(bars_per_chord, 1) % len(chords)
        chords = chords[-turn:] + chords[:-turn] if turn else chords
    brief = dataclasses.replace(brief, bpm=source.tempo[0].bpm, tonic=source.key_tonic, mode=source.key_mode,
                                metre=source.time_signature, duration=source.duration_seconds, loop=source.loop,
                                chords=chords, bars_per_chord=bars_per_chord if chords else brief.bars_per_chord,
                                settled=True)
    given = Given(sections=tuple(_specs(source)), chords=() if chords else _changes(source))

    def finish(composed: Score) -> tuple[Score, Splice]:
        score = dataclasses.replace(
            source, tracks=_merge_tracks(source, composed, lo, hi), chords=_merge_chords(source, composed, lo, hi))
        to_end = hi >= source.length_beats - 1e-6
        lo_s, hi_s = source.seconds_at(lo), source.seconds_at(hi)
        fade_in = min(_REPAINT_IN_S, (hi_s - lo_s) / 4)
        # both crossfades lie inside the span: the source's samples up to its first frame, and from its last on
        return score, Splice(keep_until=lo_s + fade_in, crossfade=fade_in,
                             resume_at=None if to_end else hi_s,
                             crossfade_out=0.0 if to_end else min(_REPAINT_OUT_S, (hi_s - lo_s) / 4))

    return brief, given, finish


# --- remix ------------------------------------------------------------------------------------------------------
def _shift(source: Score, tonic: int) -> int:
    """Semitones from the source's key to ``tonic``, the nearer way (-6..5)."""
    return (tonic - source.key_tonic + 6) % 12 - 6


def _melody_track(score: Score) -> Track | None:
    pitched = [t for t in score.tracks if not t.is_drums and t.notes]
    return (next((t for t in pitched if t.role == "melody"), None)
            or next((t for t in pitched if t.featured), None))


def _quantized(notes: list[tuple[float, float, int, int]], shift: int) -> tuple[tuple[float, float, int, float], ...]:
    tune = []
    for start, duration, pitch, velocity in notes:
        at = round(round(start / _TUNE_GRID) * _TUNE_GRID, 6)
        length = max(round(round(duration / _TUNE_GRID) * _TUNE_GRID, 6), _TUNE_GRID)
        tune.append((at, length, pitch + shift, min(max(velocity / 100.0, 0.3), 1.27)))
    return tuple(sorted(tune))


def remix_given(stored: StoredScore, brief: Brief) -> tuple[Brief, Given]:
    """The source's form, chord changes and tune for ``brief`` (the remix's prompt, settled) to arrange: moved
    to ``brief``'s tonic, in the source's metre, as long in bars as the source."""
    source = stored.score
    shift = _shift(source, brief.tonic)
    bar = source.bar_beats
    changes = _changes(source, shift)
    melody = _melody_track(source)
    tune = () if melody is None else _quantized(
        [(n.start, n.duration, n.pitch, n.velocity) for n in melody.notes], shift)
    specs = tuple(_specs(source))
    music = sum(s.bars for s in specs) * bar * 60.0 / brief.bpm
    brief = dataclasses.replace(brief, metre=source.time_signature, mode=source.key_mode,
                                tonic=(source.key_tonic + shift) % 12, duration=music + _TAIL_S, chords=(),
                                settled=True, loop=source.loop)
    return brief, Given(sections=specs, chords=changes, tune=tune)


# --- MIDI in ----------------------------------------------------------------------------------------------------
def _midi_specs(total_bars: int, bar_seconds: float) -> tuple[SectionSpec, ...]:
    """A MIDI file's bars in phrases of eight (four when the file is short), verse and chorus in turn."""
    phrase = 8 if total_bars >= 16 else 4
    specs, at, index = [], 0, 0
    while at < total_bars:
        bars = min(phrase, total_bars - at)
        if total_bars - at - bars < phrase // 2 and total_bars - at - bars > 0:
            bars = total_bars - at
        specs.append(SectionSpec("verse" if index % 2 == 0 else "chorus", bars))
        at += bars
        index += 1
    return tuple(specs)


def _midi_changes(piece: Any) -> tuple[tuple[float, Chord, int], ...]:
    """The chord each bar of a MIDI file implies, as changes at its downbeat."""
    from .chords import parse_symbol
    from .midi_in import bar_chords

    changes = []
    for bar, symbol in enumerate(bar_chords(piece)):
        parsed = parse_symbol(symbol)
        if parsed is not None:
            changes.append((bar * piece.bar_beats, parsed[0], parsed[1]))
    return tuple(changes)


def midi_score(piece: Any, brief: Brief) -> Score:
    """A MIDI file's notes as a score to perform: its tracks, tempo map, metre and key; the chords it implies and
    sections of whole phrases for the plan and the lead sheet; ``brief`` gives the production."""
    from .harmony import chord_spans
    from .given import given_harmony, section_plans
    from .midi_in import to_tracks
    from .theory import Key

    bar = piece.bar_beats
    total_bars = max(int(round(piece.length_beats / bar)), 1)
    specs = _midi_specs(total_bars, bar * 60.0 / piece.tempo[0][1])
    plans = section_plans(specs)
    key = Key(piece.key[0], piece.key[1])
    harmony = given_harmony(plans, _midi_changes(piece), key, bar)
    score = Score(
        tempo=[TempoChange(float(b), float(bpm)) for b, bpm in piece.tempo],
        time_signature=tuple(piece.time_signature),
        key_tonic=piece.key[0],
        key_mode=piece.key[1],
        tracks=to_tracks(piece),
        sections=[Section(s.name, s.start_bar * bar, s.bars * bar, s.energy) for s in plans],
        length_beats=total_bars * bar,
        tail_seconds=_TAIL_S,
        production=brief.production,
        chords=chord_spans(harmony, bar),
        style=brief.style,
        energy=brief.energy,
    )
    return score


def midi_given(piece: Any, brief: Brief) -> tuple[Brief, Given]:
    """A MIDI file's melody and the chords it implies, in phrases, for ``brief`` (the prompt, at the file's tempo,
    metre and key) to arrange."""
    from .midi_in import melody

    bar = piece.bar_beats
    total_bars = max(int(round(piece.length_beats / bar)), 1)
    bpm = piece.tempo[0][1]
    specs = _midi_specs(total_bars, bar * 60.0 / bpm)
    brief = dataclasses.replace(brief, bpm=bpm, metre=tuple(piece.time_signature), tonic=piece.key[0],
                                mode=piece.key[1], duration=total_bars * bar * 60.0 / bpm + _TAIL_S, chords=(),
                                loop=False, settled=True)
    tune = _quantized(list(melody(piece)), 0)
    return brief, Given(sections=specs, chords=_midi_changes(piece), tune=tune)


# --- audio ------------------------------------------------------------------------------------------------------
def splice(source: np.ndarray, new: np.ndarray, sample_rate: int, cut: Splice) -> np.ndarray:
    """``new`` with the source's samples laid back where ``cut`` keeps them (float32 (frames, 2) both): the
    source before ``keep_until`` (crossfading into ``new`` over the ``crossfade`` before it) and, for a repaint,
    from ``resume_at`` on (crossfading back over ``crossfade_out``). The result is as long as ``new`` (a repaint's
    ``new`` is as long as the source)."""
    out = np.array(new, dtype=np.float32, copy=True)
    frames = out.shape[0]
    source = np.asarray(source, dtype=np.float32)
    keep = min(int(round(cut.keep_until * sample_rate)), frames, source.shape[0])
    fade = min(int(round(cut.crossfade * sample_rate)), keep)
    out[: keep - fade] = source[: keep - fade]
    if fade:
        w = ((np.arange(fade, dtype=np.float32) + 0.5) / fade)[:, None]
        out[keep - fade : keep] = source[keep - fade : keep] * (1 - w) + out[keep - fade : keep] * w
    if cut.resume_at is not None:
        resume = min(int(round(cut.resume_at * sample_rate)), frames, source.shape[0])
        back = min(int(round(cut.crossfade_out * sample_rate)), resume - keep)
        if back > 0:
            w = ((np.arange(back, dtype=np.float32) + 0.5) / back)[:, None]
            out[resume - back : resume] = out[resume - back : resume] * (1 - w) + source[resume - back : resume] * w
        end = min(frames, source.shape[0])
        out[resume:end] = source[resume:end]
    return out
