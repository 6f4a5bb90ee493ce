"""The request middleware: request ids, the body size limit, one log line per request, counters, and the last-resort
500.

A plain ASGI middleware (not Starlette's ``BaseHTTPMiddleware``) so the per-request cost stays a few microseconds
on the poll path. It is the outermost layer the application adds, so it sees every answer, including the 500 for
an exception nothing else caught: that answer is built here, in the one error shape and with the request id, and
the traceback goes to the log only.

A client that hangs up before it is answered (mid-body, or while a long request waits) is no server error: the
request is logged on its one line with ``status=499`` (nginx's "client closed request") and counted under 499,
with no traceback and no answer (nobody is left to read one). When the HTTP protocol answered the request itself
(a body that arrived too slowly, or malformed), it leaves its status in the scope and that status is counted.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from typing import Any

from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..logs import log_event
from .errors import error_body
from .metrics import RequestMetrics

__all__ = [
    "CLIENT_CLOSED_REQUEST",
    "EXTRA_HEADERS_SCOPE",
    "KEY_ID_SCOPE",
    "PROTOCOL_ANSWER_SCOPE",
    "REQUEST_ID_SCOPE",
    "RequestContextMiddleware",
    "request_id_for",
]

log = logging.getLogger("orchestrion.api")

REQUEST_ID_SCOPE = "orchestrion.request_id"
KEY_ID_SCOPE = "orchestrion.key_id"
#: Headers a route's dependencies want on whatever answer goes out (the RateLimit-* headers), as a dict.
EXTRA_HEADERS_SCOPE = "orchestrion.extra_headers"
#: ``(status, message)`` the HTTP protocol answered a request with while the application held it (``http_protocol``).
PROTOCOL_ANSWER_SCOPE = "orchestrion.protocol_answer"
#: Status counted and logged for a request whose client went away before it was answered (no client saw it).
CLIENT_CLOSED_REQUEST = 499
_SANE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:@=+/-]{1,128}$")


class BodyTooLarge(StarletteHTTPException):
    """Raised from ``receive`` when a streamed body passes the limit, so any body reader answers 413."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"Request body exceeds the limit of {limit} bytes.")


def _client_request_id(scope: Scope) -> str | None:
    for name, value in scope["headers"]:
        if name == b"x-request-id":
            try:
                text = value.decode("ascii")
            except UnicodeDecodeError:
                return None
            return text if _SANE_REQUEST_ID.match(text) else None
    return None


def request_id_for(scope: Scope) -> str:
    """The request's id: the one already given it, else the client's ``X-Request-ID`` when sane, else a new one
    (kept in the scope, so the HTTP protocol and this middleware name a request alike whichever comes first)."""
    request_id = scope.get(REQUEST_ID_SCOPE)
    if not request_id:
        request_id = scope[REQUEST_ID_SCOPE] = _client_request_id(scope) or uuid.uuid4().hex
    return request_id


def _from_disconnect(exc: BaseException) -> bool:
    """Whether ``exc`` is, or was raised from, the client going away (also inside an exception group)."""
    pending: list[BaseException] = [exc]
    seen: set[int] = set()
    while pending:
        error = pending.pop()
        if id(error) in seen:
            continue
        seen.add(id(error))
        if isinstance(error, ClientDisconnect):
            return True
        if isinstance(error, BaseExceptionGroup):
            pending.extend(error.exceptions)
        if error.__cause__ is not None:
            pending.append(error.__cause__)
    return False


def _content_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


class RequestContextMiddleware:
    def __init__(self, app: ASGIApp, *, max_body_bytes: int, metrics: RequestMetrics) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        request_id = request_id_for(scope)
        request_id_header = (b"x-request-id", request_id.encode("ascii"))
        state: dict[str, Any] = {"status": 500, "started": False, "gone": False}

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                state["status"] = message["status"]
                state["started"] = True
                headers = [*message.get("headers", ()), request_id_header]
                extra = scope.get(EXTRA_HEADERS_SCOPE)
                if extra:
                    present = {name.lower() for name, _ in headers}
                    headers += [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in extra.items()
                                if k.lower().encode("latin-1") not in present]
                message["headers"] = headers
            await send(message)

        limit = self.max_body_bytes
        declared = _content_length(scope)
        try:
            if declared is not None and declared > limit:
                await self._send_error(scope, send_with_id, 413, f"Request body exceeds the limit of {limit} bytes.")
            else:
                await self.app(scope, self._watched(receive, limit, state), send_with_id)
        except Exception as exc:
            if _from_disconnect(exc):
                # Whatever the application was doing, the client is gone; only an answer already begun stands.
                if not state["started"]:
                    state["gone"] = True
            else:
                log.exception(
                    "unhandled error", extra={"fields": {"request_id": request_id, "path": scope.get("path", "")}}
                )
                if not state["started"]:
                    await self._send_error(scope, send_with_id, 500, "Internal server error.")
        finally:
            status = state["status"]
            error = None
            if PROTOCOL_ANSWER_SCOPE in scope:
                status, error = scope[PROTOCOL_ANSWER_SCOPE]
            elif state["gone"]:
                status, error = CLIENT_CLOSED_REQUEST, "the client closed the connection before the answer"
            self._record(scope, status, time.perf_counter() - started, request_id, error)

    @staticmethod
    def _watched(receive: Receive, limit: int, state: dict[str, Any]) -> Receive:
        """``receive`` that enforces the body limit and notes a client gone before the answer began."""
        seen = 0

        async def receive_watched() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise BodyTooLarge(limit)
            elif message["type"] == "http.disconnect" and not state["started"]:
                state["gone"] = True
            return message

        return receive_watched

    @staticmethod
    async def _send_error(scope: Scope, send: Send, status: int, message: str) -> None:
        import orjson

        body = orjson.dumps(error_body(status, message, scope.get("path", ""), scope[REQUEST_ID_SCOPE]))
        headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
        if status == 413:
            # The client may still be sending; closing tells it to stop rather than wait on a half-read body.
            headers.append((b"connection", b"close"))
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    def _record(self, scope: Scope, status: int, seconds: float, request_id: str, error: str | None = None) -> None:
        route = scope.get("route")
        # Route templates, never raw paths, so random URLs cannot blow up the metric's label set.
        template = getattr(route, "path", None) or ("/static" if scope.get("path", "").startswith("/static/") else "unmatched")
        method = scope.get("method", "")
        self.metrics.observe(method, template, status, seconds)
        if log.isEnabledFor(logging.INFO):
            log_event(
                log,
                "request",
                method=method,
                path=scope.get("path", ""),
                status=status,
                duration_ms=round(seconds * 1000, 2),
                request_id=request_id,
                key_id=scope.get(KEY_ID_SCOPE),
                **({"error": error} if error else {}),
            )
