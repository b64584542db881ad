-- People as a run's judge (`judge: "human"`). A run posts each iteration's pairs to the annotation queue
-- as one batch of comparisons, then waits (status `waiting`) with its job parked in the queue until the
-- batch is judged or its deadline passes. Times are microseconds since the Unix epoch.
ALTER TABLE runs DROP CONSTRAINT IF EXISTS runs_status_check;
ALTER TABLE runs ADD CONSTRAINT runs_status_check
    CHECK (status IN ('queued', 'running', 'waiting', 'succeeded', 'failed', 'cancelled'));

-- One batch of pairs a run asked people to judge, found again on resume by its content's digest.
CREATE TABLE run_judge_batches (
    id                  TEXT PRIMARY KEY,
    run_id              TEXT NOT NULL REFERENCES runs (id),
    digest              TEXT NOT NULL,
    dataset             TEXT NOT NULL,
    pairs               BIGINT NOT NULL,
    judgements_required BIGINT NOT NULL,
    created_at          BIGINT NOT NULL,
    deadline            BIGINT NOT NULL,
    completed_at        BIGINT,             -- when the last of its comparisons got its judgements
    decided_at          BIGINT,             -- when the run first read its verdicts: later judgements are not used
    UNIQUE (run_id, digest)
);

ALTER TABLE comparisons ADD COLUMN run_id TEXT;
ALTER TABLE comparisons ADD COLUMN run_batch TEXT;
CREATE INDEX comparisons_run_batch ON comparisons (run_batch, id) WHERE run_batch IS NOT NULL;
-- `comparisons.completed` asks, when a comparison gets its last judgement, whether its dataset has any open one left.
CREATE INDEX comparisons_dataset_open ON comparisons (dataset, id) WHERE judgements_done < judgements_required;
