-- API keys, generations, the counters admission control and /metrics read, and the wake-up of idle workers.
-- Times are epoch seconds from the database's clock, so machines whose clocks disagree still agree on leases.

CREATE TABLE api_keys (
    id           TEXT PRIMARY KEY,
    name         TEXT NOT NULL,
    key_hash     TEXT NOT NULL UNIQUE,   -- the key itself is never stored
    prefix       TEXT NOT NULL,          -- shown in listings; accepted by `keys revoke`
    created_at   DOUBLE PRECISION NOT NULL,
    revoked_at   DOUBLE PRECISION,
    quota        BIGINT CHECK (quota IS NULL OR quota >= 0),
    credits_used BIGINT NOT NULL DEFAULT 0
);

CREATE INDEX api_keys_by_prefix ON api_keys (prefix);

CREATE TABLE jobs (
    -- Creation order. "Oldest first" means lowest seq, which unlike created_at cannot tie.
    seq              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id               TEXT NOT NULL UNIQUE,
    key_id           TEXT NOT NULL REFERENCES api_keys (id),
    model            TEXT NOT NULL,
    engine_model     TEXT NOT NULL,
    params           JSONB NOT NULL,
    status           TEXT NOT NULL CHECK (status IN ('queued', 'generating', 'completed', 'error')),
    progress         DOUBLE PRECISION NOT NULL DEFAULT 0,
    attempts         INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    max_attempts     INTEGER NOT NULL CHECK (max_attempts >= 1),
    created_at       DOUBLE PRECISION NOT NULL,
    updated_at       DOUBLE PRECISION NOT NULL,
    started_at       DOUBLE PRECISION,
    completed_at     DOUBLE PRECISION,
    lease_owner      TEXT,
    lease_expires_at DOUBLE PRECISION,
    error_name       TEXT,
    error_message    TEXT,
    files            JSONB NOT NULL DEFAULT '[]',   -- list of FileRef dicts
    credits_used     BIGINT NOT NULL DEFAULT 0 CHECK (credits_used >= 0),
    audio_seconds    DOUBLE PRECISION,
    engine_seconds   DOUBLE PRECISION,
    info             JSONB NOT NULL DEFAULT '{}',
    -- A generating job always has a holder whose lease can expire; otherwise it could hang forever.
    CHECK (status <> 'generating' OR (lease_owner IS NOT NULL AND lease_expires_at IS NOT NULL))
);

-- Claims (FOR UPDATE SKIP LOCKED) and queue positions walk queued jobs of one engine model in creation order.
CREATE INDEX jobs_queued ON jobs (engine_model, seq) WHERE status = 'queued';
-- The per-key admission limit counts one key's queued jobs.
CREATE INDEX jobs_queued_by_key ON jobs (key_id) WHERE status = 'queued';
-- Expiry finds generating jobs whose lease ran out.
CREATE INDEX jobs_leases ON jobs (lease_expires_at) WHERE status = 'generating';

-- Jobs per (status, engine model) as rows of +1/-1 that the store folds together now and then. Unlike one counter
-- row per status, appending takes no row lock, so claims, completions and creations never queue behind each other
-- on a hot counter (nor deadlock on two of them).
CREATE TABLE job_count_deltas (
    status       TEXT NOT NULL,
    engine_model TEXT NOT NULL,
    delta        BIGINT NOT NULL
);

CREATE FUNCTION orchestrion_count_jobs() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        INSERT INTO job_count_deltas (status, engine_model, delta) VALUES (OLD.status, OLD.engine_model, -1);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO job_count_deltas (status, engine_model, delta) VALUES (NEW.status, NEW.engine_model, 1);
    END IF;
    RETURN NULL;
END;
$$;

-- Counters kept by triggers so that no code path can forget them.
CREATE TRIGGER jobs_count_insert_delete AFTER INSERT OR DELETE ON jobs
    FOR EACH ROW EXECUTE FUNCTION orchestrion_count_jobs();
CREATE TRIGGER jobs_count_update AFTER UPDATE OF status, engine_model ON jobs
    FOR EACH ROW
    WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.engine_model IS DISTINCT FROM NEW.engine_model)
    EXECUTE FUNCTION orchestrion_count_jobs();

-- Idle workers LISTEN on orchestrion_jobs; every job that becomes claimable (created, retried, handed back,
-- requeued after a lost lease) announces its engine model when its transaction commits.
CREATE FUNCTION orchestrion_announce_job() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('orchestrion_jobs', NEW.engine_model);
    RETURN NULL;
END;
$$;

CREATE TRIGGER jobs_announce AFTER INSERT OR UPDATE OF status ON jobs
    FOR EACH ROW WHEN (NEW.status = 'queued') EXECUTE FUNCTION orchestrion_announce_job();
