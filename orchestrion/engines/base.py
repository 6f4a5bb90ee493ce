"""The engine contract: what every engine (built-in or plugin) promises the workers.

An engine declares the engine name it registers under, is built once per worker process with the options from its
model's TOML table, loads its heavy state once (:meth:`Engine.load`), and turns a batch of
:class:`GenerationRequest` into one :class:`GenerationResult` (or an exception) per request, reporting progress as
it goes. Audio is ``float32`` with shape ``(frames, channels)`` and its sample rate carried beside it.

Nothing here knows about HTTP, the job store or storage: workers own those seams.
"""

from __future__ import annotations

import abc
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, ClassVar, Mapping, Sequence

if TYPE_CHECKING:  # numpy is a dependency, but keep `import orchestrion` light
    import numpy as np

__all__ = [
    "AudioSink",
    "DEFAULT_DURATION",
    "MAX_DURATION",
    "Engine",
    "EngineError",
    "EngineUnavailable",
    "Extra",
    "GenerationCanceled",
    "GenerationRequest",
    "GenerationResult",
    "InvalidRequest",
    "ProgressCallback",
]

#: Seconds of audio a request gets when its client names no duration (the hosted API's track length).
DEFAULT_DURATION = 30.0
#: Longest track an engine accepts unless it says otherwise.
MAX_DURATION = 300.0

#: ``progress(index, fraction)``: request ``index`` of the batch is ``fraction`` (0.0-1.0) done.
ProgressCallback = Callable[[int, float], None]
#: ``sink(first_frame, audio, total_frames)``: a piece of a track as it is made (:attr:`GenerationRequest.sink`).
AudioSink = Callable[[int, "np.ndarray", int], None]


class GenerationCanceled(BaseException):
    """Raised by the progress callback when no job of the batch is wanted any more (canceled by its client, or
    its lease lost). It derives from ``BaseException``, like ``KeyboardInterrupt``, so that an engine's
    ``except Exception`` around one request lets it through and the whole call stops at its next progress report;
    engines must not swallow it."""


class EngineError(Exception):
    """A generation failed inside an engine; the message is shown to the client as-is."""

    name = "engine_error"


class InvalidRequest(EngineError):
    """A request's parameters cannot be served by this engine (bad key name, duration too long ...)."""

    name = "invalid_request"

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


class UnsupportedInput(InvalidRequest):
    """A file the request brings is not in a format the engine reads (a ``midi`` that is no MIDI file): the
    schema can name the format, not check it. The API answers 415."""

    name = "unsupported_input"


class OverLimit(InvalidRequest):
    """A request the schema admits asks for more than the engine makes (a section plan longer than its limit).
    The API answers 413."""

    name = "over_limit"


class EngineUnavailable(EngineError):
    """The engine cannot run here: an optional install or its weights are missing."""

    name = "engine_unavailable"


@dataclass(frozen=True)
class GenerationRequest:
    prompt: str
    negative_prompt: str = ""
    seed: int = 0
    #: Seconds of audio wanted.
    duration: float = DEFAULT_DURATION
    #: The served model id this request runs as, aliases resolved (``orchestrion/composer`` for a client that sent
    #: ``google/lyria2``): validation and generation see the same id. Build requests with
    #: :func:`orchestrion.engines.request_for`.
    model: str = ""
    #: Further validated parameters: ``bpm``, ``key``, ``loop`` and engine-specific ones.
    params: Mapping[str, Any] = field(default_factory=dict)
    #: Files the request brings, by name, each a local path or the bytes themselves: a MIDI file to play
    #: (``"midi"``), the score and audio of the generation an edit starts from (``"score"``, ``"audio"``). The
    #: worker fetches them from storage (the job's ``params["inputs"]`` names their keys) before the engine runs.
    files: Mapping[str, str | bytes] = field(default_factory=dict)
    #: Where an engine that makes its track in order may hand it over as it goes (a stream): called as
    #: ``sink(first_frame, audio, total_frames)`` with consecutive float32 ``(n, 2)`` pieces at ``sample_rate``
    #: 48 kHz that together are the returned track, exactly. None: nobody listens. Set by the engine process, not
    #: by clients; it does not travel with the request.
    sink: AudioSink | None = field(default=None, compare=False, repr=False)

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["sink"] = None  # a callback of this process: meaningless in another
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)

    def read_file(self, name: str) -> bytes | None:
        """The bytes of file ``name`` (None when the request has none)."""
        value = self.files.get(name)
        if value is None or isinstance(value, bytes):
            return value
        with open(value, "rb") as handle:
            return handle.read()


@dataclass(frozen=True)
class Extra:
    """A file returned beside the track: bytes as they are (MIDI), or audio to be encoded like the track (stems)."""

    #: Relative file name: ``"score.mid"``, ``"stems/strings"`` (audio extras get the track's extension).
    name: str
    data: bytes | None = None
    content_type: str = "application/octet-stream"
    audio: "np.ndarray | None" = None


@dataclass
class GenerationResult:
    audio: "np.ndarray"
    sample_rate: int
    extras: list[Extra] = field(default_factory=list)
    #: Anything worth keeping about the run: interpreted brief, chosen tempo and key ...
    info: dict[str, Any] = field(default_factory=dict)


class Engine(abc.ABC):
    """Base of every engine. Subclasses set :attr:`name` and implement :meth:`generate`."""

    #: Registry name, as written in ``engine = "..."`` of a model table.
    name: ClassVar[str]
    #: Most requests one :meth:`generate` call accepts; workers claim up to this many jobs at once.
    max_batch: int = 1
    #: Longest and shortest duration in seconds this engine accepts.
    min_duration: float = 1.0
    max_duration: float = MAX_DURATION

    def __init__(self, options: Mapping[str, Any] | None = None) -> None:
        self.options = dict(options or {})
        if "max_batch" in self.options:
            self.max_batch = int(self.options["max_batch"])

    def load(self) -> None:
        """Load heavy state (SoundFont, weights) once; called before the first :meth:`generate`."""

    def warm(self) -> None:
        """Do ahead of the first job what would otherwise slow it alone (imports, measurements kept for later
        jobs), so the first request after a start is as quick as the rest. The engine process calls it once its
        engines are loaded and reported ready, before it takes a job: a job sent meanwhile waits for it. A failure
        here is logged and costs nothing else."""

    def validate(self, request: GenerationRequest) -> None:
        """Raise :class:`InvalidRequest` if this engine cannot serve ``request``. Must be cheap."""
        if not self.min_duration <= request.duration <= self.max_duration:
            raise InvalidRequest(
                "duration", f"must be between {self.min_duration:g} and {self.max_duration:g} seconds"
            )

    def audio_seconds(self, request: GenerationRequest) -> float:
        """Seconds of audio this engine will make for ``request`` (what it is charged by). Must be cheap; an engine
        that reads a length from the prompt says so here."""
        return float(request.duration)

    def describe(self) -> dict[str, Any]:
        """What `/v1/models` shows about this engine beyond its name."""
        return {"max_batch": self.max_batch, "max_duration": self.max_duration}

    @abc.abstractmethod
    def generate(
        self, requests: Sequence[GenerationRequest], progress: ProgressCallback
    ) -> list[GenerationResult | BaseException]:
        """Generate one result per request, in order; a failed item is returned as its exception."""

    def close(self) -> None:
        """Release resources (called when the worker stops)."""
