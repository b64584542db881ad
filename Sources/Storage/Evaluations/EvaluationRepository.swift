public import Foundation

/// The `evaluations` and `evaluation_rows` tables. Every function works inside the caller's transaction.
public enum EvaluationRepository {
    public static func insert(_ evaluation: EvaluationRecord, on connection: any SQLConnection) throws {
        try connection.query(
            """
            INSERT INTO evaluations (id, model_id, baseline_id, task, judge, spec, status, created_by, created_at, updated_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            .text(evaluation.id), .text(evaluation.modelID), .text(evaluation.baselineID), .text(evaluation.task),
            .text(evaluation.judge), .text(evaluation.spec), .text(evaluation.status.rawValue), .text(evaluation.createdBy),
            .integer(Timestamp.micros(evaluation.createdAt)), .integer(Timestamp.micros(evaluation.updatedAt)))
    }

    public static func get(id: String, on connection: any SQLConnection) throws -> EvaluationRecord? {
        try connection.query("SELECT * FROM evaluations WHERE id = ?", .text(id)).first.map(evaluation)
    }

    /// A page in creation order, filtered.
    public static func list(_ filter: EvaluationFilter, after cursor: String?, limit: Int,
                            on connection: any SQLConnection) throws -> Page<EvaluationRecord> {
        let (clause, values) = whereClause(filter)
        let rows = try connection.query("SELECT * FROM evaluations WHERE id > ?\(clause) ORDER BY id LIMIT ?",
                                        [.text(cursor ?? "")] + values + [.integer(Int64(limit + 1))])
        return makePage(rows.map(evaluation), limit: limit, id: \.id)
    }

    /// The latest `limit` evaluations matching `filter`, newest first (a CI job's regression history).
    public static func latest(_ filter: EvaluationFilter, limit: Int, on connection: any SQLConnection) throws -> [EvaluationRecord] {
        let (clause, values) = whereClause(filter)
        return try connection.query("SELECT * FROM evaluations WHERE 1 = 1\(clause) ORDER BY created_at DESC, id DESC LIMIT ?",
                                    values + [.integer(Int64(limit))]).map(evaluation)
    }

    private static func whereClause(_ filter: EvaluationFilter) -> (String, [SQLValue]) {
        var clause = "", values: [SQLValue] = []
        for (column, value) in [("model_id", filter.model), ("baseline_id", filter.baseline), ("task", filter.task),
                                ("judge", filter.judge), ("status", filter.status?.rawValue)] {
            if let value {
                clause += " AND \(column) = ?"
                values.append(.text(value))
            }
        }
        if let since = filter.since {
            clause += " AND created_at >= ?"
            values.append(.integer(Timestamp.micros(since)))
        }
        if let until = filter.until {
            clause += " AND created_at < ?"
            values.append(.integer(Timestamp.micros(until)))
        }
        return (clause, values)
    }

    public static func markRunning(id: String, total: Int, now: Date = Date(), on connection: any SQLConnection) throws {
        try connection.query(
            """
            UPDATE evaluations SET status = 'running', progress_total = ?, started_at = COALESCE(started_at, ?), updated_at = ?
            WHERE id = ? AND status IN ('queued', 'running')
            """,
            .integer(Int64(total)), .integer(Timestamp.micros(now)), .integer(Timestamp.micros(now)), .text(id))
    }

    public static func setProgress(id: String, done: Int, now: Date = Date(), on connection: any SQLConnection) throws {
        try connection.query("UPDATE evaluations SET progress_done = ?, updated_at = ? WHERE id = ? AND status = 'running'",
                             .integer(Int64(done)), .integer(Timestamp.micros(now)), .text(id))
    }

    /// Ends the evaluation with its summary and rows (JSON lines, in prompt order), replacing rows of an
    /// earlier attempt. Only one that is not final changes; returns whether this call ended it.
    @discardableResult
    public static func finish(id: String, status: RunStatus, error: String? = nil, result: String? = nil, rows: [String] = [],
                              now: Date = Date(), on connection: any SQLConnection) throws -> Bool {
        let ended = try connection.query(
            """
            UPDATE evaluations SET status = ?, error = ?, result = ?, finished_at = ?, updated_at = ?
            WHERE id = ? AND status IN ('queued', 'running') RETURNING id
            """,
            .text(status.rawValue), .optional(error), .optional(result), .integer(Timestamp.micros(now)),
            .integer(Timestamp.micros(now)), .text(id))
        guard !ended.isEmpty else { return false }
        try connection.query("DELETE FROM evaluation_rows WHERE evaluation_id = ?", .text(id))
        for (index, row) in rows.enumerated() {
            try connection.enqueue("INSERT INTO evaluation_rows (evaluation_id, idx, row) VALUES (?, ?, ?)",
                                   [.text(id), .integer(Int64(index)), .text(row)])
        }
        return true
    }

    /// Calls `body` with each row (a JSON object as text) in prompt order, without loading them all.
    public static func forEachRow(evaluationID: String, on connection: any SQLConnection, _ body: (String) throws -> Void) throws {
        try connection.forEachRow("SELECT row FROM evaluation_rows WHERE evaluation_id = ? ORDER BY idx", [.text(evaluationID)]) {
            try body($0["row"].string ?? "{}")
        }
    }

    static func evaluation(_ row: SQLRow) -> EvaluationRecord {
        var record = EvaluationRecord(
            id: row["id"].string ?? "", modelID: row["model_id"].string ?? "", baselineID: row["baseline_id"].string ?? "",
            task: row["task"].string ?? "", judge: row["judge"].string ?? "", spec: row["spec"].string ?? "{}",
            createdBy: row["created_by"].string ?? "", createdAt: Timestamp.date(row["created_at"]))
        record.status = RunStatus(rawValue: row["status"].string ?? "") ?? .failed
        record.error = row["error"].string
        record.result = row["result"].string
        record.progressDone = row["progress_done"].int ?? 0
        record.progressTotal = row["progress_total"].int ?? 0
        record.startedAt = row["started_at"].int.map { Timestamp.date(Int64($0)) }
        record.finishedAt = row["finished_at"].int.map { Timestamp.date(Int64($0)) }
        record.updatedAt = Timestamp.date(row["updated_at"])
        return record
    }
}
