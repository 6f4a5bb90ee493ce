"""Local-folder storage: the embedded default, or a folder shared by several machines."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from .base import Storage, validate_key

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
        target = self.path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        # Write beside the target and rename: a reader (or a second attempt after a crash) never sees half a file.
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-", suffix="." + target.name)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
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
