"""The numbers every part of the renderer shares: the rate it renders at, and the SoundFont 2.01 generator numbers
the mix adjusts per channel or reads of a patch. A leaf: :mod:`.soundfont`, :mod:`.calibrate`, :mod:`.render` and
the mix import it."""

from __future__ import annotations

__all__ = ["GEN_CHORUS_SEND", "GEN_ENVELOPE", "GEN_RELEASE", "GEN_REVERB_SEND", "GEN_SAMPLE_MODES", "SAMPLE_RATE"]

SAMPLE_RATE = 48_000
#: SoundFont 2.01 generator numbers the mix adjusts per channel.
GEN_CHORUS_SEND, GEN_REVERB_SEND, GEN_RELEASE = 15, 16, 38
#: The volume envelope before its release (delay, attack, hold, decay: timecents; sustain: centibels under the
#: peak), and whether the sample loops (0: it plays once), which say how long a voice lives.
GEN_ENVELOPE, GEN_SAMPLE_MODES = (33, 34, 35, 36, 37), 54
