"""What a generation costs and what a key may hold: credits by audio made, per-key budgets of queued audio and
stored bytes, the per-request cap, and the Vertex-style route's size cap and refunds."""

from __future__ import annotations

import asyncio
import dataclasses
from pathlib import Path

import httpx
import pytest

from orchestrion.api.app import create_app
from orchestrion.config import ModelConfig
from orchestrion.jobs.models import JobStatus
from orchestrion.jobs.sqlite import SQLiteJobStore
from tests.unit.api.helpers import assert_error, bearer, complete, make_key, make_settings

pytestmark = pytest.mark.asyncio

PREDICT = "/v1/projects/demo/locations/us-central1/publishers/google/models/lyria-002:predict"


@pytest.fixture
async def build(tmp_path: Path):  # noqa: ANN201 - (overrides) -> (client, store, key, key_id)
    """An app with settings overridden per test, its store and one key."""
    opened: list[tuple[httpx.AsyncClient, SQLiteJobStore]] = []

    async def make(**overrides: object) -> tuple[httpx.AsyncClient, SQLiteJobStore, str, str]:
        settings = make_settings(tmp_path / f"data{len(opened)}", **overrides)
        settings = dataclasses.replace(settings, models={
            **settings.models, "orchestrion/composer": ModelConfig(id="orchestrion/composer", engine="composer")})
        store = SQLiteJobStore(settings.db_path)
        store.migrate()
        plaintext, key_id = make_key(store)
        client = httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(settings, store)),
                                   base_url="http://testserver")
        opened.append((client, store))
        return client, store, plaintext, key_id

    yield make
    for client, store in opened:
        await client.aclose()
        store.close()


def used(store: SQLiteJobStore, key_id: str) -> int:
    return next(k.credits_used for k in store.list_keys() if k.id == key_id)


async def create(client: httpx.AsyncClient, key: str, **body: object) -> httpx.Response:
    return await client.post("/v2/generate/audio", json={"model": "test/tone", "prompt": "a tone", **body},
                             headers=bearer(key))


async def test_credits_follow_the_audio_made_and_are_quoted_in_the_create_answer(build) -> None:
    client, store, key, key_id = await build()
    short = (await create(client, key)).json()  # 1 × 30 s at the model's rate of 2 credits per 30 s
    long = (await create(client, key, duration=300, sample_count=4)).json()
    assert short["meta"]["usage"] == {"credits_used": 2, "audio_seconds": 30}
    assert long["meta"]["usage"] == {"credits_used": 80, "audio_seconds": 1200}
    assert long["meta"]["usage"]["credits_used"] == 40 * short["meta"]["usage"]["credits_used"]
    assert used(store, key_id) == 82
    # A short track still costs a whole credit of the rate's unit, rounded up.
    assert (await create(client, key, duration=5)).json()["meta"]["usage"]["credits_used"] == 1
    polled = (await client.get("/v2/generate/audio", params={"generation_id": long["id"]},
                               headers=bearer(key))).json()
    assert polled["meta"]["usage"] == long["meta"]["usage"]


async def test_a_length_written_in_the_prompt_is_charged_as_made(build) -> None:
    client, store, key, _ = await build()
    answer = (await create(client, key, model="orchestrion/composer",
                           prompt="five minutes of slow ambient drone, 300 seconds")).json()
    assert answer["meta"]["usage"] == {"credits_used": 10, "audio_seconds": 300}
    assert store.get_job(answer["id"]).work_seconds == 300


async def test_models_show_their_rate(build) -> None:
    client, *_ = await build()
    models = {m["id"]: m for m in (await client.get("/v1/models")).json()["data"]}
    assert models["test/tone"]["credits"] == 2 and models["test/tone"]["credit_seconds"] == 30


async def test_one_request_may_not_ask_for_more_audio_than_the_cap(build) -> None:
    client, store, key, key_id = await build(max_request_audio_seconds=600)
    response = await create(client, key, duration=300, sample_count=3)
    assert_error(response, 400, "3 × 300 s")
    assert "600 s" in response.json()["message"]
    assert used(store, key_id) == 0 and store.list_jobs(key_id, limit=5)[0] == []
    assert (await create(client, key, duration=300, sample_count=2)).status_code == 200


async def test_a_breach_of_the_queued_audio_budget_answers_429_naming_it(build) -> None:
    client, store, key, key_id = await build(max_queued_audio_seconds_per_key=100)
    for _ in range(3):
        assert (await create(client, key)).status_code == 200  # 90 s queued
    refused = await create(client, key)
    body = assert_error(refused, 429, "queued audio")
    assert refused.headers["x-budget"] == "queued_audio_seconds"
    assert int(refused.headers["retry-after"]) > 0
    assert used(store, key_id) == 6, body  # the refused one charged nothing
    assert (await create(client, key, duration=10)).status_code == 200  # exactly at the budget
    # A request larger than the whole budget could never fit: 400, not a 429 to retry for ever.
    assert_error(await create(client, key, duration=120), 400, "budget of queued audio")


async def test_a_breach_of_the_stored_bytes_budget_answers_429_naming_it(build) -> None:
    client, store, key, key_id = await build(max_stored_bytes_per_key=4096)
    first = (await create(client, key)).json()
    app_storage = client._transport.app.state.orchestrion.storage  # type: ignore[attr-defined]
    complete(store, app_storage, first["id"], audio=b"RIFF" + bytes(8192))
    refused = await create(client, key)
    assert_error(refused, 429, "stored")
    assert refused.headers["x-budget"] == "stored_bytes"


async def test_vertex_tracks_are_thirty_seconds_whatever_the_prompt_says(build) -> None:
    client, store, key, key_id = await build(vertex_model="orchestrion/composer", predict_timeout_seconds=0.2)
    response = await client.post(PREDICT, json={"instances": [{"prompt": "an ambient drone, 300 seconds"}]},
                                 headers=bearer(key))
    assert response.status_code == 504
    [job], _ = store.list_jobs(key_id, limit=5)
    assert job.params["duration"] == 30 and job.work_seconds == 30
    assert used(store, key_id) == 0  # the timed-out generation was refunded


async def test_a_vertex_answer_over_the_size_cap_is_refused_before_anything_is_made(build) -> None:
    # One 30 s WAV is about 7.7 MB of base64.
    client, store, key, key_id = await build(vertex_model="test/tone", max_vertex_response_bytes=10_000_000)
    response = await client.post(PREDICT, json={"instances": [{"prompt": "a"}, {"prompt": "b"}]},
                                 headers=bearer(key))
    assert_error(response, 413, "max_vertex_response_bytes")
    assert store.list_jobs(key_id, limit=5)[0] == [] and used(store, key_id) == 0


async def test_a_vertex_504_charges_nothing_even_for_an_instance_that_finished(build) -> None:
    client, store, key, key_id = await build(vertex_model="test/tone", predict_timeout_seconds=1.0)
    storage = client._transport.app.state.orchestrion.storage  # type: ignore[attr-defined]

    async def finish_the_first() -> None:
        while True:
            jobs, _ = store.list_jobs(key_id, limit=5)
            if len(jobs) == 2:
                break
            await asyncio.sleep(0.02)
        complete(store, storage, jobs[-1].id)  # the oldest: the first instance

    finisher = asyncio.create_task(finish_the_first())
    response = await client.post(PREDICT, json={"instances": [{"prompt": "a"}, {"prompt": "b"}]},
                                 headers=bearer(key))
    await finisher
    assert_error(response, 504, "nothing was charged")
    jobs, _ = store.list_jobs(key_id, limit=5)
    assert sorted(j.status for j in jobs) == sorted([JobStatus.COMPLETED, JobStatus.CANCELED])
    assert [j.credits_used for j in jobs] == [0, 0]
    assert used(store, key_id) == 0
