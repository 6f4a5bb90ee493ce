"""One engine request per generation: the API's validation, the worker and the local CLI build it the same way."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from orchestrion.cli.generate import FORMATS as CLI_FORMATS
from orchestrion.cli.generate import generate
from orchestrion.config import load_settings
from orchestrion.engines import DEFAULT_DURATION, request_for, sample_count
from orchestrion.jobs import JobStatus
from orchestrion.jobs.sqlite import SQLiteJobStore
from orchestrion.storage.encode import FORMATS
from orchestrion.workers.worker import Worker
from tests.unit.api.helpers import bearer, make_key

RECORDER = "tests.engines.recorder:RecordingEngine"


def test_request_for_lifts_prompt_and_seed_and_keeps_the_rest() -> None:
    params = {"prompt": "rain", "negative_prompt": None, "seed": 9, "duration": 12, "output_format": "flac",
              "bpm": 90}
    request = request_for("orchestrion/composer", params)
    assert (request.prompt, request.negative_prompt, request.seed, request.duration, request.model) == (
        "rain", "", 9, 12.0, "orchestrion/composer")
    assert dict(request.params) == {"duration": 12, "output_format": "flac", "bpm": 90}


def test_request_for_gives_each_sample_its_seed_and_the_default_duration() -> None:
    params = {"prompt": "x", "seed": 4, "sample_count": 3, "seeds": [4, 5, 6]}
    assert sample_count(params) == 3 and sample_count({"prompt": "x"}) == 1
    assert [request_for("m", params, k).seed for k in range(3)] == [4, 5, 6]
    assert request_for("m", params).duration == DEFAULT_DURATION and "duration" not in request_for("m", params).params
    assert "seeds" not in request_for("m", params).params and "sample_count" not in request_for("m", params).params
    with pytest.raises(ValueError):
        request_for("m", params, 3)


def test_the_cli_offers_the_formats_the_server_encodes() -> None:
    assert CLI_FORMATS == tuple(FORMATS)


def records(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


@pytest.fixture
def recorder_env(tmp_path: Path):
    record = tmp_path / "requests.jsonl"
    config = tmp_path / "o.toml"
    config.write_text(f'[models."test/recorder"]\nengine = "{RECORDER}"\nrecord_file = "{record}"\n'
                      f'[aliases]\n"test/alias" = "test/recorder"\n')
    settings = load_settings(config, environ={}, data_dir=str(tmp_path / "data"), lease_seconds=10)
    settings.data_dir.mkdir()
    store = SQLiteJobStore(settings.db_path)
    store.migrate()
    yield settings, store, record, config
    store.close()


def test_validation_and_generation_see_the_same_request_for_an_alias(recorder_env) -> None:
    from fastapi.testclient import TestClient

    from orchestrion.api.app import create_app

    settings, store, record, _ = recorder_env
    api_key, _ = make_key(store)
    body = {"model": "test/alias", "prompt": "a recorded tone", "negative_prompt": "noise", "seed": 11,
            "duration": 6, "bpm": 100, "output_format": "flac"}
    with TestClient(create_app(settings, store)) as client:
        created = client.post("/v2/generate/audio", json=body, headers=bearer(api_key))
    assert created.status_code == 200, created.text
    Worker(settings, store=store).run(max_jobs=1)
    assert store.get_job(created.json()["id"]).status is JobStatus.COMPLETED
    validated, generated = records(record)
    assert (validated["stage"], generated["stage"]) == ("validate", "generate")
    assert validated["pid"] != generated["pid"]  # the API's process, then the worker's engine process
    for seen in (validated, generated):
        del seen["stage"], seen["pid"]
    assert validated == generated
    assert generated["model"] == "test/recorder"  # the served model's id, not the alias the client sent
    assert generated["params"] == {"duration": 6, "bpm": 100, "output_format": "flac"}


def test_the_local_cli_makes_the_request_a_worker_would(recorder_env, tmp_path: Path) -> None:
    _, _, record, config = recorder_env
    out = tmp_path / "track.wav"
    result = CliRunner().invoke(generate, ["a recorded tone", "--model", "test/alias", "--seed", "11",
                                           "--duration", "6", "-o", str(out), "--config", str(config), "--local"],
                                env={"ORCHESTRION_BASE_URL": ""})
    assert result.exit_code == 0, result.output
    validated, generated = records(record)
    assert {k: v for k, v in validated.items() if k != "stage"} == {k: v for k, v in generated.items()
                                                                   if k != "stage"}
    assert generated["model"] == "test/recorder" and generated["duration"] == 6.0
    assert generated["params"] == {"duration": 6.0, "output_format": "wav"}
    assert out.stat().st_size > 0
