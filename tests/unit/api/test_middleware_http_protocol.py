"""The HTTP protocol's timers and malformed-request answers in the cases a live server rarely shows: keep-alive,
pipelining, ``Expect: 100-continue``, and an application that answers before the body is in.

A uvicorn server runs in the test's event loop with the protocol and the request middleware around a small app;
timeouts are a few tenths of a second.
"""

from __future__ import annotations

import asyncio
import json
import socket
from typing import Any, AsyncIterator

import pytest
import uvicorn
from starlette.requests import Request

from orchestrion.api.http_protocol import CONTINUE_POLL_SECONDS, protocol_class
from orchestrion.api.metrics import RequestMetrics
from orchestrion.api.middleware import RequestContextMiddleware

pytestmark = pytest.mark.timed  # connections are timed to the header and body timeouts

HEADER_TIMEOUT = 0.4
BODY_TIMEOUT = 0.4


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """``/echo`` answers its body (after ``?wait=`` seconds); any other path answers ``ok`` without reading it."""
    if scope["type"] != "http":
        return
    body = b"ok"
    if scope["path"] == "/echo":
        wait = float(dict(part.split("=") for part in scope["query_string"].decode().split("&") if part)
                     .get("wait", 0))
        await asyncio.sleep(wait)
        body = await Request(scope, receive).body()
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


class Server:
    def __init__(self, port: int, metrics: RequestMetrics) -> None:
        self.port = port
        self.metrics = metrics

    async def connect(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        return await asyncio.open_connection("127.0.0.1", self.port)

    def counted(self) -> dict[tuple[str, int], int]:
        return {(route, status): count for (_, route, status), count in self.metrics.snapshot()[0].items()}


@pytest.fixture
async def server() -> AsyncIterator[Server]:
    metrics = RequestMetrics()
    wrapped = RequestContextMiddleware(app, max_body_bytes=1 << 20, metrics=metrics)
    http = protocol_class(header_timeout=HEADER_TIMEOUT, body_timeout=BODY_TIMEOUT, metrics=metrics)
    config = uvicorn.Config(wrapped, host="127.0.0.1", port=0, http=http, ws="none", lifespan="off",
                            log_config=None, access_log=False)
    uv = uvicorn.Server(config)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    task = asyncio.create_task(uv.serve(sockets=[sock]))
    while not uv.started:
        await asyncio.sleep(0.01)
    try:
        yield Server(sock.getsockname()[1], metrics)
    finally:
        uv.should_exit = True
        await asyncio.wait_for(task, 10)
        sock.close()


async def read_answer(reader: asyncio.StreamReader) -> tuple[int, dict[str, str], bytes]:
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
    lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines[1:]:
        if line:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
    body = await asyncio.wait_for(reader.readexactly(int(headers.get("content-length", 0))), 5)
    return int(lines[0].split()[1]), headers, body


async def closed(reader: asyncio.StreamReader, within: float) -> bool:
    try:
        return await asyncio.wait_for(reader.read(1), within) == b""
    except ConnectionResetError:
        return True


async def test_a_malformed_request_pipelined_behind_a_good_one_is_answered_after_it(server: Server) -> None:
    reader, writer = await server.connect()
    writer.write(b"GET /echo?wait=0.2 HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nfirst"
                 b"POST /second HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n")
    await writer.drain()
    status, _, body = await read_answer(reader)
    assert (status, body) == (200, b"first")  # the first answer is whole, not cut by the second's error
    status, headers, body = await read_answer(reader)
    error = json.loads(body)
    assert status == 400 and error["statusCode"] == 400 and "Duplicate Content-Length" in error["message"]
    assert headers["connection"] == "close" and error["requestId"] == headers["x-request-id"]
    assert await closed(reader, 1)
    writer.close()
    assert server.counted()[("unmatched", 400)] == 1


async def test_the_header_timeout_restarts_when_a_keep_alive_connection_goes_idle(server: Server) -> None:
    reader, writer = await server.connect()
    await asyncio.sleep(HEADER_TIMEOUT * 0.6)
    writer.write(b"GET /a HTTP/1.1\r\nHost: x\r\n\r\n")
    status, _, _ = await read_answer(reader)
    assert status == 200
    # A second request begun at once but never finished: 408 one timeout after the first answer.
    writer.write(b"GET /b HTTP/1.1\r\nHost: x\r\n")
    started = asyncio.get_running_loop().time()
    status, headers, body = await read_answer(reader)
    waited = asyncio.get_running_loop().time() - started
    assert status == 408 and json.loads(body)["path"] == "/b" and headers["connection"] == "close"
    assert HEADER_TIMEOUT * 0.7 <= waited <= HEADER_TIMEOUT + 1
    assert await closed(reader, 1)
    writer.close()
    assert server.counted()[("unmatched", 408)] == 1


async def test_a_connection_that_never_speaks_is_closed_without_an_answer(server: Server) -> None:
    reader, writer = await server.connect()
    assert await asyncio.wait_for(reader.read(), HEADER_TIMEOUT + 2) == b""
    writer.close()
    assert server.counted() == {}


async def test_a_client_waiting_for_100_continue_is_timed_only_once_asked(server: Server) -> None:
    request = (f"POST /echo?wait={BODY_TIMEOUT * 2} HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n"
               "Expect: 100-continue\r\n\r\n").encode()
    # The application asks for the body only after twice the body timeout; until then the client rightly waits.
    reader, writer = await server.connect()
    writer.write(request)
    interim = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
    assert interim.startswith(b"HTTP/1.1 100")
    writer.write(b"body")
    status, _, body = await read_answer(reader)
    assert (status, body) == (200, b"body")
    writer.close()
    # Asked, a client that then sends nothing is slow like any other.
    reader, writer = await server.connect()
    writer.write(request)
    interim = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
    asked = asyncio.get_running_loop().time()
    status, headers, body = await read_answer(reader)
    waited = asyncio.get_running_loop().time() - asked
    assert status == 408 and "body" in json.loads(body)["message"] and headers["connection"] == "close"
    assert BODY_TIMEOUT * 0.7 <= waited <= BODY_TIMEOUT + CONTINUE_POLL_SECONDS + 1
    writer.close()


async def test_a_body_still_trickling_after_its_answer_is_cut_at_the_body_timeout(server: Server) -> None:
    reader, writer = await server.connect()
    writer.write(b"POST /early HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nab")
    status, _, body = await read_answer(reader)
    assert (status, body) == (200, b"ok")
    for _ in range(3):
        await asyncio.sleep(BODY_TIMEOUT / 3)
        writer.write(b"x")
    # No second answer: the request was answered; the connection just closes.
    assert await asyncio.wait_for(reader.read(), 2) == b""
    writer.close()
    assert server.counted() == {("unmatched", 200): 1}


async def test_a_malformed_body_of_a_request_in_hand_is_answered_with_its_request_id(server: Server) -> None:
    reader, writer = await server.connect()
    writer.write(b"POST /echo HTTP/1.1\r\nHost: x\r\nX-Request-ID: mine-123\r\nTransfer-Encoding: chunked\r\n\r\n"
                 b"2\r\nab\r\n")
    await asyncio.sleep(0.1)
    writer.write(b"nope\r\n")
    status, headers, body = await read_answer(reader)
    error = json.loads(body)
    assert status == 400 and error["path"] == "/echo" and "chunk size" in error["message"]
    assert headers["x-request-id"] == error["requestId"] == "mine-123"
    assert await closed(reader, 1)
    writer.close()
    await asyncio.sleep(0.05)
    # The application's middleware counts it, under its route, with the protocol's status.
    assert server.counted() == {("unmatched", 400): 1}
