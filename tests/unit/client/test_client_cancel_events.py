"""Canceling generations and following them over server-sent events, against both twins."""

from __future__ import annotations

import json
from typing import Any, Iterator

import httpx
import pytest

from orchestrion import APIConnectionError, AuthenticationError, GenerationFailed, NotFoundError, OrchestrionError
from orchestrion.client._sse import SSEDecoder

GEN_ID = "0b7c7f1e-1111-4222-8333-444455556666:lyria2"


class Chunks(httpx.SyncByteStream, httpx.AsyncByteStream):
    """A response body arriving in the given pieces (an exception among them breaks the connection there)."""

    def __init__(self, chunks: list[bytes | Exception]) -> None:
        self.chunks = chunks

    def __iter__(self) -> Iterator[bytes]:
        for chunk in self.chunks:
            if isinstance(chunk, Exception):
                raise chunk
            yield chunk

    async def __aiter__(self) -> Any:
        for chunk in self.__iter__():
            yield chunk


def event(answer: dict[str, Any], event_id: str | None = None) -> bytes:
    head = f"id: {event_id}\n" if event_id else ""
    return (head + "data: " + json.dumps(answer) + "\n\n").encode()


def stream(*chunks: bytes | Exception) -> httpx.Response:
    return httpx.Response(200, headers={"Content-Type": "text/event-stream"}, stream=Chunks(list(chunks)))


async def follow(twin: Any, generation: Any) -> list[Any]:
    iterator = twin.client.audio.events(generation)
    if twin.kind == "async":
        return [g async for g in iterator]
    return list(iterator)


# -- cancel --------------------------------------------------------------------------------------------------------
async def test_cancel_turns_a_queued_generation_canceled_and_wait_treats_it_as_failed(twin):
    twin.server.timelines[GEN_ID] = [twin.queued(GEN_ID, position=2)]
    generation = await twin.run(twin.client.audio.cancel(GEN_ID))
    assert generation.status == "canceled"
    assert generation.is_terminal and generation.is_canceled and not generation.is_completed
    assert generation.error.name == "canceled" and generation.credits_used == 0
    assert "refunded" in generation.raw["message"]
    (request,) = twin.server.requests
    assert request.method == "DELETE" and request.url.params["generation_id"] == GEN_ID
    assert request.headers["Authorization"] == f"Bearer {twin.api_key}"

    # Canceled ends a wait at once, the way error does: raised by default, returned when asked.
    with pytest.raises(GenerationFailed) as failed:
        await twin.run(twin.client.audio.wait(generation))
    assert failed.value.error_name == "canceled" and failed.value.generation.status == "canceled"
    final = await twin.run(twin.client.audio.wait(generation, raise_on_error=False))
    assert final.is_canceled
    assert len(twin.server.gets()) == 2  # one poll each: canceled is final


async def test_canceling_a_finished_generation_returns_it_unchanged(twin):
    twin.server.timelines[GEN_ID] = [twin.completed(GEN_ID)]
    finished = await twin.run(twin.client.audio.retrieve(GEN_ID))
    answer = await twin.run(twin.client.audio.cancel(finished))
    assert answer.status == "completed" and answer.audio_file is not None
    assert "already ended" in answer.raw["message"]
    assert twin.server.requests[-1].url.params["generation_id"] == GEN_ID


async def test_canceling_an_unknown_generation_raises_not_found(twin):
    with pytest.raises(NotFoundError) as caught:
        await twin.run(twin.client.audio.cancel("00000000-0000-4000-8000-000000000000:lyria2"))
    assert caught.value.status_code == 404 and caught.value.request_id == "req-404"
    with pytest.raises(ValueError):
        await twin.run(twin.client.audio.cancel(""))


async def test_cancel_is_retried_through_a_brief_outage(twin):
    twin.server.timelines[GEN_ID] = [twin.generating(GEN_ID)]
    twin.server.script = [httpx.Response(503, json=twin.error_body(503, "restarting"))]
    generation = await twin.run(twin.client.audio.cancel(GEN_ID))
    assert generation.is_canceled
    assert [r.method for r in twin.server.requests] == ["DELETE", "DELETE"]


# -- events --------------------------------------------------------------------------------------------------------
async def test_events_yield_each_change_skip_keep_alives_and_end_at_the_final_status(twin):
    twin.server.script = [stream(
        b"retry: 2000\n\n",
        event(twin.queued(GEN_ID, position=1), "queued-0-q1"),
        b": keep-alive\n\n",
        # An event split across reads, and CRLF line ends, arrive whole.
        event(twin.generating(GEN_ID, progress=40), "generating-40")[:30],
        event(twin.generating(GEN_ID, progress=40), "generating-40")[30:].replace(b"\n", b"\r\n"),
        b": keep-alive\n\n",
        event(twin.completed(GEN_ID), "completed-100"),
        # Nothing after the final status is read, even if a server sent it.
        event(twin.generating(GEN_ID, progress=99), "generating-99"),
    )]
    seen = await follow(twin, GEN_ID)
    assert [(g.status, g.progress, g.queue_position) for g in seen] == [
        ("queued", None, 1), ("generating", 40.0, None), ("completed", None, None),
    ]
    assert seen[-1].audio_file.file_name == "output.wav"
    (request,) = twin.server.requests
    assert request.url.path == "/v2/generate/audio/events"
    assert request.url.params["generation_id"] == GEN_ID
    assert request.headers["Accept"] == "text/event-stream"
    assert request.headers["Authorization"] == f"Bearer {twin.api_key}"
    assert twin.api_key not in str(request.url)
    assert "Last-Event-ID" not in request.headers


async def test_events_end_with_a_canceled_generation_without_raising(twin):
    twin.server.script = [stream(event(twin.generating(GEN_ID), "generating-50"), event(twin.canceled(GEN_ID)))]
    seen = await follow(twin, GEN_ID)
    assert [g.status for g in seen] == ["generating", "canceled"]
    assert seen[-1].is_terminal


@pytest.mark.parametrize(("status", "error_class"), [(404, NotFoundError), (401, AuthenticationError)])
async def test_events_raise_typed_errors_for_error_answers(twin, status, error_class):
    twin.server.script = [httpx.Response(status, json=twin.error_body(status, "nope", "/v2/generate/audio/events"))]
    with pytest.raises(error_class) as caught:
        await follow(twin, GEN_ID)
    assert caught.value.status_code == status and caught.value.path == "/v2/generate/audio/events"


async def test_a_broken_stream_resumes_from_the_last_event(twin):
    twin.server.script = [
        stream(event(twin.queued(GEN_ID), "queued-0-q0"), httpx.ReadError("connection reset")),
        stream(event(twin.generating(GEN_ID), "generating-50")),  # ends early without a final status
        stream(event(twin.completed(GEN_ID), "completed-100")),
    ]
    seen = await follow(twin, GEN_ID)
    assert [g.status for g in seen] == ["queued", "generating", "completed"]
    first, second, third = twin.server.requests
    assert "Last-Event-ID" not in first.headers
    assert second.headers["Last-Event-ID"] == "queued-0-q0"
    assert third.headers["Last-Event-ID"] == "generating-50"
    assert len(twin.clock.sleeps) == 2


async def test_a_stream_that_keeps_ending_early_raises_after_max_retries(twin):
    twin.client.max_retries = 1
    twin.server.script = [stream(event(twin.queued(GEN_ID), "queued-0-q0")), stream(b": keep-alive\n\n")]
    with pytest.raises(APIConnectionError, match="ended before a final status"):
        await follow(twin, GEN_ID)
    assert len(twin.server.requests) == 2


async def test_an_event_that_is_not_a_generation_is_a_clear_error(twin):
    twin.server.script = [stream(b"data: <html>\n\n")]
    with pytest.raises(OrchestrionError, match="not JSON"):
        await follow(twin, GEN_ID)


async def test_a_generation_removed_while_followed_raises_not_found(twin):
    twin.server.script = [stream(
        event(twin.completed(GEN_ID) | {"status": "generating"}, "generating-10"),
        b'event: gone\ndata: {"message": "The generation no longer exists."}\n\n',
    )]
    with pytest.raises(NotFoundError, match="no longer exists"):
        await follow(twin, GEN_ID)


def test_the_decoder_joins_data_lines_and_keeps_the_last_id():
    decoder = SSEDecoder()
    lines = ["id: a-1", "data: {", "data:  \"x\": 1}", "", ": comment", "", "event: gone", "data: bye", ""]
    events = [e for e in map(decoder.decode, lines) if e is not None]
    assert [(e.data, e.event, e.id) for e in events] == [('{\n "x": 1}', "message", "a-1"), ("bye", "gone", "a-1")]
