"""Micro-benchmark of the job store's hot paths with a deep queue (printed figures, not a test).

    .venv/bin/python bench/store.py [--queued 10000] [--samples 2000] [--writers 2]

Measures in-process, without HTTP: ``create_job`` with the queue already holding ``--queued`` jobs (the API's
create target is p99 <= 10 ms on 2 cores), ``get_job`` (the API targets >= 2,000 polls/s per process),
``key_by_hash`` (every request), ``queue_position`` of the last queued job, ``claim_jobs`` and claim + complete.
Then it measures ``create_job`` and ``get_job`` again while ``--writers`` spawned processes hammer the same file
with claims, heartbeats and completions, as busy workers do. Last, fair claims (keys take turns) with the deep
queue held by a few keys, and by as many keys as jobs: single claims, batches and ``queue_position``.
"""

from __future__ import annotations

import argparse
import multiprocessing
import statistics
import tempfile
import time
import uuid
from pathlib import Path
from typing import Callable

from orchestrion.jobs.keys import generate_key, new_key_id
from orchestrion.jobs.models import ApiKey, FileRef, NewJob
from orchestrion.jobs.sqlite import SQLiteJobStore

MODEL = "orchestrion/composer"
BUSY_MODEL = "bench/busy"  # what the contending writers claim, so the measured queue stays deep


def _new_job(key_id: str, model: str = MODEL) -> NewJob:
    return NewJob(id=f"{uuid.uuid4()}:composer", key_id=key_id, model="google/lyria2", engine_model=model,
                  params={"prompt": "a calm piano piece with soft strings", "seed": 42, "duration": 30.0},
                  credits=1, max_attempts=3)


def _timed(fn: Callable[[], object], samples: int) -> list[float]:
    out = []
    for _ in range(samples):
        start = time.perf_counter()
        fn()
        out.append((time.perf_counter() - start) * 1000)
    return out


def _report(name: str, ms: list[float]) -> None:
    ms = sorted(ms)

    def pct(q: float) -> float:
        return ms[min(len(ms) - 1, int(q * len(ms)))]

    print(f"{name:<34} n={len(ms):>5}  p50={pct(0.50):7.3f} ms  p99={pct(0.99):7.3f} ms  "
          f"max={ms[-1]:7.3f} ms  rate={1000 / statistics.fmean(ms):8.0f}/s")


def _new_keys(store: SQLiteJobStore, count: int, name: str) -> list[ApiKey]:
    keys = []
    for i in range(count):
        _, key_hash, prefix = generate_key()
        keys.append(store.create_key(key_id=new_key_id(), name=f"{name}-{i}", key_hash=key_hash, prefix=prefix,
                                     quota=None))
    return keys


def _busy_worker(path: str, key_id: str, stop) -> None:  # noqa: ANN001 - a multiprocessing Event
    """Create, claim, heartbeat and complete BUSY_MODEL jobs as fast as possible until told to stop."""
    store = SQLiteJobStore(path)
    worker = f"busy-{uuid.uuid4().hex[:6]}"
    limits = {"max_queued_per_key": 10**9, "max_queued_total": 10**9}
    while not stop.is_set():
        store.create_job(_new_job(key_id, BUSY_MODEL), **limits)
        for job in store.claim_jobs(worker, [BUSY_MODEL], limit=1, lease_seconds=30):
            store.heartbeat(job.id, worker, lease_seconds=30, progress=0.5)
            store.complete_job(job.id, worker, files=[FileRef(f"{job.id}/output.wav", "output.wav", "audio/wav", 1)],
                               audio_seconds=30.0, engine_seconds=3.0)
    store.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queued", type=int, default=10_000)
    parser.add_argument("--samples", type=int, default=2_000)
    parser.add_argument("--writers", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.db"
        store = SQLiteJobStore(path)
        store.migrate()
        # The default limit is 100 queued per key, so the deep queue is spread over keys as in real use, and the
        # measured creates rotate over fresh keys that each end at that limit.
        limits = {"max_queued_per_key": 100, "max_queued_total": 10**9}
        fillers = _new_keys(store, max(1, args.queued // 100), "filler")
        start = time.perf_counter()
        for i in range(args.queued):
            store.create_job(_new_job(fillers[i % len(fillers)].id), **limits)
        print(f"filled the queue with {args.queued} jobs in {time.perf_counter() - start:.1f} s")

        for phase in ("quiet", "contended"):
            stop, writers = None, []
            if phase == "contended":
                if args.writers < 1:
                    break
                ctx = multiprocessing.get_context("spawn")
                stop = ctx.Event()
                writers = [ctx.Process(target=_busy_worker, args=(str(path), fillers[0].id, stop))
                           for _ in range(args.writers)]
                for writer in writers:
                    writer.start()
                time.sleep(1.5)  # let them import and reach full speed
                print(f"-- with {args.writers} processes creating, claiming, heartbeating and completing:")
            keys = _new_keys(store, -(-args.samples // 100), f"bench-{phase}")
            created: list[str] = []
            _report(f"create_job ({args.queued} queued)",
                    _timed(lambda: created.append(store.create_job(_new_job(keys[len(created) // 100].id),
                                                                   **limits).id), args.samples))
            job_id, key_id = created[-1], keys[-1].id
            _report("get_job", _timed(lambda: store.get_job(job_id, key_id), args.samples * 5))
            if phase == "quiet":
                key_hash = generate_key()[1]
                _report("key_by_hash", _timed(lambda: store.key_by_hash(key_hash), args.samples * 5))
                last = store.get_job(job_id)
                _report("queue_position (last of 10k)", _timed(lambda: store.queue_position(last), args.samples // 4))
                _report("queue_depth", _timed(lambda: store.queue_depth(), args.samples))
                _report("claim_jobs(limit=1)", _timed(
                    lambda: store.claim_jobs("w", [MODEL], limit=1, lease_seconds=30), args.samples))

                def claim_and_complete() -> None:
                    (job,) = store.claim_jobs("w2", [MODEL], limit=1, lease_seconds=30)
                    store.complete_job(job.id, "w2", files=[FileRef(f"{job.id}/output.wav", "output.wav",
                                                                    "audio/wav", 1000)],
                                       audio_seconds=30.0, engine_seconds=3.0)

                _report("claim + complete", _timed(claim_and_complete, args.samples))
            else:
                _report("claim_jobs(limit=1)", _timed(
                    lambda: store.claim_jobs("w", [MODEL], limit=1, lease_seconds=30), args.samples // 2))
                stop.set()
                for writer in writers:
                    writer.join(30)
        _report("completion_stats", _timed(lambda: store.completion_stats([1, 5, 10, 30, 60, 120]), 20))
        print(f"completed jobs: {store.count_by_status()}")
        store.close()
    for keys in (5, args.queued):
        _fair_claims(args.queued, keys, args.samples)


def _fair_claims(queued: int, key_count: int, samples: int) -> None:
    """Claims from ``queued`` jobs spread over ``key_count`` keys, on a fresh file."""
    with tempfile.TemporaryDirectory() as tmp:
        store = SQLiteJobStore(Path(tmp) / "fair.db")
        store.migrate()
        keys = _new_keys(store, key_count, "fair")
        limits = {"max_queued_per_key": 10**9, "max_queued_total": 10**9}
        last = None
        for i in range(queued):
            last = store.create_job(_new_job(keys[i % key_count].id), **limits)
        print(f"-- fair claims, {queued} queued of {key_count} keys:")
        _report("queue_position (last queued)", _timed(lambda: store.queue_position(last), max(1, samples // 4)))
        _report("claim_jobs(limit=1)", _timed(
            lambda: store.claim_jobs("w", [MODEL], limit=1, lease_seconds=30), samples))
        _report("claim_jobs(limit=8)", _timed(
            lambda: store.claim_jobs("w", [MODEL], limit=8, lease_seconds=30), max(1, samples // 8)))
        store.close()


if __name__ == "__main__":
    main()
