-- Worker presence, so /ready and /metrics can tell whether anyone will pick up queued jobs.

CREATE TABLE workers (
    worker_id     TEXT PRIMARY KEY,
    engine_models TEXT NOT NULL,   -- JSON list
    state         TEXT NOT NULL CHECK (state IN ('loading', 'ready', 'stopped')),
    started_at    REAL NOT NULL,
    seen_at       REAL NOT NULL
);

CREATE INDEX workers_by_seen_at ON workers (seen_at);
