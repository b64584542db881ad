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
    /// The pool's own lease: it beats every third of it, so it is taken for dead once a whole lease
    /// has passed since its last heartbeat.
    public var lease: Duration

    public init(id: String, host: String, pid: Int, kinds: [String], threads: Int, startedAt: Date, heartbeatAt: Date, currentJobs: [String],
                lease: Duration = .seconds(30)) {
        self.id = id
        self.host = host
        self.pid = pid
        self.kinds = kinds
        self.threads = threads
        self.startedAt = startedAt
        self.heartbeatAt = heartbeatAt
        self.currentJobs = currentJobs
        self.lease = lease
    }

    var leaseMicros: Int64 {
        let (seconds, attoseconds) = lease.components
        return seconds * 1_000_000 + attoseconds / 1_000_000_000_000
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
            INSERT INTO workers (id, host, pid, kinds, threads, started_at, heartbeat_at, current_jobs, lease_micros)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            .text(worker.id), .text(worker.host), .integer(Int64(worker.pid)), .text(kinds), .integer(Int64(worker.threads)),
            .integer(Timestamp.micros(worker.startedAt)), .integer(Timestamp.micros(worker.heartbeatAt)), .text(jobs),
            .integer(worker.leaseMicros))
    }

    public static func remove(id: String, on connection: any SQLConnection) throws {
        try connection.query("DELETE FROM workers WHERE id = ?", .text(id))
    }

    /// Pools live at `now`: their last heartbeat is less than their own lease ago. Oldest first.
    public static func live(now: Date = Date(), on connection: any SQLConnection) throws -> [WorkerRecord] {
        try connection.query("SELECT * FROM workers WHERE heartbeat_at + lease_micros >= ? ORDER BY started_at, id",
                             .integer(Timestamp.micros(now))).map { row in
            WorkerRecord(id: row["id"].string ?? "", host: row["host"].string ?? "", pid: row["pid"].int ?? 0,
                         kinds: decode(row["kinds"].string), threads: row["threads"].int ?? 0,
                         startedAt: Timestamp.date(row["started_at"]), heartbeatAt: Timestamp.date(row["heartbeat_at"]),
                         currentJobs: decode(row["current_jobs"].string), lease: .microseconds(row["lease_micros"].int ?? 30_000_000))
        }
    }

    /// Deletes rows of pools whose own lease has lapsed by `now` (they died without a clean stop); a pool
    /// that was only slow re-registers at its next heartbeat. Called by every pool's clean stop.
    public static func forget(now: Date = Date(), on connection: any SQLConnection) throws {
        try connection.query("DELETE FROM workers WHERE heartbeat_at + lease_micros < ?", .integer(Timestamp.micros(now)))
    }

    private static func encode(_ list: [String]) -> String {
        (try? JSONEncoder().encode(list)).map { String(decoding: $0, as: UTF8.self) } ?? "[]"
    }

    private static func decode(_ text: String?) -> [String] {
        text.flatMap { try? JSONDecoder().decode([String].self, from: Data($0.utf8)) } ?? []
    }
}
