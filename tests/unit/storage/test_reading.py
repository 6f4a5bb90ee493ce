"""Reading stored files back through the interface (``size``, ``open`` with a byte range, ``local_path``), the same
for the local folder and for S3 (moto's server over the wire)."""

from __future__ import annotations

import os
import socket
from pathlib import Path
from typing import Iterator

import boto3
import pytest

from orchestrion.storage.base import Storage
from orchestrion.storage.local import LocalStorage
from orchestrion.storage.s3 import S3Storage, S3StorageError
from tests.unit.storage.conftest import BUCKET

DATA = bytes(range(256)) * 40  # 10,240 recognisable bytes
KEY = "job-1:tone/output.wav"


@pytest.fixture(params=["local", "s3"])
def storage(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Storage]:
    if request.param == "local":
        backend: Storage = LocalStorage(tmp_path / "files")
    else:
        endpoint = request.getfixturevalue("s3_endpoint")
        request.getfixturevalue("s3")
        backend = S3Storage.from_url(f"s3://{BUCKET}/deploy?endpoint={endpoint}&region=us-east-1")
    backend.put(KEY, DATA, "audio/wav")
    yield backend


def read(storage: Storage, start: int = 0, end: int | None = None) -> bytes:
    with storage.open(KEY, start, end) as stream:
        return stream.read()


def test_size_and_whole_file(storage: Storage) -> None:
    assert storage.size(KEY) == len(DATA)
    assert read(storage) == DATA


@pytest.mark.parametrize(("start", "end"), [(0, 1), (0, 100), (100, None), (1000, 5000), (len(DATA) - 1, None),
                                            (10, 10), (len(DATA) - 5, len(DATA) + 100)])
def test_byte_ranges(storage: Storage, start: int, end: int | None) -> None:
    assert read(storage, start, end) == DATA[start:end]


def test_a_range_past_the_end_reads_nothing(storage: Storage) -> None:
    assert read(storage, len(DATA)) == b""
    assert read(storage, len(DATA) + 10, len(DATA) + 20) == b""


def test_streams_read_in_chunks(storage: Storage) -> None:
    chunks = []
    with storage.open(KEY, 10, 10 + 3000) as stream:
        while chunk := stream.read(1024):
            chunks.append(chunk)
    assert b"".join(chunks) == DATA[10:3010]
    assert all(len(chunk) <= 1024 for chunk in chunks)


def test_missing_files_and_bad_keys(storage: Storage) -> None:
    with pytest.raises(FileNotFoundError):
        storage.size("job-1:tone/missing.wav")
    with pytest.raises(FileNotFoundError):
        storage.open("job-1:tone/missing.wav")
    with pytest.raises(FileNotFoundError):
        storage.open("job-1:tone/missing.wav", 5, 5)
    for bad in ("../escape", "/etc/passwd", "a/../../b"):
        with pytest.raises(ValueError):
            storage.size(bad)
        with pytest.raises(ValueError):
            storage.open(bad)
    with pytest.raises(ValueError):
        storage.open(KEY, 10, 5)
    with pytest.raises(ValueError):
        storage.open(KEY, -1)


def test_local_path_only_for_the_local_folder(storage: Storage) -> None:
    path = storage.local_path(KEY)
    if isinstance(storage, LocalStorage):
        assert path is not None and path.read_bytes() == DATA
    else:
        assert path is None


def test_local_folder_is_not_a_file_and_symlinks_stay_inside(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path / "files")
    storage.put(KEY, DATA, "audio/wav")
    with pytest.raises(IsADirectoryError):
        storage.size("job-1:tone")
    with pytest.raises(IsADirectoryError):
        storage.open("job-1:tone")
    (tmp_path / "outside").write_bytes(b"private")
    os.symlink(tmp_path / "outside", tmp_path / "files" / "job-1:tone" / "link.wav")
    for call in (storage.size, storage.open, storage.local_path):
        with pytest.raises(ValueError):
            call("job-1:tone/link.wav")


def test_s3_reads_ask_for_the_range_only(s3: boto3.client, s3_endpoint: str) -> None:
    asked: list[dict] = []
    storage = S3Storage.from_url(f"s3://{BUCKET}?endpoint={s3_endpoint}")
    storage.put(KEY, DATA, "audio/wav")
    storage._client.meta.events.register(
        "before-call.s3.GetObject", lambda params, **_: asked.append(dict(params)))
    assert read(storage, 100, 200) == DATA[100:200]
    assert read(storage) == DATA
    assert [call.get("headers", {}).get("Range") for call in asked] == ["bytes=100-199", None]


def test_s3_failures_are_storage_errors_not_missing_files(s3_endpoint: str, s3: boto3.client) -> None:
    missing_bucket = S3Storage.from_url(f"s3://no-such-bucket?endpoint={s3_endpoint}")
    with pytest.raises(S3StorageError, match="no-such-bucket.*NoSuchBucket"):
        missing_bucket.open(KEY)
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{sock.getsockname()[1]}"
    unreachable = S3Storage.from_url(f"s3://{BUCKET}?endpoint={closed}")
    for call in (unreachable.size, unreachable.open):
        with pytest.raises(S3StorageError) as caught:
            call(KEY)
        assert not isinstance(caught.value, FileNotFoundError)
