public import Foundation

/// One batch of pairs a run judged by people (`judge: "human"`) put in the annotation queue: its
/// comparisons carry the run's id and the batch's id. The digest of the pairs as the trainer asked for them
/// finds the batch again when the run resumes and asks for the same pairs.
public struct RunJudgeBatch: Sendable, Equatable {
    public var id: String
    public var runID: String
    public var digest: String
    public var dataset: String
    /// Comparisons posted (distinct pairs of different responses).
    public var pairs: Int
    public var judgementsRequired: Int
    public var createdAt: Date
    public var deadline: Date
    /// When the last comparison got its required judgements.
    public var completedAt: Date?
    /// When the run first read the verdicts; judgements after it are not used (a resumed run reads the same).
    public var decidedAt: Date?

    public init(id: String, runID: String, digest: String, dataset: String, pairs: Int, judgementsRequired: Int,
                createdAt: Date, deadline: Date, completedAt: Date? = nil, decidedAt: Date? = nil) {
        self.decidedAt = decidedAt
        self.id = id
        self.runID = runID
        self.digest = digest
        self.dataset = dataset
        self.pairs = pairs
        self.judgementsRequired = judgementsRequired
        self.createdAt = createdAt
        self.deadline = deadline
        self.completedAt = completedAt
    }
}

/// How far people are with a batch.
public struct RunJudgeProgress: Sendable, Equatable {
    /// Pairs with all their required judgements.
    public var judged: Int
    /// Pairs with at least one `a`, `b` or `tie` judgement (a verdict by majority of what they have).
    public var withVerdict: Int
    public var pairs: Int

    public init(judged: Int, withVerdict: Int, pairs: Int) {
        self.judged = judged
        self.withVerdict = withVerdict
        self.pairs = pairs
    }

    public var isComplete: Bool { judged >= pairs }
}

/// One pair of a batch and the votes it has.
public struct RunJudgedPair: Sendable, Equatable {
    public var comparisonID: String
    public var prompt: String
    public var responseA: String
    public var responseB: String
    public var votes: VoteCounts
}

public enum RunJudgeBatchRepository {
    public static func insert(_ batch: RunJudgeBatch, on connection: any SQLConnection) throws {
        try connection.query(
            """
            INSERT INTO run_judge_batches (id, run_id, digest, dataset, pairs, judgements_required, created_at, deadline)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """,
            .text(batch.id), .text(batch.runID), .text(batch.digest), .text(batch.dataset), .integer(Int64(batch.pairs)),
            .integer(Int64(batch.judgementsRequired)), .integer(Timestamp.micros(batch.createdAt)), .integer(Timestamp.micros(batch.deadline)))
    }

    public static func find(runID: String, digest: String, on connection: any SQLConnection) throws -> RunJudgeBatch? {
        try connection.query("SELECT * FROM run_judge_batches WHERE run_id = ? AND digest = ?", .text(runID), .text(digest)).first.map(batch)
    }

    public static func get(id: String, on connection: any SQLConnection) throws -> RunJudgeBatch? {
        try connection.query("SELECT * FROM run_judge_batches WHERE id = ?", .text(id)).first.map(batch)
    }

    /// The run's newest batch: the one a waiting run waits for.
    public static func latest(runID: String, on connection: any SQLConnection) throws -> RunJudgeBatch? {
        try connection.query("SELECT * FROM run_judge_batches WHERE run_id = ? ORDER BY id DESC LIMIT 1", .text(runID)).first.map(batch)
    }

    public static func progress(batchID: String, on connection: any SQLConnection) throws -> RunJudgeProgress {
        let row = try connection.query(
            """
            SELECT count(*) AS pairs,
                   COALESCE(sum(CASE WHEN judgements_done >= judgements_required THEN 1 ELSE 0 END), 0) AS judged,
                   COALESCE(sum(CASE WHEN judgements_done > 0 THEN 1 ELSE 0 END), 0) AS verdicts
            FROM comparisons WHERE run_batch = ?
            """, .text(batchID)).first
        return RunJudgeProgress(judged: row?["judged"].int ?? 0, withVerdict: row?["verdicts"].int ?? 0, pairs: row?["pairs"].int ?? 0)
    }

    /// Fixes the moment the batch's verdicts are read (once); returns it.
    public static func decide(id: String, now: Date = Date(), on connection: any SQLConnection) throws -> Date {
        try connection.query("UPDATE run_judge_batches SET decided_at = ? WHERE id = ? AND decided_at IS NULL",
                             .integer(Timestamp.micros(now)), .text(id))
        let row = try connection.query("SELECT decided_at FROM run_judge_batches WHERE id = ?", .text(id)).first
        return row.map { Timestamp.date($0["decided_at"]) } ?? now
    }

    /// Every pair of the batch with its votes up to `until` (each judgement counts once: an annotator judges a
    /// comparison once).
    public static func pairs(batchID: String, until: Date, on connection: any SQLConnection) throws -> [RunJudgedPair] {
        var out: [String: RunJudgedPair] = [:]
        var order: [String] = []
        for row in try connection.query(
            """
            SELECT c.id, p.text AS prompt, c.response_a, c.response_b FROM comparisons c JOIN prompts p ON p.id = c.prompt_id
            WHERE c.run_batch = ? ORDER BY c.id
            """, .text(batchID)) {
            let id = row["id"].string ?? ""
            order.append(id)
            out[id] = RunJudgedPair(comparisonID: id, prompt: row["prompt"].string ?? "", responseA: row["response_a"].string ?? "",
                                    responseB: row["response_b"].string ?? "", votes: VoteCounts())
        }
        for row in try connection.query(
            """
            SELECT p.comparison_id, p.choice FROM preferences p JOIN comparisons c ON c.id = p.comparison_id
            WHERE c.run_batch = ? AND p.created_at <= ?
            """, .text(batchID), .integer(Timestamp.micros(until))) {
            guard let id = row["comparison_id"].string, let choice = row["choice"].string.flatMap(Choice.init(rawValue:)) else { continue }
            out[id]?.votes.add(choice)
        }
        return order.compactMap { out[$0] }
    }

    /// Marks the batch complete; true only for the call that did (so its event is announced once).
    public static func markCompleted(id: String, now: Date = Date(), on connection: any SQLConnection) throws -> Bool {
        try !connection.query("UPDATE run_judge_batches SET completed_at = ? WHERE id = ? AND completed_at IS NULL RETURNING id",
                              .integer(Timestamp.micros(now)), .text(id)).isEmpty
    }

    /// Whether `dataset` has no comparison still short of its judgements.
    public static func datasetComplete(_ dataset: String, on connection: any SQLConnection) throws -> Bool {
        try connection.query("SELECT 1 FROM comparisons WHERE dataset = ? AND judgements_done < judgements_required LIMIT 1",
                             .text(dataset)).isEmpty
    }

    /// Where a judged comparison belongs: its dataset, run and batch, and whether it now has all its judgements.
    public static func placement(comparisonID: String, on connection: any SQLConnection)
        throws -> (dataset: String?, runID: String?, batch: String?, complete: Bool)? {
        guard let row = try connection.query(
            "SELECT dataset, run_id, run_batch, judgements_done, judgements_required FROM comparisons WHERE id = ?",
            .text(comparisonID)).first else { return nil }
        return (row["dataset"].string, row["run_id"].string, row["run_batch"].string,
                (row["judgements_done"].int ?? 0) >= (row["judgements_required"].int ?? 1))
    }

    static func batch(_ row: SQLRow) -> RunJudgeBatch {
        RunJudgeBatch(
            id: row["id"].string ?? "", runID: row["run_id"].string ?? "", digest: row["digest"].string ?? "",
            dataset: row["dataset"].string ?? "", pairs: row["pairs"].int ?? 0, judgementsRequired: row["judgements_required"].int ?? 1,
            createdAt: Timestamp.date(row["created_at"]), deadline: Timestamp.date(row["deadline"]),
            completedAt: row["completed_at"].isNull ? nil : Timestamp.date(row["completed_at"]),
            decidedAt: row["decided_at"].isNull ? nil : Timestamp.date(row["decided_at"]))
    }
}
