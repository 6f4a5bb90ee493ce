"""``GET``/``HEAD /files/<key>?expires=…&signature=…``: finished files behind signed links, no Authorization needed.

Checks, in order: the signature (403 when forged or tampered), the key (it must stay inside the storage, symlinks
included: 404 otherwise, and for anything that is not a file), the file (410 when a genuine link's file is gone),
then the expiry (403). Files are read through the storage interface: a whole file the storage keeps on this disk
(:meth:`Storage.local_path`) goes out as a ``FileResponse`` (``sendfile`` where the server offers it), anything else
streams from :meth:`Storage.open`.

Range (RFC 9110 §14, parsed by :func:`parse_range`): one range of bytes (``first-last``, ``first-`` or a suffix
``-n``) answers 206 with ``Content-Range``; a range only of bytes the file does not have answers 416 in the error
shape with ``Content-Range: bytes */size``. A header that does not parse, another unit, several ranges, a Range sent
with ``If-Range``, and a Range on HEAD are ignored (RFC 9110 allows it) and the whole file is sent.
"""

from __future__ import annotations

import logging
import mimetypes
import os
import re
import time
from contextlib import contextmanager
from pathlib import Path, PurePosixPath
from typing import AsyncIterator, BinaryIO, Iterator

import anyio
import anyio.to_thread
from fastapi import APIRouter, Query, Request
from starlette.responses import FileResponse, Response, StreamingResponse
from starlette.types import Receive, Scope, Send

from ..logs import log_event
from ..storage.base import Storage
from ..storage.encode import FORMATS
from .context import api_context
from .errors import Forbidden, Gone, NotFound, RangeNotSatisfiable, ServiceUnavailable
from .middleware import REQUEST_ID_SCOPE
from .spec import error_responses

__all__ = ["UnsatisfiableRange", "content_type_for", "parse_range", "router"]

router = APIRouter(tags=["files"])
log = logging.getLogger("orchestrion.api")

#: Bytes read from storage at a time while streaming.
CHUNK_BYTES = 64 * 1024

#: Content types by extension, agreeing with what the encoder records in each job's file list.
_CONTENT_TYPES = {spec.extension: spec.content_type for spec in FORMATS.values()} | {
    "mid": "audio/midi",
    "midi": "audio/midi",
    "json": "application/json",
}


def content_type_for(name: str) -> str:
    extension = PurePosixPath(name).suffix.lower().lstrip(".")
    return _CONTENT_TYPES.get(extension) or mimetypes.guess_type(name)[0] or "application/octet-stream"


class _WholeFile(FileResponse):
    """A local file sent whole. The route has already judged any Range header, so Starlette must not judge it
    again (its own parser answers 400 to headers RFC 9110 says to ignore, and multipart to several ranges)."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        scope = {**scope, "headers": [(k, v) for k, v in scope["headers"] if k != b"range"]}
        await super().__call__(scope, receive, send)


class UnsatisfiableRange(ValueError):
    """A Range no byte of the file satisfies (RFC 9110 §14.1.1): 416."""


#: One range-spec of RFC 9110 §14.1.1: ``first-last``, ``first-`` or ``-suffix`` (no whitespace inside).
_RANGE_SPEC = re.compile(r"([0-9]*)-([0-9]*)")
#: Digits past this many name a position beyond any file (and would make ``int`` slow or refuse).
_MAX_DIGITS = 30


def parse_range(header: str, size: int) -> tuple[int, int] | None:
    """The byte range a ``Range`` header asks of a file of ``size`` bytes, as ``(start, end)`` with ``end``
    exclusive; ``None`` when the header is to be ignored and the whole file sent; :class:`UnsatisfiableRange` when
    it asks only for bytes the file does not have.

    Ignored (RFC 9110 lets a server ignore Range): a header that does not parse, another unit than ``bytes``, a
    range whose last position comes before its first, and more than one range. Several ranges would need a
    ``multipart/byteranges`` answer; audio players and download resumers ask for one, so this server sends the
    whole file instead.
    """
    unit, equals, ranges = header.partition("=")
    if not equals or unit.strip().lower() != "bytes":
        return None
    specs = [spec.strip() for spec in ranges.split(",") if spec.strip()]  # list syntax allows empty elements
    if len(specs) != 1:
        return None
    match = _RANGE_SPEC.fullmatch(specs[0])
    if match is None:
        return None
    first, last = (_position(text) for text in match.groups())
    if first is None:
        if last is None:
            return None  # "-": neither a position nor a suffix
        if last == 0 or size == 0:
            raise UnsatisfiableRange(f"a suffix of {last} bytes of a {size}-byte file")
        return max(0, size - last), size
    if last is not None and last < first:
        return None
    if first >= size:
        raise UnsatisfiableRange(f"a range from byte {first} of a {size}-byte file")
    return first, size if last is None else min(last + 1, size)


def _position(digits: str) -> int | None:
    if not digits:
        return None
    return int(digits) if len(digits) <= _MAX_DIGITS else 10**_MAX_DIGITS


_FILE_RESPONSES: dict[int | str, dict] = {
    200: {"description": "The file.", "content": {"audio/wav": {}, "application/octet-stream": {}}},
    206: {"description": "Part of the file (Range request)."},
    **error_responses(403, 404, 410, 416, 503),
}


@router.head("/files/{key:path}", summary="Headers of a generated file", response_class=Response,
             responses=_FILE_RESPONSES, operation_id="head_file")
@router.get("/files/{key:path}", summary="Download a generated file", response_class=Response,
            responses=_FILE_RESPONSES, operation_id="download_file")
async def download_file(
    request: Request,
    key: str,
    expires: str | None = Query(default=None, description="Expiry, epoch seconds (part of the signed link)."),
    signature: str | None = Query(default=None, description="HMAC of key and expiry (part of the signed link)."),
) -> Response:
    """Serve a file named by a signed link from a generation answer. No Authorization header is needed."""
    ctx = api_context(request)
    verdict = ctx.signer.check(key, expires, signature)
    if verdict == "invalid":
        raise Forbidden("Invalid or missing file signature.")
    size, local = await anyio.to_thread.run_sync(_locate, ctx.storage, key, request)
    if verdict == "expired":
        raise Forbidden("This link has expired; fetch the generation again for a fresh link.")

    byte_range = None
    range_header = request.headers.get("range")
    # Range is defined for GET only; with If-Range the whole file is always a correct answer (validators are not
    # compared here).
    if range_header is not None and request.method == "GET" and "if-range" not in request.headers:
        try:
            byte_range = parse_range(range_header, size)
        except UnsatisfiableRange:
            raise RangeNotSatisfiable(
                f"Range {range_header!r} lies outside the file ({size} bytes).",
                headers={"Content-Range": f"bytes */{size}"},
            ) from None

    remaining = max(0, int(expires or 0) - int(time.time()))
    headers = {
        "Cache-Control": f"private, max-age={remaining}",
        "Accept-Ranges": "bytes",
        "Content-Disposition": f'inline; filename="{PurePosixPath(key).name}"',  # keys are plain ASCII
    }
    media_type = content_type_for(key)
    if byte_range is None and local is not None:
        return _WholeFile(local[0], stat_result=local[1], media_type=media_type, headers=headers)
    start, end = byte_range if byte_range is not None else (0, size)
    headers["Content-Length"] = str(end - start)
    status = 200
    if byte_range is not None:
        status = 206
        headers["Content-Range"] = f"bytes {start}-{end - 1}/{size}"
    if request.method == "HEAD":
        return Response(status_code=status, headers=headers, media_type=media_type)
    stream = await anyio.to_thread.run_sync(_open, ctx.storage, key, start, end, request)
    return StreamingResponse(_chunks(stream), status_code=status, headers=headers, media_type=media_type)


def _locate(storage: Storage, key: str, request: Request) -> tuple[int, tuple[Path, os.stat_result] | None]:
    """The file's size, and its local path and status when the storage keeps it on this disk."""
    with _storage_errors(key, request):
        size = storage.size(key)
        path = storage.local_path(key)
        return size, None if path is None else (path, os.stat(path))


def _open(storage: Storage, key: str, start: int, end: int, request: Request) -> BinaryIO:
    with _storage_errors(key, request):
        return storage.open(key, start, end)


async def _chunks(stream: BinaryIO) -> AsyncIterator[bytes]:
    try:
        while chunk := await anyio.to_thread.run_sync(stream.read, CHUNK_BYTES):
            yield chunk
    finally:
        stream.close()


@contextmanager
def _storage_errors(key: str, request: Request) -> Iterator[None]:
    """The storage's errors as answers: no file under a genuine key is 410, a key that is not valid (or leads
    out of the storage) or names no file (a folder) 404, and a storage that fails to answer 503."""
    try:
        yield
    except FileNotFoundError:
        raise Gone("The file behind this link no longer exists.") from None
    except (ValueError, IsADirectoryError, NotADirectoryError):
        raise NotFound("File not found.") from None
    except OSError as exc:
        log_event(log, "reading a stored file failed", level=logging.ERROR, file_key=key,
                  request_id=request.scope.get(REQUEST_ID_SCOPE), error=f"{type(exc).__name__}: {exc}")
        raise ServiceUnavailable("The file storage failed to answer; retry shortly.") from None
