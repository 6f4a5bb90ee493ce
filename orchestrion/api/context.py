"""What every route needs, built once per application: settings, store, storage, URL signer, key authenticator,
engine validators and request counters.

Routes reach it as ``request.app.state.orchestrion`` (see :func:`api_context`), a plain attribute read that costs
less than a dependency on the poll path.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Any, Callable, TypeVar

import anyio
import anyio.to_thread

import orjson

from fastapi import Request
from starlette.responses import Response

from ..config import ModelConfig, Settings
from ..engines import Engine, EngineUnavailable, engine_class
from ..jobs.store import JobStore
from ..storage.base import Storage
from ..storage.signing import UrlSigner
from .auth import KeyAuthenticator
from .errors import TooManyRequests
from .metrics import RequestMetrics
from .middleware import EXTRA_HEADERS_SCOPE, KEY_ID_SCOPE
from .ratelimit import RateLimited, RateLimiter

if TYPE_CHECKING:
    from ..jobs.models import ApiKey

__all__ = ["ApiContext", "EngineCache", "api_context", "json_response"]

T = TypeVar("T")
log = logging.getLogger("orchestrion.api")


class EngineCache:
    """One engine instance per served model, built without loading (cheap) so the API can call ``validate`` and
    ``describe``. An engine that cannot be built is remembered with its reason, so `/v1/models` can show it."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._engines: dict[str, Engine | EngineUnavailable] = {}

    def get(self, model: ModelConfig) -> Engine:
        """The engine behind ``model``; :class:`EngineUnavailable` (with the reason) when it cannot be built."""
        entry = self._engines.get(model.id)
        if entry is None:
            with self._lock:
                entry = self._engines.get(model.id)
                if entry is None:
                    entry = self._engines[model.id] = self._build(model)
        if isinstance(entry, EngineUnavailable):
            raise entry
        return entry

    @staticmethod
    def _build(model: ModelConfig) -> Engine | EngineUnavailable:
        try:
            return engine_class(model.engine)(model.options)
        except EngineUnavailable as exc:
            return exc
        except Exception as exc:  # a plugin's constructor is third-party code: report it, never crash the API
            log.error("engine could not be set up", exc_info=exc, extra={"fields": {"model": model.id}})
            return EngineUnavailable(f"engine {model.engine!r} could not be set up ({type(exc).__name__}); the "
                                     "server's log has the detail")


@dataclass
class ApiContext:
    settings: Settings
    store: JobStore
    storage: Storage
    signer: UrlSigner
    auth: KeyAuthenticator
    engines: EngineCache = field(default_factory=EngineCache)
    metrics: RequestMetrics = field(default_factory=RequestMetrics)
    #: Workers count as live when seen within this many seconds (`/ready`, `/metrics`).
    worker_max_age: float = 30.0
    #: Requests per minute per key in this process (``None``: no limit).
    limiter: RateLimiter | None = None
    #: Non-public networks webhooks may reach anyway (``webhook_allowed_networks``).
    webhook_networks: list[Any] = field(default_factory=list)
    #: Set once the server is told to stop: requests that wait on a generation (event streams, ``Prefer: wait``,
    #: a stream of a queued generation) answer now rather than hold the stop for its grace period.
    stopping: bool = False

    _write_limiter: anyio.CapacityLimiter | None = field(default=None, init=False, repr=False)

    async def write(self, func: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
        """Run a store write in a thread, one at a time per process.

        SQLite admits one writer at a time anyway; more threads would only wait inside its busy handler while
        holding thread-pool slots that `/ready` and `/metrics` need. Measured create throughput is the same either
        way (about 3,000 store writes/s from 40 threads, locked or not, on the shared 2-core machine).
        """
        if self._write_limiter is None:
            self._write_limiter = anyio.CapacityLimiter(1)
        return await anyio.to_thread.run_sync(partial(func, *args, **kwargs), limiter=self._write_limiter)

    async def read(self, func: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
        """Run a store read: inline for stores whose reads never wait (SQLite in WAL mode), in a thread for
        networked ones, so a database that stops answering stalls its requests rather than the whole process."""
        if self.store.local_reads:
            return func(*args, **kwargs)
        return await anyio.to_thread.run_sync(partial(func, *args, **kwargs))

    def authenticate(self, request: Request) -> "ApiKey":
        key = self.auth.authenticate(request.headers.get("authorization"))
        request.scope[KEY_ID_SCOPE] = key.id
        if self.limiter is not None:
            try:
                request.scope[EXTRA_HEADERS_SCOPE] = self.limiter.hit(key.id)
            except RateLimited as exc:
                raise TooManyRequests(
                    f"This key made {self.limiter.per_minute} requests this minute, its limit; retry in "
                    f"{exc.headers['Retry-After']} s.", headers=exc.headers) from None
        return key

    def base_url(self, request: Request) -> str:
        if self.settings.public_url:
            return self.settings.public_url.rstrip("/")
        return str(request.base_url).rstrip("/")


def api_context(request: Request) -> ApiContext:
    return request.app.state.orchestrion


def json_response(payload: Any, status_code: int = 200, headers: dict[str, str] | None = None) -> Response:
    """A JSON answer serialised by orjson (several times faster than the standard encoder on the poll path)."""
    return Response(orjson.dumps(payload), status_code=status_code, media_type="application/json",
                    headers=headers)
