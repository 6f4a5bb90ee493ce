"""Engines in their own process: a stuck engine is stopped at once, a dying one costs its job an attempt (with the
reason) but never the worker, its lease or its heartbeats, and results cross the process boundary whole."""

from __future__ import annotations

import dataclasses
import os
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from orchestrion.engines import Extra, GenerationResult, InvalidRequest
from orchestrion.jobs import JobStatus
from orchestrion.workers.engine_process import (
    EngineCrash,
    Failure,
    death_reason,
    pack_outcomes,
    unpack_outcomes,
)
from orchestrion.workers.worker import Worker

from .test_worker import env, make_job  # noqa: F401 - env is a fixture

pytestmark = pytest.mark.timed  # stuck engines are stopped within seconds


def loads(tmp_path: Path) -> list[int]:
    marker = tmp_path / "loads"
    return [int(pid) for pid in marker.read_text().split()] if marker.exists() else []


def gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def wait_until(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.01)


def test_an_engine_stuck_in_a_native_call_is_stopped_within_two_seconds_of_the_cancel(env, tmp_path) -> None:  # noqa: F811
    settings, store, key = env
    stuck = make_job(store, key.id, "native:30")
    quick = make_job(store, key.id, "a quick tone")
    worker = Worker(settings, store=store)
    thread = threading.Thread(target=worker.run, kwargs={"max_jobs": 2})
    thread.start()
    wait_until(lambda: store.get_job(stuck).status is JobStatus.GENERATING, 20, "the stuck job to start")
    [engine_pid] = loads(tmp_path)
    time.sleep(0.3)  # well inside the C call
    canceled_at = time.monotonic()
    assert store.cancel_job(stuck)[1]
    wait_until(lambda: gone(engine_pid), 5, "the stuck engine process to go")
    assert time.monotonic() - canceled_at < 2.0
    thread.join(30)
    assert not thread.is_alive()
    assert store.get_job(quick).status is JobStatus.COMPLETED
    assert store.get_job(stuck).status is JobStatus.CANCELED and store.get_job(stuck).files == ()
    # The fresh engine process loaded its engine once more, and only once.
    assert len(loads(tmp_path)) == 2 and loads(tmp_path)[0] == engine_pid


@pytest.mark.parametrize(("prompt", "words"), [
    ("crash", "the engine process died (exit code 137, likely out of memory)"),
    ("segfault", "the engine crashed (signal 11, segmentation fault)"),
])
def test_an_engine_that_kills_its_process_costs_attempts_not_the_worker_or_its_lease(env, prompt, words) -> None:  # noqa: F811
    settings, store, key = env
    settings = dataclasses.replace(settings, lease_seconds=30.0)  # nothing below may wait for a lease to expire
    doomed = make_job(store, key.id, prompt, max_attempts=2)
    worker = Worker(settings, store=store)
    thread = threading.Thread(target=worker.run, kwargs={"max_jobs": 3})
    started = time.monotonic()
    thread.start()
    wait_until(lambda: store.get_job(doomed).status is JobStatus.ERROR, 20, "the job to fail")
    elapsed = time.monotonic() - started
    job = store.get_job(doomed)
    assert job.attempts == 2 and job.error_name == "engine_process_died" and job.error_message == words
    assert elapsed < settings.lease_seconds / 3  # both attempts failed at once, under the lease they held
    assert store.requeue_expired() == 0
    after = make_job(store, key.id, "a tone afterwards")
    thread.join(20)
    assert not thread.is_alive()
    assert store.get_job(after).status is JobStatus.COMPLETED  # the same worker carried on
    assert worker.engine_process.starts == 3  # a fresh engine process after each death


def test_an_engine_holding_the_gil_in_a_native_call_is_killed_when_it_stops_answering(env) -> None:  # noqa: F811
    settings, store, key = env
    hung = make_job(store, key.id, "hang:60", max_attempts=1)
    worker = Worker(settings, store=store)
    worker.engine_process.unresponsive_seconds = 2.0
    started = time.monotonic()
    worker.run(max_jobs=1)
    job = store.get_job(hung)
    assert job.status is JobStatus.ERROR and "stopped answering" in job.error_message
    assert time.monotonic() - started < 15


def test_a_long_stereo_track_crosses_through_shared_memory_whole() -> None:
    frames = 300 * 48_000
    audio = np.random.default_rng(1).standard_normal((frames, 2), dtype=np.float32)
    stem = (audio[:, :1] * 1000).astype(np.int16)
    result = GenerationResult(audio=audio, sample_rate=48_000, info={"bpm": 90},
                              extras=[Extra(name="stems/a", audio=stem), Extra(name="score.mid", data=b"MThd")])
    started = time.perf_counter()
    message = pack_outcomes(7, [result, InvalidRequest("bpm", "must be positive")])
    assert message.spill is not None and not message.buffers
    back, failure = unpack_outcomes(message)
    seconds = time.perf_counter() - started
    assert not Path(message.spill).exists()  # unlinked as soon as it was mapped
    assert np.array_equal(back.audio, audio) and np.array_equal(back.extras[0].audio, stem)
    assert back.extras[1].data == b"MThd" and back.info == {"bpm": 90}
    back.audio[0, 0] = 5.0  # copy-on-write: the worker may change what it got
    assert failure.name == "invalid_request" and str(failure) == "bpm: must be positive"
    print(f"115 MB track + 29 MB stem through shared memory in {seconds:.3f} s")


def test_small_results_and_failures_travel_in_the_message() -> None:
    audio = np.ones((100, 2), dtype=np.float32)
    message = pack_outcomes(1, [GenerationResult(audio=audio, sample_rate=24_000), RuntimeError("boom")])
    assert message.spill is None
    result, crash = unpack_outcomes(message)
    assert np.array_equal(result.audio, audio)
    assert isinstance(crash, EngineCrash) and str(crash) == "RuntimeError: boom"
    assert "RuntimeError: boom" in str(crash.__cause__)  # the engine process's traceback, for the log
    assert Failure.of(RuntimeError("x")).engine_error is None


def test_death_reasons_name_the_signal_or_exit_code() -> None:
    assert death_reason(-9) == "the engine process died (exit code -9, likely out of memory)"
    assert death_reason(137) == "the engine process died (exit code 137, likely out of memory)"
    assert death_reason(-11) == "the engine crashed (signal 11, segmentation fault)"
    assert death_reason(-15) == "the engine process died (signal 15, SIGTERM)"
    assert death_reason(3) == "the engine process died (exit code 3)"
    assert "stopped answering" in death_reason(None)
