-- Extensions beyond the hosted API: the 'canceled' status, webhooks (an outbox the triggers below fill in the
-- transaction that changes a job, so no event is lost to a crash), idempotency keys, history and retention.
--
-- SQLite cannot change a CHECK constraint in place, so jobs is rebuilt: copied (seq values kept, so creation order
-- and queue positions survive), the old table dropped (DROP fires no triggers, so job_counts stays right) and the
-- copy renamed. Its indexes and triggers are then made again.

CREATE TABLE jobs_rebuilt (
    seq              INTEGER PRIMARY KEY,
    id               TEXT NOT NULL UNIQUE,
    key_id           TEXT NOT NULL REFERENCES api_keys (id),
    model            TEXT NOT NULL,
    engine_model     TEXT NOT NULL,
    params           TEXT NOT NULL,
    status           TEXT NOT NULL CHECK (status IN ('queued', 'generating', 'completed', 'error', 'canceled')),
    progress         REAL NOT NULL DEFAULT 0,
    attempts         INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    max_attempts     INTEGER NOT NULL CHECK (max_attempts >= 1),
    created_at       REAL NOT NULL,
    updated_at       REAL NOT NULL,
    started_at       REAL,
    completed_at     REAL,
    lease_owner      TEXT,
    lease_expires_at REAL,
    error_name       TEXT,
    error_message    TEXT,
    files            TEXT NOT NULL DEFAULT '[]',
    credits_used     INTEGER NOT NULL DEFAULT 0 CHECK (credits_used >= 0),
    audio_seconds    REAL,
    engine_seconds   REAL,
    info             TEXT NOT NULL DEFAULT '{}',
    webhook_url      TEXT,
    webhook_events   TEXT,               -- ",started,completed,error," (commas around each, for instr())
    CHECK (status <> 'generating' OR (lease_owner IS NOT NULL AND lease_expires_at IS NOT NULL))
);

INSERT INTO jobs_rebuilt (seq, id, key_id, model, engine_model, params, status, progress, attempts, max_attempts,
                          created_at, updated_at, started_at, completed_at, lease_owner, lease_expires_at,
                          error_name, error_message, files, credits_used, audio_seconds, engine_seconds, info)
SELECT seq, id, key_id, model, engine_model, params, status, progress, attempts, max_attempts, created_at,
       updated_at, started_at, completed_at, lease_owner, lease_expires_at, error_name, error_message, files,
       credits_used, audio_seconds, engine_seconds, info
FROM jobs;

DROP TABLE jobs;
ALTER TABLE jobs_rebuilt RENAME TO jobs;

CREATE INDEX jobs_queued ON jobs (engine_model, seq) WHERE status = 'queued';
CREATE INDEX jobs_queued_by_key ON jobs (key_id) WHERE status = 'queued';
CREATE INDEX jobs_leases ON jobs (lease_expires_at) WHERE status = 'generating';
-- The per-key limit on generations in flight counts these.
CREATE INDEX jobs_active_by_key ON jobs (key_id) WHERE status IN ('queued', 'generating');
-- History pages walk one key's jobs newest first.
CREATE INDEX jobs_by_key ON jobs (key_id, seq);
-- The retention sweeper finds ended jobs by the time they ended.
CREATE INDEX jobs_ended ON jobs (completed_at) WHERE status IN ('completed', 'error', 'canceled');

CREATE TRIGGER jobs_count_insert AFTER INSERT ON jobs
BEGIN
    INSERT INTO job_counts (status, engine_model, n) VALUES (NEW.status, NEW.engine_model, 1)
        ON CONFLICT (status, engine_model) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER jobs_count_update AFTER UPDATE OF status, engine_model ON jobs
WHEN OLD.status IS NOT NEW.status OR OLD.engine_model IS NOT NEW.engine_model
BEGIN
    UPDATE job_counts SET n = n - 1 WHERE status = OLD.status AND engine_model = OLD.engine_model;
    INSERT INTO job_counts (status, engine_model, n) VALUES (NEW.status, NEW.engine_model, 1)
        ON CONFLICT (status, engine_model) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER jobs_count_delete AFTER DELETE ON jobs
BEGIN
    UPDATE job_counts SET n = n - 1 WHERE status = OLD.status AND engine_model = OLD.engine_model;
END;

-- The webhook outbox. A row's id is the webhook-id header, the same on every attempt.
CREATE TABLE webhook_deliveries (
    seq              INTEGER PRIMARY KEY,
    id               TEXT NOT NULL UNIQUE,
    job_id           TEXT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    event            TEXT NOT NULL CHECK (event IN ('started', 'completed', 'error')),
    url              TEXT NOT NULL,
    payload          TEXT,               -- the body, fixed on the first attempt
    state            TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'failed')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  REAL NOT NULL,
    lease_owner      TEXT,
    lease_expires_at REAL,
    last_status_code INTEGER,
    last_error       TEXT,
    created_at       REAL NOT NULL,
    delivered_at     REAL
);

CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE state = 'pending';
CREATE INDEX webhook_deliveries_by_job ON webhook_deliveries (job_id);

-- Every transition a webhook asked for queues its delivery in the same transaction: "started" on the first claim
-- only (a retry after a lost lease starts nothing new for the client), "completed" and "error" when the job ends.
CREATE TRIGGER jobs_webhook_events AFTER UPDATE OF status ON jobs
WHEN NEW.webhook_url IS NOT NULL AND OLD.status IS NOT NEW.status
     AND ((NEW.status = 'generating' AND OLD.started_at IS NULL AND instr(NEW.webhook_events, ',started,') > 0)
          OR (NEW.status IN ('completed', 'error') AND instr(NEW.webhook_events, ',' || NEW.status || ',') > 0))
BEGIN
    INSERT INTO webhook_deliveries (id, job_id, event, url, next_attempt_at, created_at)
    VALUES ('msg_' || lower(hex(randomblob(12))), NEW.id,
            CASE NEW.status WHEN 'generating' THEN 'started' ELSE NEW.status END,
            NEW.webhook_url, NEW.updated_at, NEW.updated_at);
END;

-- Idempotency keys, per API key. The primary key is what makes concurrent retries create one job.
CREATE TABLE idempotency_keys (
    key_id          TEXT NOT NULL REFERENCES api_keys (id),
    idempotency_key TEXT NOT NULL,
    request_hash    TEXT NOT NULL,
    job_id          TEXT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    created_at      REAL NOT NULL,
    PRIMARY KEY (key_id, idempotency_key)
) WITHOUT ROWID;

CREATE INDEX idempotency_keys_by_job ON idempotency_keys (job_id);
