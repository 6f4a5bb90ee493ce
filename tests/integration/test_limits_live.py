"""Retention and rate limits through a real server: expired generations and files are swept (the link answers
410), and keys past their requests per minute or generations in flight answer 429 with the RateLimit headers."""

from __future__ import annotations

import time
from typing import Iterator

import httpx
import pytest

from tests.support.server import ServerProcess

TONE_ONLY = """
[models."test/tone"]
engine = "tests.engines.tone:ToneEngine"
credits = 2
"""
PER_MINUTE = 6


@pytest.fixture(scope="module")
def limited(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    server = ServerProcess(tmp_path_factory.mktemp("limited"), workers=1, config=TONE_ONLY, env={
        "ORCHESTRION_RETENTION_SECONDS": "1",
        "ORCHESTRION_RATE_LIMIT_PER_MINUTE": str(PER_MINUTE),
        "ORCHESTRION_MAX_ACTIVE_PER_KEY": "1",
    })
    with server:
        yield server


def auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def test_expired_generations_and_their_files_are_swept(limited: ServerProcess) -> None:
    key = limited.create_key("retention")
    done = httpx.post(limited.base_url + "/v2/generate/audio", headers={**auth(key), "Prefer": "wait=20"},
                      json={"model": "test/tone", "prompt": "brief", "duration": 5}, timeout=30).json()
    assert done["status"] == "completed"
    url = done["audio_file"]["url"]
    folder = limited.data_dir / "files" / done["id"]
    deadline = time.monotonic() + 15
    while (answer := httpx.get(url, timeout=10)).status_code == 200:
        assert time.monotonic() < deadline, "the generation was never swept"
        time.sleep(0.2)
    assert answer.status_code == 410 and answer.json()["statusCode"] == 410
    assert not folder.exists()
    gone = httpx.get(limited.base_url + "/v2/generate/audio", params={"generation_id": done["id"]},
                     headers=auth(key), timeout=10)
    assert gone.status_code == 404


def test_requests_per_minute_answer_429_with_ratelimit_headers(limited: ServerProcess) -> None:
    if 60 - time.time() % 60 < 5:  # the window turns every minute; do not straddle it
        time.sleep(60 - time.time() % 60 + 0.1)
    key = limited.create_key("chatty")
    remaining = []
    for _ in range(PER_MINUTE):
        response = httpx.get(limited.base_url + "/v2/generate/audio/generations", headers=auth(key), timeout=10)
        assert response.status_code == 200
        assert response.headers["ratelimit-limit"] == str(PER_MINUTE)
        remaining.append(int(response.headers["ratelimit-remaining"]))
    assert remaining == list(range(PER_MINUTE - 1, -1, -1))
    refused = httpx.get(limited.base_url + "/v2/generate/audio/generations", headers=auth(key), timeout=10)
    assert refused.status_code == 429
    body = refused.json()
    assert body["statusCode"] == 429 and str(PER_MINUTE) in body["message"]
    reset = int(refused.headers["ratelimit-reset"])
    assert 1 <= reset <= 60 and refused.headers["retry-after"] == str(reset)
    assert refused.headers["ratelimit-remaining"] == "0"
    # Another key has its own minute.
    other = httpx.get(limited.base_url + "/v2/generate/audio/generations", headers=auth(limited.api_key),
                      timeout=10)
    assert other.status_code == 200


def test_generations_in_flight_per_key_are_limited(limited: ServerProcess) -> None:
    key = limited.create_key("busy")
    body = {"model": "test/tone", "prompt": "sleep:2", "duration": 5}
    first = httpx.post(limited.base_url + "/v2/generate/audio", headers=auth(key), json=body, timeout=10)
    assert first.status_code == 200
    second = httpx.post(limited.base_url + "/v2/generate/audio", headers=auth(key), json=body, timeout=10)
    assert second.status_code == 429
    assert second.headers["ratelimit-limit"] == "1" and second.headers["ratelimit-remaining"] == "0"
    assert int(second.headers["retry-after"]) > 0 and "queued or generating" in second.json()["message"]
    httpx.delete(limited.base_url + "/v2/generate/audio", params={"generation_id": first.json()["id"]},
                 headers=auth(key), timeout=10)
    third = httpx.post(limited.base_url + "/v2/generate/audio", headers=auth(key), json=body, timeout=10)
    assert third.status_code == 200
    httpx.delete(limited.base_url + "/v2/generate/audio", params={"generation_id": third.json()["id"]},
                 headers=auth(key), timeout=10)
