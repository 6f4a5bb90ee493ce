"""What `/openapi.json` says beyond what FastAPI infers: the error body on every error answer, the Bearer scheme,
and the POST body schema (the route parses its body itself, with orjson-speed validation and field-naming errors,
so FastAPI cannot see it).
"""

from __future__ import annotations

import http
import itertools
from typing import Any, Sequence

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from .schemas import ErrorBody, GenerateAudioRequest, VertexPredictRequest
from .sources import COMPOSER_FIELDS, EDITS

__all__ = ["BEARER_SECURITY", "error_responses", "install_openapi", "request_rules"]

BEARER_SECURITY: list[dict[str, list[str]]] = [{"bearerAuth": []}]

_WHY = {
    400: "Invalid request; the message names the field and why.",
    401: "Missing or unknown API key.",
    403: "Key revoked or out of credits; for file links: bad or expired signature.",
    404: "Unknown generation (including another key's) or file; for an edit, its source.",
    409: "The Idempotency-Key was used with a different body within 24 h; or an edit's source is not completed.",
    410: "The file behind a genuine link no longer exists (deleted, or swept by retention); or an edit's source's "
         "files.",
    413: "Request body over the size limit; or a section plan or an extension longer than the composer makes.",
    415: "`midi` is not a Standard MIDI File the composer reads (the message says why).",
    416: "Requested range lies outside the file.",
    429: "Too many queued or active generations for this key, or too many requests per minute; see Retry-After "
         "and the RateLimit-Limit, RateLimit-Remaining and RateLimit-Reset headers.",
    503: "Queue full, store unreachable, engine unavailable or not ready; see Retry-After where given.",
    504: "The generation did not finish within predict_timeout_seconds; it was canceled and refunded.",
}

_RATE_LIMIT_HEADERS = {
    "Retry-After": {"description": "Seconds to wait before retrying.", "schema": {"type": "integer"}},
    "RateLimit-Limit": {"description": "Requests per minute, or generations in flight, allowed for this key.",
                        "schema": {"type": "integer"}},
    "RateLimit-Remaining": {"description": "How many of them are left now.", "schema": {"type": "integer"}},
    "RateLimit-Reset": {"description": "Seconds until the limit frees up.", "schema": {"type": "integer"}},
}


def error_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` entries for ``codes``, plus 500, all with the error body."""
    answers: dict[int | str, dict[str, Any]] = {
        code: {"model": ErrorBody, "description": _WHY.get(code, http.HTTPStatus(code).phrase)}
        for code in (*codes, 500)
    }
    if 429 in answers:
        answers[429]["headers"] = _RATE_LIMIT_HEADERS
    return answers


def _sent(name: str, kind: str) -> dict[str, Any]:
    """Schema of a body that sends ``name`` with a value (not null) of JSON type ``kind``."""
    return {"required": [name], "properties": {name: {"type": kind}}}


def _unsent(*names: str) -> dict[str, Any]:
    """Schema of a body that leaves every one of ``names`` out (or null)."""
    return {"properties": {name: {"type": "null"} for name in names}}


def request_rules(composer_ids: Sequence[str]) -> list[dict[str, Any]]:
    """What the request body's fields require of each other, as JSON Schema (``allOf`` of the body): a prompt
    unless an edit is sent; at most one of extend, repaint, remix and midi; `midi_mode` only with `midi`; a
    section plan without `duration` or a source; one sample of an extension; composer-only fields only for
    composer models."""
    sources = {"extend": "object", "repaint": "object", "remix": "object", "midi": "string"}
    rules: list[dict[str, Any]] = [
        {"anyOf": [_sent("prompt", "string")] + [_sent(name, "object") for name in EDITS]},
        *({"anyOf": [_unsent(a), _unsent(b)]} for a, b in itertools.combinations(sources, 2)),
        {"anyOf": [_unsent("midi_mode"), _sent("midi", "string")]},
        {"anyOf": [_unsent("sections"), _unsent("duration", *sources)]},
        {"anyOf": [_unsent("extend"), {"properties": {"sample_count": {"anyOf": [{"type": "null"},
                                                                                 {"maximum": 1}]}}}]},
    ]
    only_composer = _unsent(*COMPOSER_FIELDS)
    rules.append({"anyOf": [{"properties": {"model": {"enum": list(composer_ids)}}}, only_composer]}
                 if composer_ids else only_composer)
    return rules


def install_openapi(app: FastAPI, served_ids: Sequence[str], composer_ids: Sequence[str] = ()) -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = get_openapi(
            title=app.title,
            version=app.version,
            description=app.description,
            routes=app.routes,
        )
        # Validation failures answer 400 with the error body (see errors.py), never FastAPI's 422.
        for operations in schema.get("paths", {}).values():
            for operation in operations.values():
                if isinstance(operation, dict):
                    operation.get("responses", {}).pop("422", None)
        components = schema.setdefault("components", {})
        schemas = components.setdefault("schemas", {})
        body_schema = GenerateAudioRequest.model_json_schema(ref_template="#/components/schemas/{model}")
        for name, definition in body_schema.pop("$defs", {}).items():
            schemas.setdefault(name, definition)
        # The served ids are known only at run time; listing them lets clients and fuzzers pick a real one.
        body_schema["properties"]["model"]["enum"] = list(served_ids)
        body_schema["allOf"] = request_rules(composer_ids)
        schemas["GenerateAudioRequest"] = body_schema
        vertex_schema = VertexPredictRequest.model_json_schema(ref_template="#/components/schemas/{model}")
        for name, definition in vertex_schema.pop("$defs", {}).items():
            schemas.setdefault(name, definition)
        schemas["VertexPredictRequest"] = vertex_schema
        for unused in ("HTTPValidationError", "ValidationError"):
            schemas.pop(unused, None)
        schemas.setdefault("ErrorBody", ErrorBody.model_json_schema(ref_template="#/components/schemas/{model}"))
        components.setdefault("securitySchemes", {})["bearerAuth"] = {
            "type": "http",
            "scheme": "bearer",
            "description": "An API key from `orchestrion keys create` (or printed by the first `orchestrion serve`).",
        }
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
