"""Measurements of the SoundFont the mix relies on, made once per worker (see :class:`.soundfont.SoundFont`).

* How loud and how wide each patch plays on each key (:func:`measure_levels`): General MIDI fonts differ widely
  (a harp sits 15-20 dB under a saw lead at the same velocity; a velocity-layered jazz guitar plays its soft layer
  6 dB under the General MIDI curve; stereo-sampled pianos and string sections can carry sides in opposite phase).
* What a send to FluidSynth's reverb or chorus adds to a track's level (:func:`measure_effect_gains`).

Every measurement runs in a fresh synthesizer with each note on its own channel and audio group, so it does not
depend on what was measured beside it or before it: the mix built on it is the same in every worker.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from .sf2 import GEN_CHORUS_SEND, GEN_ENVELOPE, GEN_RELEASE, GEN_REVERB_SEND, GEN_SAMPLE_MODES, SAMPLE_RATE

__all__ = ["LEVEL_BATCH", "LEVEL_SECONDS", "LEVEL_VELOCITIES", "LEVEL_VELOCITY", "LEVEL_WINDOW", "Patch",
           "PatchLevel", "measure_effect_gains", "measure_levels"]

class SoundFont(Protocol):
    """What a measurement needs of :class:`.soundfont.SoundFont`: fresh synthesizers over it."""

    def synth(self, *, channels: int = 16, groups: int = 1) -> Any: ...


#: Patch loudness is measured on one note per key, this long, at this velocity, in windows of this many frames.
LEVEL_SECONDS = 1.2
LEVEL_VELOCITY = 100
LEVEL_WINDOW = 2400
#: Velocities a patch's loudness is also measured at: most patches follow General MIDI's curve (40·log10 of the
#: velocity), but velocity-layered ones (a jazz guitar) play their soft layer up to 6 dB under it.
LEVEL_VELOCITIES = (40, 70, 100)
#: Most notes measured side by side in one synthesizer.
LEVEL_BATCH = 64

Patch = tuple[int, int, bool, int]  #: (bank, program, drums, key) of one measured note


@dataclass(frozen=True)
class PatchLevel:
    """One measured note: its power (mean square of both channels, as a stem's RMS is read) per window of
    :data:`LEVEL_WINDOW` frames at :data:`LEVEL_VELOCITY`, and the share of its stereo energy in the mid (1 for a
    mono patch; 0.5 for unrelated sides; less for sides in opposite phase, as spaced-microphone samples can be)."""

    energy: np.ndarray
    mid: float
    release: float  #: seconds the patch takes to fall silent (96 dB) after the key is let go
    #: dB the note plays over (+) or under (−) the General MIDI velocity curve at each of :data:`LEVEL_VELOCITIES`
    layers: tuple[float, ...] = ()
    voices: int = 1  #: voices (samples at once) the note starts: what it costs FluidSynth per second they live
    #: the volume envelope while the key is held: seconds before it decays, seconds of its decay (over 96 dB), and
    #: the dB under the peak it sustains at
    envelope: tuple[float, float, float] = (0.0, 0.0, 0.0)
    looped: bool = True  #: whether the samples loop (one that does not ends when it has played)


_GAIN_PROGRAM = 48  # string ensemble: a chord of it measures the effects


def measure_levels(soundfont: SoundFont, batch: list[Patch]) -> dict[Patch, PatchLevel]:
    """Measure each (bank, program, drums, key) of ``batch`` (see :meth:`.soundfont.SoundFont.levels`)."""
    frames = int(LEVEL_SECONDS * SAMPLE_RATE) // LEVEL_WINDOW * LEVEL_WINDOW
    layers = len(LEVEL_VELOCITIES)
    n = len(batch) * layers  # channel = patch * layers + velocity layer
    out = np.zeros((2 * n, frames), dtype=np.float32)
    rows = out.ctypes.data + np.arange(2 * n, dtype=np.uint64) * np.uint64(frames * 4)
    with soundfont.synth(channels=n, groups=n) as synth:
        release = np.zeros(len(batch))
        voices = np.zeros(len(batch), dtype=np.int64)
        envelopes: list[tuple[float, float, float]] = []
        looped = np.ones(len(batch), dtype=bool)
        for i, (bank, program, drums, key) in enumerate(batch):
            synth.set_drums(i, drums)
            synth.program(i, bank, program)
            values = synth.patch_generators(i, [key], LEVEL_VELOCITY, (GEN_RELEASE, *GEN_ENVELOPE, GEN_SAMPLE_MODES))
            if np.isfinite(values).all():
                seconds = 2.0 ** (values[:5] / 1200)  # timecents (release, delay, attack, hold, decay)
                release[i] = seconds[0]
                envelopes.append((float(seconds[1:4].sum()), float(seconds[4]), float(values[5]) / 10))
                looped[i] = values[6] >= 0.5
            else:
                envelopes.append((0.0, 0.0, 0.0))
            voices[i] = synth.note_voices(i, key, LEVEL_VELOCITY)
        synth.reset(reverb=(0.5, 0.5, 0.5, 0.0), chorus=False)
        for channel in range(n):
            bank, program, drums, _ = batch[channel // layers]
            synth.set_drums(channel, drums)
            synth.program(channel, bank, program)
            for controller, value in ((7, 127), (10, 64), (11, 127), (91, 0), (93, 0)):
                synth.cc(channel, controller, value)
        for channel in range(n):
            synth.note_on(channel, batch[channel // layers][3], LEVEL_VELOCITIES[channel % layers])
        synth.process(frames, 0, 0, rows.ctypes.data, 2 * n)
    audio = out.astype(np.float64).reshape(len(batch), layers, 2, frames)
    energy = np.square(audio).reshape(len(batch), layers, 2, -1, LEVEL_WINDOW).mean(axis=(2, 4))
    total = np.maximum(energy.sum(axis=2), 1e-30)  # (patches, layers)
    law = 4 * np.log10(np.array(LEVEL_VELOCITIES) / LEVEL_VELOCITY)  # the General MIDI velocity curve (in bels)
    reference = LEVEL_VELOCITIES.index(LEVEL_VELOCITY)
    layered = 10 * (np.log10(total / total[:, reference : reference + 1]) - law[None, :])
    played = audio[:, reference]
    mid = np.square(played.sum(axis=1) / 2).sum(axis=1)
    side = np.square((played[:, 0] - played[:, 1]) / 2).sum(axis=1)
    share = np.where(mid + side > 0, mid / np.maximum(mid + side, 1e-300), 1.0)
    return {patch: PatchLevel(energy[i, reference], float(share[i]), float(release[i]),
                              tuple(float(x) for x in layered[i]), int(voices[i]), envelopes[i], bool(looped[i]))
            for i, patch in enumerate(batch)}


def measure_effect_gains(soundfont: SoundFont, size: tuple[float, float, float, float], chorus_side: float
                         ) -> tuple[float, float]:
    """Energy of the reverb return (room ``size``) and of the chorus return (its side scaled by ``chorus_side``)
    for a string section's chord sent fully to each, over the dry chord's (see
    :meth:`.soundfont.SoundFont.effect_gains`). A chord over three octaves, because a single steady tone excites a
    few of the room's modes and reads anywhere from half to four times as loud."""
    frames = 3 * SAMPLE_RATE
    dry = np.zeros((4, frames), dtype=np.float32)
    fx = np.zeros((4, frames), dtype=np.float32)
    dry_rows = dry.ctypes.data + np.arange(4, dtype=np.uint64) * np.uint64(frames * 4)
    fx_rows = fx.ctypes.data + np.arange(4, dtype=np.uint64) * np.uint64(frames * 4)
    keys = range(48, 84, 3)
    with soundfont.synth(channels=2, groups=2) as synth:
        own = []
        for channel in range(2):
            synth.program(channel, 0, _GAIN_PROGRAM)
            own.append(np.nan_to_num(synth.patch_generators(channel, [60], LEVEL_VELOCITY,
                                                            (GEN_REVERB_SEND, GEN_CHORUS_SEND))))
        synth.reset(reverb=size, chorus=True)
        for channel, (reverb, chorus) in enumerate(((1.0, 0.0), (0.0, 1.0))):
            synth.program(channel, 0, _GAIN_PROGRAM)
            for controller, value in ((7, 127), (10, 64), (11, 127), (91, 0), (93, 0)):
                synth.cc(channel, controller, value)
            synth.set_gen(channel, GEN_REVERB_SEND, 1000.0 * reverb - own[channel][0])
            synth.set_gen(channel, GEN_CHORUS_SEND, 1000.0 * chorus - own[channel][1])
            for key in keys:
                synth.note_on(channel, key, LEVEL_VELOCITY)
        synth.process(frames, fx_rows.ctypes.data, 4, dry_rows.ctypes.data, 4)
    steady = slice(frames // 3, frames)
    dry_energy = np.square(dry[:, steady], dtype=np.float64).sum(axis=1)
    reverb = float(np.square(fx[0:2, steady], dtype=np.float64).sum())
    chorus = fx[2:4, steady].astype(np.float64)
    mid, side = (chorus[0] + chorus[1]) / 2, (chorus[0] - chorus[1]) / 2  # L² + R² = 2 (M² + S²)
    chorus_energy = 2 * float(np.square(mid).sum() + chorus_side**2 * np.square(side).sum())
    return (reverb / max(float(dry_energy[0:2].sum()), 1e-30),
            chorus_energy / max(float(dry_energy[2:4].sum()), 1e-30))
