"""Small helpers several layers share (the API, webhooks, the store's callers). A leaf: it imports nothing of the
package, so any module may import it without pulling in another layer."""

from __future__ import annotations

from datetime import datetime, timezone

__all__ = ["iso_utc"]


def iso_utc(epoch: float) -> str:
    """ISO-8601 UTC with milliseconds and a ``Z``, as the hosted API writes timestamps."""
    stamp = datetime.fromtimestamp(epoch, tz=timezone.utc)
    return stamp.strftime("%Y-%m-%dT%H:%M:%S.") + f"{stamp.microsecond // 1000:03d}Z"
