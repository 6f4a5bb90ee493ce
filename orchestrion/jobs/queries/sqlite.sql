-- What SQLite spells its own way. A write transaction holds the database's single write lock (BEGIN IMMEDIATE),
-- so nothing here locks rows; per-status counts are the rows of job_counts, kept by triggers.

-- name: admission_key
SELECT quota, credits_used, active_work_ms, stored_bytes FROM api_keys WHERE id = :key_id

-- name: queued_total
SELECT COALESCE(SUM(n), 0) FROM job_counts WHERE status = 'queued'

-- name: queued_for_model
SELECT COALESCE(SUM(n), 0) FROM job_counts WHERE status = 'queued' AND engine_model = :engine_model

-- name: status_counts
SELECT status, SUM(n) FROM job_counts GROUP BY status

-- name: job_for_change
SELECT seq, key_id, status, credits_used FROM jobs WHERE id = :id

-- name: job_of_key_for_change
SELECT seq, key_id, status, credits_used FROM jobs WHERE id = :id AND key_id = :key_id

-- name: refund_charge
UPDATE api_keys SET credits_used = MAX(credits_used - (SELECT credits_used FROM jobs WHERE seq = :seq), 0)
WHERE id = (SELECT key_id FROM jobs WHERE seq = :seq)

-- name: fenced_job
SELECT seq, key_id, attempts, max_attempts FROM jobs WHERE id = :id AND status = 'generating' AND lease_owner = :worker

-- name: retry_later
UPDATE jobs SET status = 'queued', progress = 0, lease_owner = NULL, lease_expires_at = NULL, updated_at = :now,
    info = json_set(info, '$.last_error', json(:last_error)) WHERE seq = :seq

-- name: expired_leases
-- No ORDER BY: it would walk every job in seq order rather than the partial index of leases.
SELECT seq, key_id FROM jobs WHERE status = 'generating' AND lease_expires_at <= COALESCE(:at, :now)

-- name: refund_lost
UPDATE api_keys SET credits_used = MAX(api_keys.credits_used - refund.charged, 0)
FROM (SELECT key_id, SUM(credits_used) AS charged FROM jobs WHERE seq = ANY(:seqs) AND attempts >= max_attempts
      GROUP BY key_id) AS refund WHERE api_keys.id = refund.key_id

-- name: ended_jobs
SELECT seq, key_id FROM jobs WHERE id = ANY(:ids) AND status IN ('completed', 'error', 'canceled') ORDER BY seq

-- name: claim_deliveries
UPDATE webhook_deliveries SET lease_owner = :owner, lease_expires_at = :now + :lease WHERE seq IN (
    SELECT seq FROM webhook_deliveries WHERE state = 'pending' AND next_attempt_at <= :now
    AND (lease_expires_at IS NULL OR lease_expires_at <= :now) ORDER BY next_attempt_at, seq LIMIT :limit)
RETURNING seq, {delivery_columns}

-- name: keys_by_id
SELECT {key_columns} FROM api_keys WHERE id = :needle

-- name: keys_by_prefix
SELECT {key_columns} FROM api_keys WHERE prefix = :needle

-- name: keys_by_prefix_start
SELECT {key_columns} FROM api_keys WHERE substr(prefix, 1, :length) = :needle ORDER BY id

-- Claims (SQLiteJobStore._claim): key_queues, kept by triggers, holds one row per key and engine model with
-- queued jobs, ordered by the key's turn.

-- name: any_expired_lease
SELECT 1 FROM jobs WHERE status = 'generating' AND lease_expires_at <= :now LIMIT 1

-- name: any_queued
SELECT 1 FROM jobs WHERE status = 'queued' AND engine_model = :engine_model LIMIT 1

-- name: key_in_turn
SELECT key_id, claim_turn FROM key_queues WHERE engine_model = :engine_model ORDER BY claim_turn, first_seq LIMIT 1

-- name: key_head
SELECT MIN(seq) FROM jobs WHERE key_id = :key_id AND engine_model = :engine_model AND status = 'queued'

-- name: keys_in_turn
SELECT key_id FROM key_queues WHERE engine_model = :engine_model ORDER BY claim_turn, first_seq LIMIT :limit

-- name: key_queue
-- A key's queued jobs of one model, oldest first (the partial index jobs_queued_by_key).
SELECT seq FROM jobs WHERE key_id = :key_id AND engine_model = :engine_model AND status = 'queued' ORDER BY seq
LIMIT :limit

-- name: advance_clock
UPDATE claim_clock SET turn = turn + :turns WHERE id = 1 RETURNING turn

-- name: key_turn
UPDATE api_keys SET claim_turn = :turn WHERE id = :key_id

-- name: key_queue_turn
UPDATE key_queues SET claim_turn = :turn WHERE key_id = :key_id

-- name: claim
-- "(:seqs)" becomes one parameter per job (SQLiteJobStore._claim): on this hot path a list read with json_each
-- would cost a claim a third more.
UPDATE jobs SET status = 'generating', attempts = attempts + 1, progress = 0, lease_owner = :worker,
    lease_expires_at = :now + :lease, started_at = COALESCE(started_at, :now), updated_at = :now
WHERE seq IN (:seqs) RETURNING seq, {job_columns}
