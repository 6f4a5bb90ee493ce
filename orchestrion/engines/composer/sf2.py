"""The numbers every part of the renderer shares: the rate it renders at, and the SoundFont 2.01 generator numbers
the mix adjusts per channel. A leaf: :mod:`.soundfont`, :mod:`.calibrate`, :mod:`.render` and the mix import it."""

from __future__ import annotations

__all__ = ["GEN_CHORUS_SEND", "GEN_RELEASE", "GEN_REVERB_SEND", "SAMPLE_RATE"]

SAMPLE_RATE = 48_000
#: SoundFont 2.01 generator numbers the mix adjusts per channel.
GEN_CHORUS_SEND, GEN_REVERB_SEND, GEN_RELEASE = 15, 16, 38
