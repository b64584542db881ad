public import Foundation

/// A comparison leased to one annotator, with the side shown first.
public struct Lease: Sendable, Equatable {
    public var comparison: Comparison
    /// `a` or `b`: randomised per lease to counter position bias.
    public var shownFirst: String
    public var expiresAt: Date
}

/// The annotation queue: leases open comparisons to annotators.
///
/// A comparison is open while its judgements plus live leases are fewer than
/// `judgements_required`. An annotator is never given a comparison twice (its
/// assignment row stays after judging or expiry); an expired, unjudged lease
/// frees its slot for others. The pairs a run judged by people posted leave the queue when the run ends
/// (succeeded, failed or cancelled): nothing would read their verdicts any more.
public enum QueueRepository {
    /// True of a comparison `c` no finished run posted.
    static let notOfAFinishedRun =
        "(c.run_id IS NULL OR NOT EXISTS (SELECT 1 FROM runs r WHERE r.id = c.run_id AND r.status IN ('succeeded', 'failed', 'cancelled')))"

    /// Leases the oldest open comparison to `annotator`, or returns nil when none is left.
    /// Must run inside a write transaction.
    public static func next(annotator: String, dataset: String?, leaseSeconds: Int, on connection: any SQLConnection) throws -> Lease? {
        try lock(on: connection)
        let now = Date()
        let nowMicros = Timestamp.micros(now)
        let rows = try connection.query(
            """
            SELECT c.id FROM comparisons c
            WHERE c.judgements_done < c.judgements_required
              AND (CAST(? AS TEXT) IS NULL OR c.dataset = ?)
              AND NOT EXISTS (SELECT 1 FROM assignments a WHERE a.comparison_id = c.id AND a.annotator = ?)
              AND c.judgements_done + (SELECT count(*) FROM assignments a
                                       WHERE a.comparison_id = c.id AND a.judged_at IS NULL AND a.expires_at > ?)
                  < c.judgements_required
              AND \(notOfAFinishedRun)
            ORDER BY c.id LIMIT 1
            """,
            .optional(dataset), .optional(dataset), .text(annotator), .integer(nowMicros))
        guard let id = rows.first?[0].string, let comparison = try ComparisonRepository.get(id: id, on: connection) else { return nil }
        let shownFirst = Bool.random() ? "a" : "b"
        let expires = now.addingTimeInterval(Double(leaseSeconds))
        try connection.query(
            "INSERT INTO assignments (comparison_id, annotator, shown_first, leased_at, expires_at) VALUES (?, ?, ?, ?, ?)",
            .text(id), .text(annotator), .text(shownFirst), .integer(nowMicros), .integer(Timestamp.micros(expires)))
        return Lease(comparison: comparison, shownFirst: shownFirst, expiresAt: expires)
    }

    /// Serialises writes to the queue (leases, judgements of comparisons) across writer
    /// connections and servers on PostgreSQL, until the transaction ends. Leasing then sees every
    /// lease committed before it, and because every such write takes this lock first, two
    /// group-committed batches cannot deadlock on comparison rows. SQLite has one writer already.
    public static func lock(on connection: any SQLConnection) throws {
        guard connection.dialect == .postgres else { return }
        try connection.query("SELECT pg_advisory_xact_lock(720518)", [])
    }

    /// The annotator's assignment for a comparison: (side shown first, already judged).
    static func assignment(comparisonID: String, annotator: String, on connection: any SQLConnection) throws -> (shownFirst: String, judged: Bool)? {
        guard let row = try connection.query(
            "SELECT shown_first, judged_at FROM assignments WHERE comparison_id = ? AND annotator = ?",
            .text(comparisonID), .text(annotator)).first
        else { return nil }
        return (row["shown_first"].string ?? "a", !row["judged_at"].isNull)
    }
}
