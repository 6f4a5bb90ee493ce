"""Signed, expiring links to stored files.

A link is ``/files/<storage key>?expires=<epoch>&signature=<HMAC-SHA256(secret, key + expiry)>`` so that a plain
GET without an Authorization header can fetch a finished file (as the hosted API's CDN links do), while nobody can
forge a link to another file or stretch its lifetime.

The secret comes from ``settings.secret`` or, when unset, from ``<data_dir>/secret.key``, created with mode 0600 on
first use. Every process of one deployment (the server and each worker) must agree on it, so the file is written
to a temporary name and hard-linked into place: when two processes start together exactly one link wins, and the
loser reads the winner's secret.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import math
import os
import secrets
import time
from pathlib import Path
from urllib.parse import quote

from ..secret_files import read_or_create_secret
from .base import validate_key

__all__ = ["SECRET_FILE_NAME", "UrlSigner", "load_secret"]

SECRET_FILE_NAME = "secret.key"
#: Expiry times are rounded up to this many seconds so repeated polls of one job return the same link.
EXPIRY_GRANULARITY = 60


class UrlSigner:
    """Signs and checks file links with one secret."""

    def __init__(self, secret: bytes, ttl_seconds: int = 24 * 3600) -> None:
        if not secret:
            raise ValueError("the URL signing secret must not be empty")
        self._secret = secret
        self.ttl_seconds = ttl_seconds
        # Links to one key are identical for a whole expiry step, so polls reuse them instead of re-signing.
        self._links: dict[str, str] = {}
        self._links_expiry = 0

    def signature(self, key: str, expires: int) -> str:
        # The newline keeps "a/b" + "1" and "a/b1" + "" apart; keys never contain one.
        mac = hmac.new(self._secret, f"{key}\n{expires}".encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(mac).rstrip(b"=").decode("ascii")

    def expiry(self, now: float | None = None) -> int:
        moment = (time.time() if now is None else now) + self.ttl_seconds
        return int(math.ceil(moment / EXPIRY_GRANULARITY) * EXPIRY_GRANULARITY)

    def signed_path(self, key: str, now: float | None = None) -> str:
        """The path and query of a link to ``key`` (append it to the server's base URL)."""
        expires = self.expiry(now)
        if expires != self._links_expiry or len(self._links) > 10_000:
            self._links = {}
            self._links_expiry = expires
        link = self._links.get(key)
        if link is None:
            link = f"/files/{quote(key, safe='/:')}?expires={expires}&signature={self.signature(key, expires)}"
            self._links[key] = link
        return link

    def check(self, key: str, expires: str | int | None, signature: str | None, now: float | None = None) -> str:
        """``"ok"``, ``"expired"`` (genuine but past its expiry) or ``"invalid"`` (forged, tampered or malformed)."""
        if expires is None or signature is None or len(signature) > 128:
            return "invalid"
        try:
            # Only keys we could have signed; keeps traversal out even if the secret leaked.
            validate_key(key)
        except ValueError:
            return "invalid"
        try:
            expiry = int(expires)
        except (TypeError, ValueError):
            return "invalid"
        if str(expiry) != str(expires) or expiry < 0:  # one spelling per expiry: no "+60", " 60" or "060"
            return "invalid"
        # Compared as bytes: compare_digest raises TypeError on non-ASCII str, and a query may carry anything.
        if not hmac.compare_digest(self.signature(key, expiry).encode(), signature.encode("utf-8", "replace")):
            return "invalid"
        if expiry < (time.time() if now is None else now):
            return "expired"
        return "ok"


def load_secret(data_dir: str | os.PathLike[str], configured: str | None = None) -> bytes:
    """The signing secret: ``configured`` when given, else ``<data_dir>/secret.key`` (created when missing)."""
    if configured:
        return configured.encode("utf-8")
    path = Path(data_dir) / SECRET_FILE_NAME
    secret = read_or_create_secret(path, lambda: secrets.token_hex(32))
    if secret is None:
        raise RuntimeError(f"{path} is empty; delete it to have a new signing secret created")
    return secret.encode("utf-8")
