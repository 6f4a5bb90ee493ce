"""Job and key records as every job store returns them."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any

__all__ = ["WEBHOOK_EVENTS", "ApiKey", "FileRef", "Job", "JobStatus", "NewJob", "WebhookDelivery"]

#: Events a generation can announce to its ``webhook_url``, in the order they happen.
WEBHOOK_EVENTS = ("started", "completed", "error")


class JobStatus(str, enum.Enum):
    """Where a generation stands. Values are the protocol's status strings."""

    QUEUED = "queued"  #: Accepted and waiting for a worker (also after a lost lease, while attempts remain).
    GENERATING = "generating"  #: A worker holds the lease and its engine is running.
    COMPLETED = "completed"  #: The audio file is stored; ``result`` links it.
    ERROR = "error"  #: Failed for good; ``error_name``/``error_message`` say why and credits were refunded.
    CANCELED = "canceled"  #: Canceled by its key before it finished (extension); credits were refunded.

    @property
    def is_terminal(self) -> bool:
        return self in (JobStatus.COMPLETED, JobStatus.ERROR, JobStatus.CANCELED)


@dataclass(frozen=True)
class FileRef:
    """A stored file of a finished job, relative to the storage root."""

    key: str  #: storage key, e.g. ``"<job-id>/output.wav"``
    file_name: str
    content_type: str
    file_size: int
    #: Role of the file: ``"audio"``, ``"midi"`` or ``"stem"``; stems carry their instrument in ``file_name``.
    kind: str = "audio"
    #: Which sample of a ``sample_count`` > 1 generation the file belongs to (0 = the first).
    sample: int = 0

    def to_dict(self) -> dict[str, Any]:
        data = {
            "key": self.key,
            "file_name": self.file_name,
            "content_type": self.content_type,
            "file_size": self.file_size,
            "kind": self.kind,
        }
        if self.sample:
            data["sample"] = self.sample
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "FileRef":
        return cls(**data)


@dataclass(frozen=True)
class NewJob:
    """What the API hands the store to create a generation."""

    id: str
    key_id: str
    model: str  #: the id the client sent (an alias stays visible)
    engine_model: str  #: the served model the alias resolves to; workers claim by this
    params: dict[str, Any]  #: prompt, negative_prompt, seed, duration and further validated parameters
    credits: int
    max_attempts: int
    #: Seconds of audio the job will make, all samples together: what the per-key budget of queued work counts.
    work_seconds: float = 0.0
    #: Where to announce ``webhook_events`` (extension); ``None``: no webhook.
    webhook_url: str | None = None
    webhook_events: tuple[str, ...] = WEBHOOK_EVENTS
    #: The client's ``Idempotency-Key`` and a hash of what it asked for: a retry with the same key and hash returns
    #: the first generation instead of creating another; the same key with another hash is refused.
    idempotency_key: str | None = None
    request_hash: str | None = None


@dataclass(frozen=True)
class Job:
    id: str
    key_id: str
    model: str
    engine_model: str
    params: dict[str, Any]
    status: JobStatus
    progress: float  #: 0.0-1.0
    attempts: int
    max_attempts: int
    created_at: float  #: epoch seconds
    updated_at: float
    started_at: float | None = None
    completed_at: float | None = None
    lease_owner: str | None = None
    lease_expires_at: float | None = None
    error_name: str | None = None
    error_message: str | None = None
    files: tuple[FileRef, ...] = ()
    credits_used: int = 0
    #: Seconds of audio the job was asked to make, all samples together (0 for jobs stored before it was kept).
    work_seconds: float = 0.0
    #: Seconds of audio produced and seconds the engine ran, for the real-time-factor metric.
    audio_seconds: float | None = None
    engine_seconds: float | None = None
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def audio_file(self) -> FileRef | None:
        return next((f for f in self.files if f.kind == "audio"), None)


@dataclass(frozen=True)
class ApiKey:
    id: str
    name: str
    prefix: str  #: first characters of the key, shown in listings to tell keys apart
    created_at: float
    revoked_at: float | None = None
    #: Credit quota (``None``: unlimited) and credits charged so far (refunds subtracted).
    quota: int | None = None
    credits_used: int = 0

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None


@dataclass(frozen=True)
class WebhookDelivery:
    """One event of one generation on its way to a webhook URL (a row of the store's outbox)."""

    id: str  #: the ``webhook-id`` header: the same on every attempt, so receivers can drop duplicates
    job_id: str
    event: str  #: one of :data:`WEBHOOK_EVENTS`
    url: str
    state: str  #: ``"pending"``, ``"delivered"`` or ``"failed"`` (attempts used up, or the URL is not allowed)
    attempts: int
    next_attempt_at: float
    created_at: float
    #: The exact body sent on the first attempt and every retry (``None`` until the first attempt).
    payload: str | None = None
    delivered_at: float | None = None
    last_status_code: int | None = None
    last_error: str | None = None
