"""The live player: bars of composed scores played through one persistent synthesizer, 200 ms at a time.

A live session (:mod:`.live`) decides, bar by bar, which score plays, which bar of it, at what tempo, which roles are
muted and how bright the master is (:class:`BarSpec`). The player turns each bar into synthesizer events on its own
timeline, a little before the bar is heard, and renders the events in order. Nothing is reset between bars: a note
that started in one score rings on into the next, controllers carry over, and a track that continues from one score
into the next keeps its MIDI channel. A track that appears gets a free channel (the one quiet longest), set up at the
bar line; a track that leaves lifts its sustain pedal there and lets its notes end as written.

The master is causal (:mod:`.live_master`): a fixed gain from the mix plan's estimated level, a gentle tilt EQ for
brightness, and a look-ahead peak limiter. Its look-ahead is rendered ahead of the output, so output frame ``n`` is
synthesizer frame ``n`` and a bar's start frame is where its change is heard.

Determinism: the synthesizer is fresh per piece, events land on FluidSynth's 64-frame blocks at frames that depend
only on the bars' specs, and the master holds no time-dependent state, so the same specs give the same samples.
"""

from __future__ import annotations

import heapq
import math
import threading
from dataclasses import dataclass
from typing import Callable

import numpy as np

from .live_master import LIMITER_DELAY, LiveMaster
from .mix import CHORUS_WIDTH, FLUID_CHORUS_WIDTH, SEND_SCALE, TrackMix, narrow, plan_mix, room
from .render import _probe_keys, rpn_bend_range
from .score import Score, Track
from .sf2 import GEN_CHORUS_SEND, GEN_REVERB_SEND, SAMPLE_RATE
from .soundfont import SoundFont, Synth

__all__ = ["BarSpec", "Player", "ScoreBars"]

_BLOCK = 64
#: MIDI channels of the live synthesizer: room for every track of two scores at a switch, and quiet spares.
CHANNELS = 32
#: A note performed this early (beats) before a bar line belongs to that bar.
_EARLY_BEATS = 0.125
#: Level (RMS dBFS) the fixed gain aims the mix at, before the limiter.
_TARGET_DB = -17.0
_GAIN_LIMITS_DB = (-12.0, 24.0)
_DEFAULT_CONTROLLERS = {1: 0, 11: 127, 64: 0}
_SEND_GENERATORS = {91: GEN_REVERB_SEND, 93: GEN_CHORUS_SEND}
# event kinds, in the order they apply at one frame
_SETUP, _OFF, _ON = 0, 1, 2
_DRUMS, _PROGRAM, _CC, _GEN, _BEND, _SEND, _NOTE = range(7)

#: Mix plans measure the SoundFont (a cache kept on it, not thread-safe): one plan at a time per process.
_MIX_LOCK = threading.Lock()
_PROBES: dict[str, "_PatchProbe"] = {}
_PROBES_LOCK = threading.Lock()


@dataclass(frozen=True)
class BarSpec:
    """What one bar plays."""

    score: "ScoreBars"
    bar: int  #: the bar of the score
    bpm: float
    muted: frozenset[str] = frozenset()  #: roles that start no notes in this bar
    brightness: float = 0.5  #: 0 dark .. 1 bright


class _PatchProbe:
    """The patches' own reverb and chorus sends, asked once per process of a probe synthesizer (the live ones are
    never disturbed by probe notes)."""

    def __init__(self, soundfont: SoundFont) -> None:
        self.synth = soundfont.synth(channels=16, groups=1)
        self.lock = threading.Lock()
        self.cache: dict[tuple, tuple[float, float]] = {}

    def sends(self, track: Track, bank: int, program: int) -> tuple[float, float]:
        keys = tuple(_probe_keys(track))
        key = (bank, program, track.is_drums, keys)
        with self.lock:
            if key not in self.cache:
                channel = 9 if track.is_drums else 0
                self.synth.set_drums(channel, track.is_drums)
                self.synth.program(channel, bank, program)
                values = self.synth.patch_generators(channel, keys, 100, (GEN_REVERB_SEND, GEN_CHORUS_SEND))
                values = np.nan_to_num(values, nan=0.0)
                self.cache[key] = (float(values[0]), float(values[1]))
            return self.cache[key]


def _probe_for(soundfont: SoundFont) -> _PatchProbe:
    with _PROBES_LOCK:
        probe = _PROBES.get(str(soundfont.path))
        if probe is None:
            probe = _PROBES[str(soundfont.path)] = _PatchProbe(soundfont)
        return probe


class ScoreBars:
    """A looping score cut into bars, with its mix: what the player reads when the score plays."""

    def __init__(self, score: Score, soundfont: SoundFont) -> None:
        self.score = score
        self.bar_beats = score.bar_beats
        self.bars = max(1, int(round(score.length_beats / self.bar_beats)))
        self.tracks = list(score.tracks)
        with _MIX_LOCK:
            self.mix: list[TrackMix] = plan_mix(score, self.tracks, soundfont)
        probe = _probe_for(soundfont)
        self.own = [probe.sends(t, m.settings.bank, m.settings.program) for t, m in zip(self.tracks, self.mix)]
        levels = [m.level_db for m in self.mix if math.isfinite(m.level_db)]
        total = 10 * math.log10(sum(10 ** (level / 10) for level in levels)) if levels else _TARGET_DB
        self.gain_db = min(max(_TARGET_DB - total, _GAIN_LIMITS_DB[0]), _GAIN_LIMITS_DB[1])
        self.room = room(score.production)[0]
        bb, bars = self.bar_beats, self.bars
        self.notes: list[list[list[tuple[float, float, int, int]]]] = []
        self.controls: list[list[list[tuple[float, int, int]]]] = []
        self.bends: list[list[list[tuple[float, int]]]] = []
        for track in self.tracks:
            notes: list[list[tuple[float, float, int, int]]] = [[] for _ in range(bars)]
            for n in track.notes:
                if 0 <= n.pitch <= 127 and n.duration > 0 and n.velocity > 0:
                    bar = int(math.floor((n.start + _EARLY_BEATS) / bb))
                    notes[bar % bars].append((n.start - bar * bb, n.duration, n.pitch, min(n.velocity, 127)))
            controls: list[list[tuple[float, int, int]]] = [[] for _ in range(bars)]
            for c in track.controls:
                if 0 <= c.controller <= 127:
                    bar = int(math.floor(c.time / bb))
                    controls[bar % bars].append((c.time - bar * bb, c.controller, int(min(max(c.value, 0), 127))))
            bends: list[list[tuple[float, int]]] = [[] for _ in range(bars)]
            for b in track.bends:
                bar = int(math.floor(b.time / bb))
                bends[bar % bars].append((b.time - bar * bb, int(min(max(b.value + 8192, 0), 16383))))
            self.notes.append(notes)
            self.controls.append(controls)
            self.bends.append(bends)

    def controllers_at(self, index: int, bar: int) -> dict[int, int]:
        """The expression, modulation and pedal of track ``index`` as its score stands at the start of ``bar``
        (what the score set last before it, around the loop)."""
        values = dict(_DEFAULT_CONTROLLERS)
        latest: dict[int, tuple[float, int]] = {}
        start = bar * self.bar_beats
        length = self.bars * self.bar_beats
        for c in self.tracks[index].controls:
            if c.controller in _DEFAULT_CONTROLLERS:
                before = (start - c.time) % length or length  # how long before the bar line, around the loop
                if c.controller not in latest or before < latest[c.controller][0]:
                    latest[c.controller] = (before, int(min(max(c.value, 0), 127)))
        values.update({controller: value for controller, (_, value) in latest.items()})
        return values


def _track_key(track: Track, mix: TrackMix) -> tuple:
    return track.name, mix.settings.bank, mix.settings.program, track.is_drums


class Player:
    """One piece played bar after bar: :meth:`render` hands out mastered float32 audio, ``(frames, 2)``.

    ``plan(bar)`` is called once per bar, in order, an eighth of a beat before the bar is rendered;
    ``on_bar(bar, frame)`` after each bar is planned, with the frame where it starts.
    """

    def __init__(self, soundfont: SoundFont, plan: Callable[[int], BarSpec], *,
                 on_bar: Callable[[int, int], None] | None = None) -> None:
        self.plan, self.on_bar = plan, on_bar
        self.synth: Synth = soundfont.synth(channels=CHANNELS, groups=1)
        self.master = LiveMaster()
        self.rendered = 0  # synthesizer frames rendered
        self.out = 0  # frames handed out (the look-ahead is rendered beyond them)
        self.next_bar, self.next_bar_frame = 0, 0
        self.bpm = 0.0
        self.seg_bar, self.seg_frame = 0, 0  # where the current tempo began
        self.bars: ScoreBars | None = None
        self.channel_of: list[int] = []  # channel of each track of the current score
        self.key_channel: dict[tuple, int] = {}
        self.busy_until = [0] * CHANNELS  # last scheduled note-off of each channel
        self.own = np.zeros((CHANNELS, 2))  # the patch's own sends on each channel, cancelled by offsets
        self.events: list[tuple[int, int, int, int, int, int, int, int]] = []
        self.seq = 0
        self.sounding: dict[tuple[int, int], int] = {}  # (channel, key) -> the note holding it
        rows = 6
        self._buf = np.zeros((rows, 0), dtype=np.float32)
        self._rows = np.zeros(rows, dtype=np.uint64)

    def close(self) -> None:
        self.synth.close()

    def _push(self, frame: int, order: int, kind: int, channel: int, a: int, b: int = 0, token: int = 0) -> None:
        self.seq += 1
        heapq.heappush(self.events, (frame, order, self.seq, kind, channel, a, b, token))

    # -- bars ------------------------------------------------------------------------------------------------

    def _schedule_bar(self) -> None:
        bar, start = self.next_bar, self.next_bar_frame
        spec = self.plan(bar)
        if spec.bpm != self.bpm:
            self.bpm, self.seg_bar, self.seg_frame = spec.bpm, bar, start
        spb = 60.0 / spec.bpm * SAMPLE_RATE  # frames per beat
        if spec.score is not self.bars:
            # channels are set up before the bar's earliest (pushed) note
            ready = max(start - int(math.ceil(_EARLY_BEATS * spb)) - _BLOCK, self.rendered)
            self._switch(spec.score, spec.bar, start, ready)
        bars = spec.score
        self.next_bar = bar + 1
        self.next_bar_frame = self.seg_frame + int(round((bar + 1 - self.seg_bar) * bars.bar_beats * spb))
        self.master.brightness.set(start, spec.brightness)
        cb = spec.bar % bars.bars
        earliest = self.rendered
        for index, track in enumerate(bars.tracks):
            channel = self.channel_of[index]
            for offset, controller, value in bars.controls[index][cb]:
                frame = max(start + int(round(offset * spb)), earliest)
                kind = _SEND if controller in _SEND_GENERATORS else _CC
                self._push(frame, _SETUP, kind, channel, controller, value)
            for offset, value in bars.bends[index][cb]:
                self._push(max(start + int(round(offset * spb)), earliest), _SETUP, _BEND, channel, value)
            if track.role in spec.muted:
                continue
            for offset, duration, pitch, velocity in bars.notes[index][cb]:
                on = max(start + int(round(offset * spb)), earliest)
                off = max(start + int(round((offset + duration) * spb)), on + _BLOCK)
                self.seq += 1
                token = self.seq
                self._push(on, _ON, _NOTE, channel, pitch, velocity, token)
                self._push(off, _OFF, _NOTE, channel, pitch, 0, token)
                self.busy_until[channel] = max(self.busy_until[channel], off)
        if self.on_bar is not None:
            self.on_bar(bar, start)

    def _switch(self, bars: ScoreBars, bar: int, frame: int, ready: int) -> None:
        """From ``frame`` on, ``bars`` plays: its tracks keep the channels they had, or take free ones, set up at
        ``ready``."""
        if self.bars is None:  # the room is the first score's for the whole piece: set before anything sounds
            self.synth.reset(reverb=bars.room, chorus=True)
        keys = [_track_key(t, m) for t, m in zip(bars.tracks, bars.mix)]
        taken = {self.key_channel[k] for k in keys if k in self.key_channel}
        channel_of: list[int] = []
        fresh: list[bool] = []
        for key, track in zip(keys, bars.tracks):
            channel = self.key_channel.get(key)
            if channel is None or channel in channel_of:
                spare = [c for c in range(CHANNELS) if c not in taken and c not in channel_of]
                channel = min(spare, key=lambda c: (self.busy_until[c], c))
                for old in [k for k, c in self.key_channel.items() if c == channel]:
                    del self.key_channel[old]
                self.key_channel[key] = channel
                fresh.append(True)
            else:
                fresh.append(False)
            channel_of.append(channel)
        for old in set(self.channel_of) - set(channel_of):
            self._push(frame, _SETUP, _CC, old, 64, 0)  # a part that leaves lets go of its pedal
        for index, (track, mix, channel) in enumerate(zip(bars.tracks, bars.mix, channel_of)):
            s = mix.settings
            if fresh[index]:
                self._push(ready, _SETUP, _DRUMS, channel, int(track.is_drums))
                self._push(frame, _SETUP, _PROGRAM, channel, s.bank, s.program)
                for controller, value in rpn_bend_range(track.bend_range) + [(91, 0), (93, 0)]:
                    self._push(ready, _SETUP, _CC, channel, controller, value)
            own_reverb, own_chorus = bars.own[index]
            self.own[channel] = (own_reverb, own_chorus)
            self._push(ready, _SETUP, _GEN, channel, GEN_REVERB_SEND, int(round(1000.0 * mix.reverb - own_reverb)))
            self._push(ready, _SETUP, _GEN, channel, GEN_CHORUS_SEND, int(round(1000.0 * mix.chorus - own_chorus)))
            for controller, value in ((7, s.volume), (10, s.pan), *bars.controllers_at(index, bar).items()):
                self._push(ready, _SETUP, _CC, channel, controller, value)
            self._push(ready, _SETUP, _BEND, channel, 8192)
        self.bars, self.channel_of = bars, channel_of
        self.master.gain.set(frame, bars.gain_db)

    # -- audio -----------------------------------------------------------------------------------------------

    def _apply(self, event: tuple[int, int, int, int, int, int, int, int]) -> None:
        _, _, _, kind, channel, a, b, token = event
        synth = self.synth
        if kind == _NOTE:
            held = self.sounding.get((channel, a))
            if b:  # note on: a key still held by an earlier note is let go first, so the new one sounds
                if held is not None:
                    synth.note_off(channel, a)
                synth.note_on(channel, a, b)
                self.sounding[(channel, a)] = token
            elif held == token:
                synth.note_off(channel, a)
                del self.sounding[(channel, a)]
        elif kind == _CC:
            synth.cc(channel, a, b)
        elif kind == _SEND:
            column = 0 if a == 91 else 1
            synth.set_gen(channel, _SEND_GENERATORS[a], 1000.0 * SEND_SCALE * b / 127 - self.own[channel, column])
        elif kind == _GEN:
            synth.set_gen(channel, a, float(b))
        elif kind == _BEND:
            synth.pitch_bend(channel, a)
        elif kind == _PROGRAM:
            synth.program(channel, a, b)
        elif kind == _DRUMS:
            synth.set_drums(channel, bool(a))

    def _synthesize(self, frames: int) -> np.ndarray:
        """The next ``frames`` frames of the synthesizer, dry plus effects, planar (2, frames)."""
        start = self.rendered
        end = start + frames
        if self._buf.shape[1] < frames:
            self._buf = np.zeros((6, frames), dtype=np.float32)
        buf = self._buf[:, :frames]
        buf[:] = 0.0
        base = np.uint64(self._buf.ctypes.data)
        stride = np.uint64(self._buf.shape[1] * 4)
        rows = base + np.arange(6, dtype=np.uint64) * stride
        at = np.empty(6, dtype=np.uint64)
        # a bar is planned once its earliest (pushed) note is due in this block of audio
        lookahead = int(_EARLY_BEATS * 60.0 / self.bpm * SAMPLE_RATE) + 2 * _BLOCK if self.bpm else 0
        position = start
        while True:
            while self.next_bar_frame <= end + lookahead:
                self._schedule_bar()
            due = -(-self.events[0][0] // _BLOCK) * _BLOCK if self.events else end
            stop = min(max(due, position), end)
            if stop > position:
                np.add(rows, np.uint64((position - start) * 4), out=at)
                self.synth.process(stop - position, at[2:].ctypes.data, 4, at[:2].ctypes.data, 2)
                position = stop
            if position >= end:
                break
            while self.events and self.events[0][0] <= position:
                self._apply(heapq.heappop(self.events))
        self.rendered = end
        dry, fx = buf[0:2], buf[2:6]
        narrow(fx[2:4], CHORUS_WIDTH / FLUID_CHORUS_WIDTH)
        return dry + fx[0:2] + fx[2:4]

    def render(self, frames: int) -> np.ndarray:
        """The next ``frames`` frames of the piece, mastered: float32 ``(frames, 2)`` within -1 dBFS."""
        ahead = self.out + frames + LIMITER_DELAY - self.rendered
        audio = self._synthesize(ahead)
        out = self.master.process(audio, self.rendered - ahead, frames)
        self.out += frames
        return out
