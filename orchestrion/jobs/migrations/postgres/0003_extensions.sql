-- Extensions beyond the hosted API: the 'canceled' status, webhooks (an outbox the trigger below fills in the
-- transaction that changes a job, so no event is lost to a crash), idempotency keys, history and retention.

ALTER TABLE jobs DROP CONSTRAINT jobs_status_check;
ALTER TABLE jobs ADD CONSTRAINT jobs_status_check
    CHECK (status IN ('queued', 'generating', 'completed', 'error', 'canceled'));
ALTER TABLE jobs
    ADD COLUMN webhook_url    TEXT,
    ADD COLUMN webhook_events TEXT;     -- ",started,completed,error," (commas around each, for one strpos())

-- The per-key limit on generations in flight counts these.
CREATE INDEX jobs_active_by_key ON jobs (key_id) WHERE status IN ('queued', 'generating');
-- History pages walk one key's jobs newest first.
CREATE INDEX jobs_by_key ON jobs (key_id, seq);
-- The retention sweeper finds ended jobs by the time they ended.
CREATE INDEX jobs_ended ON jobs (completed_at) WHERE status IN ('completed', 'error', 'canceled');

-- The webhook outbox. A row's id is the webhook-id header, the same on every attempt.
CREATE TABLE webhook_deliveries (
    seq              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id               TEXT NOT NULL UNIQUE,
    job_id           TEXT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    event            TEXT NOT NULL CHECK (event IN ('started', 'completed', 'error')),
    url              TEXT NOT NULL,
    payload          TEXT,               -- the body, fixed on the first attempt
    state            TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'failed')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  DOUBLE PRECISION NOT NULL,
    lease_owner      TEXT,
    lease_expires_at DOUBLE PRECISION,
    last_status_code INTEGER,
    last_error       TEXT,
    created_at       DOUBLE PRECISION NOT NULL,
    delivered_at     DOUBLE PRECISION
);

CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE state = 'pending';
CREATE INDEX webhook_deliveries_by_job ON webhook_deliveries (job_id);

-- Every transition a webhook asked for queues its delivery in the same transaction: "started" on the first claim
-- only (a retry after a lost lease starts nothing new for the client), "completed" and "error" when the job ends.
CREATE FUNCTION orchestrion_queue_webhook() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO webhook_deliveries (id, job_id, event, url, next_attempt_at, created_at)
    VALUES ('msg_' || left(replace(gen_random_uuid()::text, '-', ''), 24), NEW.id,
            CASE NEW.status WHEN 'generating' THEN 'started' ELSE NEW.status END,
            NEW.webhook_url, NEW.updated_at, NEW.updated_at);
    RETURN NULL;
END;
$$;

CREATE TRIGGER jobs_webhook_events AFTER UPDATE OF status ON jobs
    FOR EACH ROW
    WHEN (NEW.webhook_url IS NOT NULL AND OLD.status IS DISTINCT FROM NEW.status
          AND ((NEW.status = 'generating' AND OLD.started_at IS NULL AND strpos(NEW.webhook_events, ',started,') > 0)
               OR (NEW.status IN ('completed', 'error')
                   AND strpos(NEW.webhook_events, ',' || NEW.status || ',') > 0)))
    EXECUTE FUNCTION orchestrion_queue_webhook();

-- Idempotency keys, per API key. The primary key is what makes concurrent retries create one job.
CREATE TABLE idempotency_keys (
    key_id          TEXT NOT NULL REFERENCES api_keys (id),
    idempotency_key TEXT NOT NULL,
    request_hash    TEXT NOT NULL,
    job_id          TEXT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    created_at      DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (key_id, idempotency_key)
);

CREATE INDEX idempotency_keys_by_job ON idempotency_keys (job_id);
