"""The storage interface: where finished files live, addressed by keys like ``"<job-id>/output.wav"``.

Every backend answers the same errors: ``ValueError`` for a key that is not valid (or leads out of the storage),
``FileNotFoundError`` when no file lives under a valid key, another ``OSError`` when the backend fails (a folder
where a file was asked for, an unreachable object store).
"""

from __future__ import annotations

import abc
import re
from pathlib import Path
from typing import BinaryIO

__all__ = ["Storage", "check_range", "validate_key"]

_SEGMENT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:+-]*$")


def validate_key(key: str) -> str:
    """Reject keys that could leave the storage root (``..``, absolute paths, odd characters); return ``key``."""
    parts = key.split("/")
    if not key or len(key) > 512 or not all(_SEGMENT.match(p) and p not in {".", ".."} for p in parts):
        raise ValueError(f"invalid storage key {key!r}")
    return key


def check_range(start: int, end: int | None) -> None:
    """Refuse a byte range no file could have: a negative start, or an end before the start."""
    if start < 0 or (end is not None and end < start):
        raise ValueError(f"invalid byte range {start}..{end}")


class Storage(abc.ABC):
    @abc.abstractmethod
    def put(self, key: str, data: bytes, content_type: str) -> int:
        """Store ``data`` under ``key`` atomically (readers see the whole file or none); return its size."""

    def put_transient(self, key: str, data: bytes, content_type: str) -> int:
        """:meth:`put` for a file needed only for a moment (a piece of a stream, replaced by the finished file a
        second later): still atomic, but it need not survive a crash of the machine."""
        return self.put(key, data, content_type)

    @abc.abstractmethod
    def exists(self, key: str) -> bool: ...

    @abc.abstractmethod
    def delete_prefix(self, prefix: str) -> int:
        """Delete every file under ``prefix/``; return how many went."""

    @abc.abstractmethod
    def size(self, key: str) -> int:
        """Bytes of the file under ``key``."""

    @abc.abstractmethod
    def open(self, key: str, start: int = 0, end: int | None = None) -> BinaryIO:
        """A readable binary stream of the file's bytes from ``start`` up to ``end`` (exclusive; ``None``: to the
        end of the file). The caller closes it (``with storage.open(key) as stream: ...``). A range past the end
        of the file reads as fewer bytes, or none."""

    def local_path(self, key: str) -> Path | None:
        """The file on this machine's disk, for callers that can hand a path to the operating system (``sendfile``);
        ``None`` when the storage keeps its files elsewhere. The path may name no file (see :meth:`size`)."""
        return None

    def presigned_url(self, key: str, expires_in: int) -> str | None:
        """A direct download URL when the backend makes its own (S3); ``None`` means the API signs and serves."""
        return None
