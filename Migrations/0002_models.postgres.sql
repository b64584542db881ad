-- Models: policies (and, with the worker-pool issue, reward models and critics). Checkpoints are
-- safetensors files stored content-addressed in the database, so every worker sharing the
-- database can load any model.

CREATE TABLE model_checkpoints (
    sha256  TEXT PRIMARY KEY,
    data    BYTEA NOT NULL
);

CREATE TABLE models (
    id                 TEXT PRIMARY KEY,
    name               TEXT NOT NULL,
    kind               TEXT NOT NULL CHECK (kind IN ('policy', 'reward_model', 'critic', 'preference_model')),
    architecture       TEXT NOT NULL,          -- JSON: layers, dim, heads, context, vocab
    parameter_count    BIGINT NOT NULL,
    parent_id          TEXT REFERENCES models (id),
    run_id             TEXT,
    seed               BIGINT,
    source             TEXT NOT NULL CHECK (source IN ('initialised', 'uploaded', 'trained')),
    checkpoint_sha256  TEXT NOT NULL REFERENCES model_checkpoints (sha256),
    checkpoint_bytes   BIGINT NOT NULL,
    created_at         BIGINT NOT NULL
);
