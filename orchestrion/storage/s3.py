"""S3-compatible object storage (AWS S3, MinIO, Cloudflare R2, Ceph …): files shared by every machine of a deployment.

Addressed by a URL, ``s3://bucket/optional/prefix`` with optional query parameters:

- ``endpoint`` — the service's URL when it is not AWS (``http://minio:9000``);
- ``region`` — the bucket's region (default: boto3's own configuration, else ``us-east-1``);
- ``addressing`` — ``path`` (the default with a custom endpoint, which MinIO and most self-hosted servers need) or
  ``virtual`` (bucket in the host name, AWS's default);
- ``public_endpoint`` — the URL clients reach the service by, when it differs from the one servers use (links are
  signed for that host).

Credentials come from boto3's usual chain (``AWS_ACCESS_KEY_ID``/``AWS_SECRET_ACCESS_KEY``, a profile, an
instance role) and never from the URL, so the URL can be logged. Downloads use presigned GET URLs made by the
storage itself; the API hands them out instead of its own signed links, and the bytes never pass through it. The
server's own reads (:meth:`S3Storage.open`, a ranged ``GetObject``) go through the same client.

boto3 errors are translated at this seam into :class:`S3StorageError` (an ``OSError``), with the bucket and key.
"""

from __future__ import annotations

import io
import threading
import time
from typing import Any, BinaryIO
from urllib.parse import parse_qs, urlsplit

from .base import Storage, check_range, validate_key

__all__ = ["S3Storage", "S3StorageError", "parse_s3_url"]

#: SigV4 presigned URLs live at most seven days.
MAX_PRESIGN_SECONDS = 7 * 24 * 3600
_OPTIONS = {"endpoint", "region", "addressing", "public_endpoint"}


class S3StorageError(OSError):
    """The object store refused or failed a request (wrong credentials, no such bucket, unreachable …)."""


#: Error codes S3 (and its look-alikes) answer for an object that does not exist.
_MISSING = {"404", "NoSuchKey", "NotFound"}


def _is_missing(exc: S3StorageError) -> bool:
    return getattr(exc.__cause__, "response", {}).get("Error", {}).get("Code") in _MISSING


def parse_s3_url(url: str) -> dict[str, Any]:
    """``{"bucket", "prefix", "endpoint", "region", "addressing", "public_endpoint"}`` from an ``s3://`` URL."""
    parts = urlsplit(url)
    if parts.scheme != "s3" or not parts.netloc:
        raise ValueError(f"invalid S3 storage URL {url!r}: expected s3://bucket[/prefix][?endpoint=…&region=…]")
    query = parse_qs(parts.query, keep_blank_values=True, strict_parsing=False)
    unknown = sorted(set(query) - _OPTIONS)
    if unknown:
        raise ValueError(f"invalid S3 storage URL {url!r}: unknown option(s) {', '.join(unknown)}; "
                         f"known: {', '.join(sorted(_OPTIONS))}")
    if any(len(values) > 1 for values in query.values()):
        raise ValueError(f"invalid S3 storage URL {url!r}: an option is given twice")
    options = {name: values[0] for name, values in query.items()}
    addressing = options.get("addressing") or ("path" if options.get("endpoint") else "auto")
    if addressing not in {"path", "virtual", "auto"}:
        raise ValueError(f"invalid S3 storage URL {url!r}: addressing is path or virtual, got {addressing!r}")
    for name in ("endpoint", "public_endpoint"):
        endpoint = options.get(name)
        if endpoint is not None and urlsplit(endpoint).scheme not in {"http", "https"}:
            raise ValueError(f"invalid S3 storage URL {url!r}: {name} must be an http(s) URL, got {endpoint!r}")
    prefix = parts.path.strip("/")
    if prefix:
        validate_key(prefix)
    return {"bucket": parts.netloc, "prefix": prefix, "endpoint": options.get("endpoint"),
            "region": options.get("region"), "addressing": addressing,
            "public_endpoint": options.get("public_endpoint")}


def _client(endpoint: str | None, region: str | None, addressing: str) -> Any:
    try:
        import boto3
        from botocore.config import Config
    except ImportError as exc:  # pragma: no cover - boto3 is a declared dependency
        raise ImportError("S3 storage needs boto3: pip install 'boto3>=1.34'") from exc
    config = Config(signature_version="s3v4", s3={"addressing_style": addressing},
                    retries={"max_attempts": 3, "mode": "standard"}, connect_timeout=5, read_timeout=30)
    return boto3.session.Session().client("s3", endpoint_url=endpoint, region_name=region or None, config=config)


class S3Storage(Storage):
    """Files as objects ``<prefix>/<key>`` in one bucket. The bucket must exist; this class never creates it."""

    def __init__(self, bucket: str, prefix: str = "", *, endpoint: str | None = None, region: str | None = None,
                 addressing: str = "auto", public_endpoint: str | None = None, client: Any = None) -> None:
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self._client = client or _client(endpoint, region, addressing)
        # Presigning is local computation, so a client aimed at the public host signs links for that host.
        self._signer = _client(public_endpoint, region, addressing) if public_endpoint else self._client
        self._links: dict[str, tuple[str, float]] = {}
        self._links_lock = threading.Lock()

    @classmethod
    def from_url(cls, url: str) -> "S3Storage":
        return cls(**parse_s3_url(url))

    def __repr__(self) -> str:
        return f"S3Storage(bucket={self.bucket!r}, prefix={self.prefix!r})"

    def object_key(self, key: str) -> str:
        validate_key(key)
        return f"{self.prefix}/{key}" if self.prefix else key

    def _call(self, what: str, key: str, method: str, **kwargs: Any) -> Any:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            return getattr(self._client, method)(Bucket=self.bucket, **kwargs)
        except ClientError as exc:
            error = exc.response.get("Error", {})
            raise S3StorageError(f"S3 {what} of s3://{self.bucket}/{key} failed: "
                                 f"{error.get('Code', '?')}: {error.get('Message', exc)}") from exc
        except BotoCoreError as exc:
            raise S3StorageError(f"S3 {what} of s3://{self.bucket}/{key} failed: {exc}") from exc

    # -- Storage -----------------------------------------------------------------------------------------------
    def put(self, key: str, data: bytes, content_type: str) -> int:
        name = self.object_key(key)
        # One PUT replaces the object whole: readers see the old file or the new one, never part of it.
        self._call("upload", name, "put_object", Key=name, Body=data, ContentType=content_type,
                   ContentLength=len(data))
        return len(data)

    def exists(self, key: str) -> bool:
        try:
            name = self.object_key(key)
        except ValueError:
            return False
        try:
            self._call("lookup", name, "head_object", Key=name)
        except S3StorageError as exc:
            if _is_missing(exc):
                return False
            raise
        return True

    def size(self, key: str) -> int:
        name = self.object_key(key)
        try:
            head = self._call("lookup", name, "head_object", Key=name)
        except S3StorageError as exc:
            if _is_missing(exc):
                raise FileNotFoundError(f"no object s3://{self.bucket}/{name}") from None
            raise
        return int(head["ContentLength"])

    def open(self, key: str, start: int = 0, end: int | None = None) -> BinaryIO:
        check_range(start, end)
        name = self.object_key(key)
        if end == start:
            if not self.exists(key):
                raise FileNotFoundError(f"no object s3://{self.bucket}/{name}")
            return io.BytesIO(b"")
        # HTTP ranges are inclusive; ours end before `end`. No Range at all for the whole object.
        ranged = {} if start == 0 and end is None else {"Range": f"bytes={start}-{'' if end is None else end - 1}"}
        try:
            answer = self._call("download", name, "get_object", Key=name, **ranged)
        except S3StorageError as exc:
            if _is_missing(exc):
                raise FileNotFoundError(f"no object s3://{self.bucket}/{name}") from None
            if getattr(exc.__cause__, "response", {}).get("Error", {}).get("Code") == "InvalidRange":
                return io.BytesIO(b"")  # a start at or past the end: no bytes, as for a local file
            raise
        return io.BufferedReader(_Body(answer["Body"], f"s3://{self.bucket}/{name}"))  # type: ignore[return-value]

    def delete_prefix(self, prefix: str) -> int:
        folder = self.object_key(prefix) + "/"
        deleted = 0
        token: str | None = None
        while True:
            page = self._call("listing", folder, "list_objects_v2", Prefix=folder,
                              **({"ContinuationToken": token} if token else {}))
            names = [{"Key": item["Key"]} for item in page.get("Contents", [])]
            if names:
                answer = self._call("deletion", folder, "delete_objects", Delete={"Objects": names, "Quiet": True})
                failed = answer.get("Errors") or []
                if failed:
                    raise S3StorageError(f"S3 deletion under s3://{self.bucket}/{folder} failed for "
                                         f"{len(failed)} object(s): {failed[0].get('Message', failed[0])}")
                deleted += len(names)
            if not page.get("IsTruncated"):
                return deleted
            token = page["NextContinuationToken"]

    def presigned_url(self, key: str, expires_in: int) -> str | None:
        """A GET link valid for ``expires_in`` seconds (at most seven days, S3's limit).

        A link is reused for a tenth of its lifetime (a minute at most), since polling clients ask for the same
        file many times and signing costs far more than a lookup; a reused link is never more than that older.
        """
        if not 1 <= expires_in <= MAX_PRESIGN_SECONDS:
            raise ValueError(f"S3 presigned URLs live 1 s to 7 days, asked for {expires_in} s")
        name = self.object_key(key)
        now = time.monotonic()
        reuse_for = min(60.0, expires_in / 10)
        with self._links_lock:
            cached = self._links.get(name)
            if cached is not None and now - cached[1] < reuse_for:
                return cached[0]
        url = self._signer.generate_presigned_url(
            "get_object", Params={"Bucket": self.bucket, "Key": name}, ExpiresIn=int(expires_in))
        with self._links_lock:
            if len(self._links) >= 10_000:
                self._links.clear()
            self._links[name] = (url, now)
        return url


class _Body(io.RawIOBase):
    """A ``GetObject`` body as a standard raw stream; read failures surface as :class:`S3StorageError`."""

    def __init__(self, body: Any, where: str) -> None:
        self._body = body
        self._where = where

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:
        return self._read(None if size is None or size < 0 else size)

    def readall(self) -> bytes:
        return self._read(None)

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        data = self._read(len(buffer))
        memoryview(buffer)[: len(data)] = data
        return len(data)

    def _read(self, size: int | None) -> bytes:
        from botocore.exceptions import BotoCoreError

        try:
            return self._body.read(size)
        except BotoCoreError as exc:
            raise S3StorageError(f"S3 download of {self._where} failed: {exc}") from exc

    def close(self) -> None:
        if not self.closed:
            self._body.close()
        super().close()
