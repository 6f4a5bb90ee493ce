"""The request middleware's accounting of clients that hang up, of protocol-level answers and of genuine errors."""

from __future__ import annotations

import logging
from typing import Any, Iterator

import orjson
import pytest
from starlette.requests import ClientDisconnect, Request

from orchestrion.api.metrics import RequestMetrics, _Writer
from orchestrion.api.middleware import PROTOCOL_ANSWER_SCOPE, RequestContextMiddleware


@pytest.fixture
def records(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    # The service's logger may not propagate (configure_logging), so listen on it directly, and only there.
    logger = logging.getLogger("orchestrion.api")
    level, propagate = logger.level, logger.propagate
    logger.addHandler(caplog.handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    try:
        yield caplog
    finally:
        logger.removeHandler(caplog.handler)
        logger.setLevel(level)
        logger.propagate = propagate


def scope(path: str = "/v2/generate/audio", **extra: Any) -> dict[str, Any]:
    return {"type": "http", "method": "POST", "path": path, "headers": [(b"content-length", b"100")], **extra}


def disconnecting_receive(*bodies: bytes) -> Any:
    """``receive`` that hands over ``bodies`` (more to come after each) and then reports the client gone."""
    pending = [{"type": "http.request", "body": body, "more_body": True} for body in bodies]

    async def receive() -> dict[str, Any]:
        return pending.pop(0) if pending else {"type": "http.disconnect"}

    return receive


async def run(app: Any, the_scope: dict[str, Any], receive: Any) -> tuple[RequestMetrics, list[dict[str, Any]]]:
    metrics = RequestMetrics()
    sent: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await RequestContextMiddleware(app, max_body_bytes=1024, metrics=metrics)(the_scope, receive, send)
    return metrics, sent


def counted(metrics: RequestMetrics) -> dict[int, int]:
    return {status: count for (_, _, status), count in metrics.snapshot()[0].items()}


async def read_body(the_scope: Any, receive: Any, send: Any) -> None:
    await Request(the_scope, receive).body()


async def test_a_client_gone_mid_body_counts_499_with_no_answer_and_no_traceback(records: pytest.LogCaptureFixture) -> None:
    metrics, sent = await run(read_body, scope(), disconnecting_receive(b'{"model": "x", '))
    assert counted(metrics) == {499: 1}
    assert sent == []  # nobody is left to read an answer
    assert not any(record.exc_info for record in records.records)
    (line,) = [record for record in records.records if record.getMessage() == "request"]
    assert line.levelno == logging.INFO
    assert line.fields["status"] == 499 and "closed the connection" in line.fields["error"]  # type: ignore[attr-defined]
    assert line.fields["request_id"]  # type: ignore[attr-defined]

    # A genuine failure is still the server's: answered 500 in the error shape, counted 500, traceback logged.
    async def broken(the_scope: Any, receive: Any, send: Any) -> None:
        raise RuntimeError("a bug")

    metrics, sent = await run(broken, scope(), disconnecting_receive())
    assert counted(metrics) == {500: 1}
    assert sent[0]["status"] == 500 and orjson.loads(sent[1]["body"])["statusCode"] == 500
    assert any(record.exc_info and "a bug" in str(record.exc_info[1]) for record in records.records)


async def test_an_answer_made_after_the_client_left_still_counts_499(records: pytest.LogCaptureFixture) -> None:
    # FastAPI turns a failed body read into a 400; the client never saw it.
    async def parses_body(the_scope: Any, receive: Any, send: Any) -> None:
        try:
            await Request(the_scope, receive).body()
        except ClientDisconnect:
            await send({"type": "http.response.start", "status": 400, "headers": []})
            await send({"type": "http.response.body", "body": b"{}"})

    metrics, _ = await run(parses_body, scope(), disconnecting_receive(b"{"))
    assert counted(metrics) == {499: 1}

    # ClientDisconnect raised from deeper down (as ``raise ... from``) is a hang-up too.
    async def wraps(the_scope: Any, receive: Any, send: Any) -> None:
        try:
            await Request(the_scope, receive).body()
        except ClientDisconnect as exc:
            raise RuntimeError("reading failed") from exc

    metrics, sent = await run(wraps, scope(), disconnecting_receive())
    assert counted(metrics) == {499: 1} and sent == []
    assert not any(record.exc_info for record in records.records)

    # A client that leaves after its answer began (an event stream it stops reading) saw that answer.
    async def streams(the_scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        assert (await receive())["type"] == "http.disconnect"
        raise ClientDisconnect()

    metrics, _ = await run(streams, scope(path="/v2/generate/audio/events"), disconnecting_receive())
    assert counted(metrics) == {200: 1}


async def test_a_request_the_http_protocol_answered_counts_with_its_status(records: pytest.LogCaptureFixture) -> None:
    the_scope = scope()
    the_scope[PROTOCOL_ANSWER_SCOPE] = (408, "The request body did not arrive within 30 seconds of its headers.")
    metrics, sent = await run(read_body, the_scope, disconnecting_receive(b"{"))
    assert counted(metrics) == {408: 1} and sent == []
    (line,) = [record for record in records.records if record.getMessage() == "request"]
    assert line.fields["status"] == 408 and "did not arrive" in line.fields["error"]  # type: ignore[attr-defined]


def test_the_metrics_help_explains_the_499_label() -> None:
    metrics = RequestMetrics()
    metrics.observe("POST", "/v2/generate/audio", 499, 0.01)
    out = _Writer()
    metrics.write(out)
    text = out.text()
    help_line = next(line for line in text.splitlines() if line.startswith("# HELP orchestrion_http_requests_total"))
    assert "499" in help_line and "closed the connection" in help_line
    assert 'orchestrion_http_requests_total{method="POST",route="/v2/generate/audio",status="499"} 1' in text
