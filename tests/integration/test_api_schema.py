"""Property-based run over `/openapi.json` (schemathesis) with every check it has: no input yields a 5xx, every
error answer has the error body, answers conform to the documented codes, media types, headers and schemas, data
the schema calls invalid is refused, and data it calls valid is accepted."""

from __future__ import annotations

import atexit
import dataclasses
import shutil
import tempfile
from pathlib import Path

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import CHECKS, CheckContext, load_all_checks

from orchestrion.api.app import create_app
from orchestrion.config import ModelConfig
from orchestrion.jobs.sqlite import SQLiteJobStore
from tests.unit.api.helpers import ERROR_KEYS, make_key, make_settings

#: Answers a schema-valid request (sent with the key) may get: success, or a documented refusal that is not about
#: the request's form (no such generation or file, a file link whose signature does not check out, an
#: Idempotency-Key reused, a limit, not ready, a synchronous wait that timed out), or 415 for a `midi` whose bytes
#: are no MIDI file (a schema names a file's format, it cannot check one). Never 400: what the schema admits, the
#: server must admit; never 401: the key is valid.
POSITIVE_STATUSES = ["2xx", "403", "404", "409", "410", "413", "415", "416", "429", "503", "504"]
#: Answers a request the schema calls invalid may get: a refusal, never a success and never a 5xx.
NEGATIVE_STATUSES = ["400", "401", "403", "404", "405", "406", "409", "413", "415", "416", "429"]


def _config(key: str | None) -> schemathesis.Config:
    """Every check on, the expected answers above, and the Bearer key (when given) as the schema's own auth, so that
    a negative case that leaves the key out is sent without it."""
    auth = {"auth": {"openapi": {"bearerAuth": {"bearer": key}}}} if key is not None else {}
    return schemathesis.Config.from_dict({
        **auth,
        "checks": {
            "positive_data_acceptance": {"expected-statuses": POSITIVE_STATUSES},
            "negative_data_rejection": {"expected-statuses": NEGATIVE_STATUSES},
        },
        # With no worker, a valid Vertex-style predict times out: its documented 504 (the generation is canceled).
        "operations": [{"include-path-regex": ":predict$",
                        "checks": {"not_a_server_error": {"expected-statuses": ["2xx", "3xx", "4xx", "504"]}}}],
    })


def _build_app():  # noqa: ANN202 - (FastAPI, key)
    # Built at import because schemathesis's fixture-based loader does not work with this pytest; the data folder
    # is private to this module and removed at exit.
    folder = Path(tempfile.mkdtemp(prefix="orchestrion-schemathesis-"))
    atexit.register(shutil.rmtree, folder, True)
    # No worker runs here, so synchronous answers (Prefer: wait, the Vertex-style predict) wait only a moment. The
    # operator allows webhooks to every network, so that any webhook_url of the documented form is accepted (the
    # refusal of private addresses is the webhook tests' business, and documented as a 400).
    app_settings = make_settings(folder / "data", max_queued_per_key=1000, max_wait_seconds=0.1,
                                 predict_timeout_seconds=0.1, webhook_allowed_networks="0.0.0.0/0, ::/0")
    # Only models whose limits the schema states: the composer (whose tempo range and key grammar the schema
    # carries) and the test tone; an engine's own stricter rules (test/picky) and an engine that cannot run here
    # (test/missing, 503) are covered by the unit tests.
    composer = ModelConfig(id="test/composer", engine="composer", credits=1)
    app_settings = dataclasses.replace(
        app_settings, models={"test/tone": app_settings.models["test/tone"], "test/composer": composer})
    store = SQLiteJobStore(app_settings.db_path)
    store.migrate()
    key = make_key(store)[0]
    store.record_worker("w-schema", engine_models=["test/tone", "test/composer"], state="ready")
    # The worker recorded above never beats again; however long other tests run first, it must still count as live.
    return create_app(app_settings, store, worker_max_age=1e9), key


APP, KEY = _build_app()
schema = schemathesis.openapi.from_asgi("/openapi.json", APP, config=_config(KEY))
keyless_schema = schemathesis.openapi.from_asgi("/openapi.json", APP, config=_config(None))


def error_body_is_the_hosted_shape(ctx: CheckContext, response: schemathesis.Response,
                                   case: schemathesis.Case) -> None:
    """Every error answer (but HEAD's, which has headers only) carries exactly the hosted API's error body."""
    if response.status_code < 400 or case.method.upper() == "HEAD":
        return
    body = response.json()
    assert set(body) == ERROR_KEYS, body
    assert body["statusCode"] == response.status_code, body
    assert body["requestId"] == response.headers["x-request-id"][0], body


def test_every_schemathesis_check_is_enabled() -> None:
    load_all_checks()
    checks = schema.config.checks_config_for()
    names = CHECKS.get_all_names()
    assert {"positive_data_acceptance", "negative_data_rejection", "not_a_server_error",
            "response_schema_conformance"} <= set(names)
    assert all(checks.get_by_name(name=name).enabled for name in names), names


@schema.parametrize()
@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_input_breaks_the_api(case: schemathesis.Case) -> None:
    # Every check schemathesis has (none is disabled in the config), plus the error body's shape.
    case.call_and_validate(additional_checks=[error_body_is_the_hosted_shape])


@keyless_schema.parametrize()
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
