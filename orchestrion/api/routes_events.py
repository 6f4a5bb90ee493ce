"""``GET /v2/generate/audio/events?generation_id=ID``: a generation's live status as server-sent events (extension).

Each event is the generation in the shape the poll answers (status, ``progress`` 0-100, ``queue_position``, and the
file links once completed), sent whenever one of those changes, with no ``event:`` name so ``onmessage`` sees it.
The stream ends after the terminal status; between events a comment line keeps proxies from closing it.

Event ids name the state they carry (``generating-40``), so a client reconnecting with ``Last-Event-ID`` is not sent
the state it already has: it hears of the next change, or nothing more if that state was the last. The stream reads
the store a few times a second (a WAL read or an indexed lookup, cheap for either store) rather than subscribing, so
it works the same whichever process or machine runs the worker.

Browsers' ``EventSource`` cannot send an ``Authorization`` header, and keys never go in URLs here, so browser code
reads this stream with ``fetch()`` and a reader instead (as the playground does).
"""

from __future__ import annotations

import asyncio
import time
from typing import Any, AsyncIterator

import orjson
from fastapi import APIRouter, Depends, Request
from starlette.responses import StreamingResponse

from ..jobs.models import ApiKey, Job, JobStatus
from .context import ApiContext, api_context
from .errors import NotFound
from .presenting import present
from .routes_generate import authenticated_key, generation_id_query
from .spec import BEARER_SECURITY, error_responses

__all__ = ["EVENT_SCHEMA", "GONE_MESSAGE", "router", "state_id"]

router = APIRouter(tags=["generation"])

#: How often the stream reads the generation.
POLL_SECONDS = 0.2
#: Reconnection delay suggested to clients (milliseconds, the SSE ``retry:`` field).
RETRY_MS = 2000

#: The message of the ``gone`` event.
GONE_MESSAGE = "The generation no longer exists."

_EVENT_STREAM_DOC = (
    f"A stream of server-sent events, one per change, until the generation ends. It opens with `retry: {RETRY_MS}` "
    "(the reconnection delay, ms) and carries `: keep-alive` comment lines while nothing changes. Events:\n\n"
    "- unnamed (`message`, what `onmessage` receives): `id` names the state (`generating-40`, `queued-0-q3`; "
    "send it back as `Last-Event-ID` to resume) and `data` is the generation as JSON, in the shape "
    "`GET /v2/generate/audio` answers (`GenerationOut`) with `queue_position` always present. The last one has "
    "status `completed`, `error` or `canceled`, and the stream then ends.\n"
    "- `gone`: the generation was deleted (retention) while the stream was open; `data` is "
    "`{\"message\": \"…\"}`, and the stream ends.\n\n"
    f"```\nretry: {RETRY_MS}\n\n"
    "id: generating-40\ndata: {\"id\": \"…\", \"status\": \"generating\", \"progress\": 40, …}\n\n"
    "event: gone\ndata: {\"message\": \"The generation no longer exists.\"}\n\n```\n"
    "The `schema` describes one event, as the fields an SSE parser reads (`event`, `id`, `data`), with `data`'s "
    "JSON as its `contentSchema`."
)


def _json_data(schema: dict[str, Any]) -> dict[str, Any]:
    return {"type": "string", "contentMediaType": "application/json", "contentSchema": schema}


#: One event of the stream, as an SSE parser reads it (OpenAPI 3.1 has a text/event-stream ``schema`` describe each
#: event; ``data`` is a JSON text, its shape the ``contentSchema``).
EVENT_SCHEMA: dict[str, Any] = {
    "oneOf": [
        {
            "title": "GenerationEvent",
            "type": "object",
            "required": ["data"],
            "properties": {
                "event": {"const": "message"},
                "id": {"type": "string", "pattern": f"^(?:{'|'.join(s.value for s in JobStatus)})-[0-9]+(?:-q[0-9]+)?$",
                       "description": "The state this event carries: status, progress and queue position."},
                "data": _json_data({"$ref": "#/components/schemas/GenerationOut"}),
            },
        },
        {
            "title": "GoneEvent",
            "type": "object",
            "required": ["event", "data"],
            "properties": {
                "event": {"const": "gone"},
                "data": _json_data({"type": "object", "required": ["message"],
                                    "properties": {"message": {"type": "string"}}}),
            },
        },
    ],
}


def state_id(job: Job, queue_position: int | None) -> str:
    progress = 100 if job.status is JobStatus.COMPLETED else max(0, min(100, int(job.progress * 100)))
    suffix = f"-q{queue_position}" if queue_position is not None else ""
    return f"{job.status.value}-{progress}{suffix}"


@router.get(
    "/v2/generate/audio/events",
    summary="Follow a generation live (server-sent events; extension)",
    response_class=StreamingResponse,
    responses={200: {"description": _EVENT_STREAM_DOC, "content": {"text/event-stream": {"schema": EVENT_SCHEMA}}},
               **error_responses(400, 401, 403, 404, 429, 503)},
    openapi_extra={"security": BEARER_SECURITY, "parameters": [
        {"name": "Last-Event-ID", "in": "header", "required": False,
         "description": "The id of the last event received, to resume without hearing it again.",
         "schema": {"type": "string"}}]},
)
async def generation_events(
    request: Request,
    key: ApiKey = Depends(authenticated_key),
    generation_id: str = generation_id_query(),
) -> StreamingResponse:
    """Status, progress and queue position as they change, until `completed`, `error` or `canceled`. Authorise with
    the `Authorization: Bearer` header (in browsers: `fetch()` with a stream reader, since `EventSource` cannot
    send headers)."""
    ctx = api_context(request)
    job = await ctx.read(ctx.store.get_job, generation_id, key.id)
    if job is None:
        raise NotFound("Generation not found.")
    last_event_id = request.headers.get("last-event-id")
    return StreamingResponse(
        _events(ctx, ctx.base_url(request), generation_id, key.id, last_event_id),
        media_type="text/event-stream",
        # No buffering by proxies (nginx honours X-Accel-Buffering), no caching of a live stream.
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


async def _events(ctx: ApiContext, base_url: str, job_id: str, key_id: str,
                  last_event_id: str | None) -> AsyncIterator[bytes]:
    yield f"retry: {RETRY_MS}\n\n".encode()
    sent = last_event_id
    quiet_since = time.monotonic()
    keepalive = max(0.5, ctx.settings.sse_keepalive_seconds)
    while True:
        job = await ctx.read(ctx.store.get_job, job_id, key_id)
        if job is None:
            # Swept by retention while someone watched: say so rather than hang up silently.
            yield b"event: gone\ndata: " + orjson.dumps({"message": GONE_MESSAGE}) + b"\n\n"
            return
        answer = await present(ctx, base_url, job)
        answer.setdefault("queue_position", None)
        event_id = state_id(job, answer["queue_position"])
        if event_id != sent:
            yield b"id: " + event_id.encode() + b"\ndata: " + orjson.dumps(answer) + b"\n\n"
            sent = event_id
            quiet_since = time.monotonic()
        if job.status.is_terminal or ctx.stopping:  # a stopping server ends the stream: the client reconnects
            return
        if time.monotonic() - quiet_since >= keepalive:
            yield b": keep-alive\n\n"
            quiet_since = time.monotonic()
        await asyncio.sleep(POLL_SECONDS)
