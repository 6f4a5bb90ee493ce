"""The score: what the compose stage hands the render stage.

Times are in beats (quarter notes) against a tempo map, so a ritardando at the end stays a score property and the
MIDI export keeps real bars. Pitches are MIDI numbers; drums follow General MIDI's percussion map on channel 10.
The render stage reads only this module's types; the compose stage writes only these.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field

__all__ = ["Bend", "ChordSpan", "Control", "KeyChange", "Note", "Score", "Section", "TempoChange", "Track"]


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
class Bend:
    """A pitch-bend change: ``value`` -8192..8191 spans the track's :attr:`Track.bend_range` either way."""

    time: float  #: beats
    value: int


@dataclass(frozen=True, slots=True)
class ChordSpan:
    """The harmony in force over a span of the piece (one per chord change): what a lead sheet would print."""

    start: float  #: beats
    length: float  #: beats
    root: int  #: pitch class
    bass: int  #: pitch class of the lowest note (the root unless inverted, a passing bass or a pedal)
    pitch_classes: tuple[int, ...]  #: the chord's pitch classes, root first
    symbol: str  #: "Am7", "G/B", "F#dim"
    numeral: str = ""  #: "vi7", "V/V" ... against the key in force


@dataclass(frozen=True, slots=True)
class KeyChange:
    """The key from ``beat`` on (a last-chorus lift, an AABA bridge in the IV)."""

    beat: float
    tonic: int  #: pitch class
    mode: str


@dataclass(frozen=True, slots=True)
class TempoChange:
    beat: float
    bpm: float


@dataclass(frozen=True, slots=True)
class Section:
    name: str  #: "intro", "verse", "chorus", "bridge", "breakdown", "build", "drop", "outro", "ending" ...
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
    #: Pitch-bend changes, and the bend range (semitones, set by RPN 0 before the first note) they span.
    bends: list[Bend] = field(default_factory=list)
    bend_range: int = 2
    instrument: str = ""  #: catalogue id (:mod:`.instruments`) of what plays the part
    named: bool = False  #: the prompt named this instrument: it must be heard, near the lead's level
    featured: bool = False  #: the prompt featured it ("solo", "prominent", "led by"): it carries the tune


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
    #: The chords, one span per change, in order (what a lead sheet prints; the bench reads the bass against them).
    chords: list[ChordSpan] = field(default_factory=list)
    #: Where the key changes, in order (empty: the piece stays in ``key_tonic``/``key_mode`` throughout).
    keys: list[KeyChange] = field(default_factory=list)
    style: str = ""  #: the style that wrote it (a key of :data:`.styles.STYLES`): the performance layer reads it
    energy: float = 0.5  #: the prompt's energy 0-1: the performance layer scales dynamics by it
    #: End on a fade rather than on the final hit's natural decay (only when the prompt asks for a fade).
    fade_out: bool = False

    @property
    def bar_beats(self) -> float:
        """Bar length in quarter notes: 4 for 4/4, 3 for 6/8, 3.5 for 7/8."""
        numerator, denominator = self.time_signature
        return numerator * 4.0 / denominator

    def key_at(self, beat: float) -> tuple[int, str]:
        """(tonic, mode) in force at ``beat``."""
        current = (self.key_tonic, self.key_mode)
        for change in self.keys:
            if change.beat <= beat + 1e-9:
                current = (change.tonic, change.mode)
        return current

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
