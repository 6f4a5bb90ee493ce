"""The webhook sender against the real SQLite outbox, with the receiver played by httpx's MockTransport."""

from __future__ import annotations

import json
import time
import uuid
from pathlib import Path
from typing import Iterator

import httpx
import pytest

from orchestrion.jobs import NewJob
from orchestrion.jobs.sqlite import SQLiteJobStore
from orchestrion.webhooks import parse_networks, verify
from orchestrion.webhooks.sender import WebhookSender

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
LOOPBACK = parse_networks("127.0.0.1/32")


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SQLiteJobStore]:
    store = SQLiteJobStore(tmp_path / "o.db")
    store.migrate()
    store.create_key(key_id="k1", name="t", key_hash="h", prefix="orc_1", quota=None)
    yield store
    store.close()


def started_job(store: SQLiteJobStore, url: str = "http://127.0.0.1:9/hook?from=orchestrion") -> str:
    job_id = f"{uuid.uuid4()}:tone"
    job = NewJob(id=job_id, key_id="k1", model="test/tone", engine_model="test/tone", params={"prompt": "x"},
                 credits=1, max_attempts=1, webhook_url=url, webhook_events=("started",))
    store.create_job(job, max_queued_per_key=10, max_queued_total=10)
    store.claim_jobs("w1", ["test/tone"], limit=1, lease_seconds=30)
    return job_id


def sender(store: SQLiteJobStore, handler, **kwargs) -> WebhookSender:  # noqa: ANN001
    options = {"networks": LOOPBACK, "max_attempts": 3, "retry_seconds": 60.0, **kwargs}
    return WebhookSender(store, secret=SECRET, present=lambda job: {"id": job.id, "status": job.status.value},
                         transport=httpx.MockTransport(handler), **options)


def test_a_delivery_is_signed_sent_to_the_checked_address_and_recorded(store: SQLiteJobStore) -> None:
    job_id = started_job(store)
    seen: list[httpx.Request] = []

    def receive(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(204)

    webhooks = sender(store, receive)
    assert webhooks.run_once() == 1 and webhooks.run_once() == 0
    webhooks.close()
    (request,) = seen
    assert str(request.url) == "http://127.0.0.1:9/hook?from=orchestrion"
    assert request.headers["host"] == "127.0.0.1:9"
    verify(SECRET, dict(request.headers), request.content)
    payload = json.loads(request.content)
    assert payload["type"] == "generation.started" and payload["data"] == {"id": job_id, "status": "generating"}
    (delivery,) = store.webhook_deliveries(job_id)
    assert (delivery.state, delivery.attempts, delivery.last_status_code) == ("delivered", 1, 204)
    assert delivery.id == request.headers["webhook-id"] and delivery.payload == request.content.decode()


def test_failures_are_retried_later_then_given_up(store: SQLiteJobStore) -> None:
    job_id = started_job(store)
    answers = iter([httpx.Response(500), httpx.Response(302, headers={"location": "http://10.0.0.1/"})])
    webhooks = sender(store, lambda request: next(answers), retry_seconds=0.0, max_attempts=3)
    assert webhooks.run_once() == 1
    (delivery,) = store.webhook_deliveries(job_id)
    assert (delivery.state, delivery.attempts, delivery.last_status_code) == ("pending", 1, 500)
    assert webhooks.run_once() == 1  # a redirect is not followed: it counts as a failure
    (delivery,) = store.webhook_deliveries(job_id)
    assert (delivery.state, delivery.attempts, delivery.last_status_code) == ("pending", 2, 302)

    def time_out(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("no answer", request=request)

    webhooks.close()
    webhooks = sender(store, time_out, retry_seconds=0.0, max_attempts=3)
    assert webhooks.run_once() == 1
    (delivery,) = store.webhook_deliveries(job_id)
    assert (delivery.state, delivery.attempts) == ("failed", 3) and "ReadTimeout" in delivery.last_error
    assert webhooks.run_once() == 0
    webhooks.close()


def test_backoff_doubles(store: SQLiteJobStore) -> None:
    job_id = started_job(store)
    webhooks = sender(store, lambda request: httpx.Response(503), retry_seconds=100.0, max_attempts=5)
    webhooks.run_once()
    first = store.webhook_deliveries(job_id)[0]
    assert 90 <= first.next_attempt_at - first.created_at <= 111
    with store._write() as conn:  # make it due again at once
        conn.execute("UPDATE webhook_deliveries SET next_attempt_at = 0")
    webhooks.run_once()
    second = store.webhook_deliveries(job_id)[0]
    assert 175 <= second.next_attempt_at - time.time() <= 221
    webhooks.close()


def test_an_address_that_is_not_allowed_fails_at_once_without_a_request(store: SQLiteJobStore) -> None:
    job_id = started_job(store)
    seen: list[httpx.Request] = []
    webhooks = sender(store, lambda request: seen.append(request) or httpx.Response(200), networks=[])
    webhooks.run_once()
    webhooks.close()
    (delivery,) = store.webhook_deliveries(job_id)
    assert seen == [] and delivery.state == "failed" and "not a public address" in delivery.last_error


def test_a_delivery_whose_generation_was_swept_fails_quietly(store: SQLiteJobStore) -> None:
    job_id = started_job(store)
    store.cancel_job(job_id)
    # The delivery row goes with the job, so there is nothing left to send.
    store.delete_jobs([job_id])
    webhooks = sender(store, lambda request: httpx.Response(200))
    assert webhooks.run_once() == 0
    webhooks.close()
