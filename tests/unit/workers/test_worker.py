"""The worker cycle against the real SQLite store and local storage, with the tiny test engine in-thread."""

from __future__ import annotations

import io
import threading
import time
import uuid
from pathlib import Path

import logging

import numpy as np
import pytest
import soundfile

from orchestrion.config import load_settings
from orchestrion.jobs import JobStatus, NewJob, StoreUnavailable
from orchestrion.jobs.sqlite import SQLiteJobStore
from orchestrion.engines import EngineError, GenerationResult
from orchestrion.workers.messages import GENERIC_MESSAGE
from orchestrion.workers.worker import ENCODING_FAILED_MESSAGE, STORAGE_FAILED_MESSAGE, Worker
from tests.unit.api.helpers import bearer, make_key

TONE = "tests.engines.tone:ToneEngine"


def _open(tmp_path: Path, config_text: str, lease_seconds: float):
    """Settings from ``config_text``, a migrated SQLite store under ``tmp_path`` and a key in it."""
    config = tmp_path / "o.toml"
    config.write_text(config_text)
    settings = load_settings(config, environ={}, data_dir=str(tmp_path / "data"), lease_seconds=lease_seconds)
    settings.data_dir.mkdir()
    store = SQLiteJobStore(settings.db_path)
    store.migrate()
    key = store.create_key(key_id="k1", name="t", key_hash="h1", prefix="orc_1", quota=None)
    return settings, store, key


@pytest.fixture
def env(tmp_path: Path):
    settings, store, key = _open(
        tmp_path, f'[models."test/tone"]\nengine = "{TONE}"\ncredits = 2\nload_marker = "{tmp_path / "loads"}"\n'
                  f'[models."test/batch"]\nengine = "{TONE}"\nmax_batch = 4\n', lease_seconds=2)
    yield settings, store, key
    store.close()


def make_job(store: SQLiteJobStore, key_id: str, prompt: str, model: str = "test/tone", max_attempts: int = 2,
             **params) -> str:
    job_id = f"{uuid.uuid4()}:{model.split('/')[-1]}"
    store.create_job(
        NewJob(id=job_id, key_id=key_id, model=model, engine_model=model,
               params={"prompt": prompt, "negative_prompt": "", "seed": 3, "duration": 1.0, **params},
               credits=2 if model == "test/tone" else 1, max_attempts=max_attempts),
        max_queued_per_key=100, max_queued_total=100,
    )
    return job_id


def run_worker(settings, store, jobs: int) -> Worker:
    worker = Worker(settings, store=store)
    worker.run(max_jobs=jobs)
    return worker


def test_a_job_completes_with_its_track_and_extras(env) -> None:
    settings, store, key = env
    job_id = make_job(store, key.id, "a tone")
    run_worker(settings, store, 1)
    job = store.get_job(job_id)
    assert job.status is JobStatus.COMPLETED and job.progress == 1.0 and job.attempts == 1
    assert {f.kind for f in job.files} == {"audio", "midi", "stem"}
    audio = job.audio_file
    path = settings.files_dir / audio.key
    assert audio.file_name == "output.wav" and audio.file_size == path.stat().st_size
    info = soundfile.info(io.BytesIO(path.read_bytes()))
    assert (info.samplerate, info.channels) == (48000, 2)  # the engine made 24 kHz; the worker conformed it
    assert job.audio_seconds == pytest.approx(1.0) and job.engine_seconds > 0
    assert job.credits_used == 2


@pytest.mark.parametrize("fails", [False, True], ids=["warms", "warm-up fails"])
def test_the_engine_warms_up_before_its_first_job_and_a_failed_warm_up_costs_nothing(tmp_path: Path,
                                                                                      fails: bool) -> None:
    marker = tmp_path / "order"
    settings, store, key = _open(tmp_path, f'[models."test/tone"]\nengine = "{TONE}"\nwarm_seconds = 0.5\n'
                                           f'warm_fail = {str(fails).lower()}\nwarm_marker = "{marker}"\n', 5)
    try:
        # both queued before the worker starts: the first is claimed while its engine is still warming up
        jobs = [make_job(store, key.id, "a tone") for _ in range(2)]
        run_worker(settings, store, 2)
        assert [store.get_job(job).status for job in jobs] == [JobStatus.COMPLETED] * 2
        assert [store.get_job(job).attempts for job in jobs] == [1, 1]
        assert marker.read_text().split() == ["warm", "job", "job"]  # once, and before any job
    finally:
        store.close()


def test_output_format_is_honoured(env) -> None:
    settings, store, key = env
    job_id = make_job(store, key.id, "a tone", output_format="flac")
    run_worker(settings, store, 1)
    job = store.get_job(job_id)
    assert job.audio_file.file_name == "output.flac" and job.audio_file.content_type == "audio/flac"
    assert any(f.file_name == "tone.flac" for f in job.files if f.kind == "stem")


def test_engine_error_fails_at_once_and_refunds(env) -> None:
    settings, store, key = env
    job_id = make_job(store, key.id, "please fail")
    run_worker(settings, store, 1)
    job = store.get_job(job_id)
    assert job.status is JobStatus.ERROR and job.attempts == 1
    assert job.error_name == "engine_error" and "asked to fail" in job.error_message
    assert job.credits_used == 0 and store.list_keys()[0].credits_used == 0


def test_unexpected_error_is_retried_then_fails(env, caplog) -> None:
    settings, store, key = env
    job_id = make_job(store, key.id, "explode")
    with caplog.at_level(logging.ERROR, logger="orchestrion.worker"):
        run_worker(settings, store, 2)
    job = store.get_job(job_id)
    assert job.status is JobStatus.ERROR and job.attempts == 2
    # The client reads a sentence written for it; the exception's own text stays in the log, under the job id.
    assert job.error_name == "generation_failed" and job.error_message == GENERIC_MESSAGE
    logged = [r for r in caplog.records if getattr(r, "fields", {}).get("job") == job_id and r.exc_info]
    assert logged and all("unexpected failure" in str(r.exc_info[1]) for r in logged)


def test_engines_load_once_per_worker(env, tmp_path: Path) -> None:
    settings, store, key = env
    for _ in range(3):
        make_job(store, key.id, "a tone")
    run_worker(settings, store, 3)
    assert len((tmp_path / "loads").read_text().split()) == 1


def test_batches_complete_each_job_separately(env) -> None:
    settings, store, key = env
    ids = [make_job(store, key.id, p, model="test/batch") for p in ["one", "fail", "two", "three"]]
    worker = Worker(settings, store=store, models=["test/batch"])
    worker.run(max_jobs=4)
    statuses = [store.get_job(i).status for i in ids]
    assert statuses == [JobStatus.COMPLETED, JobStatus.ERROR, JobStatus.COMPLETED, JobStatus.COMPLETED]


@pytest.mark.timed
def test_heartbeats_keep_a_long_job_leased_and_report_progress(env) -> None:
    settings, store, key = env  # lease 2 s, the job takes 3 s: only heartbeats keep it
    job_id = make_job(store, key.id, "sleep:3")
    seen: list[float] = []
    worker = Worker(settings, store=store)
    thread = threading.Thread(target=worker.run, kwargs={"max_jobs": 1})
    thread.start()
    while thread.is_alive():
        job = store.get_job(job_id)
        if job.status is JobStatus.GENERATING:
            seen.append(job.progress)
            assert store.requeue_expired() == 0  # the lease never lapses while the engine runs
        time.sleep(0.2)
    thread.join()
    job = store.get_job(job_id)
    assert job.status is JobStatus.COMPLETED and job.attempts == 1
    assert any(0 < p < 1 for p in seen)


def test_worker_refuses_unknown_models(env) -> None:
    settings, store, _ = env
    with pytest.raises(ValueError, match="unknown model"):
        Worker(settings, store=store, models=["nope"])


@pytest.mark.timed
def test_a_store_outage_while_finishing_costs_a_pause_not_the_job(env) -> None:
    settings, store, key = env
    job_id = make_job(store, key.id, "a tone")
    real_complete = store.complete_job
    calls = []

    def flaky_complete(*args, **kwargs):
        calls.append(1)
        if len(calls) <= 2:
            raise StoreUnavailable("database restarting")
        return real_complete(*args, **kwargs)

    store.complete_job = flaky_complete  # type: ignore[method-assign]
    run_worker(settings, store, 1)
    assert len(calls) == 3
    job = store.get_job(job_id)
    assert job.status is JobStatus.COMPLETED and job.attempts == 1


@pytest.mark.timed
def test_a_store_outage_longer_than_the_lease_costs_the_attempt_not_the_worker(env) -> None:
    settings, store, key = env
    first = make_job(store, key.id, "a tone")

    def down(*args, **kwargs):
        raise StoreUnavailable("database gone")

    real_complete = store.complete_job
    store.complete_job = down  # type: ignore[method-assign]
    assert run_worker(settings, store, 1)  # returns: the outage outlasted the lease, and the worker lived on
    assert store.get_job(first).status is JobStatus.GENERATING
    store.complete_job = real_complete  # type: ignore[method-assign]
    store.requeue_expired(now=time.time() + settings.lease_seconds + 1)
    run_worker(settings, store, 1)  # the job's second attempt
    job = store.get_job(first)
    assert job.status is JobStatus.COMPLETED and job.attempts == 2


# -- what a client reads about a failure ----------------------------------------------------------------------------
def test_an_unwritable_files_folder_fails_the_job_without_telling_the_client_where_files_live(env, caplog) -> None:
    settings, store, _ = env
    # A plain file stands where the files folder should be: every write under it fails with an OSError naming the
    # path ("[Errno 20] Not a directory: '/…/files/<id>'"), for root too (unlike a read-only folder).
    settings.files_dir.write_text("not a folder")
    api_key, key_id = make_key(store)
    job_id = make_job(store, key_id, "a tone")
    with caplog.at_level(logging.ERROR, logger="orchestrion.worker"):
        run_worker(settings, store, 2)
    job = store.get_job(job_id)
    assert job.status is JobStatus.ERROR and job.attempts == 2 and job.error_name == "storage_failed"

    from fastapi.testclient import TestClient

    from orchestrion.api.app import create_app

    with TestClient(create_app(settings, store)) as client:
        polled = client.get("/v2/generate/audio", params={"generation_id": job_id}, headers=bearer(api_key))
    error = polled.json()["error"]
    assert error == {"name": "storage_failed", "message": STORAGE_FAILED_MESSAGE}
    assert "/" not in error["message"] and "Errno" not in error["message"]
    assert str(settings.files_dir) not in polled.text and settings.data_dir.parent.name not in polled.text
    # The operator's log has the whole story, under the job id.
    logged = [r for r in caplog.records if getattr(r, "fields", {}).get("job") == job_id and r.exc_info]
    assert len(logged) == 2
    assert all(str(settings.files_dir) in str(r.exc_info[1]) and "Errno" in str(r.exc_info[1]) for r in logged)


def test_audio_that_cannot_be_encoded_fails_the_job_with_a_message_for_the_client(env, caplog) -> None:
    settings, store, key = env
    job_id = make_job(store, key.id, "a tone", max_attempts=1)
    worker = Worker(settings, store=store)
    [job] = store.claim_jobs(worker.worker_id, ["test/tone"], limit=1, lease_seconds=60)
    broken = GenerationResult(audio=np.full((480, 2), np.nan, dtype=np.float32), sample_rate=48_000)
    with caplog.at_level(logging.ERROR, logger="orchestrion.worker"):
        worker._finish(job, [broken], 0.1)
    failed = store.get_job(job_id)
    assert failed.status is JobStatus.ERROR and failed.error_message == ENCODING_FAILED_MESSAGE
    assert any("NaN" in str(r.exc_info[1].__cause__) for r in caplog.records if r.exc_info)


def test_an_engine_error_reaches_the_client_in_its_own_words_without_server_paths(env, tmp_path: Path) -> None:
    settings, store, key = env
    job_id = make_job(store, key.id, "a tone", max_attempts=1)
    worker = Worker(settings, store=store)
    [job] = store.claim_jobs(worker.worker_id, ["test/tone"], limit=1, lease_seconds=60)
    weights = tmp_path / "models" / "secret-weights.bin"
    worker._finish(job, EngineError(f"the weights at '{weights}' are damaged"), 0.1)
    failed = store.get_job(job_id)
    assert failed.error_name == "engine_error"
    assert failed.error_message == "the weights at 'secret-weights.bin' are damaged"
