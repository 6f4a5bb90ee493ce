"""Webhooks: signing deliveries (Standard Webhooks), deciding which addresses they may reach, and the sender that
drains the job store's outbox.

Deliveries are rows the store writes in the same transaction that changes a job (see the ``jobs_webhook_events``
trigger), so none is lost to a crash or a restart; the sender leases them, so several API processes never send one
twice at the same time. Receivers verify a delivery with :func:`verify`. Must not touch HTTP routes or engines.
"""

from .addresses import AddressNotAllowed, check_webhook_url, parse_networks, resolve_allowed
from .signing import WebhookVerificationError, load_webhook_secret, sign, signature_headers, verify

__all__ = [
    "AddressNotAllowed",
    "WebhookVerificationError",
    "check_webhook_url",
    "load_webhook_secret",
    "parse_networks",
    "resolve_allowed",
    "sign",
    "signature_headers",
    "verify",
]
