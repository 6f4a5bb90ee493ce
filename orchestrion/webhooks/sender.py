"""The webhook sender: leases due deliveries from the store's outbox, signs them, sends them, records the outcome.

It runs in the API process (see ``api/background.py``), not in workers: a slow or unreachable receiver must never
hold up a generation, workers may run on machines that should not reach the internet at all, and the API process
is the one that knows the public base URL for the file links in a payload. With several API processes each runs a
sender; the store's lease on each delivery makes exactly one of them send it at a time, and a sender that dies
mid-send leaves a lease that expires, so the delivery is sent again (receivers drop duplicates by ``webhook-id``).

A delivery succeeds on a 2xx answer. Anything else (another status, a redirect, a timeout, a refused connection)
is retried after ``retry_seconds``, doubling each time, until ``max_attempts``; an address that is not allowed fails
at once, since retrying cannot change the answer.
"""

from __future__ import annotations

import logging
import os
import random
import socket
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, Sequence
from urllib.parse import urlsplit, urlunsplit

import httpx
import orjson

from .._version import __version__
from ..jobs.models import Job, WebhookDelivery
from ..jobs.store import JobStore
from ..logs import log_event
from ..util import iso_utc
from .addresses import AddressNotAllowed, Network, check_webhook_url, resolve_allowed
from .signing import signature_headers

__all__ = ["WebhookSender"]

log = logging.getLogger("orchestrion.webhooks")

#: Longest pause between two attempts, however many came before.
MAX_RETRY_DELAY = 6 * 3600.0
#: Deliveries one sender sends at the same time.
CONCURRENCY = 8


class WebhookSender:
    def __init__(
        self,
        store: JobStore,
        *,
        secret: str,
        present: Callable[[Job], dict[str, Any]],
        networks: Sequence[Network] = (),
        timeout: float = 10.0,
        max_attempts: int = 8,
        retry_seconds: float = 10.0,
        owner: str | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.store = store
        self.secret = secret
        self.present = present
        self.networks = list(networks)
        self.timeout = timeout
        self.max_attempts = max(1, max_attempts)
        self.retry_seconds = retry_seconds
        self.owner = owner or f"api:{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self._http = httpx.Client(timeout=timeout, follow_redirects=False, transport=transport,
                                  headers={"user-agent": f"Orchestrion-Webhooks/{__version__}"})
        self._pool = ThreadPoolExecutor(max_workers=CONCURRENCY, thread_name_prefix="webhook")

    def close(self) -> None:
        self._pool.shutdown(wait=True)
        self._http.close()

    def run_once(self) -> int:
        """Send the deliveries due now (up to :data:`CONCURRENCY` at a time); return how many were attempted."""
        deliveries = self.store.claim_webhook_deliveries(self.owner, limit=CONCURRENCY,
                                                         lease_seconds=2 * self.timeout + 30)
        if deliveries:
            list(self._pool.map(self._attempt, deliveries))
        return len(deliveries)

    # -- one attempt -------------------------------------------------------------------------------------------
    def _attempt(self, delivery: WebhookDelivery) -> None:
        try:
            payload = delivery.payload or self._payload(delivery)
        except Exception as exc:  # a payload we cannot build is a bug to log, not a reason to stop the sender
            log.error("webhook payload failed", exc_info=exc, extra={"fields": {"delivery": delivery.id}})
            self._record(delivery, "", delivered=False, error=f"building the payload failed: {exc}", final=True)
            return
        if payload is None:
            self._record(delivery, "", delivered=False, error="the generation no longer exists", final=True)
            return
        body = payload.encode()
        try:
            response = self._post(delivery.url, delivery.id, body)
        except AddressNotAllowed as exc:
            self._record(delivery, payload, delivered=False, error=str(exc), final=not exc.transient)
            return
        except httpx.HTTPError as exc:
            self._record(delivery, payload, delivered=False, error=f"{type(exc).__name__}: {exc}".rstrip(": "))
            return
        ok = 200 <= response.status_code < 300
        self._record(delivery, payload, delivered=ok, status_code=response.status_code,
                     error=None if ok else f"the receiver answered {response.status_code}")

    def _payload(self, delivery: WebhookDelivery) -> str | None:
        job = self.store.get_job(delivery.job_id)
        if job is None:
            return None
        return orjson.dumps({
            "type": f"generation.{delivery.event}",
            "timestamp": iso_utc(delivery.created_at),
            "data": self.present(job),
        }).decode()

    def _post(self, url: str, message_id: str, body: bytes) -> httpx.Response:
        scheme, host, port = check_webhook_url(url, self.networks)
        address = resolve_allowed(host, port, self.networks)
        parts = urlsplit(url)
        # Connect to the address that was checked, not to the name again (which could resolve elsewhere by now).
        netloc = f"[{address}]:{port}" if ":" in address else f"{address}:{port}"
        target = urlunsplit((parts.scheme, netloc, parts.path or "/", parts.query, ""))
        host_header = parts.netloc.rsplit("@", 1)[-1]
        headers = {"content-type": "application/json", "host": host_header,
                   **signature_headers(self.secret, message_id, body)}
        extensions = {}
        if scheme == "https":
            extensions["sni_hostname"] = host
            # The pool keys connections by address, not by name: a TLS connection checked for one receiver must
            # not carry the next receiver's payload when both names share an address (a CDN), so none is reused.
            headers["connection"] = "close"
        with self._http.stream("POST", target, content=body, headers=headers, extensions=extensions) as response:
            # The body is not needed; reading a little lets the connection be reused.
            for _ in response.iter_bytes(chunk_size=4096):
                break
            return response

    def _record(self, delivery: WebhookDelivery, payload: str, *, delivered: bool, status_code: int | None = None,
                error: str | None = None, final: bool = False) -> None:
        attempts = delivery.attempts + 1
        retry_at = None
        if not delivered and not final and attempts < self.max_attempts:
            delay = min(MAX_RETRY_DELAY, self.retry_seconds * 2 ** (attempts - 1)) * random.uniform(0.9, 1.1)
            retry_at = time.time() + delay
        recorded = self.store.record_webhook_attempt(
            delivery.id, self.owner, delivered=delivered, payload=payload, status_code=status_code, error=error,
            retry_at=retry_at)
        outcome = "delivered" if delivered else ("retrying" if retry_at is not None else "failed")
        log_event(log, f"webhook {outcome}", logging.INFO if delivered else logging.WARNING, delivery=delivery.id,
                  job=delivery.job_id, webhook_event=delivery.event, attempt=attempts, status=status_code,
                  error=error, retry_in=None if retry_at is None else round(retry_at - time.time(), 1),
                  recorded=recorded)
