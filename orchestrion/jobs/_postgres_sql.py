"""The PostgreSQL store's longer statements, and how migrations run on PostgreSQL (see :mod:`.postgres`)."""

from __future__ import annotations

from ._rows import DELIVERY_COLUMNS, JOB_COLUMNS
from .migrate import Dialect

__all__ = ["ANY_EXPIRED", "CHANNEL", "CLAIM", "CLAIM_CANDIDATES", "CLAIM_DELIVERIES", "CLAIM_LOCK", "CLAIM_LOCK_ANY",
           "EXPIRED", "FOLD_COUNTS", "LOCK_KEYS", "NOW", "POSTGRES_DIALECT", "QUEUE_POSITION",
           "REFUND_LOST", "REQUEUE_LOST"]

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

#: Generating jobs whose lease ran out, locked (SKIP LOCKED: a concurrent expiry takes the others); ``{now}`` is the
#: database's clock or an explicit time (for tests and for tools).
EXPIRED = """
SELECT seq, key_id FROM jobs WHERE status = 'generating' AND lease_expires_at <= {now} ORDER BY seq
FOR UPDATE SKIP LOCKED
"""
#: Whether any lease ran out, read without a transaction: the answer nearly every claim gets.
ANY_EXPIRED = f"SELECT EXISTS (SELECT 1 FROM jobs WHERE status = 'generating' AND lease_expires_at <= {NOW})"
#: What the jobs of the last attempt were charged goes back to their keys (locked by the caller).
REFUND_LOST = """
UPDATE api_keys SET credits_used = GREATEST(api_keys.credits_used - refund.charged, 0)
FROM (SELECT key_id, SUM(credits_used) AS charged FROM jobs
      WHERE seq = ANY(%(seqs)s::bigint[]) AND attempts >= max_attempts GROUP BY key_id) AS refund
WHERE api_keys.id = refund.key_id
"""
#: The locked expired jobs go back to the queue, or end ``error`` after their last attempt.
REQUEUE_LOST = """
UPDATE jobs SET
    status = CASE WHEN attempts < max_attempts THEN 'queued' ELSE 'error' END,
    progress = CASE WHEN attempts < max_attempts THEN 0 ELSE progress END,
    lease_owner = CASE WHEN attempts < max_attempts THEN NULL ELSE lease_owner END,
    lease_expires_at = NULL,
    error_name = CASE WHEN attempts < max_attempts THEN NULL ELSE 'worker_lost' END,
    error_message = CASE WHEN attempts < max_attempts THEN NULL ELSE
        'the worker running this generation stopped (attempt ' || attempts || ' of '
        || max_attempts || ') before finishing; it may have crashed or run out of memory, '
        || 'and no attempts are left' END,
    credits_used = CASE WHEN attempts < max_attempts THEN credits_used ELSE 0 END,
    completed_at = CASE WHEN attempts < max_attempts THEN NULL ELSE {now} END,
    updated_at = {now}
WHERE seq = ANY(%(seqs)s::bigint[]) AND status = 'generating'
"""
#: Locks keys' rows in id order, the one order every transaction touching several keys takes them in.
LOCK_KEYS = "SELECT id FROM api_keys WHERE id = ANY(%s::text[]) ORDER BY id FOR NO KEY UPDATE"

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

#: Jobs ahead of one in round-robin, were no job to arrive: its rank r among its key's queued jobs of the model,
#: plus min(queued, r + 1) of every key whose turn comes before its key's and min(queued, r) of every key after.
QUEUE_POSITION = """
WITH me AS (SELECT seq, engine_model, key_id FROM jobs WHERE id = %s AND status = 'queued'),
mine AS MATERIALIZED (
    SELECT q.engine_model, q.key_id, q.claim_turn, q.first_seq,
           (SELECT count(*) FROM jobs WHERE jobs.key_id = me.key_id AND jobs.engine_model = me.engine_model
            AND jobs.status = 'queued' AND jobs.seq < me.seq) AS rank
    FROM me JOIN key_queues AS q ON q.engine_model = me.engine_model AND q.key_id = me.key_id
)
SELECT CASE WHEN mine.rank = 0 THEN (
    -- The key's oldest job: one job of each key whose turn comes first, counted along the index.
    SELECT count(*) FROM key_queues AS o WHERE o.engine_model = mine.engine_model
    AND (o.claim_turn, o.first_seq) < (mine.claim_turn, mine.first_seq))
ELSE mine.rank + COALESCE((
    SELECT sum(LEAST(o.queued, mine.rank + ((o.claim_turn, o.first_seq) < (mine.claim_turn, mine.first_seq))::int))
    FROM key_queues AS o WHERE o.engine_model = mine.engine_model AND o.key_id <> mine.key_id), 0) END
FROM mine
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

# Due, unleased (or lease-expired) pending deliveries, oldest first; SKIP LOCKED keeps concurrent senders apart.
CLAIM_DELIVERIES = f"""
UPDATE webhook_deliveries SET lease_owner = %(owner)s, lease_expires_at = {NOW} + %(lease)s
WHERE seq IN (
    SELECT seq FROM webhook_deliveries
    WHERE state = 'pending' AND next_attempt_at <= {NOW} AND (lease_expires_at IS NULL OR lease_expires_at <= {NOW})
    ORDER BY next_attempt_at, seq LIMIT %(limit)s
    FOR UPDATE SKIP LOCKED
)
RETURNING seq, {DELIVERY_COLUMNS}
"""
