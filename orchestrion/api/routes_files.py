"""``GET``/``HEAD /files/<key>?expires=…&signature=…``: finished files behind signed links, no Authorization needed.

Checks, in order: the signature (403 when forged or tampered), the key and the resolved path (both must stay inside
the storage root, symlinks included: 404 otherwise), the file (410 when a genuine link's file is gone), then the
expiry (403). Range requests are served by Starlette's ``FileResponse``; a Range past the end answers 416 in the
error shape, and a malformed one is ignored as RFC 9110 allows (the whole file is sent).
"""

from __future__ import annotations

import mimetypes
import os
import stat
import time
from pathlib import PurePosixPath

from fastapi import APIRouter, Query, Request
from starlette.responses import FileResponse, Response
from starlette.types import Receive, Scope, Send

from ..storage.encode import FORMATS
from .context import api_context
from .errors import Forbidden, Gone, NotFound, RangeNotSatisfiable
from .spec import error_responses

__all__ = ["content_type_for", "router"]

router = APIRouter(tags=["files"])

#: Content types by extension, agreeing with what the encoder records in each job's file list.
_CONTENT_TYPES = {spec.extension: spec.content_type for spec in FORMATS.values()} | {
    "mid": "audio/midi",
    "midi": "audio/midi",
    "json": "application/json",
}


def content_type_for(name: str) -> str:
    extension = PurePosixPath(name).suffix.lower().lstrip(".")
    return _CONTENT_TYPES.get(extension) or mimetypes.guess_type(name)[0] or "application/octet-stream"


class _FileResponse(FileResponse):
    """A ``FileResponse`` that can be told to ignore a malformed Range header instead of answering 400."""

    def __init__(self, *args: object, ignore_range: bool = False, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self._ignore_range = ignore_range

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self._ignore_range:
            scope = {**scope, "headers": [(k, v) for k, v in scope["headers"] if k != b"range"]}
        await super().__call__(scope, receive, send)


def _range_verdict(header: str, size: int) -> str:
    """``"ok"``, ``"unsatisfiable"`` or ``"malformed"``, judged exactly as ``FileResponse`` will judge it."""
    from starlette.responses import MalformedRangeHeader, RangeNotSatisfiable as _Unsatisfiable

    try:
        FileResponse._parse_range_header(header, size)
    except _Unsatisfiable:
        return "unsatisfiable"
    except MalformedRangeHeader:
        return "malformed"
    except Exception:  # a parser change in Starlette must not turn a download into a 500
        return "malformed"
    return "ok"


_FILE_RESPONSES: dict[int | str, dict] = {
    200: {"description": "The file.", "content": {"audio/wav": {}, "application/octet-stream": {}}},
    206: {"description": "Part of the file (Range request)."},
    **error_responses(403, 404, 410, 416),
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
    try:
        # Resolves symlinks and refuses anything outside the storage root (LocalStorage.path).
        real = ctx.storage.path(key)  # type: ignore[attr-defined]  # local storage; S3 links never reach us
    except (ValueError, AttributeError):
        raise NotFound("File not found.") from None
    try:
        info = os.stat(real)
    except FileNotFoundError:
        raise Gone("The file behind this link no longer exists.") from None
    except OSError:
        raise NotFound("File not found.") from None
    if not stat.S_ISREG(info.st_mode):
        raise NotFound("File not found.")
    if verdict == "expired":
        raise Forbidden("This link has expired; fetch the generation again for a fresh link.")

    ignore_range = False
    range_header = request.headers.get("range")
    if range_header is not None:
        judged = _range_verdict(range_header, info.st_size)
        if judged == "unsatisfiable":
            raise RangeNotSatisfiable(
                f"Range {range_header!r} lies outside the file ({info.st_size} bytes).",
                headers={"Content-Range": f"bytes */{info.st_size}"},
            )
        ignore_range = judged == "malformed"

    remaining = max(0, int(expires or 0) - int(time.time()))
    return _FileResponse(
        real,
        stat_result=info,
        media_type=content_type_for(key),
        filename=PurePosixPath(key).name,
        content_disposition_type="inline",
        headers={"Cache-Control": f"private, max-age={remaining}"},
        ignore_range=ignore_range,
    )
