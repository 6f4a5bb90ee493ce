"""Live sessions against a real `orchestrion serve`: real time, changes at bar lines, pause, a client that stops
reading, eight sessions at once, authentication and the per-key limit (docs/live.md)."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from typing import Any, Iterator

import httpx
import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from tests.support.server import ServerProcess

pytestmark = pytest.mark.timed  # live sessions are held to real time

CHUNK_SECONDS = 0.2
PER_KEY = 8
JAZZ = [{"text": "warm jazz piano trio", "weight": 1.0}]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """The API alone (live sessions need no workers), with a per-key limit the tests can reach."""
    process = ServerProcess(tmp_path_factory.mktemp("live"), workers=0,
                            env={"ORCHESTRION_LIVE_MAX_SESSIONS_PER_KEY": str(PER_KEY)})
    process.start(ready_path="/health")
    try:
        yield process
    finally:
        process.stop()
        process.kill()


def url(server: ServerProcess) -> str:
    return f"ws://127.0.0.1:{server.port}/v1/live"


def open_session(server: ServerProcess, key: str | None = None, **kwargs: Any) -> ClientConnection:
    opening = connect(url(server), additional_headers={"Authorization": f"Bearer {key or server.api_key}"}, **kwargs)
    ws = opening.__enter__()  # held open past this function: the caller closes it
    ws.send(json.dumps({"setup": {"seed": 11}}))
    assert "setupComplete" in json.loads(ws.recv(timeout=10))
    return ws


def metric(server: ServerProcess, name: str) -> float:
    text = httpx.get(server.base_url + "/metrics", timeout=10).text
    return float(next(line.split()[-1] for line in text.splitlines() if line.startswith(name + " ")))


class Listener:
    """Receives a session's frames, noting when each chunk arrived."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.first: float | None = None
        self.audio = 0.0  # seconds received
        self.most_ahead = 0.0
        self.states: list[dict] = []
        self.errors: list[dict] = []

    def listen(self, seconds: float) -> None:
        end = time.monotonic() + seconds
        while (left := end - time.monotonic()) > 0:
            try:
                frame = self.ws.recv(timeout=left)
            except TimeoutError:
                return
            now = time.monotonic()
            if isinstance(frame, bytes):
                assert len(frame) == 38_400
                self.first = self.first or now
                self.audio += CHUNK_SECONDS
                self.most_ahead = max(self.most_ahead, self.audio - CHUNK_SECONDS - (now - self.first))
            else:
                message = json.loads(frame)
                (self.states if "state" in message else self.errors).append(message)

    @property
    def elapsed(self) -> float:
        return time.monotonic() - (self.first or time.monotonic())


def test_a_session_keeps_real_time_and_applies_a_prompt_on_a_bar_line(server: ServerProcess) -> None:
    with open_session(server) as ws:
        ws.send(json.dumps({"prompts": JAZZ}))
        ws.send(json.dumps({"play": {}}))
        listener = Listener(ws)
        listener.listen(3.0)
        heard = listener.audio
        ws.send(json.dumps({"prompts": [{"text": "funky disco with slap bass", "weight": 1.0}]}))
        listener.listen(5.0)
        elapsed = listener.elapsed
        assert listener.audio >= elapsed - 2.0  # it keeps up with the wall clock
        assert listener.most_ahead <= 2.3  # and never runs far ahead of it
        change = [s["state"] for s in listener.states if "funky" in json.dumps(s)][0]
        bar_seconds = 4 * 60.0 / change["bpm"]
        assert change["seconds"] == pytest.approx(change["bar"] * bar_seconds, abs=1e-3)
        assert heard <= change["seconds"] <= heard + 2.3 + bar_seconds  # the next bar after what was rendered
        assert not listener.errors


def test_pause_stops_the_audio_and_play_resumes_it(server: ServerProcess) -> None:
    with open_session(server) as ws:
        ws.send(json.dumps({"prompts": JAZZ}))
        ws.send(json.dumps({"play": {}}))
        listener = Listener(ws)
        listener.listen(1.0)
        ws.send(json.dumps({"pause": {}}))
        listener.listen(0.5)  # the pause takes effect at the next chunk
        assert listener.states[-1]["state"]["applied"] == {"pause": {}}
        held = listener.audio
        listener.listen(1.5)
        assert listener.audio == held
        ws.send(json.dumps({"play": {}}))
        listener.listen(1.0)
        assert listener.states[-1]["state"]["applied"] == {"play": {}}
        assert listener.audio >= held + 1.0


def test_a_client_that_stops_reading_is_dropped_and_the_server_carries_on(server: ServerProcess) -> None:
    dropped = metric(server, "orchestrion_live_sessions_dropped_total")
    ws = open_session(server, max_queue=2)
    ws.send(json.dumps({"prompts": JAZZ}))
    ws.send(json.dumps({"play": {}}))
    deadline = time.monotonic() + 40
    while time.monotonic() < deadline and metric(server, "orchestrion_live_sessions_dropped_total") == dropped:
        time.sleep(0.5)  # not reading: the audio piles up until the server gives up on this client
    assert metric(server, "orchestrion_live_sessions_dropped_total") == dropped + 1
    with pytest.raises(ConnectionClosed):
        for _ in range(1000):
            ws.recv(timeout=5)
    ws.close()
    assert httpx.get(server.base_url + "/health", timeout=5).status_code == 200
    with open_session(server) as second:
        second.send(json.dumps({"prompts": JAZZ}))
        second.send(json.dumps({"play": {}}))
        listener = Listener(second)
        listener.listen(1.0)
        assert listener.audio >= 1.0


def test_eight_sessions_at_once_keep_real_time(server: ServerProcess) -> None:
    underruns = metric(server, "orchestrion_live_underruns_total")
    sessions = [open_session(server) for _ in range(8)]
    listeners = [Listener(ws) for ws in sessions]
    styles = ["warm jazz piano trio", "drum and bass", "string quartet", "synthwave", "lofi hip hop",
              "heavy metal", "bossa nova guitar", "epic orchestral trailer"]
    for ws, style in zip(sessions, styles):
        ws.send(json.dumps({"prompts": [{"text": style, "weight": 1.0}]}))
        ws.send(json.dumps({"play": {}}))
    threads = [threading.Thread(target=listener.listen, args=(8.0,)) for listener in listeners]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for ws in sessions:
        ws.close()
    for listener in listeners:
        assert listener.audio >= listener.elapsed - 2.0
        assert not listener.errors
    assert metric(server, "orchestrion_live_underruns_total") == underruns


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer not-a-key"}])
def test_a_missing_or_unknown_key_is_refused(server: ServerProcess, headers: dict[str, str]) -> None:
    with connect(url(server), additional_headers=headers) as ws:
        ws.send(json.dumps({"setup": {"seed": 1}}))
        error = json.loads(ws.recv(timeout=10))["error"]
        assert error["statusCode"] == 401
        with pytest.raises(ConnectionClosed) as closed:
            ws.recv(timeout=10)
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 1008


def test_the_key_may_come_in_the_setup_message(server: ServerProcess) -> None:
    with connect(url(server)) as ws:
        ws.send(json.dumps({"setup": {"api_key": server.api_key, "model": "google/lyria2"}}))
        ready = json.loads(ws.recv(timeout=10))["setupComplete"]
        assert ready["model"] == "google/lyria2" and isinstance(ready["seed"], int)


def test_the_per_key_limit_answers_429(server: ServerProcess) -> None:
    held = [open_session(server) for _ in range(PER_KEY)]
    try:
        with connect(url(server), additional_headers={"Authorization": f"Bearer {server.api_key}"}) as ws:
            ws.send(json.dumps({"setup": {}}))
            error = json.loads(ws.recv(timeout=10))["error"]
            assert error["statusCode"] == 429
            with pytest.raises(ConnectionClosed) as closed:
                ws.recv(timeout=10)
            assert closed.value.rcvd is not None and closed.value.rcvd.code == 1013
    finally:
        for ws in held:
            ws.close()
    time.sleep(0.3)  # the server counts the closed sessions out
    open_session(server).close()
