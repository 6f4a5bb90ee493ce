"""The worker's side of the extensions: several samples per job, and stopping the engine of a canceled job."""

from __future__ import annotations

import threading
import time

import pytest

from orchestrion.jobs import JobStatus
from orchestrion.workers.worker import Worker

from .test_worker import env, make_job  # noqa: F401 - env is a fixture


def test_several_samples_are_generated_with_their_seeds_and_stored_apart(env) -> None:  # noqa: F811
    settings, store, key = env
    job_id = make_job(store, key.id, "three tones", model="test/batch", sample_count=3, seeds=[3, 4, 5])
    Worker(settings, store=store).run(max_jobs=1)
    job = store.get_job(job_id)
    assert job.status is JobStatus.COMPLETED and job.progress == 1.0
    audio = [f for f in job.files if f.kind == "audio"]
    assert [f.sample for f in audio] == [0, 1, 2]
    assert [f.key for f in audio] == [f"{job_id}/output.wav", f"{job_id}/sample-2/output.wav",
                                      f"{job_id}/sample-3/output.wav"]
    frequencies = [sample["frequency"] for sample in job.info["samples"]]
    assert frequencies == [220.0 + seed * 20.0 for seed in (3, 4, 5)]
    for ref in job.files:
        assert (settings.files_dir / ref.key).stat().st_size == ref.file_size


@pytest.mark.timed
def test_a_canceled_job_stops_its_engine_and_the_worker_moves_on(env) -> None:  # noqa: F811
    settings, store, key = env
    slow = make_job(store, key.id, "sleep:4")
    quick = make_job(store, key.id, "a quick tone")
    worker = Worker(settings, store=store)
    thread = threading.Thread(target=worker.run, kwargs={"max_jobs": 2})
    thread.start()
    deadline = time.monotonic() + 20
    while store.get_job(slow).status is not JobStatus.GENERATING:
        assert time.monotonic() < deadline
        time.sleep(0.02)
    canceled_at = time.monotonic()
    _, changed = store.cancel_job(slow)
    assert changed
    # the worker is on the next job well before the 4 s the canceled one would have taken (what the next job
    # then takes, a fresh worker's first imports included, is not the cancel's doing)
    while store.get_job(quick).status is JobStatus.QUEUED:
        assert time.monotonic() - canceled_at < 1.5
        time.sleep(0.01)
    thread.join(20)
    assert not thread.is_alive()
    assert store.get_job(quick).status is JobStatus.COMPLETED
    final = store.get_job(slow)
    assert final.status is JobStatus.CANCELED and final.files == ()
    assert not (settings.files_dir / slow).exists()
