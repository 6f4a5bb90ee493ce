"""API key material: generating keys, hashing them for storage and lookup, and key record ids.

A key is ``orc_`` followed by 43 URL-safe characters (32 random bytes). Only its hash is stored; the plaintext is
shown once, when the key is created. The first :data:`PREFIX_LENGTH` characters are kept in the clear so listings
can tell keys apart and ``keys revoke`` can name one.

SHA-256 rather than a slow password hash: these keys carry 256 random bits, so guessing one from its hash is out
of reach anyway, and the API hashes the presented key on every request, where a deliberately slow hash would cost
milliseconds each time.
"""

from __future__ import annotations

import hashlib
import secrets

__all__ = ["KEY_PREFIX", "PREFIX_LENGTH", "generate_key", "hash_key", "new_key_id"]

KEY_PREFIX = "orc_"
#: ``orc_`` plus eight random characters: 48 bits, so prefixes of a deployment's keys practically never collide.
PREFIX_LENGTH = len(KEY_PREFIX) + 8
_RANDOM_BYTES = 32


def generate_key() -> tuple[str, str, str]:
    """A new key as ``(plaintext, key_hash, prefix)``; show the plaintext once and store the other two."""
    plaintext = KEY_PREFIX + secrets.token_urlsafe(_RANDOM_BYTES)
    return plaintext, hash_key(plaintext), plaintext[:PREFIX_LENGTH]


def hash_key(plaintext: str) -> str:
    """The stored form of a key: SHA-256, hex. Any string hashes (a garbled header simply matches no key)."""
    if not isinstance(plaintext, str):
        raise TypeError(f"an API key is a string, not {type(plaintext).__name__}")
    # surrogatepass: a header decoded with stray surrogates must hash to "no such key", not raise.
    return hashlib.sha256(plaintext.encode("utf-8", "surrogatepass")).hexdigest()


def new_key_id() -> str:
    """An id for a key record (``key_`` + 16 hex characters); public, unlike the key."""
    return "key_" + secrets.token_hex(8)
