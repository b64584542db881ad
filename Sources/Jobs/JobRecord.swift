public import Foundation
import Storage

/// Where a job is in its life. `queued` and `running` are live; the rest are final.
public enum JobStatus: String, Sendable, Hashable, CaseIterable {
    case queued, running, succeeded, cancelled
    /// The handler threw a permanent (non-retryable) error.
    case failed
    /// Every attempt was used up by retryable errors or expired leases: the dead letter.
    case dead

    public var isFinal: Bool { self != .queued && self != .running }
}

/// One row of `jobs`. `payload` is opaque JSON: only the handler for `kind` reads it.
public struct JobRecord: Sendable, Hashable {
    public var id: String
    public var kind: String
    public var payload: String
    public var status: JobStatus
    /// Attempts started and not given back (a graceful release gives its attempt back).
    public var attempts: Int
    public var maxAttempts: Int
    public var runAfter: Date
    public var leaseOwner: String?
    public var leaseExpiresAt: Date?
    public var heartbeatAt: Date?
    public var cancelRequested: Bool
    public var lastError: String?
    public var createdAt: Date
    /// When the first attempt started.
    public var startedAt: Date?
    public var finishedAt: Date?
    public var updatedAt: Date
    /// Set by `JobQueue.claim` when this claim took the job over from a worker whose lease had expired
    /// (it died or stalled): what `preflab_lease_expiries_total` counts. Not stored.
    public var reclaimedAfterExpiry = false
}

extension JobRecord {
    init(row: SQLRow) {
        func date(_ name: String) -> Date? {
            let value = row[name]
            return value.isNull ? nil : Timestamp.date(value)
        }
        self.init(
            id: row["id"].string ?? "", kind: row["kind"].string ?? "", payload: row["payload"].string ?? "null",
            // An unknown status can only come from a newer schema; treating it as final keeps us off it.
            status: JobStatus(rawValue: row["status"].string ?? "") ?? .dead,
            attempts: row["attempts"].int ?? 0, maxAttempts: row["max_attempts"].int ?? 1,
            runAfter: Timestamp.date(row["run_after"]), leaseOwner: row["lease_owner"].string,
            leaseExpiresAt: date("lease_expires_at"), heartbeatAt: date("heartbeat_at"),
            cancelRequested: row["cancel_requested"].int == 1, lastError: row["last_error"].string,
            createdAt: Timestamp.date(row["created_at"]), startedAt: date("started_at"),
            finishedAt: date("finished_at"), updatedAt: Timestamp.date(row["updated_at"]))
    }
}

extension Duration {
    /// Whole microseconds, the stores' unit.
    var micros: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000 + attoseconds / 1_000_000_000_000
    }

    var timeInterval: TimeInterval { Double(micros) / 1_000_000 }
}
