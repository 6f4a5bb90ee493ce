"""The score as a Standard MIDI File (type 1), returned beside the track as ``score.mid``.

A conductor track carries the tempo map, time signature and key signature; each score track becomes one MIDI
track with its name, bank and program, the channel controllers it was rendered with (volume CC7, pan CC10,
expression CC11, reverb CC91, chorus CC93), its own controller changes and its notes. Drums play on channel 10
(index 9). General MIDI has 15 melodic channels: tracks whose channel settings are identical share one, and past
that further tracks go to MIDI port 2, 3 ... (the ``midi_port`` meta event DAWs honour).
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import mido

from .render import stem_settings
from .score import Score, Track

__all__ = ["TICKS_PER_BEAT", "allocate_channels", "score_to_midi"]

TICKS_PER_BEAT = 480
_DRUM_CHANNEL = 9
_MELODIC_CHANNELS = tuple(c for c in range(16) if c != _DRUM_CHANNEL)

_MAJOR_NAMES = ("C", "Db", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B")
_MINOR_NAMES = ("Cm", "C#m", "Dm", "Ebm", "Em", "Fm", "F#m", "Gm", "G#m", "Am", "Bbm", "Bm")
#: Semitones from a church mode's tonic up to the major key that shares its signature.
_MODE_OFFSETS = {"major": 0, "ionian": 0, "dorian": 2, "phrygian": 4, "lydian": 5, "mixolydian": 7, "locrian": 11}


@dataclass(frozen=True)
class Placement:
    port: int
    channel: int


def key_signature_name(tonic: int, mode: str) -> str:
    """mido's key name for a tonic and mode: ``(2, "minor")`` → ``"Dm"``, ``(2, "dorian")`` → ``"C"``."""
    mode = mode.lower()
    if mode in ("minor", "aeolian", "harmonic minor", "melodic minor", "harmonic_minor", "melodic_minor"):
        return _MINOR_NAMES[tonic % 12]
    return _MAJOR_NAMES[(tonic - _MODE_OFFSETS.get(mode, 0)) % 12]


def allocate_channels(score: Score) -> list[Placement]:
    """A (port, channel) for each track, in order: drums on channel 9, melodic tracks on the other fifteen."""
    placements: list[Placement] = []
    drum_kits: dict[int, int] = {}  # kit program -> port
    shared: dict[tuple, Placement] = {}
    next_slot = 0
    for track in score.tracks:
        settings = stem_settings(track, score.production)
        if track.is_drums:
            port = drum_kits.setdefault(settings.program, len(drum_kits))
            placements.append(Placement(port, _DRUM_CHANNEL))
            continue
        # Tracks may share a channel only when nothing on it would differ (and none changes controllers).
        signature = (settings.bank, settings.program, settings.volume, settings.pan, settings.reverb, settings.chorus)
        if not track.controls and signature in shared:
            placements.append(shared[signature])
            continue
        port, index = divmod(next_slot, len(_MELODIC_CHANNELS))
        next_slot += 1
        placement = Placement(port, _MELODIC_CHANNELS[index])
        if not track.controls:
            shared[signature] = placement
        placements.append(placement)
    return placements


def _ticks(beat: float) -> int:
    return max(0, int(round(beat * TICKS_PER_BEAT)))


def _conductor(score: Score) -> mido.MidiTrack:
    events: list[tuple[int, int, mido.MetaMessage]] = []
    numerator, denominator = score.time_signature
    events.append((0, 0, mido.MetaMessage("track_name", name="conductor")))
    events.append((0, 1, mido.MetaMessage("time_signature", numerator=numerator, denominator=denominator,
                                          clocks_per_click=24, notated_32nd_notes_per_beat=8)))
    events.append((0, 2, mido.MetaMessage("key_signature", key=key_signature_name(score.key_tonic, score.key_mode))))
    for change in sorted(score.tempo, key=lambda t: t.beat):
        bpm = min(max(change.bpm, 4.0), 1000.0)
        events.append((_ticks(change.beat), 3, mido.MetaMessage("set_tempo", tempo=mido.bpm2tempo(bpm))))
    return _to_track(events, _ticks(score.length_beats))


def _note_track(score: Score, track: Track, placement: Placement) -> mido.MidiTrack:
    settings = stem_settings(track, score.production)
    ch = placement.channel
    events: list[tuple[int, int, mido.Message | mido.MetaMessage]] = [
        (0, 0, mido.MetaMessage("track_name", name=track.name)),
        (0, 1, mido.MetaMessage("midi_port", port=placement.port)),
    ]
    setup = []
    if not track.is_drums and settings.bank:
        setup.append(mido.Message("control_change", channel=ch, control=0, value=min(settings.bank, 127)))
    setup.append(mido.Message("program_change", channel=ch, program=settings.program))
    for control, value in ((7, settings.volume), (10, settings.pan), (11, 127), (91, settings.reverb),
                           (93, settings.chorus)):
        setup.append(mido.Message("control_change", channel=ch, control=control, value=value))
    events += [(0, 2, message) for message in setup]
    for control in track.controls:
        if 0 <= control.controller <= 127:
            value = min(127, max(0, control.value))
            events.append((_ticks(control.time), 3, mido.Message("control_change", channel=ch,
                                                                  control=control.controller, value=value)))
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
        events.append((start, 5, mido.Message("note_on", channel=ch, note=note.pitch, velocity=velocity)))
        events.append((end, 4, mido.Message("note_off", channel=ch, note=note.pitch, velocity=0)))
    return _to_track(events, _ticks(score.length_beats))


def _to_track(events: list, end_tick: int) -> mido.MidiTrack:
    """Sort (tick, order, message) events (note-offs before note-ons at a tick) and write delta times."""
    track = mido.MidiTrack()
    now = 0
    for tick, _, message in sorted(events, key=lambda e: (e[0], e[1])):
        track.append(message.copy(time=tick - now))
        now = tick
    track.append(mido.MetaMessage("end_of_track", time=max(0, end_tick - now)))
    return track


def score_to_midi(score: Score) -> bytes:
    """The Standard MIDI File bytes of ``score``."""
    midi = mido.MidiFile(type=1, ticks_per_beat=TICKS_PER_BEAT)
    midi.tracks.append(_conductor(score))
    for track, placement in zip(score.tracks, allocate_channels(score)):
        midi.tracks.append(_note_track(score, track, placement))
    buffer = io.BytesIO()
    midi.save(file=buffer)
    return buffer.getvalue()
