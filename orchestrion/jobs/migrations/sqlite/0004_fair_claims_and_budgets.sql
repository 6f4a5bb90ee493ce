-- Fair claims across keys, and the per-key budgets of queued audio and stored bytes.
--
-- Claims take keys in turns: the key whose latest claim is the longest ago goes first. Each claim draws the next
-- number from claim_clock and writes it into the key's claim_turn (0: never claimed), and key_queues holds one row
-- per (engine model, key) with queued jobs, so a claim finds the key whose turn it is by one index step however
-- many jobs or keys wait. Triggers keep key_queues and the per-key usage counters, so no code path can forget them.

ALTER TABLE jobs ADD COLUMN work_seconds REAL NOT NULL DEFAULT 0;   -- audio seconds asked for, samples together
ALTER TABLE jobs ADD COLUMN stored_bytes INTEGER NOT NULL DEFAULT 0; -- sizes of its files, once completed

ALTER TABLE api_keys ADD COLUMN claim_turn INTEGER NOT NULL DEFAULT 0;     -- claim_clock at its latest claim
ALTER TABLE api_keys ADD COLUMN active_work_ms INTEGER NOT NULL DEFAULT 0; -- work of its queued + generating jobs
ALTER TABLE api_keys ADD COLUMN stored_bytes INTEGER NOT NULL DEFAULT 0;   -- stored_bytes of its jobs

-- Jobs completed before sizes were kept: their files as they were recorded.
UPDATE jobs SET stored_bytes = (SELECT COALESCE(SUM(json_extract(f.value, '$.file_size')), 0)
                                FROM json_each(jobs.files) AS f)
WHERE status = 'completed';
UPDATE api_keys SET stored_bytes = (SELECT COALESCE(SUM(stored_bytes), 0) FROM jobs WHERE jobs.key_id = api_keys.id);

CREATE TABLE claim_clock (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    turn INTEGER NOT NULL
);
INSERT INTO claim_clock (id, turn) VALUES (1, 0);

CREATE TABLE key_queues (
    engine_model TEXT NOT NULL,
    key_id       TEXT NOT NULL,
    queued       INTEGER NOT NULL,   -- the key's queued jobs of this model; the row goes when it reaches 0
    claim_turn   INTEGER NOT NULL,   -- a copy of api_keys.claim_turn
    first_seq    INTEGER NOT NULL,   -- while never claimed: the seq of its oldest queued job (ties between keys)
    PRIMARY KEY (engine_model, key_id)
) WITHOUT ROWID;

-- The next key for a model: lowest turn, then oldest first job.
CREATE INDEX key_queues_turns ON key_queues (engine_model, claim_turn, first_seq);
-- A claim moves all of a key's rows to its new turn.
CREATE INDEX key_queues_by_key ON key_queues (key_id);

INSERT INTO key_queues (engine_model, key_id, queued, claim_turn, first_seq)
SELECT engine_model, key_id, COUNT(*), 0, MIN(seq) FROM jobs WHERE status = 'queued' GROUP BY engine_model, key_id;

-- A key's queued jobs of one model in creation order (claims, queue positions, the per-key admission limit).
DROP INDEX jobs_queued_by_key;
CREATE INDEX jobs_queued_by_key ON jobs (key_id, engine_model, seq) WHERE status = 'queued';

-- key_queues: a job joins its key's queue when it is created or comes back queued, and leaves it when claimed,
-- canceled or deleted. The engine model of a job never changes.
CREATE TRIGGER jobs_key_queue_insert AFTER INSERT ON jobs WHEN NEW.status = 'queued'
BEGIN
    INSERT INTO key_queues (engine_model, key_id, queued, claim_turn, first_seq)
    VALUES (NEW.engine_model, NEW.key_id, 1, (SELECT claim_turn FROM api_keys WHERE id = NEW.key_id), NEW.seq)
        ON CONFLICT (engine_model, key_id) DO UPDATE SET queued = queued + 1, first_seq = MIN(first_seq, NEW.seq);
END;

CREATE TRIGGER jobs_key_queue_requeue AFTER UPDATE OF status ON jobs
WHEN NEW.status = 'queued' AND OLD.status <> 'queued'
BEGIN
    INSERT INTO key_queues (engine_model, key_id, queued, claim_turn, first_seq)
    VALUES (NEW.engine_model, NEW.key_id, 1, (SELECT claim_turn FROM api_keys WHERE id = NEW.key_id), NEW.seq)
        ON CONFLICT (engine_model, key_id) DO UPDATE SET queued = queued + 1, first_seq = MIN(first_seq, NEW.seq);
END;

CREATE TRIGGER jobs_key_queue_leave AFTER UPDATE OF status ON jobs
WHEN OLD.status = 'queued' AND NEW.status <> 'queued'
BEGIN
    UPDATE key_queues SET queued = queued - 1,
        first_seq = CASE WHEN claim_turn = 0 AND first_seq = OLD.seq THEN COALESCE(
            (SELECT MIN(seq) FROM jobs WHERE key_id = OLD.key_id AND engine_model = OLD.engine_model
             AND status = 'queued'), first_seq) ELSE first_seq END
    WHERE engine_model = OLD.engine_model AND key_id = OLD.key_id;
    DELETE FROM key_queues WHERE engine_model = OLD.engine_model AND key_id = OLD.key_id AND queued <= 0;
END;

CREATE TRIGGER jobs_key_queue_delete AFTER DELETE ON jobs WHEN OLD.status = 'queued'
BEGIN
    UPDATE key_queues SET queued = queued - 1,
        first_seq = CASE WHEN claim_turn = 0 AND first_seq = OLD.seq THEN COALESCE(
            (SELECT MIN(seq) FROM jobs WHERE key_id = OLD.key_id AND engine_model = OLD.engine_model
             AND status = 'queued'), first_seq) ELSE first_seq END
    WHERE engine_model = OLD.engine_model AND key_id = OLD.key_id;
    DELETE FROM key_queues WHERE engine_model = OLD.engine_model AND key_id = OLD.key_id AND queued <= 0;
END;

-- Per-key usage: the work (whole milliseconds, so sums stay exact) of jobs queued or generating, and the bytes of
-- stored files. A job adds its work when created and takes it away when it ends; its bytes count until deleted.
CREATE TRIGGER jobs_usage_insert AFTER INSERT ON jobs
WHEN NEW.status IN ('queued', 'generating') AND NEW.work_seconds > 0
BEGIN
    UPDATE api_keys SET active_work_ms = active_work_ms + CAST(NEW.work_seconds * 1000 + 0.5 AS INTEGER)
    WHERE id = NEW.key_id;
END;

CREATE TRIGGER jobs_usage_update AFTER UPDATE OF status, stored_bytes ON jobs
WHEN (OLD.status IN ('queued', 'generating')) <> (NEW.status IN ('queued', 'generating'))
     OR OLD.stored_bytes <> NEW.stored_bytes
BEGIN
    UPDATE api_keys SET
        active_work_ms = MAX(active_work_ms
            + CAST(NEW.work_seconds * 1000 + 0.5 AS INTEGER) * (NEW.status IN ('queued', 'generating'))
            - CAST(OLD.work_seconds * 1000 + 0.5 AS INTEGER) * (OLD.status IN ('queued', 'generating')), 0),
        stored_bytes = MAX(stored_bytes + NEW.stored_bytes - OLD.stored_bytes, 0)
    WHERE id = NEW.key_id;
END;

CREATE TRIGGER jobs_usage_delete AFTER DELETE ON jobs
WHEN OLD.status IN ('queued', 'generating') OR OLD.stored_bytes <> 0
BEGIN
    UPDATE api_keys SET
        active_work_ms = MAX(active_work_ms
            - CAST(OLD.work_seconds * 1000 + 0.5 AS INTEGER) * (OLD.status IN ('queued', 'generating')), 0),
        stored_bytes = MAX(stored_bytes - OLD.stored_bytes, 0)
    WHERE id = OLD.key_id;
END;
