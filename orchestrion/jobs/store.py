"""The job store interface every backend implements (SQLite embedded, PostgreSQL scaled out).

The store is the queue and the source of truth: creation with admission control and credit charging, leased
claims, heartbeats, fenced completion (only the current lease owner of the current attempt may finish a job, so a
worker that lost its lease can never write a second result), expiry of stalled leases, and API keys.

All methods are synchronous and safe to call from several threads and processes at once. The shared conformance
suite in ``tests/conformance`` runs against every implementation.
"""

from __future__ import annotations

import abc
from typing import Any, Sequence

from .models import ApiKey, FileRef, Job, JobStatus, NewJob, WebhookDelivery

__all__ = [
    "BudgetExceeded",
    "IdempotencyConflict",
    "JobStore",
    "QueueFull",
    "QuotaExceeded",
    "StoreError",
    "StoreUnavailable",
    "TooManyActive",
    "TooManyQueued",
]

#: How long an ``Idempotency-Key`` keeps answering with the generation it first created.
IDEMPOTENCY_SECONDS = 24 * 3600.0


class StoreError(Exception):
    """Base of the store's errors."""


class StoreUnavailable(StoreError):
    """The database cannot be reached or is locked past the timeout (the API answers 503)."""


class QueueFull(StoreError):
    """The whole queue holds ``max_queued_total`` jobs (503)."""


class TooManyQueued(StoreError):
    """This key already has ``max_queued_per_key`` jobs waiting (429)."""


class TooManyActive(TooManyQueued):
    """This key already has ``max_active_per_key`` generations queued or generating (429)."""

    def __init__(self, message: str, *, limit: int, active: int) -> None:
        super().__init__(message)
        self.limit = limit
        self.active = active


class BudgetExceeded(TooManyQueued):
    """Creating the job would take its key past one of its budgets (429): ``budget`` names which one,
    ``"queued_audio_seconds"`` (audio seconds queued or generating, this job's included) or ``"stored_bytes"``
    (bytes of the key's finished generations still stored). ``limit`` is the budget and ``used`` what the key holds
    now, without this job."""

    def __init__(self, message: str, *, budget: str, limit: float, used: float) -> None:
        super().__init__(message)
        self.budget = budget
        self.limit = limit
        self.used = used


class QuotaExceeded(StoreError):
    """Creating the job would take the key past its credit quota (403)."""


class IdempotencyConflict(StoreError):
    """The ``Idempotency-Key`` was used, within its window, for a request with another body (409)."""


class JobStore(abc.ABC):
    #: Reads are answered from this machine (an embedded file) and never wait on a network or a writer, so the
    #: API may call them on its event loop; reads of networked stores run in threads.
    local_reads: bool = False

    # -- lifecycle ---------------------------------------------------------------------------------------------
    @abc.abstractmethod
    def migrate(self) -> int:
        """Apply pending numbered migrations (safe when several processes start together); return the version."""

    @abc.abstractmethod
    def ping(self) -> None:
        """Raise :class:`StoreUnavailable` unless the store answers a trivial query."""

    def close(self) -> None:
        """Release connections."""

    # -- jobs: API side ----------------------------------------------------------------------------------------
    @abc.abstractmethod
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
        """Insert a queued job and charge ``job.credits`` to its key, atomically.

        Raises :class:`QueueFull`, :class:`TooManyQueued`, :class:`TooManyActive` (``max_active_per_key`` jobs of
        the key queued or generating), :class:`BudgetExceeded` (the key's queued and generating ``work_seconds``
        plus this job's would pass ``max_queued_seconds_per_key``, or its stored bytes already reach
        ``max_stored_bytes_per_key``) or :class:`QuotaExceeded` and then changes nothing. ``None`` budgets are
        not checked.

        With ``job.idempotency_key`` set: if the key created a job under that idempotency key within
        ``idempotency_seconds``, that job is returned (nothing is created or charged; compare the returned id with
        ``job.id``) when ``job.request_hash`` matches, and :class:`IdempotencyConflict` is raised when it does not.
        A unique constraint, not a prior read, guarantees that concurrent retries create one job.
        """

    @abc.abstractmethod
    def get_job(self, job_id: str, key_id: str | None = None) -> Job | None:
        """The job, or ``None`` if unknown or (when ``key_id`` is given) owned by another key."""

    @abc.abstractmethod
    def queue_position(self, job: Job) -> int | None:
        """Jobs ahead of a queued ``job`` for the same engine model in the fair order of :meth:`claim_jobs`
        (0 = next), were no other job to arrive; ``None`` if not queued."""

    @abc.abstractmethod
    def cancel_job(self, job_id: str, key_id: str | None = None) -> tuple[Job, bool] | None:
        """Cancel a queued or generating job: it ends ``canceled``, its credits are refunded and its lease is void
        (the worker's heartbeats and completion then answer ``False``). Returns ``(job as it is now, changed)``;
        ``changed`` is ``False`` when the job had already ended. ``None`` if unknown (or another key's)."""

    @abc.abstractmethod
    def refund_job(self, job_id: str, key_id: str | None = None) -> Job | None:
        """Refund whatever ``job`` is still charged (its ``credits_used`` go back to its key and become 0), in any
        status: for a generation that completed but whose audio could not be delivered. Refunding twice refunds
        once. ``None`` if unknown (or another key's)."""

    @abc.abstractmethod
    def stored_bytes(self, key_id: str) -> int:
        """Bytes of the key's finished generations' files still stored (what ``max_stored_bytes_per_key``
        counts): completing a job adds its files' sizes, deleting it takes them away."""

    @abc.abstractmethod
    def list_jobs(self, key_id: str, *, limit: int, after: str | None = None) -> tuple[list[Job], str | None]:
        """The key's jobs, newest first, ``limit`` at a time. ``after`` is the cursor a previous page returned;
        the second value is the cursor of the next page (``None`` on the last). Raises ``ValueError`` for a
        cursor this store did not make."""

    # -- jobs: worker side -------------------------------------------------------------------------------------
    @abc.abstractmethod
    def claim_jobs(
        self, worker_id: str, engine_models: Sequence[str], *, limit: int = 1, lease_seconds: float
    ) -> list[Job]:
        """Lease up to ``limit`` queued jobs of one engine model among ``engine_models``, fairly across keys.

        Keys take turns (round-robin): the next job is the oldest queued job of the key, among those with queued
        jobs for these models, whose last claim is the longest ago (a key never claimed before goes first; ties go
        to the oldest job). So one key's backlog never holds another key's job back by more than one job per
        key with work waiting. A batch of several jobs takes them in that same order, within one engine model.
        Claims made at the same moment by several workers pass over each other's jobs to the next in that order.
        Claimed jobs become ``generating`` with ``attempts + 1``, ``lease_owner = worker_id`` and a lease that
        expires ``lease_seconds`` from now. Jobs of one call share one engine model (so they can form a batch).
        Expired leases are returned to the queue first (see :meth:`requeue_expired`).
        """

    @abc.abstractmethod
    def heartbeat(
        self, job_id: str, worker_id: str, *, lease_seconds: float, progress: float | None = None
    ) -> bool:
        """Extend the lease (and record progress); ``False`` if ``worker_id`` no longer holds the job."""

    @abc.abstractmethod
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
        """Mark the job ``completed`` with its files; ``False`` (and no change) if the lease was lost."""

    @abc.abstractmethod
    def fail_job(
        self, job_id: str, worker_id: str, *, error_name: str, error_message: str, retry: bool = False
    ) -> bool:
        """Fail the current attempt. With ``retry`` and attempts left the job is queued again; otherwise it
        ends ``error`` and its credits are refunded. ``False`` (and no change) if the lease was lost."""

    @abc.abstractmethod
    def release_job(self, job_id: str, worker_id: str) -> bool:
        """Hand a claimed job back to the queue without counting the attempt (graceful shutdown)."""

    def wait_for_jobs(self, timeout: float) -> None:
        """Block up to ``timeout`` seconds or until new work may be queued (backends that can be woken, such as
        PostgreSQL's LISTEN/NOTIFY or SQLite's data version, return early). Idle workers call this between claims."""
        import time

        time.sleep(timeout)

    @abc.abstractmethod
    def requeue_expired(self, now: float | None = None) -> int:
        """Return jobs whose lease expired to the queue, or end them ``error`` (refunded) after the last
        attempt with a message saying the worker was lost. Returns how many jobs changed."""

    # -- retention ---------------------------------------------------------------------------------------------
    @abc.abstractmethod
    def expired_jobs(self, finished_before: float, *, limit: int) -> list[Job]:
        """Up to ``limit`` ended jobs (completed, error, canceled) that ended before ``finished_before``, oldest
        first, for the retention sweeper to delete with their files."""

    @abc.abstractmethod
    def delete_jobs(self, job_ids: Sequence[str]) -> int:
        """Delete ended jobs with their webhook deliveries and idempotency keys; queued or generating ones are
        kept. Returns how many went."""

    # -- webhooks (an outbox: deliveries are rows written in the transaction that changes the job) ----------
    @abc.abstractmethod
    def claim_webhook_deliveries(self, owner: str, *, limit: int, lease_seconds: float) -> list[WebhookDelivery]:
        """Lease up to ``limit`` pending deliveries that are due (oldest first): no other ``owner`` gets them until
        the lease expires, so several senders never send one delivery at the same time."""

    @abc.abstractmethod
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
        """Record one attempt of a leased delivery (``attempts + 1``) and release the lease: ``delivered``; or
        pending again at ``retry_at``; or ``failed`` for good when ``retry_at`` is ``None``. The first ``payload``
        recorded is kept, so retries send the same body. ``False`` (and no change) if ``owner`` lost the lease."""

    @abc.abstractmethod
    def webhook_deliveries(self, job_id: str) -> list[WebhookDelivery]:
        """A job's deliveries in the order they were queued."""

    # -- observation -------------------------------------------------------------------------------------------
    @abc.abstractmethod
    def count_by_status(self) -> dict[JobStatus, int]:
        """Jobs in each status (every status present, zero included)."""

    @abc.abstractmethod
    def queue_depth(self, engine_model: str | None = None) -> int:
        """Queued jobs (for one engine model, or all)."""

    @abc.abstractmethod
    def completion_stats(self, buckets: Sequence[float]) -> dict[str, Any]:
        """Aggregates over completed jobs for `/metrics`:

        ``{"time_to_audio": {"buckets": [cumulative counts per bucket bound], "count": n, "sum": s},
           "real_time_factor": {engine_model: {"audio_seconds": a, "engine_seconds": e, "count": n}}}``
        where time-to-audio is ``completed_at - created_at``.
        """

    # -- workers ---------------------------------------------------------------------------------------------
    @abc.abstractmethod
    def record_worker(self, worker_id: str, *, engine_models: Sequence[str], state: str) -> None:
        """Upsert a worker's presence: ``state`` is ``"loading"``, ``"ready"`` or ``"stopped"``; ``seen_at`` = now.
        Workers call it on start, after loading engines, periodically while alive and when they stop."""

    @abc.abstractmethod
    def live_workers(self, max_age_seconds: float) -> list[dict[str, Any]]:
        """Workers seen within ``max_age_seconds`` and not stopped:
        ``[{"worker_id", "engine_models": [...], "state", "seen_at"}]``."""

    # -- keys --------------------------------------------------------------------------------------------------
    @abc.abstractmethod
    def create_key(self, *, key_id: str, name: str, key_hash: str, prefix: str, quota: int | None) -> ApiKey:
        """Store a new key by its hash (the key itself is never stored)."""

    @abc.abstractmethod
    def key_by_hash(self, key_hash: str) -> ApiKey | None: ...

    @abc.abstractmethod
    def list_keys(self) -> list[ApiKey]: ...

    @abc.abstractmethod
    def revoke_key(self, key_id_or_prefix: str) -> ApiKey | None:
        """Revoke by id or unique prefix; ``None`` if no key matches."""

    @abc.abstractmethod
    def count_keys(self) -> int: ...
