"""Render stage: a :class:`~.score.Score` becomes 48 kHz stereo float audio and, when asked, one stem per track.

Every track plays in one pass through one synthesizer, on its own MIDI channel and audio group, with the fader,
pan and effect sends the mix decided (:mod:`.mix`), its expression, pedal and bends. FluidSynth hands out each
group's dry signal and one shared reverb and chorus return (``fluid_synth_process``), so the room is computed
once for the whole piece rather than once per stem. A stem is its track's dry signal plus its share of the
returns: the share follows how much the track is feeding each effect (its dry energy times its send squared,
smoothed over the effect's decay), so every stem carries its own room and the stems still sum to the mix.

Mono compatibility: FluidSynth (2.2 and later) spreads its chorus at a fixed width of 10, so its two sides are
nearly opposite and a patch that sends much to it vanishes when the mix is summed to mono (a phone speaker). The
render narrows the return to :data:`.mix.CHORUS_WIDTH`, which keeps the shimmer and some width and survives the
mono sum; and where a stereo-sampled patch's own sides pull apart (spaced microphones on a piano or a string
section), its dry signal is narrowed as far as its role asks (:attr:`.mix.TrackMix.width`).

Where the production asks for bus processing (:mod:`.buses`: drum bus compression, sidechain ducking, amp and
cabinet, gated reverb), it runs on the tracks block by block and the mix is the sum of the processed tracks.

Endings: unless the score asks for a fade, the notes still held near the end are released early enough for the
instruments and the room to decay by the end of the file (the last hit rings out; nothing is cut), the sustain
pedal is lifted with them, and patch releases longer than the time left are shortened.

Stems are held compactly as :class:`Stem` (int16 samples with one scale per block of frames: block floating
point), half the memory of float32 and about as precise as the 16-bit files they become.

Determinism: every job uses a fresh synthesizer whose settings depend only on the score (and the SoundFont's
measured levels, which do not depend on the job), events are played in a fixed order, the staging blocks are
fixed, and the output is float (no dither).
"""

from __future__ import annotations

import heapq
import math
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from .buses import Buses
from .mix import (
    CHORUS_WIDTH,
    FLUID_CHORUS_WIDTH,
    SEND_SCALE,
    StemSettings,
    TrackMix,
    beats_to_seconds,
    narrow,
    plan_mix,
    room,
    stem_settings,
    until_same_key,
    voice_seconds,
)
from .score import Score, Track
from .sf2 import GEN_ATTENUATION, GEN_CHORUS_SEND, GEN_RELEASE, GEN_REVERB_SEND, RELEASE_DB, SAMPLE_RATE, TAIL_DB
from .soundfont import SoundFont, Synth
from .stems import STEM_BLOCK, Stem, zeroed

__all__ = ["Rendering", "Stem", "StemSettings", "beats_to_seconds", "render", "rendered_frames", "rpn_bend_range",
           "stem_settings"]

_EXACT_SPLIT = 14  # up to this many parts, the two render passes are the most even split of all
_BLOCK = 64  # FluidSynth renders in blocks of this many frames; events land on block boundaries
#: Frames per step of the effect-share envelopes (a multiple of _BLOCK dividing STEM_BLOCK).
_STEP = 256
#: A looping piece renders this much past its end and folds it onto its start, so the seam rings on.
_LOOP_TAIL_SECONDS = 3.0
#: Energy decay time (s) of the chorus return: a few milliseconds of modulated delay.
_CHORUS_DECAY_S = 0.02
#: Added to every track's squared send, so a return is still shared by loudness if every send reads zero.
_SEND_FLOOR = 1e-6
_RAMP = (np.arange(1, _STEP + 1, dtype=np.float32) / _STEP)[None, None, :]
#: An ending leaves this long after its last release for the instruments and the room to die away, and holds
#: its final hit at least _FINAL_HOLD_S.
_DECAY_S = 2.0
_FINAL_HOLD_S = 0.3
#: Patch releases are shortened to this share of the decay time at the end (a pad's 8 s release would be cut).
_RELEASE_SHARE = 0.6

# event kinds, in the order they apply at one frame
_CC, _OFF, _ON, _BEND, _SEND, _GEN = 0, 1, 2, 3, 4, 5
#: RPN 0 (pitch-bend range) as the controller changes that set it, then the null RPN that closes it.
_RPN_RANGE = ((101, 0), (100, 0), (6, None), (38, 0), (101, 127), (100, 127))
_SEND_GENERATORS = {91: GEN_REVERB_SEND, 93: GEN_CHORUS_SEND}


@dataclass
class Rendering:
    """The rendered piece: the mix and, when asked for, each track's stem (the mix is their sum)."""

    mix: np.ndarray  #: float32, (frames, 2)
    sample_rate: int = SAMPLE_RATE
    stems: dict[str, Stem] = field(default_factory=dict)  #: track name -> its stem, in score order
    #: Whether FluidSynth's reverb was used (mastering adds a room only where the render has none).
    reverb: bool = True
    #: What each track played with on its channel (fader, pan, sends), in score order: ``score.mid`` carries it.
    settings: list[StemSettings] = field(default_factory=list)


def rpn_bend_range(semitones: int) -> list[tuple[int, int]]:
    """The (controller, value) changes that set a channel's pitch-bend range (RPN 0) and close the RPN."""
    value = int(min(max(semitones, 0), 127))
    return [(c, value if v is None else v) for c, v in _RPN_RANGE]


def _note_frames(score: Score, track: Track) -> tuple[np.ndarray, np.ndarray, list]:
    notes = [n for n in track.notes if 0 <= n.pitch <= 127 and n.duration > 0 and n.velocity > 0]
    start_beats = np.array([n.start for n in notes], dtype=np.float64)
    end_beats = start_beats + np.array([n.duration for n in notes], dtype=np.float64)
    start = np.round(beats_to_seconds(score, np.maximum(start_beats, 0.0)) * SAMPLE_RATE).astype(np.int64)
    end = np.round(beats_to_seconds(score, np.maximum(end_beats, 0.0)) * SAMPLE_RATE).astype(np.int64)
    return start, end, notes


def _track_events(score: Score, track: Track, channel: int, release: int | None = None
                  ) -> tuple[np.ndarray, list[tuple[int, int, int]]]:
    """Frame of each event and the event (kind, a, b), sorted: CC (controller, value), note off (key, 0), note on
    (key, velocity), pitch bend (0-16383, 0), send change (CC91/93, value). Notes still held at ``release`` (a
    frame) end there, and the sustain pedal lifts."""
    rows: list[tuple[int, int, int, int, int]] = []  # frame, kind, seq, a, b
    start, end, notes = _note_frames(score, track)
    if notes:
        pitch = np.array([n.pitch for n in notes], dtype=np.int64)
        velocity = np.clip([n.velocity for n in notes], 1, 127).astype(np.int64)
        if release is not None:
            end = np.where(start < release, np.minimum(end, release), end)
        end = until_same_key(start, np.maximum(end, start + _BLOCK), pitch)
        for i in range(len(notes)):
            rows.append((int(start[i]), _ON, i, int(pitch[i]), int(velocity[i])))
            rows.append((int(end[i]), _OFF, i, int(pitch[i]), 0))
    if track.bends or track.bend_range != 2:
        first = int(start.min()) if notes else 0
        for seq, (controller, value) in enumerate(rpn_bend_range(track.bend_range)):
            rows.append((first, _CC, seq - 8, controller, value))  # before anything else on the channel
    if track.bends:
        times = beats_to_seconds(score, np.array([max(b.time, 0.0) for b in track.bends], dtype=np.float64))
        for i, (bend, t) in enumerate(zip(track.bends, times)):
            rows.append((int(round(t * SAMPLE_RATE)), _BEND, i, int(min(max(bend.value + 8192, 0), 16383)), 0))
    if track.controls:
        times = beats_to_seconds(score, np.array([max(c.time, 0.0) for c in track.controls], dtype=np.float64))
        pedal = False
        for i, (control, t) in enumerate(zip(track.controls, times)):
            if 0 <= control.controller <= 127:
                value = int(min(127, max(0, control.value)))
                kind = _SEND if control.controller in _SEND_GENERATORS else _CC
                rows.append((int(round(t * SAMPLE_RATE)), kind, i, control.controller, value))
                pedal |= control.controller == 64
        if pedal and release is not None:
            rows.append((release, _CC, len(track.controls), 64, 0))
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

    def __init__(self, synth: Synth, plans: list[TrackMix], mix: np.ndarray, stems: list[Stem] | None,
                 reverb: bool, chorus: bool, reverb_decay_s: float, buses: Buses,
                 progress: Callable[[int], None] | None = None) -> None:
        self.synth, self.mix, self.stems, self.buses = synth, mix, stems, buses
        self.progress = progress
        sends = np.array([[p.reverb, p.chorus] for p in plans], dtype=np.float64).reshape(len(plans), 2)
        self.narrow = [(i, p.width) for i, p in enumerate(plans) if p.width < 0.999]
        self.groups = synth.groups
        self.tracks = sends.shape[0]
        self.dry = np.zeros((2 * self.groups, STEM_BLOCK), dtype=np.float32)
        self.fx = np.zeros((4, STEM_BLOCK), dtype=np.float32)  # reverb left, right; chorus left, right
        self.dry_rows = self.dry.ctypes.data + np.arange(2 * self.groups, dtype=np.uint64) * (STEM_BLOCK * 4)
        self.fx_rows = self.fx.ctypes.data + np.arange(4, dtype=np.uint64) * (STEM_BLOCK * 4)
        self.dry_at = np.empty_like(self.dry_rows)  # the row pointers moved to the current frame
        self.fx_at = np.empty_like(self.fx_rows)
        self.n_fx = 4 if reverb or chorus else 0
        self.chorus = chorus
        self.block = 0  # index of the staged block: it holds frames block*STEM_BLOCK onwards
        self.filled = 0  # frames of the staged block rendered so far
        self.shares: list[tuple[_Share, int]] = []  # (share, first fx row)
        # per-track audio is needed for the stems, and for bus processing (which then makes the mix)
        self.split = stems is not None or buses.active
        if self.split:
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
            if self.chorus:  # FluidSynth's chorus spread brought to one that survives a mono sum
                narrow(self.fx[2:4, :n], CHORUS_WIDTH / FLUID_CHORUS_WIDTH)
            for track, width in self.narrow:
                narrow(self.dry[2 * track : 2 * track + 2, :n], width)
            parts = self._parts(dry, n) if self.split else None
            if self.buses.active:  # the processed tracks make the mix
                self.buses.process(parts, start)
                self.mix[start:stop] += parts.sum(axis=0)[:, : stop - start].T
            else:  # the same sum whether or not stems are kept
                wet = self.fx[0:2, :n] + self.fx[2:4, :n]
                self.mix[start:stop] += (dry.sum(axis=0) + wet)[:, : stop - start].T
            if self.stems is not None:
                for stem, audio in zip(self.stems, parts):
                    stem.store(self.block, audio)
            self.dry[:, :n] = 0.0
            self.fx[:, :n] = 0.0
            if self.progress is not None:
                self.progress(stop)
        self.block += 1
        self.filled = 0

    def _parts(self, dry: np.ndarray, n: int) -> np.ndarray:
        """Each track's dry signal plus its share of the effect returns, (tracks, 2, n)."""
        tracks = self.tracks
        parts = dry[:tracks].copy()
        if self.shares:
            steps = -(-n // _STEP)
            rows = self.dry[: 2 * tracks, : steps * _STEP].reshape(2 * tracks, steps, _STEP)  # past n: still zero
            power = np.einsum("rsk,rsk->rs", rows, rows)
            energy = power.reshape(tracks, 2, steps).sum(axis=1, dtype=np.float64)
            scratch = np.empty((tracks, n), dtype=np.float32)
            for share, row in self.shares:
                weights = share.per_frame(energy, n)
                for side in range(2):
                    np.multiply(weights, self.fx[row + side, :n], out=scratch)
                    parts[:, side] += scratch
        return parts


class _Tails:
    """Ends each note's voices once their release has taken them :data:`.sf2.TAIL_DB` under where it began.

    FluidSynth renders a released voice until its envelope has fallen the whole :data:`.sf2.RELEASE_DB` (it judges a
    voice inaudible only against its loudest possible level), so a part whose notes overlap their long releases (a
    pad stabbed on every beat) keeps dozens of voices sounding 60-96 dB under its newest notes, over a quarter of the
    voices it plays (15 % of all over the public prompt set). Here, at each note-off (or the pedal's lift, where the pedal holds the note) every voice of
    the note is given an end: its own release time (its zones' value plus the channel's offset) times
    ``TAIL_DB / RELEASE_DB`` later, it is turned down to nothing over one block (no click) and let go the block after.
    The ends are fixed by the events and the SoundFont alone, so a score renders the same everywhere.

    Works on FluidSynth's numbering of note-ons (:attr:`.soundfont.Synth.last_note_id`): if the synthesizer never
    showed a number, or numbers otherwise than expected, voices keep their whole release, as FluidSynth plays them.
    Where a channel's controllers hold notes in ways not followed here (sostenuto, hold 2, legato, mono: FluidSynth
    does not number legato and mono note-ons), the pass keeps every release whole from there on.
    """

    #: Controllers that hold or retrigger notes past their note-off in ways the ends do not follow.
    _UNFOLLOWED = frozenset({66, 68, 69, 126, 127})
    _FADE, _END = 0, 1
    #: Shortest release (s) worth following: a voice renders ~0.7 ms of CPU per second, a note's ends ~0.1 ms.
    _WORTH_S = 0.5
    #: FluidSynth holds a note at least this long (its synth.min-note-length default): its release starts then.
    _MIN_NOTE = int(0.010 * SAMPLE_RATE)
    #: FluidSynth's bounds on a volume release (timecents): it plays none shorter than ~16 ms (no click).
    _SHORTEST_RELEASE_TC, _LONGEST_RELEASE_TC = -7200.0, 8000.0

    def __init__(self, synth: Synth, releases: np.ndarray) -> None:
        """``releases``: each channel's patch's release time (s), as probed: a channel whose notes let go in under
        :data:`_WORTH_S` is left alone (what ending its voices early would save is less than following them costs).
        """
        channels = len(releases)
        self.synth = synth
        self.active = synth.last_note_id is not None
        self.notes: dict[tuple[int, int], tuple[int, int]] = {}  # (channel, key) -> (note number, note-on frame)
        self.pedal = [False] * channels
        self.held: list[list[tuple[int, int, int]]] = [[] for _ in range(channels)]  # (key, note, earliest release)
        self.followed = [bool(r >= self._WORTH_S) for r in releases]
        self.offset = [0.0] * channels  # the channel's release offset (timecents)
        self.due: list[tuple[int, int, int, int, int]] = []  # (frame, order, step, voice, note)
        self.order = 0

    def on(self, frame: int, channel: int, key: int) -> None:
        if self.active and self.followed[channel]:
            number = self.synth.last_note_id
            assert number is not None
            self.notes[(channel, key)] = (number, frame)

    def off(self, frame: int, channel: int, key: int) -> None:
        note = self.notes.pop((channel, key), None)
        if note is None or not self.followed[channel]:
            return
        number, started = note
        frame = max(frame, started + self._MIN_NOTE)
        if self.pedal[channel]:
            self.held[channel].append((key, number, frame))
        else:
            self._release(frame, channel, key, number)

    def control(self, frame: int, channel: int, controller: int, value: int) -> None:
        if controller in self._UNFOLLOWED:  # legato and mono note-ons go unnumbered: every count is off from here
            self.active = False
            self.due.clear()
        elif controller == 64 or controller == 121:  # the sustain pedal, or every controller reset (pedal up)
            down = controller == 64 and value >= 64
            if self.pedal[channel] and not down:
                for key, number, earliest in self.held[channel]:
                    self._release(max(frame, earliest), channel, key, number)
                self.held[channel].clear()
            self.pedal[channel] = down

    def release_offset(self, channel: int, offset: float) -> None:
        self.offset[channel] = offset

    def _release(self, frame: int, channel: int, key: int, number: int) -> None:
        if not self.active:
            return
        synth = self.synth
        try:
            voices = synth.note_voices_of(number, channel, key)
        except LookupError:  # FluidSynth numbers its notes otherwise: leave every voice its whole release
            self.active = False
            self.due.clear()
            return
        for voice in voices:
            timecents = min(max(synth.voice_gen(voice, GEN_RELEASE) + self.offset[channel],
                                self._SHORTEST_RELEASE_TC), self._LONGEST_RELEASE_TC)
            seconds = 2.0 ** (timecents / 1200.0) * TAIL_DB / RELEASE_DB
            self.order += 1
            heapq.heappush(self.due, (frame + int(math.ceil(seconds * SAMPLE_RATE)), self.order, self._FADE, voice,
                                      number))

    def apply_until(self, frame: int, renderer: _Pass) -> None:
        """Take every step due up to ``frame``, each once ``renderer`` has rendered up to it."""
        while self.due and self.due[0][0] <= frame:
            if self.due[0][0] > renderer.position:
                renderer.advance(self.due[0][0])
            self.apply()

    def apply(self) -> None:
        """Take the next due step: turn a voice down to nothing, or, a block later, let it go."""
        frame, _, step, voice, number = heapq.heappop(self.due)
        synth = self.synth
        if not synth.voice_is(voice, number):
            return  # ended on its own (a sample that plays once, a shorter release at the end)
        if step == self._FADE:
            synth.set_voice_gen(voice, GEN_ATTENUATION, 1440.0)
            self.order += 1
            heapq.heappush(self.due, (frame + _BLOCK, self.order, self._END, voice, number))
        else:
            synth.set_voice_gen(voice, GEN_RELEASE, self._SHORTEST_RELEASE_TC)


def _probe_keys(track: Track) -> list[int]:
    """A few keys the track plays (low, middle, high; the commonest drums), to ask its patch what it sends."""
    pitches = sorted(n.pitch for n in track.notes if 0 <= n.pitch <= 127)
    if not pitches:
        return [60]
    if track.is_drums:
        counts: dict[int, int] = {}
        for p in pitches:
            counts[p] = counts.get(p, 0) + 1
        return sorted(counts, key=lambda p: (-counts[p], p))[:4]
    return sorted({pitches[0], pitches[len(pitches) // 2], pitches[-1]})


def _render_tracks(score: Score, tracks: list[Track], plans: list[TrackMix], soundfont: SoundFont, mix: np.ndarray,
                   stems: bool, rendered: int, release: int | None,
                   progress: Callable[[int], None] | None = None) -> tuple[list[Stem] | None, bool]:
    size, _, decay = room(score.production)
    reverb = any(p.reverb > 0 for p in plans)
    chorus = any(p.chorus > 0 for p in plans)
    kept = [Stem.zeros(mix.shape[0]) for _ in tracks] if stems else None
    # a group per track even without stems: the mix is then summed the same way, to the same bytes, either way
    groups = len(tracks)
    events: list[tuple[np.ndarray, list[tuple[int, int, int]]]] = []
    with soundfont.synth(channels=len(tracks), groups=groups) as synth:
        own = np.zeros((len(tracks), 3))  # the patches' own reverb and chorus sends (0.1 %) and release (timecents)
        for channel, (track, plan) in enumerate(zip(tracks, plans)):
            synth.set_drums(channel, track.is_drums)
            synth.program(channel, plan.settings.bank, plan.settings.program)
            values = synth.patch_generators(channel, _probe_keys(track), 100,
                                            (GEN_REVERB_SEND, GEN_CHORUS_SEND, GEN_RELEASE))
            own[channel] = np.nan_to_num(values, nan=0.0)
        synth.reset(reverb=size if reverb else (*size[:3], 0.0), chorus=chorus)
        for channel, (track, plan) in enumerate(zip(tracks, plans)):
            s = plan.settings
            synth.set_drums(channel, track.is_drums)
            synth.program(channel, s.bank, s.program)
            # the controllers' own send modulators stay at zero: the channel offsets below are the whole send
            for controller, value in ((7, s.volume), (10, s.pan), (11, 127), (91, 0), (93, 0)):
                synth.cc(channel, controller, value)
            synth.set_gen(channel, GEN_REVERB_SEND, 1000.0 * plan.reverb - own[channel, 0])
            synth.set_gen(channel, GEN_CHORUS_SEND, 1000.0 * plan.chorus - own[channel, 1])
            frames, evs = _track_events(score, track, channel, release)
            if release is not None:
                longest = _RELEASE_SHARE * _DECAY_S
                patch_release = 2.0 ** (own[channel, 2] / 1200.0)
                if patch_release > longest:
                    frames = np.append(frames, release)
                    evs = evs + [(_GEN, GEN_RELEASE, int(round(1200 * math.log2(longest / patch_release))))]
            events.append((frames, evs))
        buses = Buses(score, tracks, plans)
        frames = np.concatenate([f for f, _ in events]) if events else np.zeros(0, np.int64)
        if frames.size == 0:
            return kept, reverb
        channels = np.concatenate([np.full(len(f), c) for c, (f, _) in enumerate(events)])
        flat = [e for _, evs in events for e in evs]
        kinds = np.array([e[0] for e in flat])
        order = np.lexsort((np.arange(frames.size), channels, kinds, frames))
        renderer = _Pass(synth, plans, mix, kept, reverb, chorus, decay, buses, progress)
        end = -(-rendered // _STEP) * _STEP
        renderer.skip_to(min(int(frames[order[0]]), end))
        note_on, note_off, cc = synth.note_on, synth.note_off, synth.cc
        tails = _Tails(synth, 2.0 ** (own[:, 2] / 1200.0))
        for i in order.tolist():
            frame = int(frames[i])
            if frame >= end:
                break
            tails.apply_until(frame, renderer)
            if frame > renderer.position:
                renderer.advance(frame)
            kind, a, b = flat[i]
            channel = int(channels[i])
            if kind == _ON:
                note_on(channel, a, b)
                tails.on(frame, channel, a)
            elif kind == _OFF:
                note_off(channel, a)
                tails.off(frame, channel, a)
            elif kind == _CC:
                cc(channel, a, b)
                tails.control(frame, channel, a, b)
            elif kind == _BEND:
                synth.pitch_bend(channel, a)
            elif kind == _SEND:
                column = 0 if a == 91 else 1
                synth.set_gen(channel, _SEND_GENERATORS[a], 1000.0 * SEND_SCALE * b / 127 - own[channel, column])
            else:
                synth.set_gen(channel, a, float(b))
                if a == GEN_RELEASE:
                    tails.release_offset(channel, float(b))
        tails.apply_until(end - 1, renderer)
        renderer.advance(end)
        renderer.flush()
    return kept, reverb


def _release_frame(score: Score, length: int) -> int | None:
    """Where the notes still held at the end are let go, so the last hit and the room ring out by the end."""
    if score.loop or score.fade_out:
        return None
    last = 0
    for track in score.tracks:
        start, _, notes = _note_frames(score, track)
        if notes:
            last = max(last, int(start.max()))
    release = max(last + int(_FINAL_HOLD_S * SAMPLE_RATE), length - int(_DECAY_S * SAMPLE_RATE))
    return release if release < length else None


def rendered_frames(score: Score) -> tuple[int, int]:
    """Frames of the finished piece and frames rendered for it (more for a loop, whose tail folds onto its start)."""
    if score.loop:
        music = int(round(beats_to_seconds(score, np.array([score.length_beats]))[0] * SAMPLE_RATE))
        length = max(music, _BLOCK)
        return length, length + int(_LOOP_TAIL_SECONDS * SAMPLE_RATE)
    length = max(int(round(score.duration_seconds * SAMPLE_RATE)), _BLOCK)
    return length, length


def render(score: Score, soundfont: SoundFont, *, stems: bool = True, plans: list[TrackMix] | None = None,
           mix: np.ndarray | None = None, progress: Callable[[int], None] | None = None) -> Rendering:
    """Render ``score``; with ``stems`` keep each track's audio (the mix is always their sum).

    ``plans`` are the tracks' mix (:func:`.mix.plan_mix`) when the caller made it already; ``mix`` a zeroed
    float32 (:func:`rendered_frames`, 2) buffer to render into; ``progress(frames)`` is told, from the rendering
    thread, each time the mix is final up to ``frames`` (a stream masters what is final while the rest renders).
    """
    length, rendered = rendered_frames(score)
    release = _release_frame(score, length)
    if mix is None:
        mix = zeroed((rendered, 2), np.float32)
    elif mix.shape != (rendered, 2):
        raise ValueError(f"mix must have shape {(rendered, 2)}, got {mix.shape}")
    kept: dict[str, Stem] = {}
    if plans is None:
        plans = plan_mix(score, score.tracks, soundfont)  # one balance for the whole piece
    if len(score.tracks) <= Synth.MAX_GROUPS:
        passes = _halves(score, plans, soundfont)
        any_reverb, stems_by_track = _render_at_once(score, passes, plans, soundfont, mix, stems, rendered, release,
                                                     None if score.loop else progress)
        kept.update((score.tracks[i].name, stems_by_track[i]) for i in sorted(stems_by_track))
    else:
        any_reverb = False
        step = Synth.MAX_GROUPS
        for first in range(0, len(score.tracks), step):  # past 128 tracks, further passes add to the mix
            tracks = score.tracks[first : first + step]
            stems_of_pass, reverb = _render_tracks(score, tracks, plans[first : first + step], soundfont, mix,
                                                   stems, rendered, release)
            any_reverb |= reverb
            if stems_of_pass is not None:
                kept.update((t.name, s) for t, s in zip(tracks, stems_of_pass))
    if score.loop:
        mix = _fold_loop(mix, length)
        for stem in kept.values():
            stem.fold(length)
    if progress is not None:
        progress(length)
    return Rendering(mix=mix, stems=kept, reverb=any_reverb, settings=[p.settings for p in plans])


class _Abandoned(Exception):
    """A render pass stopped because another failed."""


def _halves(score: Score, plans: list[TrackMix], soundfont: SoundFont) -> list[list[int]]:
    """The score's tracks (indices) in two passes of about equal work, rendered at once on two threads: each pass
    has its own synthesizer, and the mix is their sum (FluidSynth's voices, reverb and chorus are linear, so two
    rooms fed half the sends each sum to one room fed them all). The work is the voices each track keeps sounding
    (:func:`.mix.voice_seconds`); the drum kit and percussion stay together (they share the drum bus). Fixed by the
    score and the SoundFont alone, never by the machine, so a score renders the same everywhere."""
    work = [voice_seconds(score, t, p.settings, soundfont) for t, p in zip(score.tracks, plans)]
    drums = [i for i, t in enumerate(score.tracks) if t.is_drums]
    units = ([drums] if drums else []) + [[i] for i, t in enumerate(score.tracks) if not t.is_drums]
    cost = np.array([sum(work[i] for i in unit) for unit in units])
    if not units:
        return []
    if len(units) <= _EXACT_SPLIT:  # every split with the first unit on the first side: the most even one
        sides = (np.arange(1 << max(len(units) - 1, 0))[:, None] >> np.arange(len(units) - 1)[None, :]) & 1
        sides = np.concatenate([np.zeros((sides.shape[0], 1), dtype=sides.dtype), sides], axis=1)
        second = sides @ cost
        chosen = sides[int(np.argmin(np.abs(cost.sum() - 2 * second)))]
    else:  # largest first, each to the lighter side
        chosen = np.zeros(len(units), dtype=np.int64)
        load = [0.0, 0.0]
        for u in sorted(range(len(units)), key=lambda u: (-cost[u], units[u][0])):
            chosen[u] = 0 if load[0] <= load[1] else 1
            load[chosen[u]] += cost[u]
    halves = [sorted(i for unit, side in zip(units, chosen) if side == s for i in unit) for s in (0, 1)]
    return [half for half in halves if half]


def _render_at_once(score: Score, passes: list[list[int]], plans: list[TrackMix], soundfont: SoundFont,
                    mix: np.ndarray, stems: bool, rendered: int, release: int | None,
                    progress: Callable[[int], None] | None) -> tuple[bool, dict[int, Stem]]:
    """Render each pass on a thread of its own (FluidSynth runs outside the GIL), the first into ``mix`` and the
    others into buffers of their own that are added to it as far as every pass has got: ``progress`` hears how far
    the sum is final."""
    import threading

    buffers = [mix] + [zeroed(mix.shape, np.float32) for _ in passes[1:]]
    heads = [0] * len(passes)
    summed = [0]
    lock = threading.Lock()
    results: list[tuple[list[Stem] | None, bool] | BaseException | None] = [None] * len(passes)

    def reached(index: int, frames: int) -> None:
        with lock:
            if min(heads) < 0:
                raise _Abandoned()  # another pass failed: this one's audio is not wanted
            heads[index] = frames
            final = min(heads)
            if final > summed[0]:
                for other in buffers[1:]:  # one addition per sample, in pass order: the same sum however it runs
                    mix[summed[0] : final] += other[summed[0] : final]
                summed[0] = final
                if progress is not None:
                    progress(final)

    def run(index: int) -> None:
        tracks = [score.tracks[i] for i in passes[index]]
        try:
            results[index] = _render_tracks(score, tracks, [plans[i] for i in passes[index]], soundfont,
                                            buffers[index], stems, rendered, release,
                                            lambda frames: reached(index, frames))
            reached(index, rendered)
        except BaseException as exc:  # raised again on the calling thread
            results[index] = exc
            with lock:
                heads[index] = -1  # the others stop adding up; the error is raised below

    threads = [threading.Thread(target=run, args=(i,), name=f"render-{i}", daemon=True) for i in range(1, len(passes))]
    for thread in threads:
        thread.start()
    run(0)
    for thread in threads:
        thread.join()
    reverb = False
    kept: dict[int, Stem] = {}
    failures = [o for o in results if isinstance(o, BaseException)]
    if failures:
        raise next((f for f in failures if not isinstance(f, _Abandoned)), failures[0])
    for index, outcome in enumerate(results):
        assert outcome is not None
        stems_of_pass, used = outcome
        reverb |= used
        if stems_of_pass is not None:
            kept.update(zip(passes[index], stems_of_pass))
    return reverb, kept


def _fold_loop(audio: np.ndarray, length: int) -> np.ndarray:
    """Add what rings past the loop point back onto the start, so the end flows into the beginning."""
    folded = audio[:length]
    for start in range(length, audio.shape[0], length):
        piece = audio[start : start + length]
        folded[: piece.shape[0]] += piece
    return folded
