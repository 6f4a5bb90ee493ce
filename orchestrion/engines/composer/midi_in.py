"""A client's Standard MIDI File read into the composer's terms: parts of notes in beats, the tempo map, the metre,
the key, the tune and the chords bar by bar.

:func:`read_midi` parses and validates the bytes (mido reads the events; every refusal is a :class:`MidiError`
whose message a client can act on) into a :class:`MidiPiece`. ``midi_mode: "render"`` plays its parts as score
tracks (:func:`to_tracks`); ``"arrange"`` takes its tune (:func:`melody`) and its harmony (:func:`bar_chords`) and
writes a new arrangement over them. This module knows nothing of requests or rendering.

Errors::

    ValueError
     └── MidiError   the file is no usable Standard MIDI File; the message is written for the client
"""

from __future__ import annotations

import heapq
import io
import math
import re
import struct
from dataclasses import dataclass, field
from statistics import median

import mido

from .instruments import by_program
from .score import Bend, Control, Note, Track
from .theory import NOTE_NAMES

__all__ = ["MAX_MIDI_BEATS", "MAX_MIDI_BYTES", "MAX_MIDI_SECONDS", "PERFORMANCE_CONTROLLERS", "MidiError", "MidiPart",
           "MidiPiece", "bar_chords", "melody", "read_midi", "to_tracks"]

#: Largest file accepted, in bytes (decoded).
MAX_MIDI_BYTES = 1 << 20
#: Longest piece accepted, in seconds from the start to the end of its last note.
MAX_MIDI_SECONDS = 300.0
#: Longest piece accepted, in beats (300 s at 1600 bpm: only a file with an absurd tempo reaches it).
MAX_MIDI_BEATS = 8000

_DRUM_CHANNEL = 9  # General MIDI's channel 10
#: Controllers a file's part keeps, as the player's own: modulation, breath, foot, expression, the sustain,
#: sostenuto and soft pedals, legato. Volume, pan and the effect sends are the mix's (the composer sets them); bank,
#: data entry and the resets are not a performance.
PERFORMANCE_CONTROLLERS = frozenset({1, 2, 4, 11, 64, 66, 67, 68})
_MAX_BEND_RANGE = 24
_DEFAULT_BPM = 120.0
_MELODY_WORDS = ("melody", "lead", "vocal", "voice", "tune", "solo", "theme")
_BASS_BELOW = 48  # a part whose median pitch lies below C3 plays the bass
_RELATIVE_MARGIN = 0.2  # correlations this close leave relative major and minor to the chords
_LEGATO = 0.25  # beats: a note released this soon after the next onset overlaps it legato, it does not hold

# Krumhansl–Kessler key profiles, tonic first.
_MAJOR_PROFILE = (6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88)
_MINOR_PROFILE = (6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17)

#: Chord templates: (symbol suffix, semitones above the root). Every suffix is one chords.QUALITIES reads.
_TEMPLATES = (("", (0, 4, 7)), ("m", (0, 3, 7)), ("7", (0, 4, 7, 10)), ("maj7", (0, 4, 7, 11)),
              ("m7", (0, 3, 7, 10)), ("dim", (0, 3, 6)), ("m7b5", (0, 3, 6, 10)), ("aug", (0, 4, 8)),
              ("sus4", (0, 5, 7)))
_SHARP_NAMES = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")
_FLAT_NAMES = ("C", "Db", "D", "Eb", "E", "F", "Gb", "G", "Ab", "A", "Bb", "B")
_FLAT_MAJORS = frozenset({5, 10, 3, 8, 1})  # F Bb Eb Ab Db: the major keys (or relative majors) written in flats
_LETTERS = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}

NoteTuple = tuple[float, float, int, int]  # (start beat, duration beats, pitch, velocity)


class MidiError(ValueError):
    """The file is no usable Standard MIDI File; the message says why, for the client."""


@dataclass
class MidiPart:
    """The notes one channel of one track plays."""

    name: str  #: unique in the piece, safe as a stem file name (``[a-z0-9_]+``)
    channel: int  #: 0-15 (9 is General MIDI's drum channel 10)
    program: int  #: General MIDI program 0-127 (the channel's first program change; 0 without one)
    is_drums: bool
    notes: list[NoteTuple] = field(default_factory=list)  #: sorted by start, then pitch
    #: The player's own controller curves (:data:`PERFORMANCE_CONTROLLERS`): (beat, controller, value), in order.
    controls: list[tuple[float, int, int]] = field(default_factory=list)
    bends: list[tuple[float, int]] = field(default_factory=list)  #: (beat, -8192..8191), in order
    bend_range: int = 2  #: semitones either way (the file's RPN 0, else General MIDI's 2)


@dataclass
class MidiPiece:
    ticks_per_beat: int
    tempo: list[tuple[float, float]]  #: (beat, bpm), the first at beat 0
    time_signature: tuple[int, int]  #: the file's first, (4, 4) without one
    parts: list[MidiPart]
    length_beats: float  #: the end of the last note, rounded up to a whole bar
    seconds: float  #: ``length_beats`` in seconds, following the tempo map
    key: tuple[int, str]  #: (tonic pitch class, "major" | "minor"): the file's key signature, else estimated

    @property
    def bar_beats(self) -> float:
        numerator, denominator = self.time_signature
        return numerator * 4.0 / denominator


# --- reading ----------------------------------------------------------------------------------------------------


def read_midi(data: bytes) -> MidiPiece:
    """Parse and validate a Standard MIDI File; raises :class:`MidiError` with a sentence for the client."""
    ticks_per_beat = _check_header(data)
    try:
        midi = mido.MidiFile(file=io.BytesIO(data))
    except Exception as exc:  # mido raises OSError, EOFError, ValueError, KeyError ... on damaged files
        raise MidiError(f"the file could not be read as a Standard MIDI File ({_reason(exc)})") from None
    tracks = [_absolute(track) for track in midi.tracks]
    tempo = _tempo_map(tracks, ticks_per_beat)
    time_signature = _first_meta(tracks, "time_signature", lambda m: (m.numerator, m.denominator))
    if time_signature is None or not (1 <= time_signature[0] <= 32 and time_signature[1] in (1, 2, 4, 8, 16, 32)):
        time_signature = (4, 4)  # none, or one no score could write
    parts = _parts(tracks, ticks_per_beat, named=midi.type == 1)
    if not parts:
        raise MidiError("the file has no notes")
    end = max(start + duration for part in parts for start, duration, _, _ in part.notes)
    seconds = _seconds_at(tempo, end)
    if seconds > MAX_MIDI_SECONDS:
        raise MidiError(f"the file lasts {seconds:.0f} s; at most {MAX_MIDI_SECONDS:.0f} s")
    if end > MAX_MIDI_BEATS:
        raise MidiError(f"the file lasts {end:.0f} beats; at most {MAX_MIDI_BEATS}")
    bar = time_signature[0] * 4.0 / time_signature[1]
    length = max(math.ceil(end / bar - 1e-6), 1) * bar
    piece = MidiPiece(ticks_per_beat, tempo, time_signature, parts, length, _seconds_at(tempo, length), (0, "major"))
    signature = _first_meta(tracks, "key_signature", lambda m: _key_from_name(m.key))
    piece.key = signature or _estimate_key(piece)
    return piece


def _check_header(data: bytes) -> int:
    """Size, MThd chunk, format and division, checked before mido sees the bytes; the ticks per beat."""
    if len(data) > MAX_MIDI_BYTES:
        mib = len(data) / (1 << 20)
        size = f"{mib:.1f} MiB" if mib >= 1.05 else f"{len(data)} bytes"
        raise MidiError(f"the file is {size}; at most 1 MiB")
    if not data:
        raise MidiError("the file is empty")
    if len(data) < 14 or data[:4] != b"MThd":
        raise MidiError("not a Standard MIDI File (it does not start with MThd)")
    length, fmt, _, division = struct.unpack(">IHHH", data[4:14])
    if length < 6:
        raise MidiError("not a Standard MIDI File (its MThd header is shorter than 6 bytes)")
    if fmt == 2:
        raise MidiError("MIDI format 2 (independent sequences) is not supported; send a format 0 or 1 file")
    if fmt > 2:
        raise MidiError(f"unknown MIDI format {fmt}; send a format 0 or 1 file")
    if division & 0x8000:
        raise MidiError("the file times its events in SMPTE frames; send a file timed in ticks per quarter note")
    if division == 0:
        raise MidiError("the file's header gives 0 ticks per quarter note")
    return division


def _reason(exc: Exception) -> str:
    """mido's complaint, shortened, as a clause."""
    if isinstance(exc, EOFError):
        return "it ends in the middle of a track"
    text = str(exc).strip().rstrip(".").splitlines()
    return text[0][:160] if text else type(exc).__name__


def _absolute(track: mido.MidiTrack) -> list[tuple[int, mido.Message]]:
    """The track's events with absolute tick times."""
    tick, events = 0, []
    for message in track:
        tick += message.time
        events.append((tick, message))
    return events


def _first_meta(tracks, kind: str, read):
    found = [(tick, message) for events in tracks for tick, message in events if message.type == kind]
    if not found:
        return None
    return read(min(found, key=lambda e: e[0])[1])


def _tempo_map(tracks, ticks_per_beat: int) -> list[tuple[float, float]]:
    changes: dict[float, float] = {}
    events = sorted(((tick, message.tempo) for track in tracks for tick, message in track
                     if message.type == "set_tempo" and message.tempo > 0), key=lambda e: e[0])
    for tick, microseconds in events:  # a later change at the same tick wins
        changes[round(tick / ticks_per_beat, 6)] = round(mido.tempo2bpm(microseconds), 3)
    tempo = sorted(changes.items())
    if not tempo or tempo[0][0] > 0:
        tempo.insert(0, (0.0, _DEFAULT_BPM))
    return [(beat, bpm) for i, (beat, bpm) in enumerate(tempo) if i == 0 or bpm != tempo[i - 1][1]]


def _seconds_at(tempo: list[tuple[float, float]], beat: float) -> float:
    seconds = 0.0
    for i, (start, bpm) in enumerate(tempo):
        end = tempo[i + 1][0] if i + 1 < len(tempo) else math.inf
        if beat <= start:
            break
        seconds += (min(beat, end) - start) * 60.0 / bpm
    return seconds


def _key_from_name(name: str) -> tuple[int, str] | None:
    """mido's key name ("C", "F#", "Bbm") as (tonic, mode)."""
    match = re.fullmatch(r"([A-G])([#b]?)(m?)", name or "")
    if match is None:
        return None
    letter, accidental, minor = match.groups()
    tonic = (_LETTERS[letter] + {"#": 1, "b": -1, "": 0}[accidental]) % 12
    return tonic, "minor" if minor else "major"


def _parts(tracks, ticks_per_beat: int, *, named: bool) -> list[MidiPart]:
    """One part per (track, channel) with notes, in file order; a format 0 file's single track splits by channel.
    A part is named by its track (``named``: format 1, where a track is a part; format 0's one track name is the
    song's title) or instrument name, else by its General MIDI program."""
    first_program: dict[int, int] = {}  # a channel's first program anywhere: format 1 may set it in another track
    changes = sorted(((tick, message.channel, message.program) for events in tracks for tick, message in events
                      if message.type == "program_change"), key=lambda c: c[0])
    for _, channel, program in reversed(changes):
        first_program[channel] = program
    raw: list[tuple[str, int, int, list[NoteTuple]]] = []
    for events in tracks:
        track_name = instrument_name = ""
        programs: dict[int, int] = {}
        for _, message in events:
            if message.type == "track_name" and not track_name:
                track_name = message.name
            elif message.type == "instrument_name" and not instrument_name:
                instrument_name = message.name
            elif message.type == "program_change" and message.channel not in programs:
                programs[message.channel] = message.program
        notes = _track_notes(events, ticks_per_beat)
        gestures = _track_gestures(events, ticks_per_beat)
        channels = sorted(notes)
        for channel in channels:
            name = (track_name if named else "") or instrument_name
            if not _safe(name):
                name = "drums" if channel == _DRUM_CHANNEL else by_program(
                    programs.get(channel, first_program.get(channel, 0))).id
            elif len(channels) > 1:
                name = f"{name} {channel + 1}"
            program = programs.get(channel, first_program.get(channel, 0))
            raw.append((name, channel, program, sorted(notes[channel], key=lambda n: (n[0], n[2], n[1])),
                        gestures.get(channel, ([], [], 2))))
    parts, taken = [], set()
    for name, channel, program, notes, (controls, bends, bend_range) in raw:
        stem = _unique(_safe(name) or "part", taken)
        parts.append(MidiPart(stem, channel, program, channel == _DRUM_CHANNEL, notes, controls, bends, bend_range))
    return parts


def _track_gestures(events, ticks_per_beat: int) -> dict[int, tuple[list, list, int]]:
    """A track's controller curves (:data:`PERFORMANCE_CONTROLLERS`), pitch bends and bend range by channel; a
    value that repeats the channel's last is left out."""
    controls: dict[int, list[tuple[float, int, int]]] = {}
    bends: dict[int, list[tuple[float, int]]] = {}
    ranges: dict[int, int] = {}
    last: dict[tuple[int, int], int] = {}  # (channel, controller; -1 for the bend) -> value
    rpn: dict[int, list[int]] = {}  # channel -> [RPN MSB, LSB] selected
    for tick, message in events:
        kind = message.type
        if kind == "control_change":
            channel, controller, value = message.channel, message.control, message.value
            if controller in (101, 100):
                rpn.setdefault(channel, [127, 127])[controller == 100] = value
            elif controller == 6 and rpn.get(channel) == [0, 0] and channel not in ranges:
                ranges[channel] = min(max(value, 1), _MAX_BEND_RANGE)  # RPN 0: the bend range, semitones
            elif controller in PERFORMANCE_CONTROLLERS and last.get((channel, controller)) != value:
                last[(channel, controller)] = value
                controls.setdefault(channel, []).append((round(tick / ticks_per_beat, 6), controller, value))
        elif kind == "pitchwheel" and last.get((message.channel, -1), 0) != message.pitch:
            last[(message.channel, -1)] = message.pitch
            bends.setdefault(message.channel, []).append((round(tick / ticks_per_beat, 6), message.pitch))
    return {channel: (controls.get(channel, []), bends.get(channel, []), ranges.get(channel, 2))
            for channel in {*controls, *bends, *ranges}}


def _track_notes(events, ticks_per_beat: int) -> dict[int, list[NoteTuple]]:
    """A track's notes by channel. A note-on of a sounding pitch ends the earlier note there; a note never released
    ends where the track ends; a note-off with nothing sounding is ignored."""
    end_tick = events[-1][0] if events else 0
    sounding: dict[tuple[int, int], tuple[int, int]] = {}  # (channel, pitch) -> (start tick, velocity)
    notes: dict[int, list[NoteTuple]] = {}

    def close(channel: int, pitch: int, tick: int) -> None:
        start, velocity = sounding.pop((channel, pitch))
        notes.setdefault(channel, []).append(
            (round(start / ticks_per_beat, 6), round((tick - start) / ticks_per_beat, 6), pitch, velocity))

    for tick, message in events:
        kind = message.type
        if kind == "note_on" and message.velocity > 0:
            key = (message.channel, message.note)
            if key in sounding:
                if sounding[key][0] == tick:  # the same note struck twice at once: one note
                    sounding.pop(key)
                else:
                    close(*key, tick)
            sounding[key] = (tick, message.velocity)
        elif kind in ("note_off", "note_on"):  # a note-on of velocity 0 is a note-off
            key = (message.channel, message.note)
            if key in sounding:
                close(*key, tick)
    for channel, pitch in list(sounding):
        close(channel, pitch, end_tick)
    return notes


def _safe(name: str) -> str:
    """A stem-safe name: lowercase letters, digits and single underscores."""
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")[:40].strip("_")


def _unique(name: str, taken: set[str]) -> str:
    stem, n = name, 2
    while stem in taken:
        stem, n = f"{name}_{n}", n + 1
    taken.add(stem)
    return stem


# --- harmony ----------------------------------------------------------------------------------------------------


def _pitched(piece: MidiPiece) -> list[NoteTuple]:
    return [n for part in piece.parts if not part.is_drums for n in part.notes]


def _bar_weights(piece: MidiPiece) -> list[tuple[list[float], int] | None]:
    """Per bar, how long each pitch class sounds in it (the lowest note's class weighted half a bar more) and the
    lowest note's pitch class; None for a bar without pitched notes. Linear in notes plus bars: a note held over
    many bars adds its whole bars through a running sum, and each bar's lowest note is found lowest pitch first,
    skipping bars already settled."""
    bar, bars = piece.bar_beats, max(round(piece.length_beats / piece.bar_beats), 1)
    weights = [[0.0] * 12 for _ in range(bars)]
    whole = [[0.0] * 12 for _ in range(bars + 1)]  # differences: a full bar per bar from one index to the next
    spans: list[tuple[int, int, int]] = []
    for start, duration, pitch, _ in _pitched(piece):
        end = min(start + max(duration, 0.05), bars * bar)
        if end <= start:
            continue
        first, last, pc = int(start // bar), min(math.ceil(end / bar - 1e-9), bars) - 1, pitch % 12
        if first >= last:
            weights[first][pc] += end - start
        else:
            weights[first][pc] += (first + 1) * bar - start
            weights[last][pc] += end - last * bar
            whole[first + 1][pc] += bar
            whole[last][pc] -= bar
        spans.append((pitch, first, last))
    running = [0.0] * 12
    for index in range(bars):
        running = [r + d for r, d in zip(running, whole[index])]
        weights[index] = [w + r for w, r in zip(weights[index], running)]
    lowest: list[int | None] = [None] * bars
    following = list(range(bars + 1))  # the first bar at or after an index whose lowest note is not yet known

    def unsettled(index: int) -> int:
        root = index
        while following[root] != root:
            root = following[root]
        while following[index] != root:
            following[index], index = root, following[index]
        return root

    for pitch, first, last in sorted(spans):
        index = unsettled(first)
        while index <= last:
            lowest[index] = pitch
            following[index] = index + 1
            index = unsettled(index + 1)
    settled: list[tuple[list[float], int] | None] = []
    for w, low in zip(weights, lowest):
        if low is not None:
            w[low % 12] += bar * 0.5
        settled.append(None if low is None else (w, low % 12))
    return settled


def _best_chord(weights: list[float], bass: int) -> tuple[int, int]:
    """(root, template index) that best explains a bar: chord tones sounding, few notes outside it, no missing
    tones, the bass on the root, simpler chords on a tie."""
    total = sum(weights) or 1.0
    share = [w / total for w in weights]
    best, choice = -math.inf, (0, 0)
    for root in range(12):
        for index, (_, intervals) in enumerate(_TEMPLATES):
            tones = {(root + i) % 12 for i in intervals}
            inside = sum(share[pc] for pc in tones)
            missing = sum(1 for pc in tones if share[pc] < 0.02)
            score = inside - 0.6 * (1.0 - inside) - 0.25 * missing - 0.04 * (len(intervals) - 3)
            score -= 0.002 * index  # the order of _TEMPLATES breaks ties: triads before sevenths
            if root == bass:
                score += 0.1
            if score > best + 1e-9:
                best, choice = score, (root, index)
    return choice


def _chord_roots(piece: MidiPiece) -> list[tuple[int, int] | None]:
    return [None if bar is None else _best_chord(*bar) for bar in _bar_weights(piece)]


def _names(key: tuple[int, str]) -> tuple[str, ...]:
    tonic, mode = key
    major = tonic if mode == "major" else (tonic + 3) % 12
    if major == 0:
        return NOTE_NAMES  # C major and A minor: the everyday spelling (C#, Eb, F#, Ab, Bb)
    return _FLAT_NAMES if major in _FLAT_MAJORS else _SHARP_NAMES


def bar_chords(piece: MidiPiece) -> list[str]:
    """One chord symbol per bar over ``piece.length_beats``, as :func:`.chords.parse_progression` reads them; a bar
    without pitched notes keeps the chord before it (at the start: the key's tonic chord)."""
    names = _names(piece.key)
    tonic, mode = piece.key
    previous = names[tonic] + ("m" if mode == "minor" else "")
    symbols = []
    for chord in _chord_roots(piece):
        if chord is not None:
            root, index = chord
            previous = names[root] + _TEMPLATES[index][0]
        symbols.append(previous)
    return symbols


def _estimate_key(piece: MidiPiece) -> tuple[int, str]:
    """Krumhansl–Schmuckler: the duration-weighted pitch classes correlated with each key's profile. A major key
    and its relative minor share their notes, so between the best key and its relative (when that correlates
    nearly as well) the chords decide: the key whose tonic chord opens the piece, closes it and recurs."""
    histogram = [0.0] * 12
    for _, duration, pitch, _ in _pitched(piece):
        histogram[pitch % 12] += max(duration, 0.05)
    if not any(histogram):
        return 0, "major"
    scores = {(tonic, mode): _correlation(histogram, [profile[(pc - tonic) % 12] for pc in range(12)])
              for mode, profile in (("major", _MAJOR_PROFILE), ("minor", _MINOR_PROFILE)) for tonic in range(12)}
    best = max(scores, key=scores.get)
    tonic, mode = best
    relative = ((tonic + 9) % 12, "minor") if mode == "major" else ((tonic + 3) % 12, "major")
    if scores[best] - scores[relative] > _RELATIVE_MARGIN:
        return best
    chords = [c for c in _chord_roots(piece) if c is not None]
    return max((best, relative), key=lambda key: (_tonic_evidence(key, chords), scores[key]))


def _tonic_evidence(key: tuple[int, str], chords: list[tuple[int, int]]) -> float:
    tonic, mode = key
    third = 4 if mode == "major" else 3
    is_tonic = [root == tonic and third in _TEMPLATES[index][1] for root, index in chords]
    if not is_tonic:
        return 0.0
    return 2.0 * is_tonic[0] + 1.0 * is_tonic[-1] + 0.25 * sum(is_tonic)


def _correlation(xs: list[float], ys: list[float]) -> float:
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    cov = sum((x - mx) * (y - my) for x, y in zip(xs, ys))
    sx = math.sqrt(sum((x - mx) ** 2 for x in xs))
    sy = math.sqrt(sum((y - my) ** 2 for y in ys))
    return cov / (sx * sy) if sx and sy else 0.0


# --- the tune and the tracks ------------------------------------------------------------------------------------


def _melody_part(piece: MidiPiece) -> MidiPart | None:
    """The first pitched part whose name says it carries the tune."""
    for part in piece.parts:
        if not part.is_drums and any(word in part.name for word in _MELODY_WORDS):
            return part
    return None


def melody(piece: MidiPiece) -> list[NoteTuple]:
    """The tune, one note at a time: a part named melody/lead/vocal/voice/tune/solo/theme, else the top line of all
    pitched notes. At each onset the highest note sounding there leads if it starts there (a note held above it
    keeps the line where it was, unless it lets go within a quarter beat: legato); each note is cut at the next
    melody onset."""
    part = _melody_part(piece)
    return _skyline(part.notes if part is not None else _pitched(piece))


def _skyline(notes: list[NoteTuple]) -> list[NoteTuple]:
    ordered = sorted(notes, key=lambda n: (n[0], -n[2], -n[3], -n[1]))
    line: list[list[float]] = []  # [start, end, pitch, velocity]
    held: list[tuple[int, float]] = []  # heap of (-pitch, end) of the notes struck so far; released ones lazily
    i = 0
    while i < len(ordered):
        onset, top = ordered[i][0], ordered[i]  # highest pitch, loudest, longest of those starting here
        while held and held[0][1] <= onset + _LEGATO:
            heapq.heappop(held)
        if not held or -held[0][0] <= top[2]:
            if line and line[-1][1] > onset:
                line[-1][1] = onset
            line.append([onset, onset + max(top[1], 0.05), top[2], top[3]])
        while i < len(ordered) and ordered[i][0] == onset:
            heapq.heappush(held, (-ordered[i][2], ordered[i][0] + ordered[i][1]))
            i += 1
    return [(start, round(end - start, 6), int(pitch), int(velocity)) for start, end, pitch, velocity in line]


def to_tracks(piece: MidiPiece) -> list[Track]:
    """The parts as score tracks: drums as drums, the tune's part as the melody, the rest as harmony or, when their
    median pitch lies below C3, bass; tracks other than melody, bass and drums spread across the stereo field. Each
    keeps the file's pedals, expression, modulation and pitch bends (the performance layer leaves them as played)."""
    lead = _melody_part(piece)
    roles = []
    for part in piece.parts:
        if part.is_drums:
            roles.append("drums")
        elif part is lead:
            roles.append("melody")
        else:
            roles.append("bass" if median(p for _, _, p, _ in part.notes) < _BASS_BELOW else "harmony")
    spread = [i for i, role in enumerate(roles) if role == "harmony"]
    pans = {index: (-0.5 + k / (len(spread) - 1)) if len(spread) > 1 else 0.0 for k, index in enumerate(spread)}
    return [
        Track(
            name=part.name, role=role, program=part.program, is_drums=part.is_drums,
            notes=[Note(round(start, 4), round(max(duration, 0.05), 4), pitch, max(min(velocity, 127), 1))
                   for start, duration, pitch, velocity in part.notes],
            controls=[Control(round(beat, 4), controller, value) for beat, controller, value in part.controls],
            bends=[Bend(round(beat, 4), value) for beat, value in part.bends], bend_range=part.bend_range,
            pan=round(pans.get(i, 0.0), 3), volume=0.8,
        )
        for i, (part, role) in enumerate(zip(piece.parts, roles))
    ]
