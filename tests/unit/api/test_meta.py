"""Models, health, readiness, metrics, OpenAPI, docs and the playground page."""

from __future__ import annotations

import re

import pytest

import dataclasses
import logging
from typing import Any

import httpx

from orchestrion.api import routes_meta
from orchestrion.api.app import create_app
from orchestrion.api.schemas import ModelList
from orchestrion.config import CREDIT_SECONDS, ModelConfig
from orchestrion.engines import Engine
from tests.unit.api.helpers import ERROR_KEYS, assert_error, bearer, complete, make_settings

pytestmark = pytest.mark.asyncio


async def test_models_lists_every_served_id_with_engine_alias_and_availability(client) -> None:
    response = await client.get("/v1/models")
    assert response.status_code == 200
    body = response.json()
    ModelList.model_validate(body)
    by_id = {entry["id"]: entry for entry in body["data"]}
    assert list(by_id) == ["acme/tone-v2", "test/missing", "test/picky", "test/tone"]
    assert by_id["acme/tone-v2"]["alias_of"] == "test/tone" and by_id["test/tone"]["alias_of"] is None
    assert by_id["acme/tone-v2"]["engine"] == by_id["test/tone"]["engine"] == "tests.engines.tone:ToneEngine"
    assert by_id["test/tone"]["available"] is True and by_id["test/tone"]["credits"] == 2
    assert by_id["test/tone"]["max_duration"] == 300.0  # from the engine's describe()
    assert by_id["test/picky"]["picky"] is True and by_id["test/picky"]["max_duration"] == 60.0
    missing = by_id["test/missing"]
    assert missing["available"] is False and "unknown engine 'no-such-engine'" in missing["unavailable_reason"]
    assert all(entry["object"] == "model" for entry in body["data"]) and body["object"] == "list"


async def test_health_is_always_ok(client) -> None:
    response = await client.get("/health")
    assert response.status_code == 200 and response.json()["status"] == "ok"


async def test_ready_needs_a_live_ready_worker(client, store) -> None:
    assert_error(await client.get("/ready"), 503, "no worker is running")
    store.record_worker("w-1", engine_models=["test/tone"], state="loading")
    response = await client.get("/ready")
    assert_error(response, 503, "1 worker(s) still loading engines")
    assert response.headers["retry-after"]
    store.record_worker("w-1", engine_models=["test/tone"], state="ready")
    response = await client.get("/ready")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ready" and body["models"]["test/tone"] == 1 and body["models"]["test/picky"] == 0
    assert body["workers"] == [{"worker_id": "w-1", "state": "ready", "engine_models": ["test/tone"]}]
    store.record_worker("w-1", engine_models=["test/tone"], state="stopped")
    assert_error(await client.get("/ready"), 503)


async def test_ready_answers_503_when_the_store_is_down(client, store, monkeypatch) -> None:
    from orchestrion.jobs.store import StoreUnavailable

    def down() -> None:
        raise StoreUnavailable("unable to open database file /secret/path")

    monkeypatch.setattr(store, "ping", down)
    response = await client.get("/ready")
    body = assert_error(response, 503, "job store is unreachable")
    assert "/secret/path" not in body["message"]


def sample(text: str, name: str, **labels: str) -> float:
    label_text = ",".join(f'{k}="{v}"' for k, v in labels.items())
    pattern = "^" + re.escape(name) + (r"\{" + re.escape(label_text) + r"\}" if labels else "") + r" (\S+)$"
    match = re.search(pattern, text, re.MULTILINE)
    assert match, f"{name}{labels} missing from metrics"
    return float(match.group(1))


async def test_metrics_report_queue_jobs_time_to_audio_rtf_workers_and_requests(client, api_key, store, storage) -> None:
    ids = []
    for _ in range(3):
        response = await client.post("/v2/generate/audio", json={"model": "test/tone", "prompt": "x"}, headers=bearer(api_key))
        ids.append(response.json()["id"])
    complete(store, storage, ids[0], extras=False, audio_seconds=5.0, engine_seconds=0.25)
    store.record_worker("w-1", engine_models=["test/tone"], state="ready")
    await client.get("/v2/generate/audio", params={"generation_id": "nope"}, headers=bearer(api_key))

    response = await client.get("/metrics")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain; version=0.0.4")
    text = response.text
    assert sample(text, "orchestrion_queue_depth", model="test/tone") == 2
    assert sample(text, "orchestrion_queue_depth", model="test/picky") == 0
    assert sample(text, "orchestrion_jobs", status="queued") == 2
    assert sample(text, "orchestrion_jobs", status="completed") == 1
    assert sample(text, "orchestrion_jobs", status="error") == 0
    assert sample(text, "orchestrion_time_to_audio_seconds_count") == 1
    assert sample(text, "orchestrion_time_to_audio_seconds_bucket", le="+Inf") == 1
    assert sample(text, "orchestrion_time_to_audio_seconds_bucket", le="600.0") == 1
    assert sample(text, "orchestrion_engine_real_time_factor", model="test/tone") == pytest.approx(20.0)
    assert sample(text, "orchestrion_workers_live") == 1 and sample(text, "orchestrion_workers_ready") == 1
    assert sample(text, "orchestrion_http_requests_total", method="POST", route="/v2/generate/audio", status="200") == 3
    assert sample(text, "orchestrion_http_requests_total", method="GET", route="/v2/generate/audio", status="404") == 1
    assert "# TYPE orchestrion_time_to_audio_seconds histogram" in text
    # Every sample line parses as name{labels} value.
    for line in text.splitlines():
        assert line.startswith("#") or re.fullmatch(r'[a-z_]+(\{[^}]*\})? [-+0-9.eInf]+', line), line


async def test_unmatched_paths_share_one_metrics_label(client) -> None:
    for n in range(3):
        await client.get(f"/random/{n}")
    text = (await client.get("/metrics")).text
    assert sample(text, "orchestrion_http_requests_total", method="GET", route="unmatched", status="404") == 3
    assert "/random/" not in text


async def test_openapi_describes_routes_bodies_errors_and_auth(client) -> None:
    spec = (await client.get("/openapi.json")).json()
    paths = spec["paths"]
    assert set(paths) >= {"/v2/generate/audio", "/files/{key}", "/v1/models", "/health", "/ready", "/metrics"}
    post = paths["/v2/generate/audio"]["post"]
    assert post["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("/GenerateAudioRequest")
    assert post["security"] == [{"bearerAuth": []}]
    for code in ("400", "401", "403", "413", "429", "503", "500"):
        assert post["responses"][code]["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorBody")
    assert "422" not in post["responses"] and "422" not in paths["/v2/generate/audio"]["get"]["responses"]
    schemas = spec["components"]["schemas"]
    assert set(schemas["ErrorBody"]["required"]) == ERROR_KEYS
    request_props = schemas["GenerateAudioRequest"]["properties"]
    assert {"model", "prompt", "negative_prompt", "seed", "duration", "bpm", "key", "loop", "output_format"} <= set(request_props)
    assert schemas["GenerateAudioRequest"]["additionalProperties"] is False
    assert spec["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    docs = await client.get("/docs")
    assert docs.status_code == 200 and "swagger" in docs.text.lower()


async def test_playground_page_is_served_at_root(client, tmp_path, monkeypatch) -> None:
    (tmp_path / "index.html").write_text("<!doctype html><title>Playground</title>")
    monkeypatch.setattr(routes_meta, "STATIC_DIR", tmp_path)
    response = await client.get("/")
    assert response.status_code == 200 and "Playground" in response.text
    assert response.headers["content-type"].startswith("text/html")


async def test_root_falls_back_to_a_page_linking_the_docs(client, tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(routes_meta, "STATIC_DIR", tmp_path / "absent")
    response = await client.get("/")
    assert response.status_code == 200 and 'href="/docs"' in response.text


async def test_unknown_static_file_is_a_404_in_the_error_shape(client) -> None:
    assert_error(await client.get("/static/definitely-not-here.js"), 404)


class PathyEngine(Engine):
    """Says what an engine says for its operator: a weights folder, an upstream's URL with its credentials."""

    name = "test-pathy"

    def describe(self) -> dict[str, Any]:
        return {**super().describe(), "available": False,
                "unavailable_reason": "no weights in /srv/orchestrion/models/secret-weights (run the download)",
                "source": "/srv/orchestrion/models/secret-weights",
                "upstream": "https://operator:hunter2@music.internal:8443/v2",
                "notes": ["see /etc/orchestrion/secret.toml"]}

    def generate(self, requests: Any, progress: Any) -> list:
        raise NotImplementedError("only described")


class CrashingDescribeEngine(PathyEngine):
    name = "test-crashing-describe"

    def describe(self) -> dict[str, Any]:
        raise RuntimeError("cannot read /srv/orchestrion/secret.toml")


async def test_models_state_the_credit_rate_and_no_server_path_or_address(store, tmp_path, caplog) -> None:
    settings = make_settings(tmp_path / "data")
    settings = dataclasses.replace(settings, models={
        **settings.models,
        "test/pathy": ModelConfig(id="test/pathy", engine="tests.unit.api.test_meta:PathyEngine"),
        "test/crashing": ModelConfig(id="test/crashing", engine="tests.unit.api.test_meta:CrashingDescribeEngine"),
    })
    transport = httpx.ASGITransport(app=create_app(settings, store))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        with caplog.at_level(logging.WARNING, logger="orchestrion.api"):
            response = await client.get("/v1/models")
    assert response.status_code == 200
    ModelList.model_validate(response.json())
    by_id = {entry["id"]: entry for entry in response.json()["data"]}
    assert all(entry["credit_seconds"] == CREDIT_SECONDS for entry in by_id.values())
    for secret in ("/srv", "/etc", "orchestrion/models", "hunter2", "music.internal", "8443"):
        assert secret not in response.text, secret
    pathy = by_id["test/pathy"]
    assert pathy["available"] is False
    assert pathy["unavailable_reason"] == "no weights in secret-weights (run the download)"
    assert pathy["source"] == "secret-weights" and pathy["upstream"] == "[address]"
    assert pathy["notes"] == ["see secret.toml"]
    crashed = by_id["test/crashing"]
    assert crashed["available"] is False and "log" in crashed["unavailable_reason"]
    # The operator reads the whole reason in the log.
    assert any("/srv/orchestrion/secret.toml" in str(getattr(r, "fields", {}).get("reason")) for r in caplog.records)
