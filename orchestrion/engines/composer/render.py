"""Render stage: a :class:`~.score.Score` becomes 48 kHz stereo float audio, one stem per track.

Each track is played alone through the job's synthesizer (melodic tracks on channel 0, drums on channel 9) with
its program, volume (CC7), pan (CC10), expression (CC11), reverb (CC91) and chorus (CC93) sends, so the mix is
exactly the sum of the stems and a score may hold any number of tracks. FluidSynth's own reverb and chorus give
each stem its room; production hints ("hall", "dry", "lofi") set the room size and scale the sends.

Determinism: every job uses a fresh synthesizer, every stem writes a whole number of FluidSynth's 64-frame blocks
(so no frames of one stem leak into the next) and renders in a fixed order, and the output is float (no dither).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .score import Score, Track
from .soundfont import SAMPLE_RATE, SoundFont, Synth

__all__ = ["Rendering", "beats_to_seconds", "render", "stem_settings"]

_BLOCK = 64  # FluidSynth renders in blocks of this many frames; events land on block boundaries
_DRUM_CHANNEL = 9
_MELODIC_CHANNEL = 0
#: Below this peak a voiceless synth is treated as silent, so quiet stretches are skipped instead of rendered.
_SILENCE = 1e-5
_PROBE = 12_288  # frames rendered at a time while waiting for a tail to die away (a multiple of _BLOCK)
#: A looping piece renders this much past its end and folds it onto its start, so the seam rings on.
_LOOP_TAIL_SECONDS = 3.0

#: Highest reverb send per role: reverb on bass and kick muddies the low end.
_ROLE_REVERB_CAP = {"bass": 0.15, "drums": 0.35, "percussion": 0.4}
#: Reverb room (size, damping, width, level) per production hint, first match wins.
_ROOMS: tuple[tuple[str, tuple[float, float, float, float], float], ...] = (
    # hint, room, send scale
    ("dry", (0.3, 0.5, 0.5, 0.6), 0.3),
    ("hall", (0.85, 0.25, 1.0, 1.0), 1.3),
    ("live", (0.7, 0.3, 0.9, 0.9), 1.1),
    ("lofi", (0.45, 0.6, 0.6, 0.8), 0.8),
)
_DEFAULT_ROOM = ((0.6, 0.35, 0.8, 0.9), 1.0)


@dataclass
class Rendering:
    """The rendered piece: the mix and, when asked for, each track's stem (the mix is their sum)."""

    mix: np.ndarray  #: float32, (frames, 2)
    sample_rate: int = SAMPLE_RATE
    stems: dict[str, np.ndarray] = field(default_factory=dict)  #: track name -> float32 (frames, 2)
    #: Whether FluidSynth's reverb was used (mastering adds a room only where the render has none).
    reverb: bool = True


@dataclass(frozen=True)
class StemSettings:
    channel: int
    bank: int
    program: int
    volume: int  #: CC7
    pan: int  #: CC10
    reverb: int  #: CC91
    chorus: int  #: CC93


def _cc(value: float) -> int:
    return int(min(127, max(0, round(value * 127))))


def _room(production: frozenset[str]) -> tuple[tuple[float, float, float, float], float]:
    for hint, room, scale in _ROOMS:
        if hint in production:
            return room, scale
    return _DEFAULT_ROOM


def stem_settings(track: Track, production: frozenset[str] = frozenset()) -> StemSettings:
    """The channel, program and controller values a track is rendered (and exported) with."""
    _, scale = _room(production)
    reverb = min(track.reverb * scale, _ROLE_REVERB_CAP.get(track.role, 1.0))
    if track.is_drums:
        channel, bank = _DRUM_CHANNEL, 128
    else:
        channel, bank = _MELODIC_CHANNEL, track.bank
    return StemSettings(
        channel=channel,
        bank=bank,
        program=int(min(127, max(0, track.program))),
        volume=_cc(track.volume),
        pan=int(min(127, max(0, round(64 + track.pan * 63.5)))),
        reverb=_cc(reverb),
        chorus=_cc(track.chorus),
    )


def beats_to_seconds(score: Score, beats: np.ndarray) -> np.ndarray:
    """Vectorised :meth:`Score.seconds_at`: seconds at each beat, following the tempo map."""
    tempo = sorted(score.tempo, key=lambda t: t.beat) or []
    if not tempo:
        raise ValueError("the score has no tempo")
    starts = np.array([t.beat for t in tempo], dtype=np.float64)
    spb = np.array([60.0 / t.bpm for t in tempo], dtype=np.float64)
    starts[0] = min(starts[0], 0.0)
    offsets = np.concatenate([[0.0], np.cumsum(np.diff(starts) * spb[:-1])])
    index = np.clip(np.searchsorted(starts, beats, side="right") - 1, 0, len(tempo) - 1)
    return offsets[index] + (beats - starts[index]) * spb[index]


def _track_events(score: Score, track: Track, channel: int) -> tuple[np.ndarray, list[tuple[int, int, int]]]:
    """Frame of each event and the event (kind, a, b), sorted; kind 0 = CC, 1 = note off, 2 = note on."""
    notes = [n for n in track.notes if 0 <= n.pitch <= 127 and n.duration > 0 and n.velocity > 0]
    rows: list[tuple[int, int, int, int, int]] = []  # frame, kind, seq, a, b
    if notes:
        start_beats = np.array([n.start for n in notes], dtype=np.float64)
        end_beats = start_beats + np.array([n.duration for n in notes], dtype=np.float64)
        pitch = np.array([n.pitch for n in notes], dtype=np.int64)
        velocity = np.clip([n.velocity for n in notes], 1, 127).astype(np.int64)
        start = np.round(beats_to_seconds(score, np.maximum(start_beats, 0.0)) * SAMPLE_RATE).astype(np.int64)
        end = np.round(beats_to_seconds(score, np.maximum(end_beats, 0.0)) * SAMPLE_RATE).astype(np.int64)
        end = np.maximum(end, start + _BLOCK)
        # FluidSynth's note-off releases every voice of that key, so a note must end where the next one of the
        # same pitch starts, or the earlier note's release would cut the later one short.
        order = np.lexsort((start, pitch))
        same = pitch[order][1:] == pitch[order][:-1]
        nxt = start[order][1:]
        clipped = end[order].copy()
        clipped[:-1] = np.where(same, np.minimum(clipped[:-1], nxt), clipped[:-1])
        end[order] = clipped
        for i in range(len(notes)):
            rows.append((int(start[i]), 2, i, int(pitch[i]), int(velocity[i])))
            rows.append((int(end[i]), 1, i, int(pitch[i]), 0))
    if track.controls:
        times = beats_to_seconds(score, np.array([max(c.time, 0.0) for c in track.controls], dtype=np.float64))
        for i, (control, t) in enumerate(zip(track.controls, times)):
            if 0 <= control.controller <= 127:
                value = int(min(127, max(0, control.value)))
                rows.append((int(round(t * SAMPLE_RATE)), 0, i, control.controller, value))
    rows.sort()
    frames = np.array([r[0] for r in rows], dtype=np.int64)
    return frames, [(r[1], r[3], r[4]) for r in rows]


def _render_stem(
    synth: Synth,
    score: Score,
    track: Track,
    settings: StemSettings,
    out: np.ndarray,
    room: tuple[float, float, float, float],
) -> None:
    """Play ``track`` alone into ``out`` (zeroed, a whole number of blocks long)."""
    synth.reset(reverb=room if settings.reverb > 0 else (*room[:3], 0.0), chorus=settings.chorus > 0)
    ch = settings.channel
    synth.program(ch, settings.bank, settings.program)
    initial = {7: settings.volume, 10: settings.pan, 11: 127, 91: settings.reverb, 93: settings.chorus}
    for controller, value in initial.items():
        synth.cc(ch, controller, value)
    frames, events = _track_events(score, track, ch)
    total = out.shape[0]
    if not events:
        return
    # Before the first event the synth is silent and its effects empty: leave those frames at zero.
    pos = min(int(frames[0]) // _BLOCK * _BLOCK, total)
    i = 0
    n_events = len(events)
    while i < n_events and pos < total:
        due = min(int(frames[i]), total)
        pos = _advance(synth, out, pos, due)
        while i < n_events and frames[i] <= pos:
            kind, a, b = events[i]
            if kind == 2:
                synth.note_on(ch, a, b)
            elif kind == 1:
                synth.note_off(ch, a)
            else:
                synth.cc(ch, a, b)
            i += 1
    _advance(synth, out, pos, total)


def _advance(synth: Synth, out: np.ndarray, pos: int, due: int) -> int:
    """Render from ``pos`` up to ``due``, skipping stretches where nothing sounds; returns the new position.

    Skipping keeps positions on block boundaries, so the frames FluidSynth has rendered but not yet handed out
    are always zero when it happens.
    """
    if due <= pos:
        return pos
    if due - pos <= 2 * _PROBE:
        synth.write(out[pos:due])
        return due
    aligned = -(-pos // _BLOCK) * _BLOCK
    if aligned > pos:
        synth.write(out[pos:aligned])
        pos = aligned
    while due - pos > _PROBE:
        chunk = out[pos : pos + _PROBE]
        synth.write(chunk)
        pos += _PROBE
        if synth.active_voices == 0 and float(np.abs(chunk).max()) < _SILENCE:
            pos = max(pos, due // _BLOCK * _BLOCK)
            break
    if due > pos:
        synth.write(out[pos:due])
    return due


def render(score: Score, soundfont: SoundFont, *, stems: bool = True) -> Rendering:
    """Render ``score``; with ``stems`` keep each track's audio (the mix is always their sum)."""
    room, _ = _room(score.production)
    music = int(round(beats_to_seconds(score, np.array([score.length_beats]))[0] * SAMPLE_RATE))
    if score.loop:
        length = max(music, _BLOCK)
        rendered = length + int(_LOOP_TAIL_SECONDS * SAMPLE_RATE)
    else:
        length = max(int(round(score.duration_seconds * SAMPLE_RATE)), _BLOCK)
        rendered = length
    padded = -(-rendered // _BLOCK) * _BLOCK
    mix = np.zeros((length, 2), dtype=np.float32)
    kept: dict[str, np.ndarray] = {}
    any_reverb = False
    buffer = np.empty((padded, 2), dtype=np.float32)
    with soundfont.synth() as synth:
        for track in score.tracks:
            settings = stem_settings(track, score.production)
            any_reverb |= settings.reverb > 0
            buffer.fill(0.0)
            _render_stem(synth, score, track, settings, buffer, room)
            stem = _fold_loop(buffer[:rendered], length) if score.loop else buffer[:length]
            mix += stem
            if stems:
                kept[track.name] = stem.copy()
    return Rendering(mix=mix, stems=kept, reverb=any_reverb)


def _fold_loop(audio: np.ndarray, length: int) -> np.ndarray:
    """Add what rings past the loop point back onto the start, so the end flows into the beginning."""
    folded = audio[:length].copy()
    for start in range(length, audio.shape[0], length):
        piece = audio[start : start + length]
        folded[: piece.shape[0]] += piece
    return folded
