"""Render stage: a :class:`~.score.Score` becomes 48 kHz stereo float audio and, when asked, one stem per track.

Every track plays in one pass through one synthesizer, on its own MIDI channel and audio group, with its program,
volume (CC7), pan (CC10), expression (CC11), reverb (CC91) and chorus (CC93). FluidSynth hands out each group's
dry signal and one shared reverb and chorus return (``fluid_synth_process``), so the room is computed once for
the whole piece rather than once per stem. The mix is the dry signals plus the returns — what a General MIDI
player makes of the score. A stem is its track's dry signal plus its share of the returns: the share follows
how much the track is feeding each effect (its dry energy times its send squared, smoothed over the effect's
decay), so every stem carries its own room and the stems still sum to the mix. Production hints ("hall", "dry",
"lofi") set the room size and scale the sends.

Stems are held compactly as :class:`Stem` (int16 samples with one scale per block of frames: block floating
point), half the memory of float32 and about as precise as the 16-bit files they become.

Determinism: every job uses a fresh synthesizer whose settings depend only on the score, events are played in a
fixed order, the staging blocks are fixed, and the output is float (no dither).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .score import Score, Track
from .soundfont import SAMPLE_RATE, SoundFont, Synth
from .stems import STEM_BLOCK, Stem, zeroed

__all__ = ["Rendering", "Stem", "beats_to_seconds", "render", "stem_settings"]

_BLOCK = 64  # FluidSynth renders in blocks of this many frames; events land on block boundaries
_DRUM_CHANNEL = 9
_MELODIC_CHANNEL = 0
#: Frames per step of the effect-share envelopes (a multiple of _BLOCK dividing STEM_BLOCK).
_STEP = 256
#: A looping piece renders this much past its end and folds it onto its start, so the seam rings on.
_LOOP_TAIL_SECONDS = 3.0
#: Energy decay time (s) of the chorus return: a few milliseconds of modulated delay.
_CHORUS_DECAY_S = 0.02
#: Added to every track's squared send, so a return is still shared by loudness if every send reads zero.
_SEND_FLOOR = 1e-6
_RAMP = (np.arange(1, _STEP + 1, dtype=np.float32) / _STEP)[None, None, :]

#: Highest reverb send per role: reverb on bass and kick muddies the low end.
_ROLE_REVERB_CAP = {"bass": 0.15, "drums": 0.35, "percussion": 0.4}
#: Reverb room (size, damping, width, level) per production hint, first match wins, with its send scale and
#: the energy decay time (s) of its tail (its measured RT60 / ln 10⁶: 1.2, 4.6, 2.7, 1.6 and 2.1 s), which paces
#: how long a track keeps its share of the return after it stops.
_ROOMS: tuple[tuple[str, tuple[float, float, float, float], float, float], ...] = (
    ("dry", (0.3, 0.5, 0.5, 0.6), 0.3, 0.09),
    ("hall", (0.85, 0.25, 1.0, 1.0), 1.3, 0.33),
    ("live", (0.7, 0.3, 0.9, 0.9), 1.1, 0.2),
    ("lofi", (0.45, 0.6, 0.6, 0.8), 0.8, 0.12),
)
_DEFAULT_ROOM = ((0.6, 0.35, 0.8, 0.9), 1.0, 0.15)


@dataclass
class Rendering:
    """The rendered piece: the mix and, when asked for, each track's stem (the mix is their sum)."""

    mix: np.ndarray  #: float32, (frames, 2)
    sample_rate: int = SAMPLE_RATE
    stems: dict[str, Stem] = field(default_factory=dict)  #: track name -> its stem, in score order
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


def _room(production: frozenset[str]) -> tuple[tuple[float, float, float, float], float, float]:
    for hint, room, scale, decay in _ROOMS:
        if hint in production:
            return room, scale, decay
    return _DEFAULT_ROOM


def stem_settings(track: Track, production: frozenset[str] = frozenset()) -> StemSettings:
    """The channel, program and controller values a track is rendered (and exported) with."""
    _, scale, _ = _room(production)
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


class _Share:
    """How much of one shared effect return belongs to each track, step by step (rows sum to 1)."""

    def __init__(self, sends: np.ndarray, decay_s: float) -> None:
        self.gain = np.square(sends) + _SEND_FLOOR  # (tracks,): sends 0-1
        steps = STEM_BLOCK // _STEP
        a = float(np.exp(-_STEP / (decay_s * SAMPLE_RATE)))
        k = np.arange(steps)
        # y[k] = a*y[k-1] + (1-a)*x[k] over one block, as one matrix product: y = x @ M + a^(k+1) * y_before
        lag = k[None, :] - k[:, None]
        self.matrix = np.where(lag >= 0, (1 - a) * a ** np.maximum(lag, 0), 0.0)
        self.carry = a ** (k + 1)
        self.level = np.zeros(len(sends))  # the smoothed send energy at the end of the last block
        self.last = np.full(len(sends), 1.0 / len(sends), dtype=np.float32)  # the share at the last block's end

    def per_frame(self, energy: np.ndarray, frames: int) -> np.ndarray:
        """(tracks, steps) dry energies → (tracks, frames) float32 shares, ramped from step to step."""
        steps = energy.shape[1]
        level = (energy * self.gain[:, None]) @ self.matrix[:steps, :steps]
        level += self.level[:, None] * self.carry[None, :steps]
        self.level = level[:, -1]
        total = level.sum(axis=0)
        share = np.where(total > 1e-30, level / np.maximum(total, 1e-300), 1.0 / level.shape[0]).astype(np.float32)
        before = np.concatenate([self.last[:, None], share[:, :-1]], axis=1)
        self.last = share[:, -1]
        out = np.empty((share.shape[0], steps, _STEP), dtype=np.float32)
        np.multiply((share - before)[:, :, None], _RAMP, out=out)
        out += before[:, :, None]
        return out.reshape(share.shape[0], -1)[:, :frames]


class _Pass:
    """One render pass: up to :attr:`Synth.MAX_GROUPS` tracks, each on its own channel and audio group."""

    def __init__(self, synth: Synth, sends: np.ndarray, mix: np.ndarray, stems: list[Stem] | None,
                 reverb: bool, chorus: bool, reverb_decay_s: float) -> None:
        self.synth, self.mix, self.stems = synth, mix, stems
        self.groups = synth.groups
        self.dry = np.zeros((2 * self.groups, STEM_BLOCK), dtype=np.float32)
        self.fx = np.zeros((4, STEM_BLOCK), dtype=np.float32)  # reverb left, right; chorus left, right
        self.dry_rows = self.dry.ctypes.data + np.arange(2 * self.groups, dtype=np.uint64) * (STEM_BLOCK * 4)
        self.fx_rows = self.fx.ctypes.data + np.arange(4, dtype=np.uint64) * (STEM_BLOCK * 4)
        self.dry_at = np.empty_like(self.dry_rows)  # the row pointers moved to the current frame
        self.fx_at = np.empty_like(self.fx_rows)
        self.n_fx = 4 if reverb or chorus else 0
        self.block = 0  # index of the staged block: it holds frames block*STEM_BLOCK onwards
        self.filled = 0  # frames of the staged block rendered so far
        self.shares: list[tuple[_Share, int]] = []  # (share, first fx row)
        if stems is not None:
            if reverb:
                self.shares.append((_Share(sends[:, 0], reverb_decay_s), 0))
            if chorus:
                self.shares.append((_Share(sends[:, 1], _CHORUS_DECAY_S), 2))

    def skip_to(self, frame: int) -> None:
        """Start rendering at ``frame`` (nothing sounds before it): the frames skipped stay zero."""
        self.block, self.filled = divmod(frame // _BLOCK * _BLOCK, STEM_BLOCK)

    @property
    def position(self) -> int:
        return self.block * STEM_BLOCK + self.filled

    def advance(self, due: int) -> None:
        """Render up to absolute frame ``due``."""
        while self.position < due:
            n = min(due - self.position, STEM_BLOCK - self.filled)
            offset = np.uint64(self.filled * 4)
            np.add(self.dry_rows, offset, out=self.dry_at)
            np.add(self.fx_rows, offset, out=self.fx_at)
            self.synth.process(n, self.fx_at.ctypes.data, self.n_fx, self.dry_at.ctypes.data, 2 * self.groups)
            self.filled += n
            if self.filled == STEM_BLOCK:
                self.flush()

    def flush(self) -> None:
        """Add the staged block to the mix, split it into the stems, and start the next block."""
        n = self.filled
        if n:
            start = self.block * STEM_BLOCK
            stop = min(start + n, self.mix.shape[0])
            dry = self.dry[:, :n].reshape(self.groups, 2, n)
            wet = self.fx[0:2, :n] + self.fx[2:4, :n]
            self.mix[start:stop] += (dry.sum(axis=0) + wet)[:, : stop - start].T
            if self.stems is not None:
                self._split(dry, n)
            self.dry[:, :n] = 0.0
            self.fx[:, :n] = 0.0
        self.block += 1
        self.filled = 0

    def _split(self, dry: np.ndarray, n: int) -> None:
        tracks = len(self.stems)
        parts = dry[:tracks].copy()
        if self.shares:
            steps = -(-n // _STEP)
            power = np.square(self.dry[: 2 * tracks, : steps * _STEP])  # frames past n are still zero
            energy = power.reshape(tracks, 2, steps, _STEP).sum(axis=(1, 3), dtype=np.float64)
            for share, row in self.shares:
                weights = share.per_frame(energy, n)
                parts += weights[:, None, :] * self.fx[None, row : row + 2, :n]
        for stem, audio in zip(self.stems, parts):
            stem.store(self.block, audio)


def _render_tracks(score: Score, tracks: list[Track], soundfont: SoundFont, mix: np.ndarray, stems: bool,
                   rendered: int) -> tuple[list[Stem] | None, bool]:
    room, _, decay = _room(score.production)
    settings = [stem_settings(t, score.production) for t in tracks]
    reverb = any(s.reverb > 0 for s in settings)
    chorus = any(s.chorus > 0 for s in settings)
    kept = [Stem.zeros(mix.shape[0]) for _ in tracks] if stems else None
    # a group per track even without stems: the mix is then summed the same way, to the same bytes, either way
    groups = len(tracks)
    events: list[tuple[np.ndarray, list[tuple[int, int, int]]]] = []
    with soundfont.synth(channels=len(tracks), groups=groups) as synth:
        sends = np.zeros((len(tracks), 2))
        # each track's effect sends, from the voices its patch starts, before anything sounds (probed even
        # without stems: the probe notes leave the synth's voice order changed, and the mix must not depend on
        # whether stems were asked for)
        for channel, (track, s) in enumerate(zip(tracks, settings)):
            synth.set_drums(channel, track.is_drums)
            synth.program(channel, s.bank, s.program)
            synth.cc(channel, 91, s.reverb)
            synth.cc(channel, 93, s.chorus)
            pitches = [n.pitch for n in track.notes if 0 <= n.pitch <= 127]
            sends[channel] = synth.sends(channel, int(np.median(pitches)) if pitches else 60, 100)
        synth.reset(reverb=room if reverb else (*room[:3], 0.0), chorus=chorus)
        for channel, (track, s) in enumerate(zip(tracks, settings)):
            synth.set_drums(channel, track.is_drums)
            synth.program(channel, s.bank, s.program)
            for controller, value in ((7, s.volume), (10, s.pan), (11, 127), (91, s.reverb), (93, s.chorus)):
                synth.cc(channel, controller, value)
            events.append(_track_events(score, track, channel))
        frames = np.concatenate([f for f, _ in events]) if events else np.zeros(0, np.int64)
        if frames.size == 0:
            return kept, reverb
        channels = np.concatenate([np.full(len(f), c) for c, (f, _) in enumerate(events)])
        flat = [e for _, evs in events for e in evs]
        order = np.lexsort((np.arange(frames.size), channels, frames))
        renderer = _Pass(synth, sends, mix, kept, reverb, chorus, decay)
        end = -(-rendered // _STEP) * _STEP
        renderer.skip_to(min(int(frames[order[0]]), end))
        note_on, note_off, cc = synth.note_on, synth.note_off, synth.cc
        for i in order.tolist():
            frame = int(frames[i])
            if frame >= end:
                break
            if frame > renderer.position:
                renderer.advance(frame)
            kind, a, b = flat[i]
            if kind == 2:
                note_on(int(channels[i]), a, b)
            elif kind == 1:
                note_off(int(channels[i]), a)
            else:
                cc(int(channels[i]), a, b)
        renderer.advance(end)
        renderer.flush()
    return kept, reverb


def render(score: Score, soundfont: SoundFont, *, stems: bool = True) -> Rendering:
    """Render ``score``; with ``stems`` keep each track's audio (the mix is always their sum)."""
    music = int(round(beats_to_seconds(score, np.array([score.length_beats]))[0] * SAMPLE_RATE))
    if score.loop:
        length = max(music, _BLOCK)
        rendered = length + int(_LOOP_TAIL_SECONDS * SAMPLE_RATE)
    else:
        length = max(int(round(score.duration_seconds * SAMPLE_RATE)), _BLOCK)
        rendered = length
    mix = zeroed((rendered, 2), np.float32)
    kept: dict[str, Stem] = {}
    any_reverb = False
    step = Synth.MAX_GROUPS
    for first in range(0, max(len(score.tracks), 1), step):  # past 128 tracks, further passes add to the mix
        tracks = score.tracks[first : first + step]
        if not tracks:
            break
        stems_of_pass, reverb = _render_tracks(score, tracks, soundfont, mix, stems, rendered)
        any_reverb |= reverb
        if stems_of_pass is not None:
            kept.update((t.name, s) for t, s in zip(tracks, stems_of_pass))
    if score.loop:
        mix = _fold_loop(mix, length)
        for stem in kept.values():
            stem.fold(length)
    return Rendering(mix=mix, stems=kept, reverb=any_reverb)


def _fold_loop(audio: np.ndarray, length: int) -> np.ndarray:
    """Add what rings past the loop point back onto the start, so the end flows into the beginning."""
    folded = audio[:length]
    for start in range(length, audio.shape[0], length):
        piece = audio[start : start + length]
        folded[: piece.shape[0]] += piece
    return folded
