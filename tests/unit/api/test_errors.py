"""Every error class answers the hosted API's error body, with the right status, headers and a useful message."""

from __future__ import annotations

import logging

import httpx
import pytest

from orchestrion.api.app import create_app
from orchestrion.jobs.sqlite import SQLiteJobStore
from orchestrion.jobs.store import StoreUnavailable
from tests.unit.api.helpers import assert_error, bearer, make_key, make_settings

pytestmark = pytest.mark.asyncio
URL = "/v2/generate/audio"


async def post(client: httpx.AsyncClient, key: str, body: object) -> httpx.Response:
    return await client.post(URL, json=body, headers=bearer(key))


@pytest.mark.parametrize(
    ("body", "field_message"),
    [
        ({"prompt": "x"}, "model: is required"),
        ({"model": "test/tone"}, "prompt: is required"),
        ({"model": "test/tone", "prompt": ""}, "prompt: string should have at least 1 character"),
        ({"model": "test/tone", "prompt": "x" * 5001}, "prompt: string should have at most 5000 characters"),
        ({"model": "test/tone", "prompt": 12}, "prompt: input should be a valid string"),
        ({"model": "test/tone", "prompt": "x", "negative_prompt": "y" * 5001}, "negative_prompt:"),
        ({"model": "test/tone", "prompt": "x", "seed": -1}, "seed: input should be greater than or equal to 0"),
        ({"model": "test/tone", "prompt": "x", "seed": 2**32}, "seed: input should be less than or equal to 4294967295"),
        ({"model": "test/tone", "prompt": "x", "seed": "5"}, "seed: must be an integer"),
        ({"model": "test/tone", "prompt": "x", "seed": True}, "seed: must be an integer"),
        ({"model": "test/tone", "prompt": "x", "seed": 1.5}, "seed: input should be a valid integer"),
        ({"model": "test/tone", "prompt": "x", "duration": 4}, "duration: input should be greater than or equal to 5"),
        ({"model": "test/tone", "prompt": "x", "bpm": 500}, "bpm: input should be less than or equal to 240"),
        ({"model": "test/tone", "prompt": "x", "loop": "yes"}, "loop: input should be a valid boolean"),
        ({"model": "test/tone", "prompt": "x", "output_format": "aiff"}, "output_format: input should be"),
        ({"model": "test/tone", "prompt": "x", "temperature": 1}, "temperature: is not a known field"),
        ({"model": "nope/model", "prompt": "x"}, "model: unknown model 'nope/model'; served models: acme/tone-v2"),
        ([1, 2], "body must be a JSON object"),
        ({"model": "test/picky", "prompt": "x", "duration": 90}, "duration: must be between 1 and 60 seconds"),
        ({"model": "test/picky", "prompt": "x", "key": "B locrian"}, "key: 'B locrian' is not a key this engine plays"),
        ({"model": "test/picky", "prompt": "x", "key": "H major"}, "key: 'H major' is not a key; write a note name"),
    ],
)
async def test_400_names_the_field_and_why(client, api_key, body, field_message) -> None:
    assert_error(await post(client, api_key, body), 400, field_message)


async def test_400_for_invalid_json_and_empty_body(client, api_key) -> None:
    broken = await client.post(URL, content=b'{"model": ', headers={**bearer(api_key), "content-type": "application/json"})
    assert_error(broken, 400, "body is not valid JSON")
    empty = await client.post(URL, headers=bearer(api_key))
    assert_error(empty, 400, "Request body is required")


async def test_400_for_missing_or_empty_generation_id(client, api_key) -> None:
    assert_error(await client.get(URL, headers=bearer(api_key)), 400, "generation_id: is required")
    assert_error(await client.get(URL, params={"generation_id": " "}, headers=bearer(api_key)), 400, "generation_id")
    too_long = await client.get(URL, params={"generation_id": "x" * 5000}, headers=bearer(api_key))
    assert_error(too_long, 400, "generation_id: string should have at most 256 characters")


async def test_401_comes_before_query_validation(client) -> None:
    assert_error(await client.get(URL), 401)


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer"}, {"Authorization": "Basic dXNlcjpwYXNz"}, {"Authorization": "Bearer orc_unknown"}],
    ids=["missing", "empty", "basic", "unknown"],
)
async def test_401_for_missing_or_unknown_key(client, headers) -> None:
    for response in (
        await client.post(URL, json={"model": "test/tone", "prompt": "x"}, headers=headers),
        await client.get(URL, params={"generation_id": "x"}, headers=headers),
    ):
        assert_error(response, 401)
        assert response.headers["www-authenticate"] == "Bearer"


async def test_403_for_revoked_key_within_the_cache_moment(tmp_path) -> None:
    settings = make_settings(tmp_path / "data")
    store = SQLiteJobStore(settings.db_path)
    store.migrate()
    key, key_id = make_key(store)
    app = create_app(settings, store, key_cache_seconds=0.05)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        assert (await client.post(URL, json={"model": "test/tone", "prompt": "x"}, headers=bearer(key))).status_code == 200
        store.revoke_key(key_id)
        import asyncio

        await asyncio.sleep(0.1)
        assert_error(await post(client, key, {"model": "test/tone", "prompt": "x"}), 403, "revoked")
        assert_error(await client.get(URL, params={"generation_id": "x"}, headers=bearer(key)), 403, "revoked")
    store.close()


async def test_403_when_quota_is_exhausted(client, store) -> None:
    key, _ = make_key(store, quota=3)  # test/tone costs 2 credits
    assert (await post(client, key, {"model": "test/tone", "prompt": "x"})).status_code == 200
    assert_error(await post(client, key, {"model": "test/tone", "prompt": "x"}), 403)


async def test_404_for_unknown_generation_route_and_file(client, api_key) -> None:
    assert_error(await client.get(URL, params={"generation_id": "nope:tone"}, headers=bearer(api_key)), 404)
    assert_error(await client.get("/v3/nothing/here"), 404, "No route matches /v3/nothing/here")


async def test_405_keeps_allow_header(client) -> None:
    response = await client.put(URL, json={})
    assert_error(response, 405, "Method PUT is not allowed")
    assert "GET" in response.headers["allow"] and "POST" in response.headers["allow"]


async def test_413_by_content_length(client, api_key, settings) -> None:
    big = b'{"model": "test/tone", "prompt": "' + b"x" * settings.max_body_bytes + b'"}'
    response = await client.post(URL, content=big, headers={**bearer(api_key), "content-type": "application/json"})
    assert_error(response, 413, "exceeds the limit of 1048576 bytes")


async def test_413_for_chunked_body_without_content_length(client, api_key, settings) -> None:
    async def chunks():
        yield b'{"model": "test/tone", "prompt": "'
        for _ in range(settings.max_body_bytes // 65536 + 2):
            yield b"x" * 65536
        yield b'"}'

    response = await client.post(URL, content=chunks(), headers={**bearer(api_key), "content-type": "application/json"})
    assert "content-length" not in {k.lower() for k in response.request.headers}
    assert_error(response, 413)


async def test_429_with_retry_after_when_key_has_too_many_queued(tmp_path) -> None:
    settings = make_settings(tmp_path / "data", max_queued_per_key=2)
    store = SQLiteJobStore(settings.db_path)
    store.migrate()
    key, _ = make_key(store)
    other, _ = make_key(store, "other")
    app = create_app(settings, store)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        body = {"model": "test/tone", "prompt": "x"}
        for _ in range(2):
            assert (await post(client, key, body)).status_code == 200
        response = await post(client, key, body)
        assert_error(response, 429)
        assert int(response.headers["retry-after"]) > 0
        assert (await post(client, other, body)).status_code == 200  # the limit is per key
    store.close()


async def test_503_with_retry_after_when_queue_is_full(tmp_path) -> None:
    settings = make_settings(tmp_path / "data", max_queued_total=1)
    store = SQLiteJobStore(settings.db_path)
    store.migrate()
    key, _ = make_key(store)
    app = create_app(settings, store)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        assert (await post(client, key, {"model": "test/tone", "prompt": "x"})).status_code == 200
        response = await post(client, key, {"model": "test/tone", "prompt": "x"})
        assert_error(response, 503)
        assert int(response.headers["retry-after"]) > 0
    store.close()


class FlakyStore(SQLiteJobStore):
    """A real store whose job reads fail as a locked or unreachable database would."""

    def get_job(self, job_id, key_id=None):  # noqa: ANN001, ANN201
        raise StoreUnavailable("job store unavailable: database is locked (internal detail)")


async def test_503_with_retry_after_when_store_is_unavailable(tmp_path) -> None:
    settings = make_settings(tmp_path / "data")
    store = FlakyStore(settings.db_path)
    store.migrate()
    key, _ = make_key(store)
    app = create_app(settings, store)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        response = await client.get(URL, params={"generation_id": "a:b"}, headers=bearer(key))
        body = assert_error(response, 503, "job store is unavailable")
        assert "internal detail" not in body["message"]
        assert int(response.headers["retry-after"]) > 0
    store.close()


async def test_503_when_the_models_engine_cannot_run_here(client, api_key) -> None:
    response = await post(client, api_key, {"model": "test/missing", "prompt": "x"})
    assert_error(response, 503, "model 'test/missing' is unavailable on this server: unknown engine 'no-such-engine'")


async def test_500_leaks_nothing_and_logs_the_request_id(client, api_key, store, monkeypatch, caplog) -> None:
    def explode(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        raise RuntimeError("secret internal detail")

    monkeypatch.setattr(store, "get_job", explode)
    caplog.set_level(logging.INFO, logger="orchestrion.api")
    response = await client.get(URL, params={"generation_id": "a:b"}, headers={**bearer(api_key), "X-Request-Id": "r-500"})
    body = assert_error(response, 500, "Internal server error.")
    assert "secret" not in response.text and body["requestId"] == "r-500"
    logged = [r for r in caplog.records if r.exc_info and r.fields.get("request_id") == "r-500"]
    assert logged and "secret internal detail" in str(logged[0].exc_info[1])
    request_lines = [r for r in caplog.records if r.getMessage() == "request"]
    assert request_lines[-1].fields["status"] == 500
