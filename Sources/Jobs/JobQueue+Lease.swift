public import Foundation
public import Storage

/// What a heartbeat found.
public enum HeartbeatResult: Sendable, Hashable {
    /// The lease now runs until `now + lease`.
    case renewed
    /// Renewed, but someone asked to cancel the job: the handler should stop and end it `cancelled`.
    case cancelRequested
    /// The job is no longer this owner's (its lease expired and another worker took it, or it was
    /// released or finished): the handler should stop and write nothing.
    case lost
}

/// The lease holder's steps. Each returns nil (or `.lost`) when `owner` no longer holds the job.
extension JobQueue {
    public static func heartbeat(id: String, owner: String, lease: Duration, now: Date = Date(),
                                 on connection: any SQLConnection) throws -> HeartbeatResult {
        let micros = Timestamp.micros(now)
        let rows = try connection.query(
            """
            UPDATE jobs SET lease_expires_at = ?, heartbeat_at = ?, updated_at = ?
            WHERE id = ? AND lease_owner = ? AND status = 'running' RETURNING cancel_requested
            """,
            .integer(micros + lease.micros), .integer(micros), .integer(micros), .text(id), .text(owner))
        guard let row = rows.first else { return .lost }
        return row["cancel_requested"].int == 1 ? .cancelRequested : .renewed
    }

    /// The handler returned: `succeeded`.
    @discardableResult
    public static func complete(id: String, owner: String, now: Date = Date(),
                                on connection: any SQLConnection) throws -> JobRecord? {
        try finish(id: id, owner: owner, status: .succeeded, error: nil, now: now, on: connection)
    }

    /// The handler stopped after a cancel request: `cancelled`.
    @discardableResult
    public static func markCancelled(id: String, owner: String, now: Date = Date(),
                                     on connection: any SQLConnection) throws -> JobRecord? {
        try finish(id: id, owner: owner, status: .cancelled, error: nil, now: now, on: connection)
    }

    /// The handler threw. `retryAfter == nil` means the error is permanent: `failed`. Otherwise the
    /// job is queued again, runnable after `retryAfter`, while attempts are left; with none left
    /// it is `dead`. A job whose cancel was requested is `cancelled` rather than retried.
    @discardableResult
    public static func fail(id: String, owner: String, error: String, retryAfter: Duration?, now: Date = Date(),
                            on connection: any SQLConnection) throws -> JobRecord? {
        guard let job = try get(id: id, on: connection), job.status == .running, job.leaseOwner == owner else { return nil }
        guard let retryAfter else { return try finish(id: id, owner: owner, status: .failed, error: error, now: now, on: connection) }
        if job.cancelRequested { return try finish(id: id, owner: owner, status: .cancelled, error: error, now: now, on: connection) }
        if job.attempts >= job.maxAttempts {
            return try finish(id: id, owner: owner, status: .dead,
                              error: "\(error) (attempt \(job.attempts) of \(job.maxAttempts))", now: now, on: connection)
        }
        let micros = Timestamp.micros(now)
        // The guard is repeated here: on PostgreSQL another transaction may have taken the job, or
        // asked to cancel it, since the read; a cancel that arrived meanwhile ends it `cancelled`.
        return try connection.query(
            """
            UPDATE jobs SET status = CASE WHEN cancel_requested = 1 THEN 'cancelled' ELSE 'queued' END,
                            finished_at = CASE WHEN cancel_requested = 1 THEN CAST(? AS BIGINT) ELSE NULL END,
                            run_after = ?, lease_owner = NULL, lease_expires_at = NULL, last_error = ?, updated_at = ?
            WHERE id = ? AND lease_owner = ? AND status = 'running' RETURNING *
            """,
            .integer(micros), .integer(micros + retryAfter.micros), .text(error), .integer(micros), .text(id), .text(owner)
        ).first.map(JobRecord.init(row:))
    }

    /// Graceful shutdown: `owner`'s running jobs (only `id` when given) go back to `queued`, runnable
    /// at once, and get their attempt back, so being interrupted by a deploy costs no retry. One whose
    /// cancel was requested is `cancelled` instead. Returns the jobs released.
    @discardableResult
    public static func release(id: String? = nil, owner: String, now: Date = Date(),
                               on connection: any SQLConnection) throws -> [JobRecord] {
        let micros = Timestamp.micros(now)
        return try connection.query(
            """
            UPDATE jobs SET status = CASE WHEN cancel_requested = 1 THEN 'cancelled' ELSE 'queued' END,
                            finished_at = CASE WHEN cancel_requested = 1 THEN CAST(? AS BIGINT) ELSE NULL END,
                            attempts = CASE WHEN attempts > 0 THEN attempts - 1 ELSE 0 END,
                            run_after = ?, lease_owner = NULL, lease_expires_at = NULL, updated_at = ?
            WHERE lease_owner = ? AND status = 'running' AND (CAST(? AS TEXT) IS NULL OR id = ?)
            RETURNING *
            """,
            .integer(micros), .integer(micros), .integer(micros), .text(owner), .optional(id), .optional(id)
        ).map(JobRecord.init(row:))
    }

    /// Exponential backoff for the `attempt`-th failure (1-based): base, 2·base, 4·base, … up to `cap`.
    /// Deterministic: workers of different machines fail at different moments anyway.
    public static func backoff(attempt: Int, base: Duration = .seconds(1), cap: Duration = .seconds(300)) -> Duration {
        let doublings = min(max(attempt - 1, 0), 30)
        let delay = base * (1 << doublings)
        return delay < cap ? delay : cap
    }

    /// Ends a running job the owner holds; the owner stays on the row as the job's last worker.
    private static func finish(id: String, owner: String, status: JobStatus, error: String?, now: Date,
                               on connection: any SQLConnection) throws -> JobRecord? {
        let micros = Timestamp.micros(now)
        return try connection.query(
            """
            UPDATE jobs SET status = ?, lease_expires_at = NULL, last_error = COALESCE(?, last_error),
                            finished_at = ?, updated_at = ?
            WHERE id = ? AND lease_owner = ? AND status = 'running' RETURNING *
            """,
            .text(status.rawValue), .optional(error), .integer(micros), .integer(micros), .text(id), .text(owner)
        ).first.map(JobRecord.init(row:))
    }
}
