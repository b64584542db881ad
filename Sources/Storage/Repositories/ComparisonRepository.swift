import Foundation

/// A comparison to create: an existing prompt (by id) or a new prompt text, and two responses.
public struct NewComparison: Sendable {
    public var promptID: String?
    public var promptText: String?
    public var responseA: String
    public var responseB: String
    public var modelA: String?
    public var modelB: String?
    public var dataset: String?
    public var judgementsRequired: Int
    /// Set for the pairs of a run judged by people: the run and its batch (``RunJudgeBatchRepository``).
    public var runID: String?
    public var runBatch: String?
    /// A conversational prompt's messages (`promptText` is their rendering).
    public var promptMessages: [ChatMessage]?

    public init(promptID: String? = nil, promptText: String? = nil, responseA: String, responseB: String,
                modelA: String? = nil, modelB: String? = nil, dataset: String? = nil, judgementsRequired: Int = 1,
                runID: String? = nil, runBatch: String? = nil, promptMessages: [ChatMessage]? = nil) {
        self.runID = runID
        self.runBatch = runBatch
        self.promptMessages = promptMessages
        self.promptID = promptID
        self.promptText = promptText
        self.responseA = responseA
        self.responseB = responseB
        self.modelA = modelA
        self.modelB = modelB
        self.dataset = dataset
        self.judgementsRequired = judgementsRequired
    }
}

public enum ComparisonRepository {
    static let columns = """
        c.id, c.prompt_id, p.text AS prompt, c.response_a, c.response_b, c.model_a, c.model_b, c.dataset,
        c.judgements_required, c.created_at, c.run_id, c.prompt_messages
        """

    /// Inserts every comparison (creating prompts given as text) or none; an unknown prompt id is a
    /// `MissingRecord` naming the item.
    public static func insert(_ items: [NewComparison], on connection: any SQLConnection) throws -> [Comparison] {
        let now = Date()
        var out: [Comparison] = []
        for (index, item) in items.enumerated() {
            let promptID: String
            let promptText: String
            if let id = item.promptID {
                guard let prompt = try PromptRepository.get(id: id, on: connection) else {
                    throw MissingRecord(.prompt, id: id, item: index)
                }
                promptID = prompt.id
                promptText = prompt.text
            } else {
                let text = item.promptText ?? ""
                promptID = try PromptRepository.insert([NewPrompt(text: text, dataset: item.dataset)], on: connection)[0].id
                promptText = text
            }
            let comparison = Comparison(
                id: Identifier.make("cmp", now: now), promptID: promptID, prompt: promptText, responseA: item.responseA,
                responseB: item.responseB, modelA: item.modelA, modelB: item.modelB, dataset: item.dataset,
                judgementsRequired: item.judgementsRequired, createdAt: now, runID: item.runID, promptMessages: item.promptMessages)
            try connection.query(
                """
                INSERT INTO comparisons (id, prompt_id, response_a, response_b, model_a, model_b, dataset, judgements_required, created_at,
                                         run_id, run_batch, prompt_messages)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
                .text(comparison.id), .text(promptID), .text(item.responseA), .text(item.responseB), .optional(item.modelA),
                .optional(item.modelB), .optional(item.dataset), .integer(Int64(item.judgementsRequired)), .integer(Timestamp.micros(now)),
                .optional(item.runID), .optional(item.runBatch), ChatMessage.storedText(item.promptMessages))
            out.append(comparison)
        }
        return out
    }

    public static func get(id: String, on connection: any SQLConnection) throws -> Comparison? {
        try connection.query("SELECT \(columns) FROM comparisons c JOIN prompts p ON p.id = c.prompt_id WHERE c.id = ?", .text(id))
            .first.map(comparison)
    }

    public static func list(dataset: String?, after cursor: String?, limit: Int, on connection: any SQLConnection) throws -> Page<Comparison> {
        let rows = try connection.query(
            """
            SELECT \(columns) FROM comparisons c JOIN prompts p ON p.id = c.prompt_id
            WHERE c.id > ? AND (CAST(? AS TEXT) IS NULL OR c.dataset = ?) ORDER BY c.id LIMIT ?
            """,
            .text(cursor ?? ""), .optional(dataset), .optional(dataset), .integer(Int64(limit + 1)))
        return makePage(rows.map(comparison), limit: limit, id: \.id)
    }

    /// Judgements counted so far (skips excluded).
    public static func judgementsDone(id: String, on connection: any SQLConnection) throws -> Int {
        try connection.query("SELECT judgements_done FROM comparisons WHERE id = ?", .text(id)).first?[0].int ?? 0
    }

    static func comparison(_ row: SQLRow) -> Comparison {
        Comparison(
            id: row["id"].string ?? "", promptID: row["prompt_id"].string ?? "", prompt: row["prompt"].string ?? "",
            responseA: row["response_a"].string ?? "", responseB: row["response_b"].string ?? "",
            modelA: row["model_a"].string, modelB: row["model_b"].string, dataset: row["dataset"].string,
            judgementsRequired: row["judgements_required"].int ?? 1, createdAt: Timestamp.date(row["created_at"]),
            runID: row["run_id"].string, promptMessages: ChatMessage.stored(row["prompt_messages"]))
    }
}
