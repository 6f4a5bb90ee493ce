"""The job store: durable generations, the queue workers claim from, leases, usage and API keys.

Owns the record types (:mod:`.models`), the store interface (:mod:`.store`) and its backends (SQLite embedded;
PostgreSQL scaled out). Must not touch HTTP or engines.
"""

from .models import ApiKey, FileRef, Job, JobStatus, NewJob, WebhookDelivery
from .store import (
    BudgetExceeded,
    IdempotencyConflict,
    JobStore,
    QueueFull,
    QuotaExceeded,
    StoreError,
    StoreUnavailable,
    TooManyActive,
    TooManyQueued,
)

__all__ = [
    "ApiKey",
    "BudgetExceeded",
    "FileRef",
    "IdempotencyConflict",
    "Job",
    "JobStatus",
    "JobStore",
    "NewJob",
    "QueueFull",
    "QuotaExceeded",
    "StoreError",
    "StoreUnavailable",
    "TooManyActive",
    "TooManyQueued",
    "WebhookDelivery",
    "open_store",
]


def open_store(settings) -> JobStore:  # noqa: ANN001 - Settings, imported lazily to keep this module light
    """The store the settings name: PostgreSQL when ``database_url`` is set, SQLite in the data folder otherwise."""
    if settings.database_url:
        from .postgres import PostgresJobStore

        return PostgresJobStore(settings.database_url)
    from .sqlite import SQLiteJobStore

    return SQLiteJobStore(settings.db_path)
