"""The extensions in-process: the parsing helpers, cancel of a queued job, sync wait without a worker, idempotency
conflicts, history paging rules and webhook fields (the live server tests cover the running service)."""

from __future__ import annotations

import dataclasses

import pytest

from orchestrion.api.routes_generate import parse_prefer_wait, sample_seeds
from orchestrion.api.routes_history import _decode_cursor, _encode_cursor
from orchestrion.api.schemas import CancelOut
from tests.unit.api.helpers import assert_error, bearer, complete

pytestmark = pytest.mark.asyncio

BODY = {"model": "test/tone", "prompt": "a calm tone"}


@pytest.mark.parametrize(("header", "expected"), [
    ("wait=10", 10.0), ("respond-async, wait=5", 5.0), ("WAIT = 2.5", 2.5), ("wait=600", 60.0),
    ("handling=lenient; wait=3", 3.0), ("wait=abc", None), ("waiting=3", None), ("", None), (None, None),
])
async def test_prefer_wait_is_read_capped_and_otherwise_ignored(header, expected) -> None:
    assert parse_prefer_wait(header, 60.0) == expected


async def test_cursors_round_trip_and_seeds_wrap() -> None:
    for number in ("1", "35", "36", "123456789", str(2**40)):
        assert _decode_cursor(_encode_cursor(number)) == number
    assert sample_seeds(2**32 - 2, 3) == [2**32 - 2, 2**32 - 1, 0]


async def test_cancel_of_a_queued_generation_refunds_it(client, api_key, store) -> None:
    created = (await client.post("/v2/generate/audio", json=BODY, headers=bearer(api_key))).json()
    response = await client.delete("/v2/generate/audio", params={"generation_id": created["id"]},
                                   headers=bearer(api_key))
    body = CancelOut.model_validate(response.json())
    assert body.status == "canceled" and body.meta.usage.credits_used == 0
    assert next(k for k in store.list_keys()).credits_used == 0
    polled = (await client.get("/v2/generate/audio", params={"generation_id": created["id"]},
                               headers=bearer(api_key))).json()
    assert polled["status"] == "canceled" and polled["error"]["name"] == "canceled"


async def test_another_keys_generation_cannot_be_canceled(client, api_key, other_key) -> None:
    created = (await client.post("/v2/generate/audio", json=BODY, headers=bearer(api_key))).json()
    response = await client.delete("/v2/generate/audio", params={"generation_id": created["id"]},
                                   headers=bearer(other_key))
    assert_error(response, 404)
    assert_error(await client.delete("/v2/generate/audio", params={"generation_id": created["id"]}), 401)


async def test_prefer_wait_without_a_worker_answers_queued_with_location(app, client, api_key) -> None:
    ctx = app.state.orchestrion
    app.state.orchestrion = dataclasses.replace(ctx, settings=dataclasses.replace(ctx.settings,
                                                                                  max_wait_seconds=0.2))
    response = await client.post("/v2/generate/audio", json=BODY, headers={**bearer(api_key), "Prefer": "wait=30"})
    assert response.status_code == 200 and response.json()["status"] == "queued"
    assert response.headers["location"].endswith(response.json()["id"])
    assert "preference-applied" not in response.headers


async def test_prefer_wait_answers_a_finished_generation(client, api_key, store, storage) -> None:
    import asyncio

    async def finish_soon(generation_id: str) -> None:
        await asyncio.sleep(0.1)
        complete(store, storage, generation_id)

    first = await client.post("/v2/generate/audio", json=BODY, headers={**bearer(api_key), "Idempotency-Key": "w1"})
    task = asyncio.create_task(finish_soon(first.json()["id"]))
    # The retry of the same request (same idempotency key) waits for the generation the first one made.
    waited = await client.post("/v2/generate/audio", json=BODY,
                               headers={**bearer(api_key), "Idempotency-Key": "w1", "Prefer": "wait=5"})
    await task
    assert waited.headers["preference-applied"] == "wait=5" and waited.headers["idempotent-replayed"] == "true"
    body = waited.json()
    assert body["id"] == first.json()["id"] and body["status"] == "completed" and body["audio_files"]


async def test_an_idempotency_key_with_another_body_is_a_conflict(client, api_key) -> None:
    headers = {**bearer(api_key), "Idempotency-Key": "k"}
    first = await client.post("/v2/generate/audio", json=BODY, headers=headers)
    # The same request spelt differently (key order, a default written out) is the same request.
    same = await client.post("/v2/generate/audio", json={"prompt": "a calm tone", "model": "test/tone",
                                                         "output_format": "wav"}, headers=headers)
    assert same.json()["id"] == first.json()["id"]
    assert_error(await client.post("/v2/generate/audio", json={**BODY, "seed": 1}, headers=headers), 409,
                 "Idempotency-Key")


async def test_history_refuses_unknown_parameters_and_foreign_cursors(client, api_key) -> None:
    assert_error(await client.get("/v2/generate/audio/generations", params={"limt": 5}, headers=bearer(api_key)),
                 400, "limt")
    assert_error(await client.get("/v2/generate/audio/generations", params={"after": "zzz"},
                                  headers=bearer(api_key)), 400, "after")
    assert_error(await client.get("/v2/generate/audio/generations", params={"limit": 0}, headers=bearer(api_key)),
                 400, "limit")
    empty = await client.get("/v2/generate/audio/generations", headers=bearer(api_key))
    assert empty.json() == {"object": "list", "data": [], "has_more": False, "next_cursor": None}


@pytest.mark.parametrize(("extra", "field"), [
    ({"sample_count": 5}, "sample_count"), ({"sample_count": 0}, "sample_count"),
    ({"sample_count": "2"}, "sample_count"), ({"webhook_url": "http://127.0.0.1/x"}, "webhook_url"),
    ({"webhook_url": "https://h.example.com/x", "webhook_events": []}, "webhook_events"),
    ({"webhook_url": "https://h.example.com/x", "webhook_events": ["done"]}, "webhook_events"),
])
async def test_extension_fields_are_validated(client, api_key, extra, field) -> None:
    response = await client.post("/v2/generate/audio", json={**BODY, **extra}, headers=bearer(api_key))
    assert_error(response, 400, field)


async def test_several_samples_are_charged_per_sample(client, api_key, store) -> None:
    created = (await client.post("/v2/generate/audio", json={**BODY, "sample_count": 3, "seed": 4},
                                 headers=bearer(api_key))).json()
    assert created["seeds"] == [4, 5, 6]
    job = store.get_job(created["id"])
    assert job.credits_used == 3 * 2 and job.params["sample_count"] == 3 and job.params["seeds"] == [4, 5, 6]
