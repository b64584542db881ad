import Crypto
import Foundation

/// Models and their checkpoints. Checkpoints are stored once per content hash,
/// so identical weights (a copied model) cost nothing twice.
public enum ModelRepository {
    /// Stores the checkpoint (if new) and the model record; returns the record with its id and hash filled in.
    public static func insert(name: String, kind: String, architecture: String, parameterCount: Int, parentID: String?,
                              runID: String?, seed: Int?, source: String, checkpoint: [UInt8],
                              on connection: any SQLConnection) throws -> ModelRecord {
        let sha = hexString(SHA256.hash(data: checkpoint))
        if try connection.query("SELECT 1 FROM model_checkpoints WHERE sha256 = ?", .text(sha)).isEmpty {
            try connection.query("INSERT INTO model_checkpoints (sha256, data) VALUES (?, ?)", .text(sha), .blob(checkpoint))
        }
        if let parentID, try get(id: parentID, on: connection) == nil {
            throw MissingRecord(.model, id: parentID)
        }
        let now = Date()
        let record = ModelRecord(
            id: Identifier.make("mdl", now: now), name: name, kind: kind, architecture: architecture,
            parameterCount: parameterCount, parentID: parentID, runID: runID, seed: seed, source: source,
            checkpointSHA256: sha, checkpointBytes: checkpoint.count, createdAt: now)
        try connection.query(
            """
            INSERT INTO models (id, name, kind, architecture, parameter_count, parent_id, run_id, seed, source,
                                checkpoint_sha256, checkpoint_bytes, created_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            .text(record.id), .text(name), .text(kind), .text(architecture), .integer(Int64(parameterCount)),
            .optional(parentID), .optional(runID), .optional(seed), .text(source), .text(sha),
            .integer(Int64(checkpoint.count)), .integer(Timestamp.micros(now)))
        return record
    }

    public static func get(id: String, on connection: any SQLConnection) throws -> ModelRecord? {
        try connection.query("SELECT * FROM models WHERE id = ?", .text(id)).first.map(model)
    }

    public static func list(kind: String?, after cursor: String?, limit: Int, on connection: any SQLConnection) throws -> Page<ModelRecord> {
        let rows = try connection.query(
            "SELECT * FROM models WHERE id > ? AND (CAST(? AS TEXT) IS NULL OR kind = ?) ORDER BY id LIMIT ?",
            .text(cursor ?? ""), .optional(kind), .optional(kind), .integer(Int64(limit + 1)))
        return makePage(rows.map(model), limit: limit, id: \.id)
    }

    /// The checkpoint bytes with this hash.
    public static func checkpoint(sha256: String, on connection: any SQLConnection) throws -> [UInt8]? {
        try connection.query("SELECT data FROM model_checkpoints WHERE sha256 = ?", .text(sha256)).first?[0].bytes
    }

    /// Stores checkpoint bytes under their hash (once) with no model: scratch weights that shard jobs read by
    /// hash (a PPO critic at one step). Returns the hash.
    public static func putCheckpoint(_ checkpoint: [UInt8], on connection: any SQLConnection) throws -> String {
        let sha = hash(checkpoint)
        if try connection.query("SELECT 1 FROM model_checkpoints WHERE sha256 = ?", .text(sha)).isEmpty {
            try connection.query("INSERT INTO model_checkpoints (sha256, data) VALUES (?, ?)", .text(sha), .blob(checkpoint))
        }
        return sha
    }

    /// The hash a checkpoint is stored under.
    public static func hash(_ checkpoint: [UInt8]) -> String { hexString(SHA256.hash(data: checkpoint)) }

    /// Deletes scratch weights stored by ``putCheckpoint(_:on:)`` unless a model has the same bytes or a pending
    /// job outside `idPrefix` names the hash (another batch that happens to share the weights).
    public static func deleteScratchCheckpoint(sha256: String, keepingJobsOutside idPrefix: String, on connection: any SQLConnection) throws {
        try connection.query(
            """
            DELETE FROM model_checkpoints WHERE sha256 = ? AND NOT EXISTS (SELECT 1 FROM models WHERE checkpoint_sha256 = ?)
              AND NOT EXISTS (SELECT 1 FROM jobs WHERE status IN ('queued', 'running') AND substr(id, 1, CAST(? AS INTEGER)) <> ?
                              AND payload LIKE ?)
            """, .text(sha256), .text(sha256), .integer(Int64(idPrefix.count)), .text(idPrefix), .text("%" + sha256 + "%"))
    }

    static func model(_ row: SQLRow) -> ModelRecord {
        ModelRecord(
            id: row["id"].string ?? "", name: row["name"].string ?? "", kind: row["kind"].string ?? "",
            architecture: row["architecture"].string ?? "{}", parameterCount: row["parameter_count"].int ?? 0,
            parentID: row["parent_id"].string, runID: row["run_id"].string, seed: row["seed"].int,
            source: row["source"].string ?? "", checkpointSHA256: row["checkpoint_sha256"].string ?? "",
            checkpointBytes: row["checkpoint_bytes"].int ?? 0, createdAt: Timestamp.date(row["created_at"]))
    }
}
