"""Compose: a brief and a seed become a :class:`.score.Score`.

The stages run in order — ensemble (:mod:`.arrange`), form sized to the duration (:mod:`.form`), a chord per bar
(:mod:`.harmony`), voice-led voicings (:mod:`.voicing`), then every part bar by bar: melody from motifs
(:mod:`.melody`), comping, bass and arpeggios (:mod:`.rhythm`), drums (:mod:`.drums`) — each following its
section's energy. Swing and humanised timing and velocity come last, and a ritardando into a held final tonic
chord closes the piece (a looping piece instead runs straight back into its start). Every random choice draws
from generators seeded by (seed, brief, part), so a request always composes the same score; what the prompt left
open (key, tempo) is drawn from the seed first (:mod:`.variation`).
"""

from __future__ import annotations

import hashlib
import random

from .arrange import Part, choose_ensemble
from .brief import Brief
from .drums import drum_bar, groove_for
from .form import SectionPlan, plan_form
from .harmony import BarHarmony, plan_harmony, progression_bars
from .melody import counter_line, make_motif, realise_phrase
from .rhythm import arp_bar, bass_bar, comp_bar, swing_offset
from .score import Control, Note, Score, Section, TempoChange, Track
from .styles import DEFAULT_STYLE, STYLES, Style
from .theory import Key
from .variation import settle
from .voicing import power_chord, voice_progression

__all__ = ["compose"]

_VELOCITY = {  # role: velocity at energy 0 and 1
    "melody": (58, 112), "counter": (45, 100), "doubling": (40, 88), "harmony": (40, 96), "pad": (38, 90),
    "arp": (36, 86), "bass": (62, 110), "percussion": (55, 118), "drums": (52, 122),
}
#: Patches far louder than their peers in General MIDI fonts (a sine sub bass swamps a mix at equal velocity).
_LEVEL = {"sub_bass": 0.8}
_TIMING_LAG_MS = {"harmony": 6.0, "bass": 2.0}  # behind-the-beat feel for humanised styles

Event = tuple[float, float, int, float]  # absolute beat, duration, pitch, accent


def _rng(seed: int, brief: Brief, part: str) -> random.Random:
    digest = hashlib.blake2b(f"{seed}|{brief.variation}|{brief.style}|{part}".encode(), digest_size=8).digest()
    return random.Random(int.from_bytes(digest, "big"))


def _plays(role: str, section: SectionPlan, style: Style, parts: dict[str, Part]) -> bool:
    kind, energy = section.kind, section.energy
    if kind == "end":
        return role not in ("counter", "doubling", "arp")
    if role == "pad":
        return True
    if role == "melody":
        return kind in ("A", "B", "bridge", "outro")
    if role == "counter":
        return energy >= 0.7 or (kind == "bridge" and not style.electronic)
    if role == "doubling":
        return energy >= 0.82
    if role == "harmony":
        return energy >= 0.42 or "pad" not in parts or kind == "intro" and style.comp in ("ballad", "arpeggio")
    if role == "arp":
        return energy >= 0.5 or (kind in ("intro", "bridge") and style.arp in ("sparkle", "up16", "ostinato16"))
    if role == "bass":
        return energy >= 0.4 or "pad" not in parts and "harmony" not in parts
    if role == "percussion":
        return energy >= 0.7 or kind == "intro"
    return True  # drums: the groove itself thins out with energy


def _steps_range(key: Key, low: int, high: int) -> tuple[int, int]:
    low_step = key.step_of(low, 0)
    if key.degree_pitch(low_step, 0) < low:
        low_step += 1
    high_step = key.step_of(high, 0)
    return low_step, max(high_step, low_step)


def _melody(part: Part, sections: list[SectionPlan], harmony: list[BarHarmony], key: Key, style: Style,
            bar_beats: float, compound: bool, phrase_bars: int, rng: random.Random) -> list[Event]:
    low_step, high_step = _steps_range(key, part.low, part.high)
    span = high_step - low_step
    motifs = {kind: make_motif(style.melody, bar_beats, compound, rng) for kind in ("A", "B", "bridge")}
    events: list[Event] = []
    step = low_step + span // 3
    step -= (step % 7)  # start from the tonic
    step = max(step, low_step)
    for section in sections:
        first_bar = section.start_bar
        chords = [h.chord for h in harmony[first_bar : first_bar + section.bars]]
        if not _plays("melody", section, style, {}):
            continue
        if section.kind == "end":
            tonics = [s for s in range(low_step, high_step + 1) if s % 7 == 0]
            step = min(tonics, key=lambda s: abs(s - step)) if tonics else step
            events.append((first_bar * bar_beats, bar_beats, key.degree_pitch(step, 0), 0.85))
            continue
        kind = "A" if section.kind == "outro" else section.kind
        motif = motifs[kind]
        if section.kind == "A" and section.occurrence > 0:
            motif = make_motif(style.melody, bar_beats, compound, rng) if rng.random() < 0.3 else motif
        lift = {"B": span // 3, "bridge": -2}.get(kind, 0)
        phrase = min(phrase_bars if phrase_bars <= 8 else 4, section.bars) or 1
        bars_done = 0
        phrase_index = 0
        while bars_done < section.bars:
            size = min(phrase, section.bars - bars_done)
            chunk = chords[bars_done : bars_done + size]
            last_phrase = bars_done + size >= section.bars
            start = min(max(step + (lift if phrase_index == 0 else 0), low_step), high_step)
            notes, step = realise_phrase(motif, chunk, key, bar_beats, start, low_step, high_step,
                                         closes=last_phrase or phrase_index % 2 == 1, rng=rng)
            origin = (first_bar + bars_done) * bar_beats
            accent = 0.9 if kind == "B" else 0.8
            for offset, duration, note_step in notes:
                pitch = key.degree_pitch(note_step, 0)
                strong = 1.0 if offset % bar_beats == 0 else 0.9
                events.append((origin + offset, duration * 0.95, pitch, accent * strong))
            bars_done += size
            phrase_index += 1
            if section.kind == "outro":
                break
    return events


def _timpani(part: Part, sections: list[SectionPlan], harmony: list[BarHarmony], key: Key,
             bar_beats: float) -> list[Event]:
    tonic = part.low + (key.tonic - part.low) % 12
    dominant = tonic + 7 if tonic + 7 <= part.high else tonic - 5
    events: list[Event] = []
    for section in sections:
        for bar in range(section.start_bar, section.start_bar + section.bars):
            t = bar * bar_beats
            h = harmony[bar]
            pitch = dominant if h.chord.root == (key.tonic + 7) % 12 else tonic
            if section.kind == "end" or (h.cadence and section.energy >= 0.3):
                count = int(bar_beats * 4)
                for i in range(count):  # a roll swelling into the arrival
                    events.append((t + i * 0.25, 0.25, pitch, 0.35 + 0.6 * i / count))
                if section.kind == "end":
                    events.append((t + bar_beats, 1.0, tonic, 1.0))
            elif section.energy >= 0.7:
                events.append((t, 1.0, pitch, 1.0))
                if bar_beats >= 4 and bar % 2 == 1:
                    events.append((t + bar_beats / 2, 1.0, pitch, 0.8))
            elif section.kind == "intro" and bar == section.start_bar:
                events.append((t, 2.0, tonic, 0.7))
    return events


def compose(brief: Brief, seed: int) -> Score:
    """The score for ``brief``; the same ``(brief, seed)`` always gives the same score."""
    brief = settle(brief, seed)
    style = STYLES.get(brief.style) or STYLES[DEFAULT_STYLE]
    key = brief.key
    bar_beats = brief.beats_per_bar
    compound = brief.metre[1] == 8 and brief.metre[0] % 3 == 0
    bpm = brief.bpm
    loop = brief.loop
    duration = max(brief.duration, 1.0)

    # bars: the music fills the duration less a release tail; a loop fills it exactly
    tail = 0.0 if loop else min(2.0, max(0.6, duration * 0.1))
    bar_seconds = bar_beats * 60.0 / bpm
    total_bars = max(1, int(round((duration - tail) / bar_seconds)))
    if loop and "bpm" not in brief.explicit:
        bpm = total_bars * bar_beats * 60.0 / duration
    phrase_bars = progression_bars(style, key)
    if phrase_bars == 4 and bar_seconds < 1.6 and total_bars >= 40:
        phrase_bars = 8
    arc = "build" if "build" in brief.hints else "flat" if "flat" in brief.hints else "arc"

    parts = choose_ensemble(brief, style, _rng(seed, brief, "ensemble"))
    by_role = {p.role: p for p in parts}
    sections = plan_form(total_bars, phrase_bars, loop, arc, _rng(seed, brief, "form"))
    harmony = plan_harmony(sections, style, key, loop, _rng(seed, brief, "harmony"))
    section_of_bar = [s for s in sections for _ in range(s.bars)]
    chords = [h.chord for h in harmony]

    swing = brief.swing if brief.swing is not None else style.swing
    swing_unit = style.swing_unit
    humanize = 0.0 if style.electronic else style.humanize_ms
    beat_per_ms = bpm / 60000.0

    tracks: list[Track] = []
    for part in parts:
        rng = _rng(seed, brief, part.name)
        role = part.role
        events: list[Event] = []
        controls: list[Control] = []
        if role in ("melody", "doubling"):
            source = by_role.get("melody", part)
            events = _melody(source, sections, harmony, key, style, bar_beats, compound, phrase_bars,
                             _rng(seed, brief, "melody"))
            if role == "doubling":
                events = [(t, d, p + 12 if p + 12 <= part.high else p, a * 0.9) for t, d, p, a in events
                          if _plays("doubling", section_of_bar[min(int(t // bar_beats), total_bars - 1)], style, by_role)]
        elif role == "counter":
            line = counter_line(chords, key, part.low, part.high, bar_beats, rng)
            for bar, (offset, dur, pitch) in enumerate(line):
                bar_index = min(int(offset // bar_beats), total_bars - 1)
                if _plays("counter", section_of_bar[bar_index], style, by_role):
                    events.append((offset, dur * 0.97, pitch, 0.85))
        elif role in ("harmony", "pad"):
            voices = 4 if role == "pad" or style.comp in ("sustain", "swell", "ballad") else 3
            voicings = voice_progression(chords, part.low, part.high, voices)
            pattern = "sustain" if role == "pad" else style.comp
            for bar, (h, voicing) in enumerate(zip(harmony, voicings)):
                section = section_of_bar[bar]
                if not _plays(role, section, style, by_role):
                    continue
                if role == "harmony" and pattern == "swell" and section.energy < 0.7 and section.kind != "end":
                    continue
                if pattern in ("power", "gallop"):
                    voicing = power_chord(h.chord, max(part.low, 40))
                bar_pattern = "sustain" if section.kind == "end" and pattern not in ("ballad",) else pattern
                for offset, dur, pitch, accent in comp_bar(bar_pattern, voicing, h.chord, bar_beats, compound,
                                                           section.energy, rng):
                    events.append((bar * bar_beats + offset, dur, pitch, accent))
                if pattern == "ballad":  # the sustain pedal, lifted and caught again at each chord
                    controls += [Control(bar * bar_beats + 0.02, 64, 127), Control((bar + 1) * bar_beats - 0.05, 64, 0)]
        elif role == "arp":
            voicings = voice_progression(chords, part.low, min(part.low + 14, part.high), 3)
            for bar, (h, voicing) in enumerate(zip(harmony, voicings)):
                section = section_of_bar[bar]
                if _plays("arp", section, style, by_role):
                    for offset, dur, pitch, accent in arp_bar(style.arp, voicing, h.chord, bar_beats, part.low,
                                                              part.high, rng):
                        events.append((bar * bar_beats + offset, dur, pitch, accent))
        elif role == "bass":
            for bar, h in enumerate(harmony):
                section = section_of_bar[bar]
                if not _plays("bass", section, style, by_role):
                    continue
                pattern = "drone" if section.kind == "end" else style.bass
                if section.energy < 0.5 and pattern not in ("waltz", "none", "drone"):
                    pattern = "root"  # quiet sections hold roots
                for offset, dur, pitch, accent in bass_bar(pattern, h.chord, h.next_chord, key, bar_beats, compound,
                                                           part.low, part.high, bar, rng):
                    events.append((bar * bar_beats + offset, dur, pitch, accent))
        elif role == "percussion":
            events = _timpani(part, sections, harmony, key, bar_beats)
        elif role == "drums":
            groove_name = style.drums or {3.0: "waltz"}.get(bar_beats, "pop")
            if "hand" in brief.hints:
                groove_name = "hand"
            groove = groove_for(groove_name, bar_beats, compound)
            for bar in range(total_bars):
                section = section_of_bar[bar]
                next_section = section_of_bar[bar + 1] if bar + 1 < total_bars else None
                last_of_section = next_section is not None and next_section is not section
                rising = last_of_section and next_section.energy > section.energy + 0.1
                crash = bar == section.start_bar and section.energy >= 0.6 and bar > 0
                final = section.kind == "end"
                for offset, dur, pitch, accent in drum_bar(groove, section.energy, rising, crash, final, rng):
                    events.append((bar * bar_beats + offset, dur, pitch, accent))

        length_beats = total_bars * bar_beats
        tracks.append(_finish(part, events, controls, section_of_bar, bar_beats, length_beats, loop, swing,
                              swing_unit, humanize, beat_per_ms, rng))

    length_beats = total_bars * bar_beats
    tempo = [TempoChange(0.0, round(bpm, 3))]
    if style.ritardando and not loop and total_bars >= 4:
        start = (total_bars - 2) * bar_beats
        for i, factor in enumerate((0.96, 0.92, 0.87, 0.82)):
            tempo.append(TempoChange(start + i * bar_beats / 2, round(bpm * factor, 3)))
    score = Score(
        tempo=tempo,
        time_signature=brief.metre,
        key_tonic=key.tonic,
        key_mode=key.mode,
        tracks=tracks,
        sections=[Section(s.name, s.start_bar * bar_beats, s.bars * bar_beats, round(s.energy, 3)) for s in sections],
        length_beats=length_beats,
        tail_seconds=0.0,
        production=brief.production,
        loop=loop,
    )
    if not loop:
        score.tail_seconds = max(duration - score.seconds_at(length_beats), 0.5)
    return score


def _finish(part: Part, events: list[Event], controls: list[Control], section_of_bar: list[SectionPlan],
            bar_beats: float, length_beats: float, loop: bool, swing: float, swing_unit: float, humanize: float,
            beat_per_ms: float, rng: random.Random) -> Track:
    """Swing, humanise and scale velocity by the section's energy; keep pitches in the part's instrument range."""
    low_v, high_v = _VELOCITY[part.role]
    inst = part.instrument
    jitter = humanize * beat_per_ms
    lag = _TIMING_LAG_MS.get(part.role, 0.0) * beat_per_ms if humanize else 0.0
    notes: list[Note] = []
    last_bar = len(section_of_bar) - 1
    for start, duration, pitch, accent in sorted(events, key=lambda e: (e[0], e[2])):
        section = section_of_bar[min(max(int(start // bar_beats), 0), last_bar)]
        if not inst.is_drums:
            while pitch < inst.low:
                pitch += 12
            while pitch > inst.high:
                pitch -= 12
        swung = swing_offset(start, swing, swing_unit) if part.role != "pad" else start
        if jitter and part.role != "pad":
            swung += rng.gauss(0.0, jitter * 0.5) + lag
        swung = max(swung, 0.0)
        end = swung + duration
        if section.kind == "end" and not inst.is_drums and part.role in ("pad", "harmony", "bass", "melody"):
            end = max(end, length_beats + bar_beats * 0.5)  # the last chord rings into the release
        if loop:
            end = min(end, length_beats)
            if swung >= length_beats - 1e-6:
                continue
        velocity = (low_v + (high_v - low_v) * section.energy) * accent * _LEVEL.get(inst.id, 1.0)
        velocity += rng.uniform(-5.0, 5.0) if humanize or part.role == "drums" else 0.0
        notes.append(Note(round(swung, 4), round(max(end - swung, 0.05), 4), int(pitch),
                          int(min(max(velocity, 1), 127))))
    return Track(
        name=part.name, role=part.role, program=inst.program, is_drums=inst.is_drums, notes=notes,
        controls=controls, pan=part.pan, volume=part.volume, reverb=part.reverb, chorus=part.chorus,
    )
