-- Statements both SQL stores run as written here (the notation: see orchestrion/jobs/queries/__init__.py).

-- name: schema_version
SELECT MAX(version) FROM schema_migrations

-- Admission (SQLJobStore.create_job) --------------------------------------------------------------------------

-- name: idempotency_lookup
-- The third column: whether the idempotency key is past its window.
SELECT request_hash, job_id, created_at < :now - :window FROM idempotency_keys
WHERE key_id = :key_id AND idempotency_key = :idempotency_key

-- name: idempotency_forget
DELETE FROM idempotency_keys WHERE key_id = :key_id AND idempotency_key = :idempotency_key

-- name: key_queued_count
-- Counting stops at the limit, so a key with thousands queued costs no more than one at the limit.
SELECT COUNT(*) FROM (SELECT 1 FROM jobs WHERE key_id = :key_id AND status = 'queued' LIMIT :limit) AS q

-- name: key_active_count
SELECT COUNT(*) FROM (SELECT 1 FROM jobs WHERE key_id = :key_id AND status IN ('queued', 'generating')
                      LIMIT :limit) AS q

-- name: insert_job
INSERT INTO jobs (id, key_id, model, engine_model, params, status, max_attempts, created_at, updated_at,
                  credits_used, work_seconds, webhook_url, webhook_events)
VALUES (:id, :key_id, :model, :engine_model, :params, 'queued', :max_attempts, :now, :now, :credits,
        :work_seconds, :webhook_url, :webhook_events)
RETURNING created_at

-- name: charge_credits
UPDATE api_keys SET credits_used = credits_used + :credits WHERE id = :key_id

-- name: remember_idempotency
INSERT INTO idempotency_keys (key_id, idempotency_key, request_hash, job_id, created_at)
VALUES (:key_id, :idempotency_key, :request_hash, :id, :now)

-- Jobs ---------------------------------------------------------------------------------------------------------

-- name: get_job
SELECT {job_columns} FROM jobs WHERE id = :id

-- name: get_job_of_key
SELECT {job_columns} FROM jobs WHERE id = :id AND key_id = :key_id

-- name: job_by_seq
SELECT {job_columns} FROM jobs WHERE seq = :seq

-- name: list_jobs
SELECT seq, {job_columns} FROM jobs WHERE key_id = :key_id AND seq < :below ORDER BY seq DESC LIMIT :limit

-- name: cancel
UPDATE jobs SET status = 'canceled', credits_used = 0, lease_owner = NULL, lease_expires_at = NULL,
    completed_at = :now, updated_at = :now
WHERE seq = :seq

-- name: uncharge
UPDATE jobs SET credits_used = 0, updated_at = :now WHERE seq = :seq

-- name: end_with_error
UPDATE jobs SET status = 'error', error_name = :error_name, error_message = :error_message, credits_used = 0,
    lease_expires_at = NULL, completed_at = :now, updated_at = :now
WHERE seq = :seq

-- name: heartbeat
UPDATE jobs SET lease_expires_at = :now + :lease, progress = COALESCE(:progress, progress), updated_at = :now
WHERE id = :id AND status = 'generating' AND lease_owner = :worker
RETURNING 1

-- name: complete
-- The key's stored bytes follow the job's (a trigger), so the budget counts these files at once.
UPDATE jobs SET status = 'completed', progress = 1, files = :files, stored_bytes = :stored_bytes,
    audio_seconds = :audio_seconds, engine_seconds = :engine_seconds, info = COALESCE(:info, info),
    completed_at = :now, updated_at = :now, lease_expires_at = NULL
WHERE id = :id AND status = 'generating' AND lease_owner = :worker
RETURNING 1

-- name: release
UPDATE jobs SET status = 'queued', attempts = CASE WHEN attempts > 0 THEN attempts - 1 ELSE 0 END, progress = 0,
    lease_owner = NULL, lease_expires_at = NULL, updated_at = :now
WHERE seq = :seq

-- name: requeue_lost
-- Jobs whose lease ran out go back to the queue, or end 'error' after their last attempt; ':at' is an explicit
-- time (tests, tools) or NULL for the store's clock.
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
    completed_at = CASE WHEN attempts < max_attempts THEN NULL ELSE COALESCE(:at, :now) END,
    updated_at = COALESCE(:at, :now)
WHERE seq = ANY(:seqs) AND status = 'generating'

-- name: delete_jobs
-- Deliveries and idempotency keys go with them (ON DELETE CASCADE); a trigger takes their stored bytes off keys.
DELETE FROM jobs WHERE seq = ANY(:seqs)

-- name: queue_position
-- Jobs ahead of one in round-robin, were no job to arrive: its rank r among its key's queued jobs of the model,
-- plus min(queued, r + 1) of every key whose turn comes before its key's and min(queued, r) of every key after.
WITH me AS (SELECT seq, engine_model, key_id FROM jobs WHERE id = :id AND status = 'queued'),
mine AS MATERIALIZED (
    SELECT q.engine_model, q.key_id, q.claim_turn, q.first_seq,
           (SELECT COUNT(*) FROM jobs WHERE jobs.key_id = me.key_id AND jobs.engine_model = me.engine_model
            AND jobs.status = 'queued' AND jobs.seq < me.seq) AS rank
    FROM me JOIN key_queues AS q ON q.engine_model = me.engine_model AND q.key_id = me.key_id
)
SELECT CASE WHEN mine.rank = 0 THEN (
    -- The key's oldest job: one job of each key whose turn comes first, counted along the index.
    SELECT COUNT(*) FROM key_queues AS o WHERE o.engine_model = mine.engine_model
    AND (o.claim_turn, o.first_seq) < (mine.claim_turn, mine.first_seq))
ELSE mine.rank + COALESCE((
    SELECT SUM(CASE WHEN (o.claim_turn, o.first_seq) < (mine.claim_turn, mine.first_seq)
                    THEN CASE WHEN o.queued < mine.rank + 1 THEN o.queued ELSE mine.rank + 1 END
                    ELSE CASE WHEN o.queued < mine.rank THEN o.queued ELSE mine.rank END END)
    FROM key_queues AS o WHERE o.engine_model = mine.engine_model AND o.key_id <> mine.key_id), 0) END
FROM mine

-- name: stored_bytes
SELECT stored_bytes FROM api_keys WHERE id = :key_id

-- name: expired_jobs
SELECT {job_columns} FROM jobs WHERE status IN ('completed', 'error', 'canceled') AND completed_at < :before
ORDER BY completed_at LIMIT :limit

-- Webhook deliveries ---------------------------------------------------------------------------------------------

-- name: any_delivery_due
SELECT 1 FROM webhook_deliveries WHERE state = 'pending' AND next_attempt_at <= :now
AND (lease_expires_at IS NULL OR lease_expires_at <= :now) LIMIT 1

-- name: record_webhook_attempt
UPDATE webhook_deliveries SET state = :state, attempts = attempts + 1, payload = COALESCE(payload, :payload),
    next_attempt_at = COALESCE(:retry_at, next_attempt_at), lease_owner = NULL, lease_expires_at = NULL,
    last_status_code = :status_code, last_error = :error,
    delivered_at = CASE WHEN :delivered THEN :now ELSE delivered_at END
WHERE id = :id AND state = 'pending' AND lease_owner = :owner
RETURNING 1

-- name: webhook_deliveries
SELECT {delivery_columns} FROM webhook_deliveries WHERE job_id = :job_id ORDER BY seq

-- Workers ------------------------------------------------------------------------------------------------------

-- name: record_worker
INSERT INTO workers (worker_id, engine_models, state, started_at, seen_at)
VALUES (:worker_id, :engine_models, :state, :now, :now)
ON CONFLICT (worker_id) DO UPDATE SET engine_models = excluded.engine_models, state = excluded.state,
    seen_at = excluded.seen_at

-- name: live_workers
SELECT worker_id, engine_models, state, seen_at FROM workers
WHERE state <> 'stopped' AND seen_at >= :now - :max_age ORDER BY worker_id

-- Keys ---------------------------------------------------------------------------------------------------------

-- name: create_key
INSERT INTO api_keys (id, name, key_hash, prefix, created_at, quota)
VALUES (:id, :name, :key_hash, :prefix, :now, :quota)
RETURNING created_at

-- name: key_by_hash
SELECT {key_columns} FROM api_keys WHERE key_hash = :key_hash

-- name: list_keys
SELECT {key_columns} FROM api_keys ORDER BY created_at, id

-- name: revoke
UPDATE api_keys SET revoked_at = :now WHERE id = :id RETURNING {key_columns}

-- name: count_keys
SELECT COUNT(*) FROM api_keys
