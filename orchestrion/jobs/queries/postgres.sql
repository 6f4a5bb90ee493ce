-- What PostgreSQL spells its own way. Rows are locked where SQLite's single writer makes locks needless: creation
-- locks its key's row first; a job's changes lock the job, then its key (migration 0004 tells the whole order);
-- per-status counts are +1/-1 rows in job_count_deltas that PostgresJobStore folds together now and then.

-- name: admission_key
SELECT quota, credits_used, active_work_ms, stored_bytes FROM api_keys WHERE id = :key_id FOR UPDATE

-- name: queued_total
SELECT COALESCE(SUM(delta), 0) FROM job_count_deltas WHERE status = 'queued'

-- name: queued_for_model
SELECT COALESCE(SUM(delta), 0) FROM job_count_deltas WHERE status = 'queued' AND engine_model = :engine_model

-- name: status_counts
SELECT status, SUM(delta) FROM job_count_deltas GROUP BY status

-- name: job_for_change
SELECT seq, key_id, status, credits_used FROM jobs WHERE id = :id FOR UPDATE

-- name: job_of_key_for_change
SELECT seq, key_id, status, credits_used FROM jobs WHERE id = :id AND key_id = :key_id FOR UPDATE

-- name: refund_charge
UPDATE api_keys SET credits_used = GREATEST(api_keys.credits_used - jobs.credits_used, 0)
FROM jobs WHERE jobs.seq = :seq AND api_keys.id = jobs.key_id

-- name: fenced_job
SELECT seq, key_id, attempts, max_attempts FROM jobs WHERE id = :id AND status = 'generating' AND lease_owner = :worker
FOR UPDATE

-- name: retry_later
UPDATE jobs SET status = 'queued', progress = 0, lease_owner = NULL, lease_expires_at = NULL, updated_at = :now,
    info = jsonb_set(info, '{last_error}', :last_error::jsonb) WHERE seq = :seq

-- name: expired_leases
-- Locked, passing over those a concurrent expiry holds (it takes them).
SELECT seq, key_id FROM jobs WHERE status = 'generating' AND lease_expires_at <= COALESCE(:at, :now) ORDER BY seq
FOR UPDATE SKIP LOCKED

-- name: refund_lost
UPDATE api_keys SET credits_used = GREATEST(api_keys.credits_used - refund.charged, 0)
FROM (SELECT key_id, SUM(credits_used) AS charged FROM jobs WHERE seq = ANY(:seqs) AND attempts >= max_attempts
      GROUP BY key_id) AS refund WHERE api_keys.id = refund.key_id

-- name: ended_jobs
SELECT seq, key_id FROM jobs WHERE id = ANY(:ids) AND status IN ('completed', 'error', 'canceled') ORDER BY seq
FOR UPDATE

-- name: claim_deliveries
-- SKIP LOCKED keeps concurrent senders apart.
UPDATE webhook_deliveries SET lease_owner = :owner, lease_expires_at = :now + :lease WHERE seq IN (
    SELECT seq FROM webhook_deliveries WHERE state = 'pending' AND next_attempt_at <= :now
    AND (lease_expires_at IS NULL OR lease_expires_at <= :now) ORDER BY next_attempt_at, seq LIMIT :limit
    FOR UPDATE SKIP LOCKED)
RETURNING seq, {delivery_columns}

-- name: keys_by_id
SELECT {key_columns} FROM api_keys WHERE id = :needle FOR UPDATE

-- name: keys_by_prefix
SELECT {key_columns} FROM api_keys WHERE prefix = :needle FOR UPDATE

-- name: keys_by_prefix_start
SELECT {key_columns} FROM api_keys WHERE substr(prefix, 1, :length) = :needle ORDER BY id FOR UPDATE

-- Only PostgreSQL's (claims: see orchestrion/jobs/_postgres_sql.py) ------------------------------------------

-- name: lock_keys
-- Keys' rows in id order, the one order every transaction touching several keys takes them in.
SELECT id FROM api_keys WHERE id = ANY(:ids) ORDER BY id FOR NO KEY UPDATE

-- name: any_expired_lease
-- Whether any lease ran out, read without a transaction: the answer nearly every claim gets.
SELECT EXISTS (SELECT 1 FROM jobs WHERE status = 'generating' AND lease_expires_at <= :now)
