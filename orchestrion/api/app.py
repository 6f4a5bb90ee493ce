"""The application factory: ``create_app(settings, store)`` wires routes, the error shape, the request middleware,
OpenAPI and the playground's static files into one FastAPI app.

Routes::

    POST   /v2/generate/audio                    create a generation (Bearer key)
    GET    /v2/generate/audio?generation_id=ID   poll it (Bearer key)
    DELETE /v2/generate/audio?generation_id=ID   cancel it (extension)
    GET    /v2/generate/audio/events?generation_id=ID   live status, server-sent events (extension)
    GET    /v2/generate/audio/generations        this key's history, cursor paged (extension)
    POST   /v1/projects/{p}/locations/{l}/publishers/google/models/lyria-002:predict   Vertex style (extension)
    GET    /files/<key>?expires=&signature=      signed file links (GET and HEAD, Range)
    WS     /v1/live                              live sessions: the composer played and steered in real time
    GET  /v1/models   /health   /ready   /metrics
    GET  /openapi.json   /docs   /   /static/*

``/docs`` is Swagger UI served from this package (``static/docs``: swagger-ui-dist's bundle, stylesheet and icon,
with its licence), so it works on machines without internet access.
"""

from __future__ import annotations

from contextlib import asynccontextmanager
from typing import AsyncIterator

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html
from starlette.responses import HTMLResponse
from starlette.staticfiles import StaticFiles

from .._version import __version__
from ..config import Settings
from ..jobs.store import JobStore
from ..storage.base import Storage
from ..storage.signing import UrlSigner, load_secret
from ..webhooks import load_webhook_secret, parse_networks
from ..webhooks.sender import WebhookSender
from .auth import KeyAuthenticator
from .context import ApiContext
from .errors import install_error_handlers
from .metrics import RequestMetrics
from .middleware import RequestContextMiddleware
from .presenting import present_blocking
from .routes_files import router as files_router
from .background import BackgroundTasks
from .ratelimit import RateLimiter
from .routes_events import router as events_router
from .routes_generate import router as generate_router
from .routes_stream import router as stream_router
from .routes_history import router as history_router
from .routes_live import LiveService, router as live_router
from .routes_vertex import router as vertex_router
from .routes_meta import STATIC_DIR, router as meta_router
from .spec import install_openapi

__all__ = ["DOCS_ASSETS", "create_app"]

#: Swagger UI's files under ``/static`` (see ``static/docs/package.json`` for the swagger-ui-dist version).
DOCS_ASSETS = {
    "js": "/static/docs/swagger-ui-bundle.js",
    "css": "/static/docs/swagger-ui.css",
    "favicon": "/static/docs/favicon-32x32.png",
}

DESCRIPTION = """\
Self-hosted text-to-music speaking the AI/ML API's asynchronous audio protocol: `POST /v2/generate/audio` queues
a generation and answers its id; `GET /v2/generate/audio?generation_id=ID` reports its status and, once completed,
a signed link to the audio. Every error answers `{message, path, requestId, statusCode, timestamp}`.
"""


def create_app(
    settings: Settings,
    store: JobStore | None = None,
    *,
    storage: Storage | None = None,
    key_cache_seconds: float = 1.5,
    worker_max_age: float | None = None,
) -> FastAPI:
    """Build the API. With no ``store`` the app opens (and migrates) the one ``settings`` names and closes it on
    shutdown; a store passed in belongs to the caller."""
    owns_store = store is None
    if store is None:
        from ..jobs import open_store

        settings.data_dir.mkdir(parents=True, exist_ok=True)
        store = open_store(settings)
        store.migrate()
    if storage is None:
        from ..storage import open_storage

        storage = open_storage(settings)
    signer = UrlSigner(load_secret(settings.data_dir, settings.secret), settings.url_ttl_seconds)
    metrics = RequestMetrics()
    context = ApiContext(
        settings=settings,
        store=store,
        storage=storage,
        signer=signer,
        auth=KeyAuthenticator(store, ttl_seconds=key_cache_seconds),
        metrics=metrics,
        # Workers refresh their presence well within a lease; one lease of silence means the worker is gone.
        worker_max_age=worker_max_age if worker_max_age is not None else max(10.0, settings.lease_seconds),
        limiter=RateLimiter(settings.rate_limit_per_minute) if settings.rate_limit_per_minute else None,
        webhook_networks=parse_networks(settings.webhook_allowed_networks),
    )

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        background = BackgroundTasks(context, _webhook_sender(settings, context))
        background.start()
        try:
            yield
        finally:
            background.stop()
            if owns_store:
                store.close()

    app = FastAPI(
        title="Orchestrion",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        # The stock pages load their scripts from a CDN; /docs is served below from the package's own copy.
        docs_url=None,
        redoc_url=None,
    )
    app.state.orchestrion = context
    app.state.live = LiveService(settings, metrics.live)
    install_error_handlers(app)
    app.include_router(generate_router)
    app.include_router(stream_router)
    app.include_router(history_router)
    app.include_router(events_router)
    app.include_router(vertex_router)
    app.include_router(files_router)
    app.include_router(live_router)
    app.include_router(meta_router)
    if STATIC_DIR.is_dir():
        app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    _install_docs(app)
    composer_ids = [served for served in settings.served_ids()
                    if (model := settings.resolve_model(served)) is not None and model.engine == "composer"]
    install_openapi(app, settings.served_ids(), composer_ids)
    app.add_middleware(RequestContextMiddleware, max_body_bytes=settings.max_body_bytes, metrics=metrics)
    return app


def _install_docs(app: FastAPI) -> None:
    @app.get("/docs", include_in_schema=False)
    async def swagger_ui(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "").rstrip("/")
        return get_swagger_ui_html(
            openapi_url=root + (app.openapi_url or "/openapi.json"),
            title=f"{app.title} - API documentation",
            swagger_js_url=root + DOCS_ASSETS["js"],
            swagger_css_url=root + DOCS_ASSETS["css"],
            swagger_favicon_url=root + DOCS_ASSETS["favicon"],
            oauth2_redirect_url=None,
            # Swagger UI would otherwise send the spec's URL to swagger.io's online validator.
            swagger_ui_parameters={"validatorUrl": None},
        )


def _webhook_sender(settings: Settings, context: ApiContext) -> WebhookSender:
    # Deliveries link files from no request, so their links use public_url (or the address the server listens on).
    base_url = (settings.public_url or f"http://{settings.host}:{settings.port}").rstrip("/")
    return WebhookSender(
        context.store,
        secret=load_webhook_secret(settings.data_dir, settings.webhook_secret),
        present=lambda job: present_blocking(context, base_url, job),
        networks=context.webhook_networks,
        timeout=settings.webhook_timeout_seconds,
        max_attempts=settings.webhook_max_attempts,
        retry_seconds=settings.webhook_retry_seconds,
    )
