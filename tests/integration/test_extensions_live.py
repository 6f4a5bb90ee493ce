"""The extensions beyond the hosted API, through a real `orchestrion serve`: cancel, live status (SSE), sync wait,
idempotency keys, history, several samples, the Vertex-style route, extra files, webhook address checks, and their
description in `/openapi.json`."""

from __future__ import annotations

import base64
import io
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Iterator

import httpx
import pytest
import soundfile

from orchestrion import Client
from orchestrion.api.schemas import CancelOut, GenerationList, GenerationOut
from tests.support.server import ServerProcess

TONE_ONLY = """
[models."test/tone"]
engine = "tests.engines.tone:ToneEngine"
credits = 2
"""


@pytest.fixture(scope="module")
def one_worker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """A server with one worker serving only the tone engine, and keep-alives every half second."""
    server = ServerProcess(tmp_path_factory.mktemp("one-worker"), workers=1, config=TONE_ONLY,
                           env={"ORCHESTRION_SSE_KEEPALIVE_SECONDS": "0.5"})
    with server:
        yield server


def auth(server: ServerProcess, key: str | None = None) -> dict[str, str]:
    return {"Authorization": f"Bearer {key or server.api_key}"}


def create(server: ServerProcess, prompt: str, *, key: str | None = None, headers: dict[str, str] | None = None,
           **body: Any) -> httpx.Response:
    payload = {"model": "test/tone", "prompt": prompt, "duration": 5, **body}
    return httpx.post(server.base_url + "/v2/generate/audio", json=payload,
                      headers={**auth(server, key), **(headers or {})}, timeout=30)


def poll(server: ServerProcess, generation_id: str, key: str | None = None) -> dict[str, Any]:
    response = httpx.get(server.base_url + "/v2/generate/audio", params={"generation_id": generation_id},
                         headers=auth(server, key), timeout=10)
    assert response.status_code == 200, response.text
    return response.json()


def wait_for(server: ServerProcess, generation_id: str, statuses: set[str], timeout: float = 30) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        answer = poll(server, generation_id)
        if answer["status"] in statuses:
            return answer
        assert time.monotonic() < deadline, answer
        time.sleep(0.05)


def read_events(response: httpx.Response) -> list[dict[str, Any] | str]:
    """Parse an SSE stream into events ({"id", "data"}) and comments (strings), until the server closes it."""
    import json

    items: list[dict[str, Any] | str] = []
    event: dict[str, Any] = {}
    for line in response.iter_lines():
        if line.startswith(":"):
            items.append(line)
        elif line.startswith("id: "):
            event["id"] = line[4:]
        elif line.startswith("data: "):
            event["data"] = json.loads(line[6:])
        elif line == "" and event:
            items.append(event)
            event = {}
    return items


# -- cancel ------------------------------------------------------------------------------------------------------
@pytest.mark.timed
def test_canceling_a_running_generation_stops_its_engine_and_frees_the_worker(one_worker: ServerProcess) -> None:
    key = one_worker.create_key("cancel", quota=10)
    running = create(one_worker, "sleep:3", key=key).json()
    # Queued behind it on the only worker: it can start only once the worker is free.
    waiting = create(one_worker, "a short tone", key=key).json()
    deadline = time.monotonic() + 20
    while poll(one_worker, running["id"], key)["status"] != "generating":
        assert time.monotonic() < deadline
        time.sleep(0.05)

    canceled_at = time.monotonic()
    answer = httpx.delete(one_worker.base_url + "/v2/generate/audio", params={"generation_id": running["id"]},
                          headers=auth(one_worker, key), timeout=10)
    assert answer.status_code == 200
    body = CancelOut.model_validate(answer.json())
    assert body.status == "canceled" and body.meta.usage.credits_used == 0 and "refunded" in body.message
    assert body.error is not None and body.error.name == "canceled"

    # The engine would have run three seconds; the worker gives up within a progress step or two instead and
    # takes the next job (how long that job then runs is not the cancel's doing).
    while poll(one_worker, waiting["id"], key)["status"] == "queued":
        assert time.monotonic() - canceled_at < 2.0
        time.sleep(0.05)
    deadline = time.monotonic() + 10
    while poll(one_worker, waiting["id"], key)["status"] != "completed":
        assert time.monotonic() < deadline
        time.sleep(0.05)

    final = poll(one_worker, running["id"], key)
    assert final["status"] == "canceled" and final["audio_file"] is None
    log = one_worker.log()
    assert f"job abandoned job={running['id']}" in log
    assert f"job completed job={running['id']}" not in log
    assert not (one_worker.data_dir / "files" / running["id"]).exists()
    # The refund shows in the key's credits: only the finished generation stays charged (5 s at 2 credits per
    # 30 s, rounded up: 1 credit).
    listing = one_worker.cli("keys", "list").stdout
    assert any(" cancel " in line and "credits 1/10" in line for line in listing.splitlines()), listing

    # Canceling what has ended says so, without an error.
    again = httpx.delete(one_worker.base_url + "/v2/generate/audio", params={"generation_id": waiting["id"]},
                         headers=auth(one_worker, key), timeout=10)
    assert again.status_code == 200
    assert again.json()["status"] == "completed" and "already ended" in again.json()["message"]
    unknown = httpx.delete(one_worker.base_url + "/v2/generate/audio", params={"generation_id": "nope:tone"},
                           headers=auth(one_worker, key), timeout=10)
    assert unknown.status_code == 404 and set(unknown.json()) >= {"message", "requestId", "statusCode"}


# -- live status -------------------------------------------------------------------------------------------------
def test_events_stream_status_and_progress_until_the_terminal_status(one_worker: ServerProcess) -> None:
    created = create(one_worker, "sleep:1").json()
    with httpx.stream("GET", one_worker.base_url + "/v2/generate/audio/events",
                      params={"generation_id": created["id"]}, headers=auth(one_worker), timeout=30) as stream:
        assert stream.status_code == 200
        assert stream.headers["content-type"].startswith("text/event-stream")
        items = read_events(stream)  # returns only because the server ends the stream
    events = [item for item in items if isinstance(item, dict)]
    statuses = [event["data"]["status"] for event in events]
    assert statuses[-1] == "completed" and set(statuses) <= {"queued", "generating", "completed"}
    progress = [event["data"]["progress"] for event in events]
    assert progress == sorted(progress) and progress[-1] == 100 and len(set(progress)) >= 3
    assert all(0 <= p <= 100 for p in progress)
    assert len({event["id"] for event in events}) == len(events)
    for event in events:
        GenerationOut.model_validate(event["data"])
        assert "queue_position" in event["data"]
    assert events[-1]["data"]["audio_file"]["url"]

    # Resuming from the last event hears nothing again: the generation has nothing more to say.
    with httpx.stream("GET", one_worker.base_url + "/v2/generate/audio/events",
                      params={"generation_id": created["id"]},
                      headers={**auth(one_worker), "Last-Event-ID": events[-1]["id"]}, timeout=10) as stream:
        assert [item for item in read_events(stream) if isinstance(item, dict)] == []


@pytest.mark.timed
def test_events_show_the_queue_position_and_keep_alives_while_waiting(one_worker: ServerProcess) -> None:
    ahead = create(one_worker, "sleep:2").json()
    behind = create(one_worker, "a short tone").json()
    with httpx.stream("GET", one_worker.base_url + "/v2/generate/audio/events",
                      params={"generation_id": behind["id"]}, headers=auth(one_worker), timeout=30) as stream:
        items = read_events(stream)
    events = [item for item in items if isinstance(item, dict)]
    assert events[0]["data"]["status"] == "queued" and events[0]["data"]["queue_position"] == 0
    assert events[-1]["data"]["status"] == "completed"
    assert ": keep-alive" in items  # two quiet seconds in the queue, with keep-alives every half second
    assert poll(one_worker, ahead["id"])["status"] == "completed"


def test_events_of_an_unknown_or_another_keys_generation_answer_404(one_worker: ServerProcess) -> None:
    created = create(one_worker, "a short tone").json()
    other = one_worker.create_key("stranger")
    for key, generation_id in ((other, created["id"]), (None, "no-such-id:tone")):
        response = httpx.get(one_worker.base_url + "/v2/generate/audio/events",
                             params={"generation_id": generation_id}, headers=auth(one_worker, key), timeout=10)
        assert response.status_code == 404 and response.json()["statusCode"] == 404
    response = httpx.get(one_worker.base_url + "/v2/generate/audio/events", params={"generation_id": created["id"]},
                         timeout=10)
    assert response.status_code == 401


# -- sync wait ---------------------------------------------------------------------------------------------------
def test_prefer_wait_answers_the_finished_generation_or_the_queued_one_with_location(
        one_worker: ServerProcess) -> None:
    done = create(one_worker, "a short tone", headers={"Prefer": "wait=20"})
    assert done.status_code == 200 and done.headers["preference-applied"] == "wait=20"
    body = GenerationOut.model_validate(done.json())
    assert body.status == "completed" and body.audio_file is not None
    assert httpx.get(body.audio_file.url, timeout=10).status_code == 200

    slow = create(one_worker, "sleep:2", headers={"Prefer": "respond-async, wait=0.3"})
    assert slow.status_code == 200 and "preference-applied" not in slow.headers
    assert slow.json()["status"] == "queued" and set(slow.json()) >= {"id", "status"}
    location = slow.headers["location"]
    assert location == f"/v2/generate/audio?generation_id={slow.json()['id']}"
    followed = httpx.get(one_worker.base_url + location, headers=auth(one_worker), timeout=10)
    assert followed.status_code == 200 and followed.json()["id"] == slow.json()["id"]
    wait_for(one_worker, slow.json()["id"], {"completed"})


# -- idempotency -------------------------------------------------------------------------------------------------
def test_concurrent_retries_with_one_idempotency_key_make_one_generation(live_server: ServerProcess) -> None:
    key = live_server.create_key("idempotent", quota=100)
    body = {"prompt": "an idempotent tone", "seed": 11, "duration": 30}

    def send(_: int) -> httpx.Response:
        return create(live_server, key=key, headers={"Idempotency-Key": "order-42"}, **body)

    with ThreadPoolExecutor(max_workers=12) as pool:
        answers = list(pool.map(send, range(24)))
    assert all(a.status_code == 200 for a in answers), [a.text for a in answers if a.status_code != 200]
    assert len({a.json()["id"] for a in answers}) == 1
    assert sum(a.headers.get("idempotent-replayed") == "true" for a in answers) == 23
    history = httpx.get(live_server.base_url + "/v2/generate/audio/generations", headers=auth(live_server, key),
                        timeout=10).json()
    assert [item["id"] for item in history["data"]] == [answers[0].json()["id"]]
    assert history["data"][0]["meta"]["usage"]["credits_used"] == 2  # charged once: 30 s at 2 credits per 30 s

    conflict = create(live_server, key=key, headers={"Idempotency-Key": "order-42"}, prompt="another tone")
    assert conflict.status_code == 409 and "Idempotency-Key" in conflict.json()["message"]
    bad = create(live_server, "x", key=key, headers={"Idempotency-Key": "has space"})
    assert bad.status_code == 400 and "Idempotency-Key" in bad.json()["message"]

    # The SDK sends the header when given a key, and a retry answers the same generation.
    client = Client(base_url=live_server.base_url, api_key=key)
    first = client.audio.generate(prompt="sdk tone", model="test/tone", idempotency_key="sdk-1", duration=5)
    second = client.audio.generate(prompt="sdk tone", model="test/tone", idempotency_key="sdk-1", duration=5)
    assert first.id == second.id


# -- history -----------------------------------------------------------------------------------------------------
def test_history_lists_this_keys_generations_newest_first_in_pages(live_server: ServerProcess) -> None:
    key = live_server.create_key("history")
    ids = [create(live_server, f"tone {n}", key=key).json()["id"] for n in range(5)]
    create(live_server, "someone else's tone")
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        params = {"limit": 2, **({"after": cursor} if cursor else {})}
        page = httpx.get(live_server.base_url + "/v2/generate/audio/generations", params=params,
                         headers=auth(live_server, key), timeout=10)
        assert page.status_code == 200
        body = GenerationList.model_validate(page.json())
        seen += [item.id for item in body.data]
        pages += 1
        if not body.has_more:
            assert body.next_cursor is None
            break
        cursor = body.next_cursor
    assert seen == list(reversed(ids)) and pages == 3
    bad = httpx.get(live_server.base_url + "/v2/generate/audio/generations", params={"after": "not-a-cursor"},
                    headers=auth(live_server, key), timeout=10)
    assert bad.status_code == 400 and "after" in bad.json()["message"]


# -- several samples and extra files -----------------------------------------------------------------------------
def test_several_samples_have_their_own_seeds_files_and_charge(live_server: ServerProcess) -> None:
    created = create(live_server, "three tones", seed=7, sample_count=3, duration=30, headers={"Prefer": "wait=30"})
    body = created.json()
    assert body["status"] == "completed", body
    assert body["seeds"] == [7, 8, 9] and body["seed"] == 7
    assert body["meta"]["usage"] == {"credits_used": 3 * 2, "audio_seconds": 90}  # 2 credits per 30 s
    assert len(body["audio_files"]) == 3 and body["audio_file"] == body["audio_files"][0]
    assert [sample["seed"] for sample in body["samples"]] == [7, 8, 9]
    pitches = set()
    for sample, audio_file in zip(body["samples"], body["audio_files"]):
        assert sample["audio_file"] == audio_file
        data = httpx.get(audio_file["url"], timeout=10).content
        assert len(data) == audio_file["file_size"]
        audio, rate = soundfile.read(io.BytesIO(data))
        assert rate == 48000 and audio.shape[1] == 2
        crossings = ((audio[:-1, 0] < 0) & (audio[1:, 0] >= 0)).sum()
        pitches.add(round(crossings / 5))
        assert sample["midi_file"]["content_type"] == "audio/midi" and sample["stems"][0]["name"] == "tone"
    assert len(pitches) == 3  # different seeds, different tones


def test_midi_and_stems_are_linked_with_signed_urls(live_server: ServerProcess) -> None:
    body = create(live_server, "one tone", headers={"Prefer": "wait=30"}).json()
    assert body["status"] == "completed"
    midi = httpx.get(body["midi_file"]["url"], timeout=10)
    assert midi.status_code == 200 and midi.content.startswith(b"MThd")
    assert len(midi.content) == body["midi_file"]["file_size"]
    (stem,) = body["stems"]
    assert stem["name"] == "tone" and httpx.get(stem["url"], timeout=10).status_code == 200
    tampered = body["midi_file"]["url"].replace("score.mid", "output.wav")
    assert httpx.get(tampered, timeout=10).status_code == 403


# -- the Vertex-style route --------------------------------------------------------------------------------------
PREDICT = "/v1/projects/demo/locations/us-central1/publishers/google/models/lyria-002:predict"


def test_vertex_style_predict_answers_base64_wavs(live_server: ServerProcess) -> None:
    response = httpx.post(live_server.base_url + PREDICT, headers=auth(live_server), timeout=120, json={
        "instances": [{"prompt": "gentle piano", "negative_prompt": "drums"}], "parameters": {"sample_count": 2}})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["model"].endswith("/models/lyria-002") and body["deployedModelId"] == "orchestrion/composer"
    assert len(body["predictions"]) == 2
    decoded = [base64.b64decode(p["bytesBase64Encoded"]) for p in body["predictions"]]
    assert decoded[0] != decoded[1]
    for prediction, data in zip(body["predictions"], decoded):
        assert prediction["mimeType"] == "audio/wav"
        info = soundfile.info(io.BytesIO(data))
        assert (info.samplerate, info.channels) == (48000, 2) and info.duration > 5

    both = httpx.post(live_server.base_url + PREDICT, headers=auth(live_server), timeout=10, json={
        "instances": [{"prompt": "x", "seed": 3}], "parameters": {"sample_count": 2}})
    assert both.status_code == 400 and "sample_count" in both.json()["message"]
    assert httpx.post(live_server.base_url + PREDICT, json={"instances": [{"prompt": "x"}]},
                      timeout=10).status_code == 401
    empty = httpx.post(live_server.base_url + PREDICT, headers=auth(live_server), json={"instances": []}, timeout=10)
    assert empty.status_code == 400 and "instances" in empty.json()["message"]


# -- webhook addresses -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("url", ["http://127.0.0.1:9/hook", "http://localhost/hook", "http://10.1.2.3/hook",
                                 "http://169.254.169.254/latest/meta-data", "ftp://example.com/hook",
                                 "https://user:secret@example.com/hook"])
def test_webhooks_to_addresses_not_allowed_are_refused(live_server: ServerProcess, url: str) -> None:
    response = create(live_server, "tone", webhook_url=url)
    assert response.status_code == 400 and response.json()["message"].startswith("webhook_url")


def test_unknown_webhook_events_are_refused(live_server: ServerProcess) -> None:
    response = create(live_server, "tone", webhook_url="https://hooks.example.com/x", webhook_events=["finished"])
    assert response.status_code == 400 and "webhook_events" in response.json()["message"]


# -- the description ---------------------------------------------------------------------------------------------
def test_openapi_describes_the_extensions(live_server: ServerProcess) -> None:
    spec = httpx.get(live_server.base_url + "/openapi.json", timeout=10).json()
    paths = spec["paths"]
    assert "delete" in paths["/v2/generate/audio"]
    post = paths["/v2/generate/audio"]["post"]
    assert {p["name"] for p in post["parameters"]} >= {"Idempotency-Key", "Prefer"}
    assert "409" in post["responses"] and "RateLimit-Remaining" in post["responses"]["429"]["headers"]
    assert "text/event-stream" in paths["/v2/generate/audio/events"]["get"]["responses"]["200"]["content"]
    assert "/v2/generate/audio/generations" in paths
    assert "504" in paths[PREDICT.replace("demo", "{project}").replace("us-central1", "{location}")]["post"][
        "responses"]
    body = spec["components"]["schemas"]["GenerateAudioRequest"]["properties"]
    assert {"webhook_url", "webhook_events", "sample_count"} <= set(body)
    out = spec["components"]["schemas"]["GenerationOut"]["properties"]
    assert {"audio_files", "samples", "midi_file", "stems", "queue_position"} <= set(out)
    assert "canceled" in out["status"]["enum"]
    assert "VertexPredictRequest" in spec["components"]["schemas"]


@pytest.mark.timed
def test_requests_waiting_on_a_generation_end_as_soon_as_the_server_is_stopped(server_factory) -> None:
    """An open event stream, a `Prefer: wait` request and a stream of a queued generation each answer at once
    when the server is told to stop, rather than hold the stop for its 10 s grace period."""
    server: ServerProcess = server_factory(workers=0, config=TONE_ONLY)
    server.start(ready_path="/health")  # no workers: the generation stays queued and its stream stays open
    created = create(server, "never started").json()
    first_event = threading.Event()
    answers: dict[str, Any] = {}

    def watch() -> None:
        try:
            with httpx.stream("GET", server.base_url + "/v2/generate/audio/events",
                              params={"generation_id": created["id"]}, headers=auth(server), timeout=60) as stream:
                for line in stream.iter_lines():
                    if line.startswith("data: "):
                        first_event.set()
            answers["events"] = "ended"
        except httpx.HTTPError as exc:
            answers["events"] = exc

    def wait_for_it() -> None:
        answers["wait"] = create(server, "waited for", headers={"Prefer": "wait=60"})

    def stream_it() -> None:
        answers["stream"] = httpx.get(server.base_url + "/v2/generate/audio/stream", headers=auth(server),
                                      params={"generation_id": created["id"]}, timeout=60)

    threads = [threading.Thread(target=target, daemon=True) for target in (watch, wait_for_it, stream_it)]
    for thread in threads:
        thread.start()
    assert first_event.wait(10)
    time.sleep(0.5)  # the other two are waiting too
    started = time.monotonic()
    assert server.stop(timeout=40) == 0
    assert time.monotonic() - started < 5
    for thread in threads:
        thread.join(5)
        assert not thread.is_alive()
    assert answers["events"] == "ended"  # the stream ended cleanly (EventSource reconnects by itself)
    waited = answers["wait"]
    assert waited.status_code == 200 and waited.json()["status"] == "queued"
    assert "Preference-Applied" not in waited.headers and waited.headers["Location"].endswith(waited.json()["id"])
    streamed = answers["stream"]
    assert streamed.status_code == 503 and "stopping" in streamed.json()["message"]
    assert streamed.headers["Retry-After"] == "5"
