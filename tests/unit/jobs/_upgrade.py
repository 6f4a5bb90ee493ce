"""A database from before fair claims and budgets (schema version 3), and what it must look like upgraded: shared by
the SQLite and PostgreSQL migration tests."""

from __future__ import annotations

import json
from typing import Callable

from orchestrion.jobs import BudgetExceeded, JobStatus, JobStore, NewJob

#: The schema version the seeded rows fit.
BEFORE = 3
MODEL = "test/tone"

KEYS = [("k1", "first", "h1", "p1", 1.0, 7), ("k2", "second", "h2", "p2", 2.0, 1)]
_FILES = json.dumps([{"key": "done/output.wav", "file_name": "output.wav", "content_type": "audio/wav",
                      "file_size": 100, "kind": "audio"},
                     {"key": "done/score.mid", "file_name": "score.mid", "content_type": "audio/midi",
                      "file_size": 50, "kind": "midi"}])
#: (id, key, status, files, lease_owner, lease_expires_at), in creation order.
JOBS = [
    ("old-1", "k1", "queued", "[]", None, None),
    ("done", "k1", "completed", _FILES, None, None),
    ("old-2", "k1", "queued", "[]", None, None),
    ("theirs", "k2", "queued", "[]", None, None),
    ("running", "k2", "generating", "[]", "w-old", 5.0),
]


def seed(execute: Callable[[str, tuple], object], param: str) -> None:
    """Write the rows with ``execute(sql, params)`` (``param``: the driver's placeholder)."""
    marks = ", ".join([param] * 6)
    for key in KEYS:
        execute(f"INSERT INTO api_keys (id, name, key_hash, prefix, created_at, credits_used) VALUES ({marks})", key)
    for job_id, key_id, status, files, owner, expires in JOBS:
        execute("INSERT INTO jobs (id, key_id, model, engine_model, params, status, attempts, max_attempts,"
                " created_at, updated_at, credits_used, files, lease_owner, lease_expires_at)"
                f" VALUES ({', '.join([param] * 7)}, 3, 1, 1, 1, {param}, {param}, {param})",
                (job_id, key_id, "alias", MODEL, json.dumps({"prompt": job_id}), status, int(owner is not None),
                 files, owner, expires))


def assert_upgraded(store: JobStore) -> None:
    """The seeded jobs and keys are all there, and what migration 0004 adds works on them."""
    assert store.count_keys() == 2
    assert {k.id: k.credits_used for k in store.list_keys()} == {"k1": 7, "k2": 1}
    jobs = {job_id: store.get_job(job_id) for job_id, *_ in JOBS}
    assert all(job is not None and job.params == {"prompt": job_id} for job_id, job in jobs.items())
    assert all(job.work_seconds == 0.0 for job in jobs.values())
    assert jobs["done"].status is JobStatus.COMPLETED and jobs["done"].audio_file.file_size == 100
    # Files stored before the upgrade count against the key's budget of stored bytes.
    assert store.stored_bytes("k1") == 150 and store.stored_bytes("k2") == 0
    try:
        store.create_job(NewJob(id="refused", key_id="k1", model=MODEL, engine_model=MODEL, params={}, credits=0,
                                max_attempts=1), max_queued_per_key=10, max_queued_total=10,
                         max_stored_bytes_per_key=150)
    except BudgetExceeded as exc:
        assert exc.budget == "stored_bytes" and exc.used == 150
    else:
        raise AssertionError("the stored bytes of the completed job did not count")
    # Keys never claimed take turns by their oldest job: k1's first, then k2's, then k1's second.
    assert [store.queue_position(jobs[j]) for j in ("old-1", "theirs", "old-2")] == [0, 1, 2]
    # The old lease ran out long ago: the job goes back to its key's queue.
    assert store.requeue_expired() == 1
    claimed = []
    while batch := store.claim_jobs("w-new", [MODEL], limit=1, lease_seconds=30):
        claimed.append(batch[0].id)
        assert store.complete_job(batch[0].id, "w-new", files=[], audio_seconds=1, engine_seconds=1)
    assert claimed == ["old-1", "theirs", "old-2", "running"]
    assert store.delete_jobs(["done"]) == 1 and store.stored_bytes("k1") == 0
