"""The numbers every part of the renderer shares: the rate it renders at, and the SoundFont 2.01 generator numbers
the mix adjusts per channel or reads of a patch. A leaf: :mod:`.soundfont`, :mod:`.calibrate`, :mod:`.render` and
the mix import it."""

from __future__ import annotations

__all__ = ["GEN_ATTENUATION", "GEN_CHORUS_SEND", "GEN_ENVELOPE", "GEN_RELEASE", "GEN_REVERB_SEND", "GEN_SAMPLE_MODES",
           "RELEASE_DB", "SAMPLE_RATE", "TAIL_DB"]

SAMPLE_RATE = 48_000
#: SoundFont 2.01 generator numbers the mix adjusts per channel.
GEN_CHORUS_SEND, GEN_REVERB_SEND, GEN_RELEASE = 15, 16, 38
#: The volume envelope before its release (delay, attack, hold, decay: timecents; sustain: centibels under the
#: peak), and whether the sample loops (0: it plays once), which say how long a voice lives.
GEN_ENVELOPE, GEN_SAMPLE_MODES = (33, 34, 35, 36, 37), 54
#: A voice's own attenuation (centibels; FluidSynth takes at most 1440): the render turns an ending voice down by it.
GEN_ATTENUATION = 48
#: How far a release takes a voice down over the patch's release time (dB): FluidSynth renders all of it.
RELEASE_DB = 96.0
#: How far under where its release began a voice is ended by the render: lost under anything else by then (the
#: decay time acousticians measure a room by), and the rest of the release costs as much to render as its start.
TAIL_DB = 60.0
