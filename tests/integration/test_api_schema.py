"""Property-based run over `/openapi.json` (schemathesis): no input yields a 5xx, every error answer has the error
body, and answers conform to the documented schemas."""

from __future__ import annotations

import atexit
import dataclasses
import shutil
import tempfile
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from orchestrion.api.app import create_app
from orchestrion.jobs.sqlite import SQLiteJobStore
from tests.unit.api.helpers import ERROR_KEYS, bearer, make_key, make_settings


def _build_app():  # noqa: ANN202 - (FastAPI, key)
    # Built at import because schemathesis's fixture-based loader does not work with this pytest; the data folder
    # is private to this module and removed at exit.
    folder = Path(tempfile.mkdtemp(prefix="orchestrion-schemathesis-"))
    atexit.register(shutil.rmtree, folder, True)
    # No worker runs here, so synchronous answers (Prefer: wait, the Vertex-style predict) wait only a moment.
    app_settings = make_settings(folder / "data", max_queued_per_key=1000, max_wait_seconds=0.1,
                                 predict_timeout_seconds=0.1)
    # Only models whose limits the schema states: an engine's own stricter rules (test/picky) and an engine that
    # cannot run here (test/missing, 503) are covered by the unit tests.
    app_settings = dataclasses.replace(app_settings, models={"test/tone": app_settings.models["test/tone"]})
    store = SQLiteJobStore(app_settings.db_path)
    store.migrate()
    key = make_key(store)[0]
    store.record_worker("w-schema", engine_models=["test/tone"], state="ready")
    # The worker recorded above never beats again; however long other tests run first, it must still count as live.
    return create_app(app_settings, store, worker_max_age=1e9), key


APP, KEY = _build_app()
schema = schemathesis.openapi.from_asgi("/openapi.json", APP)


@schema.parametrize()
@settings(max_examples=50, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_input_breaks_the_api(case: schemathesis.Case) -> None:
    response = case.call(headers=bearer(KEY))
    # With no worker, a valid Vertex-style predict times out: its documented 504 (the generation is canceled).
    timed_out = response.status_code == 504 and case.path.endswith(":predict")
    assert response.status_code < 500 or timed_out, (response.status_code, response.content[:500])
    if response.status_code >= 400 and case.method.upper() != "HEAD":  # a HEAD answer has headers only
        body = response.json()
        assert set(body) == ERROR_KEYS, body
        assert body["statusCode"] == response.status_code
        assert body["requestId"] == response.headers["x-request-id"][0]
    # Documented status codes, content types, headers and body schemas.
    case.validate_response(response)


@schema.parametrize()
@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
def test_without_a_key_protected_routes_answer_401(case: schemathesis.Case) -> None:
    headers = {k: v for k, v in (case.headers or {}).items() if k.lower() != "authorization"}
    case.headers = headers
    response = case.call()
    assert response.status_code < 500
    # Negative cases may swap the method (405) or send an oversized body (413); every other answer is 401.
    if case.operation.path == "/v2/generate/audio" and response.status_code not in (405, 413):
        assert response.status_code == 401, response.content[:300]
        assert response.headers["www-authenticate"] == ["Bearer"]
