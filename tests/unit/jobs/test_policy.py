"""The rules both SQL stores share: round-robin order within a batch, new turns, budgets in whole milliseconds."""

from __future__ import annotations

import pytest

from orchestrion.jobs import BudgetExceeded
from orchestrion.jobs._policy import check_budgets, claim_order, keys_by_last_claim, work_ms


def test_claim_order_takes_one_per_queue_per_round() -> None:
    queues = [["a1", "a2", "a3", "a4"], ["b1", "b2"], ["c1"]]
    assert claim_order(queues, 5) == ["a1", "b1", "c1", "a2", "b2"]
    assert claim_order(queues, 100) == ["a1", "b1", "c1", "a2", "b2", "a3", "a4"]
    assert claim_order(queues, 2) == ["a1", "b1"]
    assert claim_order([], 3) == [] and claim_order([[], ["x"]], 3) == ["x"]


def test_keys_get_new_turns_in_the_order_they_were_last_served() -> None:
    assert keys_by_last_claim(["a", "b", "c", "a", "b"]) == ["c", "a", "b"]
    assert keys_by_last_claim(["a"]) == ["a"] and keys_by_last_claim([]) == []


def test_work_is_counted_in_whole_milliseconds_rounded_half_up() -> None:
    assert [work_ms(s) for s in (0, 0.1, 30, 0.0004, 0.0005, 3599.9996)] == [0, 100, 30000, 0, 1, 3600000]
    assert work_ms(0.1) * 3 == work_ms(0.3)


def test_budgets_name_what_they_refuse() -> None:
    check_budgets(work_seconds=10**9, active_work_ms=10**12, stored_bytes=10**15, max_queued_seconds=None,
                  max_stored_bytes=None)
    check_budgets(work_seconds=120, active_work_ms=3_480_000, stored_bytes=0, max_queued_seconds=3600,
                  max_stored_bytes=1)
    with pytest.raises(BudgetExceeded) as caught:
        check_budgets(work_seconds=120, active_work_ms=3_540_000, stored_bytes=0, max_queued_seconds=3600,
                      max_stored_bytes=None)
    assert str(caught.value) == ("this key has 3540 s of audio queued or generating and this generation adds "
                                 "120 s, over its budget of queued audio (3600 s); wait for some to finish")
    assert (caught.value.budget, caught.value.limit, caught.value.used) == ("queued_audio_seconds", 3600, 3540)
    with pytest.raises(BudgetExceeded) as caught:
        check_budgets(work_seconds=0, active_work_ms=0, stored_bytes=2048, max_queued_seconds=3600,
                      max_stored_bytes=2048)
    assert caught.value.budget == "stored_bytes" and caught.value.used == 2048
    assert "budget of stored bytes (2048)" in str(caught.value) and "retention" in str(caught.value)
