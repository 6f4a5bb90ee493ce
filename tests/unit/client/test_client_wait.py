"""Waiting for a generation: polling cadence, Retry-After, failures, timeouts and outages, on both twins."""

from __future__ import annotations

import httpx
import pytest

from orchestrion import AuthenticationError, GenerationFailed, ServerError, WaitTimeout
from orchestrion.client._base import WAIT_OUTAGE_LIMIT


def script_timeline(twin, gen_id, answers):
    twin.server.timelines[gen_id] = list(answers)  # the server consumes its copy


async def test_wait_polls_fast_then_slower_and_reports_each_answer(twin):
    gen_id = "g-steps"
    answers = [twin.queued(gen_id, 2), twin.queued(gen_id, 1), twin.queued(gen_id, 0)]
    answers += [twin.generating(gen_id, p) for p in (0.1, 0.3, 0.5, 0.7, 0.8, 0.9, 0.95)]
    answers.append(twin.completed(gen_id))
    script_timeline(twin, gen_id, answers)
    seen = []
    generation = await twin.run(twin.client.audio.wait(gen_id, on_update=lambda g: seen.append(
        (g.status, g.queue_position, g.progress))))
    assert generation.is_completed
    assert seen[0] == ("queued", 2, None)
    assert seen[3] == ("generating", None, 10.0)
    assert seen[-1][0] == "completed"
    assert len(seen) == len(answers)
    sleeps = twin.clock.sleeps
    assert sleeps[0] == pytest.approx(0.25)
    assert all(b >= a for a, b in zip(sleeps, sleeps[1:]))  # never speeds up
    assert max(sleeps) <= 5.0
    assert sleeps[-1] == pytest.approx(5.0)  # grown to the ceiling after ten polls


async def test_wait_never_polls_sooner_than_retry_after(twin):
    gen_id = "g-slow"
    script_timeline(twin, gen_id, [twin.queued(gen_id)] * 3 + [twin.completed(gen_id)])
    twin.server.poll_headers = {"Retry-After": "2"}
    await twin.run(twin.client.audio.wait(gen_id))
    assert twin.clock.sleeps == [2.0, 2.0, 2.0]


async def test_wait_raises_generation_failed_with_the_servers_reason(twin):
    gen_id = "g-fail"
    script_timeline(twin, gen_id, [twin.generating(gen_id), twin.failed(gen_id)])
    with pytest.raises(GenerationFailed) as caught:
        await twin.run(twin.client.audio.wait(gen_id))
    error = caught.value
    assert error.error_name == "engine_error"
    assert error.error_message == "the SoundFont could not be read"
    assert error.generation.status == "error"
    assert "SoundFont" in str(error)
    script_timeline(twin, gen_id, [twin.failed(gen_id)])
    generation = await twin.run(twin.client.audio.wait(gen_id, raise_on_error=False))
    assert generation.status == "error" and generation.error.name == "engine_error"


async def test_an_unknown_final_status_ends_the_wait(twin):
    gen_id = "g-cancel"
    script_timeline(twin, gen_id, [{"id": gen_id, "status": "canceled", "audio_file": None, "error": None}])
    with pytest.raises(GenerationFailed) as caught:
        await twin.run(twin.client.audio.wait(gen_id))
    assert caught.value.error_name == "canceled"


async def test_wait_times_out_with_the_last_generation(twin):
    gen_id = "g-stuck"
    script_timeline(twin, gen_id, [twin.queued(gen_id, 4)])
    with pytest.raises(WaitTimeout) as caught:
        await twin.run(twin.client.audio.wait(gen_id, timeout=12))
    assert caught.value.generation.queue_position == 4
    assert caught.value.timeout == 12
    assert sum(twin.clock.sleeps) == pytest.approx(12)  # waited the whole time, not a poll more


async def test_wait_gives_up_early_rather_than_poll_before_retry_after(twin):
    gen_id = "g-later"
    script_timeline(twin, gen_id, [twin.queued(gen_id)])
    twin.server.poll_headers = {"Retry-After": "30"}
    with pytest.raises(WaitTimeout):
        await twin.run(twin.client.audio.wait(gen_id, timeout=10))
    assert len(twin.server.gets()) == 1
    assert twin.clock.sleeps == []


async def test_wait_rides_out_a_short_outage(twin):
    gen_id = "g-restart"
    script_timeline(twin, gen_id, [twin.generating(gen_id), twin.completed(gen_id)])
    twin.client.max_retries = 0
    down = httpx.Response(503, json=twin.error_body(503, "not ready"))
    twin.server.script += [httpx.ConnectError("refused"), down, httpx.ConnectError("refused")]
    generation = await twin.run(twin.client.audio.wait(gen_id))
    assert generation.is_completed


async def test_wait_stops_when_the_server_stays_down(twin):
    twin.client.max_retries = 0
    twin.server.script += [httpx.ConnectError("refused")] * 500
    with pytest.raises(Exception) as caught:
        await twin.run(twin.client.audio.wait("g-gone", timeout=None))
    assert type(caught.value).__name__ == "APIConnectionError"
    assert sum(twin.clock.sleeps) >= WAIT_OUTAGE_LIMIT - 5.0
    assert sum(twin.clock.sleeps) <= WAIT_OUTAGE_LIMIT + 5.0


async def test_wait_does_not_ride_out_errors_that_will_not_pass(twin):
    twin.server.script.append(httpx.Response(401, json=twin.error_body(401, "unknown API key")))
    with pytest.raises(AuthenticationError):
        await twin.run(twin.client.audio.wait("g1"))
    twin.server.script.append(httpx.Response(500, json=twin.error_body(500, "internal error")))
    with pytest.raises(ServerError):
        await twin.run(twin.client.audio.wait("g1"))
    assert twin.clock.sleeps == []


async def test_generate_and_wait_reports_the_created_generation_first(twin):
    twin.server.on_create = lambda gid: [twin.queued(gid), twin.generating(gid), twin.completed(gid)]
    seen = []
    generation = await twin.run(
        twin.client.audio.generate_and_wait(prompt="epic trailer", seed=3, on_update=lambda g: seen.append(g.status))
    )
    assert generation.is_completed
    assert seen == ["queued", "queued", "generating", "completed"]
    assert twin.server.created_bodies == [{"model": "google/lyria2", "prompt": "epic trailer", "seed": 3}]


@pytest.mark.parametrize("twin", ["async"], indirect=True)
async def test_async_update_callbacks_are_awaited(twin):
    twin.server.on_create = lambda gid: [twin.completed(gid)]
    seen = []

    async def record(generation):
        seen.append(generation.status)

    await twin.client.audio.generate_and_wait(prompt="x", on_update=record)
    assert seen == ["queued", "completed"]
