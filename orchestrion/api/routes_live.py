"""``/v1/live``: live sessions over a WebSocket (docs/live.md).

The route authenticates (the handshake's ``Authorization`` header, or ``api_key`` in the ``setup`` message), admits
the session under the per-key and per-process limits, and then runs two tasks: one reads the client's messages into
the session (:class:`~orchestrion.engines.composer.live.LiveSession`), the other paces the session's chunks to real
time — a burst of ``live_lead_seconds``, then one chunk per 200 ms of wall time — and sends them with the state
changes that took effect in them. Rendering runs on a small thread pool (FluidSynth releases the GIL).

A client that stops reading is dropped: once a send has waited until its chunk is ``live_drop_seconds`` overdue,
the connection is aborted (a close frame could not reach it) and counted in ``orchestrion_live_sessions_dropped``.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable

import orjson
from fastapi import APIRouter, WebSocket
from starlette.websockets import WebSocketDisconnect

from ..config import Settings
from .errors import ApiError, BadRequest, TooManyRequests, Unauthorized, error_body
from .http_protocol import ABORT_EXTENSION
from .metrics import LiveMetrics

__all__ = ["LIVE_PATH", "LiveService", "router"]

LIVE_PATH = "/v1/live"
_CLOSE_POLICY, _CLOSE_TRY_LATER, _CLOSE_ERROR = 1008, 1013, 1011
_SEED_LIMIT = 2**32
_SETUP_FIELDS = {"api_key", "model", "seed"}
_CHUNK_SECONDS = 0.2

router = APIRouter()


class _Closing(Exception):
    """The session ends: the connection is closed (or aborted) already."""


class LiveService:
    """What every live session of this process shares: limits, SoundFonts and the rendering threads."""

    def __init__(self, settings: Settings, metrics: LiveMetrics) -> None:
        self.settings, self.metrics = settings, metrics
        self._by_key: dict[str, int] = {}
        self._total = 0
        self._soundfonts: dict[str, Any] = {}
        self._soundfont_lock = threading.Lock()
        threads = min(32, max(4, 2 * (os.cpu_count() or 1)))
        self.pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="live")
        # starting a piece (composing and mixing its first score, a new synthesizer) runs apart, so sessions that
        # are starting never hold up the chunks of those that play
        self.start_pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="live-start")

    def admit(self, key_id: str) -> None:
        """Count a session of ``key_id`` in, or raise :class:`TooManyRequests` (429)."""
        s = self.settings
        if self._total >= s.live_max_sessions:
            raise TooManyRequests(f"This server has {s.live_max_sessions} live sessions open, its limit; "
                                  "try again later.")
        if self._by_key.get(key_id, 0) >= s.live_max_sessions_per_key:
            raise TooManyRequests(f"This key has {s.live_max_sessions_per_key} live sessions open, its limit; "
                                  "close one first.")
        self._by_key[key_id] = self._by_key.get(key_id, 0) + 1
        self._total += 1

    def release(self, key_id: str) -> None:
        self._total -= 1
        left = self._by_key.get(key_id, 1) - 1
        if left:
            self._by_key[key_id] = left
        else:
            self._by_key.pop(key_id, None)

    def composer_models(self) -> list[str]:
        return [served for served in self.settings.served_ids()
                if (model := self.settings.resolve_model(served)) is not None and model.engine == "composer"]

    def soundfont(self, option: Any) -> Any:
        """The SoundFont a composer model names, loaded once per process (blocking: call it from a thread)."""
        from ..engines.composer.soundfont import SoundFont

        key = repr(option)
        with self._soundfont_lock:
            if key not in self._soundfonts:
                self._soundfonts[key] = SoundFont(option)
            return self._soundfonts[key]


def _model(service: LiveService, requested: Any) -> tuple[str, Any]:
    """The served id to report and the composer model behind it; :class:`BadRequest` otherwise."""
    settings = service.settings
    composers = service.composer_models()
    if requested is None:
        preferred = [m for m in composers if m in settings.models] or composers
        if not preferred:
            raise BadRequest("This server serves no composer model, so it offers no live sessions.")
        requested = preferred[0]
    if not isinstance(requested, str):
        raise BadRequest("setup.model must be a string naming a served composer model.")
    model = settings.resolve_model(requested)
    if model is None:
        raise BadRequest(f"setup.model {requested!r} is not served here; live models: {', '.join(composers)}.")
    if model.engine != "composer":
        raise BadRequest(f"setup.model {requested!r} cannot play live; live models: {', '.join(composers)}.")
    return requested, model


def _seed(value: Any) -> int:
    if value is None:
        return secrets.randbelow(_SEED_LIMIT)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < _SEED_LIMIT:
        raise BadRequest(f"setup.seed must be an integer from 0 to {_SEED_LIMIT - 1}.")
    return value


class _Connection:
    def __init__(self, websocket: WebSocket, service: LiveService) -> None:
        self.ws, self.service = websocket, service
        self.settings = service.settings
        self.request_id = uuid.uuid4().hex
        self.loop = asyncio.get_running_loop()
        self.wake = asyncio.Event()

    # -- frames ------------------------------------------------------------------------------------------------

    def _abort(self) -> None:
        abort: Callable[[], None] | None = self.ws.scope.get("extensions", {}).get(ABORT_EXTENSION)
        if abort is not None:
            abort()

    async def _send(self, frame: bytes | dict[str, Any], deadline: float | None = None) -> None:
        """Send one frame; a client that has not taken it by ``deadline`` (monotonic) is dropped."""
        timeout = (deadline if deadline is not None else time.monotonic() + self.settings.live_drop_seconds) \
            - time.monotonic()
        try:
            if isinstance(frame, bytes):
                await asyncio.wait_for(self.ws.send_bytes(frame), max(timeout, 0.001))
            else:
                await asyncio.wait_for(self.ws.send_text(orjson.dumps(frame).decode()), max(timeout, 0.001))
        except asyncio.TimeoutError:
            self.service.metrics.count(dropped=1)
            self._abort()
            raise _Closing from None
        except (WebSocketDisconnect, RuntimeError, OSError):
            raise _Closing from None

    async def _error(self, error: ApiError) -> None:
        await self._send({"error": error_body(error.status_code, error.message, LIVE_PATH, self.request_id)})

    async def _close(self, error: ApiError, code: int) -> None:
        try:
            await self._error(error)
            await asyncio.wait_for(self.ws.close(code), 2.0)
        except (_Closing, asyncio.TimeoutError, RuntimeError, OSError):
            self._abort()

    # -- the session -------------------------------------------------------------------------------------------

    async def run(self) -> None:
        await self.ws.accept()
        try:
            setup = await self._setup()
        except _Closing:
            return
        if setup is None:
            return
        key_id, session, model_id = setup
        metrics = self.service.metrics
        metrics.count(opened=1, started=1)
        try:
            await self._send({"setupComplete": {
                "session_id": f"live_{self.request_id}", "model": model_id, "seed": session.seed,
                "sample_rate": 48000, "channels": 2, "chunk_frames": session.chunk_frames}})
            reader = asyncio.create_task(self._read(session))
            player = asyncio.create_task(self._play(session))
            done, pending = await asyncio.wait({reader, player}, return_when=asyncio.FIRST_COMPLETED)
            for task in pending:
                task.cancel()
            for task in {reader, player}:
                try:
                    await task
                except (_Closing, asyncio.CancelledError):
                    pass
                except Exception:  # the session failed: say so, and close
                    await self._close(ApiError("The live session failed; start a new one."), _CLOSE_ERROR)
                    raise
        except _Closing:
            pass
        finally:
            metrics.count(opened=-1)
            self.service.release(key_id)
            await self.loop.run_in_executor(self.service.pool, session.close)

    async def _setup(self) -> tuple[str, Any, str] | None:
        header = self.ws.headers.get("authorization")
        try:
            message = await asyncio.wait_for(self.ws.receive(), self.settings.live_setup_timeout_seconds)
        except asyncio.TimeoutError:
            message = None
        if message is not None and message["type"] == "websocket.disconnect":
            return None
        body: Any = None
        if message is not None and message.get("text") is not None:
            try:
                body = orjson.loads(message["text"])
            except orjson.JSONDecodeError:
                body = None
        setup = body.get("setup") if isinstance(body, dict) and len(body) == 1 else None
        if not isinstance(setup, dict):
            if header is None:
                await self._close(Unauthorized("Missing API key: send 'Authorization: Bearer <key>' on the handshake "
                                               "or api_key in the setup message, first, within "
                                               f"{self.settings.live_setup_timeout_seconds:g} s."), _CLOSE_POLICY)
            else:
                await self._close(BadRequest("The first message must be {\"setup\": {...}}, sent within "
                                             f"{self.settings.live_setup_timeout_seconds:g} s of connecting."),
                                  _CLOSE_POLICY)
            return None
        api_key = setup.get("api_key")
        if header is None:
            header = f"Bearer {api_key}" if isinstance(api_key, str) and api_key else None
        ctx = self.ws.app.state.orchestrion
        try:
            key = await ctx.read(ctx.auth.authenticate, header)
        except ApiError as error:
            await self._close(error, _CLOSE_POLICY)
            return None
        try:
            unknown = sorted(set(setup) - _SETUP_FIELDS)
            if unknown:
                raise BadRequest(f"setup.{unknown[0]} is not a setup field; fields are api_key, model and seed.")
            model_id, model = _model(self.service, setup.get("model"))
            seed = _seed(setup.get("seed"))
        except ApiError as error:
            await self._close(error, _CLOSE_POLICY)
            return None
        try:
            self.service.admit(key.id)
        except TooManyRequests as error:
            await self._close(error, _CLOSE_TRY_LATER)
            return None
        try:
            session = await self.loop.run_in_executor(self.service.pool, self._session, model, seed)
        except Exception:
            self.service.release(key.id)
            await self._close(ApiError("The composer could not start a live session here; see the server log."),
                              _CLOSE_ERROR)
            raise
        return key.id, session, model_id

    def _session(self, model: Any, seed: int) -> Any:
        from ..engines.composer.live import LiveSession

        return LiveSession(self.service.soundfont(model.options.get("soundfont")), seed)

    async def _read(self, session: Any) -> None:
        from ..engines.composer.live import LiveMessageError

        while True:
            message = await self.ws.receive()
            if message["type"] == "websocket.disconnect":
                return
            text = message.get("text")
            try:
                if text is None:
                    raise BadRequest("Binary messages are not accepted; send JSON text messages.")
                try:
                    body = orjson.loads(text)
                except orjson.JSONDecodeError:
                    raise BadRequest("A message must be JSON text: an object with one key.") from None
                try:
                    session.submit(body)
                except LiveMessageError as exc:
                    raise BadRequest(str(exc)) from None
            except BadRequest as error:
                await self._error(error)
                continue
            self.wake.set()

    async def _play(self, session: Any) -> None:
        lead = self.settings.live_lead_seconds
        drop = self.settings.live_drop_seconds
        start: float | None = None  # wall time at which the first chunk since play began to play
        sent = 0
        pool, metrics = self.service.pool, self.service.metrics
        while True:
            if session.pending_transport:
                chunk = await self.loop.run_in_executor(self.service.start_pool, session.step, False)
                for state in chunk.states:
                    await self._send(state)
                if chunk.pcm is not None:  # the fade that ends the music at a pause or stop, after what was sent
                    await self._send(chunk.pcm)
                if not session.playing:
                    start = None
                continue
            if not session.playing:
                self.wake.clear()
                if not session.pending_transport:
                    await self.wake.wait()
                continue
            now = time.monotonic()
            if start is not None:
                wait = start + sent * _CHUNK_SECONDS - lead - now
                if wait > 0:
                    self.wake.clear()
                    try:
                        await asyncio.wait_for(self.wake.wait(), wait)
                    except asyncio.TimeoutError:
                        pass
                    continue
            if start is None:
                # the burst is rendered before its first chunk is sent: the client starts playing on that chunk,
                # so a slow start (a new style to compose, samples to load) delays the music, not a later chunk
                burst = []
                while len(burst) < max(1, round(lead / _CHUNK_SECONDS)) and session.playing \
                        and not session.pending_transport:
                    burst.append(await self.loop.run_in_executor(pool, session.step))
                start, sent = time.monotonic(), 0
                for chunk in burst:
                    for state in chunk.states:
                        await self._send(state)
                    if chunk.pcm is not None:
                        await self._send(chunk.pcm, deadline=start + sent * _CHUNK_SECONDS + drop)
                        sent += 1
                if not sent:
                    start = None
                continue
            chunk = await self.loop.run_in_executor(pool, session.step)
            for state in chunk.states:
                await self._send(state)
            if chunk.pcm is None:
                continue
            now = time.monotonic()
            due = start + sent * _CHUNK_SECONDS
            if now > due:  # the client ran out of audio: it plays this chunk late, and on from there
                metrics.count(underruns=1)
                start = now - sent * _CHUNK_SECONDS
                due = now
            await self._send(chunk.pcm, deadline=due + drop)
            sent += 1


@router.websocket(LIVE_PATH)
async def live(websocket: WebSocket) -> None:
    await _Connection(websocket, websocket.app.state.live).run()
