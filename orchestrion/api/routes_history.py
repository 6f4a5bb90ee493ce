"""``GET /v2/generate/audio/generations?limit=&after=``: this key's generations, newest first, cursor paged
(extension).

Each item has the shape the poll answers. The cursor is opaque to clients (a letter and a base-36 row number: short,
and any well-formed value is a valid place to start, so no value of the documented form is refused).
"""

from __future__ import annotations

import re

from fastapi import APIRouter, Depends, Query, Request
from starlette.responses import Response

from ..jobs.models import ApiKey
from .context import api_context, json_response
from .errors import BadRequest
from .presenting import present_all
from .routes_generate import authenticated_key
from .schemas import GenerationList
from .spec import BEARER_SECURITY, error_responses

__all__ = ["router"]

router = APIRouter(tags=["generation"])

_CURSOR = re.compile(r"^g[0-9a-z]{1,12}$")
_BASE36 = "0123456789abcdefghijklmnopqrstuvwxyz"


@router.get(
    "/v2/generate/audio/generations",
    summary="List this key's generations (extension)",
    response_model=GenerationList,
    responses=error_responses(400, 401, 403, 429, 503),
    openapi_extra={"security": BEARER_SECURITY},
)
async def list_generations(
    request: Request,
    key: ApiKey = Depends(authenticated_key),
    limit: int = Query(20, ge=1, le=100, description="Generations per page."),
    after: str | None = Query(None, pattern=_CURSOR.pattern,
                              description="The `next_cursor` of the previous page (opaque)."),
) -> Response:
    """This key's generations, newest first, each in the shape `GET /v2/generate/audio` answers, cursor paged."""
    ctx = api_context(request)
    unknown = sorted(set(request.query_params) - {"limit", "after"})
    if unknown:
        # A misspelt `limit` or `after` must not silently page from the start.
        raise BadRequest(f"{unknown[0]}: is not a known query parameter (use limit and after)")
    try:
        jobs, next_cursor = await ctx.read(ctx.store.list_jobs, key.id, limit=limit, after=_decode_cursor(after))
    except ValueError:
        raise BadRequest("after: not a cursor this server handed out") from None
    data = await present_all(ctx, ctx.base_url(request), jobs)
    return json_response({
        "object": "list",
        "data": data,
        "has_more": next_cursor is not None,
        "next_cursor": _encode_cursor(next_cursor),
    })


def _encode_cursor(cursor: str | None) -> str | None:
    # The store's cursor is a row number; written in base 36 behind a letter it is short and says nothing useful.
    if cursor is None:
        return None
    number, digits = int(cursor), ""
    while True:
        number, rest = divmod(number, 36)
        digits = _BASE36[rest] + digits
        if number == 0:
            return "g" + digits


def _decode_cursor(cursor: str | None) -> str | None:
    if cursor is None:
        return None
    if not _CURSOR.match(cursor):
        raise BadRequest("after: not a cursor this server handed out")
    return str(int(cursor[1:], 36))
