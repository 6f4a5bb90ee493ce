"""``POST /v1/projects/{p}/locations/{l}/publishers/google/models/lyria-002:predict``: a Vertex-AI-style route
(extension) for clients written against Google's Lyria 2 endpoint.

It speaks Vertex's request (``instances[{prompt, negative_prompt, seed}]``, ``parameters.sample_count``) and answer
(``predictions[{bytesBase64Encoded, mimeType}]``) and keeps Vertex's rule that ``seed`` and ``sample_count`` exclude
each other, but it answers synchronously from our own queue: each instance becomes a generation of
``settings.vertex_model`` (``google/lyria2``, the composer, by default; we do not run Lyria 2), and the route waits
up to ``predict_timeout_seconds``. Past that, the unfinished generations are canceled (and refunded) and the answer
is 504. Errors keep this server's one error body rather than Google's. Keys are the same Bearer keys.
"""

from __future__ import annotations

import base64
import time
from typing import Any

import anyio
import anyio.to_thread
import httpx
from fastapi import APIRouter, Request
from pydantic import ValidationError
from starlette.responses import Response

from ..jobs.models import FileRef, Job, JobStatus
from .context import ApiContext, api_context, json_response
from .errors import ApiError, BadRequest, GatewayTimeout, NotFound, validation_message
from .routes_generate import submit, wait_until_done
from .schemas import GenerateAudioRequest, VertexPredictRequest, VertexPredictResponse
from .spec import BEARER_SECURITY, error_responses

__all__ = ["router"]

router = APIRouter(tags=["vertex"])

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

    deadline = time.monotonic() + ctx.settings.predict_timeout_seconds
    jobs: list[Job] = []
    try:
        for instance in payload.instances:
            generation = GenerateAudioRequest(model=served, prompt=instance.prompt,
                                              negative_prompt=instance.negative_prompt, seed=instance.seed,
                                              sample_count=sample_count, stems=False, output_format="wav")
            job, _ = await submit(ctx, request, key, generation)
            jobs.append(job)
        finished = []
        for job in jobs:
            done = await wait_until_done(ctx, job.id, key.id, max(0.0, deadline - time.monotonic()))
            if done is None or not done.status.is_terminal:
                raise GatewayTimeout(f"The audio was not ready within {ctx.settings.predict_timeout_seconds:g} s; "
                                     "the generation was canceled and its credits refunded.")
            finished.append(done)
    except BaseException:
        # Whatever went wrong (a timeout, a refused second instance, a client gone), nobody will collect these.
        # Shielded: when the client hung up, the surrounding scope is cancelled and would cancel these writes too.
        with anyio.CancelScope(shield=True):
            for job in jobs:
                await ctx.write(ctx.store.cancel_job, job.id, key.id)
        raise

    predictions: list[dict[str, Any]] = []
    for job in finished:
        if job.status is not JobStatus.COMPLETED:
            message = job.error_message or "the generation failed"
            if job.error_name == "invalid_request":
                raise BadRequest(message)
            raise GenerationFailedError(f"The generation failed: {message}")
        for ref in sorted((f for f in job.files if f.kind == "audio"), key=lambda f: f.sample):
            data = await anyio.to_thread.run_sync(_read_file, ctx, ref)
            predictions.append({"bytesBase64Encoded": base64.b64encode(data).decode("ascii"),
                                "mimeType": ref.content_type})
    return json_response({
        "predictions": predictions,
        "deployedModelId": finished[0].engine_model if finished else "",
        "model": f"projects/{project}/locations/{location}/publishers/google/models/lyria-002",
    })


def _read_file(ctx: ApiContext, ref: FileRef) -> bytes:
    """The stored audio's bytes; storage that cannot hand them back (a file swept meanwhile, a bucket that
    refuses) is this server's failure, said plainly rather than as an unexplained 500."""
    local_path = getattr(ctx.storage, "path", None)
    try:
        if local_path is not None:
            return local_path(ref.key).read_bytes()
        url = ctx.storage.presigned_url(ref.key, 300)
        if url is None:
            raise GenerationFailedError("the audio was stored where this server cannot read it back")
        response = httpx.get(url, timeout=60)
        response.raise_for_status()
        return response.content
    except (OSError, httpx.HTTPError) as exc:
        raise GenerationFailedError(f"the finished audio could not be read back from storage: {exc}") from None
