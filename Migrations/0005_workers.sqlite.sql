-- Live worker pools (module Jobs): one row per pool, written at start, renewed with every heartbeat,
-- deleted at a clean stop. A pool killed with -9 leaves its row, whose heartbeat then ages: readers
-- show only rows whose heartbeat is recent. Times are microseconds since the Unix epoch.
CREATE TABLE workers (
    id            TEXT PRIMARY KEY,
    host          TEXT NOT NULL,
    pid           INTEGER NOT NULL,
    kinds         TEXT NOT NULL,
    threads       INTEGER NOT NULL,
    started_at    INTEGER NOT NULL,
    heartbeat_at  INTEGER NOT NULL,
    current_jobs  TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX workers_heartbeat ON workers (heartbeat_at);
