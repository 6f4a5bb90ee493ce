"""The API over real HTTP (`orchestrion serve` with workers): a generation runs to completion and its signed links
download, in full and by range, without a key; metrics and readiness reflect the work."""

from __future__ import annotations

import time

import httpx
import pytest

from tests.support.server import ServerProcess

pytestmark = pytest.mark.slow


def wait_done(client: httpx.Client, generation_id: str, timeout: float = 120.0) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        body = client.get("/v2/generate/audio", params={"generation_id": generation_id}).json()
        if body["status"] in ("completed", "error"):
            return body
        time.sleep(0.2)
    raise TimeoutError(f"{generation_id} still {body['status']} after {timeout} s")


def test_generation_files_download_fully_and_by_range_without_a_key(live_server: ServerProcess) -> None:
    headers = {"Authorization": f"Bearer {live_server.api_key}"}
    with httpx.Client(base_url=live_server.base_url, headers=headers, timeout=30) as client:
        created = client.post("/v2/generate/audio", json={"model": "test/tone", "prompt": "range test", "seed": 3,
                                                          "duration": 5})
        assert created.status_code == 200, created.text
        body = wait_done(client, created.json()["id"])
    assert body["status"] == "completed", body
    audio = body["audio_file"]
    assert audio["url"].startswith(live_server.base_url + "/files/")

    with httpx.Client(timeout=30) as anonymous:
        full = anonymous.get(audio["url"])
        assert full.status_code == 200 and len(full.content) == audio["file_size"]
        assert full.headers["content-type"] == audio["content_type"] == "audio/wav"
        assert full.content[:4] == b"RIFF" and full.content[8:12] == b"WAVE"
        head = anonymous.head(audio["url"])
        assert head.status_code == 200 and int(head.headers["content-length"]) == audio["file_size"]
        part = anonymous.get(audio["url"], headers={"Range": "bytes=44-1043"})
        assert part.status_code == 206 and part.content == full.content[44:1044]
        assert part.headers["content-range"] == f"bytes 44-1043/{audio['file_size']}"
        beyond = anonymous.get(audio["url"], headers={"Range": f"bytes={audio['file_size']}-"})
        assert beyond.status_code == 416 and beyond.json()["statusCode"] == 416
        for extra in [body["midi_file"], *body["stems"]]:
            download = anonymous.get(extra["url"])
            assert download.status_code == 200 and len(download.content) == extra["file_size"]
        tampered = anonymous.get(audio["url"].replace("signature=", "signature=x"))
        assert tampered.status_code == 403 and set(tampered.json()) == {
            "message", "path", "requestId", "statusCode", "timestamp"}


def test_ready_and_metrics_reflect_live_workers_and_finished_jobs(live_server: ServerProcess) -> None:
    headers = {"Authorization": f"Bearer {live_server.api_key}"}
    with httpx.Client(base_url=live_server.base_url, headers=headers, timeout=30) as client:
        created = client.post("/v2/generate/audio", json={"model": "test/tone", "prompt": "metrics", "duration": 5})
        wait_done(client, created.json()["id"])
        ready = client.get("/ready")
        assert ready.status_code == 200 and ready.json()["models"]["test/tone"] >= 1
        metrics = client.get("/metrics").text
    count = next(line for line in metrics.splitlines() if line.startswith("orchestrion_time_to_audio_seconds_count"))
    assert float(count.split()[-1]) >= 1
    assert 'orchestrion_jobs{status="completed"}' in metrics
    rtf = [line for line in metrics.splitlines() if line.startswith('orchestrion_engine_real_time_factor{model="test/tone"}')]
    assert rtf and float(rtf[0].split()[-1]) > 0
