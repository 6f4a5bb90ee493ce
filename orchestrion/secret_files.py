"""Secret files shared by every process of a deployment: created once, with mode 0600, never replaced.

The URL signing secret (``storage/signing.py``) and the webhook secret (``webhooks/signing.py``) both live in the
data folder. A new secret is written to a temporary name and hard-linked into place: when two processes start
together exactly one link wins, and the loser reads the winner's secret.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Callable

__all__ = ["read_or_create_secret"]


def read_or_create_secret(path: Path, make: Callable[[], str]) -> str | None:
    """The stripped text of ``path``, first written as ``make()`` when the file is missing; ``None`` if empty."""
    text = _read(path)
    if text is not None:
        return text or None
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.parent / f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}"
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w") as fh:
            fh.write(make() + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        try:
            os.link(temp, path)  # fails if another process got there first; never replaces a secret in use
        except FileExistsError:
            pass
    finally:
        temp.unlink(missing_ok=True)
    return _read(path) or None


def _read(path: Path) -> str | None:
    try:
        return path.read_text("utf-8").strip()
    except FileNotFoundError:
        return None
