"""The scaled-out job store: one PostgreSQL database shared by many API processes and workers on many machines.

PostgreSQL does the locking and the durability; there is no broker beside it:

- claims are fair across keys (round-robin, see :mod:`._policy`): ``key_queues`` (migration 0004) names the key
  whose turn it is, and its oldest queued jobs are locked with ``FOR UPDATE SKIP LOCKED``, so concurrent workers
  never take the same job and pass over each other's to the next key in turn; completion, failure and heartbeats
  are fenced by ``lease_owner`` in the same ``UPDATE``, so a worker that lost its lease cannot write a second result;
- every claim first returns expired leases to the queue (or ends them ``error`` after the last attempt);
- a transaction that touches several keys' rows (claims, expiry, retention) locks them in id order, so such
  transactions never deadlock on each other (migration 0004 tells the whole locking order);
- a trigger announces each claimable job with ``NOTIFY``, and idle workers ``LISTEN`` (:meth:`wait_for_jobs`);
- times come from the database's clock, so leases hold even when the machines' clocks disagree;
- the per-key queue limit, the budgets and the credit quota are exact: creation locks the key's row. The
  queue-wide limit is read without a global lock, so creations racing through several API processes may pass it
  by at most the number in flight at that moment; it protects the machine, and serialising every creation to make
  it exact would cost more than that overshoot. Idempotency keys are exact for the same reason as the per-key
  limit;
- webhook deliveries are an outbox filled by a trigger in the transaction that changes the job (migration 0003),
  and senders lease them with ``SKIP LOCKED`` like workers lease jobs;
- job counts per status are appended as +1/-1 rows that any process folds together now and then, so hot counter
  rows never make claims, completions and creations wait on each other.

Connections come from a small pool per process (:mod:`._postgres_connections`) that turns connection loss into
:class:`StoreUnavailable` and reconnects by itself when the database is back.
"""

from __future__ import annotations

import math
import threading
import time
from typing import Any, Sequence

import psycopg

from ._policy import check_budgets, keys_by_last_claim
from ._postgres_connections import Listener, PostgresConnections, connect, connection_options, translate
from ._postgres_sql import (
    ANY_EXPIRED,
    CHANNEL,
    CLAIM,
    CLAIM_CANDIDATES,
    CLAIM_DELIVERIES,
    CLAIM_LOCK,
    CLAIM_LOCK_ANY,
    EXPIRED,
    FOLD_COUNTS,
    LOCK_KEYS,
    NOW,
    POSTGRES_DIALECT,
    QUEUE_POSITION,
    REFUND_LOST,
    REQUEUE_LOST,
)
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

__all__ = ["POSTGRES_DIALECT", "PostgresJobStore"]

_MIGRATIONS_PACKAGE = "orchestrion.jobs.migrations.postgres"
_ENDED = "('completed', 'error', 'canceled')"
_WORKER_STATES = frozenset({"loading", "ready", "stopped"})
#: How often one process folds the job counter rows together (see migration 0001).
_FOLD_EVERY_SECONDS = 2.0


class PostgresJobStore(JobStore):
    """The :class:`JobStore` on a PostgreSQL database (``postgresql://user:password@host:port/dbname``).

    Opening connects nothing: the first call does, so a process may start while the database is still away. Call
    :meth:`migrate` once before use (any process may; several starting together are safe).
    """

    def __init__(self, url: str, *, pool_size: int = 8, connect_timeout: float = 5.0,
                 statement_timeout: float = 30.0) -> None:
        if not isinstance(url, str) or not url.startswith(("postgresql://", "postgres://")):
            raise ValueError(f"a PostgreSQL URL starts with postgresql://, got {url!r}")
        self.url = url
        self._options = (pool_size, connect_timeout, statement_timeout)
        conninfo = connection_options(url, connect_timeout=connect_timeout, statement_timeout=statement_timeout)
        self._conninfo = conninfo
        self._db = PostgresConnections(conninfo, max_size=pool_size, wait_timeout=max(1.0, connect_timeout))
        self._listener = Listener(conninfo, CHANNEL)
        self._fold_lock = threading.Lock()
        self._next_fold = 0.0

    def __repr__(self) -> str:
        return f"PostgresJobStore({_without_password(self.url)!r})"

    def __reduce__(self) -> tuple:
        # A pickled store (handed to a spawned process) opens its own connections there.
        pool_size, connect_timeout, statement_timeout = self._options
        return (_reopen, (self.url, pool_size, connect_timeout, statement_timeout))

    # -- small helpers -----------------------------------------------------------------------------------------
    def _one(self, sql: str, params: Any = None) -> tuple | None:
        return self._db.run(lambda conn: conn.execute(sql, params).fetchone())

    def _all(self, sql: str, params: Any = None) -> list[tuple]:
        return self._db.run(lambda conn: conn.execute(sql, params).fetchall())

    def _fold_counts_now_and_then(self) -> None:
        """Fold the counter rows together every few seconds, so counting stays a read of a handful of rows."""
        now = time.monotonic()
        if now < self._next_fold or not self._fold_lock.acquire(blocking=False):
            return
        try:
            self._next_fold = now + _FOLD_EVERY_SECONDS
            self._db.run(lambda conn: conn.execute(FOLD_COUNTS))
        except StoreError:
            pass  # housekeeping: the caller's own change is done, and the next call folds instead
        finally:
            self._fold_lock.release()

    # -- lifecycle ---------------------------------------------------------------------------------------------
    def migrate(self) -> int:
        migrations = load_migrations(_MIGRATIONS_PACKAGE)
        conn = connect(self._conninfo, autocommit=False)
        try:
            return run_migrations(conn, migrations, POSTGRES_DIALECT)
        except psycopg.Error as exc:
            raise translate(exc) from None
        finally:
            conn.close()

    def ping(self) -> None:
        # Reading the schema version proves both that the database answers and that it has been migrated.
        self._one("SELECT MAX(version) FROM schema_migrations")

    def close(self) -> None:
        self._listener.close()
        self._db.close()

    def wait_for_jobs(self, timeout: float) -> None:
        """Sleep up to ``timeout``, returning as soon as a job is announced (LISTEN/NOTIFY)."""
        self._listener.wait(timeout)

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

        def create(conn: Any) -> Job:
            # The key's row lock makes this key's creations take turns: its limits, its quota and its idempotency
            # keys hold exactly, whichever API processes the requests reach.
            key = conn.execute("SELECT quota, credits_used, active_work_ms, stored_bytes FROM api_keys"
                               " WHERE id = %s FOR UPDATE", (job.key_id,)).fetchone()
            if key is None:
                raise StoreError(f"unknown key id {job.key_id!r}")
            if job.idempotency_key is not None:
                earlier = _idempotent_replay(conn, job, idempotency_seconds)
                if earlier is not None:
                    return earlier
            (total,) = conn.execute(
                "SELECT COALESCE(SUM(delta), 0) FROM job_count_deltas WHERE status = 'queued'").fetchone()
            if total >= max_queued_total:
                raise QueueFull(f"the queue holds {total} generations, its limit; try again later")
            # Counting stops at the limit, so a key with thousands queued costs no more than one at the limit.
            (mine,) = conn.execute(
                "SELECT COUNT(*) FROM (SELECT 1 FROM jobs WHERE key_id = %s AND status = 'queued' LIMIT %s) AS q",
                (job.key_id, max(0, max_queued_per_key))).fetchone()
            if mine >= max_queued_per_key:
                raise TooManyQueued(
                    f"this key already has {mine} queued generations, its limit; wait for some to start")
            if max_active_per_key is not None:
                (active,) = conn.execute(
                    "SELECT COUNT(*) FROM (SELECT 1 FROM jobs WHERE key_id = %s"
                    " AND status IN ('queued', 'generating') LIMIT %s) AS q",
                    (job.key_id, max(0, max_active_per_key))).fetchone()
                if active >= max_active_per_key:
                    raise TooManyActive(
                        f"this key already has {active} generations queued or generating, its limit; wait for one "
                        "to finish", limit=max_active_per_key, active=active)
            quota, used, active_work_ms, stored_bytes = key
            check_budgets(work_seconds=job.work_seconds, active_work_ms=active_work_ms, stored_bytes=stored_bytes,
                          max_queued_seconds=max_queued_seconds_per_key, max_stored_bytes=max_stored_bytes_per_key)
            if quota is not None and used + job.credits > quota:
                raise QuotaExceeded(
                    f"this generation costs {job.credits} credits and the key has {max(0, quota - used)} "
                    f"of its {quota} left")
            (created_at,) = conn.execute(
                "INSERT INTO jobs (id, key_id, model, engine_model, params, status, max_attempts, created_at,"
                " updated_at, credits_used, work_seconds, webhook_url, webhook_events)"
                f" VALUES (%s, %s, %s, %s, %s::jsonb, 'queued', %s, {NOW}, {NOW}, %s, %s, %s, %s)"
                " RETURNING created_at",
                (job.id, job.key_id, job.model, job.engine_model, params, job.max_attempts, job.credits,
                 float(job.work_seconds), job.webhook_url, events)).fetchone()
            if job.credits:
                conn.execute("UPDATE api_keys SET credits_used = credits_used + %s WHERE id = %s",
                             (job.credits, job.key_id))
            if job.idempotency_key is not None:
                conn.execute(
                    "INSERT INTO idempotency_keys (key_id, idempotency_key, request_hash, job_id, created_at)"
                    f" VALUES (%s, %s, %s, %s, {NOW})",
                    (job.key_id, job.idempotency_key, job.request_hash or "", job.id))
            return Job(id=job.id, key_id=job.key_id, model=job.model, engine_model=job.engine_model,
                       params=loads(params), status=JobStatus.QUEUED, progress=0.0, attempts=0,
                       max_attempts=job.max_attempts, created_at=created_at, updated_at=created_at,
                       credits_used=job.credits, work_seconds=float(job.work_seconds))

        created = self._db.run(create, transaction=True)
        self._fold_counts_now_and_then()
        return created

    def get_job(self, job_id: str, key_id: str | None = None) -> Job | None:
        if key_id is None:
            row = self._one(f"SELECT {JOB_COLUMNS} FROM jobs WHERE id = %s", (job_id,))
        else:
            row = self._one(f"SELECT {JOB_COLUMNS} FROM jobs WHERE id = %s AND key_id = %s", (job_id, key_id))
        return None if row is None else job_from_row(row)

    def queue_position(self, job: Job) -> int | None:
        row = self._one(QUEUE_POSITION, (job.id,))
        return None if row is None else int(row[0])

    def cancel_job(self, job_id: str, key_id: str | None = None) -> tuple[Job, bool] | None:
        def cancel(conn: Any) -> tuple[Job, bool] | None:
            if key_id is None:
                row = conn.execute("SELECT seq, status FROM jobs WHERE id = %s FOR UPDATE", (job_id,)).fetchone()
            else:
                row = conn.execute("SELECT seq, status FROM jobs WHERE id = %s AND key_id = %s FOR UPDATE",
                                   (job_id, key_id)).fetchone()
            if row is None:
                return None
            seq, status = row
            changed = status in ("queued", "generating")
            if changed:
                _refund(conn, seq)
                conn.execute(
                    "UPDATE jobs SET status = 'canceled', credits_used = 0, lease_owner = NULL,"
                    f" lease_expires_at = NULL, completed_at = {NOW}, updated_at = {NOW} WHERE seq = %s", (seq,))
            current = conn.execute(f"SELECT {JOB_COLUMNS} FROM jobs WHERE seq = %s", (seq,)).fetchone()
            return job_from_row(current), changed

        return self._db.run(cancel, transaction=True)

    def refund_job(self, job_id: str, key_id: str | None = None) -> Job | None:
        def refund(conn: Any) -> Job | None:
            if key_id is None:
                row = conn.execute("SELECT seq, credits_used FROM jobs WHERE id = %s FOR UPDATE", (job_id,)).fetchone()
            else:
                row = conn.execute("SELECT seq, credits_used FROM jobs WHERE id = %s AND key_id = %s FOR UPDATE",
                                   (job_id, key_id)).fetchone()
            if row is None:
                return None
            seq, charged = row
            if charged:
                _refund(conn, seq)
                conn.execute(f"UPDATE jobs SET credits_used = 0, updated_at = {NOW} WHERE seq = %s", (seq,))
            return job_from_row(conn.execute(f"SELECT {JOB_COLUMNS} FROM jobs WHERE seq = %s", (seq,)).fetchone())

        return self._db.run(refund, transaction=True)

    def stored_bytes(self, key_id: str) -> int:
        row = self._one("SELECT stored_bytes FROM api_keys WHERE id = %s", (key_id,))
        return 0 if row is None else int(row[0])

    def list_jobs(self, key_id: str, *, limit: int, after: str | None = None) -> tuple[list[Job], str | None]:
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
            raise ValueError(f"limit must be a positive integer, got {limit!r}")
        below = parse_seq_cursor(after)
        rows = self._all(
            f"SELECT seq, {JOB_COLUMNS} FROM jobs WHERE key_id = %s AND seq < %s ORDER BY seq DESC LIMIT %s",
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
        if not models:
            return []
        if self._one(ANY_EXPIRED)[0]:
            self.requeue_expired()

        def claim(conn: Any) -> list[Job]:
            chosen = _lock_fair_choice(conn, models, limit)
            if not chosen:
                return []
            # The keys move to new turns in the order they were served, behind every key waiting now.
            order = keys_by_last_claim([key for _, key, _ in chosen])
            turns = sorted({turn for _, _, turn in chosen})
            seqs = [seq for seq, _, _ in chosen]
            rows = conn.execute(CLAIM, {"keys": order, "turns": turns, "seqs": seqs, "worker": worker_id,
                                        "lease": float(lease_seconds)}).fetchall()
            # RETURNING follows no particular order; the caller gets the jobs in the order they were claimed.
            position = {seq: i for i, seq in enumerate(seqs)}
            return [job_from_row(row[1:]) for row in sorted(rows, key=lambda r: position[r[0]])]

        claimed = self._db.run(claim, transaction=True)
        self._fold_counts_now_and_then()
        return claimed

    def heartbeat(
        self, job_id: str, worker_id: str, *, lease_seconds: float, progress: float | None = None
    ) -> bool:
        _check_lease(lease_seconds)
        if progress is not None:
            if not isinstance(progress, (int, float)) or math.isnan(progress):
                raise ValueError(f"progress must be a number between 0 and 1, got {progress!r}")
            progress = min(1.0, max(0.0, float(progress)))
        row = self._one(
            f"UPDATE jobs SET lease_expires_at = {NOW} + %s, progress = COALESCE(%s, progress), updated_at = {NOW}"
            " WHERE id = %s AND status = 'generating' AND lease_owner = %s RETURNING 1",
            (float(lease_seconds), progress, job_id, worker_id))
        return row is not None

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
        info_json = None if info is None else dumps(info)
        # The key's stored bytes follow the job's (a trigger), so the budget counts these files at once.
        row = self._one(
            "UPDATE jobs SET status = 'completed', progress = 1, files = %s::jsonb, stored_bytes = %s,"
            f" audio_seconds = %s, engine_seconds = %s, info = COALESCE(%s::jsonb, info), completed_at = {NOW},"
            f" updated_at = {NOW}, lease_expires_at = NULL"
            " WHERE id = %s AND status = 'generating' AND lease_owner = %s RETURNING 1",
            (files_json, sum(int(f.file_size) for f in files), float(audio_seconds), float(engine_seconds),
             info_json, job_id, worker_id))
        return row is not None

    def fail_job(
        self, job_id: str, worker_id: str, *, error_name: str, error_message: str, retry: bool = False
    ) -> bool:
        def fail(conn: Any) -> bool:
            row = conn.execute(
                "SELECT seq, key_id, attempts, max_attempts FROM jobs"
                " WHERE id = %s AND status = 'generating' AND lease_owner = %s FOR UPDATE",
                (job_id, worker_id)).fetchone()
            if row is None:
                return False
            seq, owner, attempts, max_attempts = row
            if retry and attempts < max_attempts:
                conn.execute(LOCK_KEYS, ([owner],))  # its key's queue changes (see migration 0004)
                # The job goes back to waiting; its error is kept in info, since a queued job shows no error.
                last_error = dumps({"name": error_name, "message": error_message, "attempt": attempts})
                conn.execute(
                    "UPDATE jobs SET status = 'queued', progress = 0, lease_owner = NULL, lease_expires_at = NULL,"
                    f" updated_at = {NOW}, info = jsonb_set(info, '{{last_error}}', %s::jsonb) WHERE seq = %s",
                    (last_error, seq))
            else:
                _end_with_error(conn, seq, error_name, error_message)
            return True

        return self._db.run(fail, transaction=True)

    def release_job(self, job_id: str, worker_id: str) -> bool:
        def release(conn: Any) -> bool:
            row = conn.execute("SELECT seq, key_id FROM jobs WHERE id = %s AND status = 'generating'"
                               " AND lease_owner = %s FOR UPDATE", (job_id, worker_id)).fetchone()
            if row is None:
                return False
            conn.execute(LOCK_KEYS, ([row[1]],))  # its key's queue changes (see migration 0004)
            conn.execute("UPDATE jobs SET status = 'queued', attempts = GREATEST(attempts - 1, 0), progress = 0,"
                         f" lease_owner = NULL, lease_expires_at = NULL, updated_at = {NOW} WHERE seq = %s",
                         (row[0],))
            return True

        return self._db.run(release, transaction=True)

    def requeue_expired(self, now: float | None = None) -> int:
        clock = NOW if now is None else "%(now)s"
        params = {} if now is None else {"now": float(now)}

        def requeue(conn: Any) -> int:
            expired = conn.execute(EXPIRED.format(now=clock), params).fetchall()
            if not expired:
                return 0
            seqs = [seq for seq, _ in expired]
            conn.execute(LOCK_KEYS, (sorted({key for _, key in expired}),))
            conn.execute(REFUND_LOST, {"seqs": seqs})
            conn.execute(REQUEUE_LOST.format(now=clock), {**params, "seqs": seqs})
            return len(expired)

        return self._db.run(requeue, transaction=True)

    # -- retention ---------------------------------------------------------------------------------------------
    def expired_jobs(self, finished_before: float, *, limit: int) -> list[Job]:
        rows = self._all(
            f"SELECT {JOB_COLUMNS} FROM jobs WHERE status IN {_ENDED} AND completed_at < %s"
            " ORDER BY completed_at LIMIT %s", (float(finished_before), int(limit)))
        return [job_from_row(r) for r in rows]

    def delete_jobs(self, job_ids: Sequence[str]) -> int:
        ids = list(dict.fromkeys(job_ids))
        if not ids:
            return 0
        def delete(conn: Any) -> int:
            # The jobs, then their keys in id order (a trigger takes the jobs' stored bytes off their keys); then
            # the rows go, deliveries and idempotency keys with them (ON DELETE CASCADE).
            rows = conn.execute(f"SELECT seq, key_id FROM jobs WHERE id = ANY(%s) AND status IN {_ENDED}"
                                " ORDER BY seq FOR UPDATE", (ids,)).fetchall()
            if not rows:
                return 0
            conn.execute(LOCK_KEYS, (sorted({key for _, key in rows}),))
            conn.execute("DELETE FROM jobs WHERE seq = ANY(%s::bigint[])", ([seq for seq, _ in rows],))
            return len(rows)

        return self._db.run(delete, transaction=True)

    # -- webhooks ----------------------------------------------------------------------------------------------
    def claim_webhook_deliveries(self, owner: str, *, limit: int, lease_seconds: float) -> list[WebhookDelivery]:
        _check_lease(lease_seconds)
        rows = self._all(CLAIM_DELIVERIES, {"owner": owner, "lease": float(lease_seconds), "limit": int(limit)})
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
        row = self._one(
            "UPDATE webhook_deliveries SET state = %s, attempts = attempts + 1, payload = COALESCE(payload, %s),"
            " next_attempt_at = COALESCE(%s, next_attempt_at), lease_owner = NULL, lease_expires_at = NULL,"
            f" last_status_code = %s, last_error = %s, delivered_at = CASE WHEN %s THEN {NOW} ELSE delivered_at END"
            " WHERE id = %s AND state = 'pending' AND lease_owner = %s RETURNING 1",
            (state, payload, None if retry_at is None else float(retry_at), status_code, error, bool(delivered),
             delivery_id, owner))
        return row is not None

    def webhook_deliveries(self, job_id: str) -> list[WebhookDelivery]:
        rows = self._all(f"SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries WHERE job_id = %s ORDER BY seq",
                         (job_id,))
        return [delivery_from_row(r) for r in rows]

    # -- observation -------------------------------------------------------------------------------------------
    def count_by_status(self) -> dict[JobStatus, int]:
        counts = {status: 0 for status in JobStatus}
        for status, n in self._all("SELECT status, SUM(delta) FROM job_count_deltas GROUP BY status"):
            counts[JobStatus(status)] = int(n)
        return counts

    def queue_depth(self, engine_model: str | None = None) -> int:
        if engine_model is None:
            row = self._one("SELECT COALESCE(SUM(delta), 0) FROM job_count_deltas WHERE status = 'queued'")
        else:
            row = self._one("SELECT COALESCE(SUM(delta), 0) FROM job_count_deltas WHERE status = 'queued'"
                            " AND engine_model = %s", (engine_model,))
        return int(row[0])

    def completion_stats(self, buckets: Sequence[float]) -> dict[str, Any]:
        bounds = [float(b) for b in buckets]
        if any(math.isnan(b) for b in bounds) or bounds != sorted(bounds):
            raise ValueError(f"histogram buckets must be ascending numbers, got {list(buckets)!r}")
        per_bucket = "".join(", count(*) FILTER (WHERE d <= %s::float8)" for _ in bounds)
        # One statement, so one snapshot: /metrics never shows a histogram and sums that disagree.
        row = self._one(
            "WITH done AS MATERIALIZED (SELECT engine_model, completed_at - created_at AS d, audio_seconds,"
            "                                  engine_seconds FROM jobs WHERE status = 'completed')"
            f" SELECT (SELECT json_build_array(count(*), COALESCE(SUM(d), 0){per_bucket}) FROM done),"
            "        (SELECT COALESCE(json_agg(json_build_array(engine_model, a, e, n) ORDER BY engine_model), '[]')"
            "         FROM (SELECT engine_model, COALESCE(SUM(audio_seconds), 0) AS a,"
            "               COALESCE(SUM(engine_seconds), 0) AS e, COUNT(*) AS n"
            "               FROM done GROUP BY engine_model) AS per_model)", bounds)
        histogram, per_model = row
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
        self._db.run(lambda conn: conn.execute(
            "INSERT INTO workers (worker_id, engine_models, state, started_at, seen_at)"
            f" VALUES (%s, %s::jsonb, %s, {NOW}, {NOW})"
            " ON CONFLICT (worker_id) DO UPDATE SET engine_models = excluded.engine_models,"
            " state = excluded.state, seen_at = excluded.seen_at",
            (worker_id, dumps(list(engine_models)), state)))

    def live_workers(self, max_age_seconds: float) -> list[dict[str, Any]]:
        rows = self._all(
            "SELECT worker_id, engine_models, state, seen_at FROM workers"
            f" WHERE state <> 'stopped' AND seen_at >= {NOW} - %s ORDER BY worker_id", (float(max_age_seconds),))
        return [{"worker_id": w, "engine_models": list(m), "state": s, "seen_at": seen} for w, m, s, seen in rows]

    # -- keys --------------------------------------------------------------------------------------------------
    def create_key(self, *, key_id: str, name: str, key_hash: str, prefix: str, quota: int | None) -> ApiKey:
        if quota is not None and (isinstance(quota, bool) or not isinstance(quota, int) or quota < 0):
            raise ValueError(f"quota must be a non-negative integer or None, got {quota!r}")
        (created_at,) = self._one(
            f"INSERT INTO api_keys (id, name, key_hash, prefix, created_at, quota) VALUES (%s, %s, %s, %s, {NOW}, %s)"
            " RETURNING created_at", (key_id, name, key_hash, prefix, quota))
        return ApiKey(id=key_id, name=name, prefix=prefix, created_at=created_at, quota=quota)

    def key_by_hash(self, key_hash: str) -> ApiKey | None:
        row = self._one(f"SELECT {KEY_COLUMNS} FROM api_keys WHERE key_hash = %s", (key_hash,))
        return None if row is None else key_from_row(row)

    def list_keys(self) -> list[ApiKey]:
        return [key_from_row(r) for r in self._all(f"SELECT {KEY_COLUMNS} FROM api_keys ORDER BY created_at, id")]

    def revoke_key(self, key_id_or_prefix: str) -> ApiKey | None:
        needle = key_id_or_prefix.strip()
        if not needle:
            raise ValueError("name the key to revoke by its id or prefix")

        def revoke(conn: Any) -> ApiKey | None:
            rows = conn.execute(f"SELECT {KEY_COLUMNS} FROM api_keys WHERE id = %s FOR UPDATE", (needle,)).fetchall()
            if not rows:
                # The shown prefix, or a beginning of it (as long as only one key starts that way).
                rows = conn.execute(f"SELECT {KEY_COLUMNS} FROM api_keys WHERE prefix = %s FOR UPDATE",
                                    (needle,)).fetchall()
                if not rows:
                    rows = conn.execute(f"SELECT {KEY_COLUMNS} FROM api_keys WHERE left(prefix, %s) = %s"
                                        " ORDER BY id FOR UPDATE", (len(needle), needle)).fetchall()
            if not rows:
                return None
            if len(rows) > 1:
                raise ValueError(f"{needle!r} matches {len(rows)} keys "
                                 f"({', '.join(r[0] for r in rows)}); give the key id instead")
            key = key_from_row(rows[0])
            if key.revoked:
                return key  # revoking twice keeps the first revocation time
            row = conn.execute(f"UPDATE api_keys SET revoked_at = {NOW} WHERE id = %s RETURNING {KEY_COLUMNS}",
                               (key.id,)).fetchone()
            return key_from_row(row)

        return self._db.run(revoke, transaction=True)

    def count_keys(self) -> int:
        return int(self._one("SELECT COUNT(*) FROM api_keys")[0])


def _reopen(url: str, pool_size: int, connect_timeout: float, statement_timeout: float) -> PostgresJobStore:
    return PostgresJobStore(url, pool_size=pool_size, connect_timeout=connect_timeout,
                            statement_timeout=statement_timeout)


def _without_password(url: str) -> str:
    scheme, sep, rest = url.partition("://")
    credentials, at, host = rest.rpartition("@")
    if not at or ":" not in credentials:
        return url
    return f"{scheme}{sep}{credentials.split(':', 1)[0]}:***@{host}"


def _idempotent_replay(conn: Any, job: NewJob, window_seconds: float) -> Job | None:
    """The job an earlier request with this idempotency key created, in the caller's transaction (which holds the
    key's row lock, so no concurrent request with the same idempotency key is between this read and the insert)."""
    row = conn.execute(
        f"SELECT request_hash, job_id, created_at < {NOW} - %s FROM idempotency_keys"
        " WHERE key_id = %s AND idempotency_key = %s", (float(window_seconds), job.key_id, job.idempotency_key)
    ).fetchone()
    if row is None:
        return None
    request_hash, job_id, outdated = row
    earlier = conn.execute(f"SELECT {JOB_COLUMNS} FROM jobs WHERE id = %s", (job_id,)).fetchone()
    if outdated or earlier is None:
        # Past its window (or its job was swept): the key is free for a new request.
        conn.execute("DELETE FROM idempotency_keys WHERE key_id = %s AND idempotency_key = %s",
                     (job.key_id, job.idempotency_key))
        return None
    if request_hash != (job.request_hash or ""):
        raise IdempotencyConflict(
            "this Idempotency-Key was already used with a different request body; use a new key for a new request")
    return job_from_row(earlier)


def _refund(conn: Any, seq: int) -> None:
    """Give the job's key back what the job was charged, in the caller's transaction."""
    conn.execute(
        "UPDATE api_keys SET credits_used = GREATEST(api_keys.credits_used - jobs.credits_used, 0)"
        " FROM jobs WHERE jobs.seq = %s AND api_keys.id = jobs.key_id", (seq,))


def _end_with_error(conn: Any, seq: int, name: str, message: str) -> None:
    """End a job ``error`` and refund what it was charged, in the caller's transaction."""
    _refund(conn, seq)
    conn.execute(
        "UPDATE jobs SET status = 'error', error_name = %s, error_message = %s, credits_used = 0,"
        f" lease_expires_at = NULL, completed_at = {NOW}, updated_at = {NOW} WHERE seq = %s", (name, message, seq))


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


#: Claims look at this many more keys than they take, and one job more per key, to pass over those concurrent
#: workers hold (when all of these are held, the model's oldest unlocked jobs are taken).
_CLAIM_SLACK = 4


def _lock_fair_choice(conn: Any, models: list[str], limit: int) -> list[tuple[int, str, int]]:
    """Lock the jobs a claim takes and their keys; ``(seq, key id, a turn drawn)`` in the order it takes them."""
    candidates = conn.execute(CLAIM_CANDIDATES, {"models": models, "keys": limit + _CLAIM_SLACK,
                                                 "per_key": limit + 1}).fetchall()
    if not candidates:
        return []  # key_queues lists every queued job's key: nothing waits for these models
    # The model of the job whose turn it is; a batch takes only that model's jobs, so it can run as one.
    by_model: dict[str, list[int]] = {}
    for seq, model in candidates:
        by_model.setdefault(model, []).append(seq)
    for seqs in by_model.values():
        # The candidates come in round-robin order; passing over those other workers hold keeps it.
        locked = conn.execute(CLAIM_LOCK, {"seqs": seqs, "limit": limit}).fetchall()
        if locked:
            return locked
    # Every candidate was held by a concurrent worker (or just taken): any unlocked job beats waiting.
    for model in by_model:
        locked = conn.execute(CLAIM_LOCK_ANY, {"model": model, "limit": limit}).fetchall()
        if locked:
            return locked
    return []


def _check_lease(lease_seconds: float) -> None:
    if not isinstance(lease_seconds, (int, float)) or not lease_seconds > 0 or math.isinf(lease_seconds):
        raise ValueError(f"lease_seconds must be a positive number, got {lease_seconds!r}")
