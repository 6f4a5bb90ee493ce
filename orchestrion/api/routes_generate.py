"""``POST /v2/generate/audio`` (create), ``GET /v2/generate/audio?generation_id=ID`` (poll): the seed protocol; and
``DELETE`` of the same (cancel), an extension.

Creation validates in three steps (schema, served model, the engine's own ``validate``), asks the engine how much
audio the request makes (``audio_seconds``: the price, and what the per-request cap and the key's budget of queued
audio count), then the store admits and charges the job. The POST's extensions ride on headers the hosted API does not send, so its answers are unchanged
for hosted clients: ``Idempotency-Key`` (the store's unique constraint makes concurrent retries create one job) and
``Prefer: wait=N`` (answer with the finished generation when it ends within N seconds). Polling is the hot path:
the key lookup is cached, the job read runs directly on the event loop (a SQLite WAL reader blocks nobody) and the
answer is a dict serialised by orjson.
"""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import logging
import re
import secrets
import time
import uuid
from typing import Any
from urllib.parse import quote

import orjson
from fastapi import APIRouter, Depends, Query, Request
from pydantic import ValidationError
from starlette.responses import Response

from ..engines import EngineError, EngineUnavailable, InvalidRequest, OverLimit, UnsupportedInput
from ..jobs.models import WEBHOOK_EVENTS, ApiKey, Job, NewJob
from ..logs import log_event
from ..webhooks.addresses import AddressNotAllowed, check_webhook_url
from ..workers.messages import redact
from .context import ApiContext, api_context, json_response
from .errors import (
    BadRequest,
    NotFound,
    PayloadTooLarge,
    ServiceUnavailable,
    UnsupportedMediaType,
    validation_message,
)
from .middleware import REQUEST_ID_SCOPE
from .presenting import present
from .schemas import (
    SEED_MAX,
    CancelOut,
    GenerateAudioRequest,
    GenerationCreated,
    GenerationOut,
)
from ..storage.results import input_prefix
from .sources import gather_sources, store_uploads
from .spec import BEARER_SECURITY, error_responses
from .views import created_view

__all__ = ["authenticated_key", "router", "submit", "wait_until_done"]

log = logging.getLogger("orchestrion.api")
router = APIRouter(tags=["generation"])

#: Generation ids are "<uuid4>:<short name>"; anything much longer cannot exist, so it is not worth a query.
MAX_GENERATION_ID = 256
#: Parameters beyond the hosted API's that are stored only when the client sent them.
_OPTIONAL_PARAMS = ("duration", "bpm", "key", "loop", "stems", "chords", "bars_per_chord", "time_signature",
                    "instruments")
_IDEMPOTENCY_KEY = re.compile(r"^[\x21-\x7e]{1,255}$")
_PREFER_WAIT = re.compile(r"(?:^|[,;])\s*wait\s*=\s*\"?(\d{1,6}(?:\.\d+)?)\"?\s*(?=$|[,;])", re.IGNORECASE)

_HEADER_PARAMETERS = [
    {"name": "Idempotency-Key", "in": "header", "required": False,
     "description": "Extension: the same key and body within 24 h return the same generation (no second charge); "
                    "the same key with another body answers 409.",
     "schema": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[!-~]+$"}},
    {"name": "Prefer", "in": "header", "required": False,
     "description": "Extension: `wait=N` (N up to 60 s) answers with the finished generation (the GET shape, with "
                    "`Preference-Applied`) if it ends within N seconds, else the queued answer with `Location`.",
     "schema": {"type": "string"}},
]


async def authenticated_key(request: Request) -> ApiKey:
    # async: a plain function dependency would be sent to the thread pool, a needless hop on the poll path.
    ctx = api_context(request)
    return await ctx.read(ctx.authenticate, request)


# -- create ------------------------------------------------------------------------------------------------------
@router.post(
    "/v2/generate/audio",
    summary="Create a generation",
    response_model=GenerationCreated | GenerationOut,
    responses=error_responses(400, 401, 403, 404, 409, 410, 413, 415, 429, 503),
    openapi_extra={
        "security": BEARER_SECURITY,
        "parameters": _HEADER_PARAMETERS,
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/GenerateAudioRequest"}}},
        }
    },
)
async def create_generation(request: Request) -> Response:
    """Queue a generation. Answers its id at once; poll `GET /v2/generate/audio?generation_id=ID` for the result
    (or send `Prefer: wait=N` to get the finished generation in this answer)."""
    ctx = api_context(request)
    key = await ctx.read(ctx.authenticate, request)
    body = await request.body()
    if not body.strip():
        raise BadRequest("Request body is required: a JSON object with at least model and prompt.")
    try:
        payload = GenerateAudioRequest.model_validate_json(body)
    except ValidationError as exc:
        raise BadRequest(validation_message(exc.errors(include_url=False))) from None
    idempotency_key = request.headers.get("idempotency-key")
    if idempotency_key is not None and not _IDEMPOTENCY_KEY.match(idempotency_key):
        raise BadRequest("Idempotency-Key: must be 1-255 visible ASCII characters")
    wait = parse_prefer_wait(request.headers.get("prefer"), ctx.settings.max_wait_seconds)

    job, replayed = await submit(ctx, request, key, payload, idempotency_key=idempotency_key)
    headers: dict[str, str] = {"Idempotent-Replayed": "true"} if replayed else {}
    if wait is not None:
        finished = await wait_until_done(ctx, job.id, key.id, wait)
        if finished is not None and finished.status.is_terminal:
            headers["Preference-Applied"] = f"wait={wait:g}"
            return json_response(await present(ctx, ctx.base_url(request), finished), headers=headers)
        headers["Location"] = f"/v2/generate/audio?generation_id={quote(job.id, safe=':')}"
    return json_response(created_view(job), headers=headers)


async def submit(
    ctx: ApiContext,
    request: Request,
    key: ApiKey,
    payload: GenerateAudioRequest,
    *,
    idempotency_key: str | None = None,
) -> tuple[Job, bool]:
    """Validate ``payload`` against its model and engine, then create (and charge) the job. Returns the job and
    whether it is an earlier one replayed for the same ``idempotency_key``."""
    model = ctx.settings.resolve_model(payload.model)
    if model is None:
        served = ", ".join(ctx.settings.served_ids())
        raise BadRequest(f"model: unknown model {payload.model!r}; served models: {served}")
    seed = payload.seed if payload.seed is not None else secrets.randbelow(SEED_MAX + 1)
    extras = {name: getattr(payload, name) for name in _OPTIONAL_PARAMS if getattr(payload, name) is not None}
    count = payload.sample_count or 1
    params: dict[str, Any] = {
        "prompt": payload.prompt or "",
        "negative_prompt": payload.negative_prompt or "",
        "seed": seed,
        "output_format": payload.output_format,
        **extras,
    }
    sources = await gather_sources(ctx, key, payload, model.engine, params)
    if sources.files:  # reading a MIDI file takes a while: off the event loop
        work_seconds = count * await asyncio.to_thread(_validate_with_engine, ctx, model, payload.model, params,
                                                       sources.files)
    else:
        work_seconds = count * _validate_with_engine(ctx, model, payload.model, params)
    _check_request_size(ctx, work_seconds, count)
    if payload.webhook_url is not None:
        try:
            check_webhook_url(payload.webhook_url, ctx.webhook_networks)
        except AddressNotAllowed as exc:
            raise BadRequest(f"webhook_url: {exc}") from None
    if count > 1:
        params["sample_count"] = count
        params["seeds"] = sample_seeds(seed, count)
    # The id ends with the short name of the id the client sent, so `google/lyria2` gives `…:lyria2` as hosted.
    short_name = payload.model.rsplit("/", 1)[-1]
    job_id = f"{uuid.uuid4()}:{short_name}"
    if sources.uploads:
        await asyncio.to_thread(store_uploads, ctx, job_id, params, sources)  # not under the store's writer
    new_job = NewJob(
        id=job_id,
        key_id=key.id,
        model=payload.model,
        engine_model=model.id,
        params=params,
        credits=model.cost(work_seconds),
        max_attempts=ctx.settings.max_attempts,
        work_seconds=work_seconds,
        webhook_url=payload.webhook_url,
        webhook_events=tuple(payload.webhook_events or WEBHOOK_EVENTS),
        idempotency_key=idempotency_key,
        request_hash=_request_hash(request.url.path, payload) if idempotency_key is not None else None,
    )
    try:
        job = await ctx.write(
            ctx.store.create_job,
            new_job,
            max_queued_per_key=ctx.settings.max_queued_per_key,
            max_queued_total=ctx.settings.max_queued_total,
            max_active_per_key=ctx.settings.max_active_per_key or None,
            max_queued_seconds_per_key=ctx.settings.max_queued_audio_seconds_per_key or None,
            max_stored_bytes_per_key=ctx.settings.max_stored_bytes_per_key or None,
        )
    except BaseException:
        if sources.uploads:  # refused (a full queue, a budget): nothing will ever read them
            await asyncio.to_thread(ctx.storage.delete_prefix, input_prefix(job_id))
        raise
    replayed = job.id != new_job.id
    if replayed and sources.uploads:
        await asyncio.to_thread(ctx.storage.delete_prefix, input_prefix(job_id))
    log_event(log, "job replayed" if replayed else "job queued", job_id=job.id, model=job.model, key_id=key.id,
              request_id=request.scope.get(REQUEST_ID_SCOPE))
    return job, replayed


def _check_request_size(ctx: ApiContext, work_seconds: float, count: int) -> None:
    """Refuse a request whose audio, all samples together, passes the per-request cap or could never fit the
    key's budget of queued audio (a 429 would send its client retrying for ever)."""
    settings = ctx.settings
    limits = [(settings.max_request_audio_seconds, "this server's limit per request")]
    if settings.max_queued_audio_seconds_per_key:
        limits.append((settings.max_queued_audio_seconds_per_key, "a key's budget of queued audio"))
    limit, name = min(limits)
    if work_seconds > limit:
        each = work_seconds / count
        asked = f"{count} × {each:g} s" if count > 1 else f"{each:g} s"
        raise BadRequest(f"duration: this request asks for {asked} of audio ({work_seconds:g} s in all), over "
                         f"{name} ({limit:g} s); ask for fewer samples or a shorter duration")


def sample_seeds(seed: int, count: int) -> list[int]:
    """Seeds of ``count`` samples: the first is ``seed`` itself (so one sample equals a plain request with that
    seed), the others follow it, wrapping at 2^32."""
    return [(seed + index) % (SEED_MAX + 1) for index in range(count)]


def _request_hash(path: str, payload: GenerateAudioRequest) -> str:
    # The validated request, not the raw bytes: whitespace, key order and spelled-out defaults do not matter.
    canonical = orjson.dumps({"path": path, "body": payload.model_dump(mode="json")}, option=orjson.OPT_SORT_KEYS)
    return hashlib.sha256(canonical).hexdigest()


def parse_prefer_wait(header: str | None, limit: float) -> float | None:
    """Seconds of ``Prefer: wait=N`` capped at ``limit``; ``None`` when absent or malformed (a preference the
    server does not understand is ignored, RFC 7240)."""
    if not header:
        return None
    match = _PREFER_WAIT.search(header)
    if match is None:
        return None
    return min(float(match.group(1)), limit)


async def wait_until_done(ctx: ApiContext, job_id: str, key_id: str, timeout: float) -> Job | None:
    """Poll the store until the job ends or ``timeout`` passes; the job as last read (``None`` if it vanished)."""
    deadline = time.monotonic() + timeout
    pause = 0.02
    while True:
        job = await ctx.read(ctx.store.get_job, job_id, key_id)
        remaining = deadline - time.monotonic()
        if job is None or job.status.is_terminal or remaining <= 0 or ctx.stopping:
            return job
        await asyncio.sleep(min(pause, remaining))
        pause = min(pause * 1.5, 0.25)


def _validate_with_engine(ctx: ApiContext, model: Any, sent_model: str, params: dict[str, Any],
                          files: dict[str, bytes] | None = None) -> float:
    """Check the request against its engine; the seconds of audio one sample will be (what it is charged by).

    The request is the one the worker will generate (first sample): built by ``request_for`` from the served
    model's id (not the alias the client sent) and the parameters as the job stores them."""
    from ..engines import request_for

    try:
        engine = ctx.engines.get(model)
        request = request_for(model.id, params)
        if files:
            request = dataclasses.replace(request, files=files)
        engine.validate(request)
        return engine.audio_seconds(request)
    except UnsupportedInput as exc:
        raise UnsupportedMediaType(str(exc)) from None
    except OverLimit as exc:
        raise PayloadTooLarge(str(exc)) from None
    except InvalidRequest as exc:
        raise BadRequest(str(exc)) from None
    except EngineUnavailable as exc:
        raise ServiceUnavailable(f"model {sent_model!r} is unavailable on this server: {redact(str(exc))}") from None
    except EngineError as exc:
        raise BadRequest(redact(str(exc)) or f"model {sent_model!r} cannot serve this request") from None


# -- poll, cancel ---------------------------------------------------------------------------------------------
def generation_id_query() -> Any:
    return Query(description="The id answered by the POST.", min_length=1, max_length=MAX_GENERATION_ID,
                 pattern=r"\S")


@router.get(
    "/v2/generate/audio",
    summary="Get a generation",
    response_model=GenerationOut,
    responses=error_responses(400, 401, 403, 404, 429, 503),
    openapi_extra={"security": BEARER_SECURITY},
)
async def get_generation(
    request: Request,
    # A dependency runs before query validation, so a request without a key learns nothing, not even that its
    # query is wrong.
    key: ApiKey = Depends(authenticated_key),
    generation_id: str = generation_id_query(),
) -> Response:
    """The generation's status and, once completed, a signed link to its audio (and MIDI and stems when made)."""
    ctx = api_context(request)
    job = await ctx.read(ctx.store.get_job, generation_id, key.id)
    if job is None:
        # Another key's generation answers exactly like an unknown one: keys never learn of each other's work.
        raise NotFound("Generation not found.")
    return json_response(await present(ctx, ctx.base_url(request), job))


@router.delete(
    "/v2/generate/audio",
    summary="Cancel a generation (extension)",
    response_model=CancelOut,
    responses=error_responses(400, 401, 403, 404, 429, 503),
    openapi_extra={"security": BEARER_SECURITY},
)
async def cancel_generation(
    request: Request,
    key: ApiKey = Depends(authenticated_key),
    generation_id: str = generation_id_query(),
) -> Response:
    """Cancel a queued or generating generation: it ends `canceled`, a running engine is stopped and the credits
    are refunded. A generation that already ended answers 200 with its status and a message, changing nothing."""
    ctx = api_context(request)
    outcome = await ctx.write(ctx.store.cancel_job, generation_id, key.id)
    if outcome is None:
        raise NotFound("Generation not found.")
    job, changed = outcome
    answer = await present(ctx, ctx.base_url(request), job)
    if changed:
        answer["message"] = "Canceled; the credits it was charged were refunded."
        log_event(log, "job canceled", job_id=job.id, key_id=key.id, request_id=request.scope.get(REQUEST_ID_SCOPE))
    else:
        answer["message"] = f"The generation had already ended ({job.status.value}); nothing was canceled."
    return json_response(answer)
