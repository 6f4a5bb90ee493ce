"""Service throughput: composer jobs through a real `orchestrion serve` (prints figures; not a test).

    .venv/bin/python bench/service.py [--jobs 12] [--duration 30] [--workers 1] [--no-stems] [--rounds 1]

Starts `orchestrion serve --workers N` on loopback with the test configuration (the composer as
`orchestrion/composer`), runs one warm-up job (the engine's first track pays for caches), then queues ``--jobs``
composer tracks at once (``--duration`` seconds each, stems on, WAV) and times from the first POST until the last
job is seen `completed`. Prints jobs/s, the mean engine seconds per job read back from the store, and the time the
service adds beyond the engine (encoding, storing, the store's round trips, the engine's process boundary).

To compare two trees, run the same file from each (the server runs the tree this file sits in):

    git worktree add /tmp/before HEAD && cp bench/service.py /tmp/before/bench/
    .venv/bin/python /tmp/before/bench/service.py; .venv/bin/python bench/service.py
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.support.server import ServerProcess  # noqa: E402

BENCH_ENV = {"ORCHESTRION_MAX_QUEUED_PER_KEY": "1000000", "ORCHESTRION_MAX_QUEUED_TOTAL": "1000000",
             "ORCHESTRION_MAX_ACTIVE_PER_KEY": "0"}
PROMPTS = [
    "warm lo-fi hip hop with soft piano, rainy night",
    "epic orchestral trailer with choir and big drums",
    "bright acoustic folk with guitar and fiddle",
    "dark ambient synth pads, slow and spacious",
]


def run_round(server: ServerProcess, jobs: int, duration: float, stems: bool) -> dict[str, float]:
    headers = {"Authorization": f"Bearer {server.api_key}"}
    with httpx.Client(base_url=server.base_url, headers=headers, timeout=30) as client:
        def create(index: int) -> str:
            body = {"model": "orchestrion/composer", "prompt": PROMPTS[index % len(PROMPTS)], "seed": index,
                    "duration": duration, "stems": stems}
            answer = client.post("/v2/generate/audio", json=body)
            answer.raise_for_status()
            return answer.json()["id"]

        def finished(ids: list[str]) -> list[dict]:
            out = []
            for job_id in ids:
                body = client.get("/v2/generate/audio", params={"generation_id": job_id}).json()
                if body["status"] in ("error", "canceled"):
                    raise RuntimeError(f"job {job_id} ended {body['status']}: {body.get('error')}")
                if body["status"] == "completed":
                    out.append(body)
            return out

        warm = [create(10_000)]
        while not finished(warm):
            time.sleep(0.1)
        started = time.perf_counter()
        ids = [create(index) for index in range(jobs)]
        pending = list(ids)
        while pending:
            done = {body["id"] for body in finished(pending)}
            pending = [job_id for job_id in pending if job_id not in done]
            if pending:
                time.sleep(0.05)
        elapsed = time.perf_counter() - started
    from orchestrion.jobs.sqlite import SQLiteJobStore

    store = SQLiteJobStore(server.data_dir / "orchestrion.db")
    try:
        engine = [store.get_job(job_id).engine_seconds or 0.0 for job_id in ids]
    finally:
        store.close()
    return {"seconds": elapsed, "jobs_per_s": jobs / elapsed, "engine_s": statistics.mean(engine),
            "overhead_s": elapsed / jobs - statistics.mean(engine)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", type=int, default=12)
    parser.add_argument("--duration", type=float, default=30.0)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--no-stems", action="store_true")
    parser.add_argument("--rounds", type=int, default=1, help="timed rounds on the same server")
    args = parser.parse_args()
    import orchestrion

    print(f"tree: {Path(orchestrion.__file__).resolve().parents[1]}")
    with tempfile.TemporaryDirectory(prefix="orchestrion-bench-") as folder:
        server = ServerProcess(Path(folder), workers=args.workers, env=BENCH_ENV)
        with server:
            for round_ in range(args.rounds):
                figures = run_round(server, args.jobs, args.duration, not args.no_stems)
                print(f"round {round_ + 1}: {args.jobs} × {args.duration:g} s composer jobs"
                      f"{'' if args.no_stems else ', stems'}, {args.workers} worker(s): "
                      f"{figures['seconds']:.2f} s, {figures['jobs_per_s']:.3f} jobs/s, "
                      f"engine {figures['engine_s']:.3f} s/job, service beyond the engine "
                      f"{figures['overhead_s'] * 1000:.0f} ms/job")


if __name__ == "__main__":
    main()
