"""Rules both SQL stores apply alike: the per-key budgets checked at admission, and the order of fair claims.

Claims take keys in turns (see :meth:`.store.JobStore.claim_jobs`). Each key carries the turn of its latest claim,
a number drawn from an ever-growing counter (0: never claimed); the key with the lowest turn goes next, and keys
never claimed go by their oldest queued job. A claim moves the key to a new, highest turn, so until every other
waiting key has had a job it waits: round-robin. Queued work is counted in whole milliseconds, so that sums kept
by adding and subtracting stay exact and a budget met exactly is met, not missed by a rounding error.
"""

from __future__ import annotations

import math
from typing import Hashable, Sequence, TypeVar

from .store import BudgetExceeded

__all__ = ["check_budgets", "claim_order", "keys_by_last_claim", "work_ms"]

T = TypeVar("T")
K = TypeVar("K", bound=Hashable)


def work_ms(seconds: float) -> int:
    """Whole milliseconds of audio, rounded as the stores' triggers round (``floor(x * 1000 + 0.5)``)."""
    return int(math.floor(float(seconds) * 1000 + 0.5))


def check_budgets(
    *,
    work_seconds: float,
    active_work_ms: int,
    stored_bytes: int,
    max_queued_seconds: float | None,
    max_stored_bytes: int | None,
) -> None:
    """Raise :class:`BudgetExceeded` if a new job of ``work_seconds`` takes its key past a budget (``None``: none)."""
    if max_queued_seconds is not None:
        adds, limit = work_ms(work_seconds), work_ms(max_queued_seconds)
        if active_work_ms + adds > limit:
            raise BudgetExceeded(
                f"this key has {_seconds(active_work_ms / 1000)} s of audio queued or generating and this "
                f"generation adds {_seconds(work_seconds)} s, over its budget of queued audio "
                f"({_seconds(max_queued_seconds)} s); wait for some to finish",
                budget="queued_audio_seconds", limit=max_queued_seconds, used=active_work_ms / 1000)
    if max_stored_bytes is not None and stored_bytes >= max_stored_bytes:
        raise BudgetExceeded(
            f"this key's finished generations still stored take {stored_bytes} bytes, its budget of stored bytes "
            f"({max_stored_bytes}); finished generations are deleted by retention after a while, and that frees "
            "the budget",
            budget="stored_bytes", limit=max_stored_bytes, used=stored_bytes)


def claim_order(queues: Sequence[Sequence[T]], limit: int) -> list[T]:
    """Up to ``limit`` items taking turns: the first of each queue (queues in the order given), then the second of
    each that has one, and so on: the order in which round-robin claims take jobs from keys already in turn order."""
    taken: list[T] = []
    depth = 0
    while len(taken) < limit:
        row = [queue[depth] for queue in queues if len(queue) > depth]
        if not row:
            break
        taken.extend(row[:limit - len(taken)])
        depth += 1
    return taken


def keys_by_last_claim(keys: Sequence[K]) -> list[K]:
    """The distinct keys of a claim's jobs (in claim order), ordered by when each was claimed last: the order in
    which they are given their new turns."""
    last = {key: position for position, key in enumerate(keys)}
    return sorted(last, key=last.__getitem__)


def _seconds(value: float) -> str:
    return f"{value:.3f}".rstrip("0").rstrip(".")
