-- API keys, generations, and per-status counters that admission control and /metrics read without scanning.

CREATE TABLE api_keys (
    id           TEXT PRIMARY KEY,
    name         TEXT NOT NULL,
    key_hash     TEXT NOT NULL UNIQUE,   -- the key itself is never stored
    prefix       TEXT NOT NULL,          -- shown in listings; accepted by `keys revoke`
    created_at   REAL NOT NULL,
    revoked_at   REAL,
    quota        INTEGER CHECK (quota IS NULL OR quota >= 0),
    credits_used INTEGER NOT NULL DEFAULT 0
);

CREATE INDEX api_keys_by_prefix ON api_keys (prefix);

CREATE TABLE jobs (
    -- Creation order. "Oldest first" means lowest seq, which unlike created_at cannot tie or run backwards.
    seq              INTEGER PRIMARY KEY,
    id               TEXT NOT NULL UNIQUE,
    key_id           TEXT NOT NULL REFERENCES api_keys (id),
    model            TEXT NOT NULL,
    engine_model     TEXT NOT NULL,
    params           TEXT NOT NULL,      -- JSON object
    status           TEXT NOT NULL CHECK (status IN ('queued', 'generating', 'completed', 'error')),
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
    files            TEXT NOT NULL DEFAULT '[]',   -- JSON list of FileRef dicts
    credits_used     INTEGER NOT NULL DEFAULT 0 CHECK (credits_used >= 0),
    audio_seconds    REAL,
    engine_seconds   REAL,
    info             TEXT NOT NULL DEFAULT '{}',   -- JSON object
    -- A generating job always has a holder whose lease can expire; otherwise it could hang forever.
    CHECK (status <> 'generating' OR (lease_owner IS NOT NULL AND lease_expires_at IS NOT NULL))
);

-- Claims and queue positions walk queued jobs of one engine model in creation order.
CREATE INDEX jobs_queued ON jobs (engine_model, seq) WHERE status = 'queued';
-- The per-key admission limit counts one key's queued jobs.
CREATE INDEX jobs_queued_by_key ON jobs (key_id) WHERE status = 'queued';
-- Expiry finds generating jobs whose lease ran out.
CREATE INDEX jobs_leases ON jobs (lease_expires_at) WHERE status = 'generating';

CREATE TABLE job_counts (
    status       TEXT NOT NULL,
    engine_model TEXT NOT NULL,
    n            INTEGER NOT NULL,
    PRIMARY KEY (status, engine_model)
) WITHOUT ROWID;

-- Counters kept by triggers so that no code path can forget them.
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
