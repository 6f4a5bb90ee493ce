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
import functools
import logging
import math
import random
from typing import Any, Callable, Mapping, Sequence

from ..base import (
    Engine,
    EngineError,
    Extra,
    GenerationCanceled,
    GenerationRequest,
    GenerationResult,
    InvalidRequest,
    OverLimit,
    ProgressCallback,
    UnsupportedInput,
)

__all__ = ["ComposerEngine"]

log = logging.getLogger("orchestrion.composer")

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


#: Request parameters that start from other material; at most one per request.
EDITS = ("extend", "repaint", "remix")
_SOURCES = EDITS + ("midi",)
_SECTION_KEYS = {"name", "seconds", "bars", "prompt", "energy"}
#: The longest track an extension may make (an extension of an extension ... grows by its seconds each time).
MAX_EXTENDED_SECONDS = 600.0
MAX_SECTIONS = 32


def _validate_sections(params: Mapping[str, Any]) -> None:
    sections = params.get("sections")
    if sections is None:
        return
    if not isinstance(sections, (list, tuple)) or not 1 <= len(sections) <= MAX_SECTIONS:
        raise InvalidRequest("sections", f"must be a list of 1 to {MAX_SECTIONS} sections, got {sections!r}"[:300])
    if params.get("duration") is not None:
        raise InvalidRequest("sections", "the plan sets the length: send `sections` or `duration`, not both")
    for index, section in enumerate(sections):
        where = f"sections[{index}]"
        if not isinstance(section, Mapping) or set(section) - _SECTION_KEYS:
            raise InvalidRequest(where, "each section is an object with `name`, `seconds` or `bars`, and "
                                        "optionally `prompt` and `energy`")
        name = section.get("name")
        if not isinstance(name, str) or not 1 <= len(name.strip()) <= 40:
            raise InvalidRequest(f"{where}.name", f"must be a name of 1 to 40 characters, got {name!r}")
        seconds, bars = section.get("seconds"), section.get("bars")
        if (seconds is None) == (bars is None):
            raise InvalidRequest(where, "give exactly one of `seconds` and `bars`")
        if seconds is not None and (not _is_number(seconds) or not 0.5 <= seconds <= 300):
            raise InvalidRequest(f"{where}.seconds", f"must be a number of seconds from 0.5 to 300, got {seconds!r}")
        if bars is not None and (not isinstance(bars, int) or isinstance(bars, bool) or not 1 <= bars <= 64):
            raise InvalidRequest(f"{where}.bars", f"must be a whole number of bars from 1 to 64, got {bars!r}")
        prompt = section.get("prompt")
        if prompt is not None and (not isinstance(prompt, str) or len(prompt) > 2000):
            raise InvalidRequest(f"{where}.prompt", "must be a text of at most 2000 characters")
        energy = section.get("energy")
        if energy is not None and (not _is_number(energy) or not 0 <= energy <= 1):
            raise InvalidRequest(f"{where}.energy", f"must be a number from 0 to 1, got {energy!r}")


def _validate_edits(params: Mapping[str, Any]) -> None:
    given = [name for name in _SOURCES if params.get(name) is not None]
    if len(given) > 1:
        raise InvalidRequest(given[1], f"send at most one of {', '.join(_SOURCES)}; this request sends "
                                       f"{' and '.join(given)}")
    if given and params.get("sections") is not None:
        raise InvalidRequest("sections", f"a section plan cannot be combined with {given[0]}")
    for name in EDITS:
        edit = params.get(name)
        if edit is None:
            continue
        allowed = {"extend": {"generation_id", "seconds"}, "repaint": {"generation_id", "start", "end", "prompt"},
                   "remix": {"generation_id"}}[name]
        if not isinstance(edit, Mapping) or set(edit) - allowed or "generation_id" not in edit:
            raise InvalidRequest(name, f"must be an object with {', '.join(sorted(allowed))} "
                                       "(generation_id required)")
        if not isinstance(edit["generation_id"], str) or not edit["generation_id"]:
            raise InvalidRequest(f"{name}.generation_id", "must be a generation id")
        if name == "extend":
            seconds = edit.get("seconds", 30)
            if not _is_number(seconds) or not 5 <= seconds <= 300:
                raise InvalidRequest("extend.seconds", f"must be a number of seconds from 5 to 300, got {seconds!r}")
        if name == "repaint":
            start, end = edit.get("start"), edit.get("end")
            for field, value in (("start", start), ("end", end)):
                if not _is_number(value) or value < 0:
                    raise InvalidRequest(f"repaint.{field}", f"must be a number of seconds, 0 or more, got {value!r}")
            if end <= start:
                raise InvalidRequest("repaint.end", f"must be after start ({start:g} s), got {end:g}")
            prompt = edit.get("prompt")
            if prompt is not None and (not isinstance(prompt, str) or not prompt.strip() or len(prompt) > 2000):
                raise InvalidRequest("repaint.prompt", "must be a text of 1 to 2000 characters")
    mode = params.get("midi_mode")
    if mode is not None and mode not in ("render", "arrange"):
        raise InvalidRequest("midi_mode", f"must be \"render\" or \"arrange\", got {mode!r}")
    value = params.get("sheet_music")
    if value is not None and not isinstance(value, bool):
        raise InvalidRequest("sheet_music", f"must be true or false, got {value!r}")


#: What :meth:`ComposerEngine.warm` plays: a band of the commonest instruments.
_WARM_UP_PROMPT = "a pop song with piano, acoustic guitar, bass, strings and drums"


class ComposerEngine(Engine):
    """Composes, renders and masters a track per request; returns its MIDI and per-instrument stems beside it.

    Options (the model's TOML table): ``soundfont`` — a path or a short name (``"fluidr3"``, the default, or another
    name of :data:`.soundfont.SOUNDFONT_NAMES`; see docs/soundfonts.md); ``stems`` — return per-instrument stems
    unless a request says otherwise (default false: a request asks with ``"stems": true``); ``warm_up`` — compose
    and render a short piece in each engine process after it starts, before its first job (default true: the first
    request is then as quick as the rest, instead of ~1.3 s slower; see :meth:`warm`).
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
        stems = self.options.get("stems", False)
        if not isinstance(stems, bool):
            raise EngineError(f"composer option stems must be true or false, got {stems!r}")
        self.stems = stems
        warm_up = self.options.get("warm_up", True)
        if not isinstance(warm_up, bool):
            raise EngineError(f"composer option warm_up must be true or false, got {warm_up!r}")
        self.warm_up = warm_up

    # -- contract ----------------------------------------------------------------------------------------------

    def load(self) -> None:
        if self._soundfont is None:
            from .soundfont import SoundFont

            self._soundfont = SoundFont(self.options.get("soundfont"))

    def warm(self) -> None:
        """A short piece composed, rendered and mastered for nobody: a fresh engine process imports the libraries
        of its pipeline (~1 s of a core) and measures the patches it plays on its first job; done here, the first
        request costs what later ones do. The piece's patches are measured and kept (they are common ones)."""
        if not self.warm_up:
            return
        outcome = self.generate([GenerationRequest(prompt=_WARM_UP_PROMPT, duration=self.min_duration, seed=0)],
                                lambda index, fraction: None)[0]
        if isinstance(outcome, BaseException):
            raise outcome

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
        _validate_sections(params)
        _validate_edits(params)
        if params.get("midi") is not None:
            self._midi_piece(request)
        if params.get("sections") is not None:
            length = self.audio_seconds(request)
            if length > self.max_duration:
                raise OverLimit("sections", f"the plan lasts {length:.0f} s; the composer makes at most "
                                            f"{self.max_duration:g} s")
        if params.get("extend") is not None:
            total = float((params.get("source") or {}).get("audio_seconds") or 0) + float(
                params["extend"].get("seconds", 30))
            if total > MAX_EXTENDED_SECONDS:
                raise OverLimit("extend.seconds", f"the extended track would last {total:.0f} s; at most "
                                                  f"{MAX_EXTENDED_SECONDS:g} s")
        if params.get("remix") is not None:
            length = self.audio_seconds(request)
            if length > MAX_EXTENDED_SECONDS:
                raise OverLimit("remix", f"the remix would last {length:.0f} s; at most {MAX_EXTENDED_SECONDS:g} s")

    def _midi_piece(self, request: GenerationRequest) -> Any:
        """The request's MIDI file read (:mod:`.midi_in`); its faults answer 400 naming ``midi``."""
        from .midi_in import MidiError

        data = request.read_file("midi")
        if data is None:
            raise InvalidRequest("midi", "the MIDI file did not reach the engine")
        try:
            return _read_midi(data)
        except MidiError as exc:
            raise UnsupportedInput("midi", str(exc)) from None

    def audio_seconds(self, request: GenerationRequest) -> float:
        """The seconds of new music the composer will make (what a request is charged for): the client's duration,
        else one written in the prompt ("two minutes"), else the style's usual length, within the engine's
        limits; a section plan's length; an extension's added seconds; a repaint's span; a remix as long as its
        source; a MIDI file's length."""
        params = request.params or {}
        if params.get("extend") is not None:
            return float(params["extend"].get("seconds", 30))
        if params.get("repaint") is not None:
            span = params["repaint"]
            length = float((params.get("source") or {}).get("audio_seconds") or span["end"])
            return max(min(float(span["end"]), length) - float(span["start"]), 0.0)
        if params.get("remix") is not None:
            source = params.get("source") or {}
            brief = self._brief(request)
            length = float(source.get("audio_seconds") or brief.duration)
            if {"bpm", "tempo"} & brief.explicit and source.get("bpm"):
                length *= float(source["bpm"]) / brief.bpm  # the same bars at another tempo
            return length
        if params.get("midi") is not None:
            piece = self._midi_piece(request)
            if params.get("midi_mode") == "arrange":  # arranged at the file's first tempo
                return piece.length_beats * 60.0 / piece.tempo[0][1] + 2.0
            return piece.seconds + 2.0
        if params.get("sections") is not None:
            from .given import requested_sections
            from .variation import settle

            return requested_sections(list(params["sections"]), settle(self._brief(request), request.seed))[0].duration
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

    def _source(self, request: GenerationRequest, name: str) -> Any:
        """The score an edit starts from (``score.json`` of the source generation)."""
        from .score_io import ScoreFileError, load_score

        data = request.read_file("score")
        if data is None:
            raise EngineError(f"{name}: the source generation's score is not available")
        try:
            return load_score(data)
        except ScoreFileError as exc:
            raise EngineError(f"{name}: the source generation's score cannot be read: {exc}") from None

    def _source_audio(self, request: GenerationRequest, name: str, sample_rate: int) -> Any:
        import io

        import numpy as np
        import soundfile

        data = request.read_file("audio")
        if data is None:
            raise EngineError(f"{name}: the source generation's audio is not available")
        audio, rate = soundfile.read(io.BytesIO(data), dtype="float32", always_2d=True)
        if rate != sample_rate:
            raise EngineError(f"{name}: the source generation's audio is at {rate} Hz, not {sample_rate} Hz")
        return audio if audio.shape[1] == 2 else np.repeat(audio[:, :1], 2, axis=1)

    def _composition(self, request: GenerationRequest) -> "_Composition":
        """What to render for ``request``: the score, and for an edit of a finished track, where the source's
        audio is kept and the gains its master used."""
        from . import edits
        from .compose import compose
        from .given import Given, requested_sections
        from .interpret import interpret
        from .variation import settle

        params = request.params or {}
        brief = settle(self._brief(request), request.seed)
        if params.get("extend") is not None:
            stored = self._source(request, "extend")
            brief, given, finish = edits.extend(stored, float(params["extend"].get("seconds", 30)))
            score, cut = finish(compose(brief, stored.seed, given))
            return _Composition(score, brief, cut, stored.mastering, self._source_audio(request, "extend",
                                                                                        stored.sample_rate),
                                {"operation": "extend", "generation_id": params["extend"]["generation_id"],
                                 "seam": round(cut.keep_until, 6), "crossfade": round(cut.crossfade, 6)},
                                stored.seed)
        if params.get("repaint") is not None:
            span = params["repaint"]
            stored = self._source(request, "repaint")
            if span.get("prompt"):
                fresh = settle(interpret(span["prompt"], request.negative_prompt), request.seed)
            else:
                fresh = stored.brief
            seed = _derived_seed(request.seed, stored.seed, "repaint")
            length = stored.score.duration_seconds
            if float(span["start"]) >= length:
                raise InvalidRequest("repaint.start", f"must be inside the source's {length:.2f} s")
            brief, given, finish = edits.repaint(stored, float(span["start"]), min(float(span["end"]), length),
                                                 fresh, brief.chords, brief.bars_per_chord)
            score, cut = finish(compose(brief, seed, given))
            return _Composition(score, stored.brief, cut, stored.mastering, self._source_audio(request, "repaint",
                                                                                        stored.sample_rate),
                                {"operation": "repaint", "generation_id": span["generation_id"],
                                 "start": round(cut.keep_until - cut.crossfade, 6),
                                 "end": round(cut.resume_at if cut.resume_at is not None else length, 6)},
                                stored.seed)
        if params.get("remix") is not None:
            stored = self._source(request, "remix")
            source = stored.score
            changes: dict[str, Any] = {}
            if not {"bpm", "tempo"} & brief.explicit:
                changes["bpm"] = source.tempo[0].bpm
            if "key" not in brief.explicit:
                changes["tonic"] = source.key_tonic
            brief, given = edits.remix_given(stored, dataclasses.replace(brief, **changes))
            return _Composition(compose(brief, request.seed, given), brief, None, None, None,
                                {"operation": "remix", "generation_id": params["remix"]["generation_id"]},
                                request.seed)
        if params.get("midi") is not None:
            piece = self._midi_piece(request)
            if params.get("midi_mode", "render") == "arrange":
                brief, given = edits.midi_given(piece, brief)
                return _Composition(compose(brief, request.seed, given), brief, None, None, None,
                                    {"operation": "arrange"}, request.seed)
            from .perform import perform

            score = edits.midi_score(piece, brief)
            feel = dataclasses.replace(self._style(brief), swing=0.5)  # the file's rhythm is as written
            rng = random.Random(request.seed)
            return _Composition(perform(score, feel, rng), brief, None, None, None, {"operation": "render"},
                                request.seed)
        if params.get("sections") is not None:
            brief, specs = requested_sections(list(params["sections"]), brief)
            return _Composition(compose(brief, request.seed, Given(sections=specs)), brief, None, None, None, None,
                                request.seed)
        return _Composition(compose(brief, request.seed), brief, None, None, None, None, request.seed)

    @staticmethod
    def _style(brief: Any) -> Any:
        from .styles import DEFAULT_STYLE, STYLES

        return STYLES.get(brief.style) or STYLES[DEFAULT_STYLE]

    def _generate_one(self, request: GenerationRequest, report: Callable[[float], None]) -> GenerationResult:
        from .edits import splice
        from .loudness import integrated_loudness, true_peak_db
        from .master import master
        from .midi import score_to_midi
        from .plan import plan
        from .render import render
        from .score_io import Mastering, StoredScore, dump_score
        from .stems import stem_gain
        from .theory import pitch_class_name

        made = self._composition(request)
        score, brief = made.score, made.brief
        report(0.1)

        params = request.params or {}
        want_stems = self.stems if params.get("stems") is None else bool(params["stems"])
        gains = (made.mastering.pre_db, made.mastering.gain_db) if made.mastering else None
        if score.loop or made.splice is not None:
            # a loop is mastered as a circle and an edit is spliced into its source after mastering: neither can
            # be heard before it is whole
            rendering = render(score, self._soundfont, stems=want_stems)
            _release_freed_memory()  # the job's synthesizer and its samples are gone: make room for mastering
            report(0.8)
            mastered = master(rendering.mix, rendering.sample_rate, production=score.production, loop=score.loop,
                              has_reverb=rendering.reverb, seed=request.seed,
                              in_place=True,  # the mix is ours: mastering it where it lies saves a copy
                              fade_out=score.fade_out, gains=gains)
        else:
            rendering, mastered = self._stream(score, request, want_stems, gains, report)
        audio, lufs, peak = mastered.audio, mastered.lufs, mastered.true_peak_db
        if made.splice is not None:  # an edit: the source's own samples wherever the edit did not reach
            audio = splice(made.source_audio, audio, rendering.sample_rate, made.splice)
            lufs, peak = integrated_loudness(audio, rendering.sample_rate), true_peak_db(audio)
        stored = StoredScore(score, brief, made.seed, Mastering(*mastered.gains), rendering.sample_rate)
        extras = [Extra(name="score.mid", data=score_to_midi(score, rendering.settings), content_type="audio/midi"),
                  Extra(name="score.json", data=dump_score(stored), content_type="application/json")]
        if params.get("sheet_music", False):
            extras += self._sheet_music(score)
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
            "duration": round(audio.shape[0] / rendering.sample_rate, 3),
            "tracks": [{"name": t.name, "role": t.role, "program": t.program, "drums": t.is_drums,
                        "instrument": t.instrument, "named": t.named, "featured": t.featured} for t in score.tracks],
            "sections": [{"name": s.name, "start": s.start, "length": s.length} for s in score.sections],
            "plan": plan(score),
            "chords": [{"start": c.start, "length": c.length, "root": c.root, "bass": c.bass, "symbol": c.symbol}
                       for c in score.chords],
            "fade_out": score.fade_out,
            "stem_gain_db": round(20 * math.log10(gain) - mastered.gain_db, 2) if gain > 0 else None,
            "lufs": round(lufs, 2) if math.isfinite(lufs) else None,
            "true_peak_db": round(peak, 2) if math.isfinite(peak) else None,
        }
        if made.edit is not None:
            info["edit"] = made.edit
        return GenerationResult(audio=audio, sample_rate=rendering.sample_rate, extras=extras, info=info)

    def _stream(self, score: Any, request: GenerationRequest, stems: bool, gains: tuple[float, float] | None,
                report: Callable[[float], None]) -> tuple[Any, Any]:
        """Render ``score`` on a thread of its own and master it (:class:`.stream.StreamMaster`) here as the mix
        becomes final, handing each mastered piece to ``request.sink``: the two cores work at once, and a listener
        hears the start while the rest renders. The track is the same whether or not anybody listens."""
        import threading

        from .master import Mastered
        from .mix import energy_curve, plan_mix
        from .render import render, rendered_frames
        from .stems import zeroed
        from .stream import StreamMaster

        soundfont = self._soundfont
        plans = plan_mix(score, score.tracks, soundfont)
        length, frames = rendered_frames(score)
        mix = zeroed((frames, 2), "float32")
        master = StreamMaster(length, 48_000, production=score.production,
                              has_reverb=any(p.reverb > 0 for p in plans), seed=request.seed,
                              fade_out=score.fade_out, gains=gains,
                              prediction=energy_curve(score, score.tracks, plans, soundfont, 0.1))
        changed = threading.Condition()
        state: dict[str, Any] = {"frames": 0, "finished": False, "rendering": None, "error": None, "stop": False}

        def progress(done: int) -> None:
            with changed:
                if state["stop"]:
                    raise GenerationCanceled("the track is no longer wanted")
                state["frames"] = done
                changed.notify()

        def run() -> None:
            try:
                state["rendering"] = render(score, soundfont, stems=stems, plans=plans, mix=mix, progress=progress)
            except BaseException as exc:  # handed to the thread that waits for it
                state["error"] = exc
            finally:
                with changed:
                    state["finished"] = True
                    changed.notify()

        thread = threading.Thread(target=run, name="render", daemon=True)
        thread.start()
        seen = -1
        try:
            while True:
                with changed:
                    changed.wait_for(lambda: state["frames"] != seen or state["finished"])
                    seen, finished = state["frames"], state["finished"] and state["error"] is None
                    if state["error"] is not None:
                        raise state["error"]
                for start, piece in master.feed(mix, length if finished else seen):
                    if request.sink is not None:
                        request.sink(start, piece, length)
                    report(0.1 + 0.85 * (start + piece.shape[0]) / length)
                if finished:
                    break
        except BaseException:
            with changed:
                state["stop"] = True
            raise
        finally:
            thread.join()
        rendering = state["rendering"]
        audio = master.shaped
        figures = master.result()
        del mix
        return rendering, Mastered(audio, sum(figures.gains), figures.lufs, figures.true_peak_db,
                                   figures.limited_db, figures.gains)

    @staticmethod
    def _sheet_music(score: Any) -> list[Extra]:
        """The lead sheet and the full score as MusicXML and engraved SVG pages (:mod:`.notation`)."""
        from .notation import sheet_music

        try:
            return [Extra(name=name, data=data, content_type=content_type)
                    for name, content_type, data in sheet_music(score)]
        except Exception:  # an optional extra: the track and its other files still go out
            log.warning("sheet music could not be engraved", exc_info=True)
            return []


@functools.lru_cache(maxsize=2)
def _read_midi(data: bytes) -> Any:
    """A MIDI file read once for validation, pricing and generation alike (reading a large one takes seconds)."""
    from .midi_in import read_midi

    return read_midi(data)


def _derived_seed(seed: int, source_seed: int, purpose: str) -> int:
    """A seed for new material that never repeats the source's own choices, even when a client resends its seed."""
    import hashlib

    digest = hashlib.blake2b(f"{seed}|{source_seed}|{purpose}".encode(), digest_size=4).digest()
    return int.from_bytes(digest, "big")


@dataclasses.dataclass
class _Composition:
    """What :meth:`ComposerEngine._composition` decided: the score to render and, for an edit, the source."""

    score: Any  #: a .score.Score
    brief: Any  #: the .brief.Brief it was composed from
    splice: Any  #: a .edits.Splice: where the source's audio stays (None: the render is the track)
    mastering: Any  #: a .score_io.Mastering: the source's master gains (None: measure this render's loudness)
    source_audio: Any  #: the source's track (float32 (frames, 2)) when ``splice`` is set
    edit: dict[str, Any] | None  #: what the answer's ``edit`` reports
    #: The seed its motifs come from (an extension or a repaint keeps the source's), what a later edit reuses.
    seed: int = 0
