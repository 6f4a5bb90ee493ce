"""Turning SQL rows into job and key records, shared by the SQL stores.

Both stores select the columns in the order named here, so one function builds each record. JSON columns arrive
as text from SQLite and may arrive already decoded from PostgreSQL (``jsonb``); :func:`loads` takes either.
"""

from __future__ import annotations

from typing import Any

import orjson

from .models import WEBHOOK_EVENTS, ApiKey, FileRef, Job, JobStatus, NewJob, WebhookDelivery

__all__ = [
    "DELIVERY_COLUMNS",
    "JOB_COLUMNS",
    "KEY_COLUMNS",
    "delivery_from_row",
    "dumps",
    "job_from_row",
    "key_from_row",
    "loads",
    "parse_seq_cursor",
    "webhook_events_column",
]

JOB_COLUMNS = (
    "id, key_id, model, engine_model, params, status, progress, attempts, max_attempts, created_at, updated_at,"
    " started_at, completed_at, lease_owner, lease_expires_at, error_name, error_message, files, credits_used,"
    " work_seconds, audio_seconds, engine_seconds, info"
)
KEY_COLUMNS = "id, name, prefix, created_at, revoked_at, quota, credits_used"
DELIVERY_COLUMNS = (
    "id, job_id, event, url, state, attempts, next_attempt_at, created_at, payload, delivered_at, last_status_code,"
    " last_error"
)
#: Larger than any row number either database hands out: the cursor of the first history page.
_FIRST_PAGE = 2**62

_STATUSES = {status.value: status for status in JobStatus}


def dumps(value: Any) -> str:
    """JSON text for a column; refuses what JSON cannot hold (sets, bytes, NaN keys) with a TypeError."""
    try:
        return orjson.dumps(value).decode()
    except orjson.JSONEncodeError as exc:
        raise TypeError(f"cannot store as JSON: {exc}") from None


def loads(value: Any) -> Any:
    if isinstance(value, (str, bytes, bytearray, memoryview)):
        return orjson.loads(value)
    return value


def job_from_row(row: tuple | list) -> Job:
    (job_id, key_id, model, engine_model, params, status, progress, attempts, max_attempts, created_at,
     updated_at, started_at, completed_at, lease_owner, lease_expires_at, error_name, error_message, files,
     credits_used, work_seconds, audio_seconds, engine_seconds, info) = row
    return Job(
        id=job_id,
        key_id=key_id,
        model=model,
        engine_model=engine_model,
        params=loads(params),
        status=_STATUSES[status],
        progress=float(progress),
        attempts=attempts,
        max_attempts=max_attempts,
        created_at=created_at,
        updated_at=updated_at,
        started_at=started_at,
        completed_at=completed_at,
        lease_owner=lease_owner,
        lease_expires_at=lease_expires_at,
        error_name=error_name,
        error_message=error_message,
        files=tuple(FileRef.from_dict(f) for f in loads(files)),
        credits_used=credits_used,
        work_seconds=float(work_seconds),
        audio_seconds=audio_seconds,
        engine_seconds=engine_seconds,
        info=loads(info),
    )


def key_from_row(row: tuple | list) -> ApiKey:
    key_id, name, prefix, created_at, revoked_at, quota, credits_used = row
    return ApiKey(id=key_id, name=name, prefix=prefix, created_at=created_at, revoked_at=revoked_at, quota=quota,
                  credits_used=credits_used)


def delivery_from_row(row: tuple | list) -> WebhookDelivery:
    return WebhookDelivery(*row)


def webhook_events_column(job: NewJob) -> str | None:
    """The ``webhook_events`` column: ``",started,completed,"``, so a trigger can test membership with one match."""
    if job.webhook_url is None:
        return None
    unknown = set(job.webhook_events) - set(WEBHOOK_EVENTS)
    if unknown or not job.webhook_events:
        raise ValueError(f"webhook_events must be a non-empty subset of {list(WEBHOOK_EVENTS)}, "
                         f"got {list(job.webhook_events)!r}")
    return "," + ",".join(e for e in WEBHOOK_EVENTS if e in job.webhook_events) + ","


def parse_seq_cursor(cursor: str | None) -> int:
    """The row number a history cursor stands for (first page: above every row); ``ValueError`` if malformed."""
    if cursor is None:
        return _FIRST_PAGE
    if not isinstance(cursor, str) or not cursor.isdigit() or len(cursor) > 19:
        raise ValueError("invalid cursor")
    return int(cursor)
