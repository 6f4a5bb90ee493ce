"""What :class:`Client` and :class:`AsyncClient` share: configuration, request shaping, error mapping, retry and
polling policy, download targets.

Everything here is free of I/O so the twins differ only in ``await``. The rules it encodes:

- **Retries** (bounded by ``max_retries``, exponential backoff with jitter): reads and cancels (``DELETE``, which
  changes nothing the second time) are retried on 429, 502, 503, 504 and connection errors; a create (POST) only
  when it carries an ``Idempotency-Key``, because without one a retried POST may queue the same song twice. A
  ``Retry-After`` longer than :data:`MAX_RETRY_AFTER` is not slept through silently: the error is raised with
  ``retry_after`` so the caller decides.
- **Polling**: starts fast (``poll_interval``, 0.25 s) and grows by half each poll up to ``max_poll_interval``
  (5 s); a ``Retry-After`` on any answer pushes the next poll back, never forward.
- **Event streams**: a stream that breaks or ends before a final status is resumed with ``Last-Event-ID`` (so no
  state is heard twice), up to ``max_retries`` times in a row; any event heard resets that count.
- **Audio streams** (``/v2/generate/audio/stream``): the GET is retried like any read until the answer starts; once
  audio has been handed to the caller a break is raised, never retried (the caller already holds the first bytes).
"""

from __future__ import annotations

import base64
import email.utils
import inspect
import json
import os
import random
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

import httpx

from orchestrion._version import __version__

from ._exceptions import (
    APIConnectionError,
    APIError,
    APITimeoutError,
    GenerationFailed,
    NotFoundError,
    OrchestrionError,
    RateLimitError,
    ServerError,
    WaitTimeout,
    error_for_status,
)
from ._sse import ServerSentEvent
from ._types import AudioFile, Generation

__all__ = [
    "DEFAULT_BASE_URL",
    "DEFAULT_MODEL",
    "BaseClient",
    "EDIT_FIELDS",
    "PollSchedule",
    "WaitState",
    "encode_midi",
    "maybe_await",
    "parse_retry_after",
]

DEFAULT_BASE_URL = "http://127.0.0.1:8000"
DEFAULT_MODEL = "google/lyria2"
DEFAULT_TIMEOUT = httpx.Timeout(60.0, connect=10.0)
DEFAULT_MAX_RETRIES = 2
GENERATIONS_PATH = "/v2/generate/audio"
EVENTS_PATH = "/v2/generate/audio/events"
STREAM_PATH = "/v2/generate/audio/stream"
MODELS_PATH = "/v1/models"
RETRY_STATUSES = frozenset({429, 502, 503, 504})
#: Longest ``Retry-After`` (seconds) a single request sleeps through before raising instead.
MAX_RETRY_AFTER = 30.0
#: Backoff between retries of one request: 0.5 s, 1 s, 2 s ... capped here.
MAX_RETRY_BACKOFF = 8.0
#: While waiting, a server that stays unreachable (or keeps answering 5xx) this long ends the wait.
WAIT_OUTAGE_LIMIT = 60.0
#: Request fields that edit an earlier generation; a request with one of them may leave out ``prompt``.
EDIT_FIELDS = ("extend", "repaint", "remix")


def encode_midi(midi: "bytes | bytearray | memoryview | str | os.PathLike[str]") -> str:
    """The request's ``midi`` field: base64 of a Standard MIDI File given as its bytes or as the path of one."""
    if isinstance(midi, (bytes, bytearray, memoryview)):
        data = bytes(midi)
    elif isinstance(midi, (str, os.PathLike)):
        data = Path(midi).expanduser().read_bytes()
    else:
        raise TypeError(f"midi must be the bytes of a MIDI file or its path, got {type(midi).__name__}")
    return base64.b64encode(data).decode("ascii")


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a ``Retry-After`` header, given as seconds or as an HTTP date; ``None`` if absent or bad."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when is None:
            return None
        seconds = when.timestamp() - time.time()
    if seconds != seconds:  # NaN
        return None
    return max(0.0, seconds)


@dataclass
class PollSchedule:
    """Delays between polls: fast at first, growing to a ceiling, never shorter than the server asks."""

    initial: float = 0.25
    maximum: float = 5.0
    growth: float = 1.5

    def __post_init__(self) -> None:
        if self.initial <= 0 or self.maximum <= 0:
            raise ValueError("poll intervals must be positive")
        self._next = min(self.initial, self.maximum)

    def next_delay(self, retry_after: float | None = None) -> float:
        delay = self._next
        self._next = min(self._next * self.growth, self.maximum)
        if retry_after is not None:
            delay = max(delay, retry_after)
        return delay


def _env(name: str) -> str | None:
    value = os.environ.get(name)
    return value if value else None


class BaseClient:
    """Configuration and policy shared by the sync and async clients."""

    def __init__(
        self,
        *,
        base_url: str | None = None,
        api_key: str | None = None,
        timeout: float | httpx.Timeout | None = DEFAULT_TIMEOUT,
        max_retries: int = DEFAULT_MAX_RETRIES,
        default_headers: Mapping[str, str] | None = None,
    ) -> None:
        url = base_url or _env("ORCHESTRION_BASE_URL") or DEFAULT_BASE_URL
        parsed = httpx.URL(url)
        if parsed.scheme not in ("http", "https") or not parsed.host:
            raise OrchestrionError(f"base_url must be an http(s) URL like {DEFAULT_BASE_URL}, got {url!r}")
        if max_retries < 0:
            raise ValueError("max_retries must be >= 0")
        self.base_url = url.rstrip("/")
        self.api_key = api_key if api_key is not None else _env("ORCHESTRION_API_KEY")
        self.timeout = timeout if isinstance(timeout, httpx.Timeout) else httpx.Timeout(timeout)
        self.max_retries = max_retries
        self._headers = {"Accept": "application/json", "User-Agent": f"orchestrion-python/{__version__}"}
        self._headers.update(default_headers or {})

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={self.base_url!r})"

    # -- requests -----------------------------------------------------------------------------------------------

    def _api_url(self, path: str) -> str:
        return self.base_url + path

    def _api_headers(self, extra: Mapping[str, str] | None = None) -> dict[str, str]:
        # The key goes on API calls only: file URLs are signed and may point at another host (a CDN).
        headers = dict(self._headers)
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        headers.update(extra or {})
        return headers

    def _file_url(self, url: str) -> str:
        """File links are absolute in the protocol; a relative one is resolved against the base URL."""
        return url if httpx.URL(url).is_absolute_url else self.base_url + "/" + url.lstrip("/")

    @staticmethod
    def _create_body(
        model: str, prompt: str | None, negative_prompt: str | None, seed: int | None, extra: Mapping[str, Any]
    ) -> dict[str, Any]:
        edits = [name for name in EDIT_FIELDS if extra.get(name) is not None]
        if prompt is None and not edits:
            raise TypeError("prompt is required (only an extend, repaint or remix may leave it out)")
        if prompt is not None and not isinstance(prompt, str):
            raise TypeError(f"prompt must be a string, got {type(prompt).__name__}")
        body: dict[str, Any] = {"model": model}
        if prompt is not None:
            body["prompt"] = prompt
        if negative_prompt is not None:
            body["negative_prompt"] = negative_prompt
        if seed is not None:
            body["seed"] = seed
        body.update({k: v for k, v in extra.items() if v is not None})
        if "midi" in body:
            body["midi"] = encode_midi(body["midi"])
        if isinstance(body.get("instruments"), (str, Mapping)):
            body["instruments"] = [body["instruments"]]  # one instrument, not its letters
        if "sections" in body:
            if isinstance(body["sections"], (str, bytes, Mapping)):
                raise TypeError("sections must be a list of dicts like {'name': 'verse', 'bars': 8}")
            body["sections"] = [dict(section) for section in body["sections"]]
        return body

    @staticmethod
    def _edit_object(generation_id: str, **fields: Any) -> dict[str, Any]:
        """The ``extend`` / ``repaint`` / ``remix`` object of a request: the source's id and the fields given."""
        return {"generation_id": generation_id, **{k: v for k, v in fields.items() if v is not None}}

    @staticmethod
    def _known_model(generation: "Generation | str") -> str | None:
        """The model of a source generation when it is already known (else the caller retrieves it)."""
        return generation.model if isinstance(generation, Generation) and generation.model else None

    @staticmethod
    def _source_model(generation: Generation) -> str:
        if not generation.model:
            raise OrchestrionError(
                f"the server did not say which model made generation {generation.id}; pass model= to edit it"
            )
        return generation.model

    @staticmethod
    def _create_headers(idempotency_key: str | None) -> dict[str, str]:
        return {"Idempotency-Key": idempotency_key} if idempotency_key else {}

    @staticmethod
    def _generation_id(generation: "Generation | str") -> str:
        gen_id = generation.id if isinstance(generation, Generation) else generation
        if not isinstance(gen_id, str) or not gen_id:
            raise ValueError("a generation id (or Generation) is required")
        return gen_id

    # -- retries ------------------------------------------------------------------------------------------------

    def _may_retry(self, request: httpx.Request, attempt: int) -> bool:
        if attempt >= self.max_retries:
            return False
        return request.method in ("GET", "HEAD", "DELETE") or "Idempotency-Key" in request.headers

    def _retry_delay(self, attempt: int, response: httpx.Response | None) -> float | None:
        """Seconds to sleep before retry ``attempt + 1``; ``None`` when the server asks for more than we sleep."""
        if response is not None:
            asked = parse_retry_after(response.headers.get("Retry-After"))
            if asked is not None:
                return asked if asked <= MAX_RETRY_AFTER else None
        backoff = min(0.5 * 2**attempt, MAX_RETRY_BACKOFF)
        return backoff * random.uniform(0.75, 1.25)

    @staticmethod
    def _connection_error(exc: httpx.TransportError, request: httpx.Request) -> APIConnectionError:
        where = f"{request.method} {request.url.copy_with(query=None)}"
        if isinstance(exc, httpx.TimeoutException):
            return APITimeoutError(f"timed out: {where}: {exc or type(exc).__name__}")
        return APIConnectionError(f"cannot reach the server: {where}: {exc or type(exc).__name__}")

    # -- answers ------------------------------------------------------------------------------------------------

    @staticmethod
    def _error_from(response: httpx.Response) -> APIError:
        """The typed error for a non-2xx ``response`` whose body has been read."""
        try:
            body: Any = response.json()
        except ValueError:
            body = response.text
        retry_after = parse_retry_after(response.headers.get("Retry-After"))
        return error_for_status(response.status_code, body, response.headers, retry_after)

    @staticmethod
    def _json(response: httpx.Response) -> Any:
        try:
            return response.json()
        except ValueError:
            raise OrchestrionError(
                f"the server answered {response.status_code} with a body that is not JSON: {response.text[:200]!r}"
            ) from None

    @staticmethod
    def _models_from(payload: Any) -> list[Any]:
        if isinstance(payload, Mapping):
            payload = payload.get("data", payload.get("models", []))
        if not isinstance(payload, list):
            raise OrchestrionError("the server's /v1/models answer holds no list of models")
        return [item if isinstance(item, Mapping) else {"id": item} for item in payload]

    # -- event streams ------------------------------------------------------------------------------------------

    def _events_request(self, http: httpx.Client | httpx.AsyncClient, generation_id: str,
                        last_event_id: str | None) -> httpx.Request:
        extra = {"Accept": "text/event-stream", "Cache-Control": "no-cache"}
        if last_event_id:
            extra["Last-Event-ID"] = last_event_id
        return http.build_request(
            "GET", self._api_url(EVENTS_PATH), params={"generation_id": generation_id},
            headers=self._api_headers(extra), timeout=self.timeout,
        )

    def _generation_from_event(self, event: ServerSentEvent, generation_id: str) -> Generation:
        if event.event == "gone":
            # Retention removed it while we listened: the same answer a poll would now give.
            raise NotFoundError(f"generation {generation_id} no longer exists", status_code=404, body=event.data)
        try:
            payload = json.loads(event.data)
        except ValueError:
            raise OrchestrionError(
                f"an event of generation {generation_id} is not JSON: {event.data[:200]!r}"
            ) from None
        return Generation.from_dict(payload)

    def _events_interrupted(self, generation_id: str, failures: int, cause: Exception | None,
                            request: httpx.Request) -> float:
        """Seconds to wait before resuming a stream that ended early; raises once ``max_retries`` are spent."""
        if failures > self.max_retries:
            if isinstance(cause, httpx.TransportError):
                raise self._connection_error(cause, request) from cause
            raise APIConnectionError(
                f"the event stream of generation {generation_id} ended before a final status"
            ) from cause
        return self._retry_delay(failures - 1, None) or 0.0

    # -- audio streams ------------------------------------------------------------------------------------------

    def _stream_request(self, http: httpx.Client | httpx.AsyncClient, generation_id: str,
                        sample: int) -> httpx.Request:
        if isinstance(sample, bool) or not isinstance(sample, int) or sample < 0:
            raise ValueError(f"sample must be an int >= 0, got {sample!r}")
        params = {"generation_id": generation_id}
        if sample:
            params["sample"] = str(sample)
        return http.build_request("GET", self._api_url(STREAM_PATH), params=params,
                                  headers=self._api_headers({"Accept": "audio/wav"}), timeout=self.timeout)

    @classmethod
    def _stream_target(cls, path: "str | os.PathLike[str] | None", generation_id: str, sample: int) -> Path:
        """Where :meth:`stream_to` writes: as :meth:`download` chooses, the default name made from the id."""
        stem = generation_id.split(":", 1)[0] or "stream"
        name = f"{stem}-{sample}.wav" if sample else f"{stem}.wav"
        return cls._download_target(path, AudioFile(url="", file_name=name))

    # -- downloads ----------------------------------------------------------------------------------------------

    @staticmethod
    def _file_to_download(generation: Generation, file: AudioFile | None) -> AudioFile:
        if generation.status in ("queued", "generating", "waiting"):
            raise OrchestrionError(
                f"generation {generation.id} is still {generation.status}; wait for it before downloading"
            )
        if not generation.is_completed:
            raise GenerationFailed(generation)
        chosen = file or generation.audio_file
        if chosen is None:
            raise OrchestrionError(f"generation {generation.id} is completed but the server linked no audio file")
        return chosen

    @staticmethod
    def _download_target(path: "str | os.PathLike[str] | None", file: AudioFile) -> Path:
        name = Path(file.file_name or "output.wav").name or "output.wav"
        if path is None:
            return Path.cwd() / name
        target = Path(path).expanduser()
        if target.is_dir() or str(path).endswith(("/", os.sep)):
            target.mkdir(parents=True, exist_ok=True)
            return target / name
        target.parent.mkdir(parents=True, exist_ok=True)
        return target

    @staticmethod
    def _partial(target: Path) -> Path:
        return target.with_name(f".{target.name}.{os.getpid()}.part")

    @staticmethod
    def _check_size(written: int, file: AudioFile, response: httpx.Response, partial: Path) -> None:
        # Content-Length counts encoded bytes; only trust it when the body was not compressed in transit.
        encoded = response.headers.get("Content-Encoding", "identity") != "identity"
        declared = None if encoded else response.headers.get("Content-Length")
        expected = file.file_size if file.file_size is not None else (int(declared) if declared else None)
        if expected is not None and written != expected:
            partial.unlink(missing_ok=True)
            raise OrchestrionError(
                f"download of {file.file_name or 'the file'} was cut short: {written} of {expected} bytes"
            )


class WaitState:
    """The clock of one :meth:`wait`: when to poll next, when to give up, which failures to ride out."""

    def __init__(
        self,
        timeout: float | None,
        poll_interval: float,
        max_poll_interval: float,
        clock: Any = time.monotonic,
    ) -> None:
        if timeout is not None and timeout < 0:
            raise ValueError("timeout must be >= 0 (or None to wait without limit)")
        self.timeout = timeout
        self._clock = clock
        self._deadline = None if timeout is None else clock() + timeout
        self._schedule = PollSchedule(poll_interval, max(poll_interval, max_poll_interval))
        self._outage_since: float | None = None
        self.last: Generation | None = None

    def after_answer(self, generation: Generation, retry_after: float | None) -> float:
        """Seconds until the next poll of an active ``generation``; raises :class:`WaitTimeout` when out of time."""
        self.last = generation
        self._outage_since = None
        return self._bounded(self._schedule.next_delay(retry_after), retry_after is not None)

    def after_failure(self, exc: OrchestrionError) -> float:
        """Seconds until the next poll after a transient failure; re-raises ``exc`` when it is not one to ride out."""
        transient = isinstance(exc, (APIConnectionError, RateLimitError)) or (
            isinstance(exc, ServerError) and exc.status_code in RETRY_STATUSES
        )
        now = self._clock()
        if self._outage_since is None:
            self._outage_since = now
        if not transient or now - self._outage_since >= WAIT_OUTAGE_LIMIT:
            raise exc
        asked = exc.retry_after if isinstance(exc, RateLimitError) else None
        if self.last is None and self._deadline is not None and now >= self._deadline:
            raise exc
        return self._bounded(self._schedule.next_delay(asked), asked is not None, exc)

    def _bounded(self, delay: float, server_asked: bool, exc: OrchestrionError | None = None) -> float:
        if self._deadline is None:
            return delay
        remaining = self._deadline - self._clock()
        if remaining <= 0 or (server_asked and delay > remaining):
            # Polling sooner than the server allows is not an option: give up now rather than at the deadline.
            if self.last is None:
                raise exc if exc is not None else OrchestrionError("wait timed out")
            raise WaitTimeout(self.last, self.timeout or 0.0)
        return min(delay, remaining)


async def maybe_await(value: Any) -> None:
    if inspect.isawaitable(value):
        await value
