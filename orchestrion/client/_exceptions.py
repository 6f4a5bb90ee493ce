"""Every error the SDK raises, under one base, mirroring the server's error body.

The tree::

    OrchestrionError                  anything the SDK raises on purpose
     ├── APIConnectionError           no HTTP answer: refused, reset, DNS, read/connect timeout
     │    └── APITimeoutError         the request ran past its timeout
     ├── APIError                     the server answered non-2xx: status_code, request_id, body
     │    ├── BadRequestError         400, 413, 422: the request is invalid (``message`` says which field)
     │    ├── AuthenticationError     401: missing or unknown key
     │    ├── PermissionDeniedError   403: key revoked or out of credits
     │    ├── NotFoundError           404: unknown generation (or another key's)
     │    ├── ConflictError           409: an idempotency key reused with another body, or an audio stream of
     │    │                           a generation that failed or was canceled before any audio
     │    ├── RateLimitError          429: too many queued jobs for this key; ``retry_after`` seconds
     │    └── ServerError             5xx: the server failed or is not ready
     ├── GenerationFailed             it ended in ``error`` or ``canceled``: ``generation``, ``error_name``
     └── WaitTimeout                  :meth:`wait` gave up before a terminal status: ``generation``

Live sessions (``/v1/live``) raise the same tree: an ``error`` frame's body is this body, and a close without one
stands for its status (1013: 429, 1011: 500); see ``_live``.

The server's error body is ``{"message", "path", "requestId", "statusCode", "timestamp"}``; :class:`APIError` keeps
each field, and the class docstring is the message when the body has none (a proxy's HTML page, say).

This module imports nothing else of the SDK (``_types`` imports it, not the other way round), so the ``generation``
that :class:`GenerationFailed` and :class:`WaitTimeout` carry is typed ``Any`` here; it is always a
:class:`~orchestrion.client.Generation`.
"""

from __future__ import annotations

from typing import Any, Mapping

__all__ = [
    "APIConnectionError",
    "APIError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "ConflictError",
    "GenerationFailed",
    "NotFoundError",
    "OrchestrionError",
    "PermissionDeniedError",
    "RateLimitError",
    "ServerError",
    "WaitTimeout",
    "error_for_status",
]


class OrchestrionError(Exception):
    """Base of every error the Orchestrion SDK raises."""

    def __init__(self, message: str | None = None) -> None:
        self.message = message or (type(self).__doc__ or type(self).__name__).strip().splitlines()[0]
        super().__init__(self.message)


class APIConnectionError(OrchestrionError):
    """The server could not be reached (connection refused, reset or name not resolved)."""


class APITimeoutError(APIConnectionError):
    """The request timed out before the server answered."""


class APIError(OrchestrionError):
    """The server answered with an error."""

    def __init__(
        self,
        message: str | None = None,
        *,
        status_code: int,
        request_id: str | None = None,
        body: Any = None,
        path: str | None = None,
        timestamp: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.request_id = request_id
        #: The decoded error body (a dict for conforming servers), or the raw text.
        self.body = body
        self.path = path
        self.timestamp = timestamp
        self.headers = dict(headers or {})

    def __str__(self) -> str:
        suffix = f" (request id {self.request_id})" if self.request_id else ""
        return f"{self.status_code}: {self.message}{suffix}"

    def __repr__(self) -> str:
        return f"{type(self).__name__}(status_code={self.status_code}, message={self.message!r})"


class BadRequestError(APIError):
    """The request was invalid."""


class AuthenticationError(APIError):
    """The API key is missing or unknown."""


class PermissionDeniedError(APIError):
    """The API key is revoked or out of credits."""


class NotFoundError(APIError):
    """No such generation for this API key."""


class ConflictError(APIError):
    """The request conflicts with the generation's state (an idempotency key reused, or no audio to stream)."""


class RateLimitError(APIError):
    """Too many requests or queued jobs for this key."""

    def __init__(self, message: str | None = None, *, retry_after: float | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        #: Seconds the server asked us to wait (its ``Retry-After`` header), if it said.
        self.retry_after = retry_after


class ServerError(APIError):
    """The server failed or is not ready."""


class GenerationFailed(OrchestrionError):
    """The generation ended without audio."""

    def __init__(self, generation: Any) -> None:
        error = generation.error
        #: The :class:`~orchestrion.client.Generation` as it ended, without audio.
        self.generation = generation
        self.error_name = error.name if error else generation.status
        self.error_message = error.message if error else f"generation ended with status {generation.status!r}"
        super().__init__(f"generation {generation.id} failed: {self.error_name}: {self.error_message}")


class WaitTimeout(OrchestrionError):
    """The generation did not finish in time."""

    def __init__(self, generation: Any, timeout: float) -> None:
        #: The :class:`~orchestrion.client.Generation` as last seen, still queued or generating.
        self.generation = generation
        self.timeout = timeout
        super().__init__(
            f"generation {generation.id} still {generation.status!r} after {timeout:g} s; "
            "wait again or retrieve it later"
        )


_BY_STATUS: dict[int, type[APIError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    413: BadRequestError,
    422: BadRequestError,
    429: RateLimitError,
}


def error_for_status(
    status_code: int, body: Any, headers: Mapping[str, str], retry_after: float | None = None
) -> APIError:
    """The typed error for a non-2xx answer, with the server's error body fields kept."""
    cls = _BY_STATUS.get(status_code) or (ServerError if status_code >= 500 else APIError)
    fields = body if isinstance(body, dict) else {}
    message = fields.get("message")
    if isinstance(message, list):  # some frameworks answer a list of validation messages
        message = "; ".join(str(m) for m in message)
    if not message and isinstance(body, str) and body.strip():
        message = body.strip()[:500]
    kwargs: dict[str, Any] = {
        "status_code": status_code,
        "request_id": fields.get("requestId") or headers.get("x-request-id"),
        "body": body,
        "path": fields.get("path"),
        "timestamp": fields.get("timestamp"),
        "headers": headers,
    }
    if cls is RateLimitError:
        kwargs["retry_after"] = retry_after
    return cls(str(message) if message else None, **kwargs)
