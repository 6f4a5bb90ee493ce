"""API benchmark against a live `orchestrion serve` on loopback (prints figures; not a test).

    .venv/bin/python bench/api.py [--jobs 10] [--poll-seconds 10]

1. Create latency p50/p99 with 1 and 50 concurrent clients (server without workers, so only the API is measured):
   50 clients at a steady pace (one create a second each) and 50 back to back; the latter saturates one process,
   and its latency is then the time queued behind the other 49 clients.
2. GET polls per second against one server process (wrk when installed, else a Python client in 2 processes).
3. Time-to-audio p50/p95 for 30 s composer tracks (POST → `completed` visible), and the server's overhead per job:
   time-to-audio minus the engine's own seconds, read back from the job store.

Targets (issue 2, 2-core machine): create p99 ≤ 10 ms; ≥ 2,000 polls/s; overhead ≤ 50 ms per job.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.support.server import ServerProcess  # noqa: E402

BENCH_ENV = {"ORCHESTRION_MAX_QUEUED_PER_KEY": "1000000", "ORCHESTRION_MAX_QUEUED_TOTAL": "1000000"}


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


async def create_latencies(server: ServerProcess, concurrency: int, total: int,
                           period: float | None = None) -> tuple[list[float], float]:
    """Latencies of ``total`` creates from ``concurrency`` clients, and the creates/s achieved. With ``period`` each
    client creates once per ``period`` seconds (users at a steady pace); without, each fires as fast as answered
    (saturation, where latency is mostly time queued behind the other clients)."""
    headers = {"Authorization": f"Bearer {server.api_key}"}
    body = {"model": "test/tone", "prompt": "benchmark tone", "duration": 5}
    latencies: list[float] = []
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=server.base_url, headers=headers, limits=limits, timeout=30) as client:
        for _ in range(3):  # warm connections
            await client.post("/v2/generate/audio", json=body)
        per_client = total // concurrency

        async def one_client(index: int) -> None:
            start = time.perf_counter() + (period or 0) * index / concurrency  # spread the clients' phases
            for n in range(per_client):
                if period:
                    await asyncio.sleep(max(0.0, start + n * period - time.perf_counter()))
                started = time.perf_counter()
                answer = await client.post("/v2/generate/audio", json=body)
                latencies.append(time.perf_counter() - started)
                answer.raise_for_status()

        began = time.perf_counter()
        await asyncio.gather(*(one_client(i) for i in range(concurrency)))
    return latencies, len(latencies) / (time.perf_counter() - began)


def polls_per_second(server: ServerProcess, seconds: int) -> tuple[float, str]:
    job_id = httpx.post(f"{server.base_url}/v2/generate/audio", headers={"Authorization": f"Bearer {server.api_key}"},
                        json={"model": "test/tone", "prompt": "poll target", "duration": 5}).json()["id"]
    url = f"{server.base_url}/v2/generate/audio?generation_id={job_id}"
    if shutil.which("wrk"):
        out = subprocess.run(["wrk", "-t1", "-c32", f"-d{seconds}s", "-H", f"Authorization: Bearer {server.api_key}",
                              url], capture_output=True, text=True, check=True).stdout
        rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
        non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
        assert non2xx is None, out
        return rate, "wrk -t1 -c32"
    # Fallback: a Python client (slower than the server; the figure is a lower bound).
    done = 0

    async def hammer() -> None:
        nonlocal done
        headers = {"Authorization": f"Bearer {server.api_key}"}
        async with httpx.AsyncClient(headers=headers, timeout=30) as client:
            deadline = time.perf_counter() + seconds

            async def loop() -> None:
                nonlocal done
                while time.perf_counter() < deadline:
                    (await client.get(url)).raise_for_status()
                    done += 1

            await asyncio.gather(*(loop() for _ in range(32)))

    asyncio.run(hammer())
    return done / seconds, "python httpx client (lower bound)"


def time_to_audio(server: ServerProcess, jobs: int, stems: bool) -> tuple[list[float], list[float]]:
    from orchestrion.jobs.sqlite import SQLiteJobStore

    headers = {"Authorization": f"Bearer {server.api_key}"}
    totals, overheads = [], []
    store = SQLiteJobStore(server.data_dir / "orchestrion.db")
    with httpx.Client(base_url=server.base_url, headers=headers, timeout=30) as client:
        for seed in range(jobs):
            started = time.perf_counter()
            body = {"model": "google/lyria2", "seed": seed, "prompt": "Majestic orchestral film score",
                    "stems": stems}
            job_id = client.post("/v2/generate/audio", json=body).json()["id"]
            while True:
                status = client.get("/v2/generate/audio", params={"generation_id": job_id}).json()["status"]
                if status in ("completed", "error"):
                    break
                time.sleep(0.002)
            elapsed = time.perf_counter() - started
            assert status == "completed", status
            job = store.get_job(job_id)
            totals.append(elapsed)
            overheads.append(elapsed - job.engine_seconds)
    store.close()
    return totals, overheads


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--jobs", type=int, default=10, help="30 s tracks for time-to-audio")
    parser.add_argument("--creates", type=int, default=2000, help="creates per concurrency level")
    parser.add_argument("--poll-seconds", type=int, default=10)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        api_only = ServerProcess(Path(tmp) / "api", workers=0, env=BENCH_ENV)
        api_only.start(ready_path="/health")
        try:
            print("create latency (server without workers, test/tone model)")
            runs = [("1 client, back to back", 1, args.creates, None),
                    ("50 clients, each creating once a second", 50, 50 * 20, 1.0),
                    ("50 clients, back to back (saturation)", 50, args.creates, None)]
            for label, concurrency, total, period in runs:
                lat, rate = asyncio.run(create_latencies(api_only, concurrency, total, period))
                print(f"  {label}: n={len(lat)} at {rate:,.0f}/s  p50={pct(lat, 50) * 1e3:.2f} ms "
                      f"p99={pct(lat, 99) * 1e3:.2f} ms  (target p99 <= 10 ms)")
            rate, tool = polls_per_second(api_only, args.poll_seconds)
            print(f"GET polls: {rate:,.0f}/s with {tool} against one server process  (target >= 2,000/s)")
        finally:
            api_only.stop()

        full = ServerProcess(Path(tmp) / "full", workers=2, env=BENCH_ENV).start()
        try:
            for stems in (True, False):
                totals, overheads = time_to_audio(full, args.jobs, stems)
                files = "track + MIDI + stems" if stems else "track + MIDI"
                print(f"time-to-audio, 30 s composer track ({files}), sequential, n={len(totals)}: "
                      f"p50={pct(totals, 50):.3f} s p95={pct(totals, 95):.3f} s")
                print(f"  server overhead (time-to-audio - engine seconds): p50={pct(overheads, 50) * 1e3:.1f} ms "
                      f"p95={pct(overheads, 95) * 1e3:.1f} ms mean={statistics.mean(overheads) * 1e3:.1f} ms"
                      f"  (target <= 50 ms)")
        finally:
            full.stop()


if __name__ == "__main__":
    main()
