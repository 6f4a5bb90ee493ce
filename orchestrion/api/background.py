"""Work the API process does beside answering requests: sending webhooks and sweeping expired generations.

One daemon thread per app, started and stopped by the app's lifespan (so in-process test clients, which run no
lifespan, start none). Both jobs are safe with several API processes: webhook deliveries are leased, and sweeping is
idempotent. Store trouble is logged and retried on the next round, never fatal.
"""

from __future__ import annotations

import logging
import threading
import time

from ..jobs.store import StoreError
from ..logs import log_event
from ..retention import sweep_expired, sweep_interval
from ..webhooks.sender import WebhookSender
from .context import ApiContext

__all__ = ["BackgroundTasks"]

log = logging.getLogger("orchestrion.api")

#: Pause between looks at the webhook outbox when nothing was due.
IDLE_SECONDS = 0.25


class BackgroundTasks:
    def __init__(self, ctx: ApiContext, sender: WebhookSender) -> None:
        self.ctx = ctx
        self.sender = sender
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="orchestrion-background", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
        self.sender.close()

    def _run(self) -> None:
        settings = self.ctx.settings
        next_sweep = time.monotonic()
        while not self._stop.is_set():
            sent = 0
            try:
                sent = self.sender.run_once()
            except StoreError as exc:
                log_event(log, "webhook outbox unavailable", logging.WARNING, reason=str(exc))
            except Exception:  # a bug here must not silently end webhooks for the life of the process
                log.exception("webhook sender failed")
            if settings.retention_seconds > 0 and time.monotonic() >= next_sweep:
                next_sweep = time.monotonic() + sweep_interval(settings.retention_seconds)
                try:
                    sweep_expired(self.ctx.store, self.ctx.storage, settings.retention_seconds)
                except StoreError as exc:
                    log_event(log, "retention sweep failed", logging.WARNING, reason=str(exc))
                except Exception:
                    log.exception("retention sweep failed")
            if not sent:
                self._stop.wait(IDLE_SECONDS)
