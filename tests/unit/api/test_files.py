"""Signed file links: download without a key, HEAD, Range, tampering, expiry, and no way out of the data folder."""

from __future__ import annotations

import os
import time
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from tests.unit.api.helpers import assert_error, bearer, complete

AUDIO = bytes(range(256)) * 64  # 16 KiB of recognisable bytes


@pytest.fixture
async def finished(client, api_key, store, storage) -> dict:
    """A completed generation's answer, with its job id and files."""
    created = await client.post(
        "/v2/generate/audio", json={"model": "test/tone", "prompt": "x"}, headers=bearer(api_key)
    )
    job_id = created.json()["id"]
    complete(store, storage, job_id, audio=AUDIO)
    answer = await client.get("/v2/generate/audio", params={"generation_id": job_id}, headers=bearer(api_key))
    return answer.json()


def split(url: str) -> tuple[str, str, str]:
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    return parts.path, query["expires"][0], query["signature"][0]


async def test_download_matches_announced_type_and_size(client, finished) -> None:
    audio = finished["audio_file"]
    response = await client.get(audio["url"])  # no Authorization header
    assert response.status_code == 200
    assert response.content == AUDIO
    assert int(response.headers["content-length"]) == audio["file_size"] == len(AUDIO)
    assert response.headers["content-type"] == audio["content_type"] == "audio/wav"
    assert response.headers["accept-ranges"] == "bytes"
    assert 'filename="output.wav"' in response.headers["content-disposition"]
    assert response.headers["x-request-id"]


async def test_head_answers_headers_only(client, finished) -> None:
    response = await client.head(finished["audio_file"]["url"])
    assert response.status_code == 200 and response.content == b""
    assert int(response.headers["content-length"]) == len(AUDIO)
    assert response.headers["content-type"] == "audio/wav"


@pytest.mark.parametrize(
    ("range_header", "start", "end"),
    [("bytes=0-99", 0, 99), ("bytes=100-", 100, len(AUDIO) - 1), ("bytes=-10", len(AUDIO) - 10, len(AUDIO) - 1),
     ("bytes=16000-99999", 16000, len(AUDIO) - 1)],
)
async def test_range_requests_answer_206(client, finished, range_header, start, end) -> None:
    response = await client.get(finished["audio_file"]["url"], headers={"Range": range_header})
    assert response.status_code == 206
    assert response.headers["content-range"] == f"bytes {start}-{end}/{len(AUDIO)}"
    assert response.content == AUDIO[start : end + 1]


async def test_range_past_the_end_answers_416_in_the_error_shape(client, finished) -> None:
    response = await client.get(finished["audio_file"]["url"], headers={"Range": f"bytes={len(AUDIO)}-"})
    assert_error(response, 416)
    assert response.headers["content-range"] == f"bytes */{len(AUDIO)}"


async def test_malformed_range_is_ignored_and_the_whole_file_sent(client, finished) -> None:
    response = await client.get(finished["audio_file"]["url"], headers={"Range": "pages=1-2"})
    assert response.status_code == 200 and response.content == AUDIO


async def test_tampered_signature_expiry_or_key_is_refused(client, finished) -> None:
    path, expires, signature = split(finished["audio_file"]["url"])
    flipped = ("A" if signature[0] != "A" else "B") + signature[1:]
    assert_error(await client.get(path, params={"expires": expires, "signature": flipped}), 403, "signature")
    assert_error(await client.get(path, params={"expires": int(expires) + 3600, "signature": signature}), 403)
    assert_error(await client.get(path, params={"expires": expires}), 403)
    assert_error(await client.get(path), 403)
    assert_error(await client.get(path, params={"expires": expires, "signature": "é" * 43}), 403, "signature")
    # A genuine signature for one file does not open another file of the same job.
    midi_path = split(finished["midi_file"]["url"])[0]
    assert_error(await client.get(midi_path, params={"expires": expires, "signature": signature}), 403)


async def test_expired_link_answers_403_and_gone_file_410(client, ctx, finished, storage) -> None:
    key = f"{finished['id']}/output.wav"
    past = int(time.time()) - 10
    signature = ctx.signer.signature(key, past)
    assert_error(await client.get(f"/files/{key}", params={"expires": past, "signature": signature}), 403, "expired")
    fresh = finished["audio_file"]["url"]
    storage.path(key).unlink()
    assert_error(await client.get(fresh), 410)
    assert_error(await client.get(f"/files/{key}", params={"expires": past, "signature": signature}), 410)


async def test_links_are_stable_between_polls_and_expire_after_the_ttl(client, api_key, finished, ctx) -> None:
    again = await client.get("/v2/generate/audio", params={"generation_id": finished["id"]}, headers=bearer(api_key))
    assert again.json()["audio_file"]["url"] == finished["audio_file"]["url"]
    expires = int(split(finished["audio_file"]["url"])[1])
    assert 0 <= expires - (time.time() + ctx.settings.url_ttl_seconds) <= 60


async def raw_get(client: httpx.AsyncClient, raw_path: str) -> httpx.Response:
    """GET a path exactly as written (httpx would normalise ``..`` segments away)."""
    request = client.build_request("GET", "http://testserver/")
    request.url = request.url.copy_with(raw_path=raw_path.encode())
    return await client.send(request)


@pytest.mark.parametrize(
    "key",
    ["../orchestrion.db", "../secret.key", "..%2Forchestrion.db", "%2e%2e/secret.key", "/etc/passwd",
     "%2Fetc%2Fpasswd", "a/../../secret.key", "a/%2e%2e/%2e%2e/secret.key", "..\\secret.key", "a%00b/../../x"],
)
async def test_traversal_is_refused_even_with_a_valid_signature(client, ctx, key) -> None:
    # Signing the hostile key ourselves models a leaked secret: the storage checks must still hold.
    from urllib.parse import unquote

    decoded = unquote(key)
    expires = int(time.time()) + 600
    signature = ctx.signer.signature(decoded, expires)
    response = await raw_get(client, f"/files/{key}?expires={expires}&signature={signature}")
    assert response.status_code in (403, 404), response.text
    # The path as the server decoded it differs from httpx's view of a raw path, so it is not compared here.
    assert_error(response, response.status_code, check_path=False)
    assert b"sqlite" not in response.content.lower()


async def test_symlink_leading_out_of_the_storage_root_is_refused(client, ctx, storage, settings) -> None:
    outside = settings.data_dir / "outside.txt"
    outside.write_text("private")
    job_dir = storage.root / "job-x:tone"
    job_dir.mkdir(parents=True)
    os.symlink(outside, job_dir / "output.wav")
    key = "job-x:tone/output.wav"
    expires = int(time.time()) + 600
    response = await client.get(f"/files/{key}", params={"expires": expires, "signature": ctx.signer.signature(key, expires)})
    assert_error(response, 404)
    assert "private" not in response.text


async def test_a_folder_is_not_a_file(client, ctx, finished) -> None:
    key = finished["id"] + "/stems"
    expires = int(time.time()) + 600
    response = await client.get(f"/files/{key}", params={"expires": expires, "signature": ctx.signer.signature(key, expires)})
    assert_error(response, 404)


@pytest.mark.parametrize(("header", "expected"), [
    ("bytes=0-99", (0, 100)),
    ("bytes=100-", (100, 1000)),
    ("bytes=-10", (990, 1000)),
    ("bytes=-5000", (0, 1000)),  # a suffix longer than the file is the whole file
    ("bytes=900-5000", (900, 1000)),
    ("BYTES=0-0", (0, 1)),  # the unit is case-insensitive
    (" bytes=999-999 ", (999, 1000)),
    ("bytes=0-1,", (0, 2)),  # empty list elements do not count
    # ignored: the whole file is sent
    ("pages=1-2", None), ("bytes", None), ("bytes=", None), ("bytes=-", None), ("bytes=abc", None),
    ("bytes=5-2", None), ("bytes=0-1,5-6", None), ("bytes=1 - 2", None), ("bytes=١-٢", None),
    ("bytes=0-99;x", None),
])
def test_range_parser(header, expected) -> None:
    from orchestrion.api.routes_files import parse_range

    assert parse_range(header, 1000) == expected


@pytest.mark.parametrize(("header", "size"), [
    ("bytes=1000-", 1000), ("bytes=1000-2000", 1000), ("bytes=-0", 1000), ("bytes=0-", 0), ("bytes=-5", 0),
    ("bytes=" + "9" * 40 + "-", 1000),
])
def test_range_parser_unsatisfiable(header, size) -> None:
    from orchestrion.api.routes_files import UnsatisfiableRange, parse_range

    with pytest.raises(UnsatisfiableRange):
        parse_range(header, size)


@pytest.mark.parametrize("headers", [
    {"Range": "bytes=0-1,10-20"},  # several ranges: the whole file rather than multipart
    {"Range": "bytes=50-10"},
    {"Range": "bytes=0-99", "If-Range": '"some-etag"'},  # validators are not compared: always correct
])
async def test_ranges_this_server_ignores_send_the_whole_file(client, finished, headers) -> None:
    response = await client.get(finished["audio_file"]["url"], headers=headers)
    assert response.status_code == 200 and response.content == AUDIO
    assert "content-range" not in response.headers


async def test_a_zero_suffix_is_unsatisfiable(client, finished) -> None:
    response = await client.get(finished["audio_file"]["url"], headers={"Range": "bytes=-0"})
    assert_error(response, 416)
    assert response.headers["content-range"] == f"bytes */{len(AUDIO)}"


async def test_head_ignores_range(client, finished) -> None:
    response = await client.head(finished["audio_file"]["url"], headers={"Range": "bytes=0-9"})
    assert response.status_code == 200 and response.content == b""
    assert int(response.headers["content-length"]) == len(AUDIO)


async def test_a_storage_failure_answers_503_and_logs_the_detail(client, ctx, finished, monkeypatch, caplog) -> None:
    def failing(key: str) -> int:
        raise PermissionError(13, "Permission denied", "/srv/private/files")

    monkeypatch.setattr(ctx.storage, "size", failing)
    response = await client.get(finished["audio_file"]["url"])
    assert_error(response, 503, "storage")
    assert "/srv/private" not in response.text
    [record] = [r for r in caplog.records if r.getMessage() == "reading a stored file failed"]
    assert "/srv/private" in record.fields["error"]
