"""Requests per minute per key: the window, the headers, and keys kept apart."""

from __future__ import annotations

import pytest

from orchestrion.api.ratelimit import RateLimited, RateLimiter


def test_a_key_gets_its_minute_and_the_next_minute_starts_fresh() -> None:
    now = [120.0 + 45]  # 15 s before the window turns
    limiter = RateLimiter(3, clock=lambda: now[0])
    assert [limiter.hit("a")["RateLimit-Remaining"] for _ in range(3)] == ["2", "1", "0"]
    with pytest.raises(RateLimited) as caught:
        limiter.hit("a")
    assert caught.value.headers == {"Retry-After": "15", "RateLimit-Limit": "3", "RateLimit-Remaining": "0",
                                    "RateLimit-Reset": "15"}
    assert limiter.hit("b")["RateLimit-Remaining"] == "2"  # keys never share a budget
    now[0] = 180.5
    assert limiter.hit("a") == {"RateLimit-Limit": "3", "RateLimit-Remaining": "2", "RateLimit-Reset": "60"}
