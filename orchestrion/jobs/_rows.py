"""Turning SQL rows into job and key records, shared by the SQL stores.

Both stores select the columns in the order named here, so one function builds each record. JSON columns arrive
as text from SQLite and may arrive already decoded from PostgreSQL (``jsonb``); :func:`loads` takes either.
"""

from __future__ import annotations

from typing import Any

import orjson

from .models import ApiKey, FileRef, Job, JobStatus

__all__ = ["JOB_COLUMNS", "KEY_COLUMNS", "dumps", "job_from_row", "key_from_row", "loads"]

JOB_COLUMNS = (
    "id, key_id, model, engine_model, params, status, progress, attempts, max_attempts, created_at, updated_at,"
    " started_at, completed_at, lease_owner, lease_expires_at, error_name, error_message, files, credits_used,"
    " audio_seconds, engine_seconds, info"
)
KEY_COLUMNS = "id, name, prefix, created_at, revoked_at, quota, credits_used"

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
     credits_used, audio_seconds, engine_seconds, info) = row
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
        audio_seconds=audio_seconds,
        engine_seconds=engine_seconds,
        info=loads(info),
    )


def key_from_row(row: tuple | list) -> ApiKey:
    key_id, name, prefix, created_at, revoked_at, quota, credits_used = row
    return ApiKey(id=key_id, name=name, prefix=prefix, created_at=created_at, revoked_at=revoked_at, quota=quota,
                  credits_used=credits_used)
