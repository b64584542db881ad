-- PrefLab schema, version 1 (SQLite). Times are microseconds since the Unix epoch.
-- Ids are time-ordered text ("pref_<time><random>"), so ORDER BY id is creation order
-- and serves as the pagination cursor.

CREATE TABLE tokens (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    role        TEXT NOT NULL CHECK (role IN ('admin', 'researcher', 'annotator', 'ci', 'worker')),
    hash        BLOB NOT NULL UNIQUE,          -- SHA-256 of the secret; the secret itself is never stored
    created_at  INTEGER NOT NULL,
    revoked_at  INTEGER
);

CREATE TABLE prompts (
    id          TEXT PRIMARY KEY,
    text        TEXT NOT NULL,
    dataset     TEXT,
    tags        TEXT NOT NULL DEFAULT '[]',    -- JSON array of strings
    created_at  INTEGER NOT NULL
);
CREATE INDEX prompts_dataset ON prompts (dataset, id);

CREATE TABLE comparisons (
    id                  TEXT PRIMARY KEY,
    prompt_id           TEXT NOT NULL REFERENCES prompts (id),
    response_a          TEXT NOT NULL,
    response_b          TEXT NOT NULL,
    model_a             TEXT,
    model_b             TEXT,
    dataset             TEXT,
    judgements_required INTEGER NOT NULL CHECK (judgements_required >= 1),
    judgements_done     INTEGER NOT NULL DEFAULT 0,
    created_at          INTEGER NOT NULL
);
CREATE INDEX comparisons_open ON comparisons (judgements_done, id);

-- One row per (comparison, annotator): a lease while judging, kept afterwards so an
-- annotator is never shown the same comparison twice.
CREATE TABLE assignments (
    comparison_id TEXT NOT NULL REFERENCES comparisons (id),
    annotator     TEXT NOT NULL,
    shown_first   TEXT NOT NULL CHECK (shown_first IN ('a', 'b')),
    leased_at     INTEGER NOT NULL,
    expires_at    INTEGER NOT NULL,
    judged_at     INTEGER,
    PRIMARY KEY (comparison_id, annotator)
);
CREATE INDEX assignments_active ON assignments (comparison_id, judged_at, expires_at);

CREATE TABLE preferences (
    id             TEXT PRIMARY KEY,
    comparison_id  TEXT REFERENCES comparisons (id),
    prompt         TEXT NOT NULL,
    response_a     TEXT NOT NULL,
    response_b     TEXT NOT NULL,
    choice         TEXT NOT NULL CHECK (choice IN ('a', 'b', 'tie', 'skip')),
    strength       INTEGER CHECK (strength BETWEEN 1 AND 3),
    rationale      TEXT,
    annotator      TEXT NOT NULL,
    shown_first    TEXT CHECK (shown_first IN ('a', 'b')),
    time_spent_ms  INTEGER,
    dataset        TEXT,
    created_at     INTEGER NOT NULL
);
CREATE INDEX preferences_annotator ON preferences (annotator, id);
CREATE INDEX preferences_comparison ON preferences (comparison_id, id);

-- Idempotency-Key replay: the first response to a (principal, key) is stored and returned again.
CREATE TABLE idempotency_keys (
    principal     TEXT NOT NULL,
    key           TEXT NOT NULL,
    request_hash  TEXT NOT NULL,
    status        INTEGER NOT NULL,
    body          BLOB NOT NULL,
    location      TEXT,
    created_at    INTEGER NOT NULL,
    PRIMARY KEY (principal, key)
);
