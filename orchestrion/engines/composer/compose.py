"""Compose: a brief and a seed become a :class:`.score.Score`.

The stages run in order — ensemble (:mod:`.arrange`), form sized to the duration (:mod:`.form`), harmony with
motion (:mod:`.harmony`), voice-led voicings (:mod:`.voicing`) — then every part is written by the writer its role
names in :data:`WRITERS`: melody and counter-lines from developed motifs (:mod:`.melody`), comping and arpeggios
(:mod:`.rhythm`), bass lines (:mod:`.bass`), drums and hand percussion (:mod:`.drums`), pitched percussion and
sound effects (:mod:`.parts`). Which sections a part plays in is the role's entry in :data:`PLAYS`. Parts are
written on the grid with accent velocities; the performance layer (:mod:`.perform`) then plays them — swing,
pocket, dynamics, expression, articulation, strums and bends. Every random choice draws from generators seeded by
(seed, brief, part), so a request always composes the same score; what the prompt left open (key, tempo) is drawn
from the seed first (:mod:`.variation`).
"""

from __future__ import annotations

import dataclasses
import hashlib
import random
from dataclasses import dataclass, field
from typing import Callable

from .arrange import Part, choose_ensemble
from .bass import bass_bar
from .brief import Brief
from .drums import DrumBar, drum_part, hand_part
from .form import SectionPlan, fit_bars, plan_form
from .given import Given, given_harmony, section_plans
from .harmony import BarHarmony, chord_spans, plan_harmony, progression_bars, requested_harmony
from .melody import write_counter, write_melody
from .parts import fx_part, pitched_percussion
from .perform import perform
from .rhythm import SINGLE_LINE, arp_bar, comp_bar
from .score import KeyChange, Note, Score, Section, TempoChange, Track
from .styles import DEFAULT_STYLE, STYLES, Style
from .theory import Chord
from .variation import settle
from .voicing import power_chord, voice_progression

__all__ = ["PLAYS", "Piece", "WRITERS", "compose"]

Event = tuple[float, float, int, float]  # absolute beat, duration, pitch, accent (1.0 = an ordinary note)
_BODY = ("A", "B", "bridge", "build")


@dataclass
class Piece:
    """Everything the part writers share: the brief, the style, the form, the harmony and the ensemble."""

    brief: Brief
    style: Style
    seed: int
    bar_beats: float
    compound: bool
    bpm: float
    phrase_bars: int
    sections: list[SectionPlan]
    harmony: list[BarHarmony]
    parts: list[Part]
    section_of_bar: list[SectionPlan] = field(default_factory=list)
    #: Written once and shared: the tune (the doubling and the counter-lines read it) and the drum bars.
    _tune: list[Event] | None = field(default=None, repr=False)
    _drum_bars: list[DrumBar] | None = field(default=None, repr=False)

    @property
    def total_bars(self) -> int:
        return len(self.harmony)

    @property
    def length_beats(self) -> float:
        return self.total_bars * self.bar_beats

    def rng(self, part: str) -> random.Random:
        digest = hashlib.blake2b(f"{self.seed}|{self.brief.variation}|{self.brief.style}|{part}".encode(),
                                 digest_size=8).digest()
        return random.Random(int.from_bytes(digest, "big"))

    def roles(self) -> set[str]:
        return {p.role for p in self.parts}

    @property
    def peak(self) -> float:
        """The energy of the piece's loudest body section (a quiet piece's climax is still its climax)."""
        return max((s.energy for s in self.sections if s.kind in _BODY), default=0.5)


# --- which sections a part plays in ---------------------------------------------------------------------------
Plays = Callable[[SectionPlan, Part, Piece], bool]
PLAYS: dict[str, Plays] = {
    "pad": lambda s, p, pc: True,
    "counter": lambda s, p, pc: (p.named and s.kind in _BODY + ("outro",)) or s.energy >= min(0.7, pc.peak - 0.1)
                                 or (s.kind == "bridge" and not pc.style.electronic),
    "doubling": lambda s, p, pc: (p.named and s.kind in _BODY) or s.energy >= min(0.82, pc.peak - 0.03),
    "harmony": lambda s, p, pc: p.named or s.energy >= 0.42 or "pad" not in pc.roles()
                                or (s.kind == "intro" and pc.style.comp in ("ballad", "arpeggio")),
    "arp": lambda s, p, pc: p.named or s.energy >= 0.5 or s.kind == "build"
                            or (s.kind in ("intro", "bridge") and pc.style.form != "build_drop"  # breakdowns are bare
                                and pc.style.arp in ("sparkle", "up16", "ostinato16", "bell")),
    "bass": lambda s, p, pc: p.named or s.energy >= 0.4 or not ({"pad", "harmony"} & pc.roles()),
    "percussion": lambda s, p, pc: p.named or p.featured or s.energy >= 0.6 or s.kind in ("intro", "build"),
}


def _plays(part: Part, section: SectionPlan, piece: Piece) -> bool:
    if section.kind == "end":
        return part.role not in ("counter", "doubling", "arp")
    return PLAYS.get(part.role, lambda s, p, pc: True)(section, part, piece)


# --- writers ----------------------------------------------------------------------------------------------------
def _bar_chords(h: BarHarmony) -> list[tuple[float, Chord]]:
    return [(0.0, h.chord)] + list(h.changes)


def _polyphony(part: Part) -> int:
    """How many notes the instrument can sound at once, as the part is written."""
    inst = part.instrument
    if inst.gm_family in ("reed", "pipe") or inst.family in ("woodwind", "voice") and inst.id != "choir":
        return 1
    if inst.gm_family == "brass" and inst.id not in ("brass", "synth_brass", "synth_brass_2"):
        return 1
    if inst.gm_family == "strings" and inst.id not in ("harp", "pizzicato", "tremolo_strings"):
        return 2  # a solo string: a double stop at most
    return 4


def _comp(part: Part, piece: Piece) -> list[Event]:
    style = piece.style
    pattern = "sustain" if part.role == "pad" else style.comp
    voices = min(4 if part.role == "pad" or pattern in ("sustain", "swell", "ballad", "chorale") else 3,
                 _polyphony(part))
    if voices < 3 and pattern not in SINGLE_LINE:
        pattern = "quartet" if voices == 2 else "sustain"
    flat = [(bar, offset, chord) for bar, h in enumerate(piece.harmony) for offset, chord in _bar_chords(h)]
    voicings = voice_progression([c for _, _, c in flat], part.low, part.high, voices)
    events: list[Event] = []
    rng = piece.rng(part.name)
    by_bar: dict[int, list[tuple[float, tuple[int, ...], Chord]]] = {}
    for (bar, offset, chord), voicing in zip(flat, voicings):
        by_bar.setdefault(bar, []).append((offset, voicing, chord))
    for bar, segments in by_bar.items():
        section = piece.section_of_bar[bar]
        if not _plays(part, section, piece):
            continue
        if part.role == "harmony" and pattern == "swell" and section.energy < 0.7 and section.kind != "end":
            continue
        bar_pattern = "sustain" if section.kind == "end" and pattern != "ballad" else pattern
        _, voicing, chord = segments[0]
        if bar_pattern in ("power", "gallop", "chug"):
            voicing = power_chord(chord, max(part.low, 40))
        for offset, duration, pitch, accent in comp_bar(bar_pattern, voicing, chord, piece.bar_beats, piece.compound,
                                                        section.energy, rng, bar):
            for change_at, change_voicing, change_chord in segments[1:]:  # later chords in the bar re-voice it
                if offset >= change_at - 1e-6 and pitch in voicing:
                    target = change_voicing if bar_pattern not in ("power", "gallop", "chug") else power_chord(
                        change_chord, max(part.low, 40))
                    pitch = target[min(voicing.index(pitch), len(target) - 1)]
            if segments[1:] and offset < segments[1][0] < offset + duration:
                duration = segments[1][0] - offset  # a held chord gives way to the next
            duration = min(duration, piece.bar_beats - offset)  # nor rings over the next bar's chord
            events.append((bar * piece.bar_beats + offset, duration, pitch, accent))
    return events


def _arp(part: Part, piece: Piece) -> list[Event]:
    voicings = voice_progression([h.chord for h in piece.harmony], part.low, min(part.low + 14, part.high), 3)
    rng = piece.rng(part.name)
    pattern = piece.style.arp if part.index == 0 else ("up8" if piece.style.arp != "up8" else "sparkle")
    events: list[Event] = []
    for bar, (h, voicing) in enumerate(zip(piece.harmony, voicings)):
        section = piece.section_of_bar[bar]
        if _plays(part, section, piece):
            for offset, duration, pitch, accent in arp_bar(pattern, voicing, h.chord, piece.bar_beats, part.low,
                                                           part.high, rng, bar):
                events.append((bar * piece.bar_beats + offset, duration, pitch, accent))
    return events


def _bass(part: Part, piece: Piece) -> list[Event]:
    rng = piece.rng(part.name)
    events: list[Event] = []
    for bar, h in enumerate(piece.harmony):
        section = piece.section_of_bar[bar]
        if not _plays(part, section, piece):
            continue
        pattern = "drone" if section.kind == "end" else piece.style.bass
        if section.energy < 0.45 and pattern not in ("waltz", "none", "drone", "chorale", "808", "sub", "log_drum"):
            pattern = "root"  # quiet sections hold roots
        line = bass_bar(pattern, h.chord, h.next_chord, h.key, piece.bar_beats, piece.compound, part.low, part.high,
                        bar, rng, h.bass)
        for (change_at, _), change_bass in zip(h.changes, h.change_basses):  # a chord inside the bar moves the bass
            shift = (change_bass - h.bass + 6) % 12 - 6
            line = [(t, d, p + shift if t >= change_at - 1e-6 else p, a) for t, d, p, a in line]
            if not any(abs(t - change_at) < 1e-6 for t, _, _, _ in line) and pattern not in ("none",):
                line = [(t, min(d, change_at - t) if t < change_at else d, p, a) for t, d, p, a in line]
                held = next((p for t, _, p, _ in reversed(line) if t < change_at), None)
                if held is not None:
                    line.append((change_at, piece.bar_beats - change_at, held + shift, 0.85))
        events += [(bar * piece.bar_beats + offset, duration, pitch, accent) for offset, duration, pitch, accent in line]
    return events


def _tune(piece: Piece, fallback: Part) -> list[Event]:
    """The melody part's tune (the first part asking's register when the piece has no melody part)."""
    if piece._tune is None:
        source = next((p for p in piece.parts if p.role == "melody"), fallback)
        piece._tune = write_melody(source.low, source.high, piece.sections, piece.harmony, piece.style,
                                   piece.bar_beats, piece.compound, piece.phrase_bars, piece.rng("melody"))
    return piece._tune


def _melody(part: Part, piece: Piece) -> list[Event]:
    events = _tune(piece, part)
    if part.role != "doubling":
        return events
    return [(t, d, p + 12 if p + 12 <= part.high else p, a * 0.9) for t, d, p, a in events
            if _plays(part, piece.section_of_bar[min(int(t // piece.bar_beats), piece.total_bars - 1)], piece)]


def _counter(part: Part, piece: Piece) -> list[Event]:
    tune = _tune(piece, part)
    events = write_counter(part.low, part.high, piece.sections, piece.harmony, piece.style, piece.bar_beats,
                           piece.rng(part.name), melody=tune)
    events = [e for e in events
              if _plays(part, piece.section_of_bar[min(int(e[0] // piece.bar_beats), piece.total_bars - 1)], piece)]
    if part.named and len(events) < 2 * piece.total_bars:
        # a named player with a slow line joins the tune in the choruses (the horns take the hook), in its own
        # octave — and throughout when the line alone would leave it barely heard
        joins = ("B",) if len(events) >= 8 else ("A", "B", "bridge", "outro")
        choruses = {i for i, s in enumerate(piece.section_of_bar) if s.kind in joins}
        events = [e for e in events if int(e[0] // piece.bar_beats) not in choruses]
        events += [(t, d, _into(p, part.low, part.high), a * 0.9) for t, d, p, a in tune
                   if int(t // piece.bar_beats) in choruses]
    return events


def _into(pitch: int, low: int, high: int) -> int:
    """``pitch`` moved by octaves into [low, high] (the nearest octave when the range is narrower)."""
    while pitch > high:
        pitch -= 12
    while pitch < low:
        pitch += 12
    return pitch


def _drum_bars(piece: Piece) -> list[DrumBar]:
    if piece._drum_bars is not None:
        return piece._drum_bars
    bars = []
    for bar in range(piece.total_bars):
        section = piece.section_of_bar[bar]
        following = piece.section_of_bar[bar + 1] if bar + 1 < piece.total_bars else None
        next_section = None if following is None else following.name
        if following is section:
            next_section = section.name
        bars.append(DrumBar(
            index=bar, start=bar * piece.bar_beats, beats=piece.bar_beats, section=section.name,
            energy=section.energy, first=bar == section.start_bar, last=bar == section.start_bar + section.bars - 1,
            next_section=next_section, next_energy=None if following is None else following.energy,
            final=section.kind == "end" and bar == piece.total_bars - 1,
        ))
    piece._drum_bars = bars
    return bars


def _groove(piece: Piece) -> str:
    return piece.style.drums or {3.0: "waltz"}.get(piece.bar_beats, "pop")


def _drums(part: Part, piece: Piece) -> list[Event]:
    return drum_part(_groove(piece), _drum_bars(piece), piece.compound, piece.rng(part.name))


def _hand(part: Part, piece: Piece) -> list[Event]:
    return hand_part(part.voice, _groove(piece), _drum_bars(piece), piece.compound, piece.rng(part.name))


def _percussion(part: Part, piece: Piece) -> list[Event]:
    plays = [_plays(part, piece.section_of_bar[bar], piece) for bar in range(piece.total_bars)]
    return pitched_percussion(part, piece.sections, piece.harmony, piece.bar_beats, plays, piece.rng(part.name),
                              stingers=piece.style.form == "through")


def _fx(part: Part, piece: Piece) -> list[Event]:
    return fx_part(part, piece.sections, piece.harmony, piece.bar_beats, piece.bpm, piece.rng(part.name))


Writer = Callable[[Part, Piece], list[Event]]
WRITERS: dict[str, Writer] = {
    "melody": _melody, "doubling": _melody, "counter": _counter, "harmony": _comp, "pad": _comp, "arp": _arp,
    "bass": _bass, "percussion": _percussion, "fx": _fx, "hand": _hand, "drums": _drums,
}


# --- the piece --------------------------------------------------------------------------------------------------
def _plan(brief: Brief, seed: int, given: Given) -> Piece:
    style = STYLES.get(brief.style) or STYLES[DEFAULT_STYLE]
    key = brief.key
    bar_beats = brief.beats_per_bar
    compound = brief.metre[1] == 8 and brief.metre[0] % 3 == 0
    bpm, duration, loop = brief.bpm, max(brief.duration, 1.0), brief.loop
    # bars: the music fills the duration less a release tail; a loop fills it exactly
    tail = 0.0 if loop else min(2.0, max(0.6, duration * 0.1))
    bar_seconds = bar_beats * 60.0 / bpm
    total_bars = fit_bars(style.form, max(1, int(round((duration - tail) / bar_seconds))), loop)
    if given.sections:
        total_bars = sum(s.bars for s in given.sections)
    if loop and "bpm" not in brief.explicit:
        bpm = total_bars * bar_beats * 60.0 / duration
    phrase_bars = progression_bars(style, key)
    if phrase_bars == 4 and bar_seconds < 1.6 and total_bars >= 40:
        phrase_bars = 8
    cycle = len(brief.chords) * brief.bars_per_chord
    if brief.chords and 2 <= cycle <= 16:
        phrase_bars = max(cycle, 4)  # the phrases follow the requested progression
    arc = "build" if "build" in brief.hints else "flat" if "flat" in brief.hints else "arc"
    piece = Piece(brief, style, seed, bar_beats, compound, bpm, phrase_bars, [], [], [])
    piece.parts = choose_ensemble(brief, style, piece.rng("ensemble"))
    if given.sections:  # the request's plan, bar for bar
        piece.sections = section_plans(given.sections)
    else:
        piece.sections = plan_form(total_bars, phrase_bars, loop, arc, piece.rng("form"), style.form)
    if given.chords:  # harmony kept from elsewhere (a remix's source, a MIDI file), change for change
        piece.harmony = given_harmony(piece.sections, given.chords, key, bar_beats)
    elif brief.chords:  # the request's progression, played as written
        piece.harmony = requested_harmony(piece.sections, brief.chords, key, brief.bars_per_chord)
    else:
        piece.harmony = plan_harmony(piece.sections, style, key, loop, piece.rng("harmony"), bar_beats)
    piece.section_of_bar = [s for s in piece.sections for _ in range(s.bars)]
    if given.tune:
        piece._tune = _fitted_tune(given.tune, piece.parts)
    return piece


def _fitted_tune(tune: tuple[Event, ...], parts: list[Part]) -> list[Event]:
    """A given tune moved by whole octaves to sit best in the range of the part that plays it (a remix's tenor
    sax takes a piano's tune an octave down, whole, rather than folding its high notes one by one)."""
    player = next((p for p in parts if p.role == "melody"), None)
    if player is None:
        return list(tune)
    low, high = player.instrument.low, player.instrument.high

    def outside(shift: int) -> int:
        return sum(1 for _, _, pitch, _ in tune if not low <= pitch + shift <= high)

    shift = min((12 * k for k in range(-3, 4)), key=lambda s: (outside(s), abs(s)))
    return [(t, d, p + shift, a) for t, d, p, a in tune]


def _finish(part: Part, events: list[Event], piece: Piece) -> Track:
    """Keep pitches in the instrument's range, let the final chord ring, and write accent velocities."""
    inst = part.instrument
    length = piece.length_beats
    button = piece.style.form == "jingle"
    notes: list[Note] = []
    for start, duration, pitch, accent in sorted(events, key=lambda e: (e[0], e[2])):
        if not inst.is_drums:
            while pitch < inst.low:
                pitch += 12
            while pitch > inst.high:
                pitch -= 12
        start = max(start, 0.0)
        bar = min(max(int(start // piece.bar_beats), 0), piece.total_bars - 1)
        end = start + duration
        if piece.section_of_bar[bar].kind == "end" and not inst.is_drums:
            if button:  # a jingle's button: one tight hit
                end = start + min(duration, 0.5)
            elif part.role in ("pad", "harmony", "bass", "melody", "counter"):
                end = max(end, length + piece.bar_beats * 0.5)  # the last chord rings into the release
        if piece.brief.loop:
            if start >= length - 1e-6:
                continue
            end = min(end, length)
        velocity = int(min(max(round(100 * accent), 1), 127))
        notes.append(Note(round(start, 4), round(max(end - start, 0.05), 4), int(pitch), velocity))
    return Track(
        name=part.name, role=part.role, program=inst.program, is_drums=inst.is_drums, notes=notes,
        pan=part.pan, volume=part.volume, reverb=part.reverb, chorus=part.chorus, bank=inst.bank,
        instrument=part.voice or inst.id, named=part.named, featured=part.featured,
    )


def _tempo_map(piece: Piece) -> list[TempoChange]:
    tempo = [TempoChange(0.0, round(piece.bpm, 3))]
    if piece.style.ritardando and not piece.brief.loop and piece.total_bars >= 4:
        start = (piece.total_bars - 2) * piece.bar_beats
        for i, factor in enumerate((0.96, 0.92, 0.87, 0.82)):
            tempo.append(TempoChange(start + i * piece.bar_beats / 2, round(piece.bpm * factor, 3)))
    return tempo


def _silence_before_drops(tracks: list[Track], piece: Piece) -> None:
    """The beat before a drop is silent: every part lets go, so the drop lands on an empty room."""
    for section in piece.sections:
        if section.name != "drop" or section.start_bar == 0:
            continue
        drop = section.start_bar * piece.bar_beats
        gap = drop - (1.5 if piece.compound else 1.0)
        for track in tracks:
            kept = []
            for note in track.notes:
                if gap - 1e-6 <= note.start < drop - 1e-6:
                    continue
                if note.start < gap < note.start + note.duration:
                    note = Note(note.start, round(gap - note.start, 4), note.pitch, note.velocity)
                kept.append(note)
            track.notes = kept


def _key_changes(piece: Piece) -> list[KeyChange]:
    changes: list[KeyChange] = []
    current = piece.brief.key
    for bar, h in enumerate(piece.harmony):
        if h.key != current:
            changes.append(KeyChange(bar * piece.bar_beats, h.key.tonic, h.key.mode))
            current = h.key
    return changes


def _section_players(tracks: list[Track], piece: Piece, given: Given) -> None:
    """A planned section that names its instruments plays only those (or, naming none of the ensemble, all but
    what it excludes); one without drums leaves the kit and hand percussion out."""
    for spec, section in zip(given.sections, piece.sections):
        if spec.instruments is None and spec.drums:
            continue
        start, end = section.start_bar * piece.bar_beats, (section.start_bar + section.bars) * piece.bar_beats
        named = {t.instrument for t in tracks} & (spec.instruments or frozenset())
        for track in tracks:
            percussive = track.is_drums or track.role in ("drums", "hand")
            silent = (percussive and not spec.drums) or (bool(named) and not percussive and
                                                         track.instrument not in named)
            if silent:
                track.notes = [n for n in track.notes if not start - 1e-6 <= n.start < end - 1e-6]


def compose(brief: Brief, seed: int, given: Given | None = None) -> Score:
    """The score for ``brief``; the same ``(brief, seed, given)`` always gives the same score. ``given`` fixes
    the section plan, the harmony or the tune instead of composing them."""
    brief = settle(brief, seed)
    given = given or Given()
    piece = _plan(brief, seed, given)
    tracks = [_finish(part, WRITERS[part.role](part, piece), piece) for part in piece.parts]
    _section_players(tracks, piece, given)
    tracks = [t for t in tracks if t.notes or t.named]  # a part the form never called on is not a silent stem
    _silence_before_drops(tracks, piece)
    bar_beats = piece.bar_beats
    score = Score(
        tempo=_tempo_map(piece),
        time_signature=brief.metre,
        key_tonic=brief.key.tonic,
        key_mode=brief.key.mode,
        tracks=tracks,
        sections=[Section(s.name, s.start_bar * bar_beats, s.bars * bar_beats, round(s.energy, 3))
                  for s in piece.sections],
        length_beats=piece.length_beats,
        tail_seconds=0.0,
        production=brief.production,
        loop=brief.loop,
        chords=chord_spans(piece.harmony, bar_beats),
        keys=_key_changes(piece),
        style=piece.style.name,
        energy=brief.energy,
        fade_out="fade" in brief.hints,
    )
    if not brief.loop:
        score.tail_seconds = max(max(brief.duration, 1.0) - score.seconds_at(score.length_beats), 0.5)
    feel = piece.style if brief.swing is None else dataclasses.replace(piece.style, swing=brief.swing)
    return perform(score, feel, piece.rng("perform"))
