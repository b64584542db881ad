public import Foundation

/// The `score_shards` table: the scores of each finished scoring shard, until the scorer that queued
/// the batch collects them.
public enum ScoreShardRepository {
    /// The PostgreSQL channel on which a written shard is announced (payload: its batch id).
    public static let channel = "preflab_scores"

    /// Stores (or, for a shard redone after a lapsed lease, stores again) the scores of one shard, and
    /// announces it on PostgreSQL at commit.
    public static func put(jobID: String, batchID: String, index: Int, scores: [Double], worker: String, now: Date = Date(),
                           on connection: any SQLConnection) throws {
        let text = scores.map { String($0.bitPattern, radix: 16) }.joined(separator: ",")
        try connection.query(
            """
            INSERT INTO score_shards (job_id, batch_id, shard_index, scores, worker, created_at) VALUES (?, ?, ?, ?, ?, ?)
            ON CONFLICT (job_id) DO UPDATE SET scores = excluded.scores, worker = excluded.worker, created_at = excluded.created_at
            """,
            .text(jobID), .text(batchID), .integer(Int64(index)), .text(text), .text(worker), .integer(Timestamp.micros(now)))
        if connection.dialect == .postgres {
            try connection.query("SELECT pg_notify('\(channel)', ?)", .text(batchID))
        }
    }

    /// How many shards of `batchID` have scores.
    public static func count(batchID: String, on connection: any SQLConnection) throws -> Int {
        try connection.query("SELECT COUNT(*) AS n FROM score_shards WHERE batch_id = ?", .text(batchID)).first?["n"].int ?? 0
    }

    /// The scores of `batchID`'s shards, by shard index, with the worker that wrote each.
    public static func results(batchID: String, on connection: any SQLConnection) throws -> [Int: (scores: [Double], worker: String)] {
        var out: [Int: (scores: [Double], worker: String)] = [:]
        for row in try connection.query("SELECT shard_index, scores, worker FROM score_shards WHERE batch_id = ?", .text(batchID)) {
            let text = row["scores"].string ?? ""
            let scores = text.isEmpty ? [] : text.split(separator: ",").map { Double(bitPattern: UInt64($0, radix: 16) ?? 0) }
            out[row["shard_index"].int ?? -1] = (scores, row["worker"].string ?? "")
        }
        return out
    }

    public static func delete(batchID: String, on connection: any SQLConnection) throws {
        try connection.query("DELETE FROM score_shards WHERE batch_id = ?", .text(batchID))
    }
}
