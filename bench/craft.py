"""The composer's craft, measured in a result's MIDI, info and stems (``shared/MUSIC.md``'s "check" column).

Used by ``bench/quality.py``. Every measure is a function of plain inputs — note lists in beats or seconds, audio
arrays (the audio ones live in ``bench/analysis.py``) — so each can be tried on a made-up case; :func:`read_midi`
turns a ``score.mid`` and the engine's info into those inputs, and :func:`measure` runs them all on one result.
A measure with nothing to judge returns None, which the bench prints as "n/a" (a field the engine does not report
yet, a piece without a bass ...).

Rules the measures rest on:

* time is the MIDI's (its tempo map honoured); a beat is a quarter note except in compound metres (6/8, 9/8,
  12/8), where it is the dotted quarter; "on a beat" or "on a downbeat" means within 1/12 of a quarter note of it
  (a performed pocket of ±20 ms stays on the beat below 250 BPM);
* sustained instruments, by General MIDI program: 16-23 (organs, accordion, harmonica, bandoneon), 40-44 (bowed
  strings, arco), 48-54 (string sections, synth strings, choirs, voice), 56-79 (brass, reeds, pipes), 80-95 (synth
  leads and pads), 99 (atmosphere, a pad), 109-111 (bagpipe, fiddle, shanai); plus any part in the "pad" role.
  Plucked, struck and keyboard sounds decay on their own and carry no expression curve;
* kicks are GM keys 35 and 36 on a drum-channel part (not hand percussion); crashes are keys 49, 57 (crash 1 and
  2), 52 (Chinese) and 55 (splash);
* clashes are minor seconds and minor ninths (|Δ| of 1 or 13 semitones) against another part's sounding note: a
  major seventh (11) is a chord tone of maj7 harmony and does not count.
"""

from __future__ import annotations

import bisect
import math
import re
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping, Sequence

import numpy as np

from analysis import drop_lift_db, ending_shape, level_against_lead_db, stem_peak

__all__ = [
    "CRASH_KEYS", "KICK_KEYS", "Instruments", "Note", "Part", "Piece", "TempoMap", "bass_off_root", "bend_parts",
    "chord_spans", "crash_placement", "distinct_bar_rhythms", "expression_changes", "is_sustained",
    "kick_bass_spread", "measure", "named_instruments", "on_beat_clashes", "parse_root", "parts_playing",
    "read_midi", "velocity_jump",
]

KICK_KEYS = frozenset({35, 36})
CRASH_KEYS = frozenset({49, 57, 52, 55})
DRUM_CHANNEL = 9
#: Onsets this close (in quarter notes) to a beat or bar line are on it; also the rhythm grid (1/12 beat).
GRID = 12
ON_BEAT = 1.0 / GRID
_SUSTAINED = frozenset([*range(16, 24), *range(40, 45), *range(48, 55), *range(56, 80), *range(80, 96), 99,
                        109, 110, 111])
_NAMES = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}


# -- reading a result ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Note:
    start: float  #: beats (quarter notes)
    end: float
    pitch: int
    velocity: int
    seconds: float = 0.0  #: start in seconds
    end_seconds: float = 0.0


@dataclass
class Part:
    name: str
    notes: list[Note] = field(default_factory=list)
    channel: int | None = None
    program: int | None = None
    drums: bool = False
    controls: list[tuple[float, int, int]] = field(default_factory=list)  #: (beat, controller, value)
    bends: list[tuple[float, int]] = field(default_factory=list)  #: (beat, pitchwheel value)
    role: str = ""  #: from info; "" when info does not say
    instrument: str = ""
    named: bool | None = None  #: None when info does not say


class TempoMap:
    """Beats ↔ seconds under a list of (beat, BPM) changes."""

    def __init__(self, changes: Sequence[tuple[float, float]] = ((0.0, 120.0),)) -> None:
        changes = sorted(changes) or [(0.0, 120.0)]
        if changes[0][0] > 0:
            changes.insert(0, (0.0, 120.0))  # MIDI's default until the first change
        self.beats = np.array([b for b, _ in changes], dtype=np.float64)
        self.spb = np.array([60.0 / bpm for _, bpm in changes], dtype=np.float64)
        self.secs = np.concatenate([[0.0], np.cumsum(np.diff(self.beats) * self.spb[:-1])])

    def seconds(self, beats: Any) -> Any:
        b = np.asarray(beats, dtype=np.float64)
        i = np.clip(np.searchsorted(self.beats, b, side="right") - 1, 0, None)
        out = self.secs[i] + (b - self.beats[i]) * self.spb[i]
        return float(out) if out.ndim == 0 else out


@dataclass
class Piece:
    parts: list[Part]
    tempo: TempoMap
    metre: tuple[int, int] = (4, 4)
    length: float = 0.0  #: beats, the last end of track

    @property
    def bar(self) -> float:
        return self.metre[0] * 4.0 / self.metre[1]

    @property
    def beat(self) -> float:
        compound = self.metre[1] == 8 and self.metre[0] % 3 == 0
        return 1.5 if compound else 4.0 / self.metre[1]

    def by_role(self, role: str) -> list[Part]:
        return [p for p in self.parts if p.role == role]


def read_midi(midi: Any, tracks: Sequence[Mapping[str, Any]] | None = None) -> Piece:
    """The parts of a ``mido.MidiFile``, each joined to its info track (by name, else by order) for its role,
    instrument and whether the prompt named it."""
    tpb = midi.ticks_per_beat
    tempo: list[tuple[float, float]] = []
    metre = None
    parts: list[Part] = []
    length = 0.0
    for track in midi.tracks:
        now = 0
        part = Part(name="")
        open_notes: dict[tuple[int, int], list[tuple[int, int]]] = {}
        raw: list[tuple[int, int, int, int]] = []
        for msg in track:
            now += msg.time
            beat = now / tpb
            if msg.type == "set_tempo":
                tempo.append((beat, 60_000_000 / msg.tempo))
            elif msg.type == "time_signature" and metre is None:
                metre = (msg.numerator, msg.denominator)
            elif msg.type == "track_name" and not part.name:
                part.name = msg.name
            elif msg.type == "program_change" and part.program is None:
                part.program = msg.program
            elif msg.type == "control_change":
                part.controls.append((beat, msg.control, msg.value))
            elif msg.type == "pitchwheel":
                part.bends.append((beat, msg.pitch))
            elif msg.type == "note_on" and msg.velocity > 0:
                open_notes.setdefault((msg.channel, msg.note), []).append((now, msg.velocity))
                part.channel = msg.channel if part.channel is None else part.channel
            elif msg.type in ("note_off", "note_on"):
                started = open_notes.get((msg.channel, msg.note))
                if started:
                    on, velocity = started.pop(0)
                    raw.append((on, now, msg.note, velocity))
        length = max(length, now / tpb)
        if not raw and part.program is None and not part.controls:
            continue  # the conductor
        raw.sort()
        part.notes = [Note(on / tpb, off / tpb, pitch, vel) for on, off, pitch, vel in raw]
        part.drums = part.channel == DRUM_CHANNEL
        parts.append(part)
    tempo_map = TempoMap(tempo or [(0.0, 120.0)])
    for part in parts:
        if part.notes:
            starts = tempo_map.seconds([n.start for n in part.notes])
            ends = tempo_map.seconds([n.end for n in part.notes])
            part.notes = [Note(n.start, n.end, n.pitch, n.velocity, float(s), float(e))
                          for n, s, e in zip(part.notes, np.atleast_1d(starts), np.atleast_1d(ends))]
    _join_info(parts, tracks or [])
    return Piece(parts, tempo_map, metre or (4, 4), length)


def _join_info(parts: list[Part], tracks: Sequence[Mapping[str, Any]]) -> None:
    by_name = {t.get("name"): t for t in tracks}
    for index, part in enumerate(parts):
        info = by_name.get(part.name)
        if info is None and len(tracks) == len(parts):
            info = tracks[index]
        if info is None:
            continue
        part.role = str(info.get("role") or "")
        part.instrument = str(info.get("instrument") or "")
        part.named = info.get("named") if isinstance(info.get("named"), bool) else None
        if info.get("drums") is not None:
            part.drums = bool(info["drums"])


# -- timing -------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Spread:
    mean_ms: float
    max_ms: float
    pairs: int


def kick_bass_spread(kicks: Sequence[float], bass: Sequence[float], window: float = 0.030) -> Spread | None:
    """|Δt| between each kick onset and the nearest bass onset within ``window`` seconds (onsets in seconds)."""
    onsets = sorted(bass)
    gaps = []
    for kick in kicks:
        i = bisect.bisect_left(onsets, kick)
        nearest = min((abs(onsets[j] - kick) for j in (i - 1, i) if 0 <= j < len(onsets)), default=math.inf)
        if nearest <= window:
            gaps.append(nearest * 1000.0)
    if not gaps:
        return None
    return Spread(float(np.mean(gaps)), float(np.max(gaps)), len(gaps))


# -- expression and bends -----------------------------------------------------------------------------------------

def is_sustained(program: int | None, role: str = "") -> bool:
    """Whether a part holds its notes (so expression curves shape them): the GM program rule of the module doc."""
    return role == "pad" or (program is not None and program in _SUSTAINED)


def expression_changes(controls: Iterable[tuple[float, int, int]]) -> int:
    """CC1 and CC11 value changes after the setup at time 0 (CC1 starts at 0, CC11 at 127 as GM resets them)."""
    last = {1: 0, 11: 127}
    changes = 0
    for time, controller, value in sorted(controls, key=lambda c: c[0]):
        if controller not in last:
            continue
        if time > 0 and value != last[controller]:
            changes += 1
        last[controller] = value
    return changes


def bend_parts(parts: Iterable[Part]) -> list[str]:
    """Names of the parts that bend a pitch (any pitchwheel value other than centre)."""
    return [p.name for p in parts if any(value != 0 for _, value in p.bends)]


# -- melody and harmony -------------------------------------------------------------------------------------------

def _near_grid(time: float, step: float, tol: float = ON_BEAT) -> bool:
    offset = time % step
    return offset <= tol or step - offset <= tol


def on_beat_clashes(melody: Sequence[Note], others: Sequence[Note], beat: float = 1.0) -> tuple[int, int, int]:
    """(melody notes on a beat clashing with a sounding note of another part, melody notes on a beat, all melody
    notes): a clash is a minor second or minor ninth (|Δ| 1 or 13) against a note sounding at the onset."""
    if not others:
        return 0, sum(_near_grid(n.start, beat) for n in melody), len(melody)
    starts = np.array([n.start for n in others])
    ends = np.array([n.end for n in others])
    pitches = np.array([n.pitch for n in others])
    clashes = on_beat = 0
    for note in melody:
        if not _near_grid(note.start, beat):
            continue
        on_beat += 1
        at = note.start + ON_BEAT
        sounding = pitches[(starts <= at) & (ends > at)]
        if np.isin(np.abs(sounding - note.pitch), (1, 13)).any():
            clashes += 1
    return clashes, on_beat, len(melody)


def distinct_bar_rhythms(onsets: Iterable[float], bar: float) -> tuple[int, int]:
    """(distinct bar rhythms, bars with onsets): a bar's rhythm is its onsets on a 1/12-beat grid."""
    per_bar: dict[int, set[int]] = {}
    steps = int(round(bar * GRID))
    for onset in onsets:
        q = int(round(onset * GRID))
        per_bar.setdefault(q // steps, set()).add(q % steps)
    return len({tuple(sorted(s)) for s in per_bar.values()}), len(per_bar)


def parse_root(symbol: str) -> int | None:
    """The root pitch class of a chord symbol: "Am7" → 9, "Bb/D" → 10, "F#dim" → 6."""
    match = re.match(r"\s*([A-Ga-g])([#♯b♭]*)", symbol or "")
    if not match:
        return None
    pc = _NAMES[match.group(1).upper()]
    for accidental in match.group(2):
        pc += 1 if accidental in "#♯" else -1
    return pc % 12


def chord_spans(info: Mapping[str, Any], tempo: TempoMap | None = None
                ) -> tuple[list[tuple[float, float, int]], bool] | None:
    """((start beat, length, root pitch class) of each chord, exact): info "chords" when the engine lists them
    (exact), else the plan's per-section chord symbols spread evenly over each section's bars (section starts in
    seconds) — an approximation, as the plan does not say when each chord starts."""
    chords = info.get("chords")
    if isinstance(chords, list) and chords:
        spans = []
        for c in chords:
            root = c.get("root")
            root = parse_root(root) if isinstance(root, str) else root
            if root is None:
                root = parse_root(str(c.get("symbol", "")))
            if root is not None and "start" in c and "length" in c:
                spans.append((float(c["start"]), float(c["length"]), int(root) % 12))
        return (spans, True) if spans else None
    plan = info.get("plan")
    sections = plan.get("sections") if isinstance(plan, Mapping) else None
    if not sections or tempo is None:
        return None
    bar = _bar_of(info)
    spans = []
    for section in sections:
        symbols = section.get("chords") or []
        bars = section.get("bars")
        if not symbols or not bars or "start" not in section:
            continue
        start = _beats_at(tempo, float(section["start"]))
        each = bars * bar / len(symbols)
        for k, symbol in enumerate(symbols):
            root = parse_root(str(symbol))
            if root is not None:
                spans.append((start + k * each, each, root))
    return (spans, False) if spans else None


def _bar_of(info: Mapping[str, Any]) -> float:
    try:
        numerator, denominator = (int(x) for x in str(info.get("metre", "4/4")).split("/"))
        return numerator * 4.0 / denominator
    except ValueError:
        return 4.0


def _beats_at(tempo: TempoMap, seconds: float) -> float:
    i = max(0, int(np.searchsorted(tempo.secs, seconds, side="right")) - 1)
    return float(tempo.beats[i] + (seconds - tempo.secs[i]) / tempo.spb[i])


def bass_off_root(bass: Sequence[Note], chords: Sequence[tuple[float, float, int]], bar: float) -> tuple[int, int]:
    """(bars whose first bass note is not the chord's root, bars with a bass note under a chord): the first note
    is the lowest of those starting with the bar's earliest onset, judged against the chord in force then."""
    firsts: dict[int, list[Note]] = {}
    for note in bass:
        q = round(note.start * GRID) / GRID
        index = int(q // bar)
        current = firsts.get(index)
        if current is None or q < round(current[0].start * GRID) / GRID - 1e-9:
            firsts[index] = [note]
        elif abs(q - round(current[0].start * GRID) / GRID) < 1e-9:
            current.append(note)
    starts = [c[0] for c in chords]
    off = judged = 0
    for notes in firsts.values():
        low = min(notes, key=lambda n: n.pitch)
        at = low.start + ON_BEAT
        i = bisect.bisect_right(starts, at) - 1
        if i < 0 or at >= chords[i][0] + chords[i][1] + ON_BEAT:
            continue
        judged += 1
        off += low.pitch % 12 != chords[i][2]
    return off, judged


# -- drums and dynamics -------------------------------------------------------------------------------------------

def crash_placement(crashes: Iterable[float], downbeats: Iterable[float], tol: float = ON_BEAT * 2) -> tuple[int, int]:
    """(crash hits away from every downbeat, crash hits): hits within ``tol`` beats of each other are one."""
    hits: list[float] = []
    for t in sorted(crashes):
        if not hits or t - hits[-1] > tol:
            hits.append(t)
    marks = sorted(downbeats)
    off = sum(1 for t in hits if not any(abs(t - d) <= tol for d in marks))
    return off, len(hits)


def velocity_jump(notes: Iterable[Note], bar: float) -> float | None:
    """Largest change of mean velocity between adjacent bars (both sounding) of one part."""
    per_bar: dict[int, list[int]] = {}
    for n in notes:
        per_bar.setdefault(int(round(n.start * GRID) / GRID // bar), []).append(n.velocity)
    means = {b: float(np.mean(v)) for b, v in per_bar.items()}
    jumps = [abs(means[b + 1] - means[b]) for b in means if b + 1 in means]
    return max(jumps) if jumps else None


# -- named and negated instruments --------------------------------------------------------------------------------

def parts_playing(instrument_id: str, parts: Sequence[Part], program: int | None = None,
                  kit: bool = False) -> list[Part]:
    """The parts that play ``instrument_id``: by the info's instrument id when the engine reports one, else by a
    part named after it ("strings", "strings_pad") or, for a catalogue instrument, by its GM program."""
    if any(p.instrument for p in parts):
        return [p for p in parts if p.instrument == instrument_id]
    return [p for p in parts
            if p.name == instrument_id or p.name.startswith(instrument_id + "_")
            or (program is not None and p.program == program and p.drums == kit)]


@dataclass(frozen=True)
class Instruments:
    named: tuple[str, ...]
    silent: tuple[str, ...]  #: named but playing fewer than ``min_notes`` notes
    avoided: tuple[str, ...]
    playing_avoided: tuple[str, ...]  #: negated but playing


def named_instruments(piece: Piece, brief: Mapping[str, Any], catalogue: Mapping[str, Any] | None = None,
                      min_notes: int = 8) -> Instruments:
    """Whether the instruments a brief names play (``min_notes`` notes or more) and the ones it negates do not.
    ``catalogue`` maps ids to objects with ``program`` and ``is_drums`` (the engine's instrument catalogue)."""
    catalogue = catalogue or {}
    named = [str(i) for i in brief.get("instruments") or []]
    for key in ("percussion", "hand"):  # hand-percussion voices, where a brief lists them apart
        named += [str(i) for i in brief.get(key) or [] if str(i) not in named]
    avoided = [str(i) for i in brief.get("avoid") or []]

    def notes(instrument_id: str) -> int:
        entry = catalogue.get(instrument_id)
        program = getattr(entry, "program", None)
        kit = bool(getattr(entry, "is_drums", False))
        return sum(len(p.notes) for p in parts_playing(instrument_id, piece.parts, program, kit))

    silent = tuple(i for i in named if notes(i) < min_notes)
    playing = tuple(i for i in avoided if notes(i) > 0)
    return Instruments(tuple(named), silent, tuple(avoided), playing)


# -- everything about one result ----------------------------------------------------------------------------------

#: The craft targets: name -> (how the value is judged, printed).
TARGETS = {
    "kick_bass_ms": "< 3 ms", "expression": ">= 80 %", "bends": "100 % where the style bends",
    "clashes": "< 3 %", "rhythms": ">= 40 %", "crashes_off": "0", "off_root": ">= 15 % where inversions",
    "velocity_jump": "<= 12", "calm_peak": "<= 90 when energy <= 0.3", "named_level": "within 6 dB",
    "drop_db": ">= 6 dB", "ending": "decays", "stem_peak": "< 0.999",
}
CALM_ENERGY, CALM_PEAK = 0.3, 90


def _final_bar(info: Mapping[str, Any], piece: Piece) -> float:
    """Where the final bar begins: the bar that closes the last section (else the file's last bar)."""
    ends = [float(s["start"]) + float(s["length"])
            for s in info.get("sections") or [] if "start" in s and "length" in s]
    return math.floor((max(ends, default=piece.length) - ON_BEAT) / piece.bar) * piece.bar


def _downbeats(info: Mapping[str, Any], piece: Piece) -> list[float] | None:
    sections = info.get("sections")
    if not isinstance(sections, list) or not sections:
        return None
    return [float(s["start"]) for s in sections if "start" in s] + [_final_bar(info, piece)]


def _named_beside(piece: Piece, named: Sequence[str], lead: Part | None) -> list[Part]:
    """The parts playing a named instrument other than the lead's own (a named piano that carries the tune is
    the lead; its left hand is no instrument beside it)."""
    if lead is None:
        return []
    if any(p.named is not None for p in piece.parts):
        return [p for p in piece.parts if p.named and p is not lead
                and not (p.instrument and p.instrument == lead.instrument)]
    beside: list[Part] = []
    for instrument_id in named:
        parts = parts_playing(instrument_id, piece.parts)
        if lead not in parts:
            beside += [p for p in parts if p not in beside]
    return beside


def _section_seconds(info: Mapping[str, Any], piece: Piece, names: set[str]) -> list[tuple[float, float]]:
    spans = []
    for s in info.get("sections") or []:
        if s.get("name") in names and "start" in s and "length" in s:
            start = float(s["start"])
            spans.append((piece.tempo.seconds(start), piece.tempo.seconds(start + float(s["length"]))))
    return spans


Figures = dict[str, Any]
Passes = dict[str, "bool | None"]


def _timing(piece: Piece, info: Mapping[str, Any], style: Any, figures: Figures, passes: Passes) -> None:
    roles_known = any(p.role for p in piece.parts)
    kicks = [n.seconds for p in piece.parts if p.drums and p.role != "hand" for n in p.notes if n.pitch in KICK_KEYS]
    bass = [n for p in (piece.by_role("bass") if roles_known else [
        p for p in piece.parts if not p.drums and p.program is not None and 32 <= p.program <= 39]) for n in p.notes]
    spread = kick_bass_spread(kicks, [n.seconds for n in bass])
    figures["kick_bass_ms"] = None if spread is None else (spread.mean_ms, spread.max_ms, spread.pairs)
    passes["kick_bass_ms"] = None if spread is None else spread.mean_ms < 3.0

    downbeats = _downbeats(info, piece)
    crashes = [n.start for p in piece.parts if p.drums and p.role != "hand" for n in p.notes if n.pitch in CRASH_KEYS]
    duration = float(info.get("duration") or piece.tempo.seconds(piece.length) or 0.0)
    figures["crashes_off"] = passes["crashes_off"] = None
    if downbeats is not None:
        off, hits = crash_placement(crashes, downbeats)
        figures["crashes_off"] = (off, hits, hits / (duration / 60) if duration > 0 else 0.0)
        passes["crashes_off"] = off == 0

    chords = chord_spans(info, piece.tempo)
    figures["off_root"] = passes["off_root"] = None
    if chords and bass:
        off, judged = bass_off_root(bass, chords[0], piece.bar)
        if judged:
            figures["off_root"] = (off, judged, chords[1])
            passes["off_root"] = off / judged >= 0.15 if getattr(style, "inversions", False) else None


def _performance(piece: Piece, info: Mapping[str, Any], style: Any, figures: Figures, passes: Passes) -> None:
    sustained = [p for p in piece.parts if p.notes and not p.drums and is_sustained(p.program, p.role)]
    curved = [p for p in sustained if expression_changes(p.controls) >= 2]
    figures["expression"] = (len(curved), len(sustained))
    passes["expression"] = len(curved) / len(sustained) >= 0.8 if sustained else None

    wanted = frozenset(getattr(style, "bends", frozenset()) or ())
    bending = bend_parts(piece.parts)
    figures["bends"] = (sorted(wanted), bending)
    passes["bends"] = bool(bending) if wanted else None

    melody = [n for p in piece.by_role("melody") for n in p.notes]
    others = [n for p in piece.parts if p.role != "melody" and not p.drums for n in p.notes]
    figures["clashes"] = passes["clashes"] = figures["rhythms"] = passes["rhythms"] = None
    if melody:
        clashes, on_beat, total = on_beat_clashes(melody, others, piece.beat)
        figures["clashes"] = (clashes, on_beat, total)
        passes["clashes"] = clashes / total < 0.03
        distinct, bars = distinct_bar_rhythms([n.start for n in melody], piece.bar)
        figures["rhythms"] = (distinct, bars)
        passes["rhythms"] = distinct / bars >= 0.4

    pitched = [p for p in piece.parts if not p.drums and p.notes]
    jumps = [j for j in (velocity_jump(p.notes, piece.bar) for p in pitched) if j is not None]
    figures["velocity_jump"] = max(jumps) if jumps else None
    passes["velocity_jump"] = max(jumps) <= 12 if jumps else None
    peak = max((n.velocity for p in pitched for n in p.notes), default=None)
    energy = (info.get("brief") or {}).get("energy")
    figures["calm_peak"] = (peak, energy)
    calm = peak is not None and energy is not None and energy <= CALM_ENERGY
    passes["calm_peak"] = peak <= CALM_PEAK if calm else None


def _audio(piece: Piece, info: Mapping[str, Any], stems: Mapping[str, np.ndarray] | None, audio: np.ndarray | None,
           sr: int, ending_expected: bool, figures: Figures, passes: Passes) -> None:
    for key in ("named_level", "drop_db", "ending", "stem_peak"):
        figures[key] = passes[key] = None
    if stems:
        lead = next((p for p in piece.by_role("melody") if p.name in stems), None)
        levels = {}
        for part in _named_beside(piece, figures["instruments"].named, lead):
            if part.name in stems:
                level = level_against_lead_db(stems[part.name], stems[lead.name], sr)
                if level is not None:
                    levels[part.name] = level
        figures["named_level"] = levels or None
        passes["named_level"] = all(abs(v) <= 6.0 for v in levels.values()) if levels else None
        peaks = {name: stem_peak(stem) for name, stem in stems.items()}
        figures["stem_peak"] = peaks
        passes["stem_peak"] = max(peaks.values()) < 0.999 if peaks else None
    if audio is None:
        return
    lift = drop_lift_db(audio, sr, _section_seconds(info, piece, {"drop"}),
                        _section_seconds(info, piece, {"breakdown"}))
    figures["drop_db"] = lift
    passes["drop_db"] = None if lift is None else lift >= 6.0
    onsets = [n for p in piece.parts for n in p.notes]
    if ending_expected and onsets:
        last = max(onsets, key=lambda n: n.start)
        shape = ending_shape(audio, sr, last.seconds)
        if shape is not None:
            in_final_bar = last.start >= _final_bar(info, piece) - ON_BEAT
            figures["ending"] = (shape, in_final_bar)
            passes["ending"] = shape.decays and in_final_bar


def measure(info: Mapping[str, Any], midi: Any, *, style: Any = None, stems: Mapping[str, np.ndarray] | None = None,
            audio: np.ndarray | None = None, sample_rate: int = 48_000, catalogue: Mapping[str, Any] | None = None,
            ending_expected: bool = True) -> tuple[Figures, Passes]:
    """Every craft figure of one result, and its pass (True/False) or None where the target does not apply or the
    inputs are missing. ``midi`` is a ``mido.MidiFile``; ``style`` the :class:`Style` that wrote it (its ``bends``
    and ``inversions`` decide two targets); ``stems`` maps track names to audio; ``audio`` is the mix; the ending
    is judged only when ``ending_expected`` (not for a loop or a fade the prompt asked for)."""
    piece = read_midi(midi, info.get("tracks") or [])
    figures: Figures = {}
    passes: Passes = {}
    _timing(piece, info, style, figures, passes)
    _performance(piece, info, style, figures, passes)
    figures["instruments"] = named_instruments(piece, info.get("brief") or {}, catalogue)
    _audio(piece, info, stems, audio, sample_rate, ending_expected, figures, passes)
    return figures, passes
