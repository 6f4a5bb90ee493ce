"""The performance layer: a score written on the grid becomes a score played by a band in a room.

Composition writes notes on the grid with accent velocities (100 ordinary, up to 127 accented, ~60 soft, ~30
ghost). :func:`perform` plays them as the style's players would, each step in its own module:

* :mod:`.velocity` — dynamics: the role's range, a smooth section curve inside the prompt's energy, phrase arcs;
* :mod:`.timing` — swing, each voice's pocket, patterned looseness, the bass locked to the kick;
* :mod:`.articulation` — legato joins, staccato, strums and rasgueados;
* :mod:`.expression` — CC11 swells and crescendos, CC1 vibrato, the piano's sustain pedal;
* :mod:`.bends` — guitar bends and slides, pedal steel, 808 glides, sitar meend, portamento, whammy dives.

:mod:`.feel` reads the style (falling back on its family's habits) and says what each instrument can do;
:mod:`.timeline` holds bars, tempo, the dynamic curve and phrases. The same score, style and random state give
the same performance. This package edits the score's tracks and nothing else: no mixing, no rendering.
"""

from __future__ import annotations

import hashlib
import random
from typing import TYPE_CHECKING, Any

from ..score import Control, Note, Score
from .articulation import articulate, strum
from .bends import apply_bends
from .expression import expression, pedal, volume_swells
from .feel import Feel, Part, classify, feel_of
from .timeline import Timeline
from .timing import Played, apply_timing
from .velocity import apply_velocities, level_bars

if TYPE_CHECKING:
    from ..styles import Style

__all__ = ["perform"]

def perform(score: Score, style: Style | Any, rng: random.Random) -> Score:
    """Play ``score`` in ``style``: final timing, velocities, note lengths, controller curves and pitch bends.

    Edits the score's tracks in place and returns the score.
    """
    feel = feel_of(style, score.style)
    timeline = Timeline(score, feel.half_time)
    seed = rng.getrandbits(64)

    def rng_for(purpose: str) -> random.Random:
        digest = hashlib.blake2b(f"{seed}|{purpose}".encode(), digest_size=8).digest()
        return random.Random(int.from_bytes(digest, "big"))

    parts: list[tuple[Part, list[Played]]] = []
    for track in score.tracks:
        notes = [Played(n.start, n.start + n.duration, n.pitch, n.velocity)
                 for n in sorted(track.notes, key=lambda n: (n.start, n.pitch))]
        parts.append((classify(track, feel), notes))

    humanized = feel.humanize_ms > 0
    for part, notes in parts:
        apply_velocities(part, notes, timeline, humanized, rng_for(f"velocity|{part.track.name}"))
    apply_timing(parts, timeline, feel, rng_for)
    played: list[tuple[Part, list[Played]]] = []
    for part, notes in parts:
        if part.strummed:
            notes = strum(part, notes, timeline, feel)
        articulate(part, notes, timeline, feel, rng_for(f"articulation|{part.track.name}"))
        played.append((part, notes))

    controls = {part.track.name: _controls(part, notes, timeline, score, feel) for part, notes in played}
    bent, swelling = apply_bends(played, timeline, feel, rng_for)
    for part, notes in played:
        name = part.track.name
        notes = bent.get(name, notes)
        if not part.drums:  # last, after strums and glides have added and merged notes
            level_bars(notes, timeline.bar)
        added = controls[name]
        if name in swelling and not any(c.controller == 11 for c in added):
            added = added + volume_swells(notes, timeline)
        _write(part, notes, added)
    return score


def _controls(part: Part, notes: list[Played], timeline: Timeline, score: Score, feel: Feel) -> list[Control]:
    return expression(part, notes, timeline) + pedal(part, notes, timeline, score.chords, feel)


def _write(part: Part, notes: list[Played], added: list[Control]) -> None:
    track = part.track
    track.notes = [Note(round(n.start, 5), round(max(n.end - n.start, 1e-3), 5), n.pitch, n.velocity)
                   for n in sorted(notes, key=lambda n: (n.start, n.pitch))]
    # a curve the score already carries is the player's own (a MIDI file's pedal or expression): it stays, and the
    # performance draws only the controllers it lacks (a composed score carries none before it is performed)
    carried = {c.controller for c in track.controls}
    added = [c for c in added if c.controller not in carried]
    track.controls = sorted(track.controls + added, key=lambda c: (c.time, c.controller))
