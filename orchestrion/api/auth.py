"""Bearer-key authentication.

Keys are looked up by their SHA-256 hash (the store never holds a key). Answers are cached for a moment (default
1.5 s) so a burst of polls costs one lookup, while a revoked key still stops working within that moment. Unknown
keys are cached too, so a client hammering with a wrong key does not hammer the store; the cache is bounded so
random keys cannot grow it without limit.
"""

from __future__ import annotations

import time
from typing import Callable

from ..jobs.models import ApiKey
from ..jobs.store import JobStore
from .errors import Forbidden, Unauthorized

__all__ = ["KeyAuthenticator"]


def _default_hash(plaintext: str) -> str:
    from ..jobs.keys import hash_key

    return hash_key(plaintext)


class KeyAuthenticator:
    def __init__(
        self,
        store: JobStore,
        *,
        ttl_seconds: float = 1.5,
        max_entries: int = 10_000,
        hash_key: Callable[[str], str] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._store = store
        self._ttl = ttl_seconds
        self._max_entries = max_entries
        self._hash = hash_key or _default_hash
        self._clock = clock
        self._cache: dict[str, tuple[float, ApiKey | None]] = {}

    def authenticate(self, authorization: str | None) -> ApiKey:
        """The key named by an ``Authorization`` header; :class:`Unauthorized` or :class:`Forbidden` otherwise."""
        if not authorization:
            raise Unauthorized("Missing API key: send 'Authorization: Bearer <key>'.")
        scheme, _, token = authorization.strip().partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            raise Unauthorized("Malformed Authorization header: expected 'Bearer <key>'.")
        if len(token) > 512:
            raise Unauthorized("Invalid API key.")
        key = self._lookup(token)
        if key is None:
            raise Unauthorized("Invalid API key.")
        if key.revoked:
            raise Forbidden("This API key has been revoked.")
        return key

    def _lookup(self, token: str) -> ApiKey | None:
        now = self._clock()
        # Cached by hash, not by key: a memory dump of the server shows no usable key.
        digest = self._hash(token)
        cached = self._cache.get(digest)
        if cached is not None and cached[0] > now:
            return cached[1]
        key = self._store.key_by_hash(digest)
        if len(self._cache) >= self._max_entries:
            # Dropping everything is cheap and rare; entries live for a second or two anyway.
            self._cache.clear()
        self._cache[digest] = (now + self._ttl, key)
        return key

    def forget(self) -> None:
        """Drop cached answers (tests, or after revoking a key in this process)."""
        self._cache.clear()
