"""The job store contract, as every backend must keep it (see ``orchestrion/jobs/store.py``)."""

from __future__ import annotations

import itertools
import time
import uuid

import pytest

from orchestrion.jobs import (
    ApiKey,
    FileRef,
    Job,
    JobStatus,
    JobStore,
    NewJob,
    QueueFull,
    QuotaExceeded,
    StoreError,
    TooManyQueued,
)
from orchestrion.jobs.keys import generate_key, hash_key, new_key_id

ROOMY = {"max_queued_per_key": 1000, "max_queued_total": 1000}
MODEL_A = "test/alpha"
MODEL_B = "test/beta"
_counter = itertools.count()


def make_key(store: JobStore, *, quota: int | None = None, name: str = "test") -> ApiKey:
    _, key_hash, prefix = generate_key()
    return store.create_key(key_id=new_key_id(), name=name, key_hash=key_hash, prefix=prefix, quota=quota)


def new_job(key: ApiKey, *, engine_model: str = MODEL_A, credits: int = 1, max_attempts: int = 3,
            **params: object) -> NewJob:
    return NewJob(id=f"{uuid.uuid4()}:{engine_model.rsplit('/', 1)[-1]}", key_id=key.id, model=f"alias/{engine_model}",
                  engine_model=engine_model, params={"prompt": f"piece {next(_counter)}", **params},
                  credits=credits, max_attempts=max_attempts)


def create(store: JobStore, key: ApiKey, **kwargs: object) -> Job:
    return store.create_job(new_job(key, **kwargs), **ROOMY)  # type: ignore[arg-type]


def wav(job: Job) -> FileRef:
    return FileRef(key=f"{job.id}/output.wav", file_name="output.wav", content_type="audio/wav", file_size=1234)


def key_credits(store: JobStore, key: ApiKey) -> int:
    return next(k.credits_used for k in store.list_keys() if k.id == key.id)


# -- lifecycle -------------------------------------------------------------------------------------------------
def test_migrate_is_idempotent_and_ping_answers(store: JobStore) -> None:
    version = store.migrate()
    assert version >= 1
    assert store.migrate() == version
    store.ping()


# -- creating and reading --------------------------------------------------------------------------------------
def test_created_job_reads_back_queued_with_its_parameters(store: JobStore) -> None:
    key = make_key(store)
    params = {"prompt": "Ünïcode ♫ strings", "seed": 2**32 - 1, "negative_prompt": None, "nested": {"a": [1, 2.5]}}
    before = time.time()
    created = store.create_job(NewJob(id="j-1:alpha", key_id=key.id, model="google/lyria2", engine_model=MODEL_A,
                                      params=params, credits=2, max_attempts=3), **ROOMY)
    read = store.get_job("j-1:alpha")
    assert read == created
    assert read.status is JobStatus.QUEUED and not read.status.is_terminal
    assert (read.model, read.engine_model, read.params) == ("google/lyria2", MODEL_A, params)
    assert (read.attempts, read.max_attempts, read.progress, read.credits_used) == (0, 3, 0.0, 2)
    assert before <= read.created_at <= time.time() and read.updated_at >= read.created_at
    assert read.started_at is None and read.completed_at is None and read.lease_owner is None
    assert read.files == () and read.audio_file is None and read.error_name is None
    assert key_credits(store, key) == 2


def test_unknown_job_and_another_keys_job_are_invisible(store: JobStore) -> None:
    mine, theirs = make_key(store), make_key(store)
    job = create(store, mine)
    assert store.get_job("no-such-id") is None
    assert store.get_job(job.id, key_id=theirs.id) is None
    assert store.get_job(job.id, key_id=mine.id) == job
    assert store.get_job(job.id) == job


def test_duplicate_job_id_or_unknown_key_is_refused_and_changes_nothing(store: JobStore) -> None:
    key = make_key(store)
    job = new_job(key)
    store.create_job(job, **ROOMY)
    with pytest.raises(StoreError):
        store.create_job(job, **ROOMY)
    ghost = NewJob(id="ghost:alpha", key_id="key_does_not_exist", model=MODEL_A, engine_model=MODEL_A,
                   params={"prompt": "x"}, credits=1, max_attempts=1)
    with pytest.raises(StoreError):
        store.create_job(ghost, **ROOMY)
    assert store.get_job("ghost:alpha") is None
    assert store.count_by_status()[JobStatus.QUEUED] == 1
    assert key_credits(store, key) == 1


def _snapshot(store: JobStore) -> tuple:
    return store.count_by_status(), [(k.id, k.credits_used) for k in store.list_keys()]


def test_queue_full_is_checked_first_and_changes_nothing(store: JobStore) -> None:
    key = make_key(store)
    for _ in range(3):
        store.create_job(new_job(key), max_queued_per_key=3, max_queued_total=3)
    before = _snapshot(store)
    refused = new_job(key)
    # Both limits are reached: the queue-wide one answers (503 before 429).
    with pytest.raises(QueueFull):
        store.create_job(refused, max_queued_per_key=3, max_queued_total=3)
    assert _snapshot(store) == before and store.get_job(refused.id) is None


def test_too_many_queued_counts_only_this_keys_queued_jobs(store: JobStore) -> None:
    busy, other = make_key(store), make_key(store)
    limits = {"max_queued_per_key": 2, "max_queued_total": 100}
    first = store.create_job(new_job(busy), **limits)
    store.create_job(new_job(busy), **limits)
    store.create_job(new_job(other), **limits)
    before = _snapshot(store)
    refused = new_job(busy)
    with pytest.raises(TooManyQueued):
        store.create_job(refused, **limits)
    assert _snapshot(store) == before and store.get_job(refused.id) is None
    # A job that started no longer counts against the key.
    (claimed,) = store.claim_jobs("w1", [MODEL_A], limit=1, lease_seconds=30)
    assert claimed.id == first.id
    store.create_job(refused, **limits)


def test_quota_allows_exactly_the_quota_and_refunds_reopen_it(store: JobStore) -> None:
    key = make_key(store, quota=3)
    first = create(store, key, credits=2)
    before = _snapshot(store)
    with pytest.raises(QuotaExceeded):
        create(store, key, credits=2)
    assert _snapshot(store) == before
    create(store, key, credits=1)  # 2 + 1 == quota: allowed
    assert key_credits(store, key) == 3
    with pytest.raises(QuotaExceeded):
        create(store, key, credits=1)
    store.claim_jobs("w1", [MODEL_A], limit=1, lease_seconds=30)
    assert store.fail_job(first.id, "w1", error_name="engine_failed", error_message="boom")
    assert key_credits(store, key) == 1
    create(store, key, credits=2)
    unlimited = make_key(store, quota=None)
    create(store, unlimited, credits=10**6)


# -- claiming --------------------------------------------------------------------------------------------------
def test_claim_takes_oldest_first_and_sets_the_lease(store: JobStore) -> None:
    key = make_key(store)
    jobs = [create(store, key) for _ in range(4)]
    before = time.time()
    claimed = store.claim_jobs("w1", [MODEL_A], limit=2, lease_seconds=30)
    assert [j.id for j in claimed] == [jobs[0].id, jobs[1].id]
    for job in claimed:
        assert job.status is JobStatus.GENERATING and job.attempts == 1 and job.lease_owner == "w1"
        assert before + 30 <= job.lease_expires_at <= time.time() + 30
        assert before <= job.started_at <= time.time()
        assert store.get_job(job.id) == job
    assert [j.id for j in store.claim_jobs("w2", [MODEL_A], limit=5, lease_seconds=30)] == [jobs[2].id, jobs[3].id]
    assert store.claim_jobs("w3", [MODEL_A], limit=5, lease_seconds=30) == []


def test_claim_batches_share_the_engine_model_of_the_oldest_job(store: JobStore) -> None:
    key = make_key(store)
    a1, b1, a2, b2, a3 = (create(store, key, engine_model=m) for m in (MODEL_A, MODEL_B, MODEL_A, MODEL_B, MODEL_A))
    first = store.claim_jobs("w1", [MODEL_B, MODEL_A], limit=10, lease_seconds=30)
    assert [j.id for j in first] == [a1.id, a2.id, a3.id]
    second = store.claim_jobs("w1", [MODEL_B, MODEL_A], limit=10, lease_seconds=30)
    assert [j.id for j in second] == [b1.id, b2.id]


def test_claim_only_serves_the_models_asked_for(store: JobStore) -> None:
    key = make_key(store)
    create(store, key, engine_model=MODEL_A)
    assert store.claim_jobs("w1", [MODEL_B], limit=1, lease_seconds=30) == []
    assert store.claim_jobs("w1", [], limit=1, lease_seconds=30) == []
    assert store.count_by_status()[JobStatus.QUEUED] == 1


def test_claim_rejects_nonsense_arguments(store: JobStore) -> None:
    with pytest.raises(ValueError):
        store.claim_jobs("w1", [MODEL_A], limit=0, lease_seconds=30)
    with pytest.raises(ValueError):
        store.claim_jobs("w1", [MODEL_A], limit=1, lease_seconds=0)


# -- heartbeats, completion, failure, release ------------------------------------------------------------------
def test_heartbeat_extends_the_lease_and_records_progress(store: JobStore) -> None:
    key = make_key(store)
    job = create(store, key)
    (claimed,) = store.claim_jobs("w1", [MODEL_A], limit=1, lease_seconds=5)
    assert store.heartbeat(job.id, "w1", lease_seconds=60, progress=0.4)
    now = store.get_job(job.id)
    assert now.progress == pytest.approx(0.4) and now.lease_expires_at > claimed.lease_expires_at + 50
    assert store.heartbeat(job.id, "w1", lease_seconds=60)  # progress left alone
    assert store.get_job(job.id).progress == pytest.approx(0.4)
    assert not store.heartbeat(job.id, "intruder", lease_seconds=60, progress=0.9)
    assert not store.heartbeat("no-such-id", "w1", lease_seconds=60)
    assert store.get_job(job.id).progress == pytest.approx(0.4)


def test_complete_records_files_and_timings_once(store: JobStore) -> None:
    key = make_key(store)
    job = create(store, key)
    store.claim_jobs("w1", [MODEL_A], limit=1, lease_seconds=30)
    midi = FileRef(f"{job.id}/score.mid", "score.mid", "audio/midi", 99, kind="midi")
    assert not store.complete_job(job.id, "intruder", files=[wav(job)], audio_seconds=1, engine_seconds=1)
    assert store.get_job(job.id).status is JobStatus.GENERATING
    assert store.complete_job(job.id, "w1", files=[wav(job), midi], audio_seconds=30.0, engine_seconds=4.5,
                              info={"seed": 7})
    done = store.get_job(job.id)
    assert done.status is JobStatus.COMPLETED and done.status.is_terminal
    assert done.files == (wav(job), midi) and done.audio_file == wav(job)
    assert (done.audio_seconds, done.engine_seconds, done.info, done.progress) == (30.0, 4.5, {"seed": 7}, 1.0)
    assert done.completed_at >= done.started_at and done.credits_used == 1
    assert key_credits(store, key) == 1
    # A second completion (a duplicate worker, a retry after a lost answer) is refused and changes nothing.
    assert not store.complete_job(job.id, "w1", files=[], audio_seconds=0, engine_seconds=0)
    assert store.get_job(job.id) == done
    assert not store.fail_job(job.id, "w1", error_name="late", error_message="late")
    assert not store.heartbeat(job.id, "w1", lease_seconds=30)
    assert not store.release_job(job.id, "w1")
    assert store.get_job(job.id) == done


def test_fail_with_retry_requeues_until_the_last_attempt_then_refunds(store: JobStore) -> None:
    key = make_key(store)
    job = create(store, key, credits=3, max_attempts=2)
    store.claim_jobs("w1", [MODEL_A], limit=1, lease_seconds=30)
    assert store.fail_job(job.id, "w1", error_name="engine_failed", error_message="out of memory", retry=True)
    again = store.get_job(job.id)
    assert again.status is JobStatus.QUEUED and again.attempts == 1 and again.lease_owner is None
    assert again.error_name is None and again.credits_used == 3 and key_credits(store, key) == 3
    (claimed,) = store.claim_jobs("w2", [MODEL_A], limit=1, lease_seconds=30)
    assert claimed.attempts == 2
    assert store.fail_job(job.id, "w2", error_name="engine_failed", error_message="out of memory", retry=True)
    final = store.get_job(job.id)
    assert final.status is JobStatus.ERROR and final.status.is_terminal
    assert (final.error_name, final.error_message) == ("engine_failed", "out of memory")
    assert final.credits_used == 0 and key_credits(store, key) == 0
    assert final.completed_at is not None


def test_fail_without_retry_ends_at_once_and_is_fenced(store: JobStore) -> None:
    key = make_key(store)
    job = create(store, key, credits=2, max_attempts=3)
    store.claim_jobs("w1", [MODEL_A], limit=1, lease_seconds=30)
    assert not store.fail_job(job.id, "intruder", error_name="x", error_message="y")
    assert store.get_job(job.id).status is JobStatus.GENERATING and key_credits(store, key) == 2
    assert store.fail_job(job.id, "w1", error_name="bad_prompt", error_message="cannot parse")
    final = store.get_job(job.id)
    assert final.status is JobStatus.ERROR and final.attempts == 1 and key_credits(store, key) == 0
    assert not store.fail_job(job.id, "w1", error_name="again", error_message="again")
    assert key_credits(store, key) == 0  # refunded once only


def test_release_hands_the_job_back_without_counting_the_attempt(store: JobStore) -> None:
    key = make_key(store)
    older, newer = create(store, key), create(store, key)
    (claimed,) = store.claim_jobs("w1", [MODEL_A], limit=1, lease_seconds=30)
    assert not store.release_job(older.id, "intruder")
    assert store.release_job(older.id, "w1")
    back = store.get_job(older.id)
    assert back.status is JobStatus.QUEUED and back.attempts == 0
    assert back.lease_owner is None and back.lease_expires_at is None
    assert not store.release_job(older.id, "w1")
    # It keeps its place at the head of the queue, and its first start time.
    (again,) = store.claim_jobs("w2", [MODEL_A], limit=1, lease_seconds=30)
    assert again.id == older.id and again.attempts == 1 and again.started_at == claimed.started_at
    assert store.get_job(newer.id).status is JobStatus.QUEUED


# -- lost leases -----------------------------------------------------------------------------------------------
def test_expired_lease_requeues_and_fences_the_lost_worker(store: JobStore) -> None:
    key = make_key(store)
    job = create(store, key, max_attempts=3)
    (first,) = store.claim_jobs("w1", [MODEL_A], limit=1, lease_seconds=30)
    assert store.requeue_expired(now=first.lease_expires_at - 1) == 0
    assert store.requeue_expired(now=first.lease_expires_at + 1) == 1
    queued = store.get_job(job.id)
    assert queued.status is JobStatus.QUEUED and queued.attempts == 1 and queued.lease_owner is None
    (second,) = store.claim_jobs("w2", [MODEL_A], limit=1, lease_seconds=30)
    assert second.attempts == 2 and second.lease_owner == "w2"
    # The first worker comes back: it may not touch the job any more.
    assert not store.heartbeat(job.id, "w1", lease_seconds=30, progress=0.9)
    assert not store.complete_job(job.id, "w1", files=[wav(job)], audio_seconds=1, engine_seconds=1)
    assert not store.fail_job(job.id, "w1", error_name="x", error_message="y")
    assert not store.release_job(job.id, "w1")
    assert store.get_job(job.id) == second
    assert store.complete_job(job.id, "w2", files=[wav(job)], audio_seconds=1, engine_seconds=1)
    assert store.get_job(job.id).status is JobStatus.COMPLETED


def test_last_lost_attempt_ends_in_error_with_refund(store: JobStore) -> None:
    key = make_key(store)
    job = create(store, key, credits=5, max_attempts=3)
    for attempt in range(1, 4):
        (claimed,) = store.claim_jobs(f"w{attempt}", [MODEL_A], limit=1, lease_seconds=30)
        assert claimed.attempts == attempt
        assert store.requeue_expired(now=claimed.lease_expires_at + 1) == 1
    final = store.get_job(job.id)
    assert final.status is JobStatus.ERROR and final.error_name == "worker_lost"
    assert "attempt 3 of 3" in final.error_message and "worker" in final.error_message
    assert final.credits_used == 0 and key_credits(store, key) == 0
    assert store.claim_jobs("w4", [MODEL_A], limit=1, lease_seconds=30) == []
    assert store.requeue_expired(now=time.time() + 3600) == 0


def test_claim_requeues_expired_leases_first(store: JobStore) -> None:
    key = make_key(store)
    job = create(store, key)
    store.claim_jobs("w1", [MODEL_A], limit=1, lease_seconds=0.05)
    time.sleep(0.1)
    (taken,) = store.claim_jobs("w2", [MODEL_A], limit=1, lease_seconds=30)
    assert taken.id == job.id and taken.attempts == 2 and taken.lease_owner == "w2"


# -- observation -----------------------------------------------------------------------------------------------
def test_queue_position_counts_jobs_ahead_for_the_same_model(store: JobStore) -> None:
    key = make_key(store)
    a0, b0, a1, a2 = (create(store, key, engine_model=m) for m in (MODEL_A, MODEL_B, MODEL_A, MODEL_A))
    assert [store.queue_position(j) for j in (a0, a1, a2, b0)] == [0, 1, 2, 0]
    store.claim_jobs("w1", [MODEL_A], limit=1, lease_seconds=30)
    assert store.queue_position(a0) is None  # generating: no longer queued
    assert [store.queue_position(j) for j in (a1, a2)] == [0, 1]
    ghost = Job(id="ghost", key_id=key.id, model=MODEL_A, engine_model=MODEL_A, params={},
                status=JobStatus.QUEUED, progress=0, attempts=0, max_attempts=1, created_at=0, updated_at=0)
    assert store.queue_position(ghost) is None


def test_counts_and_depth_follow_every_transition(store: JobStore) -> None:
    assert store.count_by_status() == {status: 0 for status in JobStatus}
    assert store.queue_depth() == 0 and store.queue_depth(MODEL_A) == 0
    key = make_key(store)
    jobs = [create(store, key, engine_model=m) for m in (MODEL_A,) * 4 + (MODEL_B,) * 2]
    assert store.queue_depth() == 6 and store.queue_depth(MODEL_A) == 4 and store.queue_depth(MODEL_B) == 2
    done, failed, running = store.claim_jobs("w1", [MODEL_A], limit=3, lease_seconds=30)
    store.complete_job(done.id, "w1", files=[wav(done)], audio_seconds=1, engine_seconds=1)
    store.fail_job(failed.id, "w1", error_name="x", error_message="y")
    assert store.count_by_status() == {JobStatus.QUEUED: 3, JobStatus.GENERATING: 1, JobStatus.COMPLETED: 1,
                                       JobStatus.ERROR: 1, JobStatus.CANCELED: 0}
    assert store.queue_depth(MODEL_A) == 1 and store.queue_depth("unknown/model") == 0
    store.release_job(running.id, "w1")
    assert store.count_by_status()[JobStatus.QUEUED] == 4 and store.count_by_status()[JobStatus.GENERATING] == 0
    assert sum(store.count_by_status().values()) == len(jobs)


def test_completion_stats_cover_completed_jobs_only(store: JobStore) -> None:
    empty = store.completion_stats([1.0, 60.0])
    assert empty == {"time_to_audio": {"buckets": [0, 0], "count": 0, "sum": 0},
                     "real_time_factor": {}}
    key = make_key(store)
    for model in (MODEL_A, MODEL_A, MODEL_B, MODEL_B):
        create(store, key, engine_model=model)
    a1, a2 = store.claim_jobs("w1", [MODEL_A], limit=2, lease_seconds=30)
    b1, b2 = store.claim_jobs("w1", [MODEL_B], limit=2, lease_seconds=30)
    store.complete_job(a1.id, "w1", files=[wav(a1)], audio_seconds=30, engine_seconds=3)
    store.complete_job(a2.id, "w1", files=[wav(a2)], audio_seconds=10, engine_seconds=2)
    store.complete_job(b1.id, "w1", files=[wav(b1)], audio_seconds=8, engine_seconds=16)
    store.fail_job(b2.id, "w1", error_name="x", error_message="y")  # errors are not time-to-audio
    stats = store.completion_stats([-1.0, 3600.0, float("inf")])
    tta = stats["time_to_audio"]
    assert tta["count"] == 3 and tta["buckets"] == [0, 3, 3]
    expected_sum = sum(store.get_job(j.id).completed_at - store.get_job(j.id).created_at for j in (a1, a2, b1))
    assert tta["sum"] == pytest.approx(expected_sum) and 0 <= tta["sum"] < 60
    assert stats["real_time_factor"] == {
        MODEL_A: {"audio_seconds": 40.0, "engine_seconds": 5.0, "count": 2},
        MODEL_B: {"audio_seconds": 8.0, "engine_seconds": 16.0, "count": 1},
    }


# -- workers ---------------------------------------------------------------------------------------------------
def test_worker_presence_upserts_and_ages_out(store: JobStore) -> None:
    assert store.live_workers(60) == []
    store.record_worker("w1", engine_models=[MODEL_A], state="loading")
    store.record_worker("w2", engine_models=[MODEL_A, MODEL_B], state="ready")
    store.record_worker("w1", engine_models=[MODEL_A, MODEL_B], state="ready")
    live = store.live_workers(60)
    assert [(w["worker_id"], w["engine_models"], w["state"]) for w in live] == [
        ("w1", [MODEL_A, MODEL_B], "ready"), ("w2", [MODEL_A, MODEL_B], "ready")]
    assert all(time.time() - 5 < w["seen_at"] <= time.time() for w in live)
    store.record_worker("w2", engine_models=[MODEL_A], state="stopped")
    assert [w["worker_id"] for w in store.live_workers(60)] == ["w1"]
    time.sleep(0.05)
    assert store.live_workers(0.01) == []
    with pytest.raises(ValueError):
        store.record_worker("w3", engine_models=[], state="sleeping")


# -- keys ------------------------------------------------------------------------------------------------------
def test_keys_are_found_by_hash_and_listed(store: JobStore) -> None:
    assert store.count_keys() == 0 and store.list_keys() == []
    plaintext, key_hash, prefix = generate_key()
    created = store.create_key(key_id="key_one", name="ci", key_hash=key_hash, prefix=prefix, quota=100)
    assert (created.id, created.name, created.prefix, created.quota, created.credits_used) == (
        "key_one", "ci", prefix, 100, 0)
    assert not created.revoked
    assert store.key_by_hash(hash_key(plaintext)) == created
    assert store.key_by_hash(hash_key(plaintext + "x")) is None
    second = make_key(store, name="second")
    assert [k.id for k in store.list_keys()] == ["key_one", second.id]
    assert store.count_keys() == 2
    with pytest.raises(StoreError):  # the same key stored twice
        store.create_key(key_id="key_two", name="dup", key_hash=key_hash, prefix=prefix, quota=None)
    assert store.count_keys() == 2


def test_revoke_by_id_prefix_or_unique_beginning(store: JobStore) -> None:
    one = store.create_key(key_id="key_1", name="one", key_hash=hash_key("a"), prefix="orc_aaaa1111", quota=None)
    two = store.create_key(key_id="key_2", name="two", key_hash=hash_key("b"), prefix="orc_aaaa2222", quota=None)
    three = store.create_key(key_id="key_3", name="three", key_hash=hash_key("c"), prefix="orc_bbbb3333", quota=None)
    assert store.revoke_key("nothing-like-it") is None
    with pytest.raises(ValueError):
        store.revoke_key("orc_aaaa")  # two keys start this way
    assert not any(k.revoked for k in store.list_keys())
    revoked = store.revoke_key("key_1")
    assert revoked.id == one.id and revoked.revoked and store.key_by_hash(hash_key("a")).revoked
    assert store.revoke_key("orc_aaaa2222").id == two.id
    assert store.revoke_key("orc_bbbb").id == three.id
    # Revoking again keeps the first revocation time.
    assert store.revoke_key("key_1").revoked_at == revoked.revoked_at
    assert all(k.revoked for k in store.list_keys())
