"""What only the PostgreSQL store runs: its claims, the folding of its counters, its clock, and how migrations run
on PostgreSQL (see :mod:`.postgres`; the statements its shared rules run are in :mod:`.queries`)."""

from __future__ import annotations

from ._rows import JOB_COLUMNS
from .migrate import Dialect

__all__ = ["CHANNEL", "CLAIM", "CLAIM_CANDIDATES", "CLAIM_LOCK", "CLAIM_LOCK_ANY", "FOLD_COUNTS", "NOW",
           "POSTGRES_DIALECT"]

#: Advisory lock keys ("orch" + a number): one for migrations, one for folding the job counters.
_MIGRATION_LOCK = 0x6F726368_0001
_COUNTS_LOCK = 0x6F726368_0002
#: The NOTIFY channel the announce trigger of migration 0001 uses.
CHANNEL = "orchestrion_jobs"

NOW = "extract(epoch FROM now())::float8"

POSTGRES_DIALECT = Dialect(
    name="postgresql",
    # The lock is held until the migration transaction ends, so processes starting together apply it once.
    begin=(f"SELECT pg_advisory_xact_lock({_MIGRATION_LOCK})",),
    param="%s",
    # Without parameters psycopg sends the whole file as one simple query: many statements, $$ bodies included.
    execute_script=lambda conn, sql: conn.execute(sql),
)

#: Fair claims, step 1 (no locks): for each model, the keys whose turn comes first (the index key_queues_turns), and
#: each one's oldest queued jobs; ordered as round-robin takes them: by rank within the key, then by the key's
#: turn, then (keys never claimed, or one key's several models) by the key's oldest job.
CLAIM_CANDIDATES = """
SELECT j.seq, k.engine_model
FROM unnest(%(models)s::text[]) AS wanted(model)
CROSS JOIN LATERAL (
    SELECT engine_model, key_id, claim_turn FROM key_queues
    WHERE engine_model = wanted.model
    ORDER BY claim_turn, first_seq LIMIT %(keys)s
) AS k
CROSS JOIN LATERAL (
    SELECT seq, row_number() OVER (ORDER BY seq) AS rank, min(seq) OVER () AS head
    FROM (SELECT seq FROM jobs
          WHERE key_id = k.key_id AND engine_model = k.engine_model AND status = 'queued'
          ORDER BY seq LIMIT %(per_key)s) AS oldest
) AS j
ORDER BY j.rank, k.claim_turn, j.head
"""
#: Step 2: lock the jobs taken (``{taken}``), then their keys' rows (in id order, as every transaction touching
#: several keys takes them), and draw one new turn per key. Rows: (seq, key id, a turn drawn), in taking order.
_LOCK_AND_DRAW = """
WITH taken AS MATERIALIZED ({taken}),
keys AS MATERIALIZED (
    SELECT id FROM api_keys WHERE id = ANY(ARRAY(SELECT key_id FROM taken)) ORDER BY id FOR NO KEY UPDATE
),
turns AS MATERIALIZED (
    SELECT key_id, nextval('claim_turns') AS turn FROM (SELECT DISTINCT key_id FROM taken) AS served
    WHERE (SELECT count(*) FROM keys) > 0
)
SELECT taken.seq, taken.key_id, turns.turn FROM taken JOIN turns USING (key_id) ORDER BY taken.position
"""
#: Up to ``limit`` of one model's candidates, in their order, passing over those another worker holds. The status
#: test is written ``IS TRUE`` so that no partial index of queued jobs matches it: the candidates are looked up by
#: primary key whatever the planner's statistics say (stale ones once chose a scan of every queued job).
CLAIM_LOCK = _LOCK_AND_DRAW.format(taken="""
    SELECT seq, key_id, array_position(%(seqs)s::bigint[], seq) AS position FROM jobs
    WHERE seq = ANY(%(seqs)s::bigint[]) AND (status = 'queued') IS TRUE
    ORDER BY position LIMIT %(limit)s
    FOR UPDATE SKIP LOCKED""")
#: When every candidate was held by concurrent workers: the model's oldest unlocked jobs.
CLAIM_LOCK_ANY = _LOCK_AND_DRAW.format(taken="""
    SELECT seq, key_id, seq AS position FROM jobs WHERE status = 'queued' AND engine_model = %(model)s
    ORDER BY seq LIMIT %(limit)s
    FOR UPDATE SKIP LOCKED""")
#: Step 3: the keys move to their new turns (listed in the order they were served) and the jobs are claimed. The
#: jobs' trigger takes them out of key_queues at the end of the statement, after the turns were written.
CLAIM = f"""
WITH turned AS (
    UPDATE api_keys SET claim_turn = (%(turns)s::bigint[])[array_position(%(keys)s::text[], id)]
    WHERE id = ANY(%(keys)s::text[])
), queues AS (
    UPDATE key_queues SET claim_turn = (%(turns)s::bigint[])[array_position(%(keys)s::text[], key_id)]
    WHERE key_id = ANY(%(keys)s::text[])
)
UPDATE jobs SET status = 'generating', attempts = attempts + 1, progress = 0, lease_owner = %(worker)s,
    lease_expires_at = {NOW} + %(lease)s, started_at = COALESCE(started_at, {NOW}), updated_at = {NOW}
WHERE seq = ANY(%(seqs)s::bigint[])
RETURNING seq, {JOB_COLUMNS}
"""

FOLD_COUNTS = f"""
WITH gate AS (SELECT pg_try_advisory_xact_lock({_COUNTS_LOCK}) AS mine),
moved AS (
    DELETE FROM job_count_deltas USING gate WHERE gate.mine
    RETURNING job_count_deltas.status, job_count_deltas.engine_model, job_count_deltas.delta
)
INSERT INTO job_count_deltas (status, engine_model, delta)
SELECT status, engine_model, SUM(delta) FROM moved GROUP BY status, engine_model HAVING SUM(delta) <> 0
"""
