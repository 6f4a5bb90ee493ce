"""What every backend refuses before it reaches the database, the one order in which admission checks its rules,
and a store crossing into another process by pickle."""

from __future__ import annotations

import dataclasses
import math
import pickle

import pytest

from orchestrion.jobs import (
    BudgetExceeded,
    IdempotencyConflict,
    JobStatus,
    JobStore,
    NewJob,
    QueueFull,
    QuotaExceeded,
    StoreError,
    TooManyActive,
    TooManyQueued,
)

from .test_store_conformance import MODEL_A, ROOMY, _snapshot, create, make_key, new_job

# -- input checks ----------------------------------------------------------------------------------------------
BAD_NEW_JOBS = [
    ({"params": {"not json": {1, 2}}}, TypeError),
    ({"params": ["a", "list"]}, TypeError),
    ({"credits": -1}, ValueError),
    ({"credits": True}, ValueError),
    ({"credits": 1.5}, ValueError),
    ({"max_attempts": 0}, ValueError),
    ({"max_attempts": True}, ValueError),
    ({"work_seconds": -1.0}, ValueError),
    ({"work_seconds": math.nan}, ValueError),
    ({"work_seconds": math.inf}, ValueError),
    ({"work_seconds": "30"}, ValueError),
    ({"webhook_url": "https://hooks.example/x", "webhook_events": ("started", "exploded")}, ValueError),
    ({"webhook_url": "https://hooks.example/x", "webhook_events": ()}, ValueError),
]


@pytest.mark.parametrize(("change", "error"), BAD_NEW_JOBS, ids=[next(iter(c)) + "-" + repr(next(iter(c.values())))
                                                                 for c, _ in BAD_NEW_JOBS])
def test_a_malformed_new_job_is_refused_and_changes_nothing(store: JobStore, change: dict, error: type) -> None:
    key = make_key(store)
    before = _snapshot(store)
    bad = dataclasses.replace(new_job(key), **change)
    with pytest.raises(error):
        store.create_job(bad, **ROOMY)
    assert _snapshot(store) == before and store.get_job(bad.id) is None


@pytest.mark.parametrize("lease", [0, -1, math.nan, math.inf, "30", None])
def test_every_lease_must_be_a_positive_finite_number(store: JobStore, lease: object) -> None:
    key = make_key(store)
    job = create(store, key)
    with pytest.raises(ValueError):
        store.claim_jobs("w1", [MODEL_A], limit=1, lease_seconds=lease)  # type: ignore[arg-type]
    assert store.get_job(job.id).status is JobStatus.QUEUED  # nothing was claimed
    store.claim_jobs("w1", [MODEL_A], limit=1, lease_seconds=30)
    with pytest.raises(ValueError):
        store.heartbeat(job.id, "w1", lease_seconds=lease)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        store.claim_webhook_deliveries("sender", limit=1, lease_seconds=lease)  # type: ignore[arg-type]


def test_claims_take_a_list_of_models_and_a_positive_limit(store: JobStore) -> None:
    key = make_key(store)
    job = create(store, key)
    with pytest.raises(TypeError):
        store.claim_jobs("w1", MODEL_A, limit=1, lease_seconds=30)  # one string is not a list of models
    with pytest.raises(ValueError):
        store.claim_jobs("w1", [MODEL_A], limit=0, lease_seconds=30)
    assert store.get_job(job.id).status is JobStatus.QUEUED
    # Repeated models count once.
    assert [j.id for j in store.claim_jobs("w1", [MODEL_A, MODEL_A], limit=2, lease_seconds=30)] == [job.id]


@pytest.mark.parametrize("progress", [math.nan, "0.5"])
def test_progress_must_be_a_number(store: JobStore, progress: object) -> None:
    key = make_key(store)
    job = create(store, key)
    store.claim_jobs("w1", [MODEL_A], limit=1, lease_seconds=30)
    with pytest.raises(ValueError):
        store.heartbeat(job.id, "w1", lease_seconds=30, progress=progress)  # type: ignore[arg-type]
    assert store.get_job(job.id).progress == 0.0


def test_progress_out_of_range_is_clamped_not_refused(store: JobStore) -> None:
    key = make_key(store)
    job = create(store, key)
    store.claim_jobs("w1", [MODEL_A], limit=1, lease_seconds=30)
    assert store.heartbeat(job.id, "w1", lease_seconds=30, progress=7)
    assert store.get_job(job.id).progress == 1.0
    assert store.heartbeat(job.id, "w1", lease_seconds=30, progress=-3)
    assert store.get_job(job.id).progress == 0.0


@pytest.mark.parametrize("limit", [0, -1, True, "3", 2.0])
def test_history_pages_take_a_positive_integer_limit(store: JobStore, limit: object) -> None:
    key = make_key(store)
    create(store, key)
    with pytest.raises(ValueError):
        store.list_jobs(key.id, limit=limit)  # type: ignore[arg-type]


@pytest.mark.parametrize("buckets", [[10, 1], [1, math.nan]])
def test_histogram_buckets_must_ascend(store: JobStore, buckets: list) -> None:
    with pytest.raises(ValueError):
        store.completion_stats(buckets)


@pytest.mark.parametrize("quota", [-5, True, "5", 1.5])
def test_a_quota_is_a_non_negative_integer(store: JobStore, quota: object) -> None:
    with pytest.raises(ValueError):
        store.create_key(key_id="k2", name="n", key_hash="h2", prefix="p2", quota=quota)  # type: ignore[arg-type]
    assert store.count_keys() == 0


def test_revoking_needs_a_name_and_workers_a_known_state(store: JobStore) -> None:
    with pytest.raises(ValueError):
        store.revoke_key("  ")
    with pytest.raises(ValueError):
        store.record_worker("w1", engine_models=[MODEL_A], state="sleeping")
    assert store.live_workers(60) == []


def test_completion_takes_file_records(store: JobStore) -> None:
    key = make_key(store)
    job = create(store, key)
    store.claim_jobs("w1", [MODEL_A], limit=1, lease_seconds=30)
    not_a_file_ref = {"key": "x"}
    with pytest.raises(TypeError):
        store.complete_job(job.id, "w1", files=[not_a_file_ref], audio_seconds=1, engine_seconds=1)  # type: ignore
    assert store.get_job(job.id).status is JobStatus.GENERATING


def test_a_retried_failure_is_kept_in_info_while_the_job_waits(store: JobStore) -> None:
    key = make_key(store)
    job = create(store, key)
    store.claim_jobs("w1", [MODEL_A], limit=1, lease_seconds=30)
    assert store.fail_job(job.id, "w1", error_name="engine_failed", error_message="oom", retry=True)
    waiting = store.get_job(job.id)
    assert waiting.status is JobStatus.QUEUED and waiting.error_name is None
    assert waiting.info["last_error"] == {"name": "engine_failed", "message": "oom", "attempt": 1}


# -- the order of admission checks ------------------------------------------------------------------------------
#: Every limit set so that the next job passes all of them.
OPEN = {"max_queued_per_key": 10, "max_queued_total": 10, "max_active_per_key": 10,
        "max_queued_seconds_per_key": 1000.0}


def test_an_unknown_key_is_refused_before_any_limit(store: JobStore) -> None:
    ghost = NewJob(id="ghost:alpha", key_id="key_does_not_exist", model=MODEL_A, engine_model=MODEL_A,
                   params={"prompt": "x"}, credits=1, max_attempts=1)
    with pytest.raises(StoreError) as caught:
        store.create_job(ghost, max_queued_per_key=0, max_queued_total=0, max_active_per_key=0)
    assert not isinstance(caught.value, (QueueFull, TooManyQueued)) and "unknown key" in str(caught.value)


def test_an_idempotent_retry_is_answered_before_every_limit_and_the_quota(store: JobStore) -> None:
    key = make_key(store, quota=1)
    first = dataclasses.replace(new_job(key), idempotency_key="once", request_hash="h", work_seconds=60.0)
    created = store.create_job(first, **OPEN)
    before = _snapshot(store)
    shut = {"max_queued_per_key": 1, "max_queued_total": 1, "max_active_per_key": 1,
            "max_queued_seconds_per_key": 60.0, "max_stored_bytes_per_key": 0}
    retry = dataclasses.replace(new_job(key), idempotency_key="once", request_hash="h", work_seconds=60.0)
    assert store.create_job(retry, **shut).id == created.id
    conflicting = dataclasses.replace(new_job(key), idempotency_key="once", request_hash="other")
    with pytest.raises(IdempotencyConflict):
        store.create_job(conflicting, **shut)
    assert _snapshot(store) == before


def test_admission_checks_the_queue_then_the_keys_counts_then_budgets_then_quota(store: JobStore) -> None:
    key = make_key(store, quota=1)
    held = create(store, key, credits=1)  # the whole quota, one queued job
    store.claim_jobs("w1", [MODEL_A], limit=1, lease_seconds=30)  # generating: active, not queued
    create(store, key, credits=0)  # one queued job
    before = _snapshot(store)
    # Every rule is broken; loosening them one by one shows the order they are checked in.
    limits = {"max_queued_total": 1, "max_queued_per_key": 1, "max_active_per_key": 2,
              "max_queued_seconds_per_key": 0.5}
    expected = [("max_queued_total", 100, QueueFull), ("max_queued_per_key", 100, TooManyQueued),
                ("max_active_per_key", 100, TooManyActive), ("max_queued_seconds_per_key", 1000.0, BudgetExceeded),
                (None, None, QuotaExceeded)]
    for loosen, value, error in expected:
        job = dataclasses.replace(new_job(key, credits=1), work_seconds=1.0)
        with pytest.raises(StoreError) as caught:
            store.create_job(job, **limits)
        assert type(caught.value) is error, f"expected {error.__name__}, got {caught.value!r}"
        assert _snapshot(store) == before and store.get_job(job.id) is None
        if loosen is not None:
            limits[loosen] = value
    assert store.get_job(held.id).status is JobStatus.GENERATING


# -- crossing into another process -------------------------------------------------------------------------------
def test_a_pickled_store_opens_the_same_database(store: JobStore) -> None:
    key = make_key(store)
    job = create(store, key)
    copy = pickle.loads(pickle.dumps(store))
    try:
        assert type(copy) is type(store) and repr(copy) == repr(store)
        assert copy.get_job(job.id) == store.get_job(job.id)
        created = create(copy, key)
        assert store.get_job(created.id) == created
    finally:
        copy.close()
