"""Live sessions: the composer played without end, steered by weighted prompts and a few controls (docs/live.md).

A :class:`LiveSession` takes the client's messages (:meth:`LiveSession.submit`: ``prompts``, ``config``, ``play``,
``pause``, ``stop``, ``reset``) and hands out 200 ms chunks of 16-bit PCM with the state changes that took effect
in them (:meth:`LiveSession.step`). It knows nothing of sockets or keys: the API's ``/v1/live`` route drives it.

The music is one piece: a looping form of :data:`CYCLE` bars (verse, chorus, verse, chorus, bridge, chorus) composed
with the session's seed from the blend of the prompts (:func:`blend`). A change recomposes the form with the new
brief (the same seed and style keep the same motifs and harmony) and the player (:mod:`.live_play`) carries on from
the same bar of the new score at the next bar line, through the same synthesizer. Tempo and key wait for the next
phrase (:data:`PHRASE_BARS`). The tempo, key and metre of a piece are the heaviest prompt's, drawn once when the
piece starts, unless ``config`` sets tempo or key.

Determinism: the audio depends only on the seed and on the bar at which each change took effect.
"""

from __future__ import annotations

import dataclasses
import math
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import numpy as np

from .brief import Brief
from .compose import compose
from .given import Given, SectionSpec
from .interpret import MAX_NAMED, interpret
from .live_play import BarSpec, Player, ScoreBars
from .numbers import MAX_BPM, MIN_BPM, parse_key
from .sf2 import SAMPLE_RATE
from .soundfont import SoundFont
from .theory import pitch_class_name
from .variation import settle

__all__ = ["CHUNK_FRAMES", "CYCLE", "Chunk", "FADE_FRAMES", "LiveConfig", "LiveMessageError", "LiveSession",
           "PHRASE_BARS", "Prompt", "blend", "parse_message"]

CHUNK_FRAMES = 9600  #: 200 ms at 48 kHz
PHRASE_BARS = 4
#: The looping form: (section name, bars, energy offset from the session's energy).
_FORM = (("verse", 8, -0.1), ("chorus", 8, 0.1), ("verse", 8, -0.1), ("chorus", 8, 0.1), ("bridge", 8, -0.2),
         ("chorus", 8, 0.12))
CYCLE = sum(bars for _, bars, _ in _FORM)
MAX_PROMPTS = 8
MAX_PROMPT_TEXT = 2000
MAX_WEIGHT = 100.0
_SCORES_KEPT = 8
_BAR_FIELDS = ("density", "brightness", "mute_bass", "mute_drums", "only_bass_and_drums")
_PHRASE_FIELDS = ("bpm", "scale")
_TRANSPORT = ("play", "pause", "stop", "reset")
#: Frames over which the music fades out where ``pause``, ``stop`` or ``reset`` cuts it, and back in where ``play``
#: resumes it: 30 ms, short enough to keep the music's place, long enough that no cut clicks.
FADE_FRAMES = 1440
_FADE = (0.5 - 0.5 * np.cos(np.pi * (np.arange(FADE_FRAMES) + 0.5) / FADE_FRAMES)).astype(np.float32)[:, None]


class LiveMessageError(ValueError):
    """A client message that cannot be applied; the message names the field, for the client."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Prompt:
    text: str
    weight: float = 1.0

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "weight": self.weight}


@dataclass(frozen=True)
class LiveConfig:
    bpm: float | None = None  #: None: the piece's own tempo
    density: float | None = None  #: None: the blend's energy
    brightness: float | None = None  #: None: neutral (0.5)
    scale: str | None = None  #: None: the piece's own key
    mute_bass: bool = False
    mute_drums: bool = False
    only_bass_and_drums: bool = False

    def muted(self) -> frozenset[str]:
        if self.only_bass_and_drums:
            return frozenset({"melody", "counter", "doubling", "harmony", "pad", "arp", "percussion", "fx"})
        return frozenset(({"bass"} if self.mute_bass else set()) | ({"drums", "hand"} if self.mute_drums else set()))


@dataclass
class Chunk:
    """What one step hands out: state changes that took effect, then (when playing) 200 ms of PCM."""

    states: list[dict[str, Any]]
    pcm: bytes | None = None


def _pcm(audio: np.ndarray) -> bytes:
    return np.round(audio * 32767.0).astype("<i2").tobytes()


# -- messages --------------------------------------------------------------------------------------------------

def _number(value: Any, field: str, low: float, high: float, *, nullable: bool = True) -> float | None:
    if value is None and nullable:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) \
            or not low <= value <= high:
        raise LiveMessageError(f"{field} must be a number from {low:g} to {high:g}"
                               f"{' or null' if nullable else ''}.", field)
    return float(value)


def _prompts(value: Any) -> tuple[Prompt, ...]:
    if not isinstance(value, list) or not 1 <= len(value) <= MAX_PROMPTS:
        raise LiveMessageError(f"prompts must be a list of 1 to {MAX_PROMPTS} prompts.", "prompts")
    prompts = []
    for i, item in enumerate(value):
        where = f"prompts[{i}]"
        if not isinstance(item, dict) or set(item) - {"text", "weight"}:
            raise LiveMessageError(f"{where} must be an object with text and weight.", where)
        text = item.get("text")
        if not isinstance(text, str) or not 1 <= len(text.strip()) or len(text) > MAX_PROMPT_TEXT:
            raise LiveMessageError(f"{where}.text must be a string of 1 to {MAX_PROMPT_TEXT} characters.",
                                   f"{where}.text")
        weight = item.get("weight", 1.0)
        if isinstance(weight, bool) or not isinstance(weight, (int, float)) or not math.isfinite(weight) \
                or not 0 < weight <= MAX_WEIGHT:
            raise LiveMessageError(f"{where}.weight must be a number above 0 and at most {MAX_WEIGHT:g}.",
                                   f"{where}.weight")
        prompts.append(Prompt(text, float(weight)))
    return tuple(prompts)


def _config(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict) or not value:
        raise LiveMessageError("config must be an object with at least one field.", "config")
    known = {f.name for f in dataclasses.fields(LiveConfig)}
    changes: dict[str, Any] = {}
    for name, item in value.items():
        field = f"config.{name}"
        if name not in known:
            raise LiveMessageError(f"{field} is not a setting; settings are {', '.join(sorted(known))}.", field)
        if name == "bpm":
            changes[name] = _number(item, field, MIN_BPM, MAX_BPM)
        elif name in ("density", "brightness"):
            changes[name] = _number(item, field, 0.0, 1.0)
        elif name == "scale":
            if item is not None and (not isinstance(item, str) or parse_key(item) is None):
                raise LiveMessageError(f"{field} must be a key such as \"D minor\" or \"F#m\", or null.", field)
            changes[name] = item
        else:
            if not isinstance(item, bool):
                raise LiveMessageError(f"{field} must be true or false.", field)
            changes[name] = item
    return changes


def parse_message(message: Any) -> tuple[str, Any]:
    """A client message (decoded JSON) as ``(kind, value)``: prompts as :class:`Prompt` tuples, config as the
    fields it sets; :class:`LiveMessageError` names what is wrong."""
    if not isinstance(message, dict) or len(message) != 1:
        raise LiveMessageError("A message must be a JSON object with exactly one key: "
                               "setup, prompts, config, play, pause, stop or reset.", "message")
    (kind, value), = message.items()
    if kind == "prompts":
        return kind, _prompts(value)
    if kind == "config":
        return kind, _config(value)
    if kind in _TRANSPORT:
        if value not in ({}, None):
            raise LiveMessageError(f"{kind} takes an empty object.", kind)
        return kind, None
    if kind == "setup":
        raise LiveMessageError("setup may be sent only once, first.", "setup")
    raise LiveMessageError(f"{kind!r} is not a message; messages are setup, prompts, config, play, pause, stop "
                           "and reset.", "message")


# -- the blend -------------------------------------------------------------------------------------------------

def blend(briefs: list[tuple[Brief, float]]) -> Brief:
    """One brief from weighted ones: the heaviest decides style, metre, tempo, key and production; mood and energy
    are averaged by weight; every prompt's named instruments join (heaviest first); a kit and a bass play when the
    prompts wanting them carry at least half the weight."""
    order = sorted(range(len(briefs)), key=lambda i: -briefs[i][1])
    lead = briefs[order[0]][0]
    total = sum(w for _, w in briefs)
    share = [(b, w / total) for b, w in briefs]
    styles: dict[str, float] = {}
    for b, w in share:
        for name, sw in b.style_weights or ((b.style, 1.0),):
            styles[name] = styles.get(name, 0.0) + w * sw
    instruments: list[str] = []
    featured: list[str] = []
    for i in order:
        b = briefs[i][0]
        instruments += [x for x in b.instruments if x not in instruments]
        featured += [x for x in b.featured if x not in featured]
    instruments = instruments[:MAX_NAMED]
    avoid = frozenset().union(*(b.avoid for b, _ in briefs)) - set(instruments)
    drums_share = sum(w for b, w in share if b.drums)
    return dataclasses.replace(
        lead,
        style_weights=tuple(sorted(styles.items(), key=lambda kv: (-kv[1], kv[0]))),
        valence=sum(b.valence * w for b, w in share),
        energy=sum(b.energy * w for b, w in share),
        instruments=tuple(instruments),
        featured=tuple(x for x in featured if x in instruments),
        avoid=avoid,
        drums=drums_share >= 0.5 - 1e-9,
        bass=sum(w for b, w in share if b.bass) >= 0.5 - 1e-9,
        hints=lead.hints - {"fade", "build", "flat"},
        chords=(),
        ensemble=(),
        variation=0,  # the motifs follow the seed and the style, not the wording: a reworded prompt keeps the tune
    )


@dataclass(frozen=True)
class _Piece:
    """What stays fixed for a piece unless config moves it: the heaviest prompt's tempo, key and metre."""

    bpm: float
    tonic: int
    mode: str
    metre: tuple[int, int]


class LiveSession:
    """One live session's music. :meth:`submit` may be called from any thread while :meth:`step` runs on another.
    """

    def __init__(self, soundfont: SoundFont, seed: int, *, chunk_frames: int = CHUNK_FRAMES) -> None:
        self.soundfont, self.seed, self.chunk_frames = soundfont, int(seed), chunk_frames
        self._lock = threading.Lock()  # the pending messages
        self._stepping = threading.Lock()  # the player
        self._closed = False
        self._briefs: dict[Prompt, Brief] = {}
        self.prompts: tuple[Prompt, ...] = ()
        self.config = LiveConfig()
        self._pending: dict[str, Any] = {}  # prompts and config fields waiting for a bar line
        self._transport: list[str] = []
        self.playing = False
        self._player: Player | None = None
        self._piece: _Piece | None = None
        self._scores: OrderedDict[tuple, ScoreBars] = OrderedDict()
        self._states: list[tuple[int, dict[str, Any]]] = []  # (frame, state) not yet handed out
        self._bar_frame: dict[int, int] = {}
        self._bpm = 0.0
        self._key = (0, "major")
        self._pending_state: tuple[int, dict[str, Any]] | None = None
        self._tail: np.ndarray | None = None  # the faded end of the music a pause, stop or reset cut
        self._fade_in = False  # the next chunk resumes paused music

    # -- messages ----------------------------------------------------------------------------------------------

    def submit(self, message: Any) -> None:
        """Validate and queue one client message; it takes effect when :meth:`step` reaches its bar line (or, for
        play, pause, stop and reset, at the next step). Raises :class:`LiveMessageError`."""
        kind, value = parse_message(message)
        if kind == "prompts":
            for prompt in value:
                if prompt not in self._briefs:  # read once; a prompt sent again costs nothing
                    self._briefs[prompt] = settle(interpret(prompt.text), self.seed)
        with self._lock:
            if kind == "play" and not self.prompts and "prompts" not in self._pending:
                raise LiveMessageError("Send prompts before play.", "play")
            if kind == "prompts":
                self._pending["prompts"] = value
            elif kind == "config":
                self._pending.update({f"config.{k}": v for k, v in value.items()})
            else:
                self._transport.append(kind)

    @property
    def pending_transport(self) -> bool:
        with self._lock:
            return bool(self._transport)

    # -- stepping ----------------------------------------------------------------------------------------------

    def step(self, render: bool = True) -> Chunk:
        """Apply play, pause, stop and reset, then, when playing and ``render``, render the next chunk."""
        with self._stepping:  # close() waits for a step in progress: the synthesizer must outlive its render
            if self._closed:
                return Chunk([])
            return self._step(render)

    def _step(self, render: bool) -> Chunk:
        states: list[dict[str, Any]] = []
        with self._lock:
            transport, self._transport = self._transport, []
        for kind in transport:
            states += self._transport_change(kind)
        tail, self._tail = self._tail, None
        if not self.playing or not render:
            if tail is None or self.playing:  # playing on (a reset): the fade opens the next chunk
                self._tail = tail
                return Chunk(states)
            # the music ends on its fade, in a chunk of the usual length
            audio = np.zeros((self.chunk_frames, 2), dtype=np.float32)
            audio[: tail.shape[0]] = tail
            return Chunk(states, _pcm(audio))
        audio = self._player.render(self.chunk_frames - (0 if tail is None else tail.shape[0]))
        if self._fade_in:
            n = min(FADE_FRAMES, audio.shape[0])
            audio[:n] *= _FADE[:n]
            self._fade_in = False
        if tail is not None:
            audio = np.concatenate([tail, audio])
        end = self._player.out
        due = [s for f, s in self._states if f < end]
        self._states = [(f, s) for f, s in self._states if f >= end]
        return Chunk(states + due, _pcm(audio))

    def _cut(self) -> None:
        """The music playing now fades out over its next :data:`FADE_FRAMES` (handed out before anything else).
        """
        if self.playing and self._player is not None and self._tail is None:
            n = min(FADE_FRAMES, self.chunk_frames)
            self._tail = self._player.render(n) * _FADE[::-1][FADE_FRAMES - n:]

    def _transport_change(self, kind: str) -> list[dict[str, Any]]:
        if kind == "play":
            if self.playing:
                return []
            if self._player is None:
                self._start_piece()
            self.playing = True
            return [self._state_now({"play": {}})]
        if kind == "pause":
            if not self.playing:
                return []
            self._cut()
            self.playing, self._fade_in = False, True
            return [self._state_now({"pause": {}})]
        if kind == "stop":
            self._cut()
            self.playing = False
            state = self._state_now({"stop": {}})
            self._close_player()
            return [state]
        # reset: bar 0 of a new piece, playing on if playing
        self._cut()
        self._close_player()
        if self.prompts or "prompts" in self._pending:
            self._start_piece()
        return [self._state_now({"reset": {}})]

    def _state_now(self, applied: dict[str, Any]) -> dict[str, Any]:
        player = self._player
        out = player.out if player else 0
        bar = max((b for b, f in self._bar_frame.items() if f <= out), default=0)
        return self._state(bar, out, applied, playing=self.playing)

    def _state(self, bar: int, frame: int, applied: dict[str, Any], *, playing: bool = True) -> dict[str, Any]:
        tonic, mode = self._key
        return {"state": {"bar": bar, "seconds": round(frame / SAMPLE_RATE, 6), "playing": playing,
                          "bpm": self._bpm, "scale": f"{pitch_class_name(tonic)} {mode}", "applied": applied}}

    def _close_player(self) -> None:
        if self._player is not None:
            self._player.close()
        self._player = None
        self._fade_in = False  # a new piece starts from silence
        self._states = []
        self._bar_frame = {}

    def close(self) -> None:
        """Free the synthesizer; a step in progress on another thread finishes first, later ones hand out nothing.
        """
        with self._stepping:
            self._closed = True
            self.playing = False
            self._close_player()

    # -- the music ---------------------------------------------------------------------------------------------

    def _start_piece(self) -> None:
        with self._lock:
            prompts = self._pending.get("prompts", self.prompts)
            cfg = dataclasses.replace(self.config, **{k.removeprefix("config."): v for k, v in self._pending.items()
                                                      if k.startswith("config.")})
        lead = blend([(self._briefs[p], p.weight) for p in prompts])
        self._piece = _Piece(lead.bpm, lead.tonic, lead.mode, lead.metre)
        # bar 0's score, composed and mixed now (on the caller's thread, not while the first chunk renders);
        # bar 0 takes it from the cache
        self._score_for(prompts, cfg)
        self._player = Player(self.soundfont, self._plan_bar, on_bar=self._bar_planned)

    def _plan_bar(self, bar: int) -> BarSpec:
        applied: dict[str, Any] = {}
        with self._lock:
            pending = self._pending
            phrase = bar % PHRASE_BARS == 0
            taken = {k: v for k, v in pending.items() if bar == 0 or phrase or k.removeprefix("config.")
                     not in _PHRASE_FIELDS}
            for k in taken:
                del pending[k]
        if "prompts" in taken:
            self.prompts = taken["prompts"]
            applied["prompts"] = [p.to_dict() for p in self.prompts]
        config = {k.removeprefix("config."): v for k, v in taken.items() if k.startswith("config.")}
        if config:
            self.config = dataclasses.replace(self.config, **config)
            applied["config"] = config
        score = self._score(bar)
        self._pending_state = (bar, applied) if applied else None
        return BarSpec(score, bar % CYCLE, self._bpm, self.config.muted(),
                       0.5 if self.config.brightness is None else self.config.brightness)

    def _bar_planned(self, bar: int, frame: int) -> None:
        self._bar_frame[bar] = frame
        for old in [b for b in self._bar_frame if b < bar - 2 * PHRASE_BARS]:
            del self._bar_frame[old]
        if self._pending_state is not None:
            self._states.append((frame, self._state(bar, frame, self._pending_state[1], playing=True)))
            self._pending_state = None

    def _score(self, bar: int) -> ScoreBars:
        """The looping form for the current prompts and config, composed once and kept."""
        return self._score_for(self.prompts, self.config)

    def _score_for(self, prompts: tuple[Prompt, ...], cfg: LiveConfig) -> ScoreBars:
        piece = self._piece
        assert piece is not None
        lead = blend([(self._briefs[p], p.weight) for p in prompts])
        bpm = cfg.bpm if cfg.bpm is not None else piece.bpm
        tonic, mode = parse_key(cfg.scale) if cfg.scale is not None else (piece.tonic, piece.mode)  # type: ignore
        self._bpm, self._key = bpm, (tonic, mode)  # config's tempo and key arrive only on phrase lines
        energy = cfg.density if cfg.density is not None else lead.energy
        brief = dataclasses.replace(
            lead, bpm=bpm, tonic=tonic, mode=mode, metre=piece.metre, energy=round(energy, 3), loop=True,
            duration=CYCLE * (4.0 * piece.metre[0] / piece.metre[1]) * 60.0 / bpm,
            explicit=lead.explicit | {"bpm", "key", "mode", "metre"}, settled=True,
        )
        given = Given(sections=tuple(SectionSpec(name, bars, round(min(max(energy + lift, 0.05), 1.0), 3))
                                     for name, bars, lift in _FORM))
        key = (brief, given)
        bars = self._scores.get(key)
        if bars is None:
            bars = ScoreBars(compose(brief, self.seed, given), self.soundfont)
            self._scores[key] = bars
            while len(self._scores) > _SCORES_KEPT:
                self._scores.popitem(last=False)
        self._scores.move_to_end(key)
        return bars
