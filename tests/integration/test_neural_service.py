"""Neural and upstream models served through the protocol by a live `orchestrion serve`.

Tiny random MusicGen and Stable Audio checkpoints are saved to folders and named in the TOML config exactly as a
user's weights would be; an upstream model forwards to a second server on loopback running the tone test engine.
"""

from __future__ import annotations

import io
import time
from pathlib import Path
from typing import Iterator

import httpx
import numpy as np
import pytest
import soundfile

from orchestrion.config import load_settings
from orchestrion.jobs import open_store
from tests.support.server import ServerProcess
from tests.support.tiny_models import build_musicgen, build_stable_audio

REMOTE_CONFIG = """
[models."test/tone"]
engine = "tests.engines.tone:ToneEngine"
"""


@pytest.fixture(scope="module")
def remote(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    server = ServerProcess(tmp_path_factory.mktemp("neural-remote"), workers=1, config=REMOTE_CONFIG)
    with server:
        yield server


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory, remote: ServerProcess) -> Iterator[ServerProcess]:
    weights = tmp_path_factory.mktemp("weights")
    musicgen = build_musicgen(weights / "musicgen-tiny")
    stable_audio = build_stable_audio(weights / "stable-audio-tiny")
    config = f"""
[models."musicgen-tiny"]
engine = "musicgen"
source = "{musicgen}"
max_batch = 4

[models."stable-audio-tiny"]
engine = "stable-audio"
source = "{stable_audio}"
steps = 3

[models."upstream/tone"]
engine = "upstream"
base_url = "{remote.base_url}"
api_key_env = "ORCHESTRION_TEST_UPSTREAM_KEY"
remote_model = "test/tone"
extensions = true
poll_interval = 0.2

[models."musicgen-missing"]
engine = "musicgen"
source = "{weights / 'not-downloaded'}"
"""
    server = ServerProcess(tmp_path_factory.mktemp("neural-service"), workers=1, config=config,
                           env={"ORCHESTRION_TEST_UPSTREAM_KEY": remote.api_key})
    with server:
        yield server


def create(server: ServerProcess, **body: object) -> str:
    response = httpx.post(server.base_url + "/v2/generate/audio", json=body,
                          headers={"Authorization": f"Bearer {server.api_key}"}, timeout=30)
    assert response.status_code == 201 or response.status_code == 200, response.text
    assert response.json()["status"] == "queued"
    return response.json()["id"]


def wait(server: ServerProcess, generation_id: str, timeout: float = 240) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        body = httpx.get(server.base_url + "/v2/generate/audio", params={"generation_id": generation_id},
                         headers={"Authorization": f"Bearer {server.api_key}"}, timeout=30).json()
        if body["status"] in ("completed", "error"):
            return body
        time.sleep(0.2)
    raise TimeoutError(f"{generation_id} did not finish:\n{server.log()}")


def download(body: dict) -> tuple[bytes, np.ndarray, int]:
    assert body["status"] == "completed", body
    data = httpx.get(body["audio_file"]["url"], timeout=30).content
    assert len(data) == body["audio_file"]["file_size"]
    audio, rate = soundfile.read(io.BytesIO(data), dtype="float32", always_2d=True)
    return data, audio, rate


def test_models_are_listed_with_availability(service: ServerProcess):
    models = {m["id"]: m for m in httpx.get(service.base_url + "/v1/models", timeout=30).json()["data"]}
    assert models["musicgen-tiny"]["engine"] == "musicgen" and models["musicgen-tiny"]["available"] is True
    assert models["stable-audio-tiny"]["available"] is True
    assert models["upstream/tone"]["available"] is True
    missing = models["musicgen-missing"]
    assert missing["available"] is False and "does not exist" in missing["unavailable_reason"]
    refused = httpx.post(service.base_url + "/v2/generate/audio", json={"model": "musicgen-missing", "prompt": "x"},
                         headers={"Authorization": f"Bearer {service.api_key}"}, timeout=30)
    assert refused.status_code == 503 and "does not exist" in refused.json()["message"]


def test_four_mixed_musicgen_jobs_run_as_one_batch_and_complete_separately(service: ServerProcess):
    bodies = [
        {"prompt": "calm piano melody", "seed": 1, "duration": 5},
        {"prompt": "rock guitar", "negative_prompt": "vocals", "seed": 2, "duration": 6},
        {"prompt": "jazz", "seed": 3, "duration": 5, "bpm": 100},
        {"prompt": "calm piano melody", "seed": 1, "duration": 5},
    ]
    # Queue all four before the single worker can claim the first, so it claims them together.
    with httpx.Client(headers={"Authorization": f"Bearer {service.api_key}"}, timeout=30) as client:
        ids = [client.post(service.base_url + "/v2/generate/audio", json={"model": "musicgen-tiny", **b}).json()["id"]
               for b in bodies]
    results = [wait(service, generation_id) for generation_id in ids]
    files = [download(result) for result in results]
    for body, (data, audio, rate) in zip(bodies, files):
        assert rate == 48_000 and audio.shape == (body["duration"] * 48_000, 2)
        assert np.abs(audio).max() > 0
    assert files[0][0] == files[3][0]  # same request and seed: the same bytes, batched together or not
    assert files[0][0] != files[2][0]
    store = open_store(load_settings(data_dir=service.data_dir))
    sizes = [store.get_job(generation_id).info.get("batch_size") for generation_id in ids]
    assert max(sizes) > 1, f"no batching happened: {sizes}"


def test_stable_audio_answers_through_the_protocol(service: ServerProcess):
    generation_id = create(service, model="stable-audio-tiny", prompt="warm ambient pad", seed=5, duration=5)
    data, audio, rate = download(wait(service, generation_id))
    assert rate == 48_000 and audio.shape == (5 * 48_000, 2)


def test_upstream_forwards_to_the_second_server_and_stores_locally(service: ServerProcess, remote: ServerProcess):
    generation_id = create(service, model="upstream/tone", prompt="a tone", seed=2, duration=5)
    body = wait(service, generation_id)
    data, audio, rate = download(body)
    assert rate == 48_000 and audio.shape == (5 * 48_000, 2)
    assert body["audio_file"]["url"].startswith(service.base_url)  # served from our storage, not the remote's
    failed = wait(service, create(service, model="upstream/tone", prompt="fail", seed=2, duration=5))
    assert failed["status"] == "error" and "the tone engine was asked to fail" in failed["error"]["message"]
