"""A fair queue on the wire: with one worker, a light key's short job is not held behind a heavy key's backlog.

Key A queues eight 60 s generations, then key B queues one 5 s generation; B's must finish before A's third.
Run on the embedded SQLite store and on PostgreSQL (a private server started with initdb/pg_ctl).
"""

from __future__ import annotations

import time
from datetime import datetime
from pathlib import Path
from typing import Callable, Iterator

import httpx
import pytest

from tests.support.postgres import PostgresServer
from tests.support.server import ServerProcess

pytestmark = [pytest.mark.slow, pytest.mark.timed]  # timed: the order jobs finish in follows their run times


@pytest.fixture(scope="module")
def postgres() -> Iterator[PostgresServer]:
    with PostgresServer() as server:
        yield server


def _create(server: ServerProcess, key: str, **body: object) -> str:
    response = httpx.post(server.base_url + "/v2/generate/audio", headers={"Authorization": f"Bearer {key}"},
                          json={"model": "test/tone", **body}, timeout=10)
    assert response.status_code == 200, response.text
    return response.json()["id"]


def _finished_at(server: ServerProcess, key: str, ids: list[str], timeout: float = 90.0) -> dict[str, float]:
    """Each generation's completion time (seconds since the epoch), once all have completed."""
    done: dict[str, float] = {}
    deadline = time.monotonic() + timeout
    while len(done) < len(ids) and time.monotonic() < deadline:
        for job_id in ids:
            if job_id in done:
                continue
            body = httpx.get(server.base_url + "/v2/generate/audio", params={"generation_id": job_id},
                             headers={"Authorization": f"Bearer {key}"}, timeout=10).json()
            assert body["status"] in ("queued", "generating", "completed"), body
            if body["status"] == "completed":
                done[job_id] = datetime.fromisoformat(body["completed_at"].replace("Z", "+00:00")).timestamp()
        time.sleep(0.1)
    assert len(done) == len(ids), f"only {len(done)} of {len(ids)} completed"
    return done


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_a_light_keys_short_job_finishes_before_a_heavy_keys_third(
        backend: str, tmp_path: Path, request: pytest.FixtureRequest,
        report_figure: Callable[[str], None]) -> None:
    env = {}
    if backend == "postgres":
        env["ORCHESTRION_DATABASE_URL"] = request.getfixturevalue("postgres").new_database_url()
    server = ServerProcess(tmp_path / backend, workers=1, env=env)
    key_b = server.create_key("light")
    with server:
        started = time.time()
        heavy = [_create(server, server.api_key, prompt=f"long piece sleep:0.4 #{n}", duration=60, seed=n)
                 for n in range(8)]
        light = _create(server, key_b, prompt="short cue sleep:0.1", duration=5, seed=99)
        finished = {**_finished_at(server, server.api_key, heavy), **_finished_at(server, key_b, [light])}
    order = sorted(finished, key=finished.__getitem__)
    position = order.index(light) + 1
    heavy_done = sorted(finished[j] for j in heavy)
    report_figure(f"{backend}: B's 5 s job finished {position}. of 9, {finished[light] - started:.2f} s after the "
                  f"first create; A's 3rd at {heavy_done[2] - started:.2f} s, A's 8th at {heavy_done[-1] - started:.2f} s")
    assert finished[light] < heavy_done[2], order
