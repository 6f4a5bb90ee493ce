"""Local-folder storage: the embedded default, or a folder shared by several machines."""

from __future__ import annotations

import io
import os
import shutil
import stat
import tempfile
from pathlib import Path
from typing import BinaryIO

from .base import Storage, check_range, validate_key

__all__ = ["LocalStorage"]


class LocalStorage(Storage):
    def __init__(self, root: Path | str) -> None:
        self.root = Path(root).resolve()

    def path(self, key: str) -> Path:
        """The file behind ``key``; ``ValueError`` if the key (or a symlink on its way) leads outside the root."""
        validate_key(key)
        candidate = (self.root / key).resolve()
        if not candidate.is_relative_to(self.root):
            raise ValueError(f"invalid storage key {key!r}")
        return candidate

    def put(self, key: str, data: bytes, content_type: str) -> int:
        return self._write(key, data, durable=True)

    def put_transient(self, key: str, data: bytes, content_type: str) -> int:
        return self._write(key, data, durable=False)  # no fsync: a stream's piece lives for seconds

    def _write(self, key: str, data: bytes, *, durable: bool) -> int:
        target = self.path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        # Write beside the target and rename: a reader (or a second attempt after a crash) never sees half a file.
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-", suffix="." + target.name)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                if durable:
                    os.fsync(fh.fileno())
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return len(data)

    def exists(self, key: str) -> bool:
        try:
            return self.path(key).is_file()
        except ValueError:
            return False

    def delete_prefix(self, prefix: str) -> int:
        folder = self.path(prefix)
        if not folder.is_dir():
            return 0
        count = sum(1 for p in folder.rglob("*") if p.is_file())
        shutil.rmtree(folder, ignore_errors=True)
        return count

    def size(self, key: str) -> int:
        path = self.path(key)
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):
            raise IsADirectoryError(f"{key!r} is not a file")
        return info.st_size

    def open(self, key: str, start: int = 0, end: int | None = None) -> BinaryIO:
        check_range(start, end)
        handle = self.path(key).open("rb")
        try:
            if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
                raise IsADirectoryError(f"{key!r} is not a file")
            handle.seek(start)
        except BaseException:
            handle.close()
            raise
        if end is None:
            return handle
        return io.BufferedReader(_Window(handle, end - start))  # type: ignore[return-value]

    def local_path(self, key: str) -> Path:
        return self.path(key)


class _Window(io.RawIOBase):
    """At most ``length`` bytes of ``handle`` from where it stands; closing it closes ``handle``."""

    def __init__(self, handle: BinaryIO, length: int) -> None:
        self._handle = handle
        self._left = length

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        if self._left <= 0:
            return 0
        view = memoryview(buffer)[: self._left]
        count = self._handle.readinto(view)  # type: ignore[attr-defined]
        self._left -= count
        return count

    def close(self) -> None:
        if not self.closed:
            self._handle.close()
        super().close()
