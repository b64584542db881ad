public import Foundation

/// A live worker pool, as `GET /v1/workers` lists it.
public struct WorkerRecord: Sendable, Equatable {
    /// The pool's lease owner name (host, pid and a random part).
    public var id: String
    public var host: String
    public var pid: Int
    /// The job kinds it takes.
    public var kinds: [String]
    public var threads: Int
    public var startedAt: Date
    public var heartbeatAt: Date
    /// The jobs it was running at its last heartbeat.
    public var currentJobs: [String]

    public init(id: String, host: String, pid: Int, kinds: [String], threads: Int, startedAt: Date, heartbeatAt: Date, currentJobs: [String]) {
        self.id = id
        self.host = host
        self.pid = pid
        self.kinds = kinds
        self.threads = threads
        self.startedAt = startedAt
        self.heartbeatAt = heartbeatAt
        self.currentJobs = currentJobs
    }
}

/// The `workers` table: each pool registers itself, renews its row with every heartbeat and removes
/// it when it stops cleanly.
public enum WorkerRepository {
    /// Registers or renews `worker` (its heartbeat and current jobs).
    public static func upsert(_ worker: WorkerRecord, on connection: any SQLConnection) throws {
        let kinds = encode(worker.kinds), jobs = encode(worker.currentJobs)
        let updated = try connection.query(
            "UPDATE workers SET heartbeat_at = ?, current_jobs = ? WHERE id = ? RETURNING id",
            .integer(Timestamp.micros(worker.heartbeatAt)), .text(jobs), .text(worker.id))
        guard updated.isEmpty else { return }
        try connection.query(
            """
            INSERT INTO workers (id, host, pid, kinds, threads, started_at, heartbeat_at, current_jobs)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """,
            .text(worker.id), .text(worker.host), .integer(Int64(worker.pid)), .text(kinds), .integer(Int64(worker.threads)),
            .integer(Timestamp.micros(worker.startedAt)), .integer(Timestamp.micros(worker.heartbeatAt)), .text(jobs))
    }

    public static func remove(id: String, on connection: any SQLConnection) throws {
        try connection.query("DELETE FROM workers WHERE id = ?", .text(id))
    }

    /// Pools whose last heartbeat is at or after `since`, oldest first.
    public static func live(since: Date, on connection: any SQLConnection) throws -> [WorkerRecord] {
        try connection.query("SELECT * FROM workers WHERE heartbeat_at >= ? ORDER BY started_at, id", .integer(Timestamp.micros(since))).map { row in
            WorkerRecord(id: row["id"].string ?? "", host: row["host"].string ?? "", pid: row["pid"].int ?? 0,
                         kinds: decode(row["kinds"].string), threads: row["threads"].int ?? 0,
                         startedAt: Timestamp.date(row["started_at"]), heartbeatAt: Timestamp.date(row["heartbeat_at"]),
                         currentJobs: decode(row["current_jobs"].string))
        }
    }

    /// Deletes rows of pools that have not beaten since `before` (they died without a clean stop).
    public static func forget(before: Date, on connection: any SQLConnection) throws {
        try connection.query("DELETE FROM workers WHERE heartbeat_at < ?", .integer(Timestamp.micros(before)))
    }

    private static func encode(_ list: [String]) -> String {
        (try? JSONEncoder().encode(list)).map { String(decoding: $0, as: UTF8.self) } ?? "[]"
    }

    private static func decode(_ text: String?) -> [String] {
        text.flatMap { try? JSONDecoder().decode([String].self, from: Data($0.utf8)) } ?? []
    }
}
