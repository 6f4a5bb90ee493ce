"""``POST /v1/projects/{p}/locations/{l}/publishers/google/models/lyria-002:predict``: a Vertex-AI-style route
(extension) for clients written against Google's Lyria 2 endpoint.

It speaks Vertex's request (``instances[{prompt, negative_prompt, seed}]``, ``parameters.sample_count``) and answer
(``predictions[{bytesBase64Encoded, mimeType}]``) and keeps Vertex's rule that ``seed`` and ``sample_count`` exclude
each other, but it answers synchronously from our own queue: each instance becomes a generation of
``settings.vertex_model`` (``google/lyria2``, the composer, by default; we do not run Lyria 2), and the route waits
up to ``predict_timeout_seconds``. Every track is :data:`VERTEX_SECONDS` long, as Lyria 2's are, whatever length
the prompt names. An answer that would pass ``max_vertex_response_bytes`` of base64 is refused (413) before anything
is made. Whatever is not delivered is not charged: on a timeout (504), a failure or a client gone, the unfinished
generations are canceled and the finished ones refunded. Errors keep this server's one error body rather than
Google's. Keys are the same Bearer keys.
"""

from __future__ import annotations

import base64
import logging
import math
import time
from typing import Any

import anyio
import anyio.to_thread
from fastapi import APIRouter, Request
from pydantic import ValidationError
from starlette.responses import Response

from ..jobs.models import FileRef, Job, JobStatus
from ..logs import log_event
from ..storage.encode import OUTPUT_RATE
from .context import ApiContext, api_context, json_response
from .errors import ApiError, BadRequest, GatewayTimeout, NotFound, PayloadTooLarge, validation_message
from .middleware import REQUEST_ID_SCOPE
from .routes_generate import submit, wait_until_done
from .schemas import GenerateAudioRequest, VertexPredictRequest, VertexPredictResponse
from .spec import BEARER_SECURITY, error_responses

__all__ = ["router"]

router = APIRouter(tags=["vertex"])
log = logging.getLogger("orchestrion.api")

#: Seconds of every track this route makes: Lyria 2's clip length.
VERTEX_SECONDS = 30.0
#: Bytes of one second of the WAV this route answers (48 kHz, stereo, 16-bit).
_WAV_BYTES_PER_SECOND = OUTPUT_RATE * 2 * 2
_WAV_HEADER_BYTES = 44

PREDICT_PATH = "/v1/projects/{project}/locations/{location}/publishers/google/models/lyria-002:predict"


class GenerationFailedError(ApiError):
    """The generation failed."""

    status_code = 500


@router.post(
    PREDICT_PATH,
    summary="Generate synchronously, Vertex AI style (extension)",
    response_model=VertexPredictResponse,
    responses=error_responses(400, 401, 403, 404, 409, 413, 429, 503, 504),
    openapi_extra={
        "security": BEARER_SECURITY,
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/VertexPredictRequest"}}},
        },
    },
)
async def predict(request: Request, project: str, location: str) -> Response:
    """Make the audio for each instance and answer it base64-encoded as WAV, waiting for it (up to
    `predict_timeout_seconds`). `instances[].seed` and `parameters.sample_count` exclude each other, as on Vertex."""
    ctx = api_context(request)
    key = await ctx.read(ctx.authenticate, request)
    body = await request.body()
    if not body.strip():
        raise BadRequest("Request body is required: {\"instances\": [{\"prompt\": \"...\"}]}.")
    try:
        payload = VertexPredictRequest.model_validate_json(body)
    except ValidationError as exc:
        raise BadRequest(validation_message(exc.errors(include_url=False))) from None
    sample_count = payload.parameters.sample_count if payload.parameters is not None else None
    if sample_count is not None and any(instance.seed is not None for instance in payload.instances):
        raise BadRequest("parameters.sample_count: cannot be used together with instances[].seed; send one of them")
    served = ctx.settings.vertex_model
    if ctx.settings.resolve_model(served) is None:
        raise NotFound(f"lyria-002 is not served here (vertex_model {served!r} is not a served model)")

    tracks = len(payload.instances) * (sample_count or 1)
    _check_answer_size(ctx, tracks * _base64_size(_WAV_HEADER_BYTES + VERTEX_SECONDS * _WAV_BYTES_PER_SECOND))

    deadline = time.monotonic() + ctx.settings.predict_timeout_seconds
    jobs: list[Job] = []
    delivered = False
    try:
        for instance in payload.instances:
            generation = GenerateAudioRequest(model=served, prompt=instance.prompt,
                                              negative_prompt=instance.negative_prompt, seed=instance.seed,
                                              duration=VERTEX_SECONDS, sample_count=sample_count, stems=False,
                                              output_format="wav")
            job, _ = await submit(ctx, request, key, generation)
            jobs.append(job)
        finished = []
        for job in jobs:
            done = await wait_until_done(ctx, job.id, key.id, max(0.0, deadline - time.monotonic()))
            if done is None or not done.status.is_terminal:
                raise GatewayTimeout(f"The audio was not ready within {ctx.settings.predict_timeout_seconds:g} s; "
                                     "nothing was charged.")
            finished.append(done)
        answer = await _predictions(ctx, request, finished)
        delivered = True
    finally:
        if not delivered:
            # Whatever went wrong (a timeout, a refused instance, a failure, a client gone), nobody will collect
            # these: cancel what still runs and refund what finished. Shielded: when the client hung up, the
            # surrounding scope is cancelled and would cancel these writes too.
            with anyio.CancelScope(shield=True):
                for job in jobs:
                    await ctx.write(_withdraw, ctx, job.id, key.id)
    return json_response({
        **answer,
        "model": f"projects/{project}/locations/{location}/publishers/google/models/lyria-002",
    })


def _withdraw(ctx: ApiContext, job_id: str, key_id: str) -> None:
    """Cancel ``job`` if it still runs, and refund it whatever it ended as: its audio was not delivered."""
    ctx.store.cancel_job(job_id, key_id)
    ctx.store.refund_job(job_id, key_id)


def _base64_size(raw_bytes: float) -> int:
    return 4 * math.ceil(raw_bytes / 3)


def _check_answer_size(ctx: ApiContext, base64_bytes: int) -> None:
    limit = ctx.settings.max_vertex_response_bytes
    if base64_bytes > limit:
        raise PayloadTooLarge(
            f"The answer would carry {base64_bytes / 1e6:.1f} MB of base64 audio, over this server's limit of "
            f"{limit / 1e6:.1f} MB (max_vertex_response_bytes); ask for fewer instances or a smaller "
            "parameters.sample_count.")


async def _predictions(ctx: ApiContext, request: Request, finished: list[Job]) -> dict[str, Any]:
    """Vertex's answer for finished generations: their audio, base64, in order."""
    refs: list[FileRef] = []
    for job in finished:
        if job.status is not JobStatus.COMPLETED:
            message = job.error_message or "the generation failed"
            if job.error_name == "invalid_request":
                raise BadRequest(message)
            raise GenerationFailedError(f"The generation failed: {message}")
        refs += sorted((f for f in job.files if f.kind == "audio"), key=lambda f: f.sample)
    _check_answer_size(ctx, sum(_base64_size(ref.file_size) for ref in refs))
    predictions: list[dict[str, Any]] = []
    for ref in refs:
        data = await anyio.to_thread.run_sync(_read_file, ctx, ref, request.scope.get(REQUEST_ID_SCOPE))
        predictions.append({"bytesBase64Encoded": base64.b64encode(data).decode("ascii"),
                            "mimeType": ref.content_type})
    return {"predictions": predictions, "deployedModelId": finished[0].engine_model if finished else ""}


def _read_file(ctx: ApiContext, ref: FileRef, request_id: str | None) -> bytes:
    """The stored audio's bytes, read through the storage. Storage that cannot hand them back (a file swept
    meanwhile, a bucket that refuses) is this server's failure: said plainly to the client, with the detail (paths,
    hosts) in the log."""
    try:
        with ctx.storage.open(ref.key) as stream:
            return stream.read()
    except (OSError, ValueError) as exc:
        log_event(log, "reading audio back failed", level=logging.ERROR, file_key=ref.key, request_id=request_id,
                  error=f"{type(exc).__name__}: {exc}")
        raise GenerationFailedError("The finished audio could not be read back from storage.") from None
