"""The HTTP/1.1 connection protocol the server runs: uvicorn's httptools protocol, plus timeouts on slow clients and
malformed requests answered in the API's error shape.

uvicorn parses requests with ``httptools`` (llhttp) and hands each one to the application; this subclass adds what
that protocol lacks:

* **A header timeout.** A request's headers must all arrive within ``header_timeout_seconds`` of the moment the
  connection became idle (it was opened, or its last answer was sent). A connection that sent part of a request by
  then is answered 408; one that sent nothing is closed without an answer (there is no request to answer).
* **A body timeout.** The whole body must arrive within ``body_timeout_seconds`` of the end of the headers; if not,
  the request is answered 408 and the application, still reading, sees the client go away. A client that waits for
  ``100 Continue`` is not counted slow until the application asks for the body (the body's time starts then, to
  within half a second).
* **Malformed requests in JSON.** What llhttp refuses (a bad chunk size, Content-Length beside Transfer-Encoding, a
  duplicate or negative Content-Length, a bad request line or header) is answered 400 with the error body
  ``{message, path, requestId, statusCode, timestamp}``, the parser's reason in the message, a new request id in the
  body and in ``X-Request-ID`` (the request's own when the application had already started on it), and the path
  when the request line was read.

Every such answer closes the connection: it says ``Connection: close``, the server stops sending (FIN) and drops
whatever else the client sends for a moment so the client can read the answer, then closes. An answer the
application had already started cannot be replaced: a body that times out, or turns out malformed, after the
application began its response only closes the connection.

Answers given here are logged as ``request`` lines like the application's, and counted in
``orchestrion_http_requests_total`` under the route ``unmatched`` (no route saw them); when the application had the
request, its middleware counts it with the status given here.

WebSocket upgrades (``/v1/live``) go to :class:`LiveWebSocketProtocol` when the server is configured with it
(``uvicorn.Config(ws=LiveWebSocketProtocol)``); without a WebSocket protocol, and for any other ``Upgrade``, the
header is ignored and the request is served as plain HTTP. An upgraded connection leaves this protocol's timers:
the WebSocket protocol keeps it alive with pings. :class:`LiveWebSocketProtocol` bounds what the kernel buffers for
a client that stops reading (so the application notices within seconds, not after megabytes) and offers the
application ``scope["extensions"]["orchestrion.abort"]``, which drops the connection at once: a close frame could
never reach a client that does not read.
"""

from __future__ import annotations

import asyncio
import http
import logging
import socket
import uuid
from typing import Any
from urllib.parse import unquote

import httptools
import orjson
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol

from ..logs import log_event
from .errors import error_body
from .metrics import RequestMetrics
from .middleware import PROTOCOL_ANSWER_SCOPE, REQUEST_ID_SCOPE, request_id_for

__all__ = ["ABORT_EXTENSION", "CONTINUE_POLL_SECONDS", "LINGER_SECONDS", "LiveWebSocketProtocol",
           "OrchestrionHTTPProtocol", "WEBSOCKET_SEND_BUFFER", "protocol_class"]

log = logging.getLogger("orchestrion.api")

#: After an answer that closes the connection, how long what the client still sends is read and dropped (so the
#: kernel does not reset the connection, which can lose the answer on the client's side) before closing for good.
LINGER_SECONDS = 2.0
#: How often a request whose client waits for ``100 Continue`` is looked at, to start its body's clock.
CONTINUE_POLL_SECONDS = 0.5
#: Kernel send buffer of a WebSocket connection (bytes; Linux doubles it): about a second of live audio.
WEBSOCKET_SEND_BUFFER = 128 * 1024
#: The scope extension that drops a WebSocket connection without a closing handshake.
ABORT_EXTENSION = "orchestrion.abort"


def _seconds(value: float) -> str:
    return f"{value:g}"


class OrchestrionHTTPProtocol(HttpToolsProtocol):
    """One client connection. Configure a subclass with :func:`protocol_class` (uvicorn builds one per connection,
    with its own arguments, so the settings travel as class attributes)."""

    header_timeout: float = 30.0
    body_timeout: float = 30.0
    metrics: RequestMetrics | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._header_timer: asyncio.TimerHandle | None = None
        self._body_timer: asyncio.TimerHandle | None = None
        self._linger_timer: asyncio.TimerHandle | None = None
        self._body_cycle: Any = None  # the cycle whose body the body timer waits for
        self._continue_pending = False  # that cycle's client was last seen waiting for 100 Continue
        self._active: Any = None  # the cycle the application is answering, until its answer is complete
        self._in_head = True  # the parser is between requests or inside a request's headers
        self._request_bytes = False  # a request has begun since the connection went idle
        self._idle_since = 0.0
        self._began = 0.0  # when the current request's first byte was parsed
        self._answered = False  # this protocol answered and is closing the connection
        self._deferred_error: str | None = None
        self._chunk = b""  # the data being parsed
        self._url_whole = False  # the request line's URL was followed by more of the line

    # Connection life

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm_header_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_timers()
        if self._linger_timer is not None:
            self._linger_timer.cancel()
            self._linger_timer = None
        super().connection_lost(exc)

    def eof_received(self) -> None:
        if self._answered:
            self.transport.close()

    def shutdown(self) -> None:
        if self._answered:
            self.transport.close()
            return
        super().shutdown()

    def data_received(self, data: bytes) -> None:
        if self._answered:
            return  # the rest of a request already answered, read only so the close is clean
        self._unset_keepalive_if_required()
        self._chunk = data
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            if self._should_upgrade():  # a WebSocket handshake, and a WebSocket protocol to take it
                self._cancel_timers()
                self.handle_websocket_upgrade()
            # otherwise the request goes on as plain HTTP
        except httptools.HttpParserError as exc:
            self._malformed(str(exc) or "the request could not be parsed")

    # Parser callbacks

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._request_bytes = True
        self._began = self.loop.time()
        self._url_whole = False

    def on_url(self, url: bytes) -> None:
        super().on_url(url)
        # The parser hands over the URL when a space ends it, or in parts at the end of each packet.
        self._url_whole = not self._chunk.endswith(url)

    def on_headers_complete(self) -> None:
        self._cancel(self._header_timer)
        self._header_timer = None
        self._in_head = False
        previous = self.cycle
        super().on_headers_complete()
        cycle = self.cycle
        if cycle is previous:  # no request was made of these headers
            return
        queued = bool(self.pipeline) and self.pipeline[0][0] is cycle
        if not queued:
            self._started(cycle)

    def on_message_complete(self) -> None:
        super().on_message_complete()
        self._in_head = True
        self._request_bytes = False
        self._cancel(self._body_timer)
        self._body_timer = self._body_cycle = None
        if self._active is None:
            self._arm_header_timer()

    def on_response_complete(self) -> None:
        queued = self.pipeline[-1][0] if self.pipeline else None
        before = len(self.pipeline)
        super().on_response_complete()
        self._active = None
        if queued is not None and len(self.pipeline) < before:
            self._started(queued)
        if self._active is not None or self._answered or self.transport.is_closing():
            return
        if self._deferred_error is not None:
            reason, self._deferred_error = self._deferred_error, None
            self._answer_alone(400, f"Malformed HTTP request: {reason}.", "malformed request")
        elif self._in_head:
            self._arm_header_timer()

    # Timers

    def _started(self, cycle: Any) -> None:
        """The application has begun on ``cycle``; time its body if more of it is to come."""
        self._active = cycle
        if cycle.more_body:
            self._cancel(self._body_timer)
            self._continue_pending = False
            self._body_cycle = cycle
            self._body_timer = self.loop.call_later(self.body_timeout, self._body_timed_out)

    def _arm_header_timer(self) -> None:
        self._cancel(self._header_timer)
        self._idle_since = self.loop.time()
        self._header_timer = self.loop.call_later(self.header_timeout, self._header_timed_out)

    @staticmethod
    def _cancel(timer: asyncio.TimerHandle | None) -> None:
        if timer is not None:
            timer.cancel()

    def _cancel_timers(self) -> None:
        self._cancel(self._header_timer)
        self._cancel(self._body_timer)
        self._header_timer = self._body_timer = self._body_cycle = None

    def _header_timed_out(self) -> None:
        self._header_timer = None
        if self._answered or self.transport.is_closing() or not self._in_head or self._active is not None:
            return
        if not self._request_bytes:
            self.transport.close()  # idle past the limit, with no request to answer
            return
        self._answer_alone(
            408, f"The request headers did not arrive within {_seconds(self.header_timeout)} seconds.",
            "header timeout", level=logging.INFO)

    def _body_timed_out(self) -> None:
        cycle, self._body_timer, self._body_cycle = self._body_cycle, None, None
        if cycle is None or self._answered or self.transport.is_closing():
            return
        if getattr(cycle, "waiting_for_100_continue", False) or self._continue_pending:
            # The client waits for the application to ask for the body (``100 Continue``): look again shortly, and
            # once it has asked, give the body its whole time from then.
            asked = not getattr(cycle, "waiting_for_100_continue", False)
            self._continue_pending = not asked
            self._body_cycle = cycle
            wait = self.body_timeout if asked else min(self.body_timeout, CONTINUE_POLL_SECONDS)
            self._body_timer = self.loop.call_later(wait, self._body_timed_out)
            return
        message = f"The request body did not arrive within {_seconds(self.body_timeout)} seconds of its headers."
        self._answer_cycle(cycle, 408, message, "body timeout", level=logging.INFO)

    # Answers

    def _malformed(self, reason: str) -> None:
        message = f"Malformed HTTP request: {reason}."
        # Requests queued behind the running one whose bodies will never be complete cannot be served.
        for entry in [entry for entry in self.pipeline if entry[0].more_body]:
            self.pipeline.remove(entry)
        self.flow.pause_reading()
        if not self._in_head and self._body_cycle is not None:
            # The body of the request the application is reading went wrong: that request is answered.
            self._cancel(self._body_timer)
            cycle, self._body_timer, self._body_cycle = self._body_cycle, None, None
            self._answer_cycle(cycle, 400, message, "malformed request")
        elif self._active is not None or self.pipeline:
            # An earlier request is being answered; this one's answer follows it.
            self._cancel_timers()
            self._deferred_error = reason
        else:
            self._answer_alone(400, message, "malformed request")

    def _answer_cycle(self, cycle: Any, status: int, message: str, what: str, *, level: int = logging.WARNING) -> None:
        """Answer a request the application has in hand (it is still reading the body), or close when the
        application's own answer has already begun."""
        scope = cycle.scope
        if cycle.response_started:
            log_event(log, what, level, method=scope.get("method", ""), path=scope.get("path", ""),
                      request_id=scope.get(REQUEST_ID_SCOPE), error=f"{message} The answer had begun; closed.")
            self._cancel_timers()
            self.transport.close()
            return
        # The application's middleware counts and logs the request with this status once it sees the client go.
        scope[PROTOCOL_ANSWER_SCOPE] = (status, message)
        # The application may not have started on it yet (the error came in the packet with the headers).
        self._write_answer(status, message, scope.get("path", ""), request_id_for(scope))
        cycle.disconnected = True
        cycle.message_event.set()

    def _answer_alone(self, status: int, message: str, what: str, *, level: int = logging.WARNING) -> None:
        """Answer a request the application never saw."""
        method, path = self._request_line()
        request_id = uuid.uuid4().hex
        self._write_answer(status, message, path, request_id)
        seconds = self.loop.time() - (self._began if self._request_bytes else self._idle_since)
        if self.metrics is not None:
            self.metrics.observe(method, "unmatched", status, seconds)
        log_event(log, "request", level, method=method, path=path, status=status,
                  duration_ms=round(seconds * 1000, 2), request_id=request_id, error=message, reason=what)

    def _request_line(self) -> tuple[str, str]:
        """Method and path of the request being read, as far as they were parsed."""
        if not self._in_head:
            return self.scope.get("method", ""), self.scope.get("path", "")
        if not self._request_bytes:
            return "", ""  # no request has begun (what the parser holds is the last one's)
        url = getattr(self, "url", b"")
        method = path = ""
        if url:
            try:
                method = self.parser.get_method().decode("ascii", "replace")
            except Exception:  # noqa: BLE001 - the parser has no method to give
                method = ""
        if url and (self._url_whole or self.headers):
            try:
                path = unquote(httptools.parse_url(url).path.decode("ascii", "replace"))
            except httptools.HttpParserInvalidURLError:
                path = ""
        return method, path

    def _write_answer(self, status: int, message: str, path: str, request_id: str) -> None:
        body = orjson.dumps(error_body(status, message, path, request_id))
        lines = [f"HTTP/1.1 {status} {http.HTTPStatus(status).phrase}\r\n".encode("ascii")]
        for name, value in self.server_state.default_headers:
            lines.append(name + b": " + value + b"\r\n")
        lines += [
            b"content-type: application/json\r\n",
            b"content-length: " + str(len(body)).encode("ascii") + b"\r\n",
            b"x-request-id: " + request_id.encode("ascii") + b"\r\n",
            b"connection: close\r\n\r\n",
            body,
        ]
        self._answered = True
        self._cancel_timers()
        self._unset_keepalive_if_required()
        self.transport.write(b"".join(lines))
        if not self.transport.can_write_eof():
            self.transport.close()
            return
        self.transport.write_eof()
        self.flow.resume_reading()
        self._linger_timer = self.loop.call_later(LINGER_SECONDS, self.transport.close)


def protocol_class(
    *, header_timeout: float, body_timeout: float, metrics: RequestMetrics | None = None
) -> type[OrchestrionHTTPProtocol]:
    """The protocol class to give ``uvicorn.Config(http=...)``, with these timeouts and request counters."""
    return type(
        "OrchestrionHTTPProtocol",
        (OrchestrionHTTPProtocol,),
        {"header_timeout": float(header_timeout), "body_timeout": float(body_timeout), "metrics": metrics},
    )


class LiveWebSocketProtocol(WebSocketsSansIOProtocol):
    """uvicorn's WebSocket protocol with a bounded kernel send buffer and an abort hook for the application."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)
        sock = transport.get_extra_info("socket")
        if sock is not None:
            try:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, WEBSOCKET_SEND_BUFFER)
            except OSError:  # not a TCP socket (a test transport): the kernel's own buffer stays
                pass

    def handle_connect(self, event: Any) -> None:
        super().handle_connect(event)
        scope = getattr(self, "scope", None)
        if scope is not None:  # the handshake was accepted and the application is about to start
            scope["extensions"][ABORT_EXTENSION] = self.transport.abort
