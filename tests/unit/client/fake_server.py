"""A scripted stand-in for an Orchestrion server behind httpx.MockTransport, with answer builders and a fake clock."""

from __future__ import annotations

import inspect
import json
import uuid
from dataclasses import dataclass, field
from typing import Any, Callable

import httpx

BASE_URL = "http://orchestrion.test"
API_KEY = "sk-test-key"
FILE_BYTES = bytes(range(256)) * 1000  # 256 kB: several chunks


def error_body(status: int, message: str, path: str = "/v2/generate/audio") -> dict[str, Any]:
    return {
        "message": message,
        "path": path,
        "requestId": f"req-{status}",
        "statusCode": status,
        "timestamp": "2024-01-01T00:00:00.000Z",
    }


@dataclass
class FakeServer:
    """Answers the protocol from scripted state; records every request it saw."""

    requests: list[httpx.Request] = field(default_factory=list)
    #: Answers (or exceptions) served before normal handling, one per request, in order.
    script: list[httpx.Response | Exception] = field(default_factory=list)
    #: generation id -> the GET answers it steps through (the last one repeats).
    timelines: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    files: dict[str, bytes] = field(default_factory=dict)
    #: Headers added to every GET answer of a generation.
    poll_headers: dict[str, str] = field(default_factory=dict)
    created_bodies: list[dict[str, Any]] = field(default_factory=list)
    on_create: Callable[[str], list[dict[str, Any]]] | None = None

    def handler(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.script:
            answer = self.script.pop(0)
            if isinstance(answer, Exception):
                raise answer
            return answer
        if request.url.path == "/v2/generate/audio" and request.method == "POST":
            body = json.loads(request.content)
            self.created_bodies.append(body)
            gen_id = f"{uuid.uuid4()}:lyria2"
            if self.on_create is not None:
                self.timelines[gen_id] = self.on_create(gen_id)
            else:
                self.timelines[gen_id] = [completed(gen_id, audio_file=self.add_file())]
            return httpx.Response(200, json={"id": gen_id, "status": "queued"})
        if request.url.path == "/v2/generate/audio" and request.method == "GET":
            gen_id = request.url.params.get("generation_id")
            timeline = self.timelines.get(gen_id)
            if not timeline:
                return httpx.Response(404, json=error_body(404, f"generation {gen_id} not found"))
            answer = timeline.pop(0) if len(timeline) > 1 else timeline[0]
            return httpx.Response(200, json=answer, headers=self.poll_headers)
        if request.url.path == "/v2/generate/audio" and request.method == "DELETE":
            return self._cancel(request.url.params.get("generation_id"))
        if request.url.path == "/v1/models":
            return httpx.Response(
                200,
                json={
                    "object": "list",
                    "data": [
                        {"id": "google/lyria2", "engine": "composer", "alias_of": "orchestrion/composer"},
                        {"id": "orchestrion/composer", "engine": "composer"},
                    ],
                },
            )
        if request.url.path.startswith("/files/"):
            data = self.files.get(request.url.path)
            if data is None:
                return httpx.Response(404, json=error_body(404, "file not found", request.url.path))
            return httpx.Response(200, content=data, headers={"Content-Type": "audio/wav"})
        return httpx.Response(404, json=error_body(404, "no route", request.url.path))

    def _cancel(self, gen_id: str | None) -> httpx.Response:
        timeline = self.timelines.get(gen_id or "")
        if not timeline:
            return httpx.Response(404, json=error_body(404, "Generation not found."))
        current = timeline[0]
        if current["status"] in ("queued", "generating"):
            self.timelines[gen_id] = [canceled(gen_id)]
            return httpx.Response(200, json={**canceled(gen_id), "message": "Canceled; the credits were refunded."})
        message = f"The generation had already ended ({current['status']}); nothing was canceled."
        return httpx.Response(200, json={**current, "message": message})

    def add_file(self, name: str = "output.wav", data: bytes = FILE_BYTES) -> dict[str, Any]:
        path = f"/files/{uuid.uuid4().hex}/{name}"
        self.files[path] = data
        return {
            "url": f"{BASE_URL}{path}?expires=9999999999&sig=abc",
            "content_type": "audio/wav",
            "file_name": name,
            "file_size": len(data),
        }

    def gets(self) -> list[httpx.Request]:
        return [r for r in self.requests if r.method == "GET" and r.url.path == "/v2/generate/audio"]


def queued(gen_id: str, position: int = 0) -> dict[str, Any]:
    return {"id": gen_id, "status": "queued", "audio_file": None, "error": None, "queue_position": position,
            "meta": {"usage": {"credits_used": 1}}}


def generating(gen_id: str, progress: float = 0.5) -> dict[str, Any]:
    return {"id": gen_id, "status": "generating", "audio_file": None, "error": None, "progress": progress,
            "meta": {"usage": {"credits_used": 1}}}


def completed(gen_id: str, audio_file: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    audio = audio_file or {
        "url": f"{BASE_URL}/files/missing/output.wav",
        "content_type": "audio/wav",
        "file_name": "output.wav",
        "file_size": 10,
    }
    return {"id": gen_id, "status": "completed", "audio_file": audio, "error": None, "seed": 42,
            "model": "google/lyria2", "meta": {"usage": {"credits_used": 1}}, **extra}


def failed(gen_id: str) -> dict[str, Any]:
    return {"id": gen_id, "status": "error", "audio_file": None,
            "error": {"name": "engine_error", "message": "the SoundFont could not be read"},
            "meta": {"usage": {"credits_used": 0}}}


def canceled(gen_id: str) -> dict[str, Any]:
    return {"id": gen_id, "status": "canceled", "audio_file": None,
            "error": {"name": "canceled", "message": "The generation was canceled; its credits were refunded."},
            "meta": {"usage": {"credits_used": 0}}}


class FakeClock:
    """Time that moves only when the client sleeps, so backoff is measured exactly and tests never wait."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        assert seconds >= 0
        self.sleeps.append(seconds)
        self.now += seconds

    async def asleep(self, seconds: float) -> None:
        self.sleep(seconds)


async def run(value: Any) -> Any:
    """Await ``value`` if the async twin returned a coroutine; hand it back as-is from the sync twin."""
    return await value if inspect.isawaitable(value) else value
