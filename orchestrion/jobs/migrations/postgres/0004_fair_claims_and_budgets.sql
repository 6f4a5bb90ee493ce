-- Fair claims across keys, and the per-key budgets of queued audio and stored bytes.
--
-- Claims take keys in turns: the key whose latest claim is the longest ago goes first. Each claim draws the next
-- number from the claim_turns sequence and writes it into the key's claim_turn (0: never claimed), and key_queues
-- holds one row per (engine model, key) with queued jobs, so a claim finds the key whose turn it is by one index
-- step however many jobs or keys wait. Triggers keep key_queues and the per-key usage counters, so no code path
-- can forget them.
--
-- Locking: every transaction that moves a job into or out of the queue, or ends one, holds its key's api_keys row
-- before the trigger touches key_queues or the key's counters (creation locks it first; claims, requeues and
-- retention lock the keys they touch in id order). So a key's key_queues rows are only ever written under its
-- key's row lock, and transactions touching several keys cannot deadlock on them.

ALTER TABLE jobs
    ADD COLUMN work_seconds DOUBLE PRECISION NOT NULL DEFAULT 0,   -- audio seconds asked for, samples together
    ADD COLUMN stored_bytes BIGINT NOT NULL DEFAULT 0;             -- sizes of its files, once completed

ALTER TABLE api_keys
    ADD COLUMN claim_turn     BIGINT NOT NULL DEFAULT 0,   -- claim_turns at its latest claim
    ADD COLUMN active_work_ms BIGINT NOT NULL DEFAULT 0,   -- work of its queued + generating jobs
    ADD COLUMN stored_bytes   BIGINT NOT NULL DEFAULT 0;   -- stored_bytes of its jobs

-- Jobs completed before sizes were kept: their files as they were recorded.
UPDATE jobs SET stored_bytes = (SELECT COALESCE(SUM((f ->> 'file_size')::bigint), 0)
                                FROM jsonb_array_elements(jobs.files) AS f)
WHERE status = 'completed';
UPDATE api_keys SET stored_bytes = used.bytes
FROM (SELECT key_id, SUM(stored_bytes) AS bytes FROM jobs GROUP BY key_id) AS used
WHERE api_keys.id = used.key_id;

CREATE SEQUENCE claim_turns AS BIGINT;

CREATE TABLE key_queues (
    engine_model TEXT NOT NULL,
    key_id       TEXT NOT NULL,
    queued       BIGINT NOT NULL,   -- the key's queued jobs of this model; the row goes when it reaches 0
    claim_turn   BIGINT NOT NULL,   -- a copy of api_keys.claim_turn
    first_seq    BIGINT NOT NULL,   -- while never claimed: the seq of its oldest queued job (ties between keys)
    PRIMARY KEY (engine_model, key_id)
);

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
CREATE FUNCTION orchestrion_key_queues() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    left_queued BIGINT;
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        IF OLD.status = 'queued' THEN
            UPDATE key_queues SET queued = queued - 1,
                first_seq = CASE WHEN claim_turn = 0 AND first_seq = OLD.seq THEN COALESCE(
                    (SELECT MIN(seq) FROM jobs WHERE key_id = OLD.key_id AND engine_model = OLD.engine_model
                     AND status = 'queued'), first_seq) ELSE first_seq END
            WHERE engine_model = OLD.engine_model AND key_id = OLD.key_id
            RETURNING queued INTO left_queued;
            IF left_queued <= 0 THEN
                DELETE FROM key_queues WHERE engine_model = OLD.engine_model AND key_id = OLD.key_id;
            END IF;
        END IF;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        IF NEW.status = 'queued' THEN
            INSERT INTO key_queues AS q (engine_model, key_id, queued, claim_turn, first_seq)
            VALUES (NEW.engine_model, NEW.key_id, 1, (SELECT claim_turn FROM api_keys WHERE id = NEW.key_id),
                    NEW.seq)
            ON CONFLICT (engine_model, key_id)
                DO UPDATE SET queued = q.queued + 1, first_seq = LEAST(q.first_seq, NEW.seq);
        END IF;
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER jobs_key_queues_insert_delete AFTER INSERT OR DELETE ON jobs
    FOR EACH ROW EXECUTE FUNCTION orchestrion_key_queues();
CREATE TRIGGER jobs_key_queues_update AFTER UPDATE OF status ON jobs
    FOR EACH ROW WHEN ((OLD.status = 'queued') <> (NEW.status = 'queued'))
    EXECUTE FUNCTION orchestrion_key_queues();

-- Per-key usage: the work (whole milliseconds, so sums stay exact) of jobs queued or generating, and the bytes of
-- stored files. A job adds its work when created and takes it away when it ends; its bytes count until deleted.
CREATE FUNCTION orchestrion_key_usage() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    key     TEXT;
    work_ms BIGINT := 0;
    bytes   BIGINT := 0;
BEGIN
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        key := NEW.key_id;
        IF NEW.status IN ('queued', 'generating') THEN
            work_ms := work_ms + floor(NEW.work_seconds * 1000 + 0.5)::bigint;
        END IF;
        bytes := bytes + NEW.stored_bytes;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        key := OLD.key_id;
        IF OLD.status IN ('queued', 'generating') THEN
            work_ms := work_ms - floor(OLD.work_seconds * 1000 + 0.5)::bigint;
        END IF;
        bytes := bytes - OLD.stored_bytes;
    END IF;
    IF work_ms <> 0 OR bytes <> 0 THEN
        UPDATE api_keys SET active_work_ms = GREATEST(active_work_ms + work_ms, 0),
                            stored_bytes = GREATEST(stored_bytes + bytes, 0)
        WHERE id = key;
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER jobs_usage_insert_delete AFTER INSERT OR DELETE ON jobs
    FOR EACH ROW EXECUTE FUNCTION orchestrion_key_usage();
CREATE TRIGGER jobs_usage_update AFTER UPDATE OF status, stored_bytes ON jobs
    FOR EACH ROW
    WHEN ((OLD.status IN ('queued', 'generating')) <> (NEW.status IN ('queued', 'generating'))
          OR OLD.stored_bytes <> NEW.stored_bytes)
    EXECUTE FUNCTION orchestrion_key_usage();
