"""Upstream: forward generations to another server speaking the ``/v2/generate/audio`` protocol.

That server may be the hosted AI/ML API (real Lyria 2 with the operator's key) or another Orchestrion. The local
worker creates the remote generation, polls it with backoff, downloads the finished file and decodes it, so the
audio is stored and served locally like any other engine's: clients keep one history, one set of keys and links.

A batch is forwarded as concurrent remote generations (created first, then polled together), so ``max_batch``
(default 8) is how many remote jobs one worker keeps in flight. Remote answers map onto our error shape::

    create: 400/404/413/422 ─► EngineError "upstream refused the request (HTTP n): <remote message>"
            401/403 ────────► EngineError "upstream rejected the operator's key (HTTP n): <remote message>"
            429/5xx/network ► retried with backoff until ``create_timeout``, then EngineError "upstream unavailable"
    poll:   status error ───► EngineError "upstream generation <id> failed: <remote error name>: <message>"
            past ``timeout`` ► EngineError "upstream generation <id> did not finish within N s"
    download/decode fails ─► EngineError saying which

Only the standard fields (``model``, ``prompt``, ``negative_prompt``, ``seed``) are sent unless
``extensions = true``, which also forwards ``duration``, ``bpm``, ``key`` and ``loop`` (for an Orchestrion upstream;
the hosted API refuses fields it does not know).
"""

from __future__ import annotations

import io
import os
import time
from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

import httpx
import numpy as np

from ._neural import OUTPUT_CHANNELS, OUTPUT_RATE, conform_audio
from .base import (Engine, EngineError, EngineUnavailable, GenerationRequest, GenerationResult, InvalidRequest,
                   ProgressCallback)

__all__ = ["UpstreamEngine"]

TERMINAL = {"completed", "error", "failed"}
RETRY_STATUS = {408, 425, 429, 500, 502, 503, 504}


@dataclass
class _Remote:
    """One forwarded request and what is known of it."""

    index: int
    request: GenerationRequest
    id: str | None = None
    outcome: GenerationResult | BaseException | None = None
    polls: int = 0
    last: dict[str, Any] = field(default_factory=dict)


class UpstreamEngine(Engine):
    """``engine = "upstream"``. Options: ``base_url`` (required), ``api_key`` or ``api_key_env`` (the variable
    holding it), ``remote_model`` (default: the served id), ``extensions`` (false), ``max_batch`` (8),
    ``poll_interval`` (1 s, first wait), ``max_poll_interval`` (10 s), ``timeout`` (900 s per generation),
    ``create_timeout`` (60 s of retries), ``request_timeout`` (30 s per HTTP call), ``max_duration`` (300)."""

    name = "upstream"
    max_batch = 8
    min_duration = 1.0
    max_duration = 300.0

    def __init__(self, options: Mapping[str, Any] | None = None) -> None:
        super().__init__(options)
        base_url = self.options.get("base_url")
        if not isinstance(base_url, str) or not base_url.startswith(("http://", "https://")):
            raise EngineUnavailable('the upstream engine needs base_url = "https://…" in its model table')
        self.base_url = base_url.rstrip("/")
        self.remote_model = self.options.get("remote_model")
        self.extensions = bool(self.options.get("extensions", False))
        self.poll_interval = float(self.options.get("poll_interval", 1.0))
        self.max_poll_interval = float(self.options.get("max_poll_interval", 10.0))
        self.timeout = float(self.options.get("timeout", 900.0))
        self.create_timeout = float(self.options.get("create_timeout", 60.0))
        self.request_timeout = float(self.options.get("request_timeout", 30.0))
        self.max_duration = float(self.options.get("max_duration", self.max_duration))
        self.output_rate = int(self.options.get("sample_rate", OUTPUT_RATE))
        self.output_channels = int(self.options.get("channels", OUTPUT_CHANNELS))
        self._client: httpx.Client | None = None

    # -- configuration -----------------------------------------------------------------------------------------
    def api_key(self) -> str:
        key = self.options.get("api_key")
        env_name = self.options.get("api_key_env")
        if not key and env_name:
            key = os.environ.get(str(env_name))
            if not key:
                raise EngineUnavailable(f"the upstream key variable {env_name} is not set")
        if not key:
            raise EngineUnavailable("the upstream engine needs api_key or api_key_env in its model table")
        return str(key)

    def validate(self, request: GenerationRequest) -> None:
        self.api_key()
        super().validate(request)
        if not request.prompt.strip():
            raise InvalidRequest("prompt", "must not be empty")

    def describe(self) -> dict[str, Any]:
        try:
            self.api_key()
            reason = ""
        except EngineUnavailable as exc:
            reason = str(exc)
        return {**super().describe(), "available": not reason, "unavailable_reason": reason,
                "upstream": self.base_url, "remote_model": self.remote_model}

    def load(self) -> None:
        if self._client is None:
            self._client = httpx.Client(base_url=self.base_url, timeout=self.request_timeout,
                                        headers={"Authorization": f"Bearer {self.api_key()}",
                                                 "User-Agent": "orchestrion-upstream"})

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    # -- generation --------------------------------------------------------------------------------------------
    def generate(self, requests: Sequence[GenerationRequest],
                 progress: ProgressCallback) -> list[GenerationResult | BaseException]:
        self.load()
        remotes = [_Remote(index=i, request=r) for i, r in enumerate(requests)]
        for remote in remotes:
            try:
                remote.id = self._create(remote.request)
                progress(remote.index, 0.05)
            except EngineError as exc:
                remote.outcome = exc
        self._poll_all([r for r in remotes if r.outcome is None], progress)
        return [r.outcome if r.outcome is not None else EngineError("upstream returned nothing") for r in remotes]

    def _body(self, request: GenerationRequest) -> dict[str, Any]:
        body: dict[str, Any] = {"model": self.remote_model or request.model, "prompt": request.prompt,
                                "seed": int(request.seed)}
        if request.negative_prompt:
            body["negative_prompt"] = request.negative_prompt
        if self.extensions:
            body["duration"] = float(request.duration)
            for name in ("bpm", "key", "loop"):
                if request.params.get(name) is not None:
                    body[name] = request.params[name]
        return body

    def _create(self, request: GenerationRequest) -> str:
        deadline = time.monotonic() + self.create_timeout
        wait = self.poll_interval
        while True:
            try:
                response = self._http().post("/v2/generate/audio", json=self._body(request))
            except httpx.HTTPError as exc:
                problem = f"{type(exc).__name__}: {exc}"
            else:
                if response.status_code < 300:
                    generation_id = _json(response).get("id")
                    if not isinstance(generation_id, str) or not generation_id:
                        raise EngineError(f"upstream answered HTTP {response.status_code} without a generation id")
                    return generation_id
                message = _remote_message(response)
                if response.status_code in (401, 403):
                    raise EngineError(f"upstream rejected the operator's key (HTTP {response.status_code}): "
                                      f"{message}")
                if response.status_code not in RETRY_STATUS:
                    raise EngineError(f"upstream refused the request (HTTP {response.status_code}): {message}")
                problem = f"HTTP {response.status_code}: {message}"
                retry_after = _retry_after(response)
                if retry_after is not None:
                    wait = max(wait, retry_after)
            if time.monotonic() + wait > deadline:
                raise EngineError(f"upstream unavailable at {self.base_url} ({problem})")
            time.sleep(wait)
            wait = min(wait * 2, self.max_poll_interval)

    def _poll_all(self, remotes: list[_Remote], progress: ProgressCallback) -> None:
        deadline = time.monotonic() + self.timeout
        wait = self.poll_interval
        pending = list(remotes)
        while pending:
            time.sleep(min(wait, max(0.0, deadline - time.monotonic())))
            for remote in list(pending):
                self._poll_once(remote, progress)
                if remote.outcome is not None:
                    pending.remove(remote)
            if pending and time.monotonic() >= deadline:
                for remote in pending:
                    remote.outcome = EngineError(
                        f"upstream generation {remote.id} did not finish within {self.timeout:g} s "
                        f"(last status: {remote.last.get('status', 'unknown')})")
                return
            # Long generations are polled ever more rarely, up to max_poll_interval.
            wait = min(wait * 1.5, self.max_poll_interval)

    def _poll_once(self, remote: _Remote, progress: ProgressCallback) -> None:
        try:
            response = self._http().get("/v2/generate/audio", params={"generation_id": remote.id})
        except httpx.HTTPError:
            return  # a dropped poll is retried on the next round; the deadline bounds the whole wait
        remote.polls += 1
        if response.status_code in RETRY_STATUS:
            return
        if response.status_code >= 300:
            remote.outcome = EngineError(f"upstream lost generation {remote.id} (HTTP {response.status_code}): "
                                         f"{_remote_message(response)}")
            return
        try:
            body = _json(response)
        except EngineError as exc:  # one garbled answer fails its own generation, not the whole batch
            remote.outcome = exc
            return
        remote.last = body
        status = body.get("status")
        if isinstance(body.get("progress"), (int, float)):
            progress(remote.index, 0.05 + 0.8 * min(1.0, float(body["progress"]) / 100))
        if status not in TERMINAL:
            return
        if status != "completed":
            error = _mapping(body.get("error"))
            remote.outcome = EngineError(f"upstream generation {remote.id} failed: "
                                         f"{error.get('name', 'error')}: {error.get('message', 'no message')}")
            return
        try:
            remote.outcome = self._download(remote, body)
        except EngineError as exc:
            remote.outcome = exc

    def _download(self, remote: _Remote, body: Mapping[str, Any]) -> GenerationResult:
        import soundfile

        audio_file = _mapping(body.get("audio_file"))
        url = audio_file.get("url")
        if not url:
            raise EngineError(f"upstream generation {remote.id} completed without an audio file")
        try:
            # The link is signed and works without our key (and may live on another host, like a CDN).
            response = httpx.get(url, timeout=self.request_timeout, follow_redirects=True)
            response.raise_for_status()
        except httpx.HTTPError as exc:
            raise EngineError(f"downloading upstream audio for {remote.id} failed: {exc}") from exc
        try:
            data, rate = soundfile.read(io.BytesIO(response.content), dtype="float32", always_2d=True)
        except (RuntimeError, soundfile.LibsndfileError) as exc:
            raise EngineError(f"upstream audio for {remote.id} could not be decoded "
                              f"({audio_file.get('content_type', 'unknown type')}): {exc}") from exc
        audio = conform_audio(np.asarray(data), int(rate), rate=self.output_rate, channels=self.output_channels)
        return GenerationResult(audio=audio, sample_rate=self.output_rate, info={
            "engine": self.name, "upstream": self.base_url, "upstream_id": remote.id,
            "upstream_model": body.get("model") or self.remote_model, "upstream_seed": body.get("seed"),
            "upstream_sample_rate": int(rate), "polls": remote.polls,
            "upstream_credits": ((body.get("meta") or {}).get("usage") or {}).get("credits_used"),
        })

    def _http(self) -> httpx.Client:
        if self._client is None:
            self.load()
        assert self._client is not None
        return self._client


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        raise EngineError(f"upstream answered HTTP {response.status_code} with a body that is not JSON") from None
    if not isinstance(body, dict):
        raise EngineError(f"upstream answered HTTP {response.status_code} with unexpected JSON")
    return body


def _mapping(value: Any) -> Mapping[str, Any]:
    # A remote that answers a string (or a list) where an object belongs gets its defaults, not an AttributeError.
    return value if isinstance(value, dict) else {}


def _remote_message(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:300] or response.reason_phrase
    if isinstance(body, dict):
        message = body.get("message") or body.get("detail") or body.get("error")
        if message:
            return str(message)[:500]
    return str(body)[:300]


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after")
    try:
        return min(float(value), 60.0) if value else None
    except ValueError:
        return None
