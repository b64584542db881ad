public import Foundation
public import Storage

/// Groups of jobs queued together under one id prefix (the shards of one scoring batch), which their
/// submitter watches and clears as one.
extension JobQueue {
    /// The first job whose id starts with `prefix` that ended without succeeding (failed, dead or cancelled), or nil.
    public static func firstUnsuccessful(idPrefix prefix: String, on connection: any SQLConnection) throws -> JobRecord? {
        try connection.query(
            """
            SELECT * FROM jobs WHERE substr(id, 1, CAST(? AS INTEGER)) = ? AND status IN ('failed', 'dead', 'cancelled') ORDER BY id LIMIT 1
            """, .integer(Int64(prefix.count)), .text(prefix)).first.map(JobRecord.init(row:))
    }

    /// Leases one **queued** job of the group to `owner`, or nil when none is left: the submitter claims its own
    /// shards while it waits for them, so a batch completes even where no other worker is free (a pool of one
    /// thread running the job that submitted it). Jobs that other workers hold, or whose lease lapsed, are
    /// left to the pools, whose claims take lapsed ones first.
    public static func claimQueued(idPrefix prefix: String, owner: String, lease: Duration, now: Date = Date(),
                                   on connection: any SQLConnection) throws -> JobRecord? {
        let micros = Timestamp.micros(now)
        let lock = connection.dialect == .postgres ? " FOR UPDATE SKIP LOCKED" : ""
        guard let id = try connection.query(
            """
            SELECT id FROM jobs WHERE substr(id, 1, CAST(? AS INTEGER)) = ? AND status = 'queued' AND cancel_requested = 0
              AND run_after <= ? ORDER BY id LIMIT 1\(lock)
            """, .integer(Int64(prefix.count)), .text(prefix), .integer(micros)).first?["id"].string
        else { return nil }
        return try take(id: id, owner: owner, lease: lease, now: micros, on: connection)
    }

    /// Cancels the group's queued jobs at once and asks its running ones to stop (they end `cancelled`).
    public static func requestCancel(idPrefix prefix: String, now: Date = Date(), on connection: any SQLConnection) throws {
        let micros = Timestamp.micros(now)
        try connection.query(
            """
            UPDATE jobs SET cancel_requested = 1, updated_at = ?,
                            status = CASE WHEN status = 'queued' THEN 'cancelled' ELSE status END,
                            finished_at = CASE WHEN status = 'queued' THEN CAST(? AS BIGINT) ELSE finished_at END
            WHERE substr(id, 1, CAST(? AS INTEGER)) = ? AND status IN ('queued', 'running')
            """, .integer(micros), .integer(micros), .integer(Int64(prefix.count)), .text(prefix))
    }

    /// Deletes the group's jobs, once their submitter has what it needed. A worker still holding one (a
    /// shard redone after a lapsed lease) finds its lease gone at its next step and records nothing.
    public static func delete(idPrefix prefix: String, on connection: any SQLConnection) throws {
        try connection.query(
            "DELETE FROM jobs WHERE substr(id, 1, CAST(? AS INTEGER)) = ?",
            .integer(Int64(prefix.count)), .text(prefix))
    }
}
