"""Create and poll: the seed protocol's happy paths, extras, and key isolation."""

from __future__ import annotations

import logging
import re
import uuid

import httpx
import pytest

from orchestrion.api.schemas import GenerationCreated, GenerationOut
from orchestrion.jobs.models import JobStatus
from tests.unit.api.helpers import assert_error, bearer, claim, complete

pytestmark = pytest.mark.asyncio

ID_PATTERN = re.compile(r"^([0-9a-f-]{36}):([A-Za-z0-9._-]+)$")


async def create(client: httpx.AsyncClient, api_key: str, /, **body: object) -> httpx.Response:
    payload = {"model": "test/tone", "prompt": "a calm tone", **body}
    return await client.post("/v2/generate/audio", json=payload, headers=bearer(api_key))


async def test_create_answers_queued_id_with_model_short_name(client, api_key, store) -> None:
    response = await create(client, api_key, seed=7, negative_prompt="no drums")
    assert response.status_code == 200
    body = response.json()
    GenerationCreated.model_validate(body)
    assert body["status"] == "queued" and body["seed"] == 7 and body["model"] == "test/tone"
    match = ID_PATTERN.match(body["id"])
    assert match and uuid.UUID(match.group(1)).version == 4 and match.group(2) == "tone"
    job = store.get_job(body["id"])
    assert job is not None and job.status is JobStatus.QUEUED
    # No duration was sent, so none is stored: the engine may honour a length written in the prompt.
    assert job.params == {"prompt": "a calm tone", "negative_prompt": "no drums", "seed": 7, "output_format": "wav"}
    assert job.credits_used == 2  # the model's credits are charged on creation


async def test_sent_extensions_are_stored(client, api_key, store) -> None:
    body = (await create(client, api_key, duration=30, bpm=90, key="D minor", loop=True, stems=False)).json()
    params = store.get_job(body["id"]).params
    assert (params["duration"], params["bpm"], params["key"], params["loop"], params["stems"]) == (
        30, 90, "D minor", True, False)


async def test_alias_keeps_the_sent_id_and_its_short_name(client, api_key, store) -> None:
    body = (await create(client, api_key, model="acme/tone-v2")).json()
    assert body["id"].endswith(":tone-v2") and body["model"] == "acme/tone-v2"
    job = store.get_job(body["id"])
    assert job.model == "acme/tone-v2" and job.engine_model == "test/tone"


async def test_missing_seed_is_picked_stored_and_returned(client, api_key, store) -> None:
    seeds = set()
    for _ in range(3):
        body = (await create(client, api_key)).json()
        assert 0 <= body["seed"] <= 2**32 - 1
        assert store.get_job(body["id"]).params["seed"] == body["seed"]
        seeds.add(body["seed"])
    assert len(seeds) == 3


async def test_extension_parameters_are_validated_and_stored(client, api_key, store) -> None:
    body = (await create(client, api_key, duration=12.5, bpm=128, key="D minor", loop=True, output_format="flac")).json()
    params = store.get_job(body["id"]).params
    assert params["duration"] == 12.5 and params["bpm"] == 128 and params["key"] == "D minor"
    assert params["loop"] is True and params["output_format"] == "flac"


async def test_poll_queued_generation(client, api_key) -> None:
    first = (await create(client, api_key)).json()
    second = (await create(client, api_key)).json()
    response = await client.get("/v2/generate/audio", params={"generation_id": second["id"]}, headers=bearer(api_key))
    assert response.status_code == 200
    body = response.json()
    GenerationOut.model_validate(body)
    assert body["id"] == second["id"] and body["status"] == "queued"
    assert body["audio_file"] is None and body["error"] is None
    assert body["meta"] == {"usage": {"credits_used": 2, "audio_seconds": 30}}  # 30 s at 2 credits per 30 s
    assert body["queue_position"] == 1 and body["progress"] == 0
    assert body["seed"] == second["seed"] and body["completed_at"] is None
    first_body = (await client.get("/v2/generate/audio", params={"generation_id": first["id"]},
                                   headers=bearer(api_key))).json()
    assert first_body["queue_position"] == 0


async def test_poll_generating_reports_progress(client, api_key, store) -> None:
    job_id = (await create(client, api_key)).json()["id"]
    claim(store, job_id, "w1")
    assert store.heartbeat(job_id, "w1", lease_seconds=30, progress=0.42)
    body = (await client.get("/v2/generate/audio", params={"generation_id": job_id}, headers=bearer(api_key))).json()
    assert body["status"] == "generating" and body["progress"] == 42
    assert "queue_position" not in body


async def test_poll_completed_links_audio_midi_and_stems(client, api_key, store, storage) -> None:
    job_id = (await create(client, api_key)).json()["id"]
    refs = complete(store, storage, job_id)
    response = await client.get("/v2/generate/audio", params={"generation_id": job_id}, headers=bearer(api_key))
    body = response.json()
    GenerationOut.model_validate(body)
    assert body["status"] == "completed" and body["progress"] == 100 and body["completed_at"].endswith("Z")
    audio = body["audio_file"]
    assert audio["file_name"] == "output.wav" and audio["content_type"] == "audio/wav"
    assert audio["file_size"] == refs[0].file_size
    assert audio["url"].startswith(f"http://testserver/files/{job_id}/output.wav?expires=")
    assert body["midi_file"]["file_name"] == "score.mid"
    assert [s["name"] for s in body["stems"]] == ["strings"]
    # Each link downloads, without any Authorization header, exactly the bytes and size announced.
    for link in (audio, body["midi_file"], body["stems"][0]):
        download = await client.get(link["url"])
        assert download.status_code == 200
        assert len(download.content) == link["file_size"]
        assert download.headers["content-type"].startswith(link["content_type"])


async def test_public_url_setting_makes_links_absolute_to_it(tmp_path, store, storage) -> None:
    from orchestrion.api.app import create_app
    from tests.unit.api.helpers import make_key, make_settings

    settings = make_settings(tmp_path / "data", public_url="https://music.example.org/")
    app = create_app(settings, store)
    key, _ = make_key(store)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://internal:8000") as client:
        job_id = (await create(client, key)).json()["id"]
        complete(store, storage, job_id, extras=False)
        body = (await client.get("/v2/generate/audio", params={"generation_id": job_id}, headers=bearer(key))).json()
    assert body["audio_file"]["url"].startswith(f"https://music.example.org/files/{job_id}/output.wav?")
    assert "midi_file" not in body and "stems" not in body


async def test_failed_generation_shows_error_and_refunds(client, api_key, store) -> None:
    job_id = (await create(client, api_key)).json()["id"]
    claim(store, job_id, "w1")
    assert store.fail_job(job_id, "w1", error_name="engine_error", error_message="the tone engine was asked to fail")
    body = (await client.get("/v2/generate/audio", params={"generation_id": job_id}, headers=bearer(api_key))).json()
    assert body["status"] == "error" and body["audio_file"] is None
    assert body["error"] == {"name": "engine_error", "message": "the tone engine was asked to fail"}
    assert body["meta"]["usage"]["credits_used"] == 0


async def test_another_keys_generation_is_indistinguishable_from_unknown(client, api_key, other_key) -> None:
    job_id = (await create(client, api_key)).json()["id"]
    theirs = await client.get("/v2/generate/audio", params={"generation_id": job_id}, headers=bearer(other_key))
    unknown = await client.get(
        "/v2/generate/audio", params={"generation_id": f"{uuid.uuid4()}:tone"}, headers=bearer(other_key)
    )
    a, b = assert_error(theirs, 404), assert_error(unknown, 404)
    assert a["message"] == b["message"] and job_id not in a["message"]
    mine = await client.get("/v2/generate/audio", params={"generation_id": job_id}, headers=bearer(api_key))
    assert mine.status_code == 200


async def test_request_id_is_echoed_when_sane_and_replaced_otherwise(client, api_key) -> None:
    echoed = await client.get("/health", headers={"X-Request-Id": "client-abc.123"})
    assert echoed.headers["x-request-id"] == "client-abc.123"
    replaced = await client.get("/health", headers={"X-Request-Id": "bad id\twith spaces" + "x" * 200})
    assert re.fullmatch(r"[0-9a-f]{32}", replaced.headers["x-request-id"])
    error = await client.get("/v2/generate/audio", headers={"X-Request-Id": "trace-1"})
    assert assert_error(error, 401)["requestId"] == "trace-1"


async def test_one_log_line_per_request_with_key_id_and_never_the_key(client, api_key, store, caplog) -> None:
    caplog.set_level(logging.INFO, logger="orchestrion.api")
    await create(client, api_key)
    lines = [r for r in caplog.records if r.name == "orchestrion.api" and r.getMessage() == "request"]
    assert len(lines) == 1
    fields = lines[0].fields
    key_id = store.key_by_hash(__import__("orchestrion.jobs.keys", fromlist=["hash_key"]).hash_key(api_key)).id
    assert fields["method"] == "POST" and fields["path"] == "/v2/generate/audio" and fields["status"] == 200
    assert fields["key_id"] == key_id and fields["duration_ms"] >= 0 and fields["request_id"]
    assert all(api_key not in r.getMessage() and api_key not in str(getattr(r, "fields", "")) for r in caplog.records)


async def test_reads_of_a_networked_store_leave_the_event_loop_free(client, api_key, store, ctx,
                                                                     monkeypatch) -> None:
    """A store whose reads may wait on a network is read in worker threads, so one slow database answer stalls
    its own request, not every request of the process; SQLite is read inline."""
    import threading

    body = (await create(client, api_key)).json()
    loop_thread = threading.get_ident()
    seen: list[int] = []
    real_get = store.get_job

    def recording_get(*args, **kwargs):
        seen.append(threading.get_ident())
        return real_get(*args, **kwargs)

    monkeypatch.setattr(store, "get_job", recording_get)
    assert (await client.get("/v2/generate/audio", params={"generation_id": body["id"]},
                             headers=bearer(api_key))).status_code == 200
    monkeypatch.setattr(store, "local_reads", False)
    assert (await client.get("/v2/generate/audio", params={"generation_id": body["id"]},
                             headers=bearer(api_key))).status_code == 200
    assert seen[0] == loop_thread and seen[1] != loop_thread
