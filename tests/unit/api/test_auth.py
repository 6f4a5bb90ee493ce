"""Key lookups: by hash, cached briefly, revocation felt within the cache moment, cache bounded."""

from __future__ import annotations

import pytest

from orchestrion.api.auth import KeyAuthenticator
from orchestrion.api.errors import Forbidden, Unauthorized
from orchestrion.jobs.keys import hash_key
from tests.unit.api.helpers import make_key


class CountingStore:
    """Wraps a real store and counts key lookups."""

    def __init__(self, store) -> None:  # noqa: ANN001
        self.store, self.lookups = store, 0

    def key_by_hash(self, key_hash: str):  # noqa: ANN201
        self.lookups += 1
        return self.store.key_by_hash(key_hash)


def test_lookups_are_cached_until_the_ttl_and_revocation_then_applies(store) -> None:
    key, key_id = make_key(store)
    clock = [100.0]
    counting = CountingStore(store)
    auth = KeyAuthenticator(counting, ttl_seconds=1.5, clock=lambda: clock[0])  # type: ignore[arg-type]
    for _ in range(5):
        assert auth.authenticate(f"Bearer {key}").id == key_id
    assert counting.lookups == 1
    store.revoke_key(key_id)
    clock[0] += 1.0
    assert auth.authenticate(f"Bearer {key}").id == key_id  # still inside the cache moment
    clock[0] += 1.0
    with pytest.raises(Forbidden, match="revoked"):
        auth.authenticate(f"Bearer {key}")
    assert counting.lookups == 2


def test_scheme_is_case_insensitive_and_whitespace_tolerated(store) -> None:
    key, key_id = make_key(store)
    auth = KeyAuthenticator(store)
    assert auth.authenticate(f"bearer   {key}  ").id == key_id


@pytest.mark.parametrize("header", [None, "", "Bearer", "Bearer ", "Token abc", "Bearer " + "x" * 600, "Bearer nope"])
def test_bad_headers_are_unauthorized(store, header) -> None:
    with pytest.raises(Unauthorized):
        KeyAuthenticator(store).authenticate(header)


def test_unknown_keys_are_cached_but_the_cache_stays_bounded(store) -> None:
    counting = CountingStore(store)
    auth = KeyAuthenticator(counting, max_entries=10)  # type: ignore[arg-type]
    for attempt in range(2):
        with pytest.raises(Unauthorized):
            auth.authenticate("Bearer wrong")
    assert counting.lookups == 1
    for n in range(50):
        with pytest.raises(Unauthorized):
            auth.authenticate(f"Bearer random-{n}")
    assert len(auth._cache) <= 10
    assert all(len(digest) == 64 for digest in auth._cache)  # cached by hash, never by key
    assert hash_key("wrong") not in auth._cache or len(auth._cache) <= 10
