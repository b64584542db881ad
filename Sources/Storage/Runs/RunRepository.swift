public import Foundation

/// One stored training checkpoint of a run (its data is read only to resume).
public struct RunCheckpoint: Sendable, Equatable {
    public var step: Int
    public var bytes: Int
    public var createdAt: Date
}

/// Runs, their metrics and their checkpoints. Every function works inside the caller's
/// transaction, so a run row and its job are created together and a checkpoint lands with the
/// metrics it covers.
public enum RunRepository {
    public static func insert(_ run: RunRecord, on connection: any SQLConnection) throws {
        try connection.query(
            """
            INSERT INTO runs (id, name, algorithm, status, spec, model_id, reference_id, created_by, warnings,
                              current_step, total_steps, attempts, created_at, updated_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, 0, ?, ?)
            """,
            .text(run.id), .optional(run.name), .text(run.algorithm), .text(run.status.rawValue), .text(run.spec),
            .optional(run.modelID), .optional(run.referenceID), .text(run.createdBy), .text(encode(run.warnings)),
            .integer(Int64(run.totalSteps)), .integer(Timestamp.micros(run.createdAt)), .integer(Timestamp.micros(run.updatedAt)))
    }

    public static func get(id: String, on connection: any SQLConnection) throws -> RunRecord? {
        try connection.query("SELECT * FROM runs WHERE id = ?", .text(id)).first.map(run)
    }

    public static func list(status: RunStatus?, algorithm: String?, after cursor: String?, limit: Int,
                            on connection: any SQLConnection) throws -> Page<RunRecord> {
        let rows = try connection.query(
            """
            SELECT * FROM runs WHERE id > ? AND (CAST(? AS TEXT) IS NULL OR status = ?)
              AND (CAST(? AS TEXT) IS NULL OR algorithm = ?) ORDER BY id LIMIT ?
            """,
            .text(cursor ?? ""), .optional(status?.rawValue), .optional(status?.rawValue),
            .optional(algorithm), .optional(algorithm), .integer(Int64(limit + 1)))
        return makePage(rows.map(run), limit: limit, id: \.id)
    }

    /// A worker starts (or restarts) executing the run.
    public static func markRunning(id: String, now: Date = Date(), on connection: any SQLConnection) throws {
        try connection.query(
            """
            UPDATE runs SET status = 'running', attempts = attempts + 1, started_at = COALESCE(started_at, ?), updated_at = ?
            WHERE id = ? AND status IN ('queued', 'running', 'waiting')
            """,
            .integer(Timestamp.micros(now)), .integer(Timestamp.micros(now)), .text(id))
    }

    /// The run's pairs are with people: it waits, its job parked. Returns whether the run is waiting now
    /// (false when it has ended meanwhile).
    @discardableResult
    public static func markWaiting(id: String, now: Date = Date(), on connection: any SQLConnection) throws -> Bool {
        try !connection.query(
            "UPDATE runs SET status = 'waiting', updated_at = ? WHERE id = ? AND status IN ('running', 'waiting') RETURNING id",
            .integer(Timestamp.micros(now)), .text(id)).isEmpty
    }

    public static func setTotalSteps(id: String, _ total: Int, on connection: any SQLConnection) throws {
        try connection.query("UPDATE runs SET total_steps = ? WHERE id = ?", .integer(Int64(total)), .text(id))
    }

    /// Ends the run. Only a run that is not final yet changes; returns whether this call ended it.
    @discardableResult
    public static func finish(id: String, status: RunStatus, error: String? = nil, result: String? = nil,
                              outputModelID: String? = nil, now: Date = Date(), on connection: any SQLConnection) throws -> Bool {
        let rows = try connection.query(
            """
            UPDATE runs SET status = ?, error = ?, result = ?, output_model_id = ?, finished_at = ?, updated_at = ?
            WHERE id = ? AND status IN ('queued', 'running', 'waiting') RETURNING id
            """,
            .text(status.rawValue), .optional(error), .optional(result), .optional(outputModelID),
            .integer(Timestamp.micros(now)), .integer(Timestamp.micros(now)), .text(id))
        try connection.query("DELETE FROM run_checkpoints WHERE run_id = ? AND retained = 0", .text(id))
        return !rows.isEmpty
    }

    // MARK: metrics

    /// Writes the metrics of some steps, replacing any already stored for the same (step, key), and
    /// moves the run's progress to the last step. Non-finite values are stored as NULL.
    public static func record(runID: String, steps: [(step: Int, metrics: [String: Double])], now: Date = Date(),
                              on connection: any SQLConnection) throws {
        guard let last = steps.map(\.step).max() else { return }
        let at = SQLValue.integer(Timestamp.micros(now))
        for (step, metrics) in steps {
            for key in metrics.keys.sorted() {
                let value = metrics[key].flatMap { $0.isFinite ? SQLValue.real($0) : nil } ?? .null
                try connection.enqueue(
                    """
                    INSERT INTO run_metrics (run_id, step, key, value, recorded_at) VALUES (?, ?, ?, ?, ?)
                    ON CONFLICT (run_id, step, key) DO UPDATE SET value = excluded.value, recorded_at = excluded.recorded_at
                    """,
                    .text(runID), .integer(Int64(step)), .text(key), value, at)
            }
        }
        try connection.query("UPDATE runs SET current_step = ?, updated_at = ? WHERE id = ?", .integer(Int64(last)), at, .text(runID))
    }

    /// Metrics in (step, key) order after the cursor, optionally of one key.
    public static func metrics(runID: String, key: String?, after cursor: (step: Int, key: String)?, limit: Int,
                               on connection: any SQLConnection) throws -> (items: [RunMetric], next: (step: Int, key: String)?) {
        let step = Int64(cursor?.step ?? -1), afterKey = cursor?.key ?? ""
        let rows = try connection.query(
            """
            SELECT step, key, value, recorded_at FROM run_metrics
            WHERE run_id = ? AND (CAST(? AS TEXT) IS NULL OR key = ?) AND (step > ? OR (step = ? AND key > ?))
            ORDER BY step, key LIMIT ?
            """,
            .text(runID), .optional(key), .optional(key), .integer(step), .integer(step), .text(afterKey), .integer(Int64(limit + 1)))
        let items = rows.prefix(limit).map(metric)
        let next = rows.count > limit ? items.last.map { ($0.step, $0.key) } : nil
        return (Array(items), next)
    }

    /// Every metric of the steps after `step`, at most `limit` steps' worth, grouped by step in order.
    public static func steps(runID: String, after step: Int, limit: Int, on connection: any SQLConnection) throws -> [(step: Int, metrics: [RunMetric])] {
        let rows = try connection.query(
            """
            SELECT step, key, value, recorded_at FROM run_metrics WHERE run_id = ? AND step > ? AND step IN
              (SELECT DISTINCT step FROM run_metrics WHERE run_id = ? AND step > ? ORDER BY step LIMIT ?)
            ORDER BY step, key
            """,
            .text(runID), .integer(Int64(step)), .text(runID), .integer(Int64(step)), .integer(Int64(limit)))
        var out: [(step: Int, metrics: [RunMetric])] = []
        for metric in rows.map(metric) {
            if out.last?.step == metric.step { out[out.count - 1].metrics.append(metric) } else { out.append((metric.step, [metric])) }
        }
        return out
    }

    /// Drops the metrics after `step`: a run resuming from a checkpoint at `step` recomputes them.
    public static func deleteMetrics(runID: String, after step: Int, on connection: any SQLConnection) throws {
        try connection.query("DELETE FROM run_metrics WHERE run_id = ? AND step > ?", .text(runID), .integer(Int64(step)))
        try connection.query("UPDATE runs SET current_step = ? WHERE id = ? AND current_step > ?",
                             .integer(Int64(step)), .text(runID), .integer(Int64(step)))
    }

    // MARK: checkpoints

    /// Stores a checkpoint and drops the run's older ones beyond the newest `keepLast` (1 when not given).
    /// Given, the kept ones are retained after the run ends; otherwise the run's end deletes them, as it always did.
    public static func saveCheckpoint(runID: String, step: Int, data: [UInt8], keepLast: Int? = nil, now: Date = Date(),
                                      on connection: any SQLConnection) throws {
        try connection.query(
            """
            INSERT INTO run_checkpoints (run_id, step, data, created_at, retained) VALUES (?, ?, ?, ?, ?)
            ON CONFLICT (run_id, step) DO UPDATE SET data = excluded.data, created_at = excluded.created_at, retained = excluded.retained
            """,
            .text(runID), .integer(Int64(step)), .blob(data), .integer(Timestamp.micros(now)), .integer(keepLast == nil ? 0 : 1))
        try connection.query(
            """
            DELETE FROM run_checkpoints WHERE run_id = ? AND step NOT IN
              (SELECT step FROM run_checkpoints WHERE run_id = ? ORDER BY step DESC LIMIT ?)
            """,
            .text(runID), .text(runID), .integer(Int64(max(1, keepLast ?? 1))))
    }

    /// The newest checkpoint: where a resumed run starts.
    public static func checkpoint(runID: String, on connection: any SQLConnection) throws -> (step: Int, data: [UInt8])? {
        guard let row = try connection.query("SELECT step, data FROM run_checkpoints WHERE run_id = ? ORDER BY step DESC LIMIT 1",
                                             .text(runID)).first,
              let step = row[0].int, let data = row[1].bytes else { return nil }
        return (step, data)
    }

    /// The stored checkpoints' steps, sizes and times, oldest first.
    public static func checkpoints(runID: String, on connection: any SQLConnection) throws -> [RunCheckpoint] {
        try connection.query("SELECT step, length(data), created_at FROM run_checkpoints WHERE run_id = ? ORDER BY step", .text(runID))
            .map { RunCheckpoint(step: $0[0].int ?? 0, bytes: $0[1].int ?? 0, createdAt: Timestamp.date($0[2])) }
    }

    // MARK: rows

    static func run(_ row: SQLRow) -> RunRecord {
        func date(_ name: String) -> Date? { row[name].isNull ? nil : Timestamp.date(row[name]) }
        return RunRecord(
            id: row["id"].string ?? "", name: row["name"].string, algorithm: row["algorithm"].string ?? "",
            status: RunStatus(rawValue: row["status"].string ?? "") ?? .failed, spec: row["spec"].string ?? "{}",
            modelID: row["model_id"].string, referenceID: row["reference_id"].string, createdBy: row["created_by"].string ?? "",
            warnings: decode(row["warnings"].string ?? "[]"), currentStep: row["current_step"].int ?? 0,
            totalSteps: row["total_steps"].int ?? 0, attempts: row["attempts"].int ?? 0, error: row["error"].string,
            result: row["result"].string, outputModelID: row["output_model_id"].string, createdAt: Timestamp.date(row["created_at"]),
            startedAt: date("started_at"), finishedAt: date("finished_at"), updatedAt: Timestamp.date(row["updated_at"]))
    }

    static func metric(_ row: SQLRow) -> RunMetric {
        RunMetric(step: row["step"].int ?? 0, key: row["key"].string ?? "", value: row["value"].double,
                  recordedAt: Timestamp.date(row["recorded_at"]))
    }

    static func encode(_ strings: [String]) -> String {
        (try? JSONEncoder().encode(strings)).map { String(decoding: $0, as: UTF8.self) } ?? "[]"
    }

    static func decode(_ text: String) -> [String] {
        (try? JSONDecoder().decode([String].self, from: Data(text.utf8))) ?? []
    }
}
