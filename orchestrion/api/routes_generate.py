"""``POST /v2/generate/audio`` (create) and ``GET /v2/generate/audio?generation_id=ID`` (poll): the seed protocol.

Creation validates in three steps (schema, served model, the engine's own ``validate``) before the store admits and
charges the job. Polling is the hot path: the key lookup is cached, the job read runs directly on the event loop
(a SQLite WAL reader blocks nobody) and the answer is a dict serialised by orjson.
"""

from __future__ import annotations

import logging
import secrets
import uuid
from pathlib import PurePosixPath
from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import ValidationError
from starlette.responses import Response

from ..engines import EngineError, EngineUnavailable, GenerationRequest, InvalidRequest
from ..jobs.models import ApiKey, FileRef, Job, JobStatus, NewJob
from ..logs import log_event
from .context import ApiContext, api_context, json_response
from .errors import BadRequest, NotFound, ServiceUnavailable, iso_utc, validation_message
from .middleware import REQUEST_ID_SCOPE
from .schemas import SEED_MAX, GenerateAudioRequest, GenerationCreated, GenerationOut
from .spec import BEARER_SECURITY, error_responses

__all__ = ["authenticated_key", "present_job", "router"]

log = logging.getLogger("orchestrion.api")
router = APIRouter(tags=["generation"])

#: Generation ids are "<uuid4>:<short name>"; anything much longer cannot exist, so it is not worth a query.
MAX_GENERATION_ID = 256
#: Parameters beyond the hosted API's that are stored only when the client sent them.
_OPTIONAL_PARAMS = ("duration", "bpm", "key", "loop", "stems")


async def authenticated_key(request: Request) -> ApiKey:
    # async: a plain function dependency would be sent to the thread pool, a needless hop on the poll path.
    return api_context(request).authenticate(request)


@router.post(
    "/v2/generate/audio",
    summary="Create a generation",
    response_model=GenerationCreated,
    responses=error_responses(400, 401, 403, 413, 429, 503),
    openapi_extra={
        "security": BEARER_SECURITY,
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/GenerateAudioRequest"}}},
        }
    },
)
async def create_generation(request: Request) -> Response:
    """Queue a generation. Answers its id at once; poll `GET /v2/generate/audio?generation_id=ID` for the result."""
    ctx = api_context(request)
    key = ctx.authenticate(request)
    body = await request.body()
    if not body.strip():
        raise BadRequest("Request body is required: a JSON object with at least model and prompt.")
    try:
        payload = GenerateAudioRequest.model_validate_json(body)
    except ValidationError as exc:
        raise BadRequest(validation_message(exc.errors(include_url=False))) from None

    model = ctx.settings.resolve_model(payload.model)
    if model is None:
        served = ", ".join(ctx.settings.served_ids())
        raise BadRequest(f"model: unknown model {payload.model!r}; served models: {served}")
    seed = payload.seed if payload.seed is not None else secrets.randbelow(SEED_MAX + 1)
    extras = {name: getattr(payload, name) for name in _OPTIONAL_PARAMS if getattr(payload, name) is not None}
    _validate_with_engine(ctx, model, payload, seed, extras)

    params: dict[str, Any] = {
        "prompt": payload.prompt,
        "negative_prompt": payload.negative_prompt or "",
        "seed": seed,
        "output_format": payload.output_format,
        **extras,
    }
    # The id ends with the short name of the id the client sent, so `google/lyria2` gives `…:lyria2` as hosted.
    short_name = payload.model.rsplit("/", 1)[-1]
    new_job = NewJob(
        id=f"{uuid.uuid4()}:{short_name}",
        key_id=key.id,
        model=payload.model,
        engine_model=model.id,
        params=params,
        credits=model.credits,
        max_attempts=ctx.settings.max_attempts,
    )
    job = await ctx.write(
        ctx.store.create_job,
        new_job,
        max_queued_per_key=ctx.settings.max_queued_per_key,
        max_queued_total=ctx.settings.max_queued_total,
    )
    log_event(log, "job queued", job_id=job.id, model=job.model, key_id=key.id,
              request_id=request.scope.get(REQUEST_ID_SCOPE))
    return json_response(
        {"id": job.id, "status": JobStatus.QUEUED.value, "model": job.model, "seed": seed,
         "created_at": iso_utc(job.created_at)}
    )


def _validate_with_engine(
    ctx: ApiContext, model: Any, payload: GenerateAudioRequest, seed: int, extras: dict[str, Any]
) -> None:
    try:
        engine = ctx.engines.get(model)
        engine.validate(
            GenerationRequest(
                prompt=payload.prompt,
                negative_prompt=payload.negative_prompt or "",
                seed=seed,
                duration=payload.duration if payload.duration is not None else GenerationRequest.duration,
                model=model.id,
                params={**extras, "output_format": payload.output_format},
            )
        )
    except InvalidRequest as exc:
        raise BadRequest(str(exc)) from None
    except EngineUnavailable as exc:
        raise ServiceUnavailable(f"model {payload.model!r} is unavailable on this server: {exc}") from None
    except EngineError as exc:
        raise BadRequest(str(exc) or f"model {payload.model!r} cannot serve this request") from None


@router.get(
    "/v2/generate/audio",
    summary="Get a generation",
    response_model=GenerationOut,
    responses=error_responses(400, 401, 403, 404, 503),
    openapi_extra={"security": BEARER_SECURITY},
)
async def get_generation(
    request: Request,
    # A dependency runs before query validation, so a request without a key learns nothing, not even that its
    # query is wrong.
    key: ApiKey = Depends(authenticated_key),
    generation_id: str = Query(
        description="The id answered by the POST.",
        min_length=1,
        max_length=MAX_GENERATION_ID,
        pattern=r"\S",
    ),
) -> Response:
    """The generation's status and, once completed, a signed link to its audio (and MIDI and stems when made)."""
    ctx = api_context(request)
    job = ctx.store.get_job(generation_id, key.id)
    if job is None:
        # Another key's generation answers exactly like an unknown one: keys never learn of each other's work.
        raise NotFound("Generation not found.")
    return json_response(present_job(ctx, request, job))


def present_job(ctx: ApiContext, request: Request, job: Job) -> dict[str, Any]:
    """The protocol's view of ``job``: hosted fields first, then extensions."""
    status = job.status
    if status is JobStatus.COMPLETED:
        progress = 100
    else:
        progress = max(0, min(100, int(job.progress * 100)))
    answer: dict[str, Any] = {
        "id": job.id,
        "status": status.value,
        "audio_file": None,
        "error": None,
        "meta": {"usage": {"credits_used": job.credits_used}},
        "model": job.model,
        "seed": job.params.get("seed"),
        "created_at": iso_utc(job.created_at),
        "completed_at": iso_utc(job.completed_at) if job.completed_at is not None else None,
        "progress": progress,
    }
    if status is JobStatus.QUEUED:
        answer["queue_position"] = ctx.store.queue_position(job)
    elif status is JobStatus.ERROR:
        answer["error"] = {
            "name": job.error_name or "generation_error",
            "message": job.error_message or "The generation failed.",
        }
    if job.files:
        base = ctx.base_url(request)
        stems = []
        for ref in job.files:
            if ref.kind == "audio" and answer["audio_file"] is None:
                answer["audio_file"] = _file_link(ctx, base, ref)
            elif ref.kind == "midi" and "midi_file" not in answer:
                answer["midi_file"] = _file_link(ctx, base, ref)
            elif ref.kind == "stem":
                stems.append({"name": PurePosixPath(ref.file_name).stem, **_file_link(ctx, base, ref)})
        if stems:
            answer["stems"] = stems
    return answer


def _file_link(ctx: ApiContext, base_url: str, ref: FileRef) -> dict[str, Any]:
    url = ctx.storage.presigned_url(ref.key, ctx.signer.ttl_seconds)
    if url is None:
        url = base_url + ctx.signer.signed_path(ref.key)
    return {"url": url, "content_type": ref.content_type, "file_name": ref.file_name, "file_size": ref.file_size}
