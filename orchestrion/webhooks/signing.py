"""Standard Webhooks signatures (https://www.standardwebhooks.com).

Each delivery carries ``webhook-id`` (the same on every retry), ``webhook-timestamp`` (epoch seconds of this
attempt) and ``webhook-signature: v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">``. The secret is written
``whsec_<base64 of the key bytes>``; the HMAC uses the decoded bytes, so any Standard Webhooks library verifies
our deliveries with the secret as printed by ``orchestrion webhooks secret``.

The secret comes from ``settings.webhook_secret`` or, when unset, from ``<data_dir>/webhook.key``, created with mode
0600 on first use (written aside and hard-linked into place, so processes starting together agree on one).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import secrets
import time
from pathlib import Path
from typing import Mapping

from ..secret_files import read_or_create_secret

__all__ = ["SECRET_FILE_NAME", "WebhookVerificationError", "load_webhook_secret", "sign", "signature_headers",
           "verify"]

SECRET_FILE_NAME = "webhook.key"
SECRET_PREFIX = "whsec_"
#: Receivers should refuse deliveries whose timestamp is further than this from their clock (replays).
DEFAULT_TOLERANCE_SECONDS = 5 * 60


class WebhookVerificationError(ValueError):
    """A delivery's signature, timestamp or headers do not check out."""


def _key_bytes(secret: str) -> bytes:
    if not isinstance(secret, str) or not secret.startswith(SECRET_PREFIX):
        raise ValueError("a webhook secret is written whsec_<base64>")
    try:
        key = base64.b64decode(secret[len(SECRET_PREFIX):], validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("a webhook secret is written whsec_<base64>; the part after whsec_ is not base64") from None
    if len(key) < 16:
        raise ValueError("a webhook secret needs at least 16 bytes of key")
    return key


def sign(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    """The ``webhook-signature`` value for one attempt: ``v1,<base64 HMAC-SHA256>``."""
    signed = f"{message_id}.{int(timestamp)}.".encode() + body
    mac = hmac.new(_key_bytes(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(mac).decode("ascii")


def signature_headers(secret: str, message_id: str, body: bytes, timestamp: int | None = None) -> dict[str, str]:
    stamp = int(time.time() if timestamp is None else timestamp)
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(stamp),
        "webhook-signature": sign(secret, message_id, stamp, body),
    }


def verify(secret: str, headers: Mapping[str, str], body: bytes, *,
           tolerance: float = DEFAULT_TOLERANCE_SECONDS, now: float | None = None) -> None:
    """Raise :class:`WebhookVerificationError` unless ``body`` with ``headers`` was signed with ``secret`` within
    ``tolerance`` seconds of ``now``. Header names are matched case-insensitively."""
    lowered = {k.lower(): v for k, v in headers.items()}
    message_id = lowered.get("webhook-id")
    stamp = lowered.get("webhook-timestamp")
    signatures = lowered.get("webhook-signature")
    if not message_id or not stamp or not signatures:
        raise WebhookVerificationError("missing webhook-id, webhook-timestamp or webhook-signature")
    try:
        timestamp = int(stamp)
    except ValueError:
        raise WebhookVerificationError("webhook-timestamp is not an integer") from None
    if abs((time.time() if now is None else now) - timestamp) > tolerance:
        raise WebhookVerificationError("webhook-timestamp is too far from now (a replay?)")
    expected = sign(secret, message_id, timestamp, body).encode()
    # The header may list several space-separated signatures (during a secret rotation); one match is enough.
    if not any(hmac.compare_digest(expected, candidate.encode()) for candidate in signatures.split()):
        raise WebhookVerificationError("no webhook-signature matches")


def load_webhook_secret(data_dir: str | os.PathLike[str], configured: str | None = None) -> str:
    """The secret deliveries are signed with: ``configured`` (checked) or ``<data_dir>/webhook.key``."""
    if configured:
        _key_bytes(configured)
        return configured
    path = Path(data_dir) / SECRET_FILE_NAME
    secret = read_or_create_secret(
        path, lambda: SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode("ascii"))
    if secret is None:
        raise RuntimeError(f"{path} is empty; delete it to have a new webhook secret created")
    _key_bytes(secret)
    return secret
