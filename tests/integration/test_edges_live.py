"""The edges of HTTP on the wire, against a real `orchestrion serve`: clients that hang up, send slowly or send
malformed requests, webhook hosts in numeric disguise, and the API docs page working without internet access.

Raw sockets throughout, since well-behaved clients cannot misbehave on purpose. The server runs with 2-second
header and body timeouts and no workers (nothing here generates audio).
"""

from __future__ import annotations

import json
import re
import selectors
import socket
import time
from typing import Iterator
from urllib.parse import urljoin

import httpx
import pytest

from tests.support.server import ServerProcess

pytestmark = pytest.mark.timed  # connections are closed at their timeouts

TIMEOUT = 2.0
#: Slack on top of a timeout for the answer to reach the client on a busy test machine.
SLACK = 1.5
ERROR_KEYS = {"message", "path", "requestId", "statusCode", "timestamp"}
VALID_BODY = json.dumps({"model": "google/lyria2", "prompt": "a calm piano", "duration": 5}).encode()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    process = ServerProcess(
        tmp_path_factory.mktemp("edges"),
        workers=0,
        env={"ORCHESTRION_HEADER_TIMEOUT_SECONDS": str(TIMEOUT), "ORCHESTRION_BODY_TIMEOUT_SECONDS": str(TIMEOUT)},
    )
    process.start(ready_path="/health")
    try:
        yield process
    finally:
        try:
            process.stop()
        finally:
            process.kill()


def connect(server: ServerProcess) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=10)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


def read_until_closed(sock: socket.socket, timeout: float) -> bytes:
    """Everything the server sends until it closes the connection (an error if it does not within ``timeout``)."""
    sock.settimeout(timeout)
    data = b""
    while True:
        try:
            chunk = sock.recv(65536)
        except ConnectionResetError:
            break
        if not chunk:
            break
        data += chunk
    return data


def parse_answer(raw: bytes) -> tuple[int, dict[str, str], bytes]:
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ")[1])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return status, headers, body


def assert_error_answer(raw: bytes, status: int) -> dict[str, object]:
    assert raw, "the server closed the connection without an answer"
    code, headers, body = parse_answer(raw)
    assert code == status, raw
    assert headers["content-type"] == "application/json"
    assert headers["connection"] == "close"
    assert int(headers["content-length"]) == len(body)
    error = json.loads(body)
    assert set(error) == ERROR_KEYS and error["statusCode"] == status
    assert error["requestId"] == headers["x-request-id"] and re.fullmatch(r"[0-9a-f]{32}", headers["x-request-id"])
    return error


def trickle(sock: socket.socket, data: bytes, interval: float, limit: float) -> tuple[bytes, float]:
    """Send ``data`` a byte every ``interval`` seconds until the server answers and closes; the answer and the
    seconds it took (``limit`` bounds the wait)."""
    started = time.monotonic()
    sock.setblocking(False)
    received = b""
    position = 0
    while time.monotonic() - started < limit:
        if position < len(data):
            try:
                sock.send(data[position:position + 1])
                position += 1
            except (BrokenPipeError, ConnectionResetError, BlockingIOError):
                position = len(data)
        readable = selectors.DefaultSelector()
        readable.register(sock, selectors.EVENT_READ)
        deadline = time.monotonic() + interval
        while (wait := deadline - time.monotonic()) > 0:
            if not readable.select(wait):
                break
            try:
                chunk = sock.recv(65536)
            except (BlockingIOError, InterruptedError):
                continue
            except ConnectionResetError:
                chunk = b""
            if not chunk:
                readable.close()
                return received, time.monotonic() - started
            received += chunk
        readable.close()
    raise AssertionError(f"still open after {limit} s; received {received!r}")


def metrics_lines(server: ServerProcess) -> list[str]:
    text = httpx.get(server.base_url + "/metrics", timeout=10).text
    return [line for line in text.splitlines() if line.startswith("orchestrion_http_requests_total{")]


def test_a_client_that_hangs_up_mid_body_is_counted_499_without_a_traceback(server: ServerProcess) -> None:
    sock = connect(server)
    head = (f"POST /v2/generate/audio HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {server.api_key}\r\n"
            f"Content-Type: application/json\r\nX-Request-ID: hangs-up-mid-body\r\n"
            f"Content-Length: {len(VALID_BODY)}\r\n\r\n").encode()
    sock.sendall(head + VALID_BODY[: len(VALID_BODY) // 2])
    time.sleep(0.2)
    sock.close()
    deadline = time.monotonic() + 10
    counted = []
    while not counted and time.monotonic() < deadline:
        counted = [line for line in metrics_lines(server)
                   if 'route="/v2/generate/audio"' in line and 'status="499"' in line]
        time.sleep(0.1)
    assert counted, metrics_lines(server)
    assert not [line for line in metrics_lines(server) if 'status="500"' in line]
    log = server.log()
    assert "Traceback" not in log and "unhandled error" not in log
    line = next(line for line in log.splitlines() if "request_id=hangs-up-mid-body" in line)
    assert "status=499" in line and "closed the connection" in line


def test_slow_headers_are_answered_408_and_closed(server: ServerProcess) -> None:
    sock = connect(server)
    request = f"GET /v1/models HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {server.api_key}\r\n\r\n".encode()
    answer, seconds = trickle(sock, request, 0.5, TIMEOUT + 5)
    sock.close()
    error = assert_error_answer(answer, 408)
    assert "headers" in str(error["message"]) and str(int(TIMEOUT)) in str(error["message"])
    assert TIMEOUT - 0.2 <= seconds <= TIMEOUT + SLACK


def test_a_connection_that_sends_nothing_is_closed_at_the_header_timeout(server: ServerProcess) -> None:
    sock = connect(server)
    started = time.monotonic()
    assert read_until_closed(sock, TIMEOUT + 5) == b""  # no request, so no answer
    assert time.monotonic() - started <= TIMEOUT + SLACK
    sock.close()


def test_a_slow_body_is_answered_408_and_closed(server: ServerProcess) -> None:
    sock = connect(server)
    head = (f"POST /v2/generate/audio HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {server.api_key}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(VALID_BODY)}\r\n\r\n").encode()
    sock.sendall(head)
    answer, seconds = trickle(sock, VALID_BODY, 0.5, TIMEOUT + 5)
    sock.close()
    error = assert_error_answer(answer, 408)
    assert "body" in str(error["message"]) and error["path"] == "/v2/generate/audio"
    assert TIMEOUT - 0.2 <= seconds <= TIMEOUT + SLACK
    # The application held the request: it counts it with the protocol's 408, not as a hang-up or an error.
    assert any('route="/v2/generate/audio"' in line and 'status="408"' in line for line in metrics_lines(server))


def test_forty_slow_connections_are_all_closed_by_the_timeout(server: ServerProcess) -> None:
    request = b"POST /v2/generate/audio HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\r\n"
    selector = selectors.DefaultSelector()
    started = time.monotonic()
    answers: dict[socket.socket, bytes] = {}
    sent: dict[socket.socket, int] = {}
    for _ in range(40):
        sock = connect(server)
        sock.setblocking(False)
        selector.register(sock, selectors.EVENT_READ)
        answers[sock], sent[sock] = b"", 0
    closed: dict[socket.socket, float] = {}
    next_send = started
    while len(closed) < len(answers) and time.monotonic() - started < TIMEOUT + 5:
        if time.monotonic() >= next_send:
            for sock in answers:
                if sock not in closed and sent[sock] < len(request):
                    try:
                        sock.send(request[sent[sock]:sent[sock] + 1])
                        sent[sock] += 1
                    except (BrokenPipeError, ConnectionResetError, BlockingIOError):
                        pass
            next_send += 0.5
        for key, _ in selector.select(max(0.0, min(0.5, next_send - time.monotonic()))):
            sock = key.fileobj
            try:
                chunk = sock.recv(65536)  # type: ignore[union-attr]
            except (BlockingIOError, InterruptedError):
                continue
            except ConnectionResetError:
                chunk = b""
            if chunk:
                answers[sock] += chunk  # type: ignore[index]
            else:
                closed[sock] = time.monotonic() - started  # type: ignore[index]
                selector.unregister(sock)
    selector.close()
    for sock in answers:
        sock.close()
    assert len(closed) == 40, f"{40 - len(closed)} of 40 slow connections still open after {TIMEOUT + 5} s"
    assert max(closed.values()) <= TIMEOUT + SLACK
    for answer in answers.values():
        assert_error_answer(answer, 408)


MALFORMED = {
    "bad chunk size": (b"POST /v2/generate/audio HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                       b"Transfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n", "chunk size"),
    "content-length with transfer-encoding": (
        b"POST /v2/generate/audio HTTP/1.1\r\nHost: x\r\nContent-Length: 7\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"2\r\n{}\r\n0\r\n\r\n", "Content-Length"),
    "duplicate content-length": (b"POST /v2/generate/audio HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n"
                                 b"Content-Length: 3\r\n\r\n{} ", "Duplicate Content-Length"),
    "negative content-length": (b"POST /v2/generate/audio HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n",
                                "Content-Length"),
    "no method": (b"\x16\x03\x01 /v2/generate/audio HTTP/1.1\r\n\r\n", "method"),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_malformed_requests_are_answered_400_in_the_error_shape(server: ServerProcess, case: str) -> None:
    request, reason = MALFORMED[case]
    sock = connect(server)
    sock.sendall(request)
    answer = read_until_closed(sock, 5)
    sock.close()
    error = assert_error_answer(answer, 400)
    assert str(error["message"]).startswith("Malformed HTTP request") and reason in str(error["message"])
    if case != "no method":
        assert error["path"] == "/v2/generate/audio"
    # The server's log line for the request names the same request id as the answer.
    deadline = time.monotonic() + 5
    while not (lines := [line for line in server.log().splitlines() if f"request_id={error['requestId']}" in line]):
        assert time.monotonic() < deadline, f"no log line for {error['requestId']}"
        time.sleep(0.05)
    assert "status=400" in lines[0] and "Malformed HTTP request" in lines[0]


def test_the_api_docs_need_nothing_outside_the_server(server: ServerProcess) -> None:
    page = httpx.get(server.base_url + "/docs", timeout=10)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    html = page.text
    assert "SwaggerUIBundle" in html
    assert not re.findall(r"https?://", html), re.findall(r"https?://[^\s'\"]+", html)
    assets = re.findall(r"""(?:src|href)=["']([^"']+)["']""", html) + re.findall(r"""url: *["']([^"']+)["']""", html)
    expected = {".js": "javascript", ".css": "text/css", ".png": "image/png", ".json": "application/json"}
    kinds = set()
    for asset in assets:
        answer = httpx.get(urljoin(server.base_url + "/docs", asset), timeout=10)
        suffix = next(s for s in expected if asset.endswith(s))
        assert answer.status_code == 200 and expected[suffix] in answer.headers["content-type"], (asset, answer)
        kinds.add(suffix)
    assert kinds == set(expected)
    licence = httpx.get(server.base_url + "/static/docs/LICENSE", timeout=10)
    assert licence.status_code == 200 and "Apache License" in licence.text


@pytest.mark.parametrize("host", ["2130706433", "0177.0.0.1", "0x7f.0.0.1", "127.1", "0", "localhost.",
                                  "0xa9fe.0xa9fe"])
def test_webhook_hosts_in_numeric_disguise_are_refused_and_charge_nothing(server: ServerProcess, host: str) -> None:
    key = server.create_key(f"webhook-{host}", quota=100)
    body = {"model": "google/lyria2", "prompt": "a calm piano", "duration": 5,
            "webhook_url": f"http://{host}:8080/hook"}
    answer = httpx.post(server.base_url + "/v2/generate/audio", json=body,
                        headers={"Authorization": f"Bearer {key}"}, timeout=10)
    assert answer.status_code == 400, answer.text
    error = answer.json()
    assert set(error) == ERROR_KEYS and "webhook_url" in error["message"]
    listing = json.loads(server.cli("keys", "list", "--json").stdout)
    mine = next(entry for entry in listing if entry["name"] == f"webhook-{host}")
    assert mine["credits_used"] == 0
    history = httpx.get(server.base_url + "/v2/generate/audio/generations",
                        headers={"Authorization": f"Bearer {key}"}, timeout=10)
    assert history.status_code == 200 and history.json()["data"] == []
