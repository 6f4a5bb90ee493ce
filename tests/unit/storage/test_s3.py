"""S3-compatible storage against a real S3 API: moto's server mode on a loopback port (no AWS account, no internet).

moto does not check signatures or expiry of presigned links, so those are checked on the link itself; everything
else (objects, prefixes, content types, listing, deletion, errors, plain-GET downloads) goes through the wire.
"""

from __future__ import annotations

import socket
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import boto3
import httpx
import pytest

from orchestrion.api.app import create_app
from orchestrion.jobs.sqlite import SQLiteJobStore
from orchestrion.storage import open_storage
from orchestrion.storage.s3 import S3Storage, S3StorageError, parse_s3_url
from orchestrion.workers.worker import store_result
from tests.unit.api.helpers import bearer, complete, make_key, make_settings
from tests.unit.storage.conftest import BUCKET


def storage_for(endpoint: str, prefix: str = "deploy/files") -> S3Storage:
    return S3Storage.from_url(f"s3://{BUCKET}/{prefix}?endpoint={endpoint}&region=us-east-1")


def object_names(client: boto3.client) -> list[str]:
    return sorted(item["Key"] for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", []))


def test_objects_live_under_the_prefix_and_are_replaced_whole(s3: boto3.client, s3_endpoint: str) -> None:
    storage = storage_for(s3_endpoint)
    assert storage.put("job-1:tone/output.wav", b"RIFF-first", "audio/wav") == 10
    assert storage.put("job-1:tone/output.wav", b"RIFF-second!", "audio/wav") == 12
    assert storage.exists("job-1:tone/output.wav")
    assert not storage.exists("job-1:tone/missing.wav")
    assert not storage.exists("../escape")  # an invalid key names no object
    head = s3.head_object(Bucket=BUCKET, Key="deploy/files/job-1:tone/output.wav")
    assert head["ContentType"] == "audio/wav" and head["ContentLength"] == 12
    with pytest.raises(ValueError):
        storage.put("../../elsewhere", b"x", "text/plain")
    assert object_names(s3) == ["deploy/files/job-1:tone/output.wav"]


def test_delete_prefix_removes_one_jobs_files_only(s3: boto3.client, s3_endpoint: str) -> None:
    storage = storage_for(s3_endpoint)
    for name in ("output.wav", "score.mid", "stems/strings.wav"):
        storage.put(f"job-1:tone/{name}", b"data", "application/octet-stream")
    storage.put("job-10:tone/output.wav", b"data", "audio/wav")  # shares the text "job-1" but not the folder
    assert storage.delete_prefix("job-1:tone") == 3
    assert storage.delete_prefix("job-1:tone") == 0
    assert object_names(s3) == ["deploy/files/job-10:tone/output.wav"]


def test_delete_prefix_pages_through_more_than_one_listing(s3: boto3.client, s3_endpoint: str) -> None:
    storage = storage_for(s3_endpoint, prefix="")
    with ThreadPoolExecutor(8) as pool:  # a listing page holds 1,000 objects
        list(pool.map(lambda index: s3.put_object(Bucket=BUCKET, Key=f"big:tone/stems/{index}.wav", Body=b""),
                      range(1005)))
    assert storage.delete_prefix("big:tone") == 1005
    assert object_names(s3) == []


def test_presigned_link_downloads_with_a_plain_get(s3: boto3.client, s3_endpoint: str) -> None:
    storage = storage_for(s3_endpoint)
    storage.put("job-2:tone/output.wav", b"RIFF" + bytes(range(200)), "audio/wav")
    url = storage.presigned_url("job-2:tone/output.wav", 3600)
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    assert url.startswith(s3_endpoint + f"/{BUCKET}/deploy/files/job-2")
    assert query["X-Amz-Expires"] == ["3600"] and query["X-Amz-Signature"][0]
    answer = httpx.get(url)  # no credentials, like the hosted API's CDN link
    assert answer.status_code == 200 and answer.content == b"RIFF" + bytes(range(200))
    assert answer.headers["content-type"] == "audio/wav"
    ranged = httpx.get(url, headers={"Range": "bytes=0-3"})
    assert ranged.status_code == 206 and ranged.content == b"RIFF"
    # Polls reuse a fresh link instead of signing again; lifetimes S3 cannot sign are refused.
    assert storage.presigned_url("job-2:tone/output.wav", 3600) == url
    for bad in (0, 8 * 24 * 3600):
        with pytest.raises(ValueError):
            storage.presigned_url("job-2:tone/output.wav", bad)


def test_public_endpoint_signs_links_for_the_host_clients_use(s3: boto3.client, s3_endpoint: str) -> None:
    storage = S3Storage.from_url(f"s3://{BUCKET}?endpoint={s3_endpoint}&public_endpoint=https://files.example.org")
    storage.put("job-3:tone/output.wav", b"RIFF", "audio/wav")
    assert storage.presigned_url("job-3:tone/output.wav", 60).startswith(
        f"https://files.example.org/{BUCKET}/job-3%3Atone/output.wav?")


def test_failures_name_the_bucket_and_key(s3: boto3.client, s3_endpoint: str) -> None:
    missing = S3Storage.from_url(f"s3://no-such-bucket/p?endpoint={s3_endpoint}")
    with pytest.raises(S3StorageError, match=r"s3://no-such-bucket/p/job:tone/output\.wav.*NoSuchBucket"):
        missing.put("job:tone/output.wav", b"x", "audio/wav")
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{sock.getsockname()[1]}"
    unreachable = S3Storage.from_url(f"s3://{BUCKET}?endpoint={closed}")
    with pytest.raises(S3StorageError, match="upload of s3://"):
        unreachable.put("job:tone/output.wav", b"x", "audio/wav")
    with pytest.raises(OSError):  # an OSError, as callers of put expect from storage
        unreachable.exists("job:tone/output.wav")


@pytest.mark.parametrize("url, complaint", [
    ("s3://", "expected s3://bucket"),
    ("https://bucket/x", "expected s3://bucket"),
    ("s3://bucket?endpoint=ftp://host", "endpoint must be an http(s) URL"),
    ("s3://bucket?endpont=http://host", "unknown option(s) endpont"),
    ("s3://bucket?addressing=sideways", "addressing is path or virtual"),
    ("s3://bucket?region=a&region=b", "given twice"),
    ("s3://bucket/../up", "invalid storage key"),
])
def test_bad_urls_are_refused_with_the_reason(url: str, complaint: str) -> None:
    with pytest.raises(ValueError) as caught:
        parse_s3_url(url)
    assert complaint in str(caught.value)


def test_settings_choose_s3_by_url(tmp_path: Path, s3: boto3.client, s3_endpoint: str) -> None:
    settings = make_settings(tmp_path, storage_url=f"s3://{BUCKET}/p?endpoint={s3_endpoint}")
    storage = open_storage(settings)
    assert isinstance(storage, S3Storage) and (storage.bucket, storage.prefix) == (BUCKET, "p")
    assert parse_s3_url(f"s3://{BUCKET}?endpoint={s3_endpoint}")["addressing"] == "path"
    assert parse_s3_url(f"s3://{BUCKET}")["addressing"] == "auto"
    with pytest.raises(ValueError, match="s3://bucket/prefix"):
        open_storage(make_settings(tmp_path, storage_url="gs://elsewhere"))


def test_worker_results_land_in_s3_and_the_api_links_them_directly(
        tmp_path: Path, s3: boto3.client, s3_endpoint: str) -> None:
    """A completed generation's answer links the object itself: the download never touches the API server."""
    import asyncio

    import numpy as np

    from orchestrion.engines import GenerationResult

    settings = make_settings(tmp_path / "data")
    store = SQLiteJobStore(settings.db_path)
    store.migrate()
    storage = storage_for(s3_endpoint)
    key, _ = make_key(store)
    app = create_app(settings, store, storage=storage)

    async def scenario() -> tuple[dict, dict]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://api") as client:
            created = [await client.post("/v2/generate/audio", headers=bearer(key),
                                         json={"model": "test/tone", "prompt": prompt, "duration": 5})
                       for prompt in ("a tone", "another")]
            assert [c.status_code for c in created] == [200, 200], created[0].text
            first, second = (c.json() for c in created)
            job = store.claim_jobs("w", ["test/tone"], limit=1, lease_seconds=60)[0]
            assert job.id == first["id"]
            audio = np.zeros((24_000, 2), dtype=np.float32)
            files = store_result(storage, job, GenerationResult(audio=audio, sample_rate=24_000))
            assert store.complete_job(job.id, "w", files=files, audio_seconds=1.0, engine_seconds=0.1)
            complete(store, storage, second["id"])
            answers = []
            for created in (first, second):
                polled = await client.get("/v2/generate/audio", headers=bearer(key),
                                          params={"generation_id": created["id"]})
                assert polled.status_code == 200
                answers.append(polled.json())
            return answers[0], answers[1]

    try:
        encoded, by_hand = asyncio.run(scenario())
    finally:
        store.close()
    for answer in (encoded, by_hand):
        link = answer["audio_file"]
        assert answer["status"] == "completed" and link["url"].startswith(s3_endpoint + f"/{BUCKET}/deploy/files/")
        download = httpx.get(link["url"])
        assert download.status_code == 200 and len(download.content) == link["file_size"]
        assert download.headers["content-type"] == link["content_type"] == "audio/wav"
    assert httpx.get(by_hand["midi_file"]["url"]).content.startswith(b"MThd")
    assert encoded["audio_file"]["file_name"] == "output.wav"
    assert httpx.get(encoded["audio_file"]["url"]).content[:4] == b"RIFF"


def test_the_api_serves_and_reads_back_s3_files_through_the_storage(
        tmp_path: Path, s3: boto3.client, s3_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """`/files` links to S3 objects stream from a ranged GetObject, and the Vertex route reads its audio through
    ``Storage.open``, never over HTTP (no presigned link is made for it)."""
    import asyncio
    import base64
    import time

    settings = make_settings(tmp_path / "data", vertex_model="test/tone")
    store = SQLiteJobStore(settings.db_path)
    store.migrate()
    storage = storage_for(s3_endpoint)
    key, _ = make_key(store)
    app = create_app(settings, store, storage=storage)
    signer = app.state.orchestrion.signer
    audio = b"RIFF" + bytes(range(256)) * 64

    async def scenario() -> None:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://api") as client:
            created = await client.post("/v2/generate/audio", headers=bearer(key),
                                        json={"model": "test/tone", "prompt": "a tone", "duration": 5})
            job_id = created.json()["id"]
            complete(store, storage, job_id, audio=audio)
            link = signer.signed_path(f"{job_id}/output.wav")
            whole = await client.get(link)
            assert whole.status_code == 200 and whole.content == audio
            assert whole.headers["content-length"] == str(len(audio))
            assert whole.headers["content-type"] == "audio/wav" and whole.headers["accept-ranges"] == "bytes"
            part = await client.get(link, headers={"Range": "bytes=4-99"})
            assert part.status_code == 206 and part.content == audio[4:100]
            assert part.headers["content-range"] == f"bytes 4-99/{len(audio)}"
            tail = await client.get(link, headers={"Range": "bytes=-8"})
            assert tail.status_code == 206 and tail.content == audio[-8:]
            head = await client.head(link)
            assert head.status_code == 200 and head.content == b""
            assert head.headers["content-length"] == str(len(audio))
            beyond = await client.get(link, headers={"Range": f"bytes={len(audio)}-"})
            assert beyond.status_code == 416 and beyond.headers["content-range"] == f"bytes */{len(audio)}"

            def no_links(*_: object) -> str:
                raise AssertionError("the Vertex route must read through Storage.open, not a link")

            monkeypatch.setattr(storage, "presigned_url", no_links)
            predicting = asyncio.create_task(client.post(
                "/v1/projects/p/locations/l/publishers/google/models/lyria-002:predict", headers=bearer(key),
                json={"instances": [{"prompt": "a drone"}]}))
            deadline = time.monotonic() + 10
            while True:
                queued = [job for job in store.list_jobs(store.list_keys()[0].id, limit=10)[0]
                          if job.status.value == "queued"]
                if queued or time.monotonic() > deadline:
                    break
                await asyncio.sleep(0.02)
            assert queued, "the Vertex route queued nothing"
            complete(store, storage, queued[0].id, audio=audio, extras=False)
            predicted = await predicting
            assert predicted.status_code == 200, predicted.text
            [prediction] = predicted.json()["predictions"]
            assert base64.b64decode(prediction["bytesBase64Encoded"]) == audio

            storage.delete_prefix(job_id)
            gone = await client.get(link)
            assert gone.status_code == 410

    try:
        asyncio.run(scenario())
    finally:
        store.close()
