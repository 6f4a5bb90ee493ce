"""What is particular to the SQLite store: pragmas, locks mapped to StoreUnavailable, connections per thread and
process, and wake-ups (the input checks every backend shares are in ``tests/conformance/test_store_input.py``)."""

from __future__ import annotations

import multiprocessing
import pickle
import sqlite3
import threading
import time
from pathlib import Path
from typing import Iterator

import pytest

from orchestrion.jobs import JobStatus, NewJob, StoreUnavailable
from orchestrion.jobs.keys import generate_key
from orchestrion.jobs.sqlite import SQLiteJobStore

ROOMY = {"max_queued_per_key": 100, "max_queued_total": 100}


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SQLiteJobStore]:
    opened = SQLiteJobStore(tmp_path / "store.db", busy_timeout=0.2)
    opened.migrate()
    yield opened
    opened.close()


def _job(store: SQLiteJobStore, job_id: str = "j1", **overrides: object) -> NewJob:
    if store.count_keys() == 0:
        _, key_hash, prefix = generate_key()
        store.create_key(key_id="k1", name="t", key_hash=key_hash, prefix=prefix, quota=None)
    values = {"id": job_id, "key_id": "k1", "model": "m", "engine_model": "m", "params": {"prompt": "p"},
              "credits": 1, "max_attempts": 3, **overrides}
    return NewJob(**values)  # type: ignore[arg-type]


def test_connections_use_wal_normal_sync_and_foreign_keys(store: SQLiteJobStore) -> None:
    conn = store._conn()
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL
    assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    # The store waits for locks itself (short retries); SQLite's own backoff would sleep up to 100 ms a try.
    assert conn.execute("PRAGMA busy_timeout").fetchone()[0] == 0


@pytest.mark.timed
def test_a_write_lock_held_past_the_timeout_is_store_unavailable(store: SQLiteJobStore) -> None:
    store.create_job(_job(store, "before"), **ROOMY)
    blocker = sqlite3.connect(store.path, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    try:
        started = time.monotonic()
        with pytest.raises(StoreUnavailable, match="locked"):
            store.create_job(_job(store, "blocked"), **ROOMY)
        assert 0.15 < time.monotonic() - started < 3
        with pytest.raises(StoreUnavailable):
            store.claim_jobs("w1", ["m"], limit=1, lease_seconds=30)
        # WAL: readers are not blocked by the writer.
        assert store.get_job("before") is not None and store.queue_depth() == 1
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    assert store.get_job("blocked") is None
    store.create_job(_job(store, "after"), **ROOMY)
    assert store.queue_depth() == 2


@pytest.mark.timed
def test_many_threads_writing_at_once_all_succeed_promptly(store: SQLiteJobStore) -> None:
    store.create_job(_job(store, "warm"), **ROOMY)
    store.busy_timeout = store._db.busy_timeout = 5.0
    latencies: list[float] = []
    errors: list[BaseException] = []

    def create_many(thread: int) -> None:
        for i in range(20):
            started = time.perf_counter()
            try:
                store.create_job(_job(store, f"t{thread}-{i}"), max_queued_per_key=1000, max_queued_total=1000)
            except BaseException as exc:  # noqa: BLE001 - reported below
                errors.append(exc)
            latencies.append(time.perf_counter() - started)

    threads = [threading.Thread(target=create_many, args=(t,)) for t in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == [] and store.queue_depth() == 1 + 16 * 20
    assert max(latencies) < 2.0


def test_unmigrated_or_unopenable_database_fails_ping(tmp_path: Path) -> None:
    with pytest.raises(StoreUnavailable):
        SQLiteJobStore(tmp_path / "never-migrated.db").ping()
    (tmp_path / "a-folder.db").mkdir()
    with pytest.raises(StoreUnavailable):
        SQLiteJobStore(tmp_path / "a-folder.db").ping()


def test_each_thread_gets_its_own_connection_and_close_reopens(store: SQLiteJobStore) -> None:
    seen: list[sqlite3.Connection] = []
    thread = threading.Thread(target=lambda: seen.append(store._conn()))
    thread.start()
    thread.join()
    assert seen[0] is not store._conn()
    store.create_job(_job(store), **ROOMY)
    store.close()
    assert store.get_job("j1") is not None  # a closed store reopens lazily


def _use_in_child(store: SQLiteJobStore, results) -> None:  # noqa: ANN001
    try:
        store.create_job(_job(store, "from-child"), **ROOMY)
        results.put(store.get_job("from-parent").status.value)
    except BaseException as exc:
        results.put(repr(exc))


@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_store_crosses_into_forked_and_spawned_processes(store: SQLiteJobStore, method: str) -> None:
    store.create_job(_job(store, "from-parent"), **ROOMY)  # the parent's connection is open before the fork
    ctx = multiprocessing.get_context(method)
    results = ctx.Queue()
    child = ctx.Process(target=_use_in_child, args=(store, results))
    child.start()
    assert results.get(timeout=60) == "queued"
    child.join(30)
    assert child.exitcode == 0
    assert store.get_job("from-child").status is JobStatus.QUEUED
    assert store.queue_depth() == 2


def test_pickled_store_opens_the_same_file(store: SQLiteJobStore) -> None:
    store.create_job(_job(store), **ROOMY)
    copy = pickle.loads(pickle.dumps(store))
    assert copy.path == store.path and copy.busy_timeout == store.busy_timeout
    assert copy.get_job("j1") == store.get_job("j1")
    copy.close()


@pytest.mark.timed
def test_wait_for_jobs_wakes_on_a_commit_and_otherwise_waits(store: SQLiteJobStore) -> None:
    started = time.monotonic()
    store.wait_for_jobs(0.15)
    assert time.monotonic() - started >= 0.14
    other = SQLiteJobStore(store.path)
    timer = threading.Timer(0.1, lambda: other.create_job(_job(other, "wake"), **ROOMY))
    timer.start()
    started = time.monotonic()
    store.wait_for_jobs(10)
    assert time.monotonic() - started < 2
    timer.join()
    other.close()
