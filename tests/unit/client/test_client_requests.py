"""Creating and reading generations, error mapping and the retry policy, against both twins."""

from __future__ import annotations

import json

import httpx
import pytest

from orchestrion import (
    APIConnectionError,
    APIError,
    APITimeoutError,
    AsyncClient,
    AuthenticationError,
    BadRequestError,
    Client,
    ConflictError,
    NotFoundError,
    OrchestrionError,
    PermissionDeniedError,
    RateLimitError,
    ServerError,
)
from orchestrion.client._base import MAX_RETRY_AFTER


async def test_generate_sends_the_protocol_body_with_bearer_key(twin):
    generation = await twin.run(
        twin.client.audio.generate(
            prompt="a calm piano waltz", negative_prompt="drums", seed=7, duration=20, bpm=None, loop=True
        )
    )
    assert generation.status == "queued"
    assert generation.id.endswith(":lyria2")
    (request,) = twin.server.requests
    assert request.method == "POST"
    assert str(request.url) == f"{twin.base_url}/v2/generate/audio"
    assert request.headers["Authorization"] == f"Bearer {twin.api_key}"
    assert "Idempotency-Key" not in request.headers
    # None values are left out rather than sent as null; the default model is the hosted API's.
    assert json.loads(request.content) == {
        "model": "google/lyria2",
        "prompt": "a calm piano waltz",
        "negative_prompt": "drums",
        "seed": 7,
        "duration": 20,
        "loop": True,
    }


async def test_retrieve_reads_every_field_of_a_finished_generation(twin):
    gen_id = "0b7c7f1e-1111-4222-8333-444455556666:lyria2"
    midi = {"url": f"{twin.base_url}/files/x/score.mid", "content_type": "audio/midi", "file_name": "score.mid",
            "file_size": 900}
    stem = {"url": f"{twin.base_url}/files/x/strings.wav", "content_type": "audio/wav", "file_name": "strings.wav",
            "file_size": 1000, "name": "strings"}
    twin.server.timelines[gen_id] = [twin.completed(gen_id, midi_file=midi, stems=[stem], progress=1.0, future_field=3)]
    generation = await twin.run(twin.client.audio.retrieve(gen_id))
    assert generation.is_completed and generation.is_terminal
    assert generation.audio_file.file_name == "output.wav"
    assert generation.seed == 42
    assert generation.credits_used == 1
    assert generation.progress == 100.0
    assert generation.midi_file.file_name == "score.mid"
    assert [s.name for s in generation.stems] == ["strings"]
    assert [f.file_name for f in generation.files()] == ["output.wav", "score.mid", "strings.wav"]
    assert generation.raw["future_field"] == 3  # fields a newer server adds are kept
    (request,) = twin.server.requests
    assert request.url.params["generation_id"] == gen_id


@pytest.mark.parametrize(
    ("status", "error_class"),
    [
        (400, BadRequestError),
        (401, AuthenticationError),
        (403, PermissionDeniedError),
        (404, NotFoundError),
        (409, ConflictError),
        (413, BadRequestError),
        (422, BadRequestError),
        (418, APIError),
        (500, ServerError),
    ],
)
async def test_error_answers_become_typed_errors_keeping_the_body(twin, status, error_class):
    twin.server.script.append(httpx.Response(status, json=twin.error_body(status, f"prompt: problem {status}")))
    with pytest.raises(error_class) as caught:
        await twin.run(twin.client.audio.generate(prompt="x"))
    error = caught.value
    assert type(error) is error_class
    assert error.status_code == status
    assert error.message == f"prompt: problem {status}"
    assert error.request_id == f"req-{status}"
    assert error.path == "/v2/generate/audio"
    assert error.body["statusCode"] == status
    assert f"req-{status}" in str(error) and f"problem {status}" in str(error)
    assert len(twin.server.requests) == 1  # none of these is retried for a POST


async def test_an_error_page_that_is_not_json_still_gives_a_readable_error(twin):
    twin.client.max_retries = 0
    twin.server.script.append(httpx.Response(502, text="<html>Bad gateway</html>"))
    with pytest.raises(ServerError) as caught:
        await twin.run(twin.client.audio.retrieve("abc"))
    assert caught.value.status_code == 502
    assert "Bad gateway" in caught.value.message


async def test_reads_are_retried_on_503_with_growing_backoff(twin):
    twin.server.timelines["g1"] = [twin.completed("g1")]
    twin.server.script += [httpx.Response(503, json=twin.error_body(503, "not ready"))] * 2
    generation = await twin.run(twin.client.audio.retrieve("g1"))
    assert generation.status == "completed"
    assert len(twin.server.requests) == 3
    first, second = twin.clock.sleeps
    assert 0.3 <= first <= 0.7 and 0.7 <= second <= 1.3  # 0.5 s then 1 s, with jitter


async def test_retry_after_is_honoured_exactly(twin):
    twin.server.timelines["g1"] = [twin.completed("g1")]
    twin.server.script.append(httpx.Response(429, json=twin.error_body(429, "slow down"), headers={"Retry-After": "3"}))
    await twin.run(twin.client.audio.retrieve("g1"))
    assert twin.clock.sleeps == [3.0]


async def test_retries_are_bounded_and_the_last_error_is_raised(twin):
    twin.server.script += [httpx.Response(504, json=twin.error_body(504, "gateway timeout"))] * 5
    with pytest.raises(ServerError) as caught:
        await twin.run(twin.client.audio.retrieve("g1"))
    assert caught.value.status_code == 504
    assert len(twin.server.requests) == 1 + twin.client.max_retries


async def test_a_long_retry_after_is_raised_not_slept_through(twin):
    wait = MAX_RETRY_AFTER * 4
    twin.server.script.append(
        httpx.Response(429, json=twin.error_body(429, "too many queued jobs"), headers={"Retry-After": str(int(wait))})
    )
    with pytest.raises(RateLimitError) as caught:
        await twin.run(twin.client.audio.retrieve("g1"))
    assert caught.value.retry_after == wait
    assert twin.clock.sleeps == []


async def test_a_create_without_idempotency_key_is_sent_once(twin):
    twin.server.script.append(httpx.Response(503, json=twin.error_body(503, "queue full")))
    with pytest.raises(ServerError):
        await twin.run(twin.client.audio.generate(prompt="x"))
    twin.server.script.append(httpx.ConnectError("connection refused"))
    with pytest.raises(APIConnectionError):
        await twin.run(twin.client.audio.generate(prompt="x"))
    assert len(twin.server.requests) == 2
    assert twin.server.created_bodies == []


async def test_a_create_with_idempotency_key_is_retried_with_the_same_key(twin):
    twin.server.script += [httpx.ReadError("reset"), httpx.Response(502, text="bad gateway")]
    generation = await twin.run(twin.client.audio.generate(prompt="x", idempotency_key="song-123"))
    assert generation.status == "queued"
    posts = [r for r in twin.server.requests if r.method == "POST"]
    assert len(posts) == 3
    assert {r.headers["Idempotency-Key"] for r in posts} == {"song-123"}
    assert len(twin.server.created_bodies) == 1


async def test_connection_errors_on_reads_are_retried_then_mapped(twin):
    twin.server.script += [httpx.ConnectError("refused")] * 3
    with pytest.raises(APIConnectionError) as caught:
        await twin.run(twin.client.audio.retrieve("g1"))
    assert "cannot reach the server" in str(caught.value)
    assert len(twin.server.requests) == 3
    twin.server.script.append(httpx.ReadTimeout("slow"))
    twin.client.max_retries = 0
    with pytest.raises(APITimeoutError):
        await twin.run(twin.client.audio.retrieve("g1"))


async def test_models_list_shows_aliases(twin):
    models = await twin.run(twin.client.models.list())
    assert [m.id for m in models] == ["google/lyria2", "orchestrion/composer"]
    assert models[0].alias_of == "orchestrion/composer"
    assert models[0].engine == "composer"


@pytest.mark.parametrize("cls", [Client, AsyncClient])
def test_base_url_and_key_come_from_the_environment(monkeypatch, cls):
    monkeypatch.setenv("ORCHESTRION_BASE_URL", "http://music.example:9000/")
    monkeypatch.setenv("ORCHESTRION_API_KEY", "sk-env")
    client = cls()
    assert client.base_url == "http://music.example:9000"
    assert client.api_key == "sk-env"
    explicit = cls("https://other.example", api_key="sk-arg")
    assert (explicit.base_url, explicit.api_key) == ("https://other.example", "sk-arg")


@pytest.mark.parametrize("cls", [Client, AsyncClient])
def test_a_bad_base_url_is_refused_clearly(cls):
    with pytest.raises(OrchestrionError, match="base_url must be an http"):
        cls("localhost:8000")


async def test_a_path_prefix_in_the_base_url_is_kept(twin):
    twin.client.base_url = "http://orchestrion.test/api"
    with pytest.raises(NotFoundError):  # the fake server serves no /api prefix
        await twin.run(twin.client.audio.generate(prompt="x"))
    assert twin.server.requests[0].url.path == "/api/v2/generate/audio"
