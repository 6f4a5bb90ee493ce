"""The application factory: ``create_app(settings, store)`` wires routes, the error shape, the request middleware,
OpenAPI and the playground's static files into one FastAPI app.

Routes::

    POST /v2/generate/audio                    create a generation (Bearer key)
    GET  /v2/generate/audio?generation_id=ID   poll it (Bearer key)
    GET  /files/<key>?expires=&signature=      signed file links (GET and HEAD, Range)
    GET  /v1/models   /health   /ready   /metrics
    GET  /openapi.json   /docs   /   /static/*
"""

from __future__ import annotations

from contextlib import asynccontextmanager
from typing import AsyncIterator

from fastapi import FastAPI
from starlette.staticfiles import StaticFiles

from .. import __version__
from ..config import Settings
from ..jobs.store import JobStore
from ..storage.base import Storage
from ..storage.signing import UrlSigner, load_secret
from .auth import KeyAuthenticator
from .context import ApiContext
from .errors import install_error_handlers
from .metrics import RequestMetrics
from .middleware import RequestContextMiddleware
from .routes_files import router as files_router
from .routes_generate import router as generate_router
from .routes_meta import STATIC_DIR, router as meta_router
from .spec import install_openapi

__all__ = ["create_app"]

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
    )

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        try:
            yield
        finally:
            if owns_store:
                store.close()

    app = FastAPI(
        title="Orchestrion",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
    )
    app.state.orchestrion = context
    install_error_handlers(app)
    app.include_router(generate_router)
    app.include_router(files_router)
    app.include_router(meta_router)
    if STATIC_DIR.is_dir():
        app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    install_openapi(app, settings.served_ids())
    app.add_middleware(RequestContextMiddleware, max_body_bytes=settings.max_body_bytes, metrics=metrics)
    return app
