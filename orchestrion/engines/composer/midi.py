"""The score as a Standard MIDI File (type 1), returned beside the track as ``score.mid``.

A conductor track carries the tempo map, time signature and key signature; each score track becomes one MIDI
track with its name, bank and program, the channel controllers it was rendered with (volume CC7, pan CC10,
expression CC11, reverb CC91, chorus CC93), its pitch-bend range (RPN 0) when it bends, its own controller changes,
pitch bends and notes. Drums play on channel 10 (index 9). General MIDI has 15 melodic channels: tracks whose
channel settings are identical share one, and past that further tracks go to MIDI port 2, 3 ... (the
``midi_port`` meta event DAWs honour).

The file is written directly (a few thousand events, byte for byte what mido would write, at a tenth of the
cost of building message objects); tests read it back with mido.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import Sequence

from .mix import StemSettings, stem_settings
from .render import rpn_bend_range
from .score import Score, Track

__all__ = ["TICKS_PER_BEAT", "allocate_channels", "key_signature_name", "score_to_midi"]

TICKS_PER_BEAT = 480
_DRUM_CHANNEL = 9
_MELODIC_CHANNELS = tuple(c for c in range(16) if c != _DRUM_CHANNEL)

_MAJOR_NAMES = ("C", "Db", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B")
_MINOR_NAMES = ("Cm", "C#m", "Dm", "Ebm", "Em", "Fm", "F#m", "Gm", "G#m", "Am", "Bbm", "Bm")
#: Sharps (+) or flats (−) of each key name above, as the key-signature meta event stores them.
_MAJOR_SHARPS = (0, -5, 2, -3, 4, -1, 6, 1, -4, 3, -2, 5)
_MINOR_SHARPS = (-3, 4, -1, -6, 1, -4, 3, -2, 5, 0, -5, 2)
#: Semitones from a church mode's tonic up to the major key that shares its signature.
_MODE_OFFSETS = {"major": 0, "ionian": 0, "dorian": 2, "phrygian": 4, "lydian": 5, "mixolydian": 7, "locrian": 11}
_MINOR_MODES = ("minor", "aeolian", "harmonic minor", "melodic minor", "harmonic_minor", "melodic_minor")

# the order of events at one tick
_META, _SETUP, _CONTROL, _NOTE_OFF, _NOTE_ON = 0, 2, 3, 4, 5


@dataclass(frozen=True)
class Placement:
    port: int
    channel: int


def key_signature_name(tonic: int, mode: str) -> str:
    """mido's key name for a tonic and mode: ``(2, "minor")`` → ``"Dm"``, ``(2, "dorian")`` → ``"C"``."""
    mode = mode.lower()
    if mode in _MINOR_MODES:
        return _MINOR_NAMES[tonic % 12]
    return _MAJOR_NAMES[(tonic - _MODE_OFFSETS.get(mode, 0)) % 12]


def _key_signature(tonic: int, mode: str) -> tuple[int, int]:
    """(sharps or −flats, 1 for minor) of the key signature."""
    if mode.lower() in _MINOR_MODES:
        return _MINOR_SHARPS[tonic % 12], 1
    return _MAJOR_SHARPS[(tonic - _MODE_OFFSETS.get(mode.lower(), 0)) % 12], 0


def allocate_channels(score: Score, settings: Sequence[StemSettings] | None = None) -> list[Placement]:
    """A (port, channel) for each track, in order: drums on channel 9, melodic tracks on the other fifteen."""
    settings = settings or [stem_settings(t, score.production) for t in score.tracks]
    placements: list[Placement] = []
    drum_kits: dict[int, int] = {}  # kit program -> port
    shared: dict[tuple, Placement] = {}
    next_slot = 0
    for track, s in zip(score.tracks, settings):
        if track.is_drums:
            port = drum_kits.setdefault(s.program, len(drum_kits))
            placements.append(Placement(port, _DRUM_CHANNEL))
            continue
        # Tracks may share a channel only when nothing on it would differ (and none changes controllers or bends).
        signature = (s.bank, s.program, s.volume, s.pan, s.reverb, s.chorus, track.bend_range)
        alone = bool(track.controls or track.bends)
        if not alone and signature in shared:
            placements.append(shared[signature])
            continue
        port, index = divmod(next_slot, len(_MELODIC_CHANNELS))
        next_slot += 1
        placement = Placement(port, _MELODIC_CHANNELS[index])
        if not alone:
            shared[signature] = placement
        placements.append(placement)
    return placements


def _ticks(beat: float) -> int:
    return max(0, int(round(beat * TICKS_PER_BEAT)))


def _meta(kind: int, data: bytes) -> bytes:
    return bytes((0xFF, kind)) + _varlen(len(data)) + data


def _varlen(value: int) -> bytes:
    out = [value & 0x7F]
    value >>= 7
    while value:
        out.append(0x80 | (value & 0x7F))
        value >>= 7
    return bytes(reversed(out))


def _chunk(events: list[tuple[int, int, int, bytes]], end_tick: int) -> bytes:
    """An MTrk chunk of (tick, order, sequence, message bytes), note-offs before note-ons at a tick."""
    body = bytearray()
    now = 0
    running = -1  # running status: a channel message repeating the last status byte leaves it out
    for tick, _, _, message in sorted(events, key=lambda e: (e[0], e[1], e[2])):
        body += _varlen(tick - now)
        status = message[0]
        body += message[1:] if status == running else message
        running = status if status < 0xF0 else -1
        now = tick
    body += _varlen(max(0, end_tick - now)) + _meta(0x2F, b"")
    return b"MTrk" + struct.pack(">I", len(body)) + bytes(body)


def _conductor(score: Score) -> bytes:
    numerator, denominator = score.time_signature
    events = [(0, _META, 0, _meta(0x03, b"conductor"))]
    power = max(0, denominator.bit_length() - 1)
    events.append((0, _META + 1, 0, _meta(0x58, bytes((numerator & 0xFF, power, 24, 8)))))
    sharps, minor = _key_signature(score.key_tonic, score.key_mode)
    events.append((0, _META + 2, 0, _meta(0x59, struct.pack(">bB", sharps, minor))))
    for i, change in enumerate(sorted(score.tempo, key=lambda t: t.beat)):
        bpm = min(max(change.bpm, 4.0), 1000.0)
        micros = int(round(60_000_000 / bpm))
        events.append((_ticks(change.beat), _META + 3, i, _meta(0x51, micros.to_bytes(3, "big"))))
    for i, section in enumerate(score.sections):  # markers: a DAW shows the form, an edit can find it
        name = section.name.encode("utf-8", "replace")[:127]
        events.append((_ticks(section.start), _META + 4, i, _meta(0x06, name)))
    return _chunk(events, _ticks(score.length_beats))


def _note_track(track: Track, settings: StemSettings, placement: Placement, end_tick: int) -> bytes:
    ch = placement.channel
    events: list[tuple[int, int, int, bytes]] = [
        (0, _META, 0, _meta(0x03, track.name.encode("latin-1", "replace"))),
        (0, _META, 1, _meta(0x21, bytes((placement.port & 0x7F,)))),
    ]
    setup: list[bytes] = []
    if not track.is_drums and settings.bank:
        setup.append(bytes((0xB0 | ch, 0, min(settings.bank, 127))))
    setup.append(bytes((0xC0 | ch, settings.program)))
    for control, value in ((7, settings.volume), (10, settings.pan), (11, 127), (91, settings.reverb),
                           (93, settings.chorus)):
        setup.append(bytes((0xB0 | ch, control, value)))
    if track.bends or track.bend_range != 2:
        setup += [bytes((0xB0 | ch, control, value)) for control, value in rpn_bend_range(track.bend_range)]
    events += [(0, _SETUP, i, message) for i, message in enumerate(setup)]
    for i, control in enumerate(track.controls):
        if 0 <= control.controller <= 127:
            value = min(127, max(0, control.value))
            events.append((_ticks(control.time), _CONTROL, i, bytes((0xB0 | ch, control.controller, value))))
    for i, bend in enumerate(track.bends):
        value = min(max(bend.value + 8192, 0), 16383)
        events.append((_ticks(bend.time), _CONTROL, len(track.controls) + i,
                       bytes((0xE0 | ch, value & 0x7F, value >> 7))))
    notes = sorted(
        (n for n in track.notes if 0 <= n.pitch <= 127 and n.duration > 0 and n.velocity > 0),
        key=lambda n: (n.pitch, n.start),
    )
    for i, note in enumerate(notes):
        start = _ticks(note.start)
        end = max(_ticks(note.start + note.duration), start + 1)
        following = notes[i + 1] if i + 1 < len(notes) else None
        if following is not None and following.pitch == note.pitch:
            # a note-off after the next same-pitch note-on would silence that next note
            end = max(start + 1, min(end, _ticks(following.start)))
        velocity = min(127, max(1, note.velocity))
        events.append((start, _NOTE_ON, i, bytes((0x90 | ch, note.pitch, velocity))))
        events.append((end, _NOTE_OFF, i, bytes((0x80 | ch, note.pitch, 0))))
    return _chunk(events, end_tick)


def score_to_midi(score: Score, settings: Sequence[StemSettings] | None = None) -> bytes:
    """The Standard MIDI File bytes of ``score``; ``settings`` (one per track, as :attr:`.render.Rendering.settings`
    reports them) makes the file carry the faders and sends the track was rendered with."""
    settings = list(settings) if settings else [stem_settings(t, score.production) for t in score.tracks]
    if len(settings) != len(score.tracks):
        raise ValueError(f"{len(settings)} channel settings for {len(score.tracks)} tracks")
    end_tick = _ticks(score.length_beats)
    chunks = [_conductor(score)]
    for track, s, placement in zip(score.tracks, settings, allocate_channels(score, settings)):
        chunks.append(_note_track(track, s, placement, end_tick))
    header = b"MThd" + struct.pack(">IHHH", 6, 1, len(chunks), TICKS_PER_BEAT)
    return header + b"".join(chunks)
