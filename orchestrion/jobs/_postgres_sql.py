"""The PostgreSQL store's longer statements, and how migrations run on PostgreSQL (see :mod:`.postgres`)."""

from __future__ import annotations

from ._rows import DELIVERY_COLUMNS, JOB_COLUMNS
from .migrate import Dialect

__all__ = ["CHANNEL", "CLAIM", "CLAIM_DELIVERIES", "FOLD_COUNTS", "NOW", "POSTGRES_DIALECT", "REQUEUE_EXPIRED_AT",
           "REQUEUE_EXPIRED_NOW"]

#: Advisory lock keys ("orch" + a number): one for migrations, one for folding the job counters.
_MIGRATION_LOCK = 0x6F726368_0001
_COUNTS_LOCK = 0x6F726368_0002
#: The NOTIFY channel the announce trigger of migration 0001 uses.
CHANNEL = "orchestrion_jobs"

NOW = "extract(epoch FROM now())::float8"
_RETURNING_JOB = ", ".join(f"jobs.{column.strip()}" for column in JOB_COLUMNS.split(","))

POSTGRES_DIALECT = Dialect(
    name="postgresql",
    # The lock is held until the migration transaction ends, so processes starting together apply it once.
    begin=(f"SELECT pg_advisory_xact_lock({_MIGRATION_LOCK})",),
    param="%s",
    # Without parameters psycopg sends the whole file as one simple query: many statements, $$ bodies included.
    execute_script=lambda conn, sql: conn.execute(sql),
)

# Formatted twice below: with the database's clock, or with an explicit time (for tests and for tools).
REQUEUE_EXPIRED = """
WITH expired AS (
    SELECT seq, credits_used FROM jobs
    WHERE status = 'generating' AND lease_expires_at <= {now}
    FOR UPDATE SKIP LOCKED
), changed AS (
    UPDATE jobs SET
        status = CASE WHEN jobs.attempts < jobs.max_attempts THEN 'queued' ELSE 'error' END,
        progress = CASE WHEN jobs.attempts < jobs.max_attempts THEN 0 ELSE jobs.progress END,
        lease_owner = CASE WHEN jobs.attempts < jobs.max_attempts THEN NULL ELSE jobs.lease_owner END,
        lease_expires_at = NULL,
        error_name = CASE WHEN jobs.attempts < jobs.max_attempts THEN NULL ELSE 'worker_lost' END,
        error_message = CASE WHEN jobs.attempts < jobs.max_attempts THEN NULL ELSE
            'the worker running this generation stopped (attempt ' || jobs.attempts || ' of '
            || jobs.max_attempts || ') before finishing; it may have crashed or run out of memory, '
            || 'and no attempts are left' END,
        credits_used = CASE WHEN jobs.attempts < jobs.max_attempts THEN jobs.credits_used ELSE 0 END,
        completed_at = CASE WHEN jobs.attempts < jobs.max_attempts THEN NULL ELSE {now} END,
        updated_at = {now}
    FROM expired WHERE jobs.seq = expired.seq
    RETURNING jobs.key_id, jobs.status, expired.credits_used AS charged
), refunds AS (
    UPDATE api_keys SET credits_used = GREATEST(api_keys.credits_used - refund.charged, 0)
    FROM (SELECT key_id, SUM(charged) AS charged FROM changed WHERE status = 'error' GROUP BY key_id) AS refund
    WHERE api_keys.id = refund.key_id
)
SELECT count(*) FROM changed
"""
REQUEUE_EXPIRED_NOW = REQUEUE_EXPIRED.format(now=NOW)
REQUEUE_EXPIRED_AT = REQUEUE_EXPIRED.format(now="%(now)s")

# Up to `limit` unlocked queued jobs of each model are locked for the length of this one statement; the model of
# the oldest wins and only its jobs are claimed, so a batch shares one engine model.
CLAIM = f"""
WITH candidates AS (
    SELECT head.seq, head.engine_model
    FROM unnest(%(models)s::text[]) AS wanted(model)
    CROSS JOIN LATERAL (
        SELECT seq, engine_model FROM jobs
        WHERE status = 'queued' AND engine_model = wanted.model
        ORDER BY seq LIMIT %(limit)s
        FOR UPDATE SKIP LOCKED
    ) AS head
), chosen AS (
    SELECT seq FROM candidates
    WHERE engine_model = (SELECT engine_model FROM candidates ORDER BY seq LIMIT 1)
)
UPDATE jobs SET status = 'generating', attempts = attempts + 1, progress = 0, lease_owner = %(worker)s,
    lease_expires_at = {NOW} + %(lease)s, started_at = COALESCE(started_at, {NOW}), updated_at = {NOW}
FROM chosen WHERE jobs.seq = chosen.seq
RETURNING jobs.seq, {_RETURNING_JOB}
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
