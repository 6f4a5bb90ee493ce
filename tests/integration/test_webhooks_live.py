"""Webhooks through a real server: signed Standard Webhooks deliveries to a receiver on loopback, retried with
backoff, kept in the store's outbox across a restart, and sent once they succeed."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Iterator

import httpx
import pytest

from orchestrion.webhooks import verify
from tests.support.server import ServerProcess

TONE_ONLY = """
[models."test/tone"]
engine = "tests.engines.tone:ToneEngine"
credits = 2
"""


class Receiver:
    """A webhook receiver on 127.0.0.1 that answers ``status`` and records every request."""

    def __init__(self) -> None:
        self.status = 500
        self.received: list[dict[str, Any]] = []
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                with receiver.lock:
                    status = receiver.status
                    receiver.received.append({"headers": dict(self.headers), "body": body, "answered": status,
                                              "path": self.path, "at": time.time()})
                self.send_response(status)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/orchestrion"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def wait_for(self, count: int, timeout: float) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout
        while True:
            with self.lock:
                if len(self.received) >= count:
                    return list(self.received)
            assert time.monotonic() < deadline, f"only {len(self.received)} of {count} deliveries arrived"
            time.sleep(0.05)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    receiver = Receiver()
    yield receiver
    receiver.close()


def test_completed_delivery_survives_a_restart_mid_retry_and_arrives_signed(server_factory, receiver: Receiver
                                                                            ) -> None:
    server: ServerProcess = server_factory(workers=1, config=TONE_ONLY, env={
        "ORCHESTRION_WEBHOOK_ALLOWED_NETWORKS": "127.0.0.1/32",
        "ORCHESTRION_WEBHOOK_RETRY_SECONDS": "0.5",
    })
    secret = server.cli("webhooks", "secret").stdout.strip().splitlines()[-1]
    assert secret.startswith("whsec_")
    server.start()
    headers = {"Authorization": f"Bearer {server.api_key}", "Prefer": "wait=20"}
    created = httpx.post(server.base_url + "/v2/generate/audio", headers=headers, timeout=30, json={
        "model": "test/tone", "prompt": "a hooked tone", "duration": 5, "webhook_url": receiver.url,
        "webhook_events": ["completed"]}).json()
    assert created["status"] == "completed"

    # The receiver is down (500): the first attempt fails and a retry is scheduled; then the server stops.
    first = receiver.wait_for(1, timeout=15)[0]
    assert first["answered"] == 500
    server.stop()
    failed_attempts = len(receiver.received)
    receiver.status = 200
    server.start()

    deliveries = receiver.wait_for(failed_attempts + 1, timeout=20)
    time.sleep(1.5)  # a delivered message is not sent again
    deliveries = list(receiver.received)
    assert [d["answered"] for d in deliveries] == [500] * failed_attempts + [200]
    ids = {d["headers"]["webhook-id"] for d in deliveries}
    assert len(ids) == 1 and ids.pop().startswith("msg_")
    bodies = {d["body"] for d in deliveries}
    assert len(bodies) == 1  # every attempt sends the same body
    delivered = deliveries[-1]
    verify(secret, delivered["headers"], delivered["body"])
    assert delivered["headers"]["webhook-signature"].startswith("v1,")
    assert delivered["headers"]["content-type"] == "application/json"
    assert delivered["path"] == "/hooks/orchestrion"
    payload = json.loads(delivered["body"])
    assert payload["type"] == "generation.completed" and payload["timestamp"].endswith("Z")
    data = payload["data"]
    assert data["id"] == created["id"] and data["status"] == "completed"
    audio = httpx.get(data["audio_file"]["url"], timeout=10)
    assert audio.status_code == 200 and len(audio.content) == data["audio_file"]["file_size"]
    # Retries back off: the gaps between failed attempts grow.
    times = [d["at"] for d in deliveries[:failed_attempts]]
    gaps = [b - a for a, b in zip(times, times[1:])]
    assert all(later > earlier for earlier, later in zip(gaps, gaps[1:]))
    server.stop()


def test_started_and_error_events_and_a_forged_signature_fails(server_factory, receiver: Receiver) -> None:
    server: ServerProcess = server_factory(workers=1, config=TONE_ONLY,
                                           env={"ORCHESTRION_WEBHOOK_ALLOWED_NETWORKS": "127.0.0.0/8"})
    receiver.status = 204
    with server:
        secret = server.cli("webhooks", "secret").stdout.strip().splitlines()[-1]
        created = httpx.post(server.base_url + "/v2/generate/audio", timeout=30, json={
            "model": "test/tone", "prompt": "fail please", "duration": 5, "webhook_url": receiver.url},
            headers={"Authorization": f"Bearer {server.api_key}", "Prefer": "wait=20"}).json()
        assert created["status"] == "error"
        deliveries = receiver.wait_for(2, timeout=15)
    kinds = sorted(json.loads(d["body"])["type"] for d in deliveries)
    assert kinds == ["generation.error", "generation.started"]
    for delivery in deliveries:
        verify(secret, delivery["headers"], delivery["body"])
    error = next(json.loads(d["body"]) for d in deliveries if b"generation.error" in d["body"])
    assert error["data"]["error"]["name"] == "engine_error"
    forged = dict(deliveries[0]["headers"])
    forged["webhook-signature"] = "v1," + "A" * 44
    with pytest.raises(ValueError):
        verify(secret, forged, deliveries[0]["body"])
