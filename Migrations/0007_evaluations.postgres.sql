-- Evaluations of a model against a baseline (module Service), executed as durable jobs. `task` and
-- `judge` are the keys a CI job filters its history by; `spec` is the validated request, `result` the
-- summary once it succeeded. Per-prompt rows are kept for download. Times are microseconds since the epoch.
CREATE TABLE evaluations (
    id              TEXT PRIMARY KEY,
    model_id        TEXT NOT NULL,
    baseline_id     TEXT NOT NULL,
    task            TEXT NOT NULL,
    judge           TEXT NOT NULL,
    spec            TEXT NOT NULL,
    status          TEXT NOT NULL,
    error           TEXT,
    result          TEXT,
    progress_done   BIGINT NOT NULL DEFAULT 0,
    progress_total  BIGINT NOT NULL DEFAULT 0,
    created_by      TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    started_at      BIGINT,
    finished_at     BIGINT,
    updated_at      BIGINT NOT NULL
);
CREATE INDEX evaluations_by_pair ON evaluations (model_id, baseline_id, task, judge, created_at);
CREATE TABLE evaluation_rows (
    evaluation_id   TEXT NOT NULL REFERENCES evaluations (id) ON DELETE CASCADE,
    idx             BIGINT NOT NULL,
    row             TEXT NOT NULL,
    PRIMARY KEY (evaluation_id, idx)
);
