"""Fault tests: kill -9 of a generating worker, and server restarts, lose no acknowledged job; each job yields
exactly one set of files and completes exactly once."""

from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path
from typing import Callable

import httpx
import pytest

from orchestrion.jobs.sqlite import SQLiteJobStore
from tests.support.server import ServerProcess

pytestmark = [pytest.mark.slow, pytest.mark.timed]  # timed: faults must be noticed within seconds and leases

FAST_LEASE = {"ORCHESTRION_LEASE_SECONDS": "2", "ORCHESTRION_LOG_JSON": "1"}


def submit(server: ServerProcess, prompt: str, seed: int = 1) -> str:
    answer = httpx.post(f"{server.base_url}/v2/generate/audio",
                        headers={"Authorization": f"Bearer {server.api_key}"},
                        json={"model": "test/tone", "prompt": prompt, "seed": seed, "duration": 5}, timeout=10)
    assert answer.status_code == 200, answer.text
    return answer.json()["id"]


def fetch(server: ServerProcess, job_id: str) -> dict:
    answer = httpx.get(f"{server.base_url}/v2/generate/audio", params={"generation_id": job_id},
                       headers={"Authorization": f"Bearer {server.api_key}"}, timeout=10)
    assert answer.status_code == 200, answer.text
    return answer.json()


def wait_for(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def completions(server: ServerProcess) -> dict[str, int]:
    """How many times each job was completed, from the JSON log lines of every process."""
    counts: dict[str, int] = {}
    for line in server.log_path.read_text(errors="replace").splitlines():
        if line.startswith("{"):
            entry = json.loads(line)
            if entry.get("event") == "job completed":
                counts[entry["job"]] = counts.get(entry["job"], 0) + 1
    return counts


def job_files(server: ServerProcess, job_id: str) -> list[str]:
    folder = server.data_dir / "files" / job_id
    return sorted(str(p.relative_to(folder)) for p in Path(folder).rglob("*") if p.is_file())


EXPECTED_FILES = ["output.wav", "score.mid", "stems/tone.wav"]


def test_kill_9_of_a_generating_worker_loses_no_job(server_factory, report_figure) -> None:
    server = server_factory(workers=2, env=FAST_LEASE).start()
    job_id = submit(server, "sleep:4")
    wait_for(lambda: fetch(server, job_id)["status"] == "generating", 20, "the job to start")
    # Find the worker running it: the job's lease owner names its pid.
    wait_for(lambda: fetch(server, job_id).get("progress", 0) > 0, 20, "progress")
    store = SQLiteJobStore(server.data_dir / "orchestrion.db")
    owner = store.get_job(job_id).lease_owner  # "<host>:<pid>:<tag>"
    store.close()
    victim = int(owner.split(":")[1])
    assert victim in server.worker_pids()
    os.kill(victim, signal.SIGKILL)

    wait_for(lambda: fetch(server, job_id)["status"] == "completed", 60, "the job to complete after the kill")
    final = fetch(server, job_id)
    assert final["error"] is None
    assert job_files(server, job_id) == EXPECTED_FILES
    assert completions(server) == {job_id: 1}
    store = SQLiteJobStore(server.data_dir / "orchestrion.db")
    attempts = store.get_job(job_id).attempts
    store.close()
    assert attempts == 2  # the killed attempt counted; the second one finished the job
    report_figure(f"1 job, worker {victim} killed -9 mid-generation; completed on attempt {attempts}, "
                  "completions 1, one file set")
    # The supervisor replaced the dead worker, and the server itself never stopped answering.
    wait_for(lambda: len(server.worker_pids()) == 2 and victim not in server.worker_pids(), 30, "a new worker")
    assert httpx.get(server.base_url + "/health").status_code == 200


def test_server_restart_with_queued_jobs_completes_them(server_factory, report_figure) -> None:
    server = server_factory(workers=1, env=FAST_LEASE).start()
    ids = [submit(server, "sleep:0.6", seed=i) for i in range(6)]
    wait_for(lambda: fetch(server, ids[0])["status"] != "queued", 20, "the first job to start")
    assert server.stop() == 0  # graceful: the batch in hand finishes, the rest stay queued
    with pytest.raises(httpx.ConnectError):
        httpx.get(server.base_url + "/health")

    server.start()
    wait_for(lambda: all(fetch(server, i)["status"] == "completed" for i in ids), 90, "every job to complete")
    for job_id in ids:
        assert job_files(server, job_id) == EXPECTED_FILES
    assert completions(server) == {job_id: 1 for job_id in ids}
    report_figure(f"{len(ids)} jobs, graceful stop and restart: lost 0, duplicates 0, one file set each")


def test_kill_9_of_the_whole_server_loses_no_acknowledged_job(server_factory, report_figure) -> None:
    server = server_factory(workers=2, env=FAST_LEASE).start()
    ids = [submit(server, "sleep:1.5", seed=i) for i in range(5)]
    wait_for(lambda: any(fetch(server, i)["status"] == "generating" for i in ids), 20, "a job to start")
    server.kill()  # API, supervisor and workers all die at once, mid-job

    server.start()
    wait_for(lambda: all(fetch(server, i)["status"] == "completed" for i in ids), 120, "every job to complete")
    for job_id in ids:
        assert job_files(server, job_id) == EXPECTED_FILES
    assert completions(server) == {job_id: 1 for job_id in ids}
    report_figure(f"{len(ids)} jobs, kill -9 of server and workers mid-job, restart: lost 0, duplicates 0, "
                  "one file set each")


def log_events(server: ServerProcess, name: str) -> list[dict]:
    entries = []
    for line in server.log_path.read_text(errors="replace").splitlines():
        if line.startswith("{"):
            entry = json.loads(line)
            if entry.get("event") == name:
                entries.append(entry)
    return entries


SLOW_LEASE = {"ORCHESTRION_LEASE_SECONDS": "30", "ORCHESTRION_LOG_JSON": "1"}


def test_delete_stops_an_engine_stuck_in_a_native_call_within_two_seconds(server_factory, report_figure) -> None:
    server = server_factory(workers=1, env=SLOW_LEASE).start()
    stuck = submit(server, "native:60")
    wait_for(lambda: fetch(server, stuck)["status"] == "generating", 20, "the stuck job to start")
    time.sleep(0.5)  # inside the C call, which reports no progress
    deleted_at = time.monotonic()
    answer = httpx.delete(f"{server.base_url}/v2/generate/audio", params={"generation_id": stuck},
                          headers={"Authorization": f"Bearer {server.api_key}"}, timeout=10)
    assert answer.status_code == 200, answer.text
    wait_for(lambda: log_events(server, "engine process killed: canceled batch did not stop"), 10,
             "the stuck engine process to be killed")
    stopped_after = time.monotonic() - deleted_at
    assert stopped_after < 2.0
    assert fetch(server, stuck)["status"] == "canceled"
    after = submit(server, "a quick tone")
    wait_for(lambda: fetch(server, after)["status"] == "completed", 30, "the next job on a fresh engine process")
    report_figure(f"engine blocked in a C call, DELETE → engine process killed in {stopped_after:.2f} s; "
                  "the next job completed on a fresh engine process")


@pytest.mark.parametrize(("prompt", "words"), [
    ("crash", "exit code 137, likely out of memory"),
    ("segfault", "signal 11, segmentation fault"),
])
def test_an_engine_killing_its_process_fails_the_job_at_once_and_keeps_the_worker(server_factory, report_figure,
                                                                                   prompt, words) -> None:
    server = server_factory(workers=1, env=SLOW_LEASE).start()
    wait_for(lambda: len(server.worker_pids()) == 1, 20, "the worker")
    [worker] = server.worker_pids()
    submitted_at = time.monotonic()
    doomed = submit(server, prompt)
    wait_for(lambda: fetch(server, doomed)["status"] == "error", 25, "the job to fail")
    elapsed = time.monotonic() - submitted_at
    final = fetch(server, doomed)
    assert final["error"]["name"] == "engine_process_died" and words in final["error"]["message"]
    # Every attempt (3) failed as its engine died, under the lease its worker held: no expiry was waited for.
    assert elapsed < 30 / 2
    store = SQLiteJobStore(server.data_dir / "orchestrion.db")
    assert store.get_job(doomed).attempts == 3
    store.close()
    assert server.worker_pids() == [worker]  # the worker itself never died
    after = submit(server, "a tone afterwards")
    wait_for(lambda: fetch(server, after)["status"] == "completed", 30, "the next job")
    report_figure(f"engine {prompt} ×3 attempts: job error after {elapsed:.1f} s (lease 30 s), "
                  f"message {final['error']['message']!r}, same worker pid")
