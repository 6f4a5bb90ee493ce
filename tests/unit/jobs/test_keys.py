"""API key material: the shape users see, hashing that matches, ids that differ."""

from __future__ import annotations

import hashlib
import re

import pytest

from orchestrion.jobs.keys import KEY_PREFIX, PREFIX_LENGTH, generate_key, hash_key, new_key_id


def test_generated_key_has_the_documented_shape() -> None:
    plaintext, key_hash, prefix = generate_key()
    assert re.fullmatch(r"orc_[A-Za-z0-9_-]{43}", plaintext)
    assert plaintext.startswith(prefix) and len(prefix) == PREFIX_LENGTH and prefix.startswith(KEY_PREFIX)
    assert key_hash == hash_key(plaintext) == hashlib.sha256(plaintext.encode()).hexdigest()
    assert plaintext not in key_hash and re.fullmatch(r"[0-9a-f]{64}", key_hash)


def test_keys_hashes_and_prefixes_do_not_repeat() -> None:
    keys = [generate_key() for _ in range(500)]
    assert len({k[0] for k in keys}) == len({k[1] for k in keys}) == len({k[2] for k in keys}) == 500


def test_hash_distinguishes_near_misses_and_tolerates_garbage() -> None:
    plaintext, key_hash, _ = generate_key()
    assert hash_key(plaintext + " ") != key_hash and hash_key(plaintext.upper()) != key_hash
    assert re.fullmatch(r"[0-9a-f]{64}", hash_key("\udcff broken header ✓"))
    assert hash_key("") == hashlib.sha256(b"").hexdigest()
    with pytest.raises(TypeError):
        hash_key(None)  # type: ignore[arg-type]


def test_key_ids_are_distinct_and_carry_no_key_material() -> None:
    ids = {new_key_id() for _ in range(500)}
    assert len(ids) == 500 and all(re.fullmatch(r"key_[0-9a-f]{16}", i) for i in ids)
