"""Per-key budgets and refunds, as every backend must keep them: the audio a key may have queued or generating,
the bytes its finished generations may keep stored, and refunds of generations whose audio was never delivered."""

from __future__ import annotations

import dataclasses
import time

import pytest

from orchestrion.jobs import BudgetExceeded, FileRef, Job, JobStatus, JobStore, NewJob, TooManyQueued

from .test_store_conformance import MODEL_A, ROOMY, key_credits, make_key, new_job, wav


def work(key, seconds: float, **kwargs) -> NewJob:  # noqa: ANN001
    return dataclasses.replace(new_job(key, **kwargs), work_seconds=seconds)


def create_with(store: JobStore, job: NewJob, *, seconds: float | None = None,
                stored: int | None = None) -> Job:
    return store.create_job(job, **ROOMY, max_queued_seconds_per_key=seconds, max_stored_bytes_per_key=stored)


def _snapshot(store: JobStore) -> tuple:
    return store.count_by_status(), [(k.id, k.credits_used) for k in store.list_keys()]


def files_of(job, *sizes: int) -> list[FileRef]:  # noqa: ANN001
    return [FileRef(key=f"{job.id}/part{i}.wav", file_name=f"part{i}.wav", content_type="audio/wav", file_size=size)
            for i, size in enumerate(sizes)]


# -- work_seconds ----------------------------------------------------------------------------------------------
def test_work_seconds_reads_back(store: JobStore) -> None:
    key = make_key(store)
    created = store.create_job(work(key, 90.5), **ROOMY)
    assert created.work_seconds == 90.5 and store.get_job(created.id) == created
    assert store.create_job(new_job(key), **ROOMY).work_seconds == 0.0
    for bad in (-1.0, float("nan"), float("inf"), True, "30"):
        with pytest.raises((ValueError, TypeError)):
            store.create_job(work(key, bad), **ROOMY)  # type: ignore[arg-type]


# -- queued audio ------------------------------------------------------------------------------------------------
def test_queued_seconds_budget_allows_exactly_the_budget_and_refuses_a_second_more(store: JobStore) -> None:
    key, other = make_key(store), make_key(store)
    for _ in range(3):
        create_with(store, work(key, 30), seconds=100)
    create_with(store, work(other, 100), seconds=100)  # another key's work counts for that key only
    before = _snapshot(store)
    refused = work(key, 20)
    with pytest.raises(BudgetExceeded) as caught:
        create_with(store, refused, seconds=100)
    error = caught.value
    assert isinstance(error, TooManyQueued)  # callers that know only the older limit still answer 429
    assert (error.budget, error.limit, error.used) == ("queued_audio_seconds", 100, 90)
    assert "queued audio" in str(error) and "100 s" in str(error) and "90 s" in str(error)
    assert _snapshot(store) == before and store.get_job(refused.id) is None
    create_with(store, work(key, 10), seconds=100)  # 90 + 10 == the budget: allowed
    with pytest.raises(BudgetExceeded):
        create_with(store, work(key, 0.001), seconds=100)
    create_with(store, work(key, 0), seconds=100)  # no audio asked, nothing over


def test_fractional_seconds_add_up_exactly(store: JobStore) -> None:
    key = make_key(store)
    for _ in range(3):
        create_with(store, work(key, 0.1), seconds=0.3)  # 0.1 + 0.1 + 0.1 is not 0.3 in floating point
    with pytest.raises(BudgetExceeded):
        create_with(store, work(key, 0.1), seconds=0.3)


def test_queued_seconds_count_generating_jobs_and_free_when_jobs_end(store: JobStore) -> None:
    key = make_key(store)
    budget = {"seconds": 40}
    done, failed, canceled, retried = (create_with(store, work(key, 10), **budget) for _ in range(4))
    with pytest.raises(BudgetExceeded):
        create_with(store, work(key, 10), **budget)
    claimed = store.claim_jobs("w1", [MODEL_A], limit=4, lease_seconds=30)
    assert len(claimed) == 4
    with pytest.raises(BudgetExceeded):  # generating still counts
        create_with(store, work(key, 10), **budget)
    assert store.complete_job(done.id, "w1", files=[wav(done)], audio_seconds=10, engine_seconds=1)
    first = create_with(store, work(key, 10), **budget)
    with pytest.raises(BudgetExceeded):
        create_with(store, work(key, 10), **budget)
    assert store.fail_job(retried.id, "w1", error_name="x", error_message="y", retry=True)  # queued again: counts
    with pytest.raises(BudgetExceeded):
        create_with(store, work(key, 10), **budget)
    assert store.fail_job(failed.id, "w1", error_name="x", error_message="y")
    second = create_with(store, work(key, 10), **budget)
    store.cancel_job(canceled.id)
    third = create_with(store, work(key, 10), **budget)
    with pytest.raises(BudgetExceeded):
        create_with(store, work(key, 10), **budget)
    store.cancel_job(first.id)  # canceled while queued
    create_with(store, work(key, 10), **budget)
    assert all(store.get_job(j.id).status is JobStatus.QUEUED for j in (retried, second, third))


def test_a_lost_last_attempt_frees_its_seconds(store: JobStore) -> None:
    key = make_key(store)
    job = create_with(store, work(key, 30, max_attempts=1), seconds=30)
    (claimed,) = store.claim_jobs("w1", [MODEL_A], limit=1, lease_seconds=30)
    with pytest.raises(BudgetExceeded):
        create_with(store, work(key, 30), seconds=30)
    assert store.requeue_expired(now=claimed.lease_expires_at + 1) == 1
    assert store.get_job(job.id).status is JobStatus.ERROR
    create_with(store, work(key, 30), seconds=30)


# -- stored bytes ------------------------------------------------------------------------------------------------
def test_stored_bytes_count_completed_files_and_retention_frees_them(store: JobStore) -> None:
    key, other = make_key(store), make_key(store)
    assert store.stored_bytes(key.id) == 0 and store.stored_bytes("no-such-key") == 0
    first, second, failed = (create_with(store, new_job(key), stored=5000) for _ in range(3))
    store.claim_jobs("w1", [MODEL_A], limit=3, lease_seconds=30)
    assert store.complete_job(first.id, "w1", files=files_of(first, 1234, 3000), audio_seconds=1, engine_seconds=1)
    assert store.fail_job(failed.id, "w1", error_name="x", error_message="y")
    assert store.stored_bytes(key.id) == 4234 and store.stored_bytes(other.id) == 0
    create_with(store, new_job(key), stored=5000)  # 4234 is under the budget
    assert store.complete_job(second.id, "w1", files=files_of(second, 766), audio_seconds=1, engine_seconds=1)
    assert store.stored_bytes(key.id) == 5000
    before = _snapshot(store)
    refused = new_job(key)
    with pytest.raises(BudgetExceeded) as caught:
        create_with(store, refused, stored=5000)  # reaching the budget is enough: the next job adds bytes
    error = caught.value
    assert (error.budget, error.limit, error.used) == ("stored_bytes", 5000, 5000)
    assert "stored bytes" in str(error) and "retention" in str(error)
    assert _snapshot(store) == before and store.get_job(refused.id) is None
    create_with(store, new_job(other), stored=5000)  # another key's bytes are its own
    # Retention deletes the first generation: its bytes are free again. Deleting twice frees them once.
    assert store.delete_jobs([first.id, failed.id]) == 2
    assert store.delete_jobs([first.id]) == 0
    assert store.stored_bytes(key.id) == 766
    create_with(store, new_job(key), stored=5000)


def test_a_lost_workers_late_completion_stores_nothing(store: JobStore) -> None:
    key = make_key(store)
    job = create_with(store, new_job(key), stored=10)
    (claimed,) = store.claim_jobs("w1", [MODEL_A], limit=1, lease_seconds=30)
    store.requeue_expired(now=claimed.lease_expires_at + 1)
    (again,) = store.claim_jobs("w2", [MODEL_A], limit=1, lease_seconds=30)
    # The lost worker's late completion is refused, so its files never count.
    assert not store.complete_job(job.id, "w1", files=files_of(job, 999), audio_seconds=1, engine_seconds=1)
    assert store.stored_bytes(key.id) == 0
    assert store.complete_job(job.id, "w2", files=files_of(job, 7), audio_seconds=1, engine_seconds=1)
    assert store.stored_bytes(key.id) == 7 and again.id == job.id


def test_none_budgets_check_nothing(store: JobStore) -> None:
    key = make_key(store)
    big = create_with(store, work(key, 10**7), seconds=None, stored=None)
    store.claim_jobs("w1", [MODEL_A], limit=1, lease_seconds=30)
    store.complete_job(big.id, "w1", files=files_of(big, 10**12), audio_seconds=1, engine_seconds=1)
    create_with(store, work(key, 10**7), seconds=None, stored=None)
    store.create_job(work(key, 10**7), **ROOMY)  # the budgets' defaults are None
    assert store.stored_bytes(key.id) == 10**12


def test_an_idempotent_retry_is_answered_before_any_budget(store: JobStore) -> None:
    key = make_key(store)
    first = dataclasses.replace(work(key, 60), idempotency_key="once", request_hash="h")
    created = create_with(store, first, seconds=60)
    retry = dataclasses.replace(work(key, 60), idempotency_key="once", request_hash="h")
    assert create_with(store, retry, seconds=60).id == created.id
    assert key_credits(store, key) == 1


# -- refunds -----------------------------------------------------------------------------------------------------
def test_refund_gives_back_what_a_job_was_charged_once(store: JobStore) -> None:
    key, other = make_key(store), make_key(store)
    job = store.create_job(new_job(key, credits=3), **ROOMY)
    store.create_job(new_job(key, credits=2), **ROOMY)
    store.claim_jobs("w1", [MODEL_A], limit=1, lease_seconds=30)
    assert store.complete_job(job.id, "w1", files=[wav(job)], audio_seconds=1, engine_seconds=1)
    assert key_credits(store, key) == 5
    assert store.refund_job(job.id, other.id) is None and store.refund_job("no-such-id") is None
    assert key_credits(store, key) == 5
    refunded = store.refund_job(job.id, key.id)
    assert refunded.credits_used == 0 and refunded.status is JobStatus.COMPLETED and refunded.files == (wav(job),)
    assert store.get_job(job.id) == refunded and key_credits(store, key) == 2
    assert store.refund_job(job.id).credits_used == 0 and key_credits(store, key) == 2  # twice refunds once


def test_a_refunded_queued_job_is_not_refunded_again_when_canceled(store: JobStore) -> None:
    key = make_key(store, quota=4)
    job = store.create_job(new_job(key, credits=4), **ROOMY)
    store.create_job(new_job(key, credits=0), **ROOMY)
    assert store.refund_job(job.id).status is JobStatus.QUEUED and key_credits(store, key) == 0
    _, changed = store.cancel_job(job.id)
    assert changed and key_credits(store, key) == 0 and store.get_job(job.id).credits_used == 0
    store.create_job(new_job(key, credits=4), **ROOMY)  # the quota is whole again
    assert key_credits(store, key) == 4


def test_refund_leaves_the_job_otherwise_alone(store: JobStore) -> None:
    key = make_key(store)
    job = store.create_job(new_job(key, credits=2), **ROOMY)
    (claimed,) = store.claim_jobs("w1", [MODEL_A], limit=1, lease_seconds=30)
    time.sleep(0.01)
    refunded = store.refund_job(job.id)
    assert dataclasses.replace(refunded, credits_used=2, updated_at=claimed.updated_at) == claimed
    assert store.heartbeat(job.id, "w1", lease_seconds=30)  # the worker still holds it
