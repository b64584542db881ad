-- People as a run's judge (`judge: "human"`). A run posts each iteration's pairs to the annotation queue
-- as one batch of comparisons, then waits (status `waiting`) with its job parked in the queue until the
-- batch is judged or its deadline passes. Times are microseconds since the Unix epoch.

-- SQLite cannot change a CHECK constraint in place: `runs` is rebuilt with `waiting` allowed. Foreign
-- keys from run_metrics and run_checkpoints are checked at COMMIT, when every run is back.
PRAGMA defer_foreign_keys = ON;
CREATE TEMP TABLE runs_before_0010 AS SELECT * FROM runs;
DROP TABLE runs;
CREATE TABLE runs (
    id                TEXT PRIMARY KEY,
    name              TEXT,
    algorithm         TEXT NOT NULL,
    status            TEXT NOT NULL CHECK (status IN ('queued', 'running', 'waiting', 'succeeded', 'failed', 'cancelled')),
    spec              TEXT NOT NULL,
    model_id          TEXT REFERENCES models (id),
    reference_id      TEXT REFERENCES models (id),
    created_by        TEXT NOT NULL,
    warnings          TEXT NOT NULL,
    current_step      INTEGER NOT NULL DEFAULT 0,
    total_steps       INTEGER NOT NULL DEFAULT 0,
    attempts          INTEGER NOT NULL DEFAULT 0,
    error             TEXT,
    result            TEXT,
    output_model_id   TEXT REFERENCES models (id),
    created_at        INTEGER NOT NULL,
    started_at        INTEGER,
    finished_at       INTEGER,
    updated_at        INTEGER NOT NULL
);
INSERT INTO runs SELECT * FROM runs_before_0010;
DROP TABLE runs_before_0010;
CREATE INDEX runs_status ON runs (status, id);

-- One batch of pairs a run asked people to judge, found again on resume by its content's digest.
CREATE TABLE run_judge_batches (
    id                  TEXT PRIMARY KEY,
    run_id              TEXT NOT NULL REFERENCES runs (id),
    digest              TEXT NOT NULL,
    dataset             TEXT NOT NULL,
    pairs               INTEGER NOT NULL,
    judgements_required INTEGER NOT NULL,
    created_at          INTEGER NOT NULL,
    deadline            INTEGER NOT NULL,
    completed_at        INTEGER,            -- when the last of its comparisons got its judgements
    decided_at          INTEGER,            -- when the run first read its verdicts: later judgements are not used
    UNIQUE (run_id, digest)
);

ALTER TABLE comparisons ADD COLUMN run_id TEXT;
ALTER TABLE comparisons ADD COLUMN run_batch TEXT;
CREATE INDEX comparisons_run_batch ON comparisons (run_batch, id) WHERE run_batch IS NOT NULL;
-- `comparisons.completed` asks, when a comparison gets its last judgement, whether its dataset has any open one left.
CREATE INDEX comparisons_dataset_open ON comparisons (dataset, id) WHERE judgements_done < judgements_required;
