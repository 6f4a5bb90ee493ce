"""The HTTP API: validates requests, authorises keys, shapes every error as the hosted API's body, and reads jobs.

Owns routes and their schemas (:mod:`.schemas`), the protocol's views of a generation (:mod:`.views`, pure functions;
:mod:`.presenting` gathers the queue position and file links they need), the error shape (:mod:`.errors`), key checks
(:mod:`.auth`) and per-key rate limits (:mod:`.ratelimit`), the request middleware (ids, body limit, logs, counters),
metrics, OpenAPI extras, and the background work of an API process (:mod:`.background`: sending webhooks, sweeping expired
generations). Build the app with :func:`create_app`. Must not run engines: it creates jobs in the store and links
stored files.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .app import create_app

__all__ = ["create_app"]


def __getattr__(name: str) -> Any:
    # FastAPI is imported only when the app is actually built, so `import orchestrion.api` stays cheap.
    if name == "create_app":
        from .app import create_app

        return create_app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
