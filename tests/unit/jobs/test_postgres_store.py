"""What the PostgreSQL store adds to the shared contract (which ``tests/conformance`` checks on both stores):
waking idle workers, surviving a database restart, concurrent migrations, folded counters, clear errors.

These tests run their own PostgreSQL server (they stop and restart it). Without the server binaries they fail.
"""

from __future__ import annotations

import multiprocessing
import threading
import time
import uuid
from typing import Iterator

import pytest

from orchestrion.jobs import JobStatus, NewJob, StoreError, StoreUnavailable
from orchestrion.jobs.keys import generate_key, new_key_id
from orchestrion.jobs.postgres import PostgresJobStore
from tests.support.postgres import PostgresServer

from . import _upgrade

pytestmark = pytest.mark.timed  # wake-ups and outages are held to fractions of a second

MODEL = "test/tone"
ROOMY = {"max_queued_per_key": 10_000, "max_queued_total": 10_000}
SPAWN = multiprocessing.get_context("spawn")


@pytest.fixture(scope="module")
def server() -> Iterator[PostgresServer]:
    with PostgresServer() as pg:
        yield pg


@pytest.fixture
def url(server: PostgresServer) -> str:
    if not server.running:  # a test that failed mid-restart must not take the others down with it
        server.start()
    return server.new_database_url()


@pytest.fixture
def store(url: str) -> Iterator[PostgresJobStore]:
    opened = PostgresJobStore(url)
    opened.migrate()
    yield opened
    opened.close()


def add_key(store: PostgresJobStore) -> str:
    _, key_hash, prefix = generate_key()
    return store.create_key(key_id=new_key_id(), name="t", key_hash=key_hash, prefix=prefix, quota=None).id


def queue(store: PostgresJobStore, key_id: str, model: str = MODEL) -> str:
    job_id = f"{uuid.uuid4()}:tone"
    store.create_job(NewJob(id=job_id, key_id=key_id, model=model, engine_model=model, params={"prompt": "p"},
                            credits=1, max_attempts=3), **ROOMY)
    return job_id


def test_an_idle_worker_wakes_as_soon_as_a_job_is_queued(store: PostgresJobStore, url: str) -> None:
    worker_side = PostgresJobStore(url)
    key_id = add_key(store)
    try:
        worker_side.wait_for_jobs(0.01)  # starts listening
        timer = threading.Timer(0.3, lambda: queue(store, key_id))
        timer.start()
        started = time.monotonic()
        worker_side.wait_for_jobs(10)
        woke_after = time.monotonic() - started
        timer.join()
        assert 0.25 <= woke_after < 2, f"woke after {woke_after:.2f} s"
        # A job queued while the worker was busy (not waiting) is not slept through either.
        queue(store, key_id)
        time.sleep(0.2)
        started = time.monotonic()
        worker_side.wait_for_jobs(10)
        assert time.monotonic() - started < 1
        # With nothing announced, the wait lasts its whole timeout.
        started = time.monotonic()
        worker_side.wait_for_jobs(0.5)
        assert time.monotonic() - started >= 0.45
    finally:
        worker_side.close()


def test_requeued_and_released_jobs_are_announced_too(store: PostgresJobStore, url: str) -> None:
    worker_side = PostgresJobStore(url)
    key_id = add_key(store)
    job_id = queue(store, key_id)
    try:
        worker_side.wait_for_jobs(0.01)
        worker_side.wait_for_jobs(0.01)  # swallow the creation's announcement
        (claimed,) = store.claim_jobs("w1", [MODEL], limit=1, lease_seconds=30)
        assert claimed.id == job_id
        store.release_job(job_id, "w1")
        started = time.monotonic()
        worker_side.wait_for_jobs(10)
        assert time.monotonic() - started < 1
    finally:
        worker_side.close()


def test_the_store_answers_unavailable_while_the_database_is_down_then_heals(
        server: PostgresServer, store: PostgresJobStore) -> None:
    key_id = add_key(store)
    job_id = queue(store, key_id)
    store.wait_for_jobs(0.01)  # a listening connection, which the restart will break too
    server.stop("immediate")
    try:
        for call in (lambda: store.get_job(job_id), lambda: queue(store, key_id), store.ping,
                     lambda: store.claim_jobs("w1", [MODEL], limit=1, lease_seconds=30), store.count_by_status):
            started = time.monotonic()
            with pytest.raises(StoreUnavailable, match="job store unavailable"):
                call()
            assert time.monotonic() - started < 2, "a refused connection must fail fast"
        started = time.monotonic()
        store.wait_for_jobs(0.3)  # idle workers keep waiting, they do not crash
        assert 0.25 <= time.monotonic() - started < 2
    finally:
        server.start()
    # Every pooled connection died with the server; the first call after the restart already succeeds.
    assert store.get_job(job_id).status is JobStatus.QUEUED
    second = queue(store, key_id)
    assert [j.id for j in store.claim_jobs("w1", [MODEL], limit=5, lease_seconds=30)] == [job_id, second]
    assert store.count_by_status()[JobStatus.GENERATING] == 2
    store.wait_for_jobs(0.01)
    timer = threading.Timer(0.2, lambda: queue(store, key_id))
    timer.start()
    started = time.monotonic()
    store.wait_for_jobs(10)  # listening again on a new connection
    timer.join()
    assert time.monotonic() - started < 2


def _migrate(url: str, barrier, results) -> None:  # noqa: ANN001
    store = PostgresJobStore(url)
    barrier.wait()
    try:
        results.put(store.migrate())
    except BaseException as exc:  # the parent must learn why
        results.put(repr(exc))
    finally:
        store.close()


def test_processes_starting_together_migrate_once(url: str) -> None:
    count = 4
    barrier, results = SPAWN.Barrier(count), SPAWN.Queue()
    children = [SPAWN.Process(target=_migrate, args=(url, barrier, results)) for _ in range(count)]
    for child in children:
        child.start()
    versions = [results.get(timeout=60) for _ in range(count)]
    for child in children:
        child.join(30)
    assert len(set(versions)) == 1 and isinstance(versions[0], int) and versions[0] >= 2, versions
    import psycopg

    with psycopg.connect(url) as conn:
        rows = conn.execute("SELECT version FROM schema_migrations ORDER BY version").fetchall()
    assert [v for (v,) in rows] == list(range(1, versions[0] + 1))


def test_folded_counters_keep_their_totals(store: PostgresJobStore) -> None:
    import psycopg

    key_id = add_key(store)
    ids = [queue(store, key_id, model) for model in (MODEL, MODEL, MODEL, "test/other")]
    claimed = store.claim_jobs("w1", [MODEL], limit=2, lease_seconds=30)
    store.complete_job(claimed[0].id, "w1", files=[], audio_seconds=1, engine_seconds=1)
    store.fail_job(claimed[1].id, "w1", error_name="x", error_message="y")
    before = store.count_by_status()
    store._next_fold = 0.0  # fold now rather than in two seconds
    store.claim_jobs("w2", ["nothing/served"], limit=1, lease_seconds=30)
    with psycopg.connect(store.url) as conn:
        rows = conn.execute("SELECT count(*) FROM job_count_deltas").fetchone()[0]
        truth = dict(conn.execute("SELECT status, count(*) FROM jobs GROUP BY status").fetchall())
    assert rows == 4  # one row per (status, model) left: queued for each model, completed, error
    expected = {status: 0 for status in JobStatus} | {JobStatus(status): n for status, n in truth.items()}
    assert store.count_by_status() == before == expected
    assert store.queue_depth(MODEL) == 1 and store.queue_depth("test/other") == 1 and len(ids) == 4


def test_leases_use_the_database_clock(store: PostgresJobStore) -> None:
    key_id = add_key(store)
    queue(store, key_id)
    (job,) = store.claim_jobs("w1", [MODEL], limit=1, lease_seconds=30)
    import psycopg

    with psycopg.connect(store.url) as conn:
        (db_now,) = conn.execute("SELECT extract(epoch FROM now())::float8").fetchone()
    assert abs(job.lease_expires_at - 30 - db_now) < 5


def test_bad_urls_and_misuse_are_explained() -> None:
    with pytest.raises(ValueError, match="postgresql://"):
        PostgresJobStore("mysql://x")
    with pytest.raises(ValueError, match="invalid PostgreSQL URL"):
        PostgresJobStore("postgresql://host/db?no_such_option=1")
    store = PostgresJobStore("postgresql://me:secret@127.0.0.1:1/db")
    assert "secret" not in repr(store) and "me:***@127.0.0.1:1/db" in repr(store)
    with pytest.raises(StoreUnavailable):  # nothing listens on port 1
        store.migrate()


def test_an_unmigrated_database_is_a_store_error(url: str) -> None:
    store = PostgresJobStore(url)
    try:
        with pytest.raises(StoreError):
            store.ping()
        with pytest.raises(StoreError):
            store.get_job("x")
    finally:
        store.close()


def test_a_database_from_before_fair_claims_and_budgets_upgrades_keeping_its_data(url: str) -> None:
    import psycopg

    from orchestrion.jobs.migrate import load_migrations, run_migrations
    from orchestrion.jobs.postgres import POSTGRES_DIALECT

    migrations = load_migrations("orchestrion.jobs.migrations.postgres")
    with psycopg.connect(url) as conn:
        assert run_migrations(conn, migrations[:_upgrade.BEFORE], POSTGRES_DIALECT) == _upgrade.BEFORE
        _upgrade.seed(conn.execute, "%s")
    upgraded = PostgresJobStore(url)
    try:
        assert upgraded.migrate() == migrations[-1].version
        _upgrade.assert_upgraded(upgraded)
    finally:
        upgraded.close()
