"""Requests per minute per key, counted in this API process.

A fixed one-minute window per key: cheap (a dict lookup on the poll path), and it answers the ``RateLimit-*``
headers exactly (the limit, what is left, the seconds until the window turns). The counters live in the process, so
with N API processes behind a balancer a key may make up to N times the limit; the limit that must hold across
processes, generations in flight per key (``max_active_per_key``), is enforced by the job store instead.
"""

from __future__ import annotations

import math
import threading
import time
from typing import Callable

__all__ = ["RateLimited", "RateLimiter"]

WINDOW_SECONDS = 60.0


class RateLimited(Exception):
    def __init__(self, headers: dict[str, str]) -> None:
        super().__init__("rate limited")
        self.headers = headers


class RateLimiter:
    def __init__(self, per_minute: int, *, clock: Callable[[], float] = time.time, max_keys: int = 100_000) -> None:
        self.per_minute = per_minute
        self._clock = clock
        self._max_keys = max_keys
        self._window = -1
        self._counts: dict[str, int] = {}
        self._lock = threading.Lock()

    def hit(self, key_id: str) -> dict[str, str]:
        """Count one request of ``key_id``; return the ``RateLimit-*`` headers, or raise :class:`RateLimited`
        (with those headers and ``Retry-After``) when the key has used its minute."""
        now = self._clock()
        window = int(now // WINDOW_SECONDS)
        reset = max(1, math.ceil((window + 1) * WINDOW_SECONDS - now))
        with self._lock:
            if window != self._window or len(self._counts) > self._max_keys:
                self._window, self._counts = window, {}
            used = self._counts.get(key_id, 0)
            if used >= self.per_minute:
                raise RateLimited({"Retry-After": str(reset), "RateLimit-Limit": str(self.per_minute),
                                   "RateLimit-Remaining": "0", "RateLimit-Reset": str(reset)})
            self._counts[key_id] = used + 1
        return {"RateLimit-Limit": str(self.per_minute), "RateLimit-Remaining": str(self.per_minute - used - 1),
                "RateLimit-Reset": str(reset)}
