"""A small live-session server (``/v1/live``) on 127.0.0.1, in a thread: enough of the protocol for the SDK's tests.

It answers ``setup`` with ``setupComplete``, sends 20 ms PCM frames (each frame's samples hold its sequence number)
every few ms while playing, a ``state`` frame for each change, and a 400 ``error`` frame for a bad message. Prompts
with special texts make it misbehave on purpose: ``"quota"`` sends a 429 error and closes with 1013, ``"crash"``
closes with 1011 and no error frame, ``"goodbye"`` closes normally.
"""

from __future__ import annotations

import json
import struct
import threading
from http import HTTPStatus
from typing import Any

from websockets.exceptions import ConnectionClosed
from websockets.sync.server import Server, ServerConnection, serve

from tests.unit.client.fake_server import API_KEY, error_body

CHUNK_FRAMES = 960
CONFIG_FIELDS = {"bpm", "density", "brightness", "scale", "mute_bass", "mute_drums", "only_bass_and_drums"}


def chunk(sequence: int, frames: int = CHUNK_FRAMES) -> bytes:
    return struct.pack("<h", sequence % 32768) * (2 * frames)


class FakeLiveServer:
    """Serves the live protocol until :meth:`close`; records each session's messages and handshake headers."""

    def __init__(self, api_key: str = API_KEY) -> None:
        self.api_key = api_key
        self.sessions: list[list[dict[str, Any]]] = []
        self.handshakes: list[dict[str, str]] = []
        self._server: Server = serve(self._handle, "127.0.0.1", 0, process_request=self._check_key,
                                     compression=None)
        self.port = self._server.socket.getsockname()[1]
        self.base_url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._server.shutdown()
        self._thread.join(5)

    def _check_key(self, connection: ServerConnection, request: Any) -> Any:
        self.handshakes.append({name.lower(): value for name, value in request.headers.raw_items()})
        if request.path != "/v1/live":
            return self._refuse(connection, HTTPStatus.NOT_FOUND, "no route", request.path)
        if request.headers.get("Authorization") != f"Bearer {self.api_key}":
            return self._refuse(connection, HTTPStatus.UNAUTHORIZED, "Invalid API key.", request.path)
        return None

    @staticmethod
    def _refuse(connection: ServerConnection, status: HTTPStatus, message: str, path: str) -> Any:
        response = connection.respond(status, json.dumps(error_body(status.value, message, path)))
        response.headers["Content-Type"] = "application/json"
        return response

    def _handle(self, ws: ServerConnection) -> None:
        log: list[dict[str, Any]] = []
        self.sessions.append(log)
        try:
            self._serve(ws, log)
        except ConnectionClosed:
            return

    @staticmethod
    def _send(ws: ServerConnection, data: str | bytes) -> None:
        # A client may send its last messages and close at once: read those still queued, as a server would.
        try:
            ws.send(data)
        except ConnectionClosed:
            pass

    def _serve(self, ws: ServerConnection, log: list[dict[str, Any]]) -> None:
        first = json.loads(ws.recv(timeout=5))
        log.append(first)
        setup = first.get("setup")
        if not isinstance(setup, dict) or setup.get("model", "orchestrion/composer") != "orchestrion/composer":
            self._send(ws, json.dumps({"error": error_body(400, "unknown model", "/v1/live")}))
            ws.close()
            return
        self._send(ws, json.dumps({"setupComplete": {
            "session_id": f"live-{len(self.sessions)}", "model": "orchestrion/composer", "seed": setup.get("seed", 1),
            "sample_rate": 48000, "channels": 2, "chunk_frames": CHUNK_FRAMES}}))
        playing, sent = False, 0
        while True:
            try:
                text = ws.recv(timeout=0.004 if playing else 0.05)
            except TimeoutError:
                text = None
            if text is not None:
                message = json.loads(text)
                log.append(message)
                answer = self._answer(ws, message, playing, sent)
                if answer is None:
                    return
                playing = answer
            if playing:
                self._send(ws, chunk(sent))
                sent += 1

    def _answer(self, ws: ServerConnection, message: dict[str, Any], playing: bool, sent: int) -> bool | None:
        """The next ``playing`` after ``message``; ``None`` once the session is closed."""
        def state(applied: dict[str, Any], now_playing: bool) -> None:
            self._send(ws, json.dumps({"state": {"bar": sent // 100, "seconds": sent * CHUNK_FRAMES / 48000,
                                          "playing": now_playing, "applied": applied}}))

        def refuse(reason: str) -> bool:
            self._send(ws, json.dumps({"error": error_body(400, reason, "/v1/live")}))
            return playing

        if len(message) != 1:
            return refuse("a message has one key")
        ((kind, value),) = message.items()
        if kind in ("play", "pause", "stop", "reset"):
            now_playing = {"play": True, "pause": False, "stop": False, "reset": playing}[kind]
            state({kind: True}, now_playing)
            return now_playing
        if kind == "config":
            unknown = sorted(set(value) - CONFIG_FIELDS)
            if unknown:
                return refuse(f"unknown config field {unknown[0]}")
            if "bpm" in value and not (isinstance(value["bpm"], (int, float)) and 40 <= value["bpm"] <= 200):
                return refuse("bpm must be between 40 and 200")
            state(value, playing)
            return playing
        if kind == "prompts":
            texts = [prompt.get("text") for prompt in value]
            if "quota" in texts:
                too_many = error_body(429, "Too many live sessions for this key.", "/v1/live")
                self._send(ws, json.dumps({"error": too_many}))
                ws.close(1013, "try again later")
                return None
            if "crash" in texts:
                ws.close(1011, "the engine failed")
                return None
            if "goodbye" in texts:
                ws.close()
                return None
            state({"prompts": value}, playing)
            return playing
        return refuse(f"unknown message {kind!r}")
