public import Foundation
public import Storage

/// What a handler throws to hand its job back until something happens elsewhere (people judging a run's
/// pairs): the job is queued again, runnable at `until`, its attempt given back, and no thread or lease
/// is held meanwhile. Whoever makes the awaited thing happen calls ``JobQueue/wake(id:now:on:)`` to make
/// it runnable at once.
public struct JobDeferred: Error, Sendable {
    public var until: Date
    /// Asked in the parking transaction: true when what the job waits for happened while it was still
    /// running (a wake then found nothing queued to wake), so the job is parked runnable now instead.
    public var ready: @Sendable (any SQLConnection) throws -> Bool

    public init(until: Date, ready: @escaping @Sendable (any SQLConnection) throws -> Bool = { _ in false }) {
        self.until = until
        self.ready = ready
    }
}

extension JobQueue {
    /// Parks `owner`'s running job: queued, runnable at `until` (or now when `ready` says so), with its
    /// attempt given back, as a graceful release does. A job whose cancel was requested is `cancelled`.
    @discardableResult
    public static func park(id: String, owner: String, until: Date, ready: @Sendable (any SQLConnection) throws -> Bool,
                            now: Date = Date(), on connection: any SQLConnection) throws -> JobRecord? {
        // Writers that wake jobs (judgements) hold the queue lock while they do; taking it here first means
        // either they see this job queued, or `ready` sees what they wrote.
        try QueueRepository.lock(on: connection)
        let micros = Timestamp.micros(now)
        let runAfter = try ready(connection) ? micros : max(micros, Timestamp.micros(until))
        return try connection.query(
            """
            UPDATE jobs SET status = CASE WHEN cancel_requested = 1 THEN 'cancelled' ELSE 'queued' END,
                            finished_at = CASE WHEN cancel_requested = 1 THEN CAST(? AS BIGINT) ELSE NULL END,
                            attempts = CASE WHEN attempts > 0 THEN attempts - 1 ELSE 0 END,
                            run_after = ?, lease_owner = NULL, lease_expires_at = NULL, updated_at = ?
            WHERE id = ? AND lease_owner = ? AND status = 'running' RETURNING *
            """,
            .integer(micros), .integer(runAfter), .integer(micros), .text(id), .text(owner)
        ).first.map(JobRecord.init(row:))
    }

    /// Makes a parked (queued, runnable later) job runnable now and announces it to listening pools.
    /// Returns whether there was such a job. Callers on PostgreSQL hold the queue lock (see ``park``).
    @discardableResult
    public static func wake(id: String, now: Date = Date(), on connection: any SQLConnection) throws -> Bool {
        let micros = Timestamp.micros(now)
        let rows = try connection.query(
            "UPDATE jobs SET run_after = ?, updated_at = ? WHERE id = ? AND status = 'queued' AND run_after > ? RETURNING kind",
            .integer(micros), .integer(micros), .text(id), .integer(micros))
        guard let kind = rows.first?["kind"].string else { return false }
        if connection.dialect == .postgres { try connection.query("SELECT pg_notify('\(channel)', ?)", .text(kind)) }
        return true
    }
}
