"""The rules of the SQL job stores, written once: :class:`SQLJobStore` over a database connection and the named
statements of :mod:`.queries`.

A dialect (:mod:`.sqlite`, :mod:`.postgres`) gives the store its connections and overrides only what its database
does its own way: opening and closing connections and transactions, migrations, claiming (each with its locking),
waking idle workers, the completion aggregates of ``/metrics``, and the row locks it takes before changing several
keys. Everything else (admission, idempotent replay, cancelling, refunds, fenced completion and failure, expiry of
lost leases, retention, webhook leases, workers, keys and the checks of callers' input) lives here, and the shared
conformance suite in ``tests/conformance`` runs it on both databases.

A transaction is a function of one connection, which both drivers offer with the same two calls used here:
``conn.execute(sql, params)`` and the cursor's ``fetchone()``/``fetchall()``. Parameters are dicts; ``now`` is
always among them, for SQLite's clock (PostgreSQL reads its own, see :mod:`.queries`). A function handed to
:meth:`SQLJobStore._transaction` may run more than once (PostgreSQL retries a transaction it aborted to break a
deadlock), so it computes everything it writes inside.

Admission (:meth:`SQLJobStore.create_job`) checks in one order on both databases, inside the creating transaction:

1. the key's row is read first (on PostgreSQL locked, so one key's creations take turns and its limits, quota and
   idempotency keys hold exactly whichever API processes the requests reach; SQLite's write lock already holds
   every row); an unknown key is a :class:`StoreError`;
2. idempotent replay: a request repeating an idempotency key within its window gets the job it created (a
   different body is :class:`IdempotencyConflict`) before any limit is counted, since a replay creates nothing;
3. the limits, cheapest and widest first: the whole queue (:class:`QueueFull`), the key's queued jobs
   (:class:`TooManyQueued`), its queued and generating jobs (:class:`TooManyActive`);
4. the budgets read from the key's row (:class:`BudgetExceeded`), then its credit quota (:class:`QuotaExceeded`).
"""

from __future__ import annotations

import abc
import math
import time
from types import SimpleNamespace
from typing import Any, Callable, Sequence, TypeVar

from ._policy import check_budgets
from ._rows import delivery_from_row, dumps, job_from_row, key_from_row, loads, parse_seq_cursor, webhook_events_column
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

__all__ = ["SHARED_QUERIES", "SQLJobStore", "WORKER_STATES", "check_lease", "check_new_job", "first_row"]

T = TypeVar("T")

WORKER_STATES = frozenset({"loading", "ready", "stopped"})

#: The statements :class:`SQLJobStore` runs: every dialect's query files name each of them (see :mod:`.queries`).
SHARED_QUERIES = frozenset({
    "admission_key", "any_delivery_due", "cancel", "charge_credits", "claim_deliveries", "complete", "count_keys",
    "create_key", "delete_jobs", "end_with_error", "ended_jobs", "expired_jobs", "expired_leases", "fenced_job",
    "get_job", "get_job_of_key", "heartbeat", "idempotency_forget", "idempotency_lookup", "insert_job",
    "job_by_seq", "job_for_change", "job_of_key_for_change", "key_active_count", "key_by_hash", "key_queued_count",
    "keys_by_id", "keys_by_prefix", "keys_by_prefix_start", "list_jobs", "list_keys", "live_workers",
    "queue_position", "queued_for_model", "queued_total", "record_webhook_attempt", "record_worker", "refund_charge",
    "refund_lost", "release", "remember_idempotency", "requeue_lost", "retry_later", "revoke", "schema_version",
    "status_counts", "stored_bytes", "uncharge", "webhook_deliveries",
})


class SQLJobStore(JobStore):
    """The :class:`JobStore` rules on a SQL database; a dialect subclass supplies the connections (see the module
    docstring for what it overrides) and sets :attr:`_q` to its statements (:func:`.queries.load_queries`)."""

    #: The dialect's statements by name.
    _q: SimpleNamespace

    # -- what a dialect supplies -------------------------------------------------------------------------------
    @abc.abstractmethod
    def _transaction(self, work: Callable[[Any], T]) -> T:
        """``work(connection)`` in one write transaction: committed when it returns, rolled back if it raises."""

    def _read_one(self, sql: str, params: Any = None) -> tuple | None:
        """The first row of one read, outside any write transaction (a dialect may bind its connections' own
        reader in its place, saving a call layer on the hottest reads)."""
        raise NotImplementedError

    def _read_all(self, sql: str, params: Any = None) -> list[tuple]:
        """Every row of one read, outside any write transaction."""
        raise NotImplementedError

    def _statement(self, sql: str, params: Any) -> tuple | None:
        """One write statement committed by itself; its first row (``RETURNING``) or ``None``."""
        return self._transaction(lambda conn: first_row(conn.execute(sql, params)))

    def _array(self, values: list) -> Any:
        """How a list parameter (``= ANY(:name)``) is bound."""
        return values

    def _lock_keys(self, conn: Any, key_ids: Sequence[str]) -> None:
        """Lock keys' rows, in id order, before a transaction moves their jobs into or out of the queue (a database
        with row locks does; SQLite's write lock already holds every row)."""

    def _after_change(self) -> None:
        """Housekeeping after a creation or a claim committed (PostgreSQL folds its counter rows now and then)."""

    @abc.abstractmethod
    def _claim(self, worker_id: str, models: list[str], limit: int, lease_seconds: float) -> list[Job]:
        """Claim as :meth:`claim_jobs` says, with checked arguments and ``models`` without repeats."""

    @abc.abstractmethod
    def _completion_rows(self, bounds: list[float]) -> tuple[Sequence, Sequence]:
        """``(count, sum, count per bound...)`` of completed jobs' time to audio and ``[(engine model, audio
        seconds, engine seconds, count)]``, read in one snapshot so the two never disagree."""

    # -- lifecycle ---------------------------------------------------------------------------------------------
    def ping(self) -> None:
        # Reading the schema version proves both that the database answers and that it has been migrated.
        self._read_one(self._q.schema_version)

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
        check_new_job(job)
        q = self._q
        values = {"id": job.id, "key_id": job.key_id, "model": job.model, "engine_model": job.engine_model,
                  "params": dumps(job.params), "max_attempts": job.max_attempts, "credits": job.credits,
                  "work_seconds": float(job.work_seconds), "webhook_url": job.webhook_url,
                  "webhook_events": webhook_events_column(job), "idempotency_key": job.idempotency_key,
                  "request_hash": job.request_hash or "", "window": float(idempotency_seconds)}

        def create(conn: Any) -> Job:
            # The order of the checks is the module docstring's.
            values["now"] = time.time()
            key = conn.execute(q.admission_key, values).fetchone()
            if key is None:
                raise StoreError(f"unknown key id {job.key_id!r}")
            if job.idempotency_key is not None:
                earlier = self._idempotent_replay(conn, values)
                if earlier is not None:
                    return earlier
            (total,) = conn.execute(q.queued_total, values).fetchone()
            if total >= max_queued_total:
                raise QueueFull(f"the queue holds {total} generations, its limit; try again later")
            (mine,) = conn.execute(q.key_queued_count, {**values, "limit": max(0, max_queued_per_key)}).fetchone()
            if mine >= max_queued_per_key:
                raise TooManyQueued(
                    f"this key already has {mine} queued generations, its limit; wait for some to start")
            if max_active_per_key is not None:
                (active,) = conn.execute(q.key_active_count,
                                         {**values, "limit": max(0, max_active_per_key)}).fetchone()
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
            (created_at,) = conn.execute(q.insert_job, values).fetchone()
            if job.credits:
                conn.execute(q.charge_credits, values)
            if job.idempotency_key is not None:
                conn.execute(q.remember_idempotency, values)
            return Job(id=job.id, key_id=job.key_id, model=job.model, engine_model=job.engine_model,
                       params=loads(values["params"]), status=JobStatus.QUEUED, progress=0.0, attempts=0,
                       max_attempts=job.max_attempts, created_at=created_at, updated_at=created_at,
                       credits_used=job.credits, work_seconds=float(job.work_seconds))

        created = self._transaction(create)
        self._after_change()
        return created

    def _idempotent_replay(self, conn: Any, values: dict[str, Any]) -> Job | None:
        """The job an earlier request with this idempotency key created, in the caller's transaction (which holds
        the key's row, so no concurrent request with the same idempotency key is between this read and the
        insert)."""
        q = self._q
        row = conn.execute(q.idempotency_lookup, values).fetchone()
        if row is None:
            return None
        request_hash, job_id, outdated = row
        earlier = conn.execute(q.get_job, {"id": job_id}).fetchone()
        if outdated or earlier is None:
            # Past its window (or its job was swept): the key is free for a new request.
            conn.execute(q.idempotency_forget, values)
            return None
        if request_hash != values["request_hash"]:
            raise IdempotencyConflict(
                "this Idempotency-Key was already used with a different request body; use a new key for a new "
                "request")
        return job_from_row(earlier)

    def get_job(self, job_id: str, key_id: str | None = None) -> Job | None:
        if key_id is None:
            row = self._read_one(self._q.get_job, {"id": job_id})
        else:
            row = self._read_one(self._q.get_job_of_key, {"id": job_id, "key_id": key_id})
        return None if row is None else job_from_row(row)

    def queue_position(self, job: Job) -> int | None:
        # One statement, so one snapshot.
        row = self._read_one(self._q.queue_position, {"id": job.id})
        return None if row is None else int(row[0])

    def _job_for_change(self, conn: Any, job_id: str, key_id: str | None) -> tuple | None:
        """``(seq, key id, status, credits used)`` of a job about to change (locked where rows lock)."""
        if key_id is None:
            return conn.execute(self._q.job_for_change, {"id": job_id}).fetchone()
        return conn.execute(self._q.job_of_key_for_change, {"id": job_id, "key_id": key_id}).fetchone()

    def cancel_job(self, job_id: str, key_id: str | None = None) -> tuple[Job, bool] | None:
        q = self._q

        def cancel(conn: Any) -> tuple[Job, bool] | None:
            row = self._job_for_change(conn, job_id, key_id)
            if row is None:
                return None
            seq, _, status, _ = row
            changed = status in ("queued", "generating")
            if changed:
                values = {"seq": seq, "now": time.time()}
                conn.execute(q.refund_charge, values)
                conn.execute(q.cancel, values)
            return job_from_row(conn.execute(q.job_by_seq, {"seq": seq}).fetchone()), changed

        return self._transaction(cancel)

    def refund_job(self, job_id: str, key_id: str | None = None) -> Job | None:
        q = self._q

        def refund(conn: Any) -> Job | None:
            row = self._job_for_change(conn, job_id, key_id)
            if row is None:
                return None
            seq, _, _, charged = row
            if charged:
                values = {"seq": seq, "now": time.time()}
                conn.execute(q.refund_charge, values)
                conn.execute(q.uncharge, values)
            return job_from_row(conn.execute(q.job_by_seq, {"seq": seq}).fetchone())

        return self._transaction(refund)

    def stored_bytes(self, key_id: str) -> int:
        row = self._read_one(self._q.stored_bytes, {"key_id": key_id})
        return 0 if row is None else int(row[0])

    def list_jobs(self, key_id: str, *, limit: int, after: str | None = None) -> tuple[list[Job], str | None]:
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
            raise ValueError(f"limit must be a positive integer, got {limit!r}")
        below = parse_seq_cursor(after)
        rows = self._read_all(self._q.list_jobs, {"key_id": key_id, "below": below, "limit": limit + 1})
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
        check_lease(lease_seconds)
        models = list(dict.fromkeys(engine_models))
        if not models:
            return []
        return self._claim(worker_id, models, limit, float(lease_seconds))

    @staticmethod
    def _in_claim_order(rows: Sequence[tuple], seqs: Sequence[int]) -> list[Job]:
        """Claimed jobs from ``(seq, job columns...)`` rows, in the order they were claimed (``RETURNING`` follows
        no particular order)."""
        position = {seq: i for i, seq in enumerate(seqs)}
        return [job_from_row(row[1:]) for row in sorted(rows, key=lambda r: position[r[0]])]

    def heartbeat(
        self, job_id: str, worker_id: str, *, lease_seconds: float, progress: float | None = None
    ) -> bool:
        check_lease(lease_seconds)
        if progress is not None:
            if not isinstance(progress, (int, float)) or math.isnan(progress):
                raise ValueError(f"progress must be a number between 0 and 1, got {progress!r}")
            progress = min(1.0, max(0.0, float(progress)))
        return self._statement(self._q.heartbeat, {"id": job_id, "worker": worker_id, "progress": progress,
                                                   "lease": float(lease_seconds), "now": time.time()}) is not None

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
        values = {"id": job_id, "worker": worker_id, "files": dumps([f.to_dict() for f in files]),
                  "stored_bytes": sum(int(f.file_size) for f in files), "audio_seconds": float(audio_seconds),
                  "engine_seconds": float(engine_seconds), "info": None if info is None else dumps(info),
                  "now": time.time()}
        return self._statement(self._q.complete, values) is not None

    def fail_job(
        self, job_id: str, worker_id: str, *, error_name: str, error_message: str, retry: bool = False
    ) -> bool:
        q = self._q

        def fail(conn: Any) -> bool:
            row = conn.execute(q.fenced_job, {"id": job_id, "worker": worker_id}).fetchone()
            if row is None:
                return False
            seq, owner, attempts, max_attempts = row
            now = time.time()
            if retry and attempts < max_attempts:
                self._lock_keys(conn, [owner])  # its key's queue changes
                # The job goes back to waiting; its error is kept in info, since a queued job shows no error.
                last_error = dumps({"name": error_name, "message": error_message, "attempt": attempts})
                conn.execute(q.retry_later, {"seq": seq, "last_error": last_error, "now": now})
            else:
                self._end_with_error(conn, seq, error_name, error_message, now)
            return True

        return self._transaction(fail)

    def _end_with_error(self, conn: Any, seq: int, name: str, message: str, now: float) -> None:
        """End a job ``error`` and refund what it was charged, in the caller's transaction."""
        values = {"seq": seq, "error_name": name, "error_message": message, "now": now}
        conn.execute(self._q.refund_charge, values)
        conn.execute(self._q.end_with_error, values)

    def release_job(self, job_id: str, worker_id: str) -> bool:
        q = self._q

        def release(conn: Any) -> bool:
            row = conn.execute(q.fenced_job, {"id": job_id, "worker": worker_id}).fetchone()
            if row is None:
                return False
            self._lock_keys(conn, [row[1]])  # its key's queue changes
            conn.execute(q.release, {"seq": row[0], "now": time.time()})
            return True

        return self._transaction(release)

    def requeue_expired(self, now: float | None = None) -> int:
        return self._transaction(lambda conn: self._requeue_in(conn, None if now is None else float(now)))

    def _requeue_in(self, conn: Any, at: float | None) -> int:
        """Return expired leases to the queue (or end them after the last attempt) in the caller's transaction;
        ``at`` is the time to judge by, ``None`` for the store's clock."""
        q = self._q
        values: dict[str, Any] = {"at": at, "now": time.time()}
        expired = conn.execute(q.expired_leases, values).fetchall()
        if not expired:
            return 0
        values["seqs"] = self._array([seq for seq, _ in expired])
        self._lock_keys(conn, sorted({key for _, key in expired}))
        conn.execute(q.refund_lost, values)
        conn.execute(q.requeue_lost, values)
        return len(expired)

    # -- retention ---------------------------------------------------------------------------------------------
    def expired_jobs(self, finished_before: float, *, limit: int) -> list[Job]:
        rows = self._read_all(self._q.expired_jobs, {"before": float(finished_before), "limit": int(limit)})
        return [job_from_row(r) for r in rows]

    def delete_jobs(self, job_ids: Sequence[str]) -> int:
        ids = list(dict.fromkeys(job_ids))
        if not ids:
            return 0
        q = self._q

        def delete(conn: Any) -> int:
            # The ended jobs, then their keys in id order (a trigger takes the jobs' stored bytes off their keys).
            rows = conn.execute(q.ended_jobs, {"ids": self._array(ids)}).fetchall()
            if not rows:
                return 0
            self._lock_keys(conn, sorted({key for _, key in rows}))
            conn.execute(q.delete_jobs, {"seqs": self._array([seq for seq, _ in rows])})
            return len(rows)

        return self._transaction(delete)

    # -- webhooks ----------------------------------------------------------------------------------------------
    def claim_webhook_deliveries(self, owner: str, *, limit: int, lease_seconds: float) -> list[WebhookDelivery]:
        check_lease(lease_seconds)
        # Nothing due is the common answer; a plain read says so without a write.
        if not self._read_one(self._q.any_delivery_due, {"now": time.time()}):
            return []

        def claim(conn: Any) -> list[tuple]:
            return conn.execute(self._q.claim_deliveries, {"owner": owner, "lease": float(lease_seconds),
                                                           "limit": int(limit), "now": time.time()}).fetchall()

        rows = self._transaction(claim)
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
        values = {"id": delivery_id, "owner": owner, "state": state, "payload": payload, "status_code": status_code,
                  "error": error, "retry_at": None if retry_at is None else float(retry_at),
                  "delivered": bool(delivered), "now": time.time()}
        return self._statement(self._q.record_webhook_attempt, values) is not None

    def webhook_deliveries(self, job_id: str) -> list[WebhookDelivery]:
        return [delivery_from_row(r) for r in self._read_all(self._q.webhook_deliveries, {"job_id": job_id})]

    # -- observation -------------------------------------------------------------------------------------------
    def count_by_status(self) -> dict[JobStatus, int]:
        counts = {status: 0 for status in JobStatus}
        for status, n in self._read_all(self._q.status_counts):
            counts[JobStatus(status)] = int(n)
        return counts

    def queue_depth(self, engine_model: str | None = None) -> int:
        if engine_model is None:
            return int(self._read_one(self._q.queued_total)[0])
        return int(self._read_one(self._q.queued_for_model, {"engine_model": engine_model})[0])

    def completion_stats(self, buckets: Sequence[float]) -> dict[str, Any]:
        bounds = [float(b) for b in buckets]
        if any(math.isnan(b) for b in bounds) or bounds != sorted(bounds):
            raise ValueError(f"histogram buckets must be ascending numbers, got {list(buckets)!r}")
        histogram, per_model = self._completion_rows(bounds)
        return {
            "time_to_audio": {"buckets": [int(c) for c in histogram[2:]], "count": int(histogram[0]),
                              "sum": float(histogram[1])},
            "real_time_factor": {model: {"audio_seconds": float(a), "engine_seconds": float(e), "count": int(n)}
                                 for model, a, e, n in per_model},
        }

    # -- workers -----------------------------------------------------------------------------------------------
    def record_worker(self, worker_id: str, *, engine_models: Sequence[str], state: str) -> None:
        if state not in WORKER_STATES:
            raise ValueError(f"worker state must be one of {sorted(WORKER_STATES)}, got {state!r}")
        self._statement(self._q.record_worker, {"worker_id": worker_id, "engine_models": dumps(list(engine_models)),
                                                "state": state, "now": time.time()})

    def live_workers(self, max_age_seconds: float) -> list[dict[str, Any]]:
        rows = self._read_all(self._q.live_workers, {"max_age": float(max_age_seconds), "now": time.time()})
        return [{"worker_id": w, "engine_models": loads(m), "state": s, "seen_at": seen} for w, m, s, seen in rows]

    # -- keys --------------------------------------------------------------------------------------------------
    def create_key(self, *, key_id: str, name: str, key_hash: str, prefix: str, quota: int | None) -> ApiKey:
        if quota is not None and (isinstance(quota, bool) or not isinstance(quota, int) or quota < 0):
            raise ValueError(f"quota must be a non-negative integer or None, got {quota!r}")
        (created_at,) = self._statement(self._q.create_key, {"id": key_id, "name": name, "key_hash": key_hash,
                                                             "prefix": prefix, "quota": quota, "now": time.time()})
        return ApiKey(id=key_id, name=name, prefix=prefix, created_at=created_at, quota=quota)

    def key_by_hash(self, key_hash: str) -> ApiKey | None:
        row = self._read_one(self._q.key_by_hash, {"key_hash": key_hash})
        return None if row is None else key_from_row(row)

    def list_keys(self) -> list[ApiKey]:
        return [key_from_row(r) for r in self._read_all(self._q.list_keys)]

    def revoke_key(self, key_id_or_prefix: str) -> ApiKey | None:
        needle = key_id_or_prefix.strip()
        if not needle:
            raise ValueError("name the key to revoke by its id or prefix")
        q = self._q
        values = {"needle": needle, "length": len(needle)}

        def revoke(conn: Any) -> ApiKey | None:
            rows = conn.execute(q.keys_by_id, values).fetchall()
            if not rows:
                # The shown prefix, or a beginning of it (as long as only one key starts that way).
                rows = conn.execute(q.keys_by_prefix, values).fetchall()
                if not rows:
                    rows = conn.execute(q.keys_by_prefix_start, values).fetchall()
            if not rows:
                return None
            if len(rows) > 1:
                raise ValueError(f"{needle!r} matches {len(rows)} keys "
                                 f"({', '.join(r[0] for r in rows)}); give the key id instead")
            key = key_from_row(rows[0])
            if key.revoked:
                return key  # revoking twice keeps the first revocation time
            return key_from_row(conn.execute(q.revoke, {"id": key.id, "now": time.time()}).fetchone())

        return self._transaction(revoke)

    def count_keys(self) -> int:
        return int(self._read_one(self._q.count_keys)[0])


def first_row(cursor: Any) -> tuple | None:
    """The first row a statement returned, or ``None``, also for a statement that returns none at all."""
    return None if cursor.description is None else cursor.fetchone()


def check_new_job(job: NewJob) -> None:
    """Refuse a new job's malformed fields before anything reaches the database."""
    if not isinstance(job.params, dict):
        raise TypeError(f"job params must be a dict, got {type(job.params).__name__}")
    if isinstance(job.credits, bool) or not isinstance(job.credits, int) or job.credits < 0:
        raise ValueError(f"job credits must be a non-negative integer, got {job.credits!r}")
    if isinstance(job.max_attempts, bool) or not isinstance(job.max_attempts, int) or job.max_attempts < 1:
        raise ValueError(f"max_attempts must be an integer of at least 1, got {job.max_attempts!r}")
    if (isinstance(job.work_seconds, bool) or not isinstance(job.work_seconds, (int, float))
            or not 0 <= job.work_seconds < math.inf):
        raise ValueError(f"work_seconds must be a finite number of at least 0, got {job.work_seconds!r}")


def check_lease(lease_seconds: float) -> None:
    if not isinstance(lease_seconds, (int, float)) or not lease_seconds > 0 or math.isinf(lease_seconds):
        raise ValueError(f"lease_seconds must be a positive number, got {lease_seconds!r}")
