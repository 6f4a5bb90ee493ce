"""Live sessions (``/v1/live``, a WebSocket): the messages both twins send and receive, free of I/O.

The protocol (docs/live.md has the full text): the client's text frames are JSON objects of one key each —
``setup`` first, then ``prompts``, ``config``, ``play``, ``pause``, ``stop`` and ``reset`` in any order. The server
answers ``setupComplete`` once, then sends binary frames of 16-bit little-endian interleaved PCM (about 200 ms
each) while playing, ``state`` frames when a change takes effect, and ``error`` frames in the usual error body.

Errors, as the SDK hands them over:

- a ``400`` (a bad message: the session goes on) is yielded as :class:`LiveError`, holding the typed
  :class:`BadRequestError`, so one bad config does not end a listening loop;
- any other ``error`` frame (``401``/``403`` then close 1008, ``429`` then close 1013, ``500`` then close 1011) is
  raised as its typed :class:`APIError` (:class:`AuthenticationError`, :class:`PermissionDeniedError`,
  :class:`RateLimitError`, :class:`ServerError`); so is a close with 1013 or 1011 that came without one;
- a connection lost without a close (the server drops a client that stops reading) raises
  :class:`APIConnectionError`;
- a refused handshake raises the typed error of its HTTP answer; no connection at all raises
  :class:`APIConnectionError` (:class:`APITimeoutError` when it timed out).

This module translates the ``websockets`` exceptions into that tree; ``_live_client`` and ``_live_async`` are the
sync and async sessions over it.
"""

from __future__ import annotations

import json
import numbers
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

import httpx
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus, InvalidURI

from ._base import BaseClient, parse_retry_after
from ._exceptions import (
    APIConnectionError,
    APIError,
    APITimeoutError,
    BadRequestError,
    OrchestrionError,
    RateLimitError,
    ServerError,
    error_for_status,
)

__all__ = [
    "LIVE_PATH",
    "LiveAudio",
    "LiveError",
    "LiveSetup",
    "LiveState",
    "closed_error",
    "command_message",
    "config_message",
    "connect_options",
    "decode_frame",
    "handshake_error",
    "live_url",
    "prompts_message",
    "setup_message",
]

LIVE_PATH = "/v1/live"


@dataclass(frozen=True)
class LiveSetup:
    """The server's ``setupComplete``: the session's id, model and seed, and the shape of its audio frames."""

    session_id: str
    model: str | None
    seed: int | None
    sample_rate: int
    channels: int
    chunk_frames: int | None
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "LiveSetup":
        if not isinstance(data, Mapping) or not isinstance(data.get("session_id"), str):
            raise OrchestrionError(f"malformed setupComplete from the server: {data!r}")
        return cls(
            session_id=data["session_id"],
            model=data.get("model"),
            seed=data.get("seed") if isinstance(data.get("seed"), int) else None,
            sample_rate=int(data.get("sample_rate") or 48000),
            channels=int(data.get("channels") or 2),
            chunk_frames=data.get("chunk_frames") if isinstance(data.get("chunk_frames"), int) else None,
            raw=dict(data),
        )


@dataclass(frozen=True)
class LiveAudio:
    """One binary frame: ``pcm`` is 16-bit little-endian interleaved PCM, ``frames`` samples per channel."""

    pcm: bytes = field(repr=False)
    frames: int


@dataclass(frozen=True)
class LiveState:
    """A ``state`` frame: a change took effect at ``bar`` (``seconds`` into the session); ``applied`` says which."""

    bar: int | None
    seconds: float | None
    playing: bool
    applied: Mapping[str, Any]
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "LiveState":
        if not isinstance(data, Mapping):
            raise OrchestrionError(f"malformed state from the server: {data!r}")
        seconds = data.get("seconds")
        applied = data.get("applied")
        return cls(
            bar=data.get("bar") if isinstance(data.get("bar"), int) else None,
            seconds=float(seconds) if isinstance(seconds, (int, float)) and not isinstance(seconds, bool) else None,
            playing=bool(data.get("playing")),
            applied=dict(applied) if isinstance(applied, Mapping) else {},
            raw=dict(data),
        )


@dataclass(frozen=True)
class LiveError:
    """An ``error`` frame the session survives (a bad message): ``error`` is the typed error, not raised."""

    error: APIError

    @property
    def message(self) -> str:
        return self.error.message


def setup_message(model: str | None, seed: int | None) -> str:
    setup: dict[str, Any] = {}
    if model is not None:
        setup["model"] = model
    if seed is not None:
        if isinstance(seed, bool) or not isinstance(seed, int):
            raise TypeError(f"seed must be an int, got {type(seed).__name__}")
        setup["seed"] = seed
    return json.dumps({"setup": setup})


def _prompt(item: Any) -> dict[str, Any]:
    if isinstance(item, str):
        text, weight = item, 1.0
    elif isinstance(item, Mapping):
        text, weight = item.get("text"), item.get("weight", 1.0)
    elif isinstance(item, (tuple, list)) and len(item) == 2:
        text, weight = item
    else:
        raise TypeError(f"a prompt is a text, a (text, weight) pair or a dict with 'text', got {item!r}")
    if not isinstance(text, str) or not text.strip():
        raise ValueError(f"a prompt's text must be a non-empty string, got {text!r}")
    if isinstance(weight, bool) or not isinstance(weight, numbers.Real):
        raise TypeError(f"a prompt's weight must be a number, got {weight!r}")
    return {"text": text, "weight": float(weight)}


def prompts_message(prompts: Iterable[Any] | str) -> str:
    """``{"prompts": [...]}`` from texts, ``(text, weight)`` pairs or dicts (one text alone is one prompt)."""
    items = [prompts] if isinstance(prompts, (str, Mapping)) else list(prompts)
    return json.dumps({"prompts": [_prompt(item) for item in items]})


def config_message(fields: Mapping[str, Any]) -> str:
    if not fields:
        raise TypeError("set_config needs at least one field, e.g. set_config(bpm=100)")
    return json.dumps({"config": dict(fields)})


def command_message(name: str) -> str:
    return json.dumps({name: {}})


def decode_frame(frame: str | bytes, channels: int) -> "LiveAudio | LiveState | LiveError | LiveSetup | None":
    """The typed message of one frame; ``None`` for a text frame of a kind this SDK does not know (newer servers).

    Raises the typed :class:`APIError` of an ``error`` frame that ends the session.
    """
    if isinstance(frame, (bytes, bytearray, memoryview)):
        pcm = bytes(frame)
        return LiveAudio(pcm=pcm, frames=len(pcm) // (2 * max(channels, 1)))
    try:
        payload = json.loads(frame)
    except ValueError:
        raise OrchestrionError(f"a live session frame is not JSON: {frame[:200]!r}") from None
    if not isinstance(payload, Mapping):
        raise OrchestrionError(f"a live session frame is not a JSON object: {frame[:200]!r}")
    if "state" in payload:
        return LiveState.from_dict(payload["state"])
    if "error" in payload:
        body = payload["error"]
        status = body.get("statusCode") if isinstance(body, Mapping) else None
        error = error_for_status(status if isinstance(status, int) else 500, body, {})
        if isinstance(error, BadRequestError):
            return LiveError(error)
        raise error
    if "setupComplete" in payload:
        return LiveSetup.from_dict(payload["setupComplete"])
    return None


# -- the seam with websockets -----------------------------------------------------------------------------------


def live_url(client: BaseClient) -> str:
    url = httpx.URL(client.base_url)
    scheme = "wss" if url.scheme == "https" else "ws"
    return str(url.copy_with(scheme=scheme, path=url.path.rstrip("/") + LIVE_PATH))


def connect_options(client: BaseClient) -> dict[str, Any]:
    """Keyword arguments of ``websockets``' ``connect`` for this client: key, user agent, timeouts."""
    headers = {name: value for name, value in client._api_headers().items()
               if name not in ("Accept", "User-Agent")}
    return {
        "additional_headers": headers,
        "user_agent_header": client._headers.get("User-Agent"),
        "open_timeout": client.timeout.connect,
        # PCM barely compresses: deflate would cost CPU on both ends for nothing.
        "compression": None,
    }


def handshake_error(exc: BaseException, url: str) -> OrchestrionError:
    """The SDK's error for a live session that could not be opened."""
    if isinstance(exc, InvalidStatus):
        response = exc.response
        headers = {name.lower(): value for name, value in response.headers.raw_items()}
        body: Any = response.body.decode("utf-8", "replace") if response.body else ""
        try:
            body = json.loads(body)
        except ValueError:
            pass
        return error_for_status(response.status_code, body, headers, parse_retry_after(headers.get("retry-after")))
    if isinstance(exc, InvalidURI):
        return OrchestrionError(f"cannot open a live session at {url}: {exc}")
    if isinstance(exc, TimeoutError):
        return APITimeoutError(f"timed out opening a live session at {url}")
    if isinstance(exc, ConnectionClosed):
        return closed_error(exc)
    if isinstance(exc, (OSError, EOFError, InvalidHandshake)):
        return APIConnectionError(f"cannot open a live session at {url}: {exc or type(exc).__name__}")
    return OrchestrionError(f"cannot open a live session at {url}: {type(exc).__name__}: {exc}")


#: Close codes the protocol gives a meaning, and the error each stands for when no ``error`` frame came first.
#: (The server sends its 401 and 403 as ``error`` frames before closing with 1008: those are raised as they come.)
_CLOSE_ERRORS: dict[int, tuple[type[APIError], int]] = {
    1011: (ServerError, 500),
    1013: (RateLimitError, 429),
}


def closed_error(exc: ConnectionClosed) -> OrchestrionError | None:
    """The error a close stands for; ``None`` for a normal close (1000, 1001), which ends the session quietly."""
    close = exc.rcvd
    code = close.code if close is not None else 1006
    reason = close.reason if close is not None else ""
    if code in (1000, 1001):
        return None
    if code in _CLOSE_ERRORS:
        cls, status = _CLOSE_ERRORS[code]
        return cls(reason or None, status_code=status)
    return APIConnectionError(f"the live session was closed (code {code}{': ' + reason if reason else ''})")
