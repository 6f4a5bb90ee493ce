"""The store under contention: threads and spawned processes claiming and creating at once.

Every job must be claimed exactly once and admission limits must hold across processes, because real deployments
run the API and several worker processes (spawned, each with its own store) against one database.
"""

from __future__ import annotations

import dataclasses
import multiprocessing
import queue
import random
import threading
from collections import Counter
from typing import Callable

from orchestrion.jobs import BudgetExceeded, JobStatus, JobStore, TooManyQueued

from .test_store_conformance import MODEL_A, MODEL_B, ROOMY, create, key_credits, make_key, new_job, wav

SPAWN = multiprocessing.get_context("spawn")


def claim_until_drained(store: JobStore, worker_id: str, start: Callable[[], object]) -> list[str]:
    """Claim small random batches and complete them until the queue stays empty; the ids claimed."""
    rng = random.Random(worker_id)
    claimed: list[str] = []
    start()
    empty_rounds = 0
    while empty_rounds < 3:
        jobs = store.claim_jobs(worker_id, [MODEL_A, MODEL_B], limit=rng.randint(1, 3), lease_seconds=60)
        if not jobs:
            empty_rounds += 1
            continue
        empty_rounds = 0
        assert len({j.engine_model for j in jobs}) == 1
        for job in jobs:
            claimed.append(job.id)
            if not store.complete_job(job.id, worker_id, files=[wav(job)], audio_seconds=1, engine_seconds=1):
                # Only a cancel may take a claimed job from its worker.
                assert store.get_job(job.id).status is JobStatus.CANCELED, store.get_job(job.id)
    return claimed


def _claiming_process(factory: Callable[[], JobStore], worker_id: str, barrier, results) -> None:  # noqa: ANN001
    store = factory()
    try:
        results.put((worker_id, claim_until_drained(store, worker_id, barrier.wait)))
    except BaseException as exc:  # the parent must learn why, not wait forever
        results.put((worker_id, repr(exc)))
    finally:
        store.close()


def _create_until_refused(factory: Callable[[], JobStore], key_id: str, tries: int, barrier, results,
                          work_seconds: float, limits: dict, refusal: type) -> None:  # noqa: ANN001
    """Make ``tries`` jobs of ``work_seconds`` under ``limits`` once every process is ready; report how many were
    accepted and how many refused with ``refusal``."""
    from orchestrion.jobs import ApiKey

    store = factory()
    key = ApiKey(id=key_id, name="shared", prefix="orc_shared", created_at=0)
    accepted = refused = 0
    barrier.wait()
    try:
        for _ in range(tries):
            try:
                store.create_job(dataclasses.replace(new_job(key), work_seconds=work_seconds), **limits)
                accepted += 1
            except refusal:
                refused += 1
        results.put((accepted, refused))
    except BaseException as exc:
        results.put(repr(exc))
    finally:
        store.close()


def _creating_process(factory: Callable[[], JobStore], key_id: str, tries: int, barrier, results) -> None:  # noqa: ANN001
    _create_until_refused(factory, key_id, tries, barrier, results, 0.0,
                          {"max_queued_per_key": 25, "max_queued_total": 1000}, TooManyQueued)


def _budgeted_process(factory: Callable[[], JobStore], key_id: str, tries: int, barrier, results) -> None:  # noqa: ANN001
    _create_until_refused(factory, key_id, tries, barrier, results, 10.0,
                          {"max_queued_per_key": 1000, "max_queued_total": 1000, "max_queued_seconds_per_key": 250},
                          BudgetExceeded)


def _collect(results, count: int) -> list:  # noqa: ANN001
    collected = []
    for _ in range(count):
        try:
            collected.append(results.get(timeout=60))
        except queue.Empty:
            raise AssertionError(f"only {len(collected)} of {count} processes reported within 60 s") from None
    return collected


def test_threads_claim_every_job_exactly_once(store: JobStore) -> None:
    key = make_key(store)
    jobs = [create(store, key, engine_model=random.choice((MODEL_A, MODEL_B))) for _ in range(150)]
    barrier = threading.Barrier(4)
    claims: dict[str, list[str]] = {}

    def run(worker_id: str) -> None:
        claims[worker_id] = claim_until_drained(store, worker_id, barrier.wait)

    threads = [threading.Thread(target=run, args=(f"thread-{i}",)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert len(claims) == 4, "a claiming thread failed"
    counted = Counter(job_id for ids in claims.values() for job_id in ids)
    assert set(counted) == {j.id for j in jobs} and set(counted.values()) == {1}
    assert store.count_by_status()[JobStatus.COMPLETED] == len(jobs)


def test_processes_and_threads_claim_every_job_exactly_once(store: JobStore, store_factory) -> None:  # noqa: ANN001
    key = make_key(store)
    jobs = [create(store, key, engine_model=(MODEL_A, MODEL_B)[i % 3 == 0]) for i in range(240)]
    processes = 3
    barrier = SPAWN.Barrier(processes + 1)
    results = SPAWN.Queue()
    children = [SPAWN.Process(target=_claiming_process, args=(store_factory, f"proc-{i}", barrier, results))
                for i in range(processes)]
    for child in children:
        child.start()
    # The parent joins in as a fourth claimer through the shared store, from a thread of its own.
    local: list[str] = []
    thread = threading.Thread(target=lambda: local.extend(claim_until_drained(store, "parent", barrier.wait)))
    thread.start()
    reported = _collect(results, processes)
    thread.join(60)
    for child in children:
        child.join(30)
    failures = [r for r in reported if isinstance(r[1], str)]
    assert not failures, failures
    counted = Counter(local)
    for _, ids in reported:
        counted.update(ids)
    assert set(counted) == {j.id for j in jobs}, "some jobs were never claimed"
    assert [job_id for job_id, n in counted.items() if n > 1] == [], "jobs claimed twice"
    assert all(store.get_job(j.id).attempts == 1 for j in jobs)
    assert store.count_by_status() == {JobStatus.QUEUED: 0, JobStatus.GENERATING: 0,
                                       JobStatus.COMPLETED: len(jobs), JobStatus.ERROR: 0,
                                       JobStatus.CANCELED: 0}


def _race(target, store_factory, key_id: str, processes: int, tries: int) -> list:  # noqa: ANN001
    """Run ``target`` in ``processes`` spawned processes that start together; what each reported."""
    barrier = SPAWN.Barrier(processes)
    results = SPAWN.Queue()
    children = [SPAWN.Process(target=target, args=(store_factory, key_id, tries, barrier, results))
                for _ in range(processes)]
    for child in children:
        child.start()
    reported = _collect(results, processes)
    for child in children:
        child.join(30)
    assert all(isinstance(r, tuple) for r in reported), reported
    return reported


def test_admission_limit_holds_across_processes(store: JobStore, store_factory) -> None:  # noqa: ANN001
    key = make_key(store)
    processes, tries = 3, 15
    reported = _race(_creating_process, store_factory, key.id, processes, tries)
    assert sum(a for a, _ in reported) == 25 and sum(r for _, r in reported) == processes * tries - 25
    assert store.queue_depth() == 25
    assert next(k.credits_used for k in store.list_keys() if k.id == key.id) == 25
    store.create_job(new_job(key), **ROOMY)  # the limit was the caller's, not a stuck state


def test_the_queued_seconds_budget_holds_across_processes(store: JobStore, store_factory) -> None:  # noqa: ANN001
    key = make_key(store)
    processes, tries = 3, 15
    reported = _race(_budgeted_process, store_factory, key.id, processes, tries)
    # 25 jobs of 10 s fill the budget of 250 s exactly; every other try was refused, whichever process made it.
    assert sum(a for a, _ in reported) == 25 and sum(r for _, r in reported) == processes * tries - 25
    assert store.queue_depth() == 25 and key_credits(store, key) == 25
    (job,) = store.claim_jobs("w1", [MODEL_A], limit=1, lease_seconds=30)
    store.complete_job(job.id, "w1", files=[wav(job)], audio_seconds=10, engine_seconds=1)
    store.create_job(dataclasses.replace(new_job(key), work_seconds=10.0), **ROOMY, max_queued_seconds_per_key=250)


def test_claims_across_many_keys_with_creates_and_cancels_meanwhile(
        store: JobStore, store_factory) -> None:  # noqa: ANN001
    keys = [make_key(store, name=f"k{i}") for i in range(6)]
    rng = random.Random(7)
    jobs = [create(store, rng.choice(keys), engine_model=rng.choice((MODEL_A, MODEL_B))) for _ in range(150)]
    processes = 3
    barrier = SPAWN.Barrier(processes + 1)
    results = SPAWN.Queue()
    children = [SPAWN.Process(target=_claiming_process, args=(store_factory, f"proc-{i}", barrier, results))
                for i in range(processes)]
    for child in children:
        child.start()
    # Meanwhile the API side keeps creating, cancels some queued jobs and refunds some, as clients do.
    barrier.wait()
    canceled = set()
    for i in range(60):
        jobs.append(create(store, rng.choice(keys), engine_model=rng.choice((MODEL_A, MODEL_B))))
        victim = rng.choice(jobs)
        current, changed = store.cancel_job(victim.id)
        if changed:
            canceled.add(victim.id)
        if i % 10 == 0:
            store.refund_job(rng.choice(jobs).id)
            store.requeue_expired()
    reported = _collect(results, processes)
    for child in children:
        child.join(30)
    failures = [r for r in reported if isinstance(r[1], str)]
    assert not failures, failures
    counted = Counter(job_id for _, ids in reported for job_id in ids)
    leftovers = claim_until_drained(store, "parent", lambda: None)  # created after the children stopped looking
    counted.update(leftovers)
    assert [job_id for job_id, n in counted.items() if n > 1] == [], "jobs claimed twice"
    statuses = {j.id: store.get_job(j.id).status for j in jobs}
    assert set(statuses.values()) <= {JobStatus.COMPLETED, JobStatus.CANCELED}
    assert {job_id for job_id, status in statuses.items() if status is JobStatus.CANCELED} == canceled
    assert set(counted) | canceled == set(statuses), "jobs neither claimed nor canceled"
    # The bookkeeping behind turns and budgets came out even: nothing is counted as waiting or in flight.
    fresh = [store.create_job(dataclasses.replace(new_job(key), work_seconds=5.0), **ROOMY,
                              max_queued_seconds_per_key=5) for key in keys]
    positions = {job.id: store.queue_position(job) for job in fresh}
    assert sorted(positions.values()) == list(range(len(keys)))
    batch = store.claim_jobs("w", [MODEL_A], limit=10, lease_seconds=30)
    assert [j.id for j in batch] == sorted(positions, key=positions.__getitem__)
