"""The built-in composer: a text prompt becomes an arranged, rendered, mastered track, offline on a CPU.

Owns the pipeline and its stages, each a module with its own data type:

* :mod:`.interpret` — prompt and negative prompt → :class:`.brief.Brief` (style, mood, tempo, key, metre ...)
* :mod:`.compose` — brief + seed → :class:`.score.Score` (form, harmony, melody, bass, drums, arrangement)
* :mod:`.render` — score → 48 kHz stereo stems through FluidSynth (:mod:`.soundfont` is the FluidSynth seam)
* :mod:`.master` — mix → −14 LUFS, ≤ −1 dBTP track
* :mod:`.midi` — score → Standard MIDI File

:class:`ComposerEngine` strings them together behind the engine contract. It knows nothing of HTTP, jobs or
storage. Its constructor is cheap (the API builds one only to call :meth:`~ComposerEngine.validate`); the
SoundFont is loaded by :meth:`~ComposerEngine.load`, once per worker process.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any, Callable, Mapping, Sequence

from ..base import (
    Engine,
    EngineError,
    Extra,
    GenerationRequest,
    GenerationResult,
    InvalidRequest,
    ProgressCallback,
)

__all__ = ["ComposerEngine"]

_BOOL_PARAMS = ("loop", "stems")


def _release_freed_memory() -> None:
    """Hand the heap's freed pages back to the system after a job.

    glibc raises its mmap threshold after large blocks are freed, so a job's big temporaries end up on the heap,
    and what they free stays in the worker's RSS (~100 MB after one track) unless trimmed.
    """
    try:
        import ctypes

        ctypes.CDLL(None).malloc_trim(0)
    except (OSError, AttributeError):  # not glibc: nothing to trim
        pass


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _validate_chords(params: Mapping[str, Any]) -> None:
    from .chords import ChordError, parse_progression

    chords = params.get("chords")
    if chords is not None:
        if not isinstance(chords, str):
            raise InvalidRequest("chords", f"must be a string of chords such as \"Am F C G\", got {chords!r}")
        try:
            parse_progression(chords)
        except ChordError as exc:
            raise InvalidRequest("chords", str(exc)) from None
    bars = params.get("bars_per_chord")
    if bars is not None:
        if not isinstance(bars, int) or isinstance(bars, bool) or not 1 <= bars <= 8:
            raise InvalidRequest("bars_per_chord", f"must be a whole number of bars from 1 to 8, got {bars!r}")


def _validate_time_signature(params: Mapping[str, Any]) -> None:
    from .numbers import parse_time_signature

    metre = params.get("time_signature")
    if metre is not None and parse_time_signature(metre) is None:
        raise InvalidRequest("time_signature", f"{metre!r} is not a time signature the composer plays; write beats "
                                               "per bar (2-15), a slash and the beat's note value (2, 4 or 8), such "
                                               "as \"3/4\", \"6/8\" or \"7/8\", or an even number of sixteenths "
                                               "(2-14) over 16")


def _validate_instruments(params: Mapping[str, Any]) -> None:
    from .arrange import ROLES
    from .instruments import find_instrument

    listed = params.get("instruments")
    if listed is None:
        return
    if not isinstance(listed, (list, tuple)) or not 1 <= len(listed) <= 8:
        raise InvalidRequest("instruments", f"must be a list of 1 to 8 instruments, got {listed!r}")
    for item in listed:
        role = None
        if isinstance(item, Mapping):
            if set(item) - {"name", "role"}:
                raise InvalidRequest("instruments", f"an instrument object has a `name` and optionally a `role`, got "
                                                    f"{item!r}")
            name, role = item.get("name"), item.get("role")
        else:
            name = item
        if not isinstance(name, str) or not name.strip():
            raise InvalidRequest("instruments", f"each instrument is a name or {{\"name\", \"role\"}}, got {item!r}")
        found = find_instrument(name)
        if found is None:
            raise InvalidRequest("instruments", f"{name!r} is not an instrument the composer knows; write a General "
                                                "MIDI name such as \"Acoustic Grand Piano\", or a common name in "
                                                "lower case such as \"piano\", \"violin\" or \"drums\"")
        if role is not None and role not in ROLES:
            raise InvalidRequest("instruments", f"{role!r} is not a role; roles are {', '.join(ROLES)}")


class ComposerEngine(Engine):
    """Composes, renders and masters a track per request; returns its MIDI and per-instrument stems beside it.

    Options (the model's TOML table): ``soundfont`` — a path or a short name (``"fluidr3"``, the default, or another
    name of :data:`.soundfont.SOUNDFONT_NAMES`; see docs/soundfonts.md); ``stems`` — return per-instrument stems
    unless a request says otherwise (default true).
    Request parameters: ``bpm`` (40-240, what the composer can play), ``key`` ("D minor", "F#m", "E-flat major"),
    ``loop``, ``stems``, ``chords`` (a progression of chord symbols or Roman numerals, at most 64, played one per
    bar or per ``bars_per_chord`` bars), ``time_signature`` ("3/4", "7/8") and ``instruments`` (1-8 names, or
    ``{"name", "role"}`` objects: exactly these play).
    """

    name = "composer"
    min_duration = 5.0
    max_duration = 300.0

    def __init__(self, options: Mapping[str, Any] | None = None) -> None:
        super().__init__(options)
        self._soundfont: Any = None  # a .soundfont.SoundFont once loaded
        stems = self.options.get("stems", True)
        if not isinstance(stems, bool):
            raise EngineError(f"composer option stems must be true or false, got {stems!r}")
        self.stems = stems

    # -- contract ----------------------------------------------------------------------------------------------

    def load(self) -> None:
        if self._soundfont is None:
            from .soundfont import SoundFont

            self._soundfont = SoundFont(self.options.get("soundfont"))

    def validate(self, request: GenerationRequest) -> None:
        super().validate(request)
        params = request.params or {}
        bpm = params.get("bpm")
        if bpm is not None:
            from .interpret import MAX_BPM, MIN_BPM

            if not _is_number(bpm):
                raise InvalidRequest("bpm", f"must be a number of beats per minute, got {bpm!r}")
            if not MIN_BPM <= float(bpm) <= MAX_BPM:
                raise InvalidRequest(
                    "bpm", f"must be between {MIN_BPM:g} and {MAX_BPM:g} (the tempi the composer plays), got {bpm:g}"
                )
        key = params.get("key")
        if key is not None:
            from .interpret import parse_key

            if not isinstance(key, str) or parse_key(key) is None:
                raise InvalidRequest(
                    "key",
                    f"{key!r} is not a key; write a note name and a mode, such as \"D minor\", \"F#m\", "
                    "\"E-flat major\" or \"A dorian\"",
                )
        for name in _BOOL_PARAMS:
            value = params.get(name)
            if value is not None and not isinstance(value, bool):
                raise InvalidRequest(name, f"must be true or false, got {value!r}")
        _validate_chords(params)
        _validate_time_signature(params)
        _validate_instruments(params)

    def audio_seconds(self, request: GenerationRequest) -> float:
        """The length the composer will make: the client's duration, else one written in the prompt ("two
        minutes"), else the style's usual length; within the engine's limits."""
        return self._brief(request).duration

    def describe(self) -> dict[str, Any]:
        return {**super().describe(), "min_duration": self.min_duration, "sample_rate": 48_000,
                "extras": ["score.mid", "stems/<instrument>"]}

    def generate(
        self, requests: Sequence[GenerationRequest], progress: ProgressCallback
    ) -> list[GenerationResult | BaseException]:
        self.load()
        results: list[GenerationResult | BaseException] = []
        for index, request in enumerate(requests):
            def report(fraction: float, index: int = index) -> None:
                progress(index, fraction)

            try:
                self.validate(request)
                results.append(self._generate_one(request, report))
            except EngineError as exc:
                results.append(exc)
            except Exception as exc:  # one broken request must not take its batch down
                # The cause goes to the worker's log; the client reads a sentence written for it.
                error = EngineError("the composer failed on this prompt (an internal error; the server's log has "
                                    "the detail)")
                error.__cause__ = exc
                results.append(error)
            finally:
                _release_freed_memory()
        return results

    def close(self) -> None:
        if self._soundfont is not None:
            self._soundfont.close()
            self._soundfont = None

    # -- pipeline ----------------------------------------------------------------------------------------------

    def _overrides(self, request: GenerationRequest) -> dict[str, Any]:
        params = request.params or {}
        overrides: dict[str, Any] = {k: params[k] for k in ("bpm", "key", "loop", "chords", "bars_per_chord",
                                                             "time_signature", "instruments")
                                     if params.get(k) is not None}
        # A duration the client sent wins over one written in the prompt ("90 seconds"); the request's default
        # does not.
        if params.get("duration") is not None or request.duration != GenerationRequest.duration:
            overrides["duration"] = float(params.get("duration", request.duration))
        return overrides

    def _brief(self, request: GenerationRequest) -> Any:
        """The prompt read into a brief, its length within the engine's limits."""
        from .interpret import interpret

        brief = interpret(request.prompt, request.negative_prompt, self._overrides(request))
        duration = min(max(brief.duration, self.min_duration), self.max_duration)
        return brief if duration == brief.duration else dataclasses.replace(brief, duration=duration)

    def _generate_one(self, request: GenerationRequest, report: Callable[[float], None]) -> GenerationResult:
        from .plan import plan
        from .compose import compose
        from .master import master
        from .midi import score_to_midi
        from .render import render
        from .stems import stem_gain
        from .theory import pitch_class_name
        from .variation import settle

        brief = settle(self._brief(request), request.seed)  # the seed's key and tempo, so the brief reported is the one played
        score = compose(brief, request.seed)
        report(0.1)

        params = request.params or {}
        want_stems = self.stems if params.get("stems") is None else bool(params["stems"])
        rendering = render(score, self._soundfont, stems=want_stems)
        _release_freed_memory()  # the job's synthesizer and its samples are gone: make room for mastering
        report(0.8)

        mastered = master(
            rendering.mix,
            rendering.sample_rate,
            production=score.production,
            loop=score.loop,
            has_reverb=rendering.reverb,
            seed=request.seed,
            in_place=True,  # the mix is ours: mastering it where it lies saves a copy of the track
            fade_out=score.fade_out,
        )
        extras = [Extra(name="score.mid", data=score_to_midi(score, rendering.settings), content_type="audio/midi")]
        # the stems sum to the mix as it entered the dynamics, at the master's loudness (or one common gain a little
        # under it, where a stem alone would pass -1 dBFS), as 16-bit audio
        gain = stem_gain(rendering.stems.values(), 10 ** (mastered.gain_db / 20))
        for name, stem in rendering.stems.items():
            extras.append(Extra(name=f"stems/{name}", audio=stem.to_pcm16(gain)))
        rendering.stems.clear()
        report(1.0)

        info = {
            "brief": brief.to_dict(),
            "style": brief.style,
            "bpm": round(score.bpm_at(0.0), 2),
            "key": f"{pitch_class_name(score.key_tonic)} {score.key_mode}",
            "metre": f"{score.time_signature[0]}/{score.time_signature[1]}",
            "seed": request.seed,
            "duration": round(mastered.audio.shape[0] / rendering.sample_rate, 3),
            "tracks": [{"name": t.name, "role": t.role, "program": t.program, "drums": t.is_drums,
                        "instrument": t.instrument, "named": t.named, "featured": t.featured} for t in score.tracks],
            "sections": [{"name": s.name, "start": s.start, "length": s.length} for s in score.sections],
            "plan": plan(score),
            "chords": [{"start": c.start, "length": c.length, "root": c.root, "bass": c.bass, "symbol": c.symbol}
                       for c in score.chords],
            "fade_out": score.fade_out,
            "stem_gain_db": round(20 * math.log10(gain) - mastered.gain_db, 2) if gain > 0 else None,
            "lufs": round(mastered.lufs, 2) if math.isfinite(mastered.lufs) else None,
            "true_peak_db": round(mastered.true_peak_db, 2) if math.isfinite(mastered.true_peak_db) else None,
        }
        return GenerationResult(audio=mastered.audio, sample_rate=rendering.sample_rate, extras=extras, info=info)
