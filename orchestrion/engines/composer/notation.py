"""Sheet music: the score as MusicXML 4.0 (a lead sheet and a full score) and as SVG pages.

The lead sheet is the tune and its chord symbols; the full score has one part per track at concert pitch, drum
kits on a percussion staff. The score's notes carry the performance (a few ms of looseness, swing), so they are
first put back on the grid the composer wrote them on: swing undone by the style's ratio, onsets and ends rounded
to sixteenths, notes split at bar lines and beats into tied standard values, gaps filled with rests, and a second
voice only where notes truly overlap.

Engraving uses Verovio (RISM Digital): a maintained engraver that installs as a self-contained wheel from PyPI,
reads MusicXML directly and writes SVG in-process in milliseconds, where LilyPond and MuseScore need system
installs and a subprocess. It is imported lazily, so importing this module costs nothing.

Exceptions::

    Exception
    └── NotationError — Verovio could not read the MusicXML
"""

from __future__ import annotations

import bisect
import re
import statistics
import threading
from dataclasses import dataclass
from xml.parsers import expat
from xml.sax.saxutils import escape

from .score import ChordSpan, Score, Track

__all__ = ["NotationError", "engrave", "musicxml", "sheet_music"]

MUSICXML_TYPE = "application/vnd.recordare.musicxml+xml"
SVG_TYPE = "image/svg+xml"

_DIVISIONS = 4  #: per quarter note: the sixteenth grid
#: Note values in divisions, longest first: (length, type, dots).
_VALUES = [(24, "whole", 1), (16, "whole", 0), (12, "half", 1), (8, "half", 0), (6, "quarter", 1),
           (4, "quarter", 0), (3, "eighth", 1), (2, "eighth", 0), (1, "16th", 0)]
#: Key-signature offset of each mode from the major key on the same tonic, and whether it reads as minor.
_MODES = {"major": (0, False), "ionian": (0, False), "lydian": (1, False), "mixolydian": (-1, False),
          "dorian": (-2, True), "minor": (-3, True), "aeolian": (-3, True), "phrygian": (-4, True),
          "phrygian_dominant": (-4, True), "locrian": (-5, True)}
#: General MIDI percussion → (display step, octave, notehead) on the five-line percussion staff.
_DRUMS = {35: ("F", 4, "normal"), 36: ("F", 4, "normal"), 37: ("C", 5, "x"), 38: ("C", 5, "normal"),
          39: ("C", 5, "x"), 40: ("C", 5, "normal"), 41: ("G", 4, "normal"), 42: ("G", 5, "x"),
          43: ("A", 4, "normal"), 44: ("D", 4, "x"), 45: ("B", 4, "normal"), 46: ("G", 5, "circle-x"),
          47: ("D", 5, "normal"), 48: ("E", 5, "normal"), 49: ("A", 5, "x"), 50: ("E", 5, "normal"),
          51: ("F", 5, "x"), 52: ("A", 5, "x"), 53: ("F", 5, "diamond"), 55: ("A", 5, "x"), 57: ("A", 5, "x"),
          59: ("F", 5, "x")}
_OTHER_DRUM = ("E", 5, "triangle")  # hand percussion and anything unlisted: one line above the snare
_FEET = {35, 36, 44}  # kick and pedal hi-hat: the stems-down voice
_KINDS = {"": "major", "maj": "major", "M": "major", "m": "minor", "min": "minor", "-": "minor",
          "7": "dominant", "dom7": "dominant", "maj7": "major-seventh", "M7": "major-seventh",
          "Δ": "major-seventh", "Δ7": "major-seventh", "m7": "minor-seventh", "min7": "minor-seventh",
          "-7": "minor-seventh", "mmaj7": "major-minor", "m(maj7)": "major-minor", "dim": "diminished",
          "°": "diminished", "o": "diminished", "dim7": "diminished-seventh", "°7": "diminished-seventh",
          "o7": "diminished-seventh", "m7b5": "half-diminished", "ø": "half-diminished", "ø7": "half-diminished",
          "min7b5": "half-diminished", "aug": "augmented", "+": "augmented", "7#5": "augmented-seventh",
          "aug7": "augmented-seventh", "sus2": "suspended-second", "sus4": "suspended-fourth",
          "sus": "suspended-fourth", "6": "major-sixth", "m6": "minor-sixth", "9": "dominant-ninth",
          "m9": "minor-ninth", "maj9": "major-ninth"}
#: Suffixes MusicXML has no kind for: a kind plus added degrees (value, alter).
_KINDS_PLUS = {"add9": ("major", [(9, 0)]), "madd9": ("minor", [(9, 0)]), "7sus4": ("suspended-fourth", [(7, 0)]),
               "7sus2": ("suspended-second", [(7, 0)]), "m9b5": ("half-diminished", [(9, 0)])}
_SYMBOL_RE = re.compile(r"^([A-G])([#b]?)([^/]*)(?:/([A-G])([#b]?))?$")
_LOCK = threading.Lock()  # a Verovio toolkit is not thread-safe; workers engrave one score at a time anyway


class NotationError(Exception):
    """Verovio could not read the MusicXML."""


# --- the grid ----------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Metre:
    """Bar length and beat groups in divisions; the groups decide beaming and where long values may start."""

    beats: int
    beat_type: int

    @property
    def bar(self) -> int:
        return self.beats * _DIVISIONS * 4 // self.beat_type

    @property
    def compound(self) -> bool:
        return self.beat_type >= 8 and self.beats % 3 == 0

    @property
    def groups(self) -> list[int]:
        unit = _DIVISIONS * 4 // self.beat_type
        if self.compound:
            return [3 * unit] * (self.beats // 3)
        if self.beat_type >= 8:  # 5/8, 7/8 ...: twos, the last group a three
            twos = (self.beats - 3) // 2 if self.beats > 2 and self.beats % 2 else self.beats // 2
            return [2 * unit] * twos + ([3 * unit] if self.beats % 2 else [])
        return [_DIVISIONS] * (self.bar // _DIVISIONS) or [self.bar]


def _unswing(beat: float, ratio: float, unit: float) -> float:
    """Where a swung ``beat`` was written: the off-beat at ``ratio`` of its pair moves back to the middle."""
    if ratio <= 0.5 + 1e-6:
        return beat
    pair = 2.0 * unit
    base = (beat // pair) * pair
    f = (beat - base) / pair
    f = f * 0.5 / ratio if f < ratio else 0.5 + (f - ratio) * 0.5 / (1.0 - ratio)
    return base + f * pair


def _swing_of(score: Score) -> tuple[float, float]:
    from .styles import STYLES  # the style records the swing the performance layer played

    style = STYLES.get(score.style)
    return (float(style.swing), float(style.swing_unit)) if style is not None else (0.5, 0.5)


def _grid(beat: float, swing: tuple[float, float]) -> int:
    return round(_unswing(beat, *swing) * _DIVISIONS)


def _split(pos: int, length: int, groups: list[int]) -> list[tuple[int, str, int]]:
    """``length`` divisions from ``pos`` (within the bar) as tied standard values that show the beat."""
    bounds, total = [0], 0
    for g in groups:
        total += g
        bounds.append(total)
    out = []
    while length > 0:
        start = max(b for b in bounds if b <= pos)
        end = min((b for b in bounds if b > pos), default=pos + length)
        for value, name, dots in _VALUES:
            if value > length:
                continue
            fits = pos + value <= end  # inside its beat group
            on_group = pos == start and (pos + value in bounds or value >= end - start)
            syncopated = value == _DIVISIONS and end - start == _DIVISIONS and pos - start == _DIVISIONS // 2
            if fits or on_group or syncopated:
                out.append((value, name, dots))
                pos += value
                length -= value
                break
    return out


# --- pitch spelling ----------------------------------------------------------------------------------------------

def _fifths(tonic: int, mode: str) -> tuple[int, bool]:
    offset, minor = _MODES.get(mode, (-3, True) if "minor" in mode else (0, False))
    major = next(i for i in range(-5, 7) if (i * 7) % 12 == tonic % 12)
    fifths = major + offset
    if fifths < -6:
        fifths += 12
    elif fifths > 6:
        fifths -= 12
    return fifths, minor


def _line_name(i: int) -> tuple[str, int]:
    """Line-of-fifths position (C=0, G=1, F=-1) → (step, alter)."""
    return "FCGDAEB"[(i + 1) % 7], (i + 1) // 7


def _speller(fifths: int, minor: bool) -> dict[int, tuple[str, int]]:
    """Pitch class → (step, alter) in a key: its scale, then the chromatic notes its harmony most often wants
    (a minor key's raised sixth and seventh; flats in flat keys, but for the raised fourth of V/V)."""
    low = fifths - 2 if minor else fifths - 4 if fifths < 0 else fifths - 3
    return {(i * 7) % 12: _line_name(i) for i in range(low, low + 12)}


def _spell(pitch: int, names: dict[int, tuple[str, int]]) -> tuple[str, int, int]:
    step, alter = names[pitch % 12]
    return step, alter, (pitch - alter) // 12 - 1


# --- events ------------------------------------------------------------------------------------------------------

@dataclass
class _Event:
    """A chord (or single note) on the grid: ``keys`` are MIDI pitches, or drum numbers on a percussion staff."""

    start: int
    end: int
    keys: tuple[int, ...]


def _onsets(notes: list[tuple[int, int, int]]) -> list[_Event]:
    by_start: dict[int, _Event] = {}
    for start, end, key in notes:
        ev = by_start.setdefault(start, _Event(start, end, ()))
        ev.end = max(ev.end, end)
        if key not in ev.keys:
            ev.keys += (key,)
    return [by_start[s] for s in sorted(by_start)]


def _voices(events: list[_Event], limit: int) -> list[list[_Event]]:
    """At most ``limit`` voices: a new onset takes a free voice, else cuts short the note it overlaps least."""
    voices: list[list[_Event]] = []
    for ev in events:
        free = [v for v in voices if v[-1].end <= ev.start]
        if free:
            free[0].append(ev)
            continue
        last = voices[0][-1] if voices else None
        slight = last is not None and last.end - ev.start <= max(1, (last.end - last.start) // 4)
        if len(voices) < limit and not slight:
            voices.append([ev])
            continue
        target = voices[0] if slight else max(voices, key=lambda v: v[-1].start)
        target[-1].end = ev.start
        target.append(ev)
    for voice in voices:  # a detached note is written at its full value: no sixteenth rest after each pizzicato
        for a, b in zip(voice, voice[1:]):
            if 0 < b.start - a.end <= min(2, a.end - a.start):
                a.end = b.start
    return voices


def _drum_voices(notes: list[tuple[int, int, int]], bounds: list[int]) -> list[list[_Event]]:
    """Hands stems up, feet stems down; a hit lasts to the next one, at most to the end of its beat."""
    voices = []
    for feet in (False, True):
        events = _onsets([(s, e, k) for s, e, k in notes if (k in _FEET) == feet])
        for i, ev in enumerate(events):
            following = events[i + 1].start if i + 1 < len(events) else bounds[-1]
            beat_end = bounds[min(bisect.bisect_right(bounds, ev.start), len(bounds) - 1)]
            ev.end = max(ev.start + 1, min(following, beat_end))
            seen, keys = set(), []
            for k in ev.keys:
                if _DRUMS.get(k, _OTHER_DRUM)[:2] not in seen:
                    seen.add(_DRUMS.get(k, _OTHER_DRUM)[:2])
                    keys.append(k)
            ev.keys = tuple(keys)
        if events:
            voices.append(events)
    return voices


@dataclass
class _Staff:
    clef: tuple[str, int, int]  #: (sign, line, octave change)
    voices: list[list[_Event]]


@dataclass
class _Part:
    track: Track
    staves: list[_Staff]


_KEYBOARDS = set(range(0, 9)) | set(range(16, 21)) | {46}  # pianos, keys, organs, harp: a grand staff


def _grid_notes(track: Track, total: int, swing: tuple[float, float], monophonic: bool) -> list[tuple[int, int, int]]:
    """The track's notes on the grid; in a single line, an ornament that lands on its main note's onset yields."""
    out: dict[tuple[int, int], tuple[float, int, int, int]] = {}
    for n in track.notes:
        start = _grid(n.start, swing)
        if start >= total or start < 0:
            continue
        end = min(max(_grid(n.start + n.duration, swing), start + 1), total)
        slot = (start, 0 if monophonic else n.pitch)
        if slot not in out or n.start > out[slot][0]:
            out[slot] = (n.start, start, end, n.pitch)
    return [(start, end, pitch) for _, start, end, pitch in out.values()]


def _clef(pitches: list[int]) -> tuple[str, int, int]:
    median = statistics.median(pitches) if pitches else 67
    if median < 57:
        return ("F", 4, 0)
    return ("G", 2, 1) if median >= 86 else ("G", 2, 0)


def _part(track: Track, total: int, bounds: list[int], swing: tuple[float, float], monophonic: bool) -> _Part:
    notes = _grid_notes(track, total, swing, monophonic)
    if track.is_drums:
        return _Part(track, [_Staff(("percussion", 0, 0), _drum_voices(notes, bounds))])
    pitches = [p for _, _, p in notes]
    limit = 1 if monophonic else 2
    if (track.program in _KEYBOARDS and not monophonic and pitches
            and min(pitches) < 55 and max(pitches) > 64):
        upper = [n for n in notes if n[2] >= 60]
        lower = [n for n in notes if n[2] < 60]
        return _Part(track, [_Staff(("G", 2, 0), _voices(_onsets(upper), limit)),
                             _Staff(("F", 4, 0), _voices(_onsets(lower), limit))])
    return _Part(track, [_Staff(_clef(pitches), _voices(_onsets(notes), limit))])


def _melody_track(score: Score) -> Track | None:
    pitched = [t for t in score.tracks if not t.is_drums and t.notes]
    for test in (lambda t: t.role == "melody", lambda t: t.featured):
        found = [t for t in pitched if test(t)]
        if found:
            return found[0]
    return max(pitched, key=lambda t: statistics.mean(n.pitch for n in t.notes), default=None)


# --- writing -----------------------------------------------------------------------------------------------------

def _harmony(chord: ChordSpan, key: tuple[int, bool]) -> str:
    """A chord symbol: the kind from the symbol's suffix, root and bass spelt in the key (Db in Bb minor, not C#)."""
    match = _SYMBOL_RE.match(chord.symbol)
    suffix = match[3] if match else ""
    fifths, minor = key
    names = _speller(fifths, minor)
    tonic = fifths + 3 if minor else fifths  # roots around the tonic on the line of fifths: Bb, not A#, in D
    root = {(i * 7) % 12: _line_name(i) for i in range(tonic - 6, tonic + 6)}[chord.root % 12]
    bass = names[chord.bass % 12] if chord.bass % 12 != chord.root % 12 else None
    kind, degrees = _KINDS_PLUS.get(suffix) or (_KINDS.get(suffix, "major" if 4 in _rel(chord) else "minor"), [])
    xml = [f'<harmony print-frame="no"><root><root-step>{root[0]}</root-step>',
           f"<root-alter>{root[1]}</root-alter>" if root[1] else "", "</root>",
           f'<kind text="{escape(suffix, {chr(34): "&quot;"})}">{kind}</kind>']
    if bass:
        xml.append(f"<bass><bass-step>{bass[0]}</bass-step>"
                   + (f"<bass-alter>{bass[1]}</bass-alter>" if bass[1] else "") + "</bass>")
    for value, alter in degrees:
        xml.append(f'<degree print-object="no"><degree-value>{value}</degree-value>'
                   f"<degree-alter>{alter}</degree-alter><degree-type>add</degree-type></degree>")
    return "".join(xml)  # closed by the writer, which may add an <offset>


def _rel(chord: ChordSpan) -> set[int]:
    return {(pc - chord.root) % 12 for pc in chord.pitch_classes}


def _annotations(score: Score, metre: _Metre, total: int, swing: tuple[float, float]) -> list[tuple[int, str, str]]:
    """(position, head, tail) for the top part: tempo, swing, rehearsal marks, chord symbols. An ``<offset>``
    goes between head and tail when the position falls inside a note."""
    bpm = score.tempo[0].bpm if score.tempo else 120.0
    dot, shown = ("<beat-unit-dot/>", bpm / 1.5) if metre.compound else ("", bpm)
    out = [(0, '<direction placement="above"><direction-type><metronome parentheses="no"><beat-unit>quarter'
               f"</beat-unit>{dot}<per-minute>{round(shown)}</per-minute></metronome></direction-type>",
            f'<sound tempo="{bpm:.2f}"/></direction>')]
    if swing[0] >= 0.58:
        text = "Swing" if swing[1] >= 0.5 else "Swing 16ths"
        out.append((0, f'<direction placement="above"><direction-type><words font-style="italic">{text}</words>'
                       "</direction-type>", "</direction>"))
    previous, slowing = bpm, False
    for change in score.tempo[1:]:
        pos = round(change.beat * _DIVISIONS)
        if pos >= total:
            continue
        if change.bpm < previous - 0.5 and not slowing:
            out.append((pos, '<direction placement="above"><direction-type><words font-style="italic">rit.'
                             "</words></direction-type>", "</direction>"))
        slowing = change.bpm < previous - 0.5
        out.append((pos, f'<sound tempo="{change.bpm:.2f}">', "</sound>"))
        previous = change.bpm
    for section in score.sections:
        pos = round(section.start * _DIVISIONS)
        if pos < total and section.name:
            label = escape(section.name[:1].upper() + section.name[1:])
            out.append((pos, f'<direction placement="above"><direction-type><rehearsal>{label}</rehearsal>'
                             "</direction-type>", "</direction>"))
    for chord in score.chords:
        pos = round(chord.start * _DIVISIONS)
        if 0 <= pos < total:
            out.append((pos, _harmony(chord, _fifths(*score.key_at(chord.start))), "</harmony>"))
    return sorted(out, key=lambda a: a[0])


@dataclass
class _Piece:
    """One written note, chord or rest of a voice in one bar."""

    start: int  #: divisions from the start of the bar
    length: int
    value: tuple[int, str, int]
    keys: tuple[int, ...] | None  #: None for a rest
    tie_stop: bool = False
    tie_start: bool = False
    whole_bar: bool = False
    beams: tuple[str, ...] = ()  #: per beam level: begin / continue / end / forward hook / backward hook
    accidentals: tuple[str, ...] = ()


def _bar_pieces(events: list[_Event], bar_start: int, metre: _Metre) -> list[_Piece]:
    bar_end = bar_start + metre.bar
    out: list[_Piece] = []
    pos = bar_start

    def fill(until: int, keys, tie_in: bool, tie_out: bool) -> None:
        values = _split(pos - bar_start, until - pos, metre.groups)
        at = pos - bar_start
        for i, value in enumerate(values):
            out.append(_Piece(at, value[0], value, keys, tie_in or i > 0, tie_out or i < len(values) - 1))
            at += value[0]

    for ev in events:
        start, end = max(ev.start, bar_start), min(ev.end, bar_end)
        if start > pos:
            fill(start, None, False, False)
        pos = start
        fill(end, ev.keys, ev.start < bar_start, ev.end > bar_end)
        pos = end
    if not out:
        return [_Piece(0, metre.bar, (metre.bar, "whole", 0), None, whole_bar=True)]
    if pos < bar_end:
        fill(bar_end, None, False, False)
    for p in out:  # rests never tie
        if p.keys is None:
            p.tie_stop = p.tie_start = False
    _beam(out, metre)
    return out


def _beam(pieces: list[_Piece], metre: _Metre) -> None:
    """Beam runs of eighths and shorter inside a beat group; sixteenths get a second beam or a hook."""
    bounds, total = [0], 0
    for g in metre.groups:
        total += g
        bounds.append(total)
    run: list[_Piece] = []

    def close() -> None:
        if len(run) >= 2:
            for i, p in enumerate(run):
                first = "begin" if i == 0 else "end" if i == len(run) - 1 else "continue"
                beams = [first]
                if p.value[0] == 1:  # a sixteenth
                    prev = i > 0 and run[i - 1].value[0] == 1
                    nxt = i + 1 < len(run) and run[i + 1].value[0] == 1
                    beams.append("continue" if prev and nxt else "end" if prev else "begin" if nxt
                                 else "forward hook" if i == 0 else "backward hook")
                p.beams = tuple(beams)
        run.clear()

    for p in pieces:
        group = max(b for b in bounds if b <= p.start)
        beamable = p.keys is not None and p.value[0] < 4 and p.start + p.length <= min(
            (b for b in bounds if b > p.start), default=metre.bar)
        if run and (not beamable or max(b for b in bounds if b <= run[0].start) != group):
            close()
        if beamable:
            run.append(p)
    close()


def _signature_alters(fifths: int) -> dict[str, int]:
    alters = dict.fromkeys("CDEFGAB", 0)
    for step in ("FCGDAEB"[:fifths] if fifths > 0 else "BEADGCF"[:-fifths]):
        alters[step] = 1 if fifths > 0 else -1
    return alters


_ACCIDENTAL_NAMES = {-2: "flat-flat", -1: "flat", 0: "natural", 1: "sharp", 2: "double-sharp"}


def _mark_accidentals(voices: list[list[_Piece]], fifths: int, names: dict[int, tuple[str, int]]) -> None:
    """An accidental where the note differs from the key or from an earlier note of the bar on its line."""
    state = {}
    signature = _signature_alters(fifths)
    ordered = sorted(((p.start, v, p) for v, pieces in enumerate(voices) for p in pieces if p.keys),
                     key=lambda t: (t[0], t[1]))
    for _, _, piece in ordered:
        marks = []
        for key in piece.keys:
            step, alter, octave = _spell(key, names)
            current = state.get((step, octave), signature[step])
            show = not piece.tie_stop and alter != current
            if not piece.tie_stop:
                state[(step, octave)] = alter
            marks.append(_ACCIDENTAL_NAMES[alter] if show else "")
        piece.accidentals = tuple(marks)


def _note_xml(piece: _Piece, voice: int, staff: int, stem: str, drums: bool, pid: str,
              names: dict[int, tuple[str, int]]) -> str:
    length, kind, dots = piece.value
    tail = f"<voice>{voice}</voice>" + ("" if piece.whole_bar else f"<type>{kind}</type>") + "<dot/>" * dots
    if piece.keys is None:
        rest = '<rest measure="yes"/>' if piece.whole_bar else "<rest/>"
        return f"<note>{rest}<duration>{length}</duration>{tail}<staff>{staff}</staff></note>"
    xml = []
    ties = ('<tie type="stop"/>' if piece.tie_stop else "") + ('<tie type="start"/>' if piece.tie_start else "")
    tied = ('<tied type="stop"/>' if piece.tie_stop else "") + ('<tied type="start"/>' if piece.tie_start else "")
    keys = sorted(piece.keys)
    for i, key in enumerate(keys):
        accidental, head, instrument = "", "", ""
        if drums:
            step, octave, notehead = _DRUMS.get(key, _OTHER_DRUM)
            sound = (f"<unpitched><display-step>{step}</display-step>"
                     f"<display-octave>{octave}</display-octave></unpitched>")
            instrument = f'<instrument id="{pid}-I{key}"/>'
            head = f"<notehead>{notehead}</notehead>" if notehead != "normal" else ""
        else:
            step, alter, octave = _spell(key, names)
            sound = (f"<pitch><step>{step}</step>" + (f"<alter>{alter}</alter>" if alter else "")
                     + f"<octave>{octave}</octave></pitch>")
            mark = piece.accidentals[piece.keys.index(key)] if piece.accidentals else ""
            accidental = f"<accidental>{mark}</accidental>" if mark else ""
        beams = "".join(f'<beam number="{n}">{b}</beam>' for n, b in enumerate(piece.beams, 1)) if i == 0 else ""
        xml.append(f"<note>{'<chord/>' if i else ''}{sound}<duration>{length}</duration>{ties}{instrument}{tail}"
                   f"{accidental}{f'<stem>{stem}</stem>' if stem else ''}{head}<staff>{staff}</staff>{beams}"
                   + (f"<notations>{tied}</notations>" if tied else "") + "</note>")
    return "".join(xml)


def _clef_xml(number: int, clef: tuple[str, int, int]) -> str:
    sign, line, octave = clef
    if sign == "percussion":
        return f'<clef number="{number}"><sign>percussion</sign></clef>'
    change = f"<clef-octave-change>{octave}</clef-octave-change>" if octave else ""
    return f'<clef number="{number}"><sign>{sign}</sign><line>{line}</line>{change}</clef>'


def _key_xml(fifths: int, mode: str) -> str:
    mode = mode if mode in ("major", "minor", "dorian", "phrygian", "lydian", "mixolydian", "aeolian", "ionian",
                            "locrian") else "minor" if _MODES.get(mode, (0, "minor" in mode))[1] else "major"
    return f"<key><fifths>{fifths}</fifths><mode>{mode}</mode></key>"


def _part_xml(part: _Part, pid: str, metre: _Metre, keys: list[tuple[int, str]],
              annotations: list[tuple[int, str, str]]) -> str:
    drums = part.track.is_drums
    bar = metre.bar
    xml = [f'<part id="{pid}">']
    pending = list(annotations)
    for m, (tonic, mode) in enumerate(keys):
        fifths, minor = _fifths(tonic, mode)
        names = _speller(fifths, minor)
        xml.append(f'<measure number="{m + 1}">')
        attributes = []
        if m == 0:
            attributes.append(f"<divisions>{_DIVISIONS}</divisions>")
        if not drums and (m == 0 or keys[m] != keys[m - 1]):
            attributes.append(_key_xml(fifths, mode))
        if m == 0:
            attributes.append(f"<time><beats>{metre.beats}</beats><beat-type>{metre.beat_type}</beat-type></time>")
            if len(part.staves) > 1:
                attributes.append(f"<staves>{len(part.staves)}</staves>")
            attributes.extend(_clef_xml(i + 1, s.clef) for i, s in enumerate(part.staves))
        if attributes:
            xml.append(f"<attributes>{''.join(attributes)}</attributes>")
        first = True
        for s, staff in enumerate(part.staves):
            bar_start = m * bar
            voices = [v for i, v in enumerate(staff.voices)
                      if i == 0 or any(e.start < bar_start + bar and e.end > bar_start for e in v)]
            pieces = [_bar_pieces([e for e in v if e.start < bar_start + bar and e.end > bar_start], bar_start, metre)
                      for v in voices] or [_bar_pieces([], bar_start, metre)]
            if not drums:
                _mark_accidentals(pieces, fifths, names)
            for v, voice_pieces in enumerate(pieces):
                if not first:
                    xml.append(f"<backup><duration>{bar}</duration></backup>")
                first = False
                stem = ("up" if v == 0 else "down") if len(pieces) > 1 or drums else ""
                for piece in voice_pieces:
                    while s == 0 and v == 0 and pending and pending[0][0] < bar_start + piece.start + piece.length:
                        pos, head, tail = pending.pop(0)
                        offset = pos - bar_start - piece.start
                        xml.append(head + (f"<offset>{offset}</offset>" if offset > 0 else "") + tail)
                    xml.append(_note_xml(piece, 4 * s + v + 1, s + 1, stem, drums, pid, names))
        xml.append("</measure>")
    xml.append("</part>")
    return "".join(xml)


def _score_part_xml(track: Track, pid: str, channel: int) -> str:
    name = escape(track.name)
    shown = escape(track.name.replace("_", " ").capitalize())
    head = (f'<score-part id="{pid}"><part-name>{name}</part-name><part-name-display><display-text>{shown}'
            "</display-text></part-name-display>")
    if not track.is_drums:
        return (f'{head}<score-instrument id="{pid}-I1"><instrument-name>{shown}</instrument-name>'
                f'</score-instrument><midi-instrument id="{pid}-I1"><midi-channel>{channel}</midi-channel>'
                f"<midi-program>{track.program % 128 + 1}</midi-program></midi-instrument></score-part>")
    keys = sorted({n.pitch for n in track.notes})
    instruments = "".join(f'<score-instrument id="{pid}-I{k}"><instrument-name>{_drum_name(k)}</instrument-name>'
                          "</score-instrument>" for k in keys)
    midi = "".join(f'<midi-instrument id="{pid}-I{k}"><midi-channel>10</midi-channel>'
                   f"<midi-unpitched>{k + 1}</midi-unpitched></midi-instrument>" for k in keys)
    return f"{head}{instruments}{midi}</score-part>"


_DRUM_NAMES = {35: "Bass drum", 36: "Bass drum", 37: "Side stick", 38: "Snare", 39: "Hand clap", 40: "Snare",
               42: "Closed hi-hat", 44: "Pedal hi-hat", 46: "Open hi-hat", 49: "Crash cymbal", 51: "Ride cymbal",
               53: "Ride bell", 57: "Crash cymbal", 59: "Ride cymbal"}


def _drum_name(key: int) -> str:
    return _DRUM_NAMES.get(key, "Tom" if key in (41, 43, 45, 47, 48, 50) else f"Percussion {key}")


def musicxml(score: Score, *, lead_sheet: bool) -> bytes:
    """The score as MusicXML 4.0 (partwise, UTF-8): the lead sheet (the tune and its chord symbols) or the full
    score (every track, chord symbols over the top part)."""
    metre = _Metre(*score.time_signature)
    swing = _swing_of(score)
    length = score.length_beats or max((n.start + n.duration for t in score.tracks for n in t.notes), default=0.0)
    bars = max(1, -(-round(length * _DIVISIONS) // metre.bar))
    total = bars * metre.bar
    bounds = sorted({m * metre.bar + b for m in range(bars) for b in _group_bounds(metre)})
    if lead_sheet:
        melody = _melody_track(score)
        parts = [_part(melody or Track(name="melody", role="melody", program=0), total, bounds, swing, True)]
    else:
        ordered = [t for t in score.tracks if not t.is_drums] + [t for t in score.tracks if t.is_drums]
        parts = [_part(t, total, bounds, swing, t.role == "melody") for t in ordered if t.notes]
    keys = [score.key_at(m * metre.bar / _DIVISIONS) for m in range(bars)]
    annotations = _annotations(score, metre, total, swing)
    part_list, body, channel = [], [], 0
    for i, part in enumerate(parts):
        pid = f"P{i + 1}"
        if not part.track.is_drums:
            channel = channel % 15 + 1 + (channel % 15 + 1 == 10)
        part_list.append(_score_part_xml(part.track, pid, channel))
        body.append(_part_xml(part, pid, metre, keys, annotations if i == 0 else []))
    title = "Lead sheet" if lead_sheet else "Score"
    xml = ('<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n'
           '<!DOCTYPE score-partwise PUBLIC "-//Recordare//DTD MusicXML 4.0 Partwise//EN" '
           '"http://www.musicxml.org/dtds/partwise.dtd">\n'
           f'<score-partwise version="4.0"><movement-title>{title}</movement-title>'
           "<identification><encoding><software>Orchestrion</software></encoding></identification>"
           f"<part-list>{''.join(part_list)}</part-list>{''.join(body)}</score-partwise>\n")
    return xml.encode("utf-8")


def _group_bounds(metre: _Metre) -> list[int]:
    bounds, total = [0], 0
    for g in metre.groups:
        total += g
        bounds.append(total)
    return bounds


# --- engraving ---------------------------------------------------------------------------------------------------

_OPTIONS = {
    "inputFrom": "musicxml",
    "pageWidth": 2100,  # A4 in tenths of a millimetre
    "pageHeight": 2970,
    "pageMarginTop": 80,
    "pageMarginBottom": 80,
    "pageMarginLeft": 80,
    "pageMarginRight": 80,
    "scale": 40,
    "adjustPageHeight": False,
    "breaks": "auto",
    "xmlIdSeed": 1,  # element ids from a fixed seed: the same score engraves to the same bytes
    "footer": "none",
    "header": "auto",
    "condense": "auto",  # hide a full score's resting staves system by system
    "svgViewBox": True,
    "mnumInterval": 0,
}


def engrave(xml: bytes) -> list[str]:
    """SVG pages of a MusicXML document, engraved by Verovio; :class:`NotationError` when it cannot read it."""
    try:
        import verovio
    except ImportError as exc:  # pragma: no cover - a declared dependency
        raise ImportError("engraving sheet music needs Verovio: pip install 'verovio>=4.3'") from exc
    try:
        text = xml.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise NotationError(f"sheet music is not UTF-8 MusicXML: {exc}") from exc
    try:
        expat.ParserCreate().Parse(xml, True)
    except expat.ExpatError as exc:  # Verovio reads broken XML as far as it goes; refuse it whole instead
        raise NotationError(f"sheet music is not well-formed XML: {exc}") from exc
    if "<score-partwise" not in text and "<score-timewise" not in text:
        raise NotationError("sheet music is not MusicXML: no <score-partwise> or <score-timewise> root")
    with _LOCK:
        verovio.enableLog(verovio.LOG_OFF)
        toolkit = verovio.toolkit()
        # A big score gets a larger page at a smaller scale (the same A4 on screen, smaller staves), so that
        # a page holds more than one system of it. A grand staff counts twice.
        staves = text.count("<score-part ") + text.count("<staves>")
        zoom = min(1.6, 1.0 + 0.1 * max(0, staves - 3))
        toolkit.setOptions({**_OPTIONS, "scale": round(_OPTIONS["scale"] / zoom),
                            "pageWidth": round(_OPTIONS["pageWidth"] * zoom),
                            "pageHeight": round(_OPTIONS["pageHeight"] * zoom)})
        if not toolkit.loadData(text):
            raise NotationError(f"Verovio could not read the MusicXML: {toolkit.getLog().strip() or 'no detail'}")
        pages = toolkit.getPageCount()
        if pages < 1:
            raise NotationError("Verovio read the MusicXML but laid out no page")
        return [toolkit.renderToSVG(page) for page in range(1, pages + 1)]


def sheet_music(score: Score) -> list[tuple[str, str, bytes]]:
    """``(name, content type, data)`` for the lead sheet and the full score, as MusicXML and as SVG pages."""
    files = []
    for name, lead in (("lead_sheet", True), ("score", False)):
        xml = musicxml(score, lead_sheet=lead)
        files.append((f"sheet/{name}.musicxml", MUSICXML_TYPE, xml))
        files.extend((f"sheet/{name}-{page}.svg", SVG_TYPE, svg.encode("utf-8"))
                     for page, svg in enumerate(engrave(xml), 1))
    return files
