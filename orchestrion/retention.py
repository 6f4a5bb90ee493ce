"""Retention: ended generations and their files are deleted ``retention_seconds`` after they end.

Files go first, then the rows: a sweep interrupted between the two leaves rows whose files are gone, and the next
sweep deletes those rows (deleting files twice is harmless), whereas rows deleted first could leave files nobody
would ever find again. Several API processes may sweep at once; every step is idempotent. A link to a swept file
answers 410 Gone, and the generation itself 404.
"""

from __future__ import annotations

import logging
import time

from .jobs.store import JobStore
from .logs import log_event
from .storage.base import Storage
from .storage.results import input_prefix

__all__ = ["sweep_expired", "sweep_interval"]

log = logging.getLogger("orchestrion.retention")


def sweep_interval(retention_seconds: float) -> float:
    """How often to sweep: a tenth of the retention, between 1 s and 5 minutes."""
    return min(300.0, max(1.0, retention_seconds / 10))


def sweep_expired(store: JobStore, storage: Storage, retention_seconds: float, *, now: float | None = None,
                  batch: int = 200) -> int:
    """Delete every generation that ended more than ``retention_seconds`` ago, with its files; return how many."""
    if retention_seconds <= 0:
        return 0
    cutoff = (time.time() if now is None else now) - retention_seconds
    removed = 0
    while True:
        jobs = store.expired_jobs(cutoff, limit=batch)
        if not jobs:
            break
        for job in jobs:
            storage.delete_prefix(job.id)
            storage.delete_prefix(input_prefix(job.id))  # what the request brought
        deleted = store.delete_jobs([job.id for job in jobs])
        removed += deleted
        if len(jobs) < batch or deleted == 0:
            break
    if removed:
        log_event(log, "expired generations deleted", count=removed, retention_seconds=retention_seconds)
    return removed
