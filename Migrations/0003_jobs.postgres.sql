-- Durable jobs (module Jobs). The payload is JSON that only the job's handler reads; the queue
-- knows ids, kinds, leases and outcomes. Times are microseconds since the Unix epoch.
--
-- queued -> running (claimed: attempts + 1, a lease owned by one worker)
-- running -> succeeded | failed (permanent error) | cancelled | queued (retry with backoff, or
--            released at shutdown without using an attempt) | dead (attempts used up)
-- running with an expired lease is claimed again by any worker, or turned dead when no attempt is left.

CREATE TABLE jobs (
    id                TEXT PRIMARY KEY,
    kind              TEXT NOT NULL,
    payload           TEXT NOT NULL,
    status            TEXT NOT NULL CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'cancelled', 'dead')),
    attempts          BIGINT NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    max_attempts      BIGINT NOT NULL CHECK (max_attempts >= 1),
    run_after         BIGINT NOT NULL,
    lease_owner       TEXT,
    lease_expires_at  BIGINT,
    heartbeat_at      BIGINT,
    cancel_requested  BIGINT NOT NULL DEFAULT 0 CHECK (cancel_requested IN (0, 1)),
    last_error        TEXT,
    created_at        BIGINT NOT NULL,
    started_at        BIGINT,
    finished_at       BIGINT,
    updated_at        BIGINT NOT NULL
);
-- Claiming reads only these two small slices of the table: runnable queued jobs in order, and
-- running jobs by lease expiry. Finished jobs (most rows, eventually) are in neither index.
CREATE INDEX jobs_runnable ON jobs (run_after, id) WHERE status = 'queued';
CREATE INDEX jobs_leases ON jobs (lease_expires_at) WHERE status = 'running';
CREATE INDEX jobs_owner ON jobs (lease_owner) WHERE status = 'running';
