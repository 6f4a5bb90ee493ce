"""Pitch bends where the idiom has them: guitar bends and slides, pedal steel, 808 glides, sitar meend, synth
portamento and whammy dives.

Pitch bend moves a whole channel, so a gesture only goes where its note sounds alone (a steel's bar may slide a
whole chord). Three kinds of gesture:

* **into a note** (guitar, slide, pedal steel): the bend is set below the note as it starts and rises to centre —
  the string fretted low and pushed up, the bar slid up — so the note ends where it was written and the bend
  ends at 0;
* **between notes** (808, sitar, portamento): the earlier note bends to the next note's pitch over the last part
  of the gap and carries on as that note: the two merge into one held note, because a fresh note-on would
  restart the sound and a bend held across it would detune it. The bend returns to 0 after the glide's last note
  has ended, before the track's next note;
* **the vibrato arm** (whammy): a metal phrase's last note dives a fifth or an octave as it ends (the arm springs
  back once it has died away), surf guitar dips and returns, shoegaze leans gently on whole held chords.

Each style with bends gets at least one gesture when any part can play it. Values span the track's bend range:
2 semitones for bends and slides, 12 for glides and dives.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable

from ..score import Bend, Track
from .feel import Feel, Part
from .timeline import Timeline
from .timing import Played

__all__ = ["KINDS", "apply_bends"]

#: Per idiom: the instruments that play it, then the roles to look in (in order), and the bend range it needs.
KINDS: dict[str, tuple[frozenset[str], tuple[str, ...], int]] = {
    "808": (frozenset({"sub_bass", "synth_bass"}), ("bass",), 12),
    "portamento": (frozenset({"saw_lead", "square_lead", "synth_lead", "supersaw", "sine_lead", "theremin",
                              "calliope_lead", "chiff_lead", "charang", "voice_lead", "fifths_lead"}),
                   ("melody", "counter"), 12),
    "sitar": (frozenset({"sitar"}), ("melody", "counter", "harmony", "arp"), 12),
    "guitar": (frozenset({"overdrive_guitar", "distortion_guitar", "clean_guitar", "jazz_guitar", "steel_guitar",
                          "nylon_guitar"}), ("melody", "counter"), 2),
    "slide": (frozenset({"dobro", "lap_steel", "pedal_steel", "steel_guitar", "clean_guitar", "overdrive_guitar",
                         "nylon_guitar", "fiddle", "fretless_bass", "electric_bass"}), ("melody", "counter", "bass"), 2),
    "pedal_steel": (frozenset({"pedal_steel", "lap_steel", "steel_guitar", "clean_guitar"}),
                    ("counter", "melody", "harmony", "pad"), 2),
    "whammy": (frozenset({"distortion_guitar", "overdrive_guitar", "clean_guitar"}), ("melody", "counter", "harmony"),
               12),
}
#: Families whose sound can be bent at all (pianos, mallets and drums cannot).
_BENDABLE = frozenset({"guitar", "bass", "strings", "woodwind", "reed", "brass", "voice", "synth", "world"})
_ALONE_MS = 35.0
#: How a style uses the vibrato arm ("dive" otherwise).
_WHAMMY = {"shoegaze": "wobble", "surf_rock": "dip"}


class _Line:
    """One track's notes, with the spans already taken by a gesture and the bend points written so far."""

    def __init__(self, part: Part, notes: list[Played], timeline: Timeline) -> None:
        self.part = part
        self.notes = sorted(notes, key=lambda n: (n.start, n.pitch))
        self.timeline = timeline
        self.taken: list[tuple[float, float]] = []
        self.points: list[tuple[float, float]] = []  # (beat, semitones)
        self.range = 0
        self.swells = False

    def free(self, start: float, end: float) -> bool:
        return all(end <= a or start >= b for a, b in self.taken)

    def alone(self, i: int, through: int | None = None) -> bool:
        """Notes i..through sound with nothing else on the track (a legato overlap at either end allowed)."""
        j = i if through is None else through
        notes, tol = self.notes, self.timeline.beats(_ALONE_MS, self.notes[i].start)
        if i > 0 and notes[i - 1].end > notes[i].start + tol:
            return False
        if j + 1 < len(notes) and notes[j + 1].start < notes[j].end - tol:
            return False
        return all(notes[k + 1].start >= notes[k].end - tol for k in range(i, j))

    def next_onset(self, i: int) -> float | None:
        return self.notes[i + 1].start if i + 1 < len(self.notes) else None

    def release(self, i: int) -> float:
        """When the bend may return to centre after note i: once it has died away, before the next note."""
        end = self.notes[i].end + 0.25
        following = self.next_onset(i)
        if following is not None:
            end = min(end, following - self.timeline.beats(1.0, following))
        if self.timeline.loop:
            end = min(end, self.timeline.length - 1e-3)
        return max(end, self.notes[i].start)


def _curve(line: _Line, start: float, end: float, frm: float, to: float, steps: int, ease: str) -> None:
    for k in range(steps + 1):
        x = k / steps
        shaped = math.sin(0.5 * math.pi * x) if ease == "out" else x * x if ease == "in" else x
        line.points.append((start + (end - start) * x, frm + (to - frm) * shaped))


def _groups(line: _Line) -> list[tuple[int, int]]:
    """(first, last) index of each chord's notes (a strummed chord's notes start a few ms apart)."""
    groups: list[tuple[int, int]] = []
    for i, n in enumerate(line.notes):
        first = line.notes[groups[-1][0]] if groups else None
        if first is not None and n.start - first.start < line.timeline.beats(_ALONE_MS, n.start):
            groups[-1] = (groups[-1][0], i)
        else:
            groups.append((i, i))
    return groups


def _into(line: _Line, rng: random.Random, kind: str) -> int:
    """Bends and slides into notes from below (a steel slides whole chords); returns how many were made."""
    tl = line.timeline
    notes = line.notes
    eligible = []
    for first, last in _groups(line):
        n = notes[first]
        tol = tl.beats(_ALONE_MS, n.start)
        if first != last:
            if kind != "pedal_steel":
                continue
            ends = min(notes[k].end for k in range(first, last + 1))
            if (first > 0 and notes[first - 1].end > n.start + tol) or (
                    last + 1 < len(notes) and notes[last + 1].start < ends - tol):
                continue
        elif not line.alone(first):
            continue
        length = min(notes[k].end for k in range(first, last + 1)) - n.start
        shortest = {"guitar": max(0.9, tl.beats(300.0, n.start)), "slide": 0.5, "pedal_steel": 1.0}[kind]
        if length >= shortest:
            eligible.append((n.start, length))
    chance = {"guitar": 0.4, "slide": 0.35, "pedal_steel": 0.45}[kind]
    chosen = []
    for start, length in eligible:  # an ornament, not a habit: at most one a bar
        if (not chosen or start - chosen[-1][0] >= tl.bar - 1e-6) and rng.random() < chance:
            chosen.append((start, length))
    if not chosen and eligible:  # the idiom is the style's: it is heard at least once
        chosen = [eligible[len(eligible) // 2]]
    made = 0
    for start, length in chosen:
        if kind == "guitar":
            semis, glide, steps, ease = (2.0 if rng.random() < 0.7 else 1.0), tl.beats(140.0, start), 6, "out"
        elif kind == "slide":
            semis, glide, steps, ease = (2.0 if rng.random() < 0.5 else 1.0), tl.beats(90.0, start), 4, "linear"
        else:
            semis, glide, steps, ease = (1.0 if rng.random() < 0.6 else 2.0), 0.5, 6, "out"
        glide = min(glide, 0.4 * length)
        if not line.free(start, start + glide):
            continue
        _curve(line, start, start + glide, -semis, 0.0, steps, ease)
        line.taken.append((start, start + glide))
        made += 1
    return made


def _glides(line: _Line, rng: random.Random, kind: str, force: bool = False) -> int:
    """Glides between consecutive notes, each merged into the note it slides from; with ``force``, only the
    first pair that can glide does (so a style's idiom is heard at least once)."""
    tl = line.timeline
    widest = {"808": 12, "sitar": 5, "portamento": 7}[kind]
    chance = {"808": 0.5, "sitar": 0.45, "portamento": 0.5}[kind]
    longest = {"808": 2, "sitar": 1, "portamento": 1}[kind]  # glides in a row before a note is struck again
    notes = line.notes
    made = 0
    i = 0
    while i < len(notes) - 1:
        a = notes[i]
        j = i + 1
        while j < len(notes) and j - i <= longest:
            before, b = notes[j - 1], notes[j]
            if kind == "808":
                glide, gap = max(0.125, tl.beats(45.0, b.start)), 0.5
            elif kind == "sitar":
                glide, gap = min(0.25, 0.4 * (b.start - before.start)), 0.25
            else:
                glide, gap = tl.beats(70.0, b.start), tl.beats(40.0, b.start)
            ok = (b.pitch != before.pitch and abs(b.pitch - a.pitch) <= widest and b.start - before.end <= gap
                  and b.start - glide >= before.start + 0.5 * (b.start - before.start) - 1e-9
                  and line.alone(i, j) and line.free(a.start, b.end))
            if not ok or not (force or rng.random() < chance):
                break
            _curve(line, b.start - glide, b.start, before.pitch - a.pitch, b.pitch - a.pitch, 4, "out")
            j += 1
            if force:
                break
        if j > i + 1:
            made += j - i - 1
            a.end = max(notes[k].end for k in range(i, j))
            del notes[i + 1 : j]
            back = line.release(i)
            line.points.append((back, 0.0))
            line.taken.append((a.start, back))
            if force:
                return made
        i += 1
    return made


def _arm_notes(line: _Line, manner: str, strict: bool) -> list[tuple[float, float, float]]:
    """(start, end, release) of the notes the arm may shape: strictly, held chords (wobble) or a phrase's last
    note (dive, dip); otherwise any long enough note sounding alone."""
    tl = line.timeline
    notes = line.notes
    eligible: list[tuple[float, float, float]] = []
    for first, last in _groups(line):
        n = notes[first]
        end = min(notes[k].end for k in range(first, last + 1))
        following = line.next_onset(last)
        if manner == "wobble":
            before_ok = first == 0 or notes[first - 1].end <= n.start + tl.beats(_ALONE_MS, n.start)
            after_ok = following is None or following >= end - tl.beats(_ALONE_MS, end)
            if end - n.start >= (2.0 if strict else 1.0) and before_ok and after_ok:
                eligible.append((n.start, end, line.release(last)))
            continue
        phrase_end = (following is None or following >= end + 0.5
                      or tl.phrase(following)[0] != tl.phrase(n.start)[0])
        if first == last and end - n.start >= 0.75 and (phrase_end or not strict) and line.alone(first):
            eligible.append((n.start, end, line.release(first)))
    return eligible


def _whammy(line: _Line, rng: random.Random, feel: Feel) -> int:
    """The vibrato arm: metal dives a fifth or an octave at a phrase's end, surf dips a semitone or two and
    springs back, shoegaze leans gently on whole held chords (the "glide guitar")."""
    tl = line.timeline
    manner = _WHAMMY.get(feel.name, "dive")
    eligible = _arm_notes(line, manner, strict=True) or _arm_notes(line, manner, strict=False)
    chosen = []
    for item in eligible:  # never two gestures in one bar
        if (not chosen or item[0] - chosen[-1][0] >= tl.bar - 1e-6) and rng.random() < 0.5:
            chosen.append(item)
    if not chosen and eligible:
        chosen = [eligible[-1]]
    made = 0
    for start, end, back in chosen:
        end = min(end, back)
        if manner == "wobble":
            lean, at = -(0.3 + 0.3 * rng.random()), start + 0.15 * (end - start)
            if not line.free(at, end):
                continue
            _curve(line, at, at + 0.45 * (end - at), 0.0, lean, 4, "linear")
            _curve(line, at + 0.45 * (end - at), end, lean, 0.0, 4, "linear")
            line.taken.append((at, end))
        else:
            at = start + 0.5 * (end - start)
            if end - at < 0.2 or not line.free(at, back):
                continue
            if manner == "dip":
                depth = 1.0 if rng.random() < 0.6 else 2.0
                _curve(line, at, at + 0.5 * (end - at), 0.0, -depth, 3, "out")
                _curve(line, at + 0.5 * (end - at), end, -depth, 0.0, 3, "linear")
            else:
                _curve(line, at, end, 0.0, -(12.0 if rng.random() < 0.5 else 7.0), 5, "in")
                line.points.append((back, 0.0) if back > end else (end + 1e-4, 0.0))
            line.taken.append((at, back))
        made += 1
    return made


def _candidates(kind: str, lines: list[_Line]) -> list[_Line]:
    """The tracks that could play the idiom, best first: its own instruments, then guitars for guitar idioms,
    then anything bendable in the idiom's roles, then a bendable tune."""
    ids, roles, _ = KINDS[kind]
    order: list[_Line] = []
    order += [line for role in roles for line in lines if line.part.role == role and line.part.id in ids]
    if kind in ("guitar", "slide", "pedal_steel", "whammy"):
        order += [line for line in lines if line.part.family == "guitar" and line.part.role != "arp"]
    order += [line for role in roles for line in lines if line.part.role == role and line.part.family in _BENDABLE]
    if kind != "808":
        order += [line for line in lines if line.part.role == "melody" and line.part.family in _BENDABLE]
    unique: list[_Line] = []
    for line in order:
        if line not in unique:
            unique.append(line)
    return unique


def apply_bends(parts: list[tuple[Part, list[Played]]], timeline: Timeline, feel: Feel,
                rng_for: Callable[[str], random.Random]) -> tuple[dict[str, list[Played]], set[str]]:
    """Write each idiom's gestures into its tracks (bends, bend range). Returns the notes of the tracks that were
    bent (glides merge notes) and the names of the tracks a steel player swells with the volume pedal."""
    if not feel.bends:
        return {}, set()
    # a track that bends already (a MIDI file's player) is left as played
    lines = [_Line(part, notes, timeline) for part, notes in parts if not part.drums and notes and not part.track.bends]
    touched: dict[str, _Line] = {}
    for kind in KINDS:  # a fixed order: glides claim their notes before ornaments
        if kind not in feel.bends:
            continue
        for line in _candidates(kind, lines):  # the first that can play it does
            rng = rng_for(f"bends|{kind}|{line.part.track.name}")
            if kind in ("808", "sitar", "portamento"):
                made = _glides(line, rng, kind) or _glides(line, rng, kind, force=True)
            elif kind == "whammy":
                made = _whammy(line, rng, feel)
            else:
                made = _into(line, rng, kind)
            if made:
                line.range = max(line.range, KINDS[kind][2])
                line.swells |= kind == "pedal_steel"
                touched[line.part.track.name] = line
                break
    result: dict[str, list[Played]] = {}
    for name, line in touched.items():
        _write(line.part.track, line)
        result[name] = line.notes
    return result, {name for name, line in touched.items() if line.swells}


def _write(track: Track, line: _Line) -> None:
    span = line.range
    bends: list[Bend] = []
    for beat, semis in sorted(line.points, key=lambda p: p[0]):
        value = int(round(semis / span * 8192))
        value = min(max(value, -8192), 8191)
        if bends and abs(bends[-1].time - beat) < 1e-6:
            bends[-1] = Bend(round(beat, 5), value)
        elif not bends or bends[-1].value != value:
            bends.append(Bend(round(beat, 5), value))
    if bends and bends[-1].value != 0:
        bends.append(Bend(round(bends[-1].time + 0.25, 5), 0))
    track.bends = bends
    track.bend_range = span
