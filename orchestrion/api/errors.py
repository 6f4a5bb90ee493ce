"""The one error shape of the API and the exceptions that produce it.

Every non-2xx answer carries the hosted API's body ``{message, path, requestId, statusCode, timestamp}``, whatever
raised it: our own :class:`ApiError` tree, the store's admission errors, FastAPI's validation errors, the router's
404/405, or an unexpected exception (a 500 that leaks no detail; the request middleware handles that last case so
the answer still carries the request id)::

    ApiError                       status  raised for
    ├── BadRequest                 400     a field is missing, mistyped or out of range (the message names it)
    ├── Unauthorized               401     no key, malformed header or unknown key (WWW-Authenticate: Bearer)
    ├── Forbidden                  403     revoked key, quota exhausted, bad or expired file signature
    ├── NotFound                   404     unknown generation (another key's included), unknown file
    ├── Conflict                   409     an Idempotency-Key reused with another body
    ├── Gone                       410     a signed link whose file was deleted (or swept by retention)
    ├── PayloadTooLarge            413     body over ``max_body_bytes``
    ├── RangeNotSatisfiable        416     a Range past the end of a file
    ├── TooManyRequests            429     too many queued or active jobs, a budget of queued audio or stored
    │                                      bytes spent, or requests per minute (Retry-After, RateLimit-*)
    ├── ServiceUnavailable         503     queue full, store unreachable, not ready, engine unavailable
    └── GatewayTimeout             504     a synchronous (Vertex-style) generation did not finish in time

Store errors map as: ``QuotaExceeded`` → 403, ``IdempotencyConflict`` → 409, ``TooManyQueued`` and
``TooManyActive`` and ``BudgetExceeded`` → 429, ``QueueFull`` and ``StoreUnavailable`` → 503.
"""

from __future__ import annotations

import http
import time
from typing import Any, Mapping

import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from ..jobs.store import (
    BudgetExceeded,
    IdempotencyConflict,
    QueueFull,
    QuotaExceeded,
    StoreError,
    StoreUnavailable,
    TooManyActive,
    TooManyQueued,
)
from ..util import iso_utc

__all__ = [
    "ApiError",
    "BadRequest",
    "Conflict",
    "Forbidden",
    "GatewayTimeout",
    "Gone",
    "NotFound",
    "PayloadTooLarge",
    "RangeNotSatisfiable",
    "ServiceUnavailable",
    "TooManyRequests",
    "Unauthorized",
    "error_response",
    "install_error_handlers",
    "validation_message",
]

#: Seconds a client should wait before retrying, by cause.
RETRY_AFTER_TOO_MANY_QUEUED = 10
RETRY_AFTER_QUEUE_FULL = 30
RETRY_AFTER_STORE_UNAVAILABLE = 2
RETRY_AFTER_TOO_MANY_ACTIVE = 5
#: A budget of queued audio frees as the key's work runs; one of stored bytes only as retention sweeps.
RETRY_AFTER_BUDGET = {"queued_audio_seconds": 30, "stored_bytes": 3600}


class ApiError(Exception):
    """Base of the API's errors; the class docstring is the default message."""

    status_code = 500

    def __init__(self, message: str | None = None, *, headers: Mapping[str, str] | None = None) -> None:
        self.message = message or (self.__doc__ or "").strip()
        self.headers = dict(headers or {})
        super().__init__(self.message)


class BadRequest(ApiError):
    """The request is invalid."""

    status_code = 400


class Unauthorized(ApiError):
    """Missing or invalid API key: send 'Authorization: Bearer <key>'."""

    status_code = 401

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message, headers={"WWW-Authenticate": "Bearer"})


class Forbidden(ApiError):
    """Access denied."""

    status_code = 403


class NotFound(ApiError):
    """Not found."""

    status_code = 404


class Conflict(ApiError):
    """The request conflicts with an earlier one."""

    status_code = 409


class Gone(ApiError):
    """The file behind this link no longer exists."""

    status_code = 410


class PayloadTooLarge(ApiError):
    """Request body too large."""

    status_code = 413


class UnsupportedMediaType(ApiError):
    """A file in the request is not in the format its field names."""

    status_code = 415


class RangeNotSatisfiable(ApiError):
    """The requested range lies outside the file."""

    status_code = 416


class TooManyRequests(ApiError):
    """Too many requests."""

    status_code = 429


class ServiceUnavailable(ApiError):
    """The service is temporarily unavailable; retry later."""

    status_code = 503


class GatewayTimeout(ApiError):
    """The generation did not finish in time."""

    status_code = 504


def error_body(status_code: int, message: str, path: str, request_id: str) -> dict[str, Any]:
    return {
        "message": message,
        "path": path,
        "requestId": request_id,
        "statusCode": status_code,
        "timestamp": iso_utc(time.time()),
    }


def error_response(
    status_code: int,
    message: str,
    *,
    path: str,
    request_id: str,
    headers: Mapping[str, str] | None = None,
) -> Response:
    return Response(
        orjson.dumps(error_body(status_code, message, path, request_id)),
        status_code=status_code,
        media_type="application/json",
        headers=dict(headers or {}),
    )


def _request_id(request: Request) -> str:
    # Set by the request middleware (REQUEST_ID_SCOPE) before anything can raise; the fallback only serves apps
    # built without it. The literal avoids importing the middleware, which imports this module.
    return request.scope.get("orchestrion.request_id", "")


def _respond(request: Request, status_code: int, message: str, headers: Mapping[str, str] | None = None) -> Response:
    return error_response(
        status_code, message, path=request.url.path, request_id=_request_id(request), headers=headers
    )


_FIELD_PROBLEMS = {
    "missing": "is required",
    "extra_forbidden": "is not a known field",
}


def validation_message(errors: list[Mapping[str, Any]], *, drop_loc_prefix: tuple[str, ...] = ()) -> str:
    """One readable sentence naming each invalid field and why, from pydantic/FastAPI error dicts."""
    problems = []
    for err in errors:
        loc = [str(part) for part in err.get("loc", ()) if str(part) not in drop_loc_prefix]
        kind = err.get("type", "")
        if kind == "json_invalid":
            detail = err.get("ctx", {}).get("error", "")
            problems.append(f"body is not valid JSON{': ' + str(detail) if detail else ''}")
            continue
        if not loc:
            if kind in {"model_type", "model_attributes_type", "dict_type"}:
                problems.append("body must be a JSON object")
            else:
                problems.append(str(err.get("msg", "invalid body")).removeprefix("Value error, "))
            continue
        field = ".".join(loc)
        problem = _FIELD_PROBLEMS.get(kind) or str(err.get("msg", "is invalid"))
        if problem.startswith("Value error, "):
            problem = problem[len("Value error, ") :]
        problems.append(f"{field}: {problem[0].lower()}{problem[1:]}" if problem else field)
    return "; ".join(problems) or "invalid request"


def _allowed_methods(request: Request) -> str:
    # Starlette's Allow names only the first route that matched the path; GET and POST of one path are two routes.
    # Included routers may stay nested (newer FastAPI), so walk them; none of ours has a prefix.
    methods: set[str] = set()
    path = request.scope.get("path", "")
    pending = list(request.app.router.routes)
    while pending:
        route = pending.pop()
        nested = getattr(route, "original_router", None)
        if nested is not None:
            pending.extend(nested.routes)
            continue
        regex = getattr(route, "path_regex", None)
        if regex is not None and regex.match(path):
            methods.update(getattr(route, "methods", None) or ())
    return ", ".join(sorted(methods))


def install_error_handlers(app: FastAPI) -> None:
    """Route every error FastAPI and Starlette know how to catch through the one error shape."""

    async def on_api_error(request: Request, exc: ApiError) -> Response:
        return _respond(request, exc.status_code, exc.message, exc.headers)

    async def on_http_exception(request: Request, exc: StarletteHTTPException) -> Response:
        message = exc.detail if isinstance(exc.detail, str) and exc.detail else None
        if message is None or message == http.HTTPStatus(exc.status_code).phrase:
            message = {
                404: f"No route matches {request.url.path}",
                405: f"Method {request.method} is not allowed on {request.url.path}",
            }.get(exc.status_code, message or http.HTTPStatus(exc.status_code).phrase)
        headers = dict(exc.headers or {})
        if exc.status_code == 405:
            headers["Allow"] = _allowed_methods(request) or headers.get("Allow", "")
        return _respond(request, exc.status_code, message, headers)

    async def on_validation_error(request: Request, exc: RequestValidationError) -> Response:
        errors = list(exc.errors())
        return _respond(request, 400, validation_message(errors, drop_loc_prefix=("body", "query", "header")))

    async def on_store_error(request: Request, exc: StoreError) -> Response:
        if isinstance(exc, QuotaExceeded):
            return _respond(request, 403, str(exc) or "This key's credit quota is exhausted.")
        if isinstance(exc, IdempotencyConflict):
            return _respond(request, 409, str(exc))
        if isinstance(exc, TooManyActive):
            return _respond(
                request,
                429,
                str(exc),
                {"Retry-After": str(RETRY_AFTER_TOO_MANY_ACTIVE), "RateLimit-Limit": str(exc.limit),
                 "RateLimit-Remaining": "0", "RateLimit-Reset": str(RETRY_AFTER_TOO_MANY_ACTIVE)},
            )
        if isinstance(exc, BudgetExceeded):
            retry = RETRY_AFTER_BUDGET.get(exc.budget, RETRY_AFTER_TOO_MANY_QUEUED)
            return _respond(request, 429, str(exc), {"Retry-After": str(retry), "X-Budget": exc.budget})
        if isinstance(exc, TooManyQueued):
            return _respond(
                request,
                429,
                str(exc) or "Too many queued generations for this key; wait for some to finish.",
                {"Retry-After": str(RETRY_AFTER_TOO_MANY_QUEUED)},
            )
        if isinstance(exc, QueueFull):
            return _respond(
                request,
                503,
                str(exc) or "The queue is full; retry later.",
                {"Retry-After": str(RETRY_AFTER_QUEUE_FULL)},
            )
        # StoreUnavailable, and any store failure we have no better word for: the database is the problem.
        message = "The job store is unavailable; retry shortly."
        if not isinstance(exc, StoreUnavailable):
            message = "The job store failed to answer; retry shortly."
        return _respond(request, 503, message, {"Retry-After": str(RETRY_AFTER_STORE_UNAVAILABLE)})

    app.add_exception_handler(ApiError, on_api_error)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, on_http_exception)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, on_validation_error)  # type: ignore[arg-type]
    app.add_exception_handler(StoreError, on_store_error)  # type: ignore[arg-type]
