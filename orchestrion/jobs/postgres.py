"""The scaled-out job store: one PostgreSQL database shared by many API processes and workers on many machines.

PostgreSQL does the locking and the durability; there is no broker beside it:

- claims lock the oldest queued rows with ``FOR UPDATE SKIP LOCKED``, so concurrent workers never wait for each
  other and never take the same job; completion, failure and heartbeats are fenced by ``lease_owner`` in the same
  ``UPDATE``, so a worker that lost its lease cannot write a second result;
- every claim first returns expired leases to the queue (or ends them ``error`` after the last attempt);
- a trigger announces each claimable job with ``NOTIFY``, and idle workers ``LISTEN`` (:meth:`wait_for_jobs`);
- times come from the database's clock, so leases hold even when the machines' clocks disagree;
- the per-key queue limit and the credit quota are exact: creation locks the key's row. The queue-wide limit is
  read without a global lock, so creations racing through several API processes may pass it by at most the number
  in flight at that moment; it protects the machine, and serialising every creation to make it exact would cost
  more than that overshoot.

Connections come from a small pool per process (:mod:`._postgres_connections`) that turns connection loss into
:class:`StoreUnavailable` and reconnects by itself when the database is back.
"""

from __future__ import annotations

import math
import threading
import time
from typing import Any, Sequence

from ._postgres_connections import Listener, PostgresConnections, connect, connection_options, translate
from ._rows import JOB_COLUMNS, KEY_COLUMNS, dumps, job_from_row, key_from_row, loads
from .migrate import Dialect, load_migrations, run_migrations
from .models import ApiKey, FileRef, Job, JobStatus, NewJob
from .store import JobStore, QueueFull, QuotaExceeded, StoreError, TooManyQueued

__all__ = ["POSTGRES_DIALECT", "PostgresJobStore"]

_MIGRATIONS_PACKAGE = "orchestrion.jobs.migrations.postgres"
_WORKER_STATES = frozenset({"loading", "ready", "stopped"})
#: Advisory lock keys ("orch" + a number): one for migrations, one for folding the job counters.
_MIGRATION_LOCK = 0x6F726368_0001
_COUNTS_LOCK = 0x6F726368_0002
#: The NOTIFY channel the announce trigger of migration 0001 uses.
CHANNEL = "orchestrion_jobs"
#: How often one process folds the job counter rows together (see migration 0001).
_FOLD_EVERY_SECONDS = 2.0

_NOW = "extract(epoch FROM now())::float8"
_RETURNING_JOB = ", ".join(f"jobs.{column.strip()}" for column in JOB_COLUMNS.split(","))

POSTGRES_DIALECT = Dialect(
    name="postgresql",
    # The lock is held until the migration transaction ends, so processes starting together apply it once.
    begin=(f"SELECT pg_advisory_xact_lock({_MIGRATION_LOCK})",),
    param="%s",
    # Without parameters psycopg sends the whole file as one simple query: many statements, $$ bodies included.
    execute_script=lambda conn, sql: conn.execute(sql),
)

# Formatted twice below: with the database's clock, or with an explicit time (for tests and for tools).
_REQUEUE_EXPIRED = """
WITH expired AS (
    SELECT seq, credits_used FROM jobs
    WHERE status = 'generating' AND lease_expires_at <= {now}
    FOR UPDATE SKIP LOCKED
), changed AS (
    UPDATE jobs SET
        status = CASE WHEN jobs.attempts < jobs.max_attempts THEN 'queued' ELSE 'error' END,
        progress = CASE WHEN jobs.attempts < jobs.max_attempts THEN 0 ELSE jobs.progress END,
        lease_owner = CASE WHEN jobs.attempts < jobs.max_attempts THEN NULL ELSE jobs.lease_owner END,
        lease_expires_at = NULL,
        error_name = CASE WHEN jobs.attempts < jobs.max_attempts THEN NULL ELSE 'worker_lost' END,
        error_message = CASE WHEN jobs.attempts < jobs.max_attempts THEN NULL ELSE
            'the worker running this generation stopped (attempt ' || jobs.attempts || ' of '
            || jobs.max_attempts || ') before finishing; it may have crashed or run out of memory, '
            || 'and no attempts are left' END,
        credits_used = CASE WHEN jobs.attempts < jobs.max_attempts THEN jobs.credits_used ELSE 0 END,
        completed_at = CASE WHEN jobs.attempts < jobs.max_attempts THEN NULL ELSE {now} END,
        updated_at = {now}
    FROM expired WHERE jobs.seq = expired.seq
    RETURNING jobs.key_id, jobs.status, expired.credits_used AS charged
), refunds AS (
    UPDATE api_keys SET credits_used = GREATEST(api_keys.credits_used - refund.charged, 0)
    FROM (SELECT key_id, SUM(charged) AS charged FROM changed WHERE status = 'error' GROUP BY key_id) AS refund
    WHERE api_keys.id = refund.key_id
)
SELECT count(*) FROM changed
"""
_REQUEUE_EXPIRED_NOW = _REQUEUE_EXPIRED.format(now=_NOW)
_REQUEUE_EXPIRED_AT = _REQUEUE_EXPIRED.format(now="%(now)s")

# Up to `limit` unlocked queued jobs of each model are locked for the length of this one statement; the model of
# the oldest wins and only its jobs are claimed, so a batch shares one engine model.
_CLAIM = f"""
WITH candidates AS (
    SELECT head.seq, head.engine_model
    FROM unnest(%(models)s::text[]) AS wanted(model)
    CROSS JOIN LATERAL (
        SELECT seq, engine_model FROM jobs
        WHERE status = 'queued' AND engine_model = wanted.model
        ORDER BY seq LIMIT %(limit)s
        FOR UPDATE SKIP LOCKED
    ) AS head
), chosen AS (
    SELECT seq FROM candidates
    WHERE engine_model = (SELECT engine_model FROM candidates ORDER BY seq LIMIT 1)
)
UPDATE jobs SET status = 'generating', attempts = attempts + 1, progress = 0, lease_owner = %(worker)s,
    lease_expires_at = {_NOW} + %(lease)s, started_at = COALESCE(started_at, {_NOW}), updated_at = {_NOW}
FROM chosen WHERE jobs.seq = chosen.seq
RETURNING jobs.seq, {_RETURNING_JOB}
"""

_FOLD_COUNTS = f"""
WITH gate AS (SELECT pg_try_advisory_xact_lock({_COUNTS_LOCK}) AS mine),
moved AS (
    DELETE FROM job_count_deltas USING gate WHERE gate.mine
    RETURNING job_count_deltas.status, job_count_deltas.engine_model, job_count_deltas.delta
)
INSERT INTO job_count_deltas (status, engine_model, delta)
SELECT status, engine_model, SUM(delta) FROM moved GROUP BY status, engine_model HAVING SUM(delta) <> 0
"""


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
            self._db.run(lambda conn: conn.execute(_FOLD_COUNTS))
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
        except StoreError:
            raise
        except Exception as exc:
            import psycopg

            if isinstance(exc, psycopg.Error):
                raise translate(exc) from None
            raise
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
    def create_job(self, job: NewJob, *, max_queued_per_key: int, max_queued_total: int) -> Job:
        _check_new_job(job)
        params = dumps(job.params)

        def create(conn: Any) -> float:
            (total,) = conn.execute(
                "SELECT COALESCE(SUM(delta), 0) FROM job_count_deltas WHERE status = 'queued'").fetchone()
            if total >= max_queued_total:
                raise QueueFull(f"the queue holds {total} generations, its limit; try again later")
            # The key's row lock makes this key's creations take turns: its limit and its quota hold exactly.
            key = conn.execute("SELECT quota, credits_used FROM api_keys WHERE id = %s FOR UPDATE",
                               (job.key_id,)).fetchone()
            if key is None:
                raise StoreError(f"unknown key id {job.key_id!r}")
            # Counting stops at the limit, so a key with thousands queued costs no more than one at the limit.
            (mine,) = conn.execute(
                "SELECT COUNT(*) FROM (SELECT 1 FROM jobs WHERE key_id = %s AND status = 'queued' LIMIT %s) AS q",
                (job.key_id, max(0, max_queued_per_key))).fetchone()
            if mine >= max_queued_per_key:
                raise TooManyQueued(
                    f"this key already has {mine} queued generations, its limit; wait for some to start")
            quota, used = key
            if quota is not None and used + job.credits > quota:
                raise QuotaExceeded(
                    f"this generation costs {job.credits} credits and the key has {max(0, quota - used)} "
                    f"of its {quota} left")
            (created_at,) = conn.execute(
                "INSERT INTO jobs (id, key_id, model, engine_model, params, status, max_attempts, created_at,"
                f" updated_at, credits_used) VALUES (%s, %s, %s, %s, %s::jsonb, 'queued', %s, {_NOW}, {_NOW}, %s)"
                " RETURNING created_at",
                (job.id, job.key_id, job.model, job.engine_model, params, job.max_attempts, job.credits)).fetchone()
            if job.credits:
                conn.execute("UPDATE api_keys SET credits_used = credits_used + %s WHERE id = %s",
                             (job.credits, job.key_id))
            return created_at

        created_at = self._db.run(create, transaction=True)
        self._fold_counts_now_and_then()
        return Job(id=job.id, key_id=job.key_id, model=job.model, engine_model=job.engine_model,
                   params=loads(params), status=JobStatus.QUEUED, progress=0.0, attempts=0,
                   max_attempts=job.max_attempts, created_at=created_at, updated_at=created_at,
                   credits_used=job.credits)

    def get_job(self, job_id: str, key_id: str | None = None) -> Job | None:
        if key_id is None:
            row = self._one(f"SELECT {JOB_COLUMNS} FROM jobs WHERE id = %s", (job_id,))
        else:
            row = self._one(f"SELECT {JOB_COLUMNS} FROM jobs WHERE id = %s AND key_id = %s", (job_id, key_id))
        return None if row is None else job_from_row(row)

    def queue_position(self, job: Job) -> int | None:
        row = self._one(
            "SELECT (SELECT COUNT(*) FROM jobs AS ahead WHERE ahead.status = 'queued'"
            "        AND ahead.engine_model = jobs.engine_model AND ahead.seq < jobs.seq)"
            " FROM jobs WHERE id = %s AND status = 'queued'", (job.id,))
        return None if row is None else int(row[0])

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
        self.requeue_expired()
        rows = self._all(_CLAIM, {"models": models, "limit": limit, "worker": worker_id,
                                  "lease": float(lease_seconds)})
        self._fold_counts_now_and_then()
        # RETURNING follows no particular order; callers batch oldest first.
        return [job_from_row(row[1:]) for row in sorted(rows, key=lambda r: r[0])]

    def heartbeat(
        self, job_id: str, worker_id: str, *, lease_seconds: float, progress: float | None = None
    ) -> bool:
        _check_lease(lease_seconds)
        if progress is not None:
            if not isinstance(progress, (int, float)) or math.isnan(progress):
                raise ValueError(f"progress must be a number between 0 and 1, got {progress!r}")
            progress = min(1.0, max(0.0, float(progress)))
        row = self._one(
            f"UPDATE jobs SET lease_expires_at = {_NOW} + %s, progress = COALESCE(%s, progress), updated_at = {_NOW}"
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
        row = self._one(
            "UPDATE jobs SET status = 'completed', progress = 1, files = %s::jsonb, audio_seconds = %s,"
            f" engine_seconds = %s, info = COALESCE(%s::jsonb, info), completed_at = {_NOW}, updated_at = {_NOW},"
            " lease_expires_at = NULL"
            " WHERE id = %s AND status = 'generating' AND lease_owner = %s RETURNING 1",
            (files_json, float(audio_seconds), float(engine_seconds), info_json, job_id, worker_id))
        return row is not None

    def fail_job(
        self, job_id: str, worker_id: str, *, error_name: str, error_message: str, retry: bool = False
    ) -> bool:
        def fail(conn: Any) -> bool:
            row = conn.execute(
                "SELECT seq, attempts, max_attempts FROM jobs"
                " WHERE id = %s AND status = 'generating' AND lease_owner = %s FOR UPDATE",
                (job_id, worker_id)).fetchone()
            if row is None:
                return False
            seq, attempts, max_attempts = row
            if retry and attempts < max_attempts:
                # The job goes back to waiting; its error is kept in info, since a queued job shows no error.
                last_error = dumps({"name": error_name, "message": error_message, "attempt": attempts})
                conn.execute(
                    "UPDATE jobs SET status = 'queued', progress = 0, lease_owner = NULL, lease_expires_at = NULL,"
                    f" updated_at = {_NOW}, info = jsonb_set(info, '{{last_error}}', %s::jsonb) WHERE seq = %s",
                    (last_error, seq))
            else:
                _end_with_error(conn, seq, error_name, error_message)
            return True

        return self._db.run(fail, transaction=True)

    def release_job(self, job_id: str, worker_id: str) -> bool:
        row = self._one(
            "UPDATE jobs SET status = 'queued', attempts = GREATEST(attempts - 1, 0), progress = 0,"
            f" lease_owner = NULL, lease_expires_at = NULL, updated_at = {_NOW}"
            " WHERE id = %s AND status = 'generating' AND lease_owner = %s RETURNING 1", (job_id, worker_id))
        return row is not None

    def requeue_expired(self, now: float | None = None) -> int:
        if now is None:
            (changed,) = self._one(_REQUEUE_EXPIRED_NOW)
        else:
            (changed,) = self._one(_REQUEUE_EXPIRED_AT, {"now": float(now)})
        return int(changed)

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
            f" VALUES (%s, %s::jsonb, %s, {_NOW}, {_NOW})"
            " ON CONFLICT (worker_id) DO UPDATE SET engine_models = excluded.engine_models,"
            " state = excluded.state, seen_at = excluded.seen_at",
            (worker_id, dumps(list(engine_models)), state)))

    def live_workers(self, max_age_seconds: float) -> list[dict[str, Any]]:
        rows = self._all(
            "SELECT worker_id, engine_models, state, seen_at FROM workers"
            f" WHERE state <> 'stopped' AND seen_at >= {_NOW} - %s ORDER BY worker_id", (float(max_age_seconds),))
        return [{"worker_id": w, "engine_models": list(m), "state": s, "seen_at": seen} for w, m, s, seen in rows]

    # -- keys --------------------------------------------------------------------------------------------------
    def create_key(self, *, key_id: str, name: str, key_hash: str, prefix: str, quota: int | None) -> ApiKey:
        if quota is not None and (isinstance(quota, bool) or not isinstance(quota, int) or quota < 0):
            raise ValueError(f"quota must be a non-negative integer or None, got {quota!r}")
        (created_at,) = self._one(
            f"INSERT INTO api_keys (id, name, key_hash, prefix, created_at, quota) VALUES (%s, %s, %s, %s, {_NOW}, %s)"
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
            row = conn.execute(f"UPDATE api_keys SET revoked_at = {_NOW} WHERE id = %s RETURNING {KEY_COLUMNS}",
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


def _end_with_error(conn: Any, seq: int, name: str, message: str) -> None:
    """End a job ``error`` and refund what it was charged, in the caller's transaction."""
    conn.execute(
        "UPDATE api_keys SET credits_used = GREATEST(api_keys.credits_used - jobs.credits_used, 0)"
        " FROM jobs WHERE jobs.seq = %s AND api_keys.id = jobs.key_id", (seq,))
    conn.execute(
        "UPDATE jobs SET status = 'error', error_name = %s, error_message = %s, credits_used = 0,"
        f" lease_expires_at = NULL, completed_at = {_NOW}, updated_at = {_NOW} WHERE seq = %s", (name, message, seq))


def _check_new_job(job: NewJob) -> None:
    if not isinstance(job.params, dict):
        raise TypeError(f"job params must be a dict, got {type(job.params).__name__}")
    if isinstance(job.credits, bool) or not isinstance(job.credits, int) or job.credits < 0:
        raise ValueError(f"job credits must be a non-negative integer, got {job.credits!r}")
    if isinstance(job.max_attempts, bool) or not isinstance(job.max_attempts, int) or job.max_attempts < 1:
        raise ValueError(f"max_attempts must be an integer of at least 1, got {job.max_attempts!r}")


def _check_lease(lease_seconds: float) -> None:
    if not isinstance(lease_seconds, (int, float)) or not lease_seconds > 0 or math.isinf(lease_seconds):
        raise ValueError(f"lease_seconds must be a positive number, got {lease_seconds!r}")
