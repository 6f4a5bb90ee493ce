"""The mix: each track's fader, pan and effect sends, decided the way a mix engineer would.

* **Balance by ear, not by controller.** General MIDI patches differ by 20 dB at the same velocity, and a chord
  pad is louder than a single line. Each track's loudness is estimated from its notes (their keys, lengths,
  velocities and expression) against :meth:`.soundfont.SoundFont.levels` — how loud the patch measured on each
  key — and its fader (CC7) is set so the track sits at its role's level under the lead: the melody at 0 dB,
  comping and bass a few dB under it, pads further back. An instrument the prompt named is never buried (at most
  :data:`NAMED_FLOOR_DB` under the lead); a featured one carries the tune at the lead's level.
* **Depth from sends the listener hears.** A patch's own reverb and chorus sends usually outweigh the controllers
  (FluidR3's saw lead sends everything to the chorus), so the render cancels them with a channel offset and the
  send becomes the arrangement's: reverb by depth (lead close, pads far, bass and kick dry), chorus for width on
  pads, little or none on leads and bass, which stay centred and mono-compatible.

:class:`StemSettings` is what a track plays with on its MIDI channel, in the render and in ``score.mid``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .score import Score, Track
from .arrange import ROLE_VOLUME
from .calibrate import LEVEL_SECONDS, LEVEL_VELOCITIES, LEVEL_VELOCITY, LEVEL_WINDOW, Patch, PatchLevel
from .sf2 import RELEASE_DB, SAMPLE_RATE, TAIL_DB
from .soundfont import SoundFont

__all__ = ["CHORUS_WIDTH", "FLUID_CHORUS_WIDTH", "NAMED_FLOOR_DB", "SEND_SCALE", "StemSettings", "TrackMix",
           "beats_to_seconds", "energy_curve", "narrow", "plan_mix", "role_level_db", "room", "stem_settings"]

DRUM_CHANNEL = 9
MELODIC_CHANNEL = 0
#: Voice send (0-1) a CC91/CC93 of 127 gives: what the render applies in place of the patch's own sends.
SEND_SCALE = 0.5
#: Stereo width of the chorus return; FluidSynth's own is 10, whose two sides cancel in a mono sum.
CHORUS_WIDTH = 2.0
FLUID_CHORUS_WIDTH = 10.0
#: A named instrument sits at most this far under the lead.
NAMED_FLOOR_DB = -1.5

#: Level (RMS, dB) of each role relative to the lead over the bars they play, in a band with a kit.
_ROLE_LEVEL_DB = {
    "melody": 0.0, "counter": -4.0, "doubling": -8.0, "harmony": -5.0, "pad": -7.0, "arp": -7.0, "bass": -6.0,
    "percussion": -6.0, "hand": -9.0, "drums": -3.0, "fx": -10.0,
}
#: Where a style's balance departs from the band's: the kit and bass drive club music, brushes and an orchestral
#: kit sit back.
_STYLE_LEVEL_DB: dict[str, dict[str, float]] = {}
for _names, _levels in (
    (("house", "uk_garage", "techno", "trance", "edm", "dubstep", "dnb", "trap", "drill", "phonk", "hyperpop",
      "amapiano", "reggaeton", "dancehall", "afrobeats", "synthwave", "kpop", "boom_bap"), {"drums": 0.0, "bass": -4.0}),
    (("jazz", "bebop", "cool_jazz", "noir", "big_band", "bossa", "neo_soul", "lofi"), {"drums": -7.0}),
    (("orchestral", "epic_trailer", "baroque", "string_quartet", "romantic_piano", "neoclassical", "waltz",
      "hymn", "lullaby", "ambient", "meditation"), {"drums": -6.0, "percussion": -5.0, "pad": -6.0}),
):
    for _name in _names:
        _STYLE_LEVEL_DB[_name] = _levels
#: A track's volume away from its role's habit (:data:`.arrange.ROLE_VOLUME`) is a fader move of its own, of at
#: most this many dB either way: the balance is the mix's, the arrangement nudges it.
_TRIM_DB = 3.0
#: Reverb send range (CC91) per role before the room's scale: close lead, distant pads, dry low end.
_DEPTH = {
    "melody": (30, 50), "counter": (40, 65), "doubling": (45, 75), "harmony": (35, 70), "pad": (80, 100),
    "arp": (45, 80), "bass": (0, 18), "percussion": (20, 55), "hand": (20, 50), "drums": (15, 35), "fx": (50, 100),
}
#: Chorus send range (CC93) per role: width from pads and doubles; leads and bass stay mono-compatible.
_CHORUS = {
    "melody": (0, 16), "counter": (0, 40), "doubling": (0, 64), "harmony": (0, 48), "pad": (24, 80),
    "arp": (0, 48), "bass": (0, 0), "percussion": (0, 0), "hand": (0, 0), "drums": (0, 0), "fx": (0, 64),
}
#: Roles that stay near the centre.
_CENTRED = {"melody": 0.1, "bass": 0.0, "drums": 0.0}
#: Reverb room per production hint, first match wins: (size, damping, width, level), send scale, and the energy
#: decay time (s) of its tail (its measured RT60 / ln 10⁶: 1.2, 4.6, 2.7, 1.6 and 2.1 s).
_ROOMS: tuple[tuple[str, tuple[float, float, float, float], float, float], ...] = (
    ("dry", (0.3, 0.5, 0.5, 0.6), 0.3, 0.09),
    ("hall", (0.85, 0.25, 1.0, 1.0), 1.3, 0.33),
    ("live", (0.7, 0.3, 0.9, 0.9), 1.1, 0.2),
    ("lofi", (0.45, 0.6, 0.6, 0.8), 0.8, 0.12),
)
_DEFAULT_ROOM = ((0.6, 0.35, 0.8, 0.9), 1.0, 0.15)
#: Faders move at most this far from the median fader move (a part of three notes must not set the mix).
_FADER_SPREAD_DB = (-30.0, 24.0)
#: Least L/R correlation of each role's dry signal: stereo-sampled pianos and string sections (spaced
#: microphones) can sit near or below zero and thin out in mono; leads and bass are kept close to mono.
_MIN_CORRELATION = {
    "melody": 0.7, "counter": 0.3, "doubling": 0.2, "harmony": 0.3, "pad": 0.2, "arp": 0.3, "bass": 0.8,
    "percussion": 0.3, "hand": 0.3, "drums": 0.5, "fx": 0.0,
}
#: Lowest fader (CC7) the balance sets.
_MIN_VOLUME = 8
#: Melodic keys are measured on this grid and interpolated between.
_KEY_GRID = tuple(range(12, 128, 12))
#: How far (dB, window power) under its loudest a note's voices end: about FluidSynth's noise floor under a sample's
#: peak.
_VOICE_FLOOR_DB = 90.0


@dataclass(frozen=True)
class StemSettings:
    channel: int
    bank: int
    program: int
    volume: int  #: CC7
    pan: int  #: CC10
    reverb: int  #: CC91
    chorus: int  #: CC93


@dataclass(frozen=True)
class TrackMix:
    settings: StemSettings  #: what the channel plays with (and what score.mid carries)
    reverb: float  #: voice send to the reverb, 0-1, in place of the patch's own
    chorus: float  #: voice send to the chorus, 0-1
    level_db: float  #: estimated RMS (dB, synth full scale) at its fader over the bars it plays; NaN if silent
    width: float = 1.0  #: scale of the dry signal's side (L-R) against its mid: 1 as the patch plays, 0 mono


def room(production: frozenset[str]) -> tuple[tuple[float, float, float, float], float, float]:
    for hint, size, scale, decay in _ROOMS:
        if hint in production:
            return size, scale, decay
    return _DEFAULT_ROOM


#: Energy of a release that falls 96 dB in T seconds, over the level it falls from: T / (9.6 ln 10).
_RELEASE_ENERGY = 1 / (9.6 * math.log(10))


def narrow(stereo: np.ndarray, k: float) -> None:
    """Scale the side (L−R) of planar ``stereo`` (2, frames) by ``k`` in place: the mid, what a mono sum keeps,
    stays."""
    mid = (stereo[0] + stereo[1]) * np.float32(0.5)
    side = (stereo[0] - stereo[1]) * np.float32(0.5 * k)
    np.add(mid, side, out=stereo[0])
    np.subtract(mid, side, out=stereo[1])


def _cc(value: float) -> int:
    return int(min(127, max(0, round(value))))


def _role(track: Track) -> str:
    if track.is_drums and track.role not in ("drums", "hand"):
        return "drums"
    return track.role if track.role in _ROLE_LEVEL_DB else "harmony"


def stem_settings(track: Track, production: frozenset[str] = frozenset()) -> StemSettings:
    """The channel, program, pan and sends a track plays with; its volume before the balance (CC7 = volume)."""
    role = _role(track)
    _, scale, _ = room(production)
    low, high = _DEPTH[role]
    reverb = min(max(track.reverb * 127, low), high) * scale
    low, high = _CHORUS[role]
    chorus = min(max(track.chorus * 127 * (1.5 if "wide" in production and role == "pad" else 1.0), low), high)
    pan = track.pan
    if track.featured or role in _CENTRED:
        limit = _CENTRED.get(role, 0.1)
        pan = min(max(pan, -limit), limit)
    elif "wide" in production and role == "pad":
        pan = math.copysign(min(1.0, abs(pan) * 2 + 0.3), pan or -1.0)
    if track.is_drums:
        channel, bank = DRUM_CHANNEL, 128
    else:
        channel, bank = MELODIC_CHANNEL, track.bank
    return StemSettings(
        channel=channel,
        bank=bank,
        program=int(min(127, max(0, track.program))),
        volume=_cc(track.volume * 127),
        pan=int(min(127, max(0, round(64 + pan * 63.5)))),
        reverb=_cc(reverb),
        chorus=_cc(chorus),
    )


def role_level_db(score: Score, track: Track) -> float:
    """Where the track should sit relative to the lead (dB): its role's level in the style, moved by the
    arrangement's own fader (a volume away from the role's usual one, at most :data:`_TRIM_DB` either way), and
    never under :data:`NAMED_FLOOR_DB` for an instrument the prompt named (the lead's level if featured)."""
    role = _role(track)
    level = _STYLE_LEVEL_DB.get(score.style, {}).get(role, _ROLE_LEVEL_DB[role])
    trim = 40 * math.log10(max(track.volume, 1e-3) / ROLE_VOLUME[role])
    level += min(max(trim, -_TRIM_DB), _TRIM_DB)
    if track.featured:
        level = max(level, 0.0)
    elif track.named:
        # a named sound effect's swells and fades read under their peak: it sits a little higher to be heard
        level = max(level, NAMED_FLOOR_DB + (1.0 if role == "fx" else 0.0))
    return min(level, 0.0) if role != "melody" else level


def beats_to_seconds(score: Score, beats: np.ndarray) -> np.ndarray:
    """Vectorised :meth:`Score.seconds_at`: seconds at each beat, following the tempo map."""
    tempo = sorted(score.tempo, key=lambda t: t.beat) or []
    if not tempo:
        raise ValueError("the score has no tempo")
    starts = np.array([t.beat for t in tempo], dtype=np.float64)
    spb = np.array([60.0 / t.bpm for t in tempo], dtype=np.float64)
    starts[0] = min(starts[0], 0.0)
    offsets = np.concatenate([[0.0], np.cumsum(np.diff(starts) * spb[:-1])])
    index = np.clip(np.searchsorted(starts, beats, side="right") - 1, 0, len(tempo) - 1)
    return offsets[index] + (beats - starts[index]) * spb[index]


#: How long a note is heard past its end in :func:`energy_curve` (its release and the room).
_NOTE_RING_S = 0.3


def _playable(track: Track) -> list:
    return [n for n in track.notes if 0 <= n.pitch <= 127 and n.duration > 0 and n.velocity > 0]


def until_same_key(start: np.ndarray, end: np.ndarray, pitch: np.ndarray) -> np.ndarray:
    """Each note's ``end``, brought forward to where the next note of the same key starts: FluidSynth's note-off
    releases every voice of its key on the channel, so a note lets go there or it would cut the next one short."""
    order = np.lexsort((start, pitch))
    same = pitch[order][1:] == pitch[order][:-1]
    clipped = end[order].copy()
    clipped[:-1] = np.where(same, np.minimum(clipped[:-1], start[order][1:]), clipped[:-1])
    out = end.copy()
    out[order] = clipped
    return out


def _patch_keys(track: Track, settings: StemSettings, pitches: np.ndarray) -> list[Patch]:
    drums = track.is_drums
    if drums:
        keys = np.unique(pitches)
    else:
        grid = np.array(_KEY_GRID)
        below = grid[np.clip(np.searchsorted(grid, pitches, side="right") - 1, 0, len(grid) - 1)]
        above = grid[np.clip(np.searchsorted(grid, pitches, side="left"), 0, len(grid) - 1)]
        keys = np.unique(np.concatenate([below, above]))
    return [(settings.bank, settings.program, drums, int(k)) for k in keys]


def _note_energy(levels: dict[Patch, PatchLevel], patches: list[Patch], drums: bool, pitches: np.ndarray,
                 seconds: np.ndarray, velocity: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Energy (power × seconds) each note plays at full volume, and the share of it in the mid."""
    window = LEVEL_WINDOW / SAMPLE_RATE
    steps = int(LEVEL_SECONDS * SAMPLE_RATE) // LEVEL_WINDOW
    keys = np.array([p[3] for p in patches])
    curves = np.array([levels[p].energy for p in patches])  # (keys, windows) energy rates
    mids = np.array([levels[p].mid for p in patches])
    release = np.maximum([levels[p].release for p in patches], 1e-3)
    cumulative = np.concatenate([np.zeros((len(keys), 1)), np.cumsum(curves, axis=1) * window], axis=1)
    # after a key is let go the sound keeps decaying as it was (a cymbal) and fades by the patch's release on top
    fade = 10 ** (-9.6 * window / release)  # energy ratio per window
    lag = np.arange(steps)[None, :] - np.arange(steps)[:, None]  # (let go at, window)
    weights = np.where(lag >= 0, fade[:, None, None] ** np.maximum(lag, 0)[None], 0.0) * window
    tails = np.einsum("kjw,kw->kj", weights, curves)
    tails += curves[:, -1:] * fade[:, None] ** (steps - np.arange(steps))[None, :] * release[:, None] * _RELEASE_ENERGY
    tails = np.concatenate([tails, curves[:, -1:] * release[:, None] * _RELEASE_ENERGY], axis=1)
    held = np.clip(seconds / window, 0, steps)
    lo = np.floor(held).astype(int)
    frac = held - lo
    hi = np.minimum(lo + 1, steps)
    beyond = np.maximum(seconds - LEVEL_SECONDS, 0.0)

    def energy_on(row: np.ndarray) -> np.ndarray:
        held_energy = cumulative[row, lo] * (1 - frac) + cumulative[row, hi] * frac + beyond * curves[row, -1]
        return held_energy + tails[row, hi]  # and what sounds after the key is let go

    # the General MIDI velocity curve, and where a velocity-layered patch departs from it
    layers = np.array([levels[p].layers for p in patches])  # (keys, velocities) dB
    measured = np.log(np.array(LEVEL_VELOCITIES, dtype=np.float64))
    played = np.clip(np.log(np.clip(velocity, 1, 127)), measured[0], measured[-1])
    segment = np.clip(np.searchsorted(measured, played, side="right") - 1, 0, len(measured) - 2)
    along = (played - measured[segment]) / (measured[segment + 1] - measured[segment])
    scale = (velocity / LEVEL_VELOCITY) ** 4

    def layer_on(row: np.ndarray) -> np.ndarray:
        return layers[row, segment] * (1 - along) + layers[row, segment + 1] * along

    if drums:
        row = np.searchsorted(keys, pitches)
        return energy_on(row) * scale * 10 ** (layer_on(row) / 10), mids[row]
    # melodic: interpolate (in dB) between the measured keys either side
    row_lo = np.clip(np.searchsorted(keys, pitches, side="right") - 1, 0, len(keys) - 1)
    row_hi = np.clip(np.searchsorted(keys, pitches, side="left"), 0, len(keys) - 1)
    span = np.maximum(keys[row_hi] - keys[row_lo], 1)
    t = np.clip((pitches - keys[row_lo]) / span, 0.0, 1.0)
    log_lo, log_hi = (np.log(np.maximum(energy_on(r) * 10 ** (layer_on(r) / 10), 1e-30)) for r in (row_lo, row_hi))
    return np.exp(log_lo * (1 - t) + log_hi * t) * scale, mids[row_lo] * (1 - t) + mids[row_hi] * t


def _loudness_db(score: Score, track: Track, levels: dict[Patch, PatchLevel], patches: list[Patch]
                 ) -> tuple[float, float]:
    """Estimated RMS (dB) of the track at full volume over the bars it plays in, and the share of
    its energy in the mid."""
    notes = _playable(track)
    if not notes:
        return math.nan, 1.0
    starts = np.array([n.start for n in notes], dtype=np.float64)
    ends = starts + np.array([n.duration for n in notes], dtype=np.float64)
    pitches = np.array([n.pitch for n in notes])
    velocity = np.clip([n.velocity for n in notes], 1, 127).astype(np.float64)
    on, off = beats_to_seconds(score, np.maximum(starts, 0.0)), beats_to_seconds(score, np.maximum(ends, 0.0))
    energy, mid = _note_energy(levels, patches, track.is_drums, pitches, off - on, velocity)
    expression = sorted((c.time, c.value) for c in track.controls if c.controller == 11)
    if expression:
        times = np.array([t for t, _ in expression])
        values = np.array([min(max(v, 0), 127) for _, v in expression] + [127], dtype=np.float64)
        at = np.searchsorted(times, starts, side="right") - 1
        energy = energy * (values[at] / 127.0) ** 4  # index -1 (before any change) reads the default 127
    bar = score.bar_beats
    first = np.floor(np.maximum(starts, 0.0) / bar).astype(int)
    last = np.maximum(np.ceil(ends / bar).astype(int) - 1, first)
    active = np.zeros(int(last.max()) + 2, dtype=np.int64)
    np.add.at(active, first, 1)
    np.add.at(active, last + 1, -1)
    bars = np.flatnonzero(np.cumsum(active) > 0)
    edges = beats_to_seconds(score, np.concatenate([bars * bar, (bars + 1) * bar]).astype(np.float64))
    seconds = float((edges[len(bars) :] - edges[: len(bars)]).sum())
    total = float(energy.sum())
    if total <= 0.0 or seconds <= 0.0:
        return math.nan, 1.0
    return 10 * math.log10(total / seconds), float((energy * mid).sum() / total)


def voice_seconds(score: Score, track: Track, settings: StemSettings, soundfont: SoundFont) -> float:
    """What ``track`` costs FluidSynth to render: each note's voices (:attr:`.calibrate.PatchLevel.voices`) times
    how long they live. FluidSynth drops a voice once it has fallen about :data:`_VOICE_FLOOR_DB` under the note's
    loudest (its noise floor), or when a sample that does not loop has played. Held, a note falls as it was measured
    to (past the measurement, as it last fell: a pizzicato dies within a second, a pad sustains); let go, its
    release takes it down 96 dB over the patch's release time — on top of its own fall where the sample plays out,
    alone where it loops (a looped tail holds its level) — until the render ends it :data:`.sf2.TAIL_DB` down. A render splits its tracks between threads by it."""
    notes = _playable(track)
    if not notes:
        return 0.0
    pitches = np.array([n.pitch for n in notes], dtype=np.int64)
    patches = _patch_keys(track, settings, pitches)
    levels = soundfont.levels(patches)
    window = LEVEL_WINDOW / SAMPLE_RATE
    db = np.array([10 * np.log10(np.maximum(levels[p].energy, 1e-30)) for p in patches])
    db = db - db.max(axis=1, keepdims=True) + _VOICE_FLOOR_DB  # dB above the floor, window by window
    steps = db.shape[1]
    alive = db > 0
    tail = steps // 3
    fall = np.maximum(db[:, -tail] - db[:, -1], 0.0) / ((tail - 1) * window)  # dB/s over the last third
    with np.errstate(divide="ignore"):
        ends = np.where(alive[:, -1], steps * window + np.where(fall > 0, db[:, -1] / np.maximum(fall, 1e-9), np.inf),
                        (steps - np.argmax(alive[:, ::-1], axis=1)) * window)  # when it would end, held for ever
    looped = np.array([levels[p].looped for p in patches])
    onset, decay, sustain = np.array([levels[p].envelope for p in patches]).T
    # a looped note held for ever ends only if its envelope decays to the floor (its measured fall may be the
    # sample's own attack dying into the loop)
    ends = np.where(looped, np.where(sustain >= _VOICE_FLOOR_DB, onset + decay * _VOICE_FLOOR_DB / 96.0, np.inf), ends)
    nearest = np.abs(pitches[:, None] - np.array([p[3] for p in patches])[None, :]).argmin(axis=1)
    voices = np.array([levels[p].voices for p in patches], dtype=np.float64)[nearest]
    release = np.maximum([levels[p].release for p in patches], 1e-3)[nearest]
    own_fall = np.where(looped, 0.0, fall)[nearest]
    starts = np.maximum([n.start for n in notes], 0.0)
    on = beats_to_seconds(score, starts)
    held = until_same_key(on, beats_to_seconds(score, starts + np.array([n.duration for n in notes])), pitches) - on
    step = np.minimum((held / window).astype(np.int64), steps - 1)
    above = np.maximum(db[nearest, step] - np.maximum(held - steps * window, 0.0) * fall[nearest], 0.0)
    # the render ends a released voice once it is TAIL_DB under where its release began (render._Tails)
    released = np.minimum(above / (RELEASE_DB / release + own_fall), release * TAIL_DB / RELEASE_DB)
    life = np.minimum(held + released, ends[nearest])
    return float((voices * life).sum())


def energy_curve(score: Score, tracks: list[Track], plans: list[TrackMix], soundfont: SoundFont,
                 step_s: float) -> np.ndarray:
    """The mix's power (synth full scale) predicted from the score, one value per ``step_s`` seconds: each note's
    energy at its fader (:func:`_note_energy`, the estimate the faders were set by) spread over the time it sounds.
    A stream's master reads the piece's loudness ahead of the render from it."""
    length = max(int(score.duration_seconds / step_s) + 1, 1)
    curve = np.zeros(length + 1)
    for track, plan in zip(tracks, plans):
        notes = _playable(track)
        if not notes:
            continue
        pitches = np.array([n.pitch for n in notes], dtype=np.int64)
        patches = _patch_keys(track, plan.settings, pitches)
        levels = soundfont.levels(patches)
        starts = np.array([n.start for n in notes], dtype=np.float64)
        ends = starts + np.array([n.duration for n in notes], dtype=np.float64)
        velocity = np.clip([n.velocity for n in notes], 1, 127).astype(np.float64)
        on, off = beats_to_seconds(score, np.maximum(starts, 0.0)), beats_to_seconds(score, np.maximum(ends, 0.0))
        energy, _ = _note_energy(levels, patches, track.is_drums, pitches, off - on, velocity)
        energy = energy * (plan.settings.volume / 127) ** 4
        first = np.minimum((on / step_s).astype(np.int64), length - 1)
        last = np.minimum(np.maximum(((off + _NOTE_RING_S) / step_s).astype(np.int64), first + 1), length)
        rate = energy / ((last - first) * step_s)  # the note's power over the steps it sounds in
        np.add.at(curve, first, rate)
        np.add.at(curve, last, -rate)
    return np.maximum(np.cumsum(curve)[:length], 0.0)


def _width(role: str, mid: float) -> float:
    """How far to scale the side of a dry signal whose mid holds ``mid`` of its energy, for the role's least
    correlation (correlation = 2·mid − 1 for balanced sides)."""
    least = _MIN_CORRELATION[role]
    if 2 * mid - 1 >= least or mid <= 0.0:
        return 1.0
    return math.sqrt(mid * (1 - least) / ((1 - mid) * (1 + least)))


def plan_mix(score: Score, tracks: list[Track], soundfont: SoundFont) -> list[TrackMix]:
    """The faders, pans and sends of ``tracks``: each at its role's level under the lead, as measured."""
    settings = [stem_settings(t, score.production) for t in tracks]
    wanted: list[list[Patch]] = []
    for track, s in zip(tracks, settings):
        pitches = np.array([n.pitch for n in _playable(track)], dtype=np.int64)
        wanted.append(_patch_keys(track, s, pitches) if pitches.size else [])
    levels = soundfont.levels(p for patches in wanted for p in patches)
    measured = [_loudness_db(score, t, levels, p) if p else (math.nan, 1.0) for t, p in zip(tracks, wanted)]
    widths = [_width(_role(t), mid) for t, (_, mid) in zip(tracks, measured)]
    reverb_gain, chorus_gain = soundfont.effect_gains(room(score.production)[0], CHORUS_WIDTH / FLUID_CHORUS_WIDTH)
    natural = np.array([
        level + 10 * math.log10((mid + (1 - mid) * w * w)  # the side narrowed away
                                * (1 + reverb_gain * (SEND_SCALE * s.reverb / 127) ** 2  # what the sends add
                                   + chorus_gain * (SEND_SCALE * s.chorus / 127) ** 2))
        for (level, mid), w, s in zip(measured, widths, settings)
    ])
    target = np.array([role_level_db(score, t) for t in tracks])
    roles = [_role(t) for t in tracks]
    comping = [level for level, role in zip(target, roles) if role == "harmony"]
    if comping:  # the bass supports the comping, never covers it (unless the prompt named the bass)
        target = np.array([min(level, max(comping)) if role == "bass" and not t.named else level
                           for level, role, t in zip(target, roles, tracks)])
    move = target - natural  # dB each fader must move from full volume, up to a common offset
    known = np.isfinite(move)
    if known.any():
        median = float(np.median(move[known]))
        move[known] = np.clip(move[known], median + _FADER_SPREAD_DB[0], median + _FADER_SPREAD_DB[1])
        move[known] -= move[known].max()  # the track that needs most sits at full volume
    plans = []
    for s, m, level, width in zip(settings, move, natural, widths):
        volume = s.volume if not math.isfinite(m) else max(_MIN_VOLUME, _cc(127 * 10 ** (m / 40)))
        s = StemSettings(s.channel, s.bank, s.program, volume, s.pan, s.reverb, s.chorus)
        at_fader = level + 40 * math.log10(volume / 127) if math.isfinite(level) else math.nan
        plans.append(TrackMix(s, SEND_SCALE * s.reverb / 127, SEND_SCALE * s.chorus / 127, at_fader, width))
    return plans
