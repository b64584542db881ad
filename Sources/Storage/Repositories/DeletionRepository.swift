import StrictJSON

/// Deleting datasets, runs and models with what depends on them. Each function works inside the caller's
/// transaction (which also writes the audit entry), so a deletion is whole or absent.
public enum DeletionRepository {
    /// Rows removed, by table.
    public typealias Counts = [String: Int]

    public enum RunOutcome: Sendable, Equatable {
        case notFound
        /// Queued or running: cancel first.
        case active(RunStatus)
        case deleted(Counts)
    }

    public enum ModelOutcome: Sendable, Equatable {
        case notFound
        /// Still used: the runs (as model, reference, output or judge), evaluations and child models naming it.
        case referenced(runs: [String], evaluations: [String], models: [String])
        case deleted(Counts)
    }

    public enum DatasetOutcome: Sendable, Equatable {
        case notFound
        /// Runs not yet finished that read the dataset (its prompts or judgements) or wait for judgements in it.
        case inUse(runs: [String])
        case deleted(Counts)
    }

    /// Deletes a dataset's judgements, comparisons (with their assignments), guidelines and its prompts that no
    /// other comparison uses, unless a run that has not finished uses it: such a run reads its prompts or
    /// judgements again when it resumes, or is waiting for judgements of its pairs there.
    public static func deleteDataset(_ name: String, on connection: any SQLConnection) throws -> DatasetOutcome {
        let exists = try connection.query(
            """
            SELECT 1 FROM comparisons WHERE dataset = ? UNION ALL SELECT 1 FROM preferences WHERE dataset = ?
            UNION ALL SELECT 1 FROM prompts WHERE dataset = ? UNION ALL SELECT 1 FROM dataset_guidelines WHERE dataset = ? LIMIT 1
            """, .text(name), .text(name), .text(name), .text(name))
        guard !exists.isEmpty else { return .notFound }
        // A run names a dataset in its stored spec (its task, its DPO data or its judge's options) as a compact
        // JSON member; the pairs a run judged by people posted carry its id.
        let active = "('queued', 'running', 'waiting')"
        let runs = try connection.query(
            """
            SELECT id FROM runs WHERE status IN \(active) AND spec LIKE ? ESCAPE '!'
            UNION SELECT DISTINCT c.run_id FROM comparisons c JOIN runs r ON r.id = c.run_id
            WHERE c.dataset = ? AND r.status IN \(active)
            ORDER BY 1 LIMIT 20
            """, .text("%\"dataset\":\(Self.likeLiteral(JSONValue.string(name).text))%"), .text(name)).compactMap { $0[0].string }
        guard runs.isEmpty else { return .inUse(runs: runs) }
        let inDataset = "SELECT id FROM comparisons WHERE dataset = ?"
        var counts: Counts = [:]
        counts["preferences"] = try delete(connection, "preferences", "dataset = ? OR comparison_id IN (\(inDataset))", .text(name), .text(name))
        counts["assignments"] = try delete(connection, "assignments", "comparison_id IN (\(inDataset))", .text(name))
        counts["comparisons"] = try delete(connection, "comparisons", "dataset = ?", .text(name))
        counts["prompts"] = try delete(connection, "prompts",
                                       "dataset = ? AND NOT EXISTS (SELECT 1 FROM comparisons WHERE comparisons.prompt_id = prompts.id)", .text(name))
        counts["dataset_guidelines"] = try delete(connection, "dataset_guidelines", "dataset = ?", .text(name))
        return .deleted(counts)
    }

    /// Deletes a finished run with its metrics, checkpoints, job row and the batches a run judged by people posted.
    /// The policy it trained stays (delete it separately once no run names it: this run no longer does), and so
    /// do the comparisons people judged for it: they belong to their dataset (delete that to remove them).
    public static func deleteRun(id: String, on connection: any SQLConnection) throws -> RunOutcome {
        guard let run = try RunRepository.get(id: id, on: connection) else { return .notFound }
        guard run.status.isFinal else { return .active(run.status) }
        var counts: Counts = [:]
        counts["run_metrics"] = try delete(connection, "run_metrics", "run_id = ?", .text(id))
        counts["run_checkpoints"] = try delete(connection, "run_checkpoints", "run_id = ?", .text(id))
        counts["run_judge_batches"] = try delete(connection, "run_judge_batches", "run_id = ?", .text(id))
        counts["jobs"] = try delete(connection, "jobs", "id = ?", .text(id))
        counts["runs"] = try delete(connection, "runs", "id = ?", .text(id))
        return .deleted(counts)
    }

    /// Deletes a model no run, evaluation or model refers to, and its checkpoint unless another model shares it.
    public static func deleteModel(id: String, on connection: any SQLConnection) throws -> ModelOutcome {
        guard let model = try ModelRepository.get(id: id, on: connection) else { return .notFound }
        // A judge model appears only inside the stored spec (of a run or an evaluation), as a quoted id.
        let runs = try connection.query(
            """
            SELECT id FROM runs WHERE model_id = ? OR reference_id = ? OR output_model_id = ? OR spec LIKE ? ORDER BY id LIMIT 20
            """, .text(id), .text(id), .text(id), .text("%\"\(id)\"%")).compactMap { $0[0].string }
        let evaluations = try connection.query(
            "SELECT id FROM evaluations WHERE model_id = ? OR baseline_id = ? OR spec LIKE ? ORDER BY id LIMIT 20",
            .text(id), .text(id), .text("%\"\(id)\"%"))
            .compactMap { $0[0].string }
        let children = try connection.query("SELECT id FROM models WHERE parent_id = ? ORDER BY id LIMIT 20", .text(id))
            .compactMap { $0[0].string }
        guard runs.isEmpty, evaluations.isEmpty, children.isEmpty else {
            return .referenced(runs: runs, evaluations: evaluations, models: children)
        }
        var counts: Counts = [:]
        counts["models"] = try delete(connection, "models", "id = ?", .text(id))
        counts["model_checkpoints"] = try delete(connection, "model_checkpoints",
                                                 "sha256 = ? AND NOT EXISTS (SELECT 1 FROM models WHERE checkpoint_sha256 = ?)",
                                                 .text(model.checkpointSHA256), .text(model.checkpointSHA256))
        return .deleted(counts)
    }

    /// `text` matched literally by a `LIKE … ESCAPE '!'`: PostgreSQL's default escape is `\`, which a JSON-escaped
    /// name holds (`\"`), so one escape character both stores read the same way, and `%`, `_` in a name match themselves.
    static func likeLiteral(_ text: String) -> String {
        var out = ""
        for character in text {
            if character == "!" || character == "%" || character == "_" { out.append("!") }
            out.append(character)
        }
        return out
    }

    /// Counts, then deletes, the rows of `table` matching `condition` (counted first rather than with RETURNING,
    /// so a large dataset's ids never sit in memory). `table` and `condition` are constants of this file.
    private static func delete(_ connection: any SQLConnection, _ table: String, _ condition: String, _ parameters: SQLValue...) throws -> Int {
        let count = try connection.query("SELECT count(*) FROM \(table) WHERE \(condition)", parameters).first?[0].int ?? 0
        if count > 0 { try connection.query("DELETE FROM \(table) WHERE \(condition)", parameters) }
        return count
    }
}
