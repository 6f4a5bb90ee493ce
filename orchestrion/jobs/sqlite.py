"""The embedded job store: one SQLite file in WAL mode, shared by the API process and its worker processes.

Every write is one ``BEGIN IMMEDIATE`` transaction (see :mod:`._sqlite_connections`), so admission control, claims
and the fencing checks read and write with no other writer in between: no job is claimed twice and no limit is
overshot, whichever processes race. Counts per status live in ``job_counts``, kept by triggers, so admission
control and ``/metrics`` read a handful of rows instead of scanning 10,000 queued jobs. Claims are fair across
keys (round-robin, see :mod:`._policy`): ``key_queues``, kept by triggers, holds one row per key and engine model
with queued jobs, ordered by the key's turn, so the key whose turn it is is one index step away and its oldest job
another; the per-key usage the budgets read (queued work, stored bytes) are counters on ``api_keys``, kept by
triggers too (migration 0004).
"""

from __future__ import annotations

import math
import sqlite3
import time
from pathlib import Path
from typing import Any, Sequence

from ._policy import check_budgets, claim_order, keys_by_last_claim
from ._rows import (
    DELIVERY_COLUMNS,
    JOB_COLUMNS,
    KEY_COLUMNS,
    delivery_from_row,
    dumps,
    job_from_row,
    key_from_row,
    loads,
    parse_seq_cursor,
    webhook_events_column,
)
from ._sqlite_connections import SQLITE_DIALECT, SQLiteConnections
from .migrate import load_migrations, run_migrations
from .models import ApiKey, FileRef, Job, JobStatus, NewJob, WebhookDelivery
from .store import (
    IDEMPOTENCY_SECONDS,
    IdempotencyConflict,
    JobStore,
    QueueFull,
    QuotaExceeded,
    StoreError,
    TooManyActive,
    TooManyQueued,
)

__all__ = ["SQLiteJobStore", "SQLITE_DIALECT"]

_MIGRATIONS_PACKAGE = "orchestrion.jobs.migrations.sqlite"
_WORKER_STATES = frozenset({"loading", "ready", "stopped"})


class SQLiteJobStore(JobStore):
    local_reads = True  # WAL readers never block and never leave the machine
    """The :class:`JobStore` on one SQLite file. Call :meth:`migrate` once before use (any process may)."""

    def __init__(self, path: Path | str, *, busy_timeout: float = 5.0) -> None:
        if busy_timeout < 0:
            raise ValueError(f"busy_timeout must not be negative, got {busy_timeout!r}")
        self.path = Path(path)
        self.busy_timeout = float(busy_timeout)
        self._db = SQLiteConnections(self.path, self.busy_timeout)
        # Bound once: get_job runs thousands of times a second and each saved call layer shows.
        self._write = self._db.write
        self._read = self._db.read
        self._read_one = self._db.read_one

    def __repr__(self) -> str:
        return f"SQLiteJobStore({str(self.path)!r})"

    # -- connections -------------------------------------------------------------------------------------------
    def _conn(self) -> sqlite3.Connection:
        return self._db.get()

    # -- lifecycle ---------------------------------------------------------------------------------------------
    def migrate(self) -> int:
        migrations = load_migrations(_MIGRATIONS_PACKAGE)
        # Processes starting together all try; run_migrations rolls back on "busy", so a retry starts clean.
        return self._db.run(lambda conn: run_migrations(conn, migrations, SQLITE_DIALECT))

    def ping(self) -> None:
        # Reading the schema version proves both that the file opens and that it has been migrated.
        self._read_one("SELECT MAX(version) FROM schema_migrations")

    def close(self) -> None:
        self._db.close()

    def __reduce__(self) -> tuple:
        # A pickled store (handed to a spawned process) reopens the same file with fresh connections.
        return (_reopen, (str(self.path), self.busy_timeout))

    def wait_for_jobs(self, timeout: float) -> None:
        """Sleep up to ``timeout``, returning early when another connection commits a change to the file."""
        deadline = time.monotonic() + max(0.0, timeout)
        start = self._read_one("PRAGMA data_version")
        while time.monotonic() < deadline:
            time.sleep(min(0.02, max(0.0, deadline - time.monotonic())))
            if self._read_one("PRAGMA data_version") != start:
                return

    # -- jobs: API side ----------------------------------------------------------------------------------------
    def create_job(
        self,
        job: NewJob,
        *,
        max_queued_per_key: int,
        max_queued_total: int,
        max_active_per_key: int | None = None,
        max_queued_seconds_per_key: float | None = None,
        max_stored_bytes_per_key: int | None = None,
        idempotency_seconds: float = IDEMPOTENCY_SECONDS,
    ) -> Job:
        _check_new_job(job)
        params = dumps(job.params)
        events = webhook_events_column(job)
        with self._write() as conn:
            now = time.time()
            if job.idempotency_key is not None:
                earlier = self._idempotent_replay(conn, job, now - idempotency_seconds)
                if earlier is not None:
                    return earlier
            (total,) = conn.execute(
                "SELECT COALESCE(SUM(n), 0) FROM job_counts WHERE status = 'queued'").fetchone()
            if total >= max_queued_total:
                raise QueueFull(f"the queue holds {total} generations, its limit; try again later")
            # Counting stops at the limit, so a key with thousands queued costs no more than one at the limit.
            (mine,) = conn.execute(
                "SELECT COUNT(*) FROM (SELECT 1 FROM jobs WHERE key_id = ? AND status = 'queued' LIMIT ?)",
                (job.key_id, max(0, max_queued_per_key))).fetchone()
            if mine >= max_queued_per_key:
                raise TooManyQueued(
                    f"this key already has {mine} queued generations, its limit; wait for some to start")
            if max_active_per_key is not None:
                (active,) = conn.execute(
                    "SELECT COUNT(*) FROM (SELECT 1 FROM jobs WHERE key_id = ? AND status IN ('queued', 'generating')"
                    " LIMIT ?)", (job.key_id, max(0, max_active_per_key))).fetchone()
                if active >= max_active_per_key:
                    raise TooManyActive(
                        f"this key already has {active} generations queued or generating, its limit; wait for one "
                        "to finish", limit=max_active_per_key, active=active)
            key = conn.execute("SELECT quota, credits_used, active_work_ms, stored_bytes FROM api_keys WHERE id = ?",
                               (job.key_id,)).fetchone()
            if key is None:
                raise StoreError(f"unknown key id {job.key_id!r}")
            quota, used, active_work_ms, stored_bytes = key
            check_budgets(work_seconds=job.work_seconds, active_work_ms=active_work_ms, stored_bytes=stored_bytes,
                          max_queued_seconds=max_queued_seconds_per_key, max_stored_bytes=max_stored_bytes_per_key)
            if quota is not None and used + job.credits > quota:
                raise QuotaExceeded(
                    f"this generation costs {job.credits} credits and the key has {max(0, quota - used)} "
                    f"of its {quota} left")
            conn.execute(
                "INSERT INTO jobs (id, key_id, model, engine_model, params, status, max_attempts, created_at,"
                " updated_at, credits_used, work_seconds, webhook_url, webhook_events)"
                " VALUES (?, ?, ?, ?, ?, 'queued', ?, ?, ?, ?, ?, ?, ?)",
                (job.id, job.key_id, job.model, job.engine_model, params, job.max_attempts, now, now, job.credits,
                 float(job.work_seconds), job.webhook_url, events))
            if job.credits:
                conn.execute("UPDATE api_keys SET credits_used = credits_used + ? WHERE id = ?",
                             (job.credits, job.key_id))
            if job.idempotency_key is not None:
                conn.execute(
                    "INSERT INTO idempotency_keys (key_id, idempotency_key, request_hash, job_id, created_at)"
                    " VALUES (?, ?, ?, ?, ?)", (job.key_id, job.idempotency_key, job.request_hash or "", job.id, now))
        return Job(id=job.id, key_id=job.key_id, model=job.model, engine_model=job.engine_model,
                   params=loads(params), status=JobStatus.QUEUED, progress=0.0, attempts=0,
                   max_attempts=job.max_attempts, created_at=now, updated_at=now, credits_used=job.credits,
                   work_seconds=float(job.work_seconds))

    @staticmethod
    def _idempotent_replay(conn: sqlite3.Connection, job: NewJob, window_start: float) -> Job | None:
        """The job an earlier request with this idempotency key created, in the caller's write transaction."""
        row = conn.execute(
            "SELECT request_hash, job_id, created_at FROM idempotency_keys WHERE key_id = ? AND idempotency_key = ?",
            (job.key_id, job.idempotency_key)).fetchone()
        if row is None:
            return None
        request_hash, job_id, created_at = row
        earlier = conn.execute(f"SELECT {JOB_COLUMNS} FROM jobs WHERE id = ?", (job_id,)).fetchone()
        if created_at < window_start or earlier is None:
            # Past its window (or its job was swept): the key is free for a new request.
            conn.execute("DELETE FROM idempotency_keys WHERE key_id = ? AND idempotency_key = ?",
                         (job.key_id, job.idempotency_key))
            return None
        if request_hash != (job.request_hash or ""):
            raise IdempotencyConflict(
                "this Idempotency-Key was already used with a different request body; use a new key for a new "
                "request")
        return job_from_row(earlier)

    def get_job(self, job_id: str, key_id: str | None = None) -> Job | None:
        if key_id is None:
            row = self._read_one(f"SELECT {JOB_COLUMNS} FROM jobs WHERE id = ?", (job_id,))
        else:
            row = self._read_one(f"SELECT {JOB_COLUMNS} FROM jobs WHERE id = ? AND key_id = ?", (job_id, key_id))
        return None if row is None else job_from_row(row)

    def queue_position(self, job: Job) -> int | None:
        # One statement, so one snapshot (see _QUEUE_POSITION).
        row = self._read_one(_QUEUE_POSITION, (job.id,))
        return None if row is None else int(row[0])

    def cancel_job(self, job_id: str, key_id: str | None = None) -> tuple[Job, bool] | None:
        with self._write() as conn:
            if key_id is None:
                row = conn.execute("SELECT seq, status FROM jobs WHERE id = ?", (job_id,)).fetchone()
            else:
                row = conn.execute("SELECT seq, status FROM jobs WHERE id = ? AND key_id = ?",
                                   (job_id, key_id)).fetchone()
            if row is None:
                return None
            seq, status = row
            changed = status in ("queued", "generating")
            if changed:
                now = time.time()
                conn.execute(
                    "UPDATE api_keys SET credits_used = MAX(credits_used - (SELECT credits_used FROM jobs"
                    " WHERE seq = ?), 0) WHERE id = (SELECT key_id FROM jobs WHERE seq = ?)", (seq, seq))
                conn.execute(
                    "UPDATE jobs SET status = 'canceled', credits_used = 0, lease_owner = NULL,"
                    " lease_expires_at = NULL, completed_at = ?, updated_at = ? WHERE seq = ?", (now, now, seq))
            current = conn.execute(f"SELECT {JOB_COLUMNS} FROM jobs WHERE seq = ?", (seq,)).fetchone()
        return job_from_row(current), changed

    def refund_job(self, job_id: str, key_id: str | None = None) -> Job | None:
        with self._write() as conn:
            if key_id is None:
                row = conn.execute("SELECT seq, key_id, credits_used FROM jobs WHERE id = ?", (job_id,)).fetchone()
            else:
                row = conn.execute("SELECT seq, key_id, credits_used FROM jobs WHERE id = ? AND key_id = ?",
                                   (job_id, key_id)).fetchone()
            if row is None:
                return None
            seq, owner, charged = row
            if charged:
                conn.execute("UPDATE api_keys SET credits_used = MAX(credits_used - ?, 0) WHERE id = ?",
                             (charged, owner))
                conn.execute("UPDATE jobs SET credits_used = 0, updated_at = ? WHERE seq = ?", (time.time(), seq))
            current = conn.execute(f"SELECT {JOB_COLUMNS} FROM jobs WHERE seq = ?", (seq,)).fetchone()
        return job_from_row(current)

    def stored_bytes(self, key_id: str) -> int:
        row = self._read_one("SELECT stored_bytes FROM api_keys WHERE id = ?", (key_id,))
        return 0 if row is None else int(row[0])

    def list_jobs(self, key_id: str, *, limit: int, after: str | None = None) -> tuple[list[Job], str | None]:
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
            raise ValueError(f"limit must be a positive integer, got {limit!r}")
        below = parse_seq_cursor(after)
        rows = self._read(
            f"SELECT seq, {JOB_COLUMNS} FROM jobs WHERE key_id = ? AND seq < ? ORDER BY seq DESC LIMIT ?",
            (key_id, below, limit + 1))
        more = len(rows) > limit
        rows = rows[:limit]
        return [job_from_row(r[1:]) for r in rows], (str(rows[-1][0]) if more else None)

    # -- jobs: worker side -------------------------------------------------------------------------------------
    def claim_jobs(
        self, worker_id: str, engine_models: Sequence[str], *, limit: int = 1, lease_seconds: float
    ) -> list[Job]:
        if isinstance(engine_models, str):
            raise TypeError("engine_models is a sequence of model ids, not one string")
        if limit < 1:
            raise ValueError(f"limit must be at least 1, got {limit!r}")
        _check_lease(lease_seconds)
        models = list(dict.fromkeys(engine_models))
        if not models or not self._claimable(models):
            return []
        with self._write() as conn:
            now = time.time()
            self._requeue_expired(conn, now)
            chosen = self._fair_choice(conn, models, limit)
            if not chosen:
                return []
            # The keys move to new turns in the order they were served, behind every key waiting now.
            order = keys_by_last_claim([key for key, _ in chosen])
            (last,) = conn.execute("UPDATE claim_clock SET turn = turn + ? WHERE id = 1 RETURNING turn",
                                   (len(order),)).fetchone()
            for turn, key in enumerate(order, start=last - len(order) + 1):
                conn.execute("UPDATE api_keys SET claim_turn = ? WHERE id = ?", (turn, key))
                conn.execute("UPDATE key_queues SET claim_turn = ? WHERE key_id = ?", (turn, key))
            seqs = [seq for _, seq in chosen]
            rows = conn.execute(
                "UPDATE jobs SET status = 'generating', attempts = attempts + 1, progress = 0, lease_owner = ?,"
                " lease_expires_at = ?, started_at = COALESCE(started_at, ?), updated_at = ?"
                f" WHERE seq IN ({', '.join('?' * len(seqs))}) RETURNING seq, {JOB_COLUMNS}",
                (worker_id, now + lease_seconds, now, now, *seqs)).fetchall()
        # RETURNING follows no particular order; the caller gets the jobs in the order they were claimed.
        position = {seq: i for i, seq in enumerate(seqs)}
        return [job_from_row(row[1:]) for row in sorted(rows, key=lambda r: position[r[0]])]

    @staticmethod
    def _fair_choice(conn: sqlite3.Connection, models: list[str], limit: int) -> list[tuple[str, int]]:
        """``(key id, seq)`` of the jobs a claim takes, in the order it takes them (see ``claim_jobs``)."""
        # The next job: per model, the key whose turn it is; between models, the lower turn, then the older job.
        best: tuple[int, int, str, str] | None = None
        for model in models:
            row = conn.execute("SELECT key_id, claim_turn FROM key_queues WHERE engine_model = ?"
                               " ORDER BY claim_turn, first_seq LIMIT 1", (model,)).fetchone()
            if row is None:
                continue
            (head,) = conn.execute(_HEAD, (row[0], model)).fetchone()
            if head is not None and (best is None or (row[1], head) < best[:2]):
                best = (row[1], head, model, row[0])
        if best is None:
            return []
        _, head, model, key = best
        if limit == 1:
            return [(key, head)]
        # A batch: within that model, the keys in turn order each give their oldest job, then their next ...
        keys = [k for (k,) in conn.execute("SELECT key_id FROM key_queues WHERE engine_model = ?"
                                            " ORDER BY claim_turn, first_seq LIMIT ?", (model, limit))]
        queues = [[(k, seq) for (seq,) in conn.execute(_KEY_QUEUE, (k, model, limit))] for k in keys]
        return claim_order(queues, limit)

    def _claimable(self, models: list[str]) -> bool:
        # Idle workers poll; answering "nothing to do" from a plain read keeps them off the write lock.
        if self._read_one("SELECT 1 FROM jobs WHERE status = 'generating' AND lease_expires_at <= ? LIMIT 1",
                          (time.time(),)):
            return True
        return any(self._read_one("SELECT 1 FROM jobs WHERE status = 'queued' AND engine_model = ? LIMIT 1",
                                  (model,)) for model in models)

    def heartbeat(
        self, job_id: str, worker_id: str, *, lease_seconds: float, progress: float | None = None
    ) -> bool:
        _check_lease(lease_seconds)
        if progress is not None:
            if not isinstance(progress, (int, float)) or math.isnan(progress):
                raise ValueError(f"progress must be a number between 0 and 1, got {progress!r}")
            progress = min(1.0, max(0.0, float(progress)))
        with self._write() as conn:
            now = time.time()
            cursor = conn.execute(
                "UPDATE jobs SET lease_expires_at = ?, progress = COALESCE(?, progress), updated_at = ?"
                " WHERE id = ? AND status = 'generating' AND lease_owner = ?",
                (now + lease_seconds, progress, now, job_id, worker_id))
            return cursor.rowcount == 1

    def complete_job(
        self,
        job_id: str,
        worker_id: str,
        *,
        files: Sequence[FileRef],
        audio_seconds: float,
        engine_seconds: float,
        info: dict[str, Any] | None = None,
    ) -> bool:
        if not all(isinstance(f, FileRef) for f in files):
            raise TypeError("files must be FileRef records")
        files_json = dumps([f.to_dict() for f in files])
        stored = sum(int(f.file_size) for f in files)
        info_json = None if info is None else dumps(info)
        with self._write() as conn:
            now = time.time()
            # The key's stored bytes follow the job's (a trigger), so the budget counts these files at once.
            cursor = conn.execute(
                "UPDATE jobs SET status = 'completed', progress = 1, files = ?, stored_bytes = ?, audio_seconds = ?,"
                " engine_seconds = ?, info = COALESCE(?, info), completed_at = ?, updated_at = ?,"
                " lease_expires_at = NULL"
                " WHERE id = ? AND status = 'generating' AND lease_owner = ?",
                (files_json, stored, float(audio_seconds), float(engine_seconds), info_json, now, now, job_id,
                 worker_id))
            return cursor.rowcount == 1

    def fail_job(
        self, job_id: str, worker_id: str, *, error_name: str, error_message: str, retry: bool = False
    ) -> bool:
        with self._write() as conn:
            row = conn.execute(
                "SELECT seq, attempts, max_attempts FROM jobs"
                " WHERE id = ? AND status = 'generating' AND lease_owner = ?", (job_id, worker_id)).fetchone()
            if row is None:
                return False
            seq, attempts, max_attempts = row
            now = time.time()
            if retry and attempts < max_attempts:
                # The job goes back to waiting; its error is kept in info, since a queued job shows no error.
                last_error = dumps({"name": error_name, "message": error_message, "attempt": attempts})
                conn.execute(
                    "UPDATE jobs SET status = 'queued', progress = 0, lease_owner = NULL, lease_expires_at = NULL,"
                    " updated_at = ?, info = json_set(info, '$.last_error', json(?)) WHERE seq = ?",
                    (now, last_error, seq))
            else:
                _end_with_error(conn, seq, error_name, error_message, now)
            return True

    def release_job(self, job_id: str, worker_id: str) -> bool:
        with self._write() as conn:
            cursor = conn.execute(
                "UPDATE jobs SET status = 'queued', attempts = MAX(attempts - 1, 0), progress = 0,"
                " lease_owner = NULL, lease_expires_at = NULL, updated_at = ?"
                " WHERE id = ? AND status = 'generating' AND lease_owner = ?", (time.time(), job_id, worker_id))
            return cursor.rowcount == 1

    def requeue_expired(self, now: float | None = None) -> int:
        with self._write() as conn:
            return self._requeue_expired(conn, time.time() if now is None else now)

    @staticmethod
    def _requeue_expired(conn: sqlite3.Connection, now: float) -> int:
        expired = conn.execute(
            "SELECT seq, attempts, max_attempts FROM jobs WHERE status = 'generating' AND lease_expires_at <= ?",
            (now,)).fetchall()
        for seq, attempts, max_attempts in expired:
            if attempts < max_attempts:
                conn.execute(
                    "UPDATE jobs SET status = 'queued', progress = 0, lease_owner = NULL, lease_expires_at = NULL,"
                    " updated_at = ? WHERE seq = ?", (now, seq))
            else:
                _end_with_error(
                    conn, seq, "worker_lost",
                    f"the worker running this generation stopped (attempt {attempts} of {max_attempts}) before "
                    "finishing; it may have crashed or run out of memory, and no attempts are left", now)
        return len(expired)

    # -- retention ---------------------------------------------------------------------------------------------
    def expired_jobs(self, finished_before: float, *, limit: int) -> list[Job]:
        rows = self._read(
            f"SELECT {JOB_COLUMNS} FROM jobs WHERE status IN ('completed', 'error', 'canceled')"
            " AND completed_at < ? ORDER BY completed_at LIMIT ?", (float(finished_before), int(limit)))
        return [job_from_row(r) for r in rows]

    def delete_jobs(self, job_ids: Sequence[str]) -> int:
        ids = list(dict.fromkeys(job_ids))
        if not ids:
            return 0
        deleted = 0
        with self._write() as conn:
            # Deliveries and idempotency keys go by ON DELETE CASCADE; a trigger takes the jobs' stored bytes off
            # their keys.
            for start in range(0, len(ids), 500):
                chunk = ids[start:start + 500]
                marks = ", ".join("?" * len(chunk))
                deleted += conn.execute(
                    f"DELETE FROM jobs WHERE id IN ({marks}) AND status IN ('completed', 'error', 'canceled')",
                    chunk).rowcount
        return deleted

    # -- webhooks ----------------------------------------------------------------------------------------------
    def claim_webhook_deliveries(self, owner: str, *, limit: int, lease_seconds: float) -> list[WebhookDelivery]:
        _check_lease(lease_seconds)
        now = time.time()
        # Nothing due is the common answer; a plain read says so without taking the write lock.
        if not self._read_one("SELECT 1 FROM webhook_deliveries WHERE state = 'pending' AND next_attempt_at <= ?"
                              " AND (lease_expires_at IS NULL OR lease_expires_at <= ?) LIMIT 1", (now, now)):
            return []
        with self._write() as conn:
            now = time.time()
            rows = conn.execute(
                "UPDATE webhook_deliveries SET lease_owner = ?, lease_expires_at = ?"
                " WHERE seq IN (SELECT seq FROM webhook_deliveries WHERE state = 'pending' AND next_attempt_at <= ?"
                "               AND (lease_expires_at IS NULL OR lease_expires_at <= ?)"
                "               ORDER BY next_attempt_at, seq LIMIT ?)"
                f" RETURNING seq, {DELIVERY_COLUMNS}",
                (owner, now + lease_seconds, now, now, int(limit))).fetchall()
        return [delivery_from_row(r[1:]) for r in sorted(rows, key=lambda r: r[0])]

    def record_webhook_attempt(
        self,
        delivery_id: str,
        owner: str,
        *,
        delivered: bool,
        payload: str,
        status_code: int | None = None,
        error: str | None = None,
        retry_at: float | None = None,
    ) -> bool:
        state = "delivered" if delivered else ("pending" if retry_at is not None else "failed")
        with self._write() as conn:
            now = time.time()
            cursor = conn.execute(
                "UPDATE webhook_deliveries SET state = ?, attempts = attempts + 1, payload = COALESCE(payload, ?),"
                " next_attempt_at = COALESCE(?, next_attempt_at), lease_owner = NULL, lease_expires_at = NULL,"
                " last_status_code = ?, last_error = ?, delivered_at = CASE WHEN ? THEN ? ELSE delivered_at END"
                " WHERE id = ? AND state = 'pending' AND lease_owner = ?",
                (state, payload, retry_at, status_code, error, delivered, now, delivery_id, owner))
            return cursor.rowcount == 1

    def webhook_deliveries(self, job_id: str) -> list[WebhookDelivery]:
        rows = self._read(f"SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries WHERE job_id = ? ORDER BY seq",
                          (job_id,))
        return [delivery_from_row(r) for r in rows]

    # -- observation -------------------------------------------------------------------------------------------
    def count_by_status(self) -> dict[JobStatus, int]:
        counts = {status: 0 for status in JobStatus}
        for status, n in self._read("SELECT status, SUM(n) FROM job_counts GROUP BY status"):
            counts[JobStatus(status)] = int(n)
        return counts

    def queue_depth(self, engine_model: str | None = None) -> int:
        if engine_model is None:
            row = self._read_one("SELECT COALESCE(SUM(n), 0) FROM job_counts WHERE status = 'queued'")
        else:
            row = self._read_one("SELECT COALESCE(SUM(n), 0) FROM job_counts WHERE status = 'queued'"
                                 " AND engine_model = ?", (engine_model,))
        return int(row[0])

    def completion_stats(self, buckets: Sequence[float]) -> dict[str, Any]:
        bounds = [float(b) for b in buckets]
        if any(math.isnan(b) for b in bounds) or bounds != sorted(bounds):
            raise ValueError(f"histogram buckets must be ascending numbers, got {list(buckets)!r}")
        per_bucket = "".join(", COALESCE(SUM(d <= ?), 0)" for _ in bounds)

        def aggregate(conn: sqlite3.Connection) -> tuple[tuple, list[tuple]]:
            # One snapshot for both aggregates, so /metrics never shows a histogram and sums that disagree.
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

        histogram, per_model = self._db.run(aggregate)
        return {
            "time_to_audio": {"buckets": [int(c) for c in histogram[2:]], "count": int(histogram[0]),
                              "sum": float(histogram[1])},
            "real_time_factor": {model: {"audio_seconds": float(a), "engine_seconds": float(e), "count": int(n)}
                                 for model, a, e, n in per_model},
        }

    # -- workers -----------------------------------------------------------------------------------------------
    def record_worker(self, worker_id: str, *, engine_models: Sequence[str], state: str) -> None:
        if state not in _WORKER_STATES:
            raise ValueError(f"worker state must be one of {sorted(_WORKER_STATES)}, got {state!r}")
        with self._write() as conn:
            now = time.time()
            conn.execute(
                "INSERT INTO workers (worker_id, engine_models, state, started_at, seen_at) VALUES (?, ?, ?, ?, ?)"
                " ON CONFLICT (worker_id) DO UPDATE SET engine_models = excluded.engine_models,"
                " state = excluded.state, seen_at = excluded.seen_at",
                (worker_id, dumps(list(engine_models)), state, now, now))

    def live_workers(self, max_age_seconds: float) -> list[dict[str, Any]]:
        rows = self._read(
            "SELECT worker_id, engine_models, state, seen_at FROM workers"
            " WHERE state <> 'stopped' AND seen_at >= ? ORDER BY worker_id", (time.time() - max_age_seconds,))
        return [{"worker_id": w, "engine_models": loads(m), "state": s, "seen_at": seen} for w, m, s, seen in rows]

    # -- keys --------------------------------------------------------------------------------------------------
    def create_key(self, *, key_id: str, name: str, key_hash: str, prefix: str, quota: int | None) -> ApiKey:
        if quota is not None and (isinstance(quota, bool) or not isinstance(quota, int) or quota < 0):
            raise ValueError(f"quota must be a non-negative integer or None, got {quota!r}")
        now = time.time()
        with self._write() as conn:
            conn.execute(
                "INSERT INTO api_keys (id, name, key_hash, prefix, created_at, quota) VALUES (?, ?, ?, ?, ?, ?)",
                (key_id, name, key_hash, prefix, now, quota))
        return ApiKey(id=key_id, name=name, prefix=prefix, created_at=now, quota=quota)

    def key_by_hash(self, key_hash: str) -> ApiKey | None:
        row = self._read_one(f"SELECT {KEY_COLUMNS} FROM api_keys WHERE key_hash = ?", (key_hash,))
        return None if row is None else key_from_row(row)

    def list_keys(self) -> list[ApiKey]:
        return [key_from_row(r) for r in self._read(f"SELECT {KEY_COLUMNS} FROM api_keys ORDER BY created_at, id")]

    def revoke_key(self, key_id_or_prefix: str) -> ApiKey | None:
        needle = key_id_or_prefix.strip()
        if not needle:
            raise ValueError("name the key to revoke by its id or prefix")
        with self._write() as conn:
            rows = conn.execute(f"SELECT {KEY_COLUMNS} FROM api_keys WHERE id = ?", (needle,)).fetchall()
            if not rows:
                # The shown prefix, or a beginning of it (as long as only one key starts that way).
                rows = conn.execute(f"SELECT {KEY_COLUMNS} FROM api_keys WHERE prefix = ?", (needle,)).fetchall()
                if not rows:
                    rows = conn.execute(f"SELECT {KEY_COLUMNS} FROM api_keys WHERE substr(prefix, 1, ?) = ?",
                                        (len(needle), needle)).fetchall()
            if not rows:
                return None
            if len(rows) > 1:
                raise ValueError(f"{needle!r} matches {len(rows)} keys "
                                 f"({', '.join(r[0] for r in rows)}); give the key id instead")
            key = key_from_row(rows[0])
            if key.revoked:
                return key  # revoking twice keeps the first revocation time
            now = time.time()
            conn.execute("UPDATE api_keys SET revoked_at = ? WHERE id = ?", (now, key.id))
        return key_from_row((*rows[0][:4], now, *rows[0][5:]))

    def count_keys(self) -> int:
        return int(self._read_one("SELECT COUNT(*) FROM api_keys")[0])


#: A key's queued jobs of one model, oldest first (the partial index jobs_queued_by_key).
_KEY_QUEUE = "SELECT seq FROM jobs WHERE key_id = ? AND engine_model = ? AND status = 'queued' ORDER BY seq LIMIT ?"
_HEAD = "SELECT MIN(seq) FROM jobs WHERE key_id = ? AND engine_model = ? AND status = 'queued'"
#: Jobs ahead of one in round-robin, were no job to arrive: its rank r among its key's queued jobs of the model,
#: plus min(queued, r + 1) of every key whose turn comes before its key's and min(queued, r) of every key after.
_QUEUE_POSITION = """
WITH me AS (SELECT seq, engine_model, key_id FROM jobs WHERE id = ? AND status = 'queued'),
mine AS MATERIALIZED (
    SELECT q.engine_model, q.key_id, q.claim_turn, q.first_seq,
           (SELECT COUNT(*) FROM jobs WHERE jobs.key_id = me.key_id AND jobs.engine_model = me.engine_model
            AND jobs.status = 'queued' AND jobs.seq < me.seq) AS rank
    FROM me JOIN key_queues AS q ON q.engine_model = me.engine_model AND q.key_id = me.key_id
)
SELECT CASE WHEN mine.rank = 0 THEN (
    -- The key's oldest job: one job of each key whose turn comes first, counted along the index.
    SELECT COUNT(*) FROM key_queues AS o WHERE o.engine_model = mine.engine_model
    AND (o.claim_turn, o.first_seq) < (mine.claim_turn, mine.first_seq))
ELSE mine.rank + COALESCE((
    SELECT SUM(MIN(o.queued, mine.rank + ((o.claim_turn, o.first_seq) < (mine.claim_turn, mine.first_seq))))
    FROM key_queues AS o WHERE o.engine_model = mine.engine_model AND o.key_id <> mine.key_id), 0) END
FROM mine
"""


def _reopen(path: str, busy_timeout: float) -> SQLiteJobStore:
    return SQLiteJobStore(path, busy_timeout=busy_timeout)


def _end_with_error(conn: sqlite3.Connection, seq: int, name: str, message: str, now: float) -> None:
    """End a job ``error`` and refund what it was charged, in the caller's transaction."""
    conn.execute(
        "UPDATE api_keys SET credits_used = MAX(credits_used - (SELECT credits_used FROM jobs WHERE seq = ?), 0)"
        " WHERE id = (SELECT key_id FROM jobs WHERE seq = ?)", (seq, seq))
    conn.execute(
        "UPDATE jobs SET status = 'error', error_name = ?, error_message = ?, credits_used = 0,"
        " lease_expires_at = NULL, completed_at = ?, updated_at = ? WHERE seq = ?", (name, message, now, now, seq))


def _check_new_job(job: NewJob) -> None:
    if not isinstance(job.params, dict):
        raise TypeError(f"job params must be a dict, got {type(job.params).__name__}")
    if isinstance(job.credits, bool) or not isinstance(job.credits, int) or job.credits < 0:
        raise ValueError(f"job credits must be a non-negative integer, got {job.credits!r}")
    if isinstance(job.max_attempts, bool) or not isinstance(job.max_attempts, int) or job.max_attempts < 1:
        raise ValueError(f"max_attempts must be an integer of at least 1, got {job.max_attempts!r}")
    if (isinstance(job.work_seconds, bool) or not isinstance(job.work_seconds, (int, float))
            or not 0 <= job.work_seconds < math.inf):
        raise ValueError(f"work_seconds must be a finite number of at least 0, got {job.work_seconds!r}")


def _check_lease(lease_seconds: float) -> None:
    if not isinstance(lease_seconds, (int, float)) or not lease_seconds > 0 or math.isinf(lease_seconds):
        raise ValueError(f"lease_seconds must be a positive number, got {lease_seconds!r}")

