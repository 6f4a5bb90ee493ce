"""Shared pieces of the API tests: settings with test engines, keys, finishing jobs by hand, the error-shape check."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Sequence

import httpx

from orchestrion.config import ModelConfig, Settings
from orchestrion.engines import Engine, GenerationRequest, InvalidRequest
from orchestrion.jobs.keys import generate_key, new_key_id
from orchestrion.jobs.models import FileRef, Job
from orchestrion.jobs.store import JobStore
from orchestrion.storage.base import Storage

ERROR_KEYS = {"message", "path", "requestId", "statusCode", "timestamp"}
TONE = "tests.engines.tone:ToneEngine"


class PickyEngine(Engine):
    """A test-only engine with its own rules, to prove the API calls ``validate`` and names the field."""

    name = "test-picky"
    max_duration = 60.0

    def validate(self, request: GenerationRequest) -> None:
        super().validate(request)
        if request.params.get("key") == "B locrian":  # a key (the schema admits it) this engine will not play
            raise InvalidRequest("key", "'B locrian' is not a key this engine plays")

    def describe(self) -> dict[str, Any]:
        return {**super().describe(), "picky": True}

    def generate(self, requests: Sequence[GenerationRequest], progress: Any) -> list:
        raise NotImplementedError("never generates: the API tests only validate")


def make_settings(data_dir: Path, **overrides: Any) -> Settings:
    models = {
        "test/tone": ModelConfig(id="test/tone", engine=TONE, credits=2),
        "test/picky": ModelConfig(id="test/picky", engine="tests.unit.api.helpers:PickyEngine"),
        "test/missing": ModelConfig(id="test/missing", engine="no-such-engine"),
    }
    return Settings(
        data_dir=data_dir,
        models=models,
        aliases={"acme/tone-v2": "test/tone"},
        **overrides,
    )


def make_key(store: JobStore, name: str = "tests", quota: int | None = None) -> tuple[str, str]:
    """A new key as ``(plaintext, key_id)``."""
    plaintext, key_hash, prefix = generate_key()
    key_id = new_key_id()
    store.create_key(key_id=key_id, name=name, key_hash=key_hash, prefix=prefix, quota=quota)
    return plaintext, key_id


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def claim(store: JobStore, job_id: str, worker: str = "w-test") -> Job:
    """Claim exactly ``job_id`` (tests keep at most one job queued per engine model when they call this)."""
    job = store.get_job(job_id)
    assert job is not None
    claimed = store.claim_jobs(worker, [job.engine_model], limit=1, lease_seconds=60)
    assert [c.id for c in claimed] == [job_id], "the test expected this job to be next in its queue"
    return claimed[0]


def complete(
    store: JobStore,
    storage: Storage,
    job_id: str,
    *,
    audio: bytes = b"RIFF" + bytes(range(256)) * 40,
    extras: bool = True,
    worker: str = "w-test",
    audio_seconds: float = 5.0,
    engine_seconds: float = 0.25,
) -> list[FileRef]:
    """Finish ``job_id`` the way a worker does: claim, store files, complete with their refs."""
    claim(store, job_id, worker)
    refs = [_put(storage, f"{job_id}/output.wav", audio, "audio/wav", "audio")]
    if extras:
        refs.append(_put(storage, f"{job_id}/score.mid", b"MThd\x00\x00\x00\x06midi", "audio/midi", "midi"))
        refs.append(_put(storage, f"{job_id}/stems/strings.wav", b"RIFFstem" * 10, "audio/wav", "stem"))
    assert store.complete_job(
        job_id, worker, files=refs, audio_seconds=audio_seconds, engine_seconds=engine_seconds
    )
    return refs


def _put(storage: Storage, key: str, data: bytes, content_type: str, kind: str) -> FileRef:
    size = storage.put(key, data, content_type)
    return FileRef(key=key, file_name=key.rsplit("/", 1)[-1], content_type=content_type, file_size=size, kind=kind)


def assert_error(
    response: httpx.Response, status: int, contains: str | None = None, *, check_path: bool = True
) -> dict[str, Any]:
    """The response is a ``status`` answer with exactly the hosted API's error body; returns the body."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == ERROR_KEYS, body
    assert body["statusCode"] == status
    if check_path:
        assert body["path"] == response.request.url.path
    assert body["requestId"] and body["requestId"] == response.headers["x-request-id"]
    assert body["timestamp"].endswith("Z")
    stamp = datetime.fromisoformat(body["timestamp"].replace("Z", "+00:00"))
    assert stamp.tzinfo == timezone.utc
    assert abs((datetime.now(timezone.utc) - stamp).total_seconds()) < 60
    assert isinstance(body["message"], str) and body["message"]
    if contains is not None:
        assert contains in body["message"], body["message"]
    assert "Traceback" not in body["message"]
    return body
