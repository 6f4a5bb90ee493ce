"""`orchestrion serve` (HTTP server + worker processes) and `orchestrion worker` (workers only)."""

from __future__ import annotations

import logging
import os
import shlex
import signal
from typing import Any

import click

from ..config import Settings
from ..logs import configure_logging, log_event
from ._common import config_option, data_dir_option, open_migrated_store, settings_from

__all__ = ["serve", "worker"]

log = logging.getLogger("orchestrion.serve")

#: How long a stopping server lets requests in flight finish before cutting them.
SHUTDOWN_GRACE_SECONDS = 10


def _server(config: Any, context: Any) -> Any:
    """uvicorn's server, which also tells the API (``context``, its :class:`.ApiContext`) when it is told to stop:
    event streams and waiting requests then end at once instead of holding the stop for its grace period."""
    import uvicorn

    class Server(uvicorn.Server):
        def handle_exit(self, sig: int, frame: Any) -> None:
            context.stopping = True
            super().handle_exit(sig, frame)

    return Server(config)


def _welcome(settings: Settings, new_key: str | None) -> str:
    base = settings.public_url or f"http://{settings.host}:{settings.port}"
    # Double quotes so the shell expands the variable when no new key is printed.
    auth = f'"Authorization: Bearer {new_key or "$ORCHESTRION_API_KEY"}"'
    lines = [f"Orchestrion is listening on {base}  (docs: {base}/docs, playground: {base}/)"]
    if new_key:
        lines += ["", "No API key existed, so one was created. It is shown once; keep it:", f"  {new_key}"]
    else:
        lines += ["", "Use one of your keys (`orchestrion keys create` makes another) as ORCHESTRION_API_KEY."]
    body = '{"model": "google/lyria2", "prompt": "Majestic orchestral film score with horns and timpani", "seed": 1}'
    lines += [
        "",
        "Try it:",
        f"  curl -s {base}/v2/generate/audio -H {auth} \\",
        f"       -H 'Content-Type: application/json' -d {shlex.quote(body)}",
        f"  curl -s '{base}/v2/generate/audio?generation_id=<id from above>' "
        f"-H {auth}",
    ]
    return "\n".join(lines)


@click.command()
@click.option("--host", default=None, help="Address to listen on (default 127.0.0.1).")
@click.option("--port", type=click.IntRange(0, 65535), default=None, help="Port (default 8000).")
@data_dir_option
@click.option("--workers", type=click.IntRange(min=0), default=None,
              help="Worker processes (default: one per CPU).")
@click.option("--no-workers", is_flag=True, help="Serve the API only (workers run elsewhere).")
@config_option
def serve(host: str | None, port: int | None, data_dir: str | None, workers: int | None, no_workers: bool,
          config_file: str | None) -> None:
    """Run the HTTP API and its worker processes (the embedded default)."""
    import uvicorn

    from ..api.app import create_app
    from ..api.http_protocol import LiveWebSocketProtocol, protocol_class
    from ..workers.supervisor import Supervisor
    from .keys import create_api_key

    settings = settings_from(config_file, host=host, port=port, data_dir=data_dir, workers=workers)
    configure_logging(settings.log_level, settings.log_json)
    store = open_migrated_store(settings)
    new_key = None
    if store.count_keys() == 0:
        new_key, _ = create_api_key(store, "default", settings.default_key_quota)

    count = 0 if no_workers else (settings.workers if settings.workers is not None else os.cpu_count() or 1)
    supervisor = Supervisor(settings, count) if count else None
    app = create_app(settings, store)
    # One HTTP implementation everywhere (uvicorn's httptools protocol, whatever else is installed), with the
    # header and body timeouts and malformed requests answered in the API's error shape.
    http_protocol = protocol_class(header_timeout=settings.header_timeout_seconds,
                                   body_timeout=settings.body_timeout_seconds,
                                   metrics=app.state.orchestrion.metrics)
    # WebSockets serve live sessions (/v1/live): raw PCM gains nothing from compression, and client messages are
    # small. Event streams and `Prefer: wait` requests end as soon as the stop is asked (`_server`), and clients
    # reconnect (EventSource does so by itself, resuming with Last-Event-ID); whatever else is still running past
    # the grace period is cut.
    config = uvicorn.Config(app, host=settings.host, port=settings.port, log_config=None, access_log=False,
                            lifespan="on", server_header=False, timeout_graceful_shutdown=SHUTDOWN_GRACE_SECONDS,
                            http=http_protocol, ws=LiveWebSocketProtocol, ws_per_message_deflate=False,
                            ws_max_size=256 * 1024)
    server = _server(config, app.state.orchestrion)
    # uvicorn handles SIGTERM/SIGINT itself, then restores the previous handlers and raises the signal again. With
    # the default handlers that second delivery would kill this process before the workers are stopped, so the
    # handlers it restores are these, which let `server.run()` return and the `finally` below run.
    signal.signal(signal.SIGTERM, lambda *_: None)
    signal.signal(signal.SIGINT, lambda *_: None)
    click.echo(_welcome(settings, new_key), err=True)
    log_event(log, "serving", host=settings.host, port=settings.port, workers=count, data_dir=str(settings.data_dir))
    try:
        if supervisor:
            supervisor.start()
        server.run()
    finally:
        if supervisor:
            supervisor.stop()
        store.close()


@click.command()
@data_dir_option
@click.option("--workers", type=click.IntRange(min=1), default=None, help="Worker processes (default: one per CPU).")
@click.option("--models", default=None, help="Comma-separated model ids this machine serves (default: all).")
@config_option
def worker(data_dir: str | None, workers: int | None, models: str | None, config_file: str | None) -> None:
    """Run worker processes only, claiming jobs from the configured job store."""
    import threading

    from ..workers.supervisor import Supervisor

    settings = settings_from(config_file, data_dir=data_dir, workers=workers)
    configure_logging(settings.log_level, settings.log_json)
    chosen = [m.strip() for m in models.split(",") if m.strip()] if models else None
    unknown = sorted(set(chosen or ()) - set(settings.models))
    if unknown:
        raise click.UsageError(f"unknown model(s): {', '.join(unknown)}; configured: {', '.join(settings.models)}")
    open_migrated_store(settings).close()
    count = settings.workers if settings.workers is not None else os.cpu_count() or 1
    supervisor = Supervisor(settings, count, models=chosen)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    supervisor.start()
    log_event(log, "workers running", workers=count, models=",".join(chosen or settings.models))
    while not stop.wait(1.0):
        pass
    supervisor.stop()
