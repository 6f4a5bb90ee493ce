"""Rhythm parts: how the harmony instruments comp and how arpeggios run, one bar at a time.

Every comping figure is a function of the bar's voicing (pitches, low to high), its chord, the bar length and the
section's energy, returning ``(offset, duration, pitch, accent)`` tuples (accent 1.0 = an ordinary note; the
performance layer turns accents into velocities). Figures are looked up by name in :data:`COMP` and
:data:`ARP`, so a style names its figure and a new figure is one entry. Figures written for 4/4 fall back to a
pulse-by-pulse version in other metres, so any style can play in 3/4, 6/8 or 5/4. Swing and timing feel are the
performance layer's (:mod:`.perform`); :func:`swing_offset` is the shared arithmetic.
"""

from __future__ import annotations

import random
from typing import Callable

from .theory import Chord, fold_into_range

__all__ = ["ARP", "COMP", "SINGLE_LINE", "arp_bar", "comp_bar", "pulses"]

Event = tuple[float, float, int, float]
Voicing = tuple[int, ...]
#: (voicing, chord, bar_beats, compound, energy, bar_index, rng) -> events
Figure = Callable[[Voicing, Chord, float, bool, float, int, random.Random], list[Event]]


def pulses(bar_beats: float, compound: bool) -> list[float]:
    step = 1.5 if compound else 1.0
    count = max(int(round(bar_beats / step)), 1)
    return [i * step for i in range(count)]


def _hits(hits: list[tuple[float, float, float]] | tuple, voicing: Voicing) -> list[Event]:
    """A chord on each ``(offset, duration, accent)``."""
    return [(t, d, p, a) for t, d, a in hits for p in voicing]


def _four(bar_beats: float) -> bool:
    return abs(bar_beats - 4.0) < 1e-6


def _in_bar(hits, bar_beats: float) -> list:
    return [h for h in hits if h[0] < bar_beats - 1e-6]


def _block(v: Voicing, c: Chord, beats: float, compound: bool, e: float, bar: int, rng: random.Random) -> list[Event]:
    """A chord on each pulse, the downbeat accented (the fallback for every figure in an odd metre)."""
    return _hits([(p, 1.4 if compound else 0.9, 1.0 if i == 0 else 0.8) for i, p in enumerate(pulses(beats, compound))], v)


def _sustain(v, c, beats, compound, e, bar, rng):
    return _hits([(0.0, beats, 1.0)], v)


def _waltz(v, c, beats, compound, e, bar, rng):
    if compound:
        return _block(v, c, beats, compound, e, bar, rng)
    return _hits([(float(b), 0.8, 0.85) for b in range(1, int(beats))], v[1:] or v)


def _oompah(v, c, beats, compound, e, bar, rng):
    return _hits([(p + (0.75 if compound else 0.5), 0.35, 0.85) for p in pulses(beats, compound)], v)


def _arpeggio(v, c, beats, compound, e, bar, rng):
    order = list(v) + list(v[1:-1][::-1])
    return [(i * 0.5, 0.5, order[i % len(order)], 1.0 if i == 0 else 0.75) for i in range(int(beats * 2))]


def _fingerpick(v, c, beats, compound, e, bar, rng):
    """Travis picking: the thumb alternates bass strings on the beat, the fingers pick the top strings between."""
    bass = v[:2] if len(v) > 3 else v[:1]
    top = v[-2:] if len(v) > 2 else v
    events = []
    for i in range(int(beats * 2)):
        if i % 2 == 0:
            events.append((i * 0.5, 0.9, bass[(i // 2) % len(bass)], 1.0 if i % 4 == 0 else 0.85))
        else:
            events.append((i * 0.5, 0.9, top[(i // 2) % len(top)], 0.7))
    return events


def _alberti(v, c, beats, compound, e, bar, rng):
    order = [v[0], v[-1], v[len(v) // 2], v[-1]]
    return [(i * 0.5, 0.5, order[i % 4], 0.9 if i % 2 == 0 else 0.7) for i in range(int(beats * 2))]


def _ballad(v, c, beats, compound, e, bar, rng):
    """Left hand: the root low, then the chord broken upward on each pulse (a pulse a listener can tap)."""
    root = fold_into_range(c.root, 36, 47)
    events: list[Event] = [(0.0, beats, root, 1.0)]
    upper = [p for p in v if p > root + 4] or list(v)
    for i, pulse in enumerate(pulses(beats, compound)[1:], start=1):
        events.append((pulse, beats - pulse, upper[(i - 1) % len(upper)], 0.65))
    return events


def _power(v, c, beats, compound, e, bar, rng):
    return _hits([(i * 0.5, 0.45, 1.0 if i % 2 == 0 else 0.8) for i in range(int(beats * 2))], v)


def _chug(v, c, beats, compound, e, bar, rng):
    """Palm-muted power chords low in the register: eighths, sixteenths when the section drives."""
    step = 0.25 if e >= 0.85 and not compound else 0.5
    return _hits([(i * step, step * 0.6, 1.05 if (i * step) % 1.0 == 0 else 0.75)
                  for i in range(int(round(beats / step)))], v)


def _gallop(v, c, beats, compound, e, bar, rng):
    hits = []
    for p in pulses(beats, compound):
        hits += [(p, 0.45, 1.0), (p + 0.5, 0.22, 0.75), (p + 0.75, 0.22, 0.8)]
    return _hits(_in_bar(hits, beats), v)


def _strum(v, c, beats, compound, e, bar, rng):
    """Down on the beats, down-up between (the performance layer spreads each strum by its direction)."""
    if compound:
        hits = [(p + o, 0.45, a) for p in pulses(beats, compound) for o, a in ((0.0, 1.0), (0.5, 0.6), (1.0, 0.75))]
    else:
        shape = ((0.0, 1.0), (1.0, 0.85), (1.5, 0.6), (2.5, 0.6), (3.0, 0.9), (3.5, 0.6))
        hits = [(o, 0.45, a) for o, a in shape if o < beats]
    return _hits(hits, v)


def _rasgueado(v, c, beats, compound, e, bar, rng):
    """Flamenco strumming: in a 12-beat compás strums on every eighth with the accents on 3, 6, 8, 10 and 12, each
    accent prepared by a rasgueado (four fast finger strokes); in 4/4 the rumba's down, slap, down-up."""
    if abs(beats - 6.0) < 1e-6 and compound:  # 12/8: twelve eighths
        accents = {2, 5, 7, 9, 11}
        events: list[Event] = []
        for i in range(12):
            t = i * 0.5
            if i in accents:
                for k in range(4):  # the rasgueado: four strokes in the sixteenth before the accent
                    events += [(t - 0.25 + k * 0.0625, 0.06, p, 0.55 + 0.08 * k) for p in v]
                events += [(t, 0.45, p, 1.2) for p in v]
            elif i % 2 == 0:
                events += [(t, 0.3, p, 0.6) for p in v]
        return [ev for ev in events if ev[0] >= 0.0]
    if not _four(beats):
        return _strum(v, c, beats, compound, e, bar, rng)
    shape = ((0.0, 0.45, 1.0), (1.0, 0.15, 0.5), (1.5, 0.4, 0.8), (2.0, 0.45, 0.95), (3.0, 0.15, 0.5), (3.5, 0.4, 0.8))
    events = _hits(list(shape), v)
    if bar % 2 == 1:  # a rasgueado flourish into the next bar
        events += [(3.5 + k * 0.0625, 0.06, p, 0.6 + 0.1 * k) for k in range(4) for p in v]
    return events


def _house(v, c, beats, compound, e, bar, rng):
    return _hits([(p + 0.5, 0.3, 1.0) for p in pulses(beats, compound)], v)


def _pump(v, c, beats, compound, e, bar, rng):
    return _hits([(p + 0.5, 0.3, 1.0) for p in pulses(beats, compound)] + [(p, 0.3, 0.6) for p in pulses(beats, compound)], v)


def _skank(v, c, beats, compound, e, bar, rng):
    return _hits([(p, 0.3, 1.0) for p in pulses(beats, compound) if int(p) % 2 == 1], v[1:] or v)


def _offbeat8(v, c, beats, compound, e, bar, rng):
    """Ska: a short upstroke on every off-beat eighth."""
    return _hits([(p + 0.5, 0.2, 1.0) for p in pulses(beats, False)], v[1:] or v)


def _boom_chuck(v, c, beats, compound, e, bar, rng):
    """The 'chuck' of boom-chuck: a short chord on the off-beat pulses (the bass plays the 'boom')."""
    pts = pulses(beats, compound)
    return _hits([(p, 0.3, 1.0) for i, p in enumerate(pts) if i % 2 == 1] or [(pts[0] + 0.5, 0.3, 0.9)], v[1:] or v)


def _tango(v, c, beats, compound, e, bar, rng):
    if _four(beats) and bar % 2 == 1:  # the 3-3-2 of the habanera-derived bar
        return _hits([(0.0, 0.4, 1.0), (1.5, 0.4, 0.85), (3.0, 0.4, 0.9)], v)
    return _hits([(p, 0.4, 1.0 if i == 0 else 0.8) for i, p in enumerate(pulses(beats, compound))], v)


def _montuno(v, c, beats, compound, e, bar, rng):
    """Salsa piano montuno: syncopated eighths in octaves, answering the 2-3 clave across two bars."""
    if not _four(beats):
        return _block(v, c, beats, compound, e, bar, rng)
    mask = (1, 0, 1, 0, 1, 1, 0, 1) if bar % 2 == 0 else (0, 1, 0, 1, 1, 0, 1, 0)
    top = sorted(v)[-3:]
    line = [top[-1], top[0], top[1], top[-1], top[1], top[0], top[-1], top[1]]
    events = []
    for i, on in enumerate(mask):
        if on:
            pitch = line[i]
            events += [(i * 0.5, 0.35, pitch, 1.0 if i % 2 else 0.85), (i * 0.5, 0.35, pitch - 12, 0.8)]
    return events


def _stride(v, c, beats, compound, e, bar, rng):
    """Stride piano: a low bass note on the strong beats, the chord in the middle on the others."""
    root = fold_into_range(c.root, 36, 47)
    fifth = fold_into_range(c.fifth, 36, 50)
    events: list[Event] = []
    for i, p in enumerate(pulses(beats, compound)):
        if i % 2 == 0:
            events.append((p, 0.45, root if i % 4 == 0 else fifth, 1.0))
        else:
            events += [(p, 0.4, q, 0.8) for q in v if q > root + 7]
    return events


def _stab(v, c, beats, compound, e, bar, rng):
    if not _four(beats):
        return _block(v, c, beats, compound, e, bar, rng)
    shape = (((0.0, 1.0), (1.5, 0.85), (3.0, 0.9)), ((0.0, 1.0), (2.5, 0.85)),
             ((0.0, 1.0), (0.75, 0.7), (2.0, 0.9), (3.5, 0.75)))[bar % 3 if rng.random() < 0.8 else rng.randrange(3)]
    return _hits([(o, 0.4, a) for o, a in shape], v)


def _lazy(v, c, beats, compound, e, bar, rng):
    if not _four(beats):
        return _block(v, c, beats, compound, e, bar, rng)
    return _hits([(0.0, 1.4, 1.0), (1.5, 0.9, 0.75), (2.5, 1.4, 0.9)], v)


def _neo_soul(v, c, beats, compound, e, bar, rng):
    if not _four(beats):
        return _block(v, c, beats, compound, e, bar, rng)
    return _hits([(0.0, 2.6, 1.0), (2.75, 1.1, 0.7)] if bar % 2 == 0 else [(0.0, 1.4, 0.95), (1.75, 2.1, 0.8)], v)


def _funk(v, c, beats, compound, e, bar, rng):
    if not _four(beats):
        return _block(v, c, beats, compound, e, bar, rng)
    shape = ((0.0, 1.0), (0.75, 0.6), (1.5, 0.85), (2.25, 0.6), (2.5, 0.9), (3.5, 0.7))
    return _hits([(o, 0.18, a) for o, a in shape], v[-3:])


def _citypop(v, c, beats, compound, e, bar, rng):
    if not _four(beats):
        return _block(v, c, beats, compound, e, bar, rng)
    shape = ((0.0, 0.4, 1.0), (0.75, 0.25, 0.7), (1.5, 0.4, 0.85), (2.5, 0.3, 0.8), (3.25, 0.5, 0.85))
    return _hits(list(shape), v)


def _jazz(v, c, beats, compound, e, bar, rng):
    if not _four(beats):
        return _block(v, c, beats, compound, e, bar, rng)
    shape = rng.choice((((0.0, 0.9, 1.0), (1.5, 0.5, 0.85)), ((1.0, 0.5, 0.85), (2.5, 1.0, 0.9)),
                        ((0.0, 1.4, 0.9), (2.0, 0.5, 0.75), (3.5, 0.5, 0.85)), ((0.5, 0.5, 0.85), (2.0, 1.0, 0.9))))
    return _hits(list(shape), v)


def _shuffle(v, c, beats, compound, e, bar, rng):
    if not _four(beats):
        return _block(v, c, beats, compound, e, bar, rng)
    return _hits([(0.0, 1.9, 0.9), (2.0, 1.9, 0.85)], v)


def _bossa(v, c, beats, compound, e, bar, rng):
    if not _four(beats):
        return _block(v, c, beats, compound, e, bar, rng)
    return _hits([(0.0, 0.9, 1.0), (1.5, 0.5, 0.8), (2.5, 0.9, 0.9), (3.5, 0.4, 0.75)], v)


def _gospel(v, c, beats, compound, e, bar, rng):
    """Gospel piano: chords on every beat, leaning on 2 and 4, an anticipation into the next bar."""
    pts = pulses(beats, compound)
    hits = [(p, 0.8, 1.0 if i % 2 else 0.85) for i, p in enumerate(pts)]
    if _four(beats):
        hits[-1] = (3.0, 0.45, 0.9)
        hits.append((3.5, 0.45, 0.8))
    return _hits(hits, v)


def _twinkle(v, c, beats, compound, e, bar, rng):
    """Midwest-emo twinkle: sixteenth arpeggios over open, ringing chord tones, up and back."""
    tones = sorted(set(v) | {p + 12 for p in v[-2:]})
    order = tones + tones[-2:0:-1]
    return [(i * 0.25, 0.5, order[i % len(order)], 1.0 if i % 4 == 0 else 0.7) for i in range(int(beats * 4))]


def _highlife(v, c, beats, compound, e, bar, rng):
    """Palm-wine guitar: syncopated sixteenth picking over the chord's top tones."""
    mask = (1, 0, 1, 1, 0, 1, 0, 1, 1, 0, 1, 0, 1, 1, 0, 1)
    top = sorted(v)[-3:]
    events = []
    for i in range(int(beats * 4)):
        if mask[i % 16]:
            events.append((i * 0.25, 0.3, top[(i * 2) % len(top)], 1.0 if i % 4 == 0 else 0.75))
    return events


def _afro(v, c, beats, compound, e, bar, rng):
    """Afrobeat rhythm guitar: muted, interlocking sixteenth double stops that leave the downbeat to the bass."""
    mask = (0, 0, 1, 0, 1, 0, 0, 1, 0, 1, 1, 0, 1, 0, 0, 1)
    top = sorted(v)[-2:]
    return [(i * 0.25, 0.15, p, 1.0 if i % 4 == 2 else 0.75) for i in range(int(beats * 4)) if mask[i % 16]
            for p in top]


def _requinto(v, c, beats, compound, e, bar, rng):
    """Bachata's requinto: eighth-note arpeggios with a syncopated push before beat 3."""
    tones = sorted(v)
    line = [tones[0], tones[-1], tones[1 % len(tones)], tones[-1], tones[0], tones[-1], tones[1 % len(tones)], tones[-1]]
    times = (0.0, 0.5, 1.0, 1.5, 1.75, 2.5, 3.0, 3.5)
    return [(t, 0.45, p, 1.0 if t in (0.0, 1.75) else 0.75) for t, p in zip(times, line) if t < beats]


def _dembow(v, c, beats, compound, e, bar, rng):
    """Reggaeton stabs on the dembow's snare positions."""
    if not _four(beats):
        return _block(v, c, beats, compound, e, bar, rng)
    return _hits([(0.75, 0.3, 1.0), (1.5, 0.35, 0.9), (2.75, 0.3, 1.0), (3.5, 0.35, 0.9)], v)


def _amapiano(v, c, beats, compound, e, bar, rng):
    if not _four(beats):
        return _block(v, c, beats, compound, e, bar, rng)
    return _hits([(0.5, 0.6, 0.9), (1.75, 0.5, 0.8), (2.5, 0.9, 0.95)] if bar % 2 == 0 else [(0.5, 1.4, 0.9), (2.75, 0.6, 0.8)], v)


def _cumbia(v, c, beats, compound, e, bar, rng):
    """Accordion chords on the off-beats of the two-feel."""
    return _hits([(p + 0.5, 0.35, 0.9 if i % 2 else 1.0) for i, p in enumerate(pulses(beats, False))], v)


def _mariachi(v, c, beats, compound, e, bar, rng):
    """The vihuela: in 3/4 the chord on 2 and a down-up on 3; in 6/8 the son's strum on every eighth."""
    if compound:
        return _hits([(i * 0.5, 0.3, 1.0 if i % 3 == 0 else 0.7) for i in range(int(beats * 2))], v)
    return _hits(_in_bar([(1.0, 0.4, 0.9), (2.0, 0.3, 0.85), (2.5, 0.3, 0.7)], beats), v[1:] or v)


def _pluck(v, c, beats, compound, e, bar, rng):
    """Bright plucked eighths: the chord's top tones alternating over the low one on the beat."""
    tones = sorted(v)
    return [(i * 0.5, 0.35, tones[0] if i % 4 == 0 else tones[-1 - (i % 2)], 1.0 if i % 2 == 0 else 0.75)
            for i in range(int(beats * 2))]


def _chorale(v, c, beats, compound, e, bar, rng):
    """Hymn harmony: the four parts in half notes (whole bars in 3/4 keep the pulse in the bass)."""
    if beats >= 4:
        return _hits([(0.0, beats / 2, 1.0), (beats / 2, beats / 2, 0.85)], v)
    return _hits([(0.0, beats, 1.0)], v)


def _quartet(v, c, beats, compound, e, bar, rng):
    """A string quartet's inner voice: one line (never a chord) moving between the chord's middle tones."""
    inner = sorted(v)[1:-1] or list(v)
    half = beats / 2 if beats >= 4 else beats
    return [(i * half, half, inner[(bar + i) % len(inner)], 1.0 if i == 0 else 0.85)
            for i in range(int(round(beats / half)))]


def _staccato(v, c, beats, compound, e, bar, rng):
    return _hits(_in_bar([(0.0, 0.2, 1.0), (1.0, 0.15, 0.7), (1.5, 0.15, 0.8), (3.0, 0.2, 0.85)], beats), v)


def _cluster(v, c, beats, compound, e, bar, rng):
    """Horror: the chord held low with a semitone rubbing against its root, two octaves under any melody."""
    low = fold_into_range(c.root, 36, 47)
    return _hits([(0.0, beats, 1.0)], tuple(sorted({low, low + 1, low + 7} | set(v[:2]))))


COMP: dict[str, Figure] = {
    "block": _block, "sustain": _sustain, "swell": _sustain, "waltz": _waltz, "oompah": _oompah,
    "arpeggio": _arpeggio, "fingerpick": _fingerpick, "alberti": _alberti, "ballad": _ballad, "power": _power,
    "chug": _chug, "gallop": _gallop, "strum": _strum, "rasgueado": _rasgueado, "house": _house, "pump": _pump,
    "skank": _skank, "offbeat8": _offbeat8, "boom_chuck": _boom_chuck, "tango": _tango, "montuno": _montuno,
    "stride": _stride, "stab": _stab, "lazy": _lazy, "neo_soul": _neo_soul, "funk": _funk, "citypop": _citypop,
    "jazz": _jazz, "shuffle": _shuffle, "bossa": _bossa, "gospel": _gospel, "twinkle": _twinkle,
    "highlife": _highlife, "afro": _afro, "requinto": _requinto, "dembow": _dembow, "amapiano": _amapiano,
    "cumbia": _cumbia, "mariachi": _mariachi, "pluck": _pluck, "chorale": _chorale, "quartet": _quartet,
    "staccato": _staccato, "cluster": _cluster,
}
#: Figures that play single lines or broken chords: a part on a one-voice instrument can play them.
SINGLE_LINE = frozenset({"arpeggio", "fingerpick", "alberti", "twinkle", "highlife", "requinto", "pluck", "quartet"})


def comp_bar(pattern: str, voicing: Voicing, chord: Chord, bar_beats: float, compound: bool, energy: float,
             rng: random.Random, bar_index: int = 0) -> list[Event]:
    figure = COMP.get(pattern, _block)
    if compound and pattern not in ("rasgueado", "mariachi", "strum", "sustain", "swell", "waltz", "oompah",
                                    "chorale", "quartet", "fingerpick", "arpeggio", "chug", "cluster"):
        figure = _block
    return [ev for ev in figure(voicing, chord, bar_beats, compound, energy, bar_index, rng) if ev[0] < bar_beats]


# --- arpeggios ------------------------------------------------------------------------------------------------
ArpFigure = Callable[[list[int], float, int, random.Random], list[Event]]


def _sparkle(tones, beats, bar, rng):
    events, t = [], 0.0
    while t < beats:
        if rng.random() < 0.6:
            events.append((t, 1.5, rng.choice(tones[-4:]), 0.75))
        t += rng.choice((1.0, 1.5, 2.0))
    return events


def _bell(tones, beats, bar, rng):
    """Meditation bells: one stroke a bar or two, left to ring."""
    if bar % 2 == 1 and rng.random() < 0.6:
        return []
    return [(rng.choice((0.0, beats / 2)), beats * 1.5, rng.choice(tones[-3:]), 0.7)]


def _ostinato(step: float) -> ArpFigure:
    def figure(tones, beats, bar, rng):
        root = tones[0]
        cell = (root, root + 7, root + 12, root + 7)
        return [(i * step, step * 0.9, cell[i % 4], 1.0 if i % 4 == 0 else 0.75) for i in range(int(beats / step))]
    return figure


def _run(step: float, turn: bool) -> ArpFigure:
    def figure(tones, beats, bar, rng):
        order = tones + tones[-2:0:-1] if turn else tones
        return [(i * step, step * 0.9, order[i % len(order)], 1.0 if i % 4 == 0 else 0.75)
                for i in range(int(round(beats / step)))]
    return figure


def _roll(tones, beats, bar, rng):
    """A banjo forward roll: thumb, index, middle in sixteenths grouped 3-3-2."""
    low, mid, high = tones[0], tones[len(tones) // 2], tones[-1]
    cell = (low, mid, high, low, mid, high, low, high)
    return [(i * 0.25, 0.3, cell[i % 8], 1.0 if i % 8 in (0, 3, 6) else 0.7) for i in range(int(beats * 4))]


def _arp_pluck(tones, beats, bar, rng):
    mask = (1, 0, 1, 1, 0, 1, 1, 0)
    return [(i * 0.5, 0.3, tones[(i * 3) % len(tones)], 1.0 if i % 2 == 0 else 0.75)
            for i in range(int(beats * 2)) if mask[i % 8]]


ARP: dict[str, ArpFigure] = {
    "sparkle": _sparkle, "bell": _bell, "ostinato": _ostinato(0.5), "ostinato16": _ostinato(0.25),
    "up8": _run(0.5, False), "up16": _run(0.25, False), "chip": _run(0.25, True), "roll": _roll, "pluck": _arp_pluck,
}


def arp_bar(pattern: str, voicing: Voicing, chord: Chord, bar_beats: float, low: int, high: int,
            rng: random.Random, bar_index: int = 0) -> list[Event]:
    tones = sorted({p for p in voicing} | {p + 12 for p in voicing if p + 12 <= high})
    tones = [p for p in tones if low <= p <= high] or list(voicing)
    figure = ARP.get(pattern, ARP["up8"])
    return [ev for ev in figure(tones, bar_beats, bar_index, rng) if ev[0] < bar_beats]
