"""Everything around the protocol: ``/v1/models``, ``/health``, ``/ready``, ``/metrics`` and the playground at ``/``.

``/health`` says only that the process answers; ``/ready`` says whether a generation created now would run: the
store answers and at least one worker is live with its engines loaded. Neither needs a key (load balancers and
orchestrators probe them), nor does ``/v1/models`` (it lists what is served, as the hosted catalogue does).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import FileResponse, HTMLResponse, Response

from .._version import __version__
from ..config import CREDIT_SECONDS
from ..engines import EngineUnavailable
from ..jobs.store import StoreError
from ..logs import log_event
from ..workers.messages import redact
from .context import api_context, json_response
from .errors import ServiceUnavailable
from .metrics import CONTENT_TYPE as METRICS_CONTENT_TYPE, render_metrics
from .schemas import HealthOut, ModelList, ReadyOut
from .spec import error_responses

__all__ = ["STATIC_DIR", "router"]

log = logging.getLogger("orchestrion.api")
router = APIRouter()
STATIC_DIR = Path(__file__).parent / "static"

_FALLBACK_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Orchestrion</title></head>
<body><h1>Orchestrion</h1>
<p>Text-to-music over the <code>/v2/generate/audio</code> protocol.
See the <a href="/docs">API documentation</a> and the <a href="/v1/models">served models</a>.</p>
</body></html>
"""


@router.get("/v1/models", tags=["meta"], summary="List served models", response_model=ModelList,
            responses=error_responses())
async def list_models(request: Request) -> Response:
    """Every id a client may send, the engine behind it, and whether that engine can run on this server."""
    # What engines say about themselves is written for the operator and may name a weights folder, a SoundFont's
    # path or an upstream's URL: clients read it redacted (paths cut to their last component, addresses withheld),
    # and the operator finds the full reason in the worker's log ("engine unavailable").
    ctx = api_context(request)
    settings = ctx.settings
    data: list[dict[str, Any]] = []
    for served_id in settings.served_ids():
        model = settings.resolve_model(served_id)
        if model is None:  # load_settings refuses dangling aliases; guard anyway rather than answer 500
            continue
        entry: dict[str, Any] = {
            "id": served_id,
            "object": "model",
            "engine": model.engine,
            "alias_of": model.id if served_id != model.id else None,
            "available": True,
            "credits": model.credits,
            "credit_seconds": CREDIT_SECONDS,
        }
        try:
            engine = ctx.engines.get(model)
            described = engine.describe()
        except EngineUnavailable as exc:
            entry["available"] = False
            entry["unavailable_reason"] = redact(str(exc))
        except Exception as exc:  # describe() is engine code; one broken engine must not hide the others
            log_event(log, "engine description failed", logging.WARNING, model=served_id, engine=model.engine,
                      reason=f"{type(exc).__name__}: {exc}")
            entry["available"] = False
            entry["unavailable_reason"] = "the engine could not describe itself; the server's log says why"
        else:
            # The engine's own word on availability (a missing extra or weights folder) wins over the default.
            overriding = {"available", "unavailable_reason"}
            entry.update({k: _shown(v) for k, v in described.items() if k not in entry or k in overriding})
        data.append(entry)
    return json_response({"object": "list", "data": data})


def _shown(value: Any) -> Any:
    """An engine's description as a client may read it: its text redacted, however deep."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, (list, tuple)):
        return [_shown(item) for item in value]
    if isinstance(value, dict):
        return {key: _shown(item) for key, item in value.items()}
    return value


@router.get("/health", tags=["meta"], summary="Liveness", response_model=HealthOut, responses=error_responses())
async def health() -> Response:
    """Answers 200 whenever the process is up; it checks nothing else."""
    return json_response({"status": "ok", "version": __version__})


@router.get("/ready", tags=["meta"], summary="Readiness", response_model=ReadyOut, responses=error_responses(503))
async def ready(request: Request) -> Response:
    """200 when the store answers and at least one worker has its engines loaded; 503 saying what is missing."""
    ctx = api_context(request)

    def probe() -> list[dict[str, Any]]:
        ctx.store.ping()
        return ctx.store.live_workers(ctx.worker_max_age)

    try:
        workers = await run_in_threadpool(probe)
    except StoreError:
        raise ServiceUnavailable("Not ready: the job store is unreachable.", headers={"Retry-After": "2"}) from None
    ready_workers = [w for w in workers if w.get("state") == "ready"]
    per_model = {model_id: 0 for model_id in sorted(ctx.settings.models)}
    for worker in ready_workers:
        for model_id in worker.get("engine_models", ()):
            if model_id in per_model:
                per_model[model_id] += 1
    if not ready_workers:
        loading = len(workers) - len(ready_workers)
        detail = f"{loading} worker(s) still loading engines" if loading else "no worker is running"
        raise ServiceUnavailable(f"Not ready: {detail}.", headers={"Retry-After": "5"})
    return json_response(
        {
            "status": "ready",
            "workers": [
                {"worker_id": w.get("worker_id"), "state": w.get("state"), "engine_models": list(w.get("engine_models", ()))}
                for w in workers
            ],
            "models": per_model,
        }
    )


@router.get(
    "/metrics",
    tags=["meta"],
    summary="Prometheus metrics",
    response_class=Response,
    responses={200: {"content": {"text/plain": {}}, "description": "Prometheus text format."}, **error_responses(503)},
)
async def metrics(request: Request) -> Response:
    """Queue depth, jobs by status, time-to-audio histogram, engine real-time factor, live workers, requests."""
    ctx = api_context(request)
    text = await run_in_threadpool(
        render_metrics, ctx.store, ctx.settings, ctx.metrics, worker_max_age=ctx.worker_max_age
    )
    return Response(text, media_type=METRICS_CONTENT_TYPE)


@router.get("/", include_in_schema=False)
async def playground() -> Response:
    index = STATIC_DIR / "index.html"
    if index.is_file():
        return FileResponse(index, media_type="text/html; charset=utf-8")
    return HTMLResponse(_FALLBACK_PAGE)
