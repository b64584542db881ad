-- Token and data lifecycle: token expiry and last use, unique names per role, an audit log, and
-- several checkpoints per run (retention: keep_last). Times are microseconds since the Unix epoch.

ALTER TABLE tokens ADD COLUMN expires_at INTEGER;
-- Written at most once a minute per token (not per request): "last used" is minute-accurate.
ALTER TABLE tokens ADD COLUMN last_used_at INTEGER;
-- Names become unique per role among live tokens; older stores may hold duplicates, which keep
-- working under a suffixed name (the earliest keeps its name).
UPDATE tokens SET name = name || '-' || id
WHERE revoked_at IS NULL AND EXISTS (
    SELECT 1 FROM tokens older WHERE older.role = tokens.role AND older.name = tokens.name
      AND older.revoked_at IS NULL AND older.id < tokens.id);
CREATE UNIQUE INDEX tokens_live_name ON tokens (role, name) WHERE revoked_at IS NULL;

-- Who deleted what, and every token created, revoked or rotated: written in the transaction of the change.
CREATE TABLE audit_log (
    id           TEXT PRIMARY KEY,             -- time-ordered: the pagination cursor
    at           INTEGER NOT NULL,
    actor        TEXT NOT NULL,                -- the token name, or 'cli' for the command line
    actor_token  TEXT,                         -- the token id, when a token acted
    action       TEXT NOT NULL,                -- token.create, token.revoke, token.rotate, dataset.delete, run.delete, model.delete
    target       TEXT NOT NULL,                -- the id or name acted on
    detail       TEXT NOT NULL DEFAULT '{}'    -- JSON object: what the action removed or changed
);
CREATE INDEX audit_log_action ON audit_log (action, id);

-- Several checkpoints per run, newest kept: `retained` ones (a run given checkpoints.keep_last)
-- outlive the run; the others are deleted when the run ends, as before.
CREATE TABLE run_checkpoints_new (
    run_id       TEXT NOT NULL REFERENCES runs (id),
    step         INTEGER NOT NULL,
    data         BLOB NOT NULL,
    created_at   INTEGER NOT NULL,
    retained     INTEGER NOT NULL DEFAULT 0 CHECK (retained IN (0, 1)),
    PRIMARY KEY (run_id, step)
);
INSERT INTO run_checkpoints_new (run_id, step, data, created_at) SELECT run_id, step, data, created_at FROM run_checkpoints;
DROP TABLE run_checkpoints;
ALTER TABLE run_checkpoints_new RENAME TO run_checkpoints;

-- Deleting a dataset finds its rows by dataset.
CREATE INDEX IF NOT EXISTS comparisons_dataset ON comparisons (dataset);
CREATE INDEX IF NOT EXISTS preferences_dataset ON preferences (dataset);
