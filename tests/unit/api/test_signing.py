"""The URL signer and the shared signing secret."""

from __future__ import annotations

import multiprocessing
import stat
from pathlib import Path

import pytest

from orchestrion.storage.signing import SECRET_FILE_NAME, UrlSigner, load_secret


def test_signature_checks_key_and_expiry() -> None:
    signer = UrlSigner(b"s3cret", ttl_seconds=3600)
    now = 1_700_000_000
    path = signer.signed_path("job-1:tone/output.wav", now=now)
    assert path.startswith("/files/job-1:tone/output.wav?expires=")
    expires = signer.expiry(now)
    assert now + 3600 <= expires < now + 3600 + 60 and expires % 60 == 0
    good = signer.signature("job-1:tone/output.wav", expires)
    assert signer.check("job-1:tone/output.wav", str(expires), good, now=now) == "ok"
    assert signer.check("job-1:tone/output.wav", str(expires), good, now=expires + 1) == "expired"
    assert signer.check("job-1:tone/output.mid", str(expires), good, now=now) == "invalid"
    assert signer.check("job-1:tone/output.wav", str(expires + 1), good, now=now) == "invalid"
    assert signer.check("job-1:tone/output.wav", f" {expires}", good, now=now) == "invalid"
    assert signer.check("job-1:tone/output.wav", "soon", good, now=now) == "invalid"
    assert signer.check("job-1:tone/output.wav", None, good, now=now) == "invalid"
    assert UrlSigner(b"other").check("job-1:tone/output.wav", str(expires), good, now=now) == "invalid"


def test_signatures_are_url_safe_and_unguessable_length() -> None:
    signature = UrlSigner(b"k").signature("a/b.wav", 123)
    assert len(signature) == 43 and all(c.isalnum() or c in "-_" for c in signature)


def test_configured_secret_wins_over_the_file(tmp_path: Path) -> None:
    assert load_secret(tmp_path, "configured") == b"configured"
    assert not (tmp_path / SECRET_FILE_NAME).exists()


def test_secret_file_is_created_private_and_reused(tmp_path: Path) -> None:
    first = load_secret(tmp_path / "data")
    path = tmp_path / "data" / SECRET_FILE_NAME
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(first) == 64
    assert load_secret(tmp_path / "data") == first
    assert [p.name for p in path.parent.iterdir()] == [SECRET_FILE_NAME]  # no temporary files left behind


def test_empty_secret_file_is_an_error_not_a_blank_key(tmp_path: Path) -> None:
    (tmp_path / SECRET_FILE_NAME).write_text("")
    with pytest.raises(RuntimeError, match="is empty"):
        load_secret(tmp_path)


def _load(folder: str, barrier, results) -> None:  # noqa: ANN001
    barrier.wait()
    results.put(load_secret(folder))


def test_processes_starting_together_agree_on_one_secret(tmp_path: Path) -> None:
    context = multiprocessing.get_context("spawn")
    count = 6
    barrier, results = context.Barrier(count), context.Queue()
    processes = [context.Process(target=_load, args=(str(tmp_path), barrier, results)) for _ in range(count)]
    for process in processes:
        process.start()
    secrets = {results.get(timeout=60) for _ in range(count)}
    for process in processes:
        process.join(timeout=30)
    assert len(secrets) == 1
    assert secrets == {(tmp_path / SECRET_FILE_NAME).read_text().strip().encode()}
