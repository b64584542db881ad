public import Foundation
public import Storage

/// The durable job queue: each function is one step of a job's state machine, run on a connection
/// the caller lends from `Database.write`, so it can be composed with the caller's own writes in
/// one transaction (a run row and its job commit together, or not at all).
///
/// Every change to a running job is guarded by `lease_owner = ? AND status = 'running'`: a worker
/// whose lease expired and was taken over gets nil/`.lost` back and cannot overwrite the new
/// owner's outcome.
public enum JobQueue {
    /// Adds a queued job, runnable at once. `id` lets a caller share one id between a job and
    /// the record it computes (a run); by default a fresh `job_…` id.
    public static func enqueue(id: String? = nil, kind: String, payload: String, maxAttempts: Int = 3,
                               now: Date = Date(), on connection: any SQLConnection) throws -> JobRecord {
        let micros = Timestamp.micros(now)
        let rows = try connection.query(
            """
            INSERT INTO jobs (id, kind, payload, status, attempts, max_attempts, run_after, cancel_requested,
                              created_at, updated_at)
            VALUES (?, ?, ?, 'queued', 0, ?, ?, 0, ?, ?) RETURNING *
            """,
            .text(id ?? Identifier.make("job", now: now)), .text(kind), .text(payload),
            .integer(Int64(max(1, maxAttempts))), .integer(micros), .integer(micros), .integer(micros))
        guard let row = rows.first else { throw StorageError(.failed, "INSERT … RETURNING returned no row") }
        if connection.dialect == .postgres {
            // Delivered at commit to every listening pool (on any machine), which claims at once.
            try connection.query("SELECT pg_notify('\(channel)', ?)", .text(kind))
        }
        return JobRecord(row: row)
    }

    /// The PostgreSQL channel on which enqueues are announced (``WorkerPool`` listens on it).
    public static let channel = "preflab_jobs"

    /// Leases one job of `kinds` (any kind when empty) to `owner` until `now + lease`, or nil.
    ///
    /// Running jobs whose lease expired come first (their worker died; they started earliest), then
    /// queued jobs whose `run_after` has come, oldest first. Taking a job uses an attempt; an
    /// expired job with no attempt left becomes `dead` instead, and one whose cancel was requested
    /// becomes `cancelled`. On PostgreSQL `FOR UPDATE SKIP LOCKED` keeps concurrent claimers
    /// (other writer connections, other machines) off each other's candidates without waiting;
    /// SQLite has one writer, so its transactions never interleave.
    ///
    /// `ended` is called, in the same transaction, for each expired job this ends (`dead` or
    /// `cancelled`) without any handler running, so the record a job computes can end with it.
    public static func claim(kinds: [String], owner: String, lease: Duration, now: Date = Date(),
                             ended: (JobRecord, any SQLConnection) throws -> Void = { _, _ in },
                             on connection: any SQLConnection) throws -> JobRecord? {
        let nowMicros = Timestamp.micros(now)
        let lock = connection.dialect == .postgres ? " FOR UPDATE SKIP LOCKED" : ""
        let kindFilter = kinds.isEmpty ? "" : " AND kind IN (" + kinds.map { _ in "?" }.joined(separator: ", ") + ")"
        let kindValues = kinds.map(SQLValue.text)

        // Each pass either returns or finishes one expired job, so the loop ends.
        while let row = try connection.query(
            """
            SELECT id, attempts, max_attempts, cancel_requested FROM jobs
            WHERE status = 'running' AND lease_expires_at <= ?\(kindFilter)
            ORDER BY lease_expires_at, id LIMIT 1\(lock)
            """, [.integer(nowMicros)] + kindValues).first {
            let id = row["id"].string ?? ""
            let attempts = row["attempts"].int ?? 0
            if row["cancel_requested"].int == 1 {
                try ended(try finishExpired(id: id, status: .cancelled, error: "lease expired after cancel was requested", now: nowMicros, on: connection), connection)
            } else if attempts >= row["max_attempts"].int ?? 1 {
                try ended(try finishExpired(id: id, status: .dead, error: "lease expired \(attempts) times", now: nowMicros, on: connection), connection)
            } else {
                var job = try take(id: id, owner: owner, lease: lease, now: nowMicros, on: connection)
                job?.reclaimedAfterExpiry = true
                return job
            }
        }
        guard let id = try connection.query(
            """
            SELECT id FROM jobs WHERE status = 'queued' AND cancel_requested = 0 AND run_after <= ?\(kindFilter)
            ORDER BY run_after, id LIMIT 1\(lock)
            """, [.integer(nowMicros)] + kindValues).first?["id"].string
        else { return nil }
        return try take(id: id, owner: owner, lease: lease, now: nowMicros, on: connection)
    }

    public static func get(id: String, on connection: any SQLConnection) throws -> JobRecord? {
        try connection.query("SELECT * FROM jobs WHERE id = ?", .text(id)).first.map(JobRecord.init(row:))
    }

    /// Cancels a queued job at once; marks a running one `cancel_requested`, which its worker sees
    /// at its next heartbeat and ends as `cancelled`; leaves a finished one as it is.
    /// Returns the job as it is now, or nil when there is no such job.
    public static func requestCancel(id: String, now: Date = Date(), on connection: any SQLConnection) throws -> JobRecord? {
        let micros = Timestamp.micros(now)
        // One statement, so no change of status between two (a retry re-queueing the job) can slip
        // past both halves of the decision.
        try connection.query(
            """
            UPDATE jobs SET cancel_requested = 1, updated_at = ?,
                            status = CASE WHEN status = 'queued' THEN 'cancelled' ELSE status END,
                            finished_at = CASE WHEN status = 'queued' THEN CAST(? AS BIGINT) ELSE finished_at END
            WHERE id = ? AND status IN ('queued', 'running')
            """, .integer(micros), .integer(micros), .text(id))
        return try get(id: id, on: connection)
    }

    static func take(id: String, owner: String, lease: Duration, now: Int64,
                     on connection: any SQLConnection) throws -> JobRecord? {
        try connection.query(
            """
            UPDATE jobs SET status = 'running', attempts = attempts + 1, lease_owner = ?, lease_expires_at = ?,
                            heartbeat_at = ?, started_at = COALESCE(started_at, ?), updated_at = ?
            WHERE id = ? RETURNING *
            """,
            .text(owner), .integer(now + lease.micros), .integer(now), .integer(now), .integer(now), .text(id)
        ).first.map(JobRecord.init(row:))
    }

    private static func finishExpired(id: String, status: JobStatus, error: String, now: Int64,
                                      on connection: any SQLConnection) throws -> JobRecord {
        guard let row = try connection.query(
            """
            UPDATE jobs SET status = ?, lease_expires_at = NULL, last_error = ?, finished_at = ?, updated_at = ?
            WHERE id = ? RETURNING *
            """, .text(status.rawValue), .text(error), .integer(now), .integer(now), .text(id)).first
        else { throw StorageError(.failed, "UPDATE … RETURNING returned no row") }
        return JobRecord(row: row)
    }
}
