"""The score: what the compose stage hands the render stage.

Times are in beats (quarter notes) against a tempo map, so a ritardando at the end stays a score property and the
MIDI export keeps real bars. Pitches are MIDI numbers; drums follow General MIDI's percussion map on channel 10.
The render stage reads only this module's types; the compose stage writes only these.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field

__all__ = ["Control", "Note", "Score", "Section", "TempoChange", "Track"]


@dataclass(frozen=True, slots=True)
class Note:
    start: float  #: beats from the start of the piece
    duration: float  #: beats
    pitch: int  #: MIDI note number 0-127
    velocity: int  #: 1-127


@dataclass(frozen=True, slots=True)
class Control:
    """A controller change (CC11 expression swells, CC64 sustain pedal, CC1 modulation ...)."""

    time: float  #: beats
    controller: int
    value: int


@dataclass(frozen=True, slots=True)
class TempoChange:
    beat: float
    bpm: float


@dataclass(frozen=True, slots=True)
class Section:
    name: str  #: "intro", "verse", "chorus", "bridge", "outro" ...
    start: float  #: beats
    length: float  #: beats
    energy: float  #: 0.0-1.0, drives density and dynamics


@dataclass
class Track:
    name: str  #: stem name, unique in the score: "strings", "horns", "drums" ...
    role: str  #: "melody", "counter", "harmony", "pad", "bass", "arp", "drums", "percussion"
    program: int  #: General MIDI program 0-127 (ignored for drums)
    is_drums: bool = False
    notes: list[Note] = field(default_factory=list)
    controls: list[Control] = field(default_factory=list)
    pan: float = 0.0  #: -1.0 (left) .. 1.0 (right)
    volume: float = 0.8  #: 0.0-1.0, CC7
    reverb: float = 0.3  #: 0.0-1.0, CC91 send
    chorus: float = 0.0  #: 0.0-1.0, CC93 send
    bank: int = 0  #: SoundFont bank (128 for drum kits is implied by is_drums)


@dataclass
class Score:
    tempo: list[TempoChange]  #: at least one change, the first at beat 0
    time_signature: tuple[int, int]  #: (numerator, denominator), e.g. (3, 4), (6, 8)
    key_tonic: int  #: pitch class 0-11 (C=0)
    key_mode: str  #: "major" or "minor" (or a church mode name)
    tracks: list[Track]
    sections: list[Section] = field(default_factory=list)
    length_beats: float = 0.0  #: where the music ends (before the release tail)
    tail_seconds: float = 2.0  #: let notes and reverb ring out after the last beat
    #: Production hints the render and master stages honour: "lofi", "vinyl", "hall", "dry", "live" ...
    production: frozenset[str] = frozenset()
    #: The piece loops: its end flows back into its start (no release tail, no fade).
    loop: bool = False

    def bpm_at(self, beat: float) -> float:
        index = bisect.bisect_right([t.beat for t in self.tempo], beat) - 1
        return self.tempo[max(index, 0)].bpm

    def seconds_at(self, beat: float) -> float:
        """Wall-clock seconds at ``beat`` following the tempo map."""
        seconds = 0.0
        for i, change in enumerate(self.tempo):
            end = self.tempo[i + 1].beat if i + 1 < len(self.tempo) else float("inf")
            if beat <= change.beat:
                break
            span = min(beat, end) - change.beat
            seconds += span * 60.0 / change.bpm
        return seconds

    @property
    def duration_seconds(self) -> float:
        """Length of the rendered audio: music plus release tail (no tail when looping)."""
        return self.seconds_at(self.length_beats) + (0.0 if self.loop else self.tail_seconds)
