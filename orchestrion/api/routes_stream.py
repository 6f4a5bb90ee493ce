"""``GET /v2/generate/audio/stream?generation_id=ID`` (an extension): a generation's audio as it renders.

The answer is the track's WAV file, sent with chunked transfer as the worker stores its pieces
(:mod:`orchestrion.workers.streaming`): the header first (it carries the track's length), then the samples, the
first of them a fraction of a second after the POST. Once the generation is completed the rest comes from the
finished file, which the pieces equal byte for byte; an engine that makes its track whole (a loop, an edit, a
neural engine) streams the finished file when it is there, in its own format. A generation that ends in an error
before any audio answers 409 with its error; one that fails mid-stream ends the body early (the WAV header's length
says how much was due).
"""

from __future__ import annotations

import asyncio
import time
from typing import Any, AsyncIterator

import anyio
from fastapi import APIRouter, Depends, Query, Request
from starlette.responses import StreamingResponse

from ..engines import sample_count
from ..jobs.models import ApiKey, Job, JobStatus
from ..storage import Storage
from ..workers.streaming import stream_key
from .context import ApiContext, api_context
from .errors import BadRequest, Conflict, GatewayTimeout, NotFound, ServiceUnavailable
from .routes_generate import authenticated_key, generation_id_query
from .spec import BEARER_SECURITY, error_responses

__all__ = ["router"]

router = APIRouter(tags=["generation"])

#: How often a stream looks for the next piece, and how often it reads the job while none comes.
_POLL_SECONDS, _JOB_SECONDS = 0.01, 0.1
#: The longest a stream waits for its generation to start (the hosted client gives up after 600 s).
_WAIT_SECONDS = 600.0
_READ_BYTES = 1 << 16


def _read(storage: Storage, key: str, start: int = 0) -> bytes | None:
    """The file under ``key`` from byte ``start`` (None when there is none, or it went while being read)."""
    try:
        with storage.open(key, start) as handle:
            return handle.read()
    except FileNotFoundError:
        return None


def _audio_file(job: Job, sample: int) -> Any:
    return next((f for f in job.files if f.kind == "audio" and f.sample == sample), None)


class _Follower:
    """Reads one sample's pieces in order, keeping an eye on its job."""

    def __init__(self, ctx: ApiContext, job: Job, key_id: str, sample: int) -> None:
        self.ctx, self.job, self.key_id, self.sample = ctx, job, key_id, sample
        self.piece = 0
        self.sent = 0
        self.checked = time.monotonic()

    async def refresh(self) -> Job:
        now = time.monotonic()
        if now - self.checked >= _JOB_SECONDS:
            self.checked = now
            self.job = await self.ctx.read(self.ctx.store.get_job, self.job.id, self.key_id) or self.job
        return self.job

    async def next_piece(self) -> bytes | None:
        key = stream_key(self.job.id, self.sample, self.piece)
        data = await anyio.to_thread.run_sync(_read, self.ctx.storage, key)
        if data is not None:
            self.piece += 1
            self.sent += len(data)
        return data


@router.get(
    "/v2/generate/audio/stream",
    summary="Stream a generation's audio as it renders (extension)",
    responses={200: {"description": "The track's WAV file (its header first), sent as it renders; an engine that "
                                    "makes its track whole sends the finished file, in its format.",
                     "content": {"audio/wav": {}}},
               **error_responses(400, 401, 403, 404, 409, 429, 503, 504)},
    response_class=StreamingResponse,
    openapi_extra={"security": BEARER_SECURITY},
)
async def stream_generation(
    request: Request,
    key: ApiKey = Depends(authenticated_key),
    generation_id: str = generation_id_query(),
    sample: int = Query(0, ge=0, le=63, description="Which sample of a several-sample generation (0 = the first)."),
) -> StreamingResponse:
    """The generation's audio as it renders: the first bytes a fraction of a second after the POST, the rest as
    fast as it is made, equal to the finished file. Waits (up to 600 s) while the generation is queued."""
    ctx = api_context(request)
    job = await ctx.read(ctx.store.get_job, generation_id, key.id)
    if job is None:
        raise NotFound("Generation not found.")
    count = sample_count(job.params)
    if sample >= count:
        raise BadRequest(f"sample: this generation has {count} sample{'s' if count > 1 else ''}; ask for 0 to "
                         f"{count - 1}")
    follower = _Follower(ctx, job, key.id, sample)
    deadline = time.monotonic() + _WAIT_SECONDS
    while True:  # the answer's status is decided by what comes first: a piece, the finished file or an error
        first = await follower.next_piece()
        if first is not None:
            return _answer(follower, "audio/wav", _pieces(follower, first))
        job = await follower.refresh()
        if job.status is JobStatus.COMPLETED:
            file = _audio_file(job, sample)
            if file is None:
                raise Conflict("The generation completed without audio.")
            return _answer(follower, file.content_type, _file(ctx.storage, file.key, 0))
        if job.status.is_terminal:
            raise Conflict(_ended(job))
        if await request.is_disconnected():
            raise Conflict("The client went away.")
        if ctx.stopping:
            raise ServiceUnavailable("The server is stopping; stream the generation again in a moment.",
                                     headers={"Retry-After": "5"})
        if time.monotonic() > deadline:
            raise GatewayTimeout("The generation did not start within 600 s; poll it, or stream it again later.")
        await asyncio.sleep(_POLL_SECONDS)


def _ended(job: Job) -> str:
    if job.status is JobStatus.CANCELED:
        return "The generation was canceled before any audio was made."
    return f"The generation failed before any audio was made: {job.error_message or job.error_name or 'unknown'}"


def _answer(follower: _Follower, media_type: str, body: AsyncIterator[bytes]) -> StreamingResponse:
    return StreamingResponse(body, media_type=media_type,
                             headers={"Cache-Control": "no-store", "X-Generation-Id": follower.job.id})


async def _pieces(follower: _Follower, first: bytes) -> AsyncIterator[bytes]:
    # the WAV header of the first piece says how long the whole file is
    size = int.from_bytes(first[4:8], "little") + 8 if first[:4] == b"RIFF" else None
    yield first
    while True:
        data = await follower.next_piece()
        if data is not None:
            yield data
            continue
        job = await follower.refresh()
        if job.status is JobStatus.COMPLETED:
            file = _audio_file(job, follower.sample)
            if file is not None and file.content_type == "audio/wav" and follower.sent < file.file_size:
                # the pieces were cleared once the finished file was stored: it holds the rest, byte for byte
                async for chunk in _file(follower.ctx.storage, file.key, follower.sent):
                    yield chunk
            elif size is not None and follower.sent < size:
                # stored in another format, which cannot stand in for the rest of the WAV: its pieces are kept a
                # while for readers like this one (the worker's PIECES_KEPT_SECONDS), and this one came too late
                raise _StreamBroken(f"generation {job.id}: the stream's pieces were deleted before it was read")
            return
        if job.status.is_terminal:
            raise _StreamBroken(f"generation {job.id} ended {job.status.value} mid-stream")
        await asyncio.sleep(_POLL_SECONDS)


async def _file(storage: Storage, key: str, start: int) -> AsyncIterator[bytes]:
    handle = await anyio.to_thread.run_sync(storage.open, key, start)
    try:
        while chunk := await anyio.to_thread.run_sync(handle.read, _READ_BYTES):
            yield chunk
    finally:
        handle.close()


class _StreamBroken(Exception):
    """Raised inside a started body: the server closes the connection without ending the chunked body, so the
    client sees the stream was cut short rather than a short file."""
