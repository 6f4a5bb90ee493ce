"""Fair claims, as every backend must keep them: keys take turns (round-robin), so one key's backlog never holds
another key's generation back by more than one job per key with work waiting, and ``queue_position`` tells each
job the place it will actually be claimed at."""

from __future__ import annotations

import random

from orchestrion.jobs import ApiKey, Job, JobStatus, JobStore

from .test_store_conformance import MODEL_A, MODEL_B, create, make_key, wav


def claim_one(store: JobStore, models: tuple[str, ...] = (MODEL_A,), worker: str = "w1") -> Job | None:
    """One worker's claim of a single job, completed at once; the job claimed (``None``: the queue was empty)."""
    jobs = store.claim_jobs(worker, list(models), limit=1, lease_seconds=30)
    if not jobs:
        return None
    (job,) = jobs
    assert store.complete_job(job.id, worker, files=[wav(job)], audio_seconds=1, engine_seconds=1)
    return job


def drain(store: JobStore, models: tuple[str, ...] = (MODEL_A,)) -> list[str]:
    """Claim and complete one job at a time until nothing is left; the ids in claim order."""
    order = []
    while (job := claim_one(store, models)) is not None:
        order.append(job.id)
    return order


def test_a_key_with_one_job_waits_behind_one_job_of_a_key_with_a_backlog(store: JobStore) -> None:
    busy, patient = make_key(store, name="busy"), make_key(store, name="patient")
    backlog = [create(store, busy) for _ in range(8)]
    mine = create(store, patient)
    order = drain(store)
    # The single job is served second: right after the busy key's oldest, not after its whole backlog.
    assert order[:2] == [backlog[0].id, mine.id]
    assert order[2:] == [j.id for j in backlog[1:]]


def test_a_job_arriving_while_a_backlog_runs_is_next(store: JobStore) -> None:
    busy, patient = make_key(store, name="busy"), make_key(store, name="patient")
    backlog = [create(store, busy) for _ in range(8)]
    first = claim_one(store)
    second = claim_one(store)
    assert (first.id, second.id) == (backlog[0].id, backlog[1].id)  # one key alone: oldest first
    mine = create(store, patient)
    assert store.queue_position(mine) == 0
    assert claim_one(store).id == mine.id
    assert drain(store) == [j.id for j in backlog[2:]]


def test_three_keys_interleave(store: JobStore) -> None:
    a, b, c = (make_key(store, name=n) for n in "abc")
    jobs = {key.id: [create(store, key) for _ in range(3)] for key in (a, b, c)}
    expected = [jobs[key.id][i].id for i in range(3) for key in (a, b, c)]
    assert drain(store) == expected


def test_a_key_claimed_recently_waits_its_turn(store: JobStore) -> None:
    a, b = make_key(store, name="a"), make_key(store, name="b")
    create(store, b)
    claim_one(store)  # b was served first ...
    create(store, a)
    claim_one(store)  # ... then a
    older = create(store, a)
    newer = create(store, b)
    # b's latest claim is longer ago than a's, so b goes first although a's job is older.
    assert [store.queue_position(older), store.queue_position(newer)] == [1, 0]
    # A key never served goes before both.
    fresh = create(store, make_key(store, name="c"))
    assert [store.queue_position(j) for j in (fresh, newer, older)] == [0, 1, 2]
    assert drain(store) == [fresh.id, newer.id, older.id]


def test_keys_never_served_go_by_their_oldest_job(store: JobStore) -> None:
    a, b, c = (make_key(store, name=n) for n in "abc")
    b1 = create(store, b)
    a1 = create(store, a)
    c1 = create(store, c)
    b2 = create(store, b)
    a2 = create(store, a)
    assert drain(store) == [b1.id, a1.id, c1.id, b2.id, a2.id]


def test_a_batch_takes_keys_in_turn_and_the_next_claims_continue_the_rotation(store: JobStore) -> None:
    a, b, c = (make_key(store, name=n) for n in "abc")
    a_jobs = [create(store, a) for _ in range(4)]
    b_jobs = [create(store, b) for _ in range(2)]
    (c1,) = [create(store, c)]
    batch = store.claim_jobs("w1", [MODEL_A], limit=5, lease_seconds=30)
    assert [j.id for j in batch] == [a_jobs[0].id, b_jobs[0].id, c1.id, a_jobs[1].id, b_jobs[1].id]
    assert all(j.status is JobStatus.GENERATING and j.lease_owner == "w1" for j in batch)
    # c was served earlier in that batch than a, so c's next job goes before a's waiting ones.
    c2 = create(store, c)
    assert store.queue_position(c2) == 0
    assert [j.id for j in store.claim_jobs("w2", [MODEL_A], limit=2, lease_seconds=30)] == [c2.id, a_jobs[2].id]


def test_a_batch_keeps_to_the_model_of_the_job_whose_turn_it_is(store: JobStore) -> None:
    a, b = make_key(store, name="a"), make_key(store, name="b")
    a_beta = create(store, a, engine_model=MODEL_B)
    a_alpha = create(store, a, engine_model=MODEL_A)
    b_alpha = [create(store, b, engine_model=MODEL_A) for _ in range(2)]
    batch = store.claim_jobs("w1", [MODEL_A, MODEL_B], limit=4, lease_seconds=30)
    assert [j.id for j in batch] == [a_beta.id]  # a goes first (its oldest job), and only beta jobs batch with it
    # Now b's turn comes before a's, for either model.
    batch = store.claim_jobs("w1", [MODEL_A, MODEL_B], limit=4, lease_seconds=30)
    assert [j.id for j in batch] == [b_alpha[0].id, a_alpha.id, b_alpha[1].id]


def test_a_claim_for_one_model_uses_up_the_keys_turn_for_every_model(store: JobStore) -> None:
    a, b = make_key(store, name="a"), make_key(store, name="b")
    create(store, a, engine_model=MODEL_B)
    a_alpha = create(store, a, engine_model=MODEL_A)
    b_alpha = create(store, b, engine_model=MODEL_A)
    assert claim_one(store, (MODEL_B,)) is not None  # a's turn, spent on beta
    assert claim_one(store, (MODEL_A,)).id == b_alpha.id
    assert claim_one(store, (MODEL_A,)).id == a_alpha.id


def test_requeued_and_released_jobs_keep_their_place_in_their_keys_queue(store: JobStore) -> None:
    a, b = make_key(store, name="a"), make_key(store, name="b")
    a1, a2 = create(store, a), create(store, a)
    b1 = create(store, b)
    (claimed,) = store.claim_jobs("w1", [MODEL_A], limit=1, lease_seconds=30)
    assert claimed.id == a1.id
    assert store.release_job(a1.id, "w1")
    # a was just served, so b goes next; a1 comes back before a2.
    assert [store.queue_position(j) for j in (b1, a1, a2)] == [0, 1, 2]
    assert drain(store) == [b1.id, a1.id, a2.id]


def test_canceled_jobs_leave_the_rotation(store: JobStore) -> None:
    a, b, c = (make_key(store, name=n) for n in "abc")
    a1 = create(store, a)
    b1 = create(store, b)
    c1 = create(store, c)
    b2 = create(store, b)
    store.cancel_job(a1.id)  # a has nothing left: b's oldest job is now the oldest of a key never served
    assert [store.queue_position(j) for j in (b1, c1, b2)] == [0, 1, 2]
    assert drain(store) == [b1.id, c1.id, b2.id]


def test_queue_position_agrees_with_the_order_claims_take(store: JobStore) -> None:
    rng = random.Random(20240611)
    keys: list[ApiKey] = [make_key(store, name=f"k{i}") for i in range(5)]
    for _round in range(6):
        # Work arrives and is claimed, interleaved; some of it for another model, whose claims turn keys too.
        for _ in range(rng.randint(5, 25)):
            action = rng.random()
            if action < 0.6:
                create(store, rng.choice(keys[: rng.randint(1, len(keys))]),
                       engine_model=MODEL_A if rng.random() < 0.8 else MODEL_B)
            elif action < 0.9:
                claim_one(store, (MODEL_A,))
            else:
                claim_one(store, (MODEL_A, MODEL_B))
        # Then nothing arrives: each job's position is the number of jobs claimed before it.
        queued = [j for j in _queued(store, keys) if j.engine_model == MODEL_A]
        positions = {j.id: store.queue_position(j) for j in queued}
        assert sorted(positions.values()) == list(range(len(queued)))
        taking = rng.randint(0, len(queued))
        for claimed_before in range(taking):
            job = claim_one(store, (MODEL_A,))
            assert positions[job.id] == claimed_before, (job.id, positions)
        for job in queued:
            if store.get_job(job.id).status is JobStatus.QUEUED:
                assert store.queue_position(job) == positions[job.id] - taking


def _queued(store: JobStore, keys: list[ApiKey]) -> list[Job]:
    jobs = []
    for key in keys:
        page, cursor = store.list_jobs(key.id, limit=100)
        while True:
            jobs.extend(j for j in page if j.status is JobStatus.QUEUED)
            if cursor is None:
                break
            page, cursor = store.list_jobs(key.id, limit=100, after=cursor)
    return jobs
