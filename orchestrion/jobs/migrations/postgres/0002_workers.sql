-- Worker presence, so /ready and /metrics can tell whether anyone will pick up queued jobs.

CREATE TABLE workers (
    worker_id     TEXT PRIMARY KEY,
    engine_models JSONB NOT NULL,   -- list of model ids
    state         TEXT NOT NULL CHECK (state IN ('loading', 'ready', 'stopped')),
    started_at    DOUBLE PRECISION NOT NULL,
    seen_at       DOUBLE PRECISION NOT NULL
);

CREATE INDEX workers_by_seen_at ON workers (seen_at);
