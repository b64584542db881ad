-- Runs: preference-optimisation, SFT and tabular jobs. The request is stored as validated (immutable);
-- the job that executes a run shares its id (see 0003_jobs). Metrics are one row per (run, key, step),
-- so a run resumed from a checkpoint rewrites the steps after it instead of duplicating them.

CREATE TABLE runs (
    id                TEXT PRIMARY KEY,
    name              TEXT,
    algorithm         TEXT NOT NULL,
    status            TEXT NOT NULL CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
    spec              TEXT NOT NULL,           -- JSON: the validated request
    model_id          TEXT REFERENCES models (id),
    reference_id      TEXT REFERENCES models (id),
    created_by        TEXT NOT NULL,           -- token name
    warnings          TEXT NOT NULL,           -- JSON array of strings
    current_step      BIGINT NOT NULL DEFAULT 0,
    total_steps       BIGINT NOT NULL DEFAULT 0,
    attempts          BIGINT NOT NULL DEFAULT 0,
    error             TEXT,
    result            TEXT,                    -- JSON, set when succeeded
    output_model_id   TEXT REFERENCES models (id),
    created_at        BIGINT NOT NULL,
    started_at        BIGINT,
    finished_at       BIGINT,
    updated_at        BIGINT NOT NULL
);
CREATE INDEX runs_status ON runs (status, id);

CREATE TABLE run_metrics (
    run_id       TEXT NOT NULL REFERENCES runs (id),
    step         BIGINT NOT NULL,
    key          TEXT NOT NULL,
    value        DOUBLE PRECISION,                        -- NULL when the value was not finite
    recorded_at  BIGINT NOT NULL,
    PRIMARY KEY (run_id, step, key)
);
CREATE INDEX run_metrics_key ON run_metrics (run_id, key, step);

-- The latest full training state of a running run (weights, optimiser, RNG, data position), replaced
-- at each checkpoint and deleted when the run ends.
CREATE TABLE run_checkpoints (
    run_id       TEXT PRIMARY KEY REFERENCES runs (id),
    step         BIGINT NOT NULL,
    data         BYTEA NOT NULL,
    created_at   BIGINT NOT NULL
);
