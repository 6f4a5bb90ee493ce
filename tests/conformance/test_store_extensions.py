"""The store contract of the extensions, as every backend must keep it: cancel, idempotency keys, the limit on
generations in flight, history pages, retention, and the webhook outbox."""

from __future__ import annotations

import dataclasses
import threading
import time

import pytest

from orchestrion.jobs import IdempotencyConflict, JobStatus, JobStore, NewJob, TooManyActive

from .test_store_conformance import MODEL_A, ROOMY, create, key_credits, make_key, new_job, wav
from .conftest import StoreFactory


def hooked(key, events=("started", "completed", "error"), **kwargs) -> NewJob:  # noqa: ANN001
    return dataclasses.replace(new_job(key, **kwargs), webhook_url="https://hooks.example.com/in",
                               webhook_events=tuple(events))


def idempotent(key, idem: str, request_hash: str = "h1", **kwargs) -> NewJob:  # noqa: ANN001
    return dataclasses.replace(new_job(key, **kwargs), idempotency_key=idem, request_hash=request_hash)


# -- cancel --------------------------------------------------------------------------------------------------------
def test_cancel_queued_ends_it_refunded_and_a_second_cancel_changes_nothing(store: JobStore) -> None:
    key = make_key(store)
    job = create(store, key, credits=3)
    assert key_credits(store, key) == 3
    canceled, changed = store.cancel_job(job.id, key.id)
    assert changed and canceled.status is JobStatus.CANCELED and canceled.status.is_terminal
    assert canceled.credits_used == 0 and key_credits(store, key) == 0 and canceled.completed_at is not None
    again, changed_again = store.cancel_job(job.id, key.id)
    assert not changed_again and again.status is JobStatus.CANCELED and key_credits(store, key) == 0
    assert store.count_by_status()[JobStatus.CANCELED] == 1 and store.queue_depth() == 0
    assert store.claim_jobs("w1", [MODEL_A], limit=1, lease_seconds=30) == []


def test_cancel_generating_fences_out_its_worker(store: JobStore) -> None:
    key = make_key(store)
    job = create(store, key)
    (claimed,) = store.claim_jobs("w1", [MODEL_A], limit=1, lease_seconds=30)
    _, changed = store.cancel_job(job.id)
    assert changed
    assert not store.heartbeat(job.id, "w1", lease_seconds=30, progress=0.5)
    assert not store.complete_job(job.id, "w1", files=[wav(claimed)], audio_seconds=1, engine_seconds=1)
    assert not store.fail_job(job.id, "w1", error_name="x", error_message="y")
    final = store.get_job(job.id)
    assert final.status is JobStatus.CANCELED and final.files == () and key_credits(store, key) == 0
    # An expired lease must not bring a canceled job back.
    assert store.requeue_expired(now=time.time() + 3600) == 0
    assert store.get_job(job.id).status is JobStatus.CANCELED


def test_cancel_of_an_ended_or_unknown_or_others_job(store: JobStore) -> None:
    mine, theirs = make_key(store), make_key(store)
    job = create(store, mine)
    (claimed,) = store.claim_jobs("w1", [MODEL_A], limit=1, lease_seconds=30)
    store.complete_job(job.id, "w1", files=[wav(claimed)], audio_seconds=1, engine_seconds=1)
    assert store.cancel_job(job.id, theirs.id) is None
    assert store.cancel_job("no-such-id") is None
    current, changed = store.cancel_job(job.id, mine.id)
    assert not changed and current.status is JobStatus.COMPLETED and current.credits_used == 1


# -- idempotency keys --------------------------------------------------------------------------------------------
def test_same_idempotency_key_and_hash_returns_the_first_job_charged_once(store: JobStore) -> None:
    key = make_key(store)
    first = store.create_job(idempotent(key, "k-1"), **ROOMY)
    retry = idempotent(key, "k-1")
    again = store.create_job(retry, **ROOMY)
    assert again.id == first.id != retry.id and store.get_job(retry.id) is None
    assert key_credits(store, key) == 1 and store.queue_depth() == 1
    with pytest.raises(IdempotencyConflict):
        store.create_job(idempotent(key, "k-1", request_hash="other"), **ROOMY)
    # Another API key may use the same idempotency key for its own request.
    other = make_key(store)
    assert store.create_job(idempotent(other, "k-1"), **ROOMY).id != first.id


def test_an_idempotency_key_past_its_window_makes_a_new_job(store: JobStore) -> None:
    key = make_key(store)
    first = store.create_job(idempotent(key, "k-2"), **ROOMY)
    time.sleep(0.05)
    later = store.create_job(idempotent(key, "k-2", request_hash="changed"), **ROOMY, idempotency_seconds=0.01)
    assert later.id != first.id
    assert store.create_job(idempotent(key, "k-2", request_hash="changed"), **ROOMY).id == later.id


def test_concurrent_retries_with_one_idempotency_key_make_one_job(store_factory: StoreFactory, store: JobStore
                                                                  ) -> None:
    key = make_key(store)
    stores = [store_factory() for _ in range(6)]
    barrier = threading.Barrier(len(stores))
    answers: list[str] = []

    def retry(own: JobStore) -> None:
        barrier.wait()
        for _ in range(5):
            answers.append(own.create_job(idempotent(key, "same-key"), **ROOMY).id)

    threads = [threading.Thread(target=retry, args=(s,)) for s in stores]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    for own in stores:
        own.close()
    assert len(answers) == 30 and len(set(answers)) == 1
    assert store.queue_depth() == 1 and key_credits(store, key) == 1


# -- generations in flight ---------------------------------------------------------------------------------------
def test_active_limit_counts_queued_and_generating_of_this_key(store: JobStore) -> None:
    busy, other = make_key(store), make_key(store)
    store.create_job(new_job(busy), **ROOMY, max_active_per_key=2)
    store.claim_jobs("w1", [MODEL_A], limit=1, lease_seconds=30)
    store.create_job(new_job(busy), **ROOMY, max_active_per_key=2)
    store.create_job(new_job(other), **ROOMY, max_active_per_key=2)
    refused = new_job(busy)
    with pytest.raises(TooManyActive) as caught:
        store.create_job(refused, **ROOMY, max_active_per_key=2)
    assert (caught.value.limit, caught.value.active) == (2, 2) and store.get_job(refused.id) is None
    running = store.get_job(store.list_jobs(busy.id, limit=10)[0][-1].id)
    assert running.status is JobStatus.GENERATING
    store.cancel_job(running.id)
    store.create_job(refused, **ROOMY, max_active_per_key=2)


# -- history -----------------------------------------------------------------------------------------------------
def test_history_pages_newest_first_and_only_this_keys(store: JobStore) -> None:
    mine, theirs = make_key(store), make_key(store)
    created = [create(store, mine) for _ in range(5)]
    create(store, theirs)
    page, cursor = store.list_jobs(mine.id, limit=2)
    seen = [job.id for job in page]
    while cursor is not None:
        page, cursor = store.list_jobs(mine.id, limit=2, after=cursor)
        seen += [job.id for job in page]
    assert seen == [job.id for job in reversed(created)]
    assert store.list_jobs(mine.id, limit=5) == (list(reversed(created)), None)
    assert store.list_jobs("key_nobody", limit=5) == ([], None)
    for bad in ("x", "-1", "1.5", ""):
        with pytest.raises(ValueError):
            store.list_jobs(mine.id, limit=2, after=bad)


# -- retention ---------------------------------------------------------------------------------------------------
def test_expired_jobs_are_only_ended_ones_and_deleting_takes_their_rows(store: JobStore) -> None:
    key = make_key(store)
    done = store.create_job(hooked(key), **ROOMY)
    (claimed,) = store.claim_jobs("w1", [MODEL_A], limit=1, lease_seconds=30)
    store.complete_job(done.id, "w1", files=[wav(claimed)], audio_seconds=1, engine_seconds=1)
    canceled = store.create_job(idempotent(key, "retained"), **ROOMY)
    store.cancel_job(canceled.id)
    waiting = create(store, key)
    assert store.expired_jobs(time.time() - 3600, limit=10) == []
    expired = store.expired_jobs(time.time() + 1, limit=10)
    assert [job.id for job in expired] == [done.id, canceled.id]
    assert store.delete_jobs([done.id, canceled.id, waiting.id]) == 2
    assert store.get_job(done.id) is None and store.get_job(waiting.id) is not None
    assert store.webhook_deliveries(done.id) == []
    assert store.count_by_status()[JobStatus.COMPLETED] == 0
    # The idempotency key went with its job: the same key creates anew.
    assert store.create_job(idempotent(key, "retained"), **ROOMY).id != canceled.id
    assert store.delete_jobs([]) == 0


# -- webhook outbox ----------------------------------------------------------------------------------------------
def test_transitions_queue_the_deliveries_a_job_asked_for(store: JobStore) -> None:
    key = make_key(store)
    everything = store.create_job(hooked(key), **ROOMY)
    only_end = store.create_job(hooked(key, events=("completed", "error")), **ROOMY)
    silent = create(store, key)
    jobs = store.claim_jobs("w1", [MODEL_A], limit=3, lease_seconds=30)
    assert [d.event for d in store.webhook_deliveries(everything.id)] == ["started"]
    assert store.webhook_deliveries(only_end.id) == [] and store.webhook_deliveries(silent.id) == []
    by_id = {job.id: job for job in jobs}
    store.complete_job(everything.id, "w1", files=[wav(by_id[everything.id])], audio_seconds=1, engine_seconds=1)
    store.fail_job(only_end.id, "w1", error_name="x", error_message="y")
    store.complete_job(silent.id, "w1", files=[wav(by_id[silent.id])], audio_seconds=1, engine_seconds=1)
    started, completed = store.webhook_deliveries(everything.id)
    assert (started.event, completed.event) == ("started", "completed")
    assert started.id != completed.id and started.url == "https://hooks.example.com/in"
    assert (completed.state, completed.attempts, completed.payload) == ("pending", 0, None)
    assert [d.event for d in store.webhook_deliveries(only_end.id)] == ["error"]
    assert store.webhook_deliveries(silent.id) == []


def test_a_retry_after_a_lost_lease_starts_nothing_new_and_canceling_sends_nothing(store: JobStore) -> None:
    key = make_key(store)
    job = store.create_job(hooked(key, max_attempts=3), **ROOMY)
    store.claim_jobs("w1", [MODEL_A], limit=1, lease_seconds=30)
    store.requeue_expired(now=time.time() + 60)
    store.claim_jobs("w2", [MODEL_A], limit=1, lease_seconds=30)
    store.cancel_job(job.id)
    assert [d.event for d in store.webhook_deliveries(job.id)] == ["started"]


@pytest.mark.timed  # a retry is not due 0.3 s before its time, and due 0.4 s after it
def test_deliveries_are_leased_to_one_sender_and_attempts_recorded(store: JobStore) -> None:
    key = make_key(store)
    job = store.create_job(hooked(key, events=("started",)), **ROOMY)
    store.claim_jobs("w1", [MODEL_A], limit=1, lease_seconds=30)
    (delivery,) = store.claim_webhook_deliveries("s1", limit=10, lease_seconds=30)
    assert delivery.job_id == job.id and delivery.event == "started"
    assert store.claim_webhook_deliveries("s2", limit=10, lease_seconds=30) == []
    assert not store.record_webhook_attempt(delivery.id, "s2", delivered=True, payload="{}")
    # A failed attempt with a retry time: kept pending, the first payload kept, not due before its time.
    assert store.record_webhook_attempt(delivery.id, "s1", delivered=False, payload='{"n": 1}', status_code=500,
                                        error="the receiver answered 500", retry_at=time.time() + 0.3)
    assert store.claim_webhook_deliveries("s2", limit=10, lease_seconds=30) == []
    time.sleep(0.4)
    (again,) = store.claim_webhook_deliveries("s2", limit=10, lease_seconds=30)
    assert (again.id, again.attempts, again.payload, again.last_status_code) == (delivery.id, 1, '{"n": 1}', 500)
    assert store.record_webhook_attempt(again.id, "s2", delivered=True, payload='{"n": 2}', status_code=204)
    (final,) = store.webhook_deliveries(job.id)
    assert (final.state, final.attempts, final.payload, final.last_status_code) == ("delivered", 2, '{"n": 1}', 204)
    assert final.delivered_at is not None and final.last_error is None
    assert store.claim_webhook_deliveries("s3", limit=10, lease_seconds=30) == []


def test_a_delivery_without_retry_fails_for_good_and_an_expired_lease_frees_it(store: JobStore) -> None:
    key = make_key(store)
    first = store.create_job(hooked(key, events=("started",)), **ROOMY)
    second = store.create_job(hooked(key, events=("started",)), **ROOMY)
    store.claim_jobs("w1", [MODEL_A], limit=2, lease_seconds=30)
    deliveries = store.claim_webhook_deliveries("s1", limit=10, lease_seconds=0.2)
    assert [d.job_id for d in deliveries] == [first.id, second.id]
    store.record_webhook_attempt(deliveries[0].id, "s1", delivered=False, payload="{}", error="not allowed")
    assert store.webhook_deliveries(first.id)[0].state == "failed"
    time.sleep(0.3)  # s1 died holding the second one: its lease runs out and another sender takes it
    (taken,) = store.claim_webhook_deliveries("s2", limit=10, lease_seconds=30)
    assert taken.id == deliveries[1].id and taken.attempts == 0
    assert not store.record_webhook_attempt(taken.id, "s1", delivered=True, payload="{}")


def test_concurrent_senders_never_claim_one_delivery_twice(store_factory: StoreFactory, store: JobStore) -> None:
    key = make_key(store)
    for _ in range(30):
        store.create_job(hooked(key, events=("started",)), **ROOMY)
    store.claim_jobs("w1", [MODEL_A], limit=30, lease_seconds=60)
    stores = [store_factory() for _ in range(4)]
    barrier = threading.Barrier(len(stores))
    claimed: list[str] = []

    def send(own: JobStore, owner: str) -> None:
        barrier.wait()
        while batch := own.claim_webhook_deliveries(owner, limit=3, lease_seconds=60):
            for delivery in batch:
                claimed.append(delivery.id)
                assert own.record_webhook_attempt(delivery.id, owner, delivered=True, payload="{}")

    threads = [threading.Thread(target=send, args=(s, f"s{i}")) for i, s in enumerate(stores)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    for own in stores:
        own.close()
    assert len(claimed) == 30 and len(set(claimed)) == 30
