"""The embedded job store: one SQLite file in WAL mode, shared by the API process and its worker processes.

The rules are :class:`.sql_store.SQLJobStore`'s; this module gives them SQLite's connections and what SQLite does
its own way. Every write is one ``BEGIN IMMEDIATE`` transaction (see :mod:`._sqlite_connections`), so admission
control, claims and the fencing checks read and write with no other writer in between: no job is claimed twice and
no limit is overshot, whichever processes race, without row locks. Counts per status live in ``job_counts``, kept
by triggers, so admission control and ``/metrics`` read a handful of rows instead of scanning 10,000 queued jobs.
Claims are fair across keys (round-robin, see :mod:`._policy`): ``key_queues``, kept by triggers, holds one row per
key and engine model with queued jobs, ordered by the key's turn, so the key whose turn it is is one index step
away and its oldest job another; the per-key usage the budgets read (queued work, stored bytes) are counters on
``api_keys``, kept by triggers too (migration 0004).
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from typing import Callable, Sequence, TypeVar

from ._policy import claim_order, keys_by_last_claim
from ._rows import dumps
from ._sqlite_connections import SQLITE_DIALECT, SQLiteConnections
from .migrate import load_migrations, run_migrations
from .models import Job
from .queries import load_queries
from .sql_store import SHARED_QUERIES, SQLJobStore

__all__ = ["SQLiteJobStore", "SQLITE_DIALECT"]

T = TypeVar("T")

_MIGRATIONS_PACKAGE = "orchestrion.jobs.migrations.sqlite"


class SQLiteJobStore(SQLJobStore):
    """The :class:`JobStore` on one SQLite file. Call :meth:`migrate` once before use (any process may)."""

    local_reads = True  # WAL readers never block and never leave the machine
    _q = load_queries("sqlite", required=SHARED_QUERIES)

    def __init__(self, path: Path | str, *, busy_timeout: float = 5.0) -> None:
        if busy_timeout < 0:
            raise ValueError(f"busy_timeout must not be negative, got {busy_timeout!r}")
        self.path = Path(path)
        self.busy_timeout = float(busy_timeout)
        self._db = SQLiteConnections(self.path, self.busy_timeout)
        # Bound once: get_job runs thousands of times a second and each saved call layer shows.
        self._write = self._db.write
        self._read_all = self._db.read
        self._read_one = self._db.read_one

    def __repr__(self) -> str:
        return f"SQLiteJobStore({str(self.path)!r})"

    def __reduce__(self) -> tuple:
        # A pickled store (handed to a spawned process) reopens the same file with fresh connections.
        return (_reopen, (str(self.path), self.busy_timeout))

    # -- connections -------------------------------------------------------------------------------------------
    def _conn(self) -> sqlite3.Connection:
        return self._db.get()

    def _transaction(self, work: Callable[[sqlite3.Connection], T]) -> T:
        with self._write() as conn:
            return work(conn)

    def _array(self, values: list) -> str:
        return dumps(values)  # read back with json_each (see .queries)

    # -- lifecycle ---------------------------------------------------------------------------------------------
    def migrate(self) -> int:
        migrations = load_migrations(_MIGRATIONS_PACKAGE)
        # Processes starting together all try; run_migrations rolls back on "busy", so a retry starts clean.
        return self._db.run(lambda conn: run_migrations(conn, migrations, SQLITE_DIALECT))

    def close(self) -> None:
        self._db.close()

    def wait_for_jobs(self, timeout: float) -> None:
        """Sleep up to ``timeout``, returning early when another connection commits a change to the file."""
        deadline = time.monotonic() + max(0.0, timeout)
        start = self._read_one("PRAGMA data_version")
        while time.monotonic() < deadline:
            time.sleep(min(0.02, max(0.0, deadline - time.monotonic())))
            if self._read_one("PRAGMA data_version") != start:
                return

    # -- claims ------------------------------------------------------------------------------------------------
    def _claim(self, worker_id: str, models: list[str], limit: int, lease_seconds: float) -> list[Job]:
        if not self._claimable(models):
            return []
        q = self._q
        with self._write() as conn:
            self._requeue_in(conn, None)
            chosen = self._fair_choice(conn, models, limit)
            if not chosen:
                return []
            # The keys move to new turns in the order they were served, behind every key waiting now.
            order = keys_by_last_claim([key for key, _ in chosen])
            (last,) = conn.execute(q.advance_clock, {"turns": len(order)}).fetchone()
            for turn, key in enumerate(order, start=last - len(order) + 1):
                conn.execute(q.key_turn, {"turn": turn, "key_id": key})
                conn.execute(q.key_queue_turn, {"turn": turn, "key_id": key})
            seqs = [seq for _, seq in chosen]
            values: dict[str, object] = {f"seq{i}": seq for i, seq in enumerate(seqs)}
            values.update(worker=worker_id, lease=lease_seconds, now=time.time())
            marks = ", ".join(f":seq{i}" for i in range(len(seqs)))
            rows = conn.execute(q.claim.replace("(:seqs)", f"({marks})"), values).fetchall()
        return self._in_claim_order(rows, seqs)

    def _fair_choice(self, conn: sqlite3.Connection, models: list[str], limit: int) -> list[tuple[str, int]]:
        """``(key id, seq)`` of the jobs a claim takes, in the order it takes them (see ``claim_jobs``)."""
        q = self._q
        # The next job: per model, the key whose turn it is; between models, the lower turn, then the older job.
        best: tuple[int, int, str, str] | None = None
        for model in models:
            row = conn.execute(q.key_in_turn, {"engine_model": model}).fetchone()
            if row is None:
                continue
            (head,) = conn.execute(q.key_head, {"key_id": row[0], "engine_model": model}).fetchone()
            if head is not None and (best is None or (row[1], head) < best[:2]):
                best = (row[1], head, model, row[0])
        if best is None:
            return []
        _, head, model, key = best
        if limit == 1:
            return [(key, head)]
        # A batch: within that model, the keys in turn order each give their oldest job, then their next ...
        keys = [k for (k,) in conn.execute(q.keys_in_turn, {"engine_model": model, "limit": limit})]
        queues = [[(k, seq) for (seq,) in conn.execute(q.key_queue, {"key_id": k, "engine_model": model,
                                                                      "limit": limit})] for k in keys]
        return claim_order(queues, limit)

    def _claimable(self, models: list[str]) -> bool:
        # Idle workers poll; answering "nothing to do" from a plain read keeps them off the write lock.
        if self._read_one(self._q.any_expired_lease, {"now": time.time()}):
            return True
        return any(self._read_one(self._q.any_queued, {"engine_model": model}) for model in models)

    # -- observation -------------------------------------------------------------------------------------------
    def _completion_rows(self, bounds: list[float]) -> tuple[Sequence, Sequence]:
        per_bucket = "".join(", COALESCE(SUM(d <= ?), 0)" for _ in bounds)

        def aggregate(conn: sqlite3.Connection) -> tuple[tuple, list[tuple]]:
            # One snapshot for both aggregates.
            conn.execute("BEGIN")
            try:
                histogram = conn.execute(
                    f"SELECT COUNT(*), COALESCE(SUM(d), 0){per_bucket}"
                    " FROM (SELECT completed_at - created_at AS d FROM jobs WHERE status = 'completed')",
                    bounds).fetchone()
                per_model = conn.execute(
                    "SELECT engine_model, COALESCE(SUM(audio_seconds), 0), COALESCE(SUM(engine_seconds), 0),"
                    " COUNT(*) FROM jobs WHERE status = 'completed' GROUP BY engine_model ORDER BY engine_model"
                ).fetchall()
            finally:
                conn.execute("COMMIT")
            return histogram, per_model

        return self._db.run(aggregate)


def _reopen(path: str, busy_timeout: float) -> SQLiteJobStore:
    return SQLiteJobStore(path, busy_timeout=busy_timeout)
