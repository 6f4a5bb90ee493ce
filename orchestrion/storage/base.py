"""The storage interface: where finished files live, addressed by keys like ``"<job-id>/output.wav"``."""

from __future__ import annotations

import abc
import re

__all__ = ["Storage", "validate_key"]

_SEGMENT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:+-]*$")


def validate_key(key: str) -> str:
    """Reject keys that could leave the storage root (``..``, absolute paths, odd characters); return ``key``."""
    parts = key.split("/")
    if not key or len(key) > 512 or not all(_SEGMENT.match(p) and p not in {".", ".."} for p in parts):
        raise ValueError(f"invalid storage key {key!r}")
    return key


class Storage(abc.ABC):
    @abc.abstractmethod
    def put(self, key: str, data: bytes, content_type: str) -> int:
        """Store ``data`` under ``key`` atomically (readers see the whole file or none); return its size."""

    @abc.abstractmethod
    def exists(self, key: str) -> bool: ...

    @abc.abstractmethod
    def delete_prefix(self, prefix: str) -> int:
        """Delete every file under ``prefix/``; return how many went."""

    def presigned_url(self, key: str, expires_in: int) -> str | None:
        """A direct download URL when the backend makes its own (S3); ``None`` means the API signs and serves."""
        return None
