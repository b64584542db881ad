public import Foundation

/// A judgement to record: by `comparisonID`, or inline with its own prompt and responses.
public struct NewPreference: Sendable {
    public var comparisonID: String?
    public var prompt: String?
    public var responseA: String?
    public var responseB: String?
    public var choice: Choice
    public var strength: Int?
    public var rationale: String?
    public var shownFirst: String?
    public var timeSpentMS: Int?
    public var dataset: String?
    /// For an inline conversational prompt: its messages (`prompt` is their rendering).
    public var promptMessages: [ChatMessage]?
    /// Extra columns of an imported line.
    public var metadata: JSONValue?

    public init(comparisonID: String? = nil, prompt: String? = nil, responseA: String? = nil, responseB: String? = nil,
                choice: Choice, strength: Int? = nil, rationale: String? = nil, shownFirst: String? = nil,
                timeSpentMS: Int? = nil, dataset: String? = nil, promptMessages: [ChatMessage]? = nil, metadata: JSONValue? = nil) {
        self.promptMessages = promptMessages
        self.metadata = metadata
        self.comparisonID = comparisonID
        self.prompt = prompt
        self.responseA = responseA
        self.responseB = responseB
        self.choice = choice
        self.strength = strength
        self.rationale = rationale
        self.shownFirst = shownFirst
        self.timeSpentMS = timeSpentMS
        self.dataset = dataset
    }
}

/// Which preferences to list or export.
public struct PreferenceFilter: Sendable {
    public var annotator: String?
    public var comparisonID: String?
    public var choice: Choice?
    public var dataset: String?
    public var since: Date?
    public var until: Date?

    public init(annotator: String? = nil, comparisonID: String? = nil, choice: Choice? = nil, dataset: String? = nil,
                since: Date? = nil, until: Date? = nil) {
        self.annotator = annotator
        self.comparisonID = comparisonID
        self.choice = choice
        self.dataset = dataset
        self.since = since
        self.until = until
    }
}

public enum PreferenceRepository {
    /// Records every judgement or none. A judgement on a comparison counts toward its
    /// `judgements_required` (a skip does not), and one annotator judges a comparison once: an unknown
    /// comparison is a `MissingRecord`, a judgement it cannot take a `StateConflict`, each naming the item.
    public static func insert(_ items: [NewPreference], annotator: String, on connection: any SQLConnection) throws -> [Preference] {
        let now = Date()
        let nowMicros = Timestamp.micros(now)
        var out: [Preference] = []
        out.reserveCapacity(items.count)
        for (index, item) in items.enumerated() {
            var prompt = item.prompt ?? "", responseA = item.responseA ?? "", responseB = item.responseB ?? ""
            var shownFirst = item.shownFirst
            var dataset = item.dataset
            var promptMessages = item.promptMessages
            if let comparisonID = item.comparisonID {
                try QueueRepository.lock(on: connection)
                guard let comparison = try ComparisonRepository.get(id: comparisonID, on: connection) else {
                    throw MissingRecord(.comparison, id: comparisonID, item: index)
                }
                let assignment = try QueueRepository.assignment(comparisonID: comparisonID, annotator: annotator, on: connection)
                if assignment?.judged == true {
                    throw StateConflict(.alreadyJudged(annotator: annotator), comparisonID: comparisonID, item: index)
                }
                if item.choice != .skip {
                    let updated = try connection.query(
                        """
                        UPDATE comparisons SET judgements_done = judgements_done + 1
                        WHERE id = ? AND judgements_done < judgements_required RETURNING judgements_done
                        """, .text(comparisonID))
                    if updated.isEmpty {
                        throw StateConflict(.judgementsComplete(required: comparison.judgementsRequired), comparisonID: comparisonID, item: index)
                    }
                }
                if let assignment {
                    shownFirst = shownFirst ?? assignment.shownFirst
                    try connection.query("UPDATE assignments SET judged_at = ? WHERE comparison_id = ? AND annotator = ?",
                                         .integer(nowMicros), .text(comparisonID), .text(annotator))
                } else {
                    try connection.query(
                        "INSERT INTO assignments (comparison_id, annotator, shown_first, leased_at, expires_at, judged_at) VALUES (?, ?, ?, ?, ?, ?)",
                        .text(comparisonID), .text(annotator), .text(shownFirst ?? "a"), .integer(nowMicros), .integer(nowMicros), .integer(nowMicros))
                }
                prompt = comparison.prompt
                promptMessages = comparison.promptMessages
                responseA = comparison.responseA
                responseB = comparison.responseB
                dataset = dataset ?? comparison.dataset
            }
            let preference = Preference(
                id: Identifier.make("pref", now: now), comparisonID: item.comparisonID, prompt: prompt, responseA: responseA,
                responseB: responseB, choice: item.choice, strength: item.strength, rationale: item.rationale,
                annotator: annotator, shownFirst: shownFirst, timeSpentMS: item.timeSpentMS, dataset: dataset, createdAt: now,
                promptMessages: promptMessages, metadata: item.metadata)
            try connection.enqueue(
                """
                INSERT INTO preferences (id, comparison_id, prompt, response_a, response_b, choice, strength, rationale,
                                         annotator, shown_first, time_spent_ms, dataset, created_at, prompt_messages, metadata)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
                .text(preference.id), .optional(preference.comparisonID), .text(prompt), .text(responseA), .text(responseB),
                .text(item.choice.rawValue), .optional(item.strength), .optional(item.rationale), .text(annotator),
                .optional(shownFirst), .optional(item.timeSpentMS), .optional(dataset), .integer(nowMicros),
                ChatMessage.storedText(promptMessages), .optional(item.metadata?.text))
            out.append(preference)
        }
        return out
    }

    public static func get(id: String, on connection: any SQLConnection) throws -> Preference? {
        try connection.query("SELECT * FROM preferences WHERE id = ?", .text(id)).first.map(preference)
    }

    /// A page in creation order.
    public static func list(_ filter: PreferenceFilter, after cursor: String?, limit: Int, on connection: any SQLConnection) throws -> Page<Preference> {
        let rows = try connection.query(
            "SELECT * FROM preferences WHERE id > ? AND \(filterSQL) ORDER BY id LIMIT ?",
            [.text(cursor ?? "")] + filterParameters(filter) + [.integer(Int64(limit + 1))])
        return makePage(rows.map(preference), limit: limit, id: \.id)
    }

    /// The condition `filter` puts on `preferences`, to bind with `filterParameters`.
    static let filterSQL = """
        (CAST(? AS TEXT) IS NULL OR annotator = ?) AND (CAST(? AS TEXT) IS NULL OR comparison_id = ?) AND (CAST(? AS TEXT) IS NULL OR choice = ?)
          AND (CAST(? AS TEXT) IS NULL OR dataset = ?) AND (CAST(? AS BIGINT) IS NULL OR created_at >= ?) AND (CAST(? AS BIGINT) IS NULL OR created_at < ?)
        """

    static func filterParameters(_ filter: PreferenceFilter) -> [SQLValue] {
        [.optional(filter.annotator), .optional(filter.annotator),
         .optional(filter.comparisonID), .optional(filter.comparisonID),
         .optional(filter.choice?.rawValue), .optional(filter.choice?.rawValue),
         .optional(filter.dataset), .optional(filter.dataset),
         micros(filter.since), micros(filter.since), micros(filter.until), micros(filter.until)]
    }

    private static func micros(_ date: Date?) -> SQLValue {
        date.map { .integer(Timestamp.micros($0)) } ?? .null
    }

    static func preference(_ row: SQLRow) -> Preference {
        Preference(
            id: row["id"].string ?? "", comparisonID: row["comparison_id"].string, prompt: row["prompt"].string ?? "",
            responseA: row["response_a"].string ?? "", responseB: row["response_b"].string ?? "",
            choice: row["choice"].string.flatMap(Choice.init(rawValue:)) ?? .skip, strength: row["strength"].int,
            rationale: row["rationale"].string, annotator: row["annotator"].string ?? "", shownFirst: row["shown_first"].string,
            timeSpentMS: row["time_spent_ms"].int, dataset: row["dataset"].string, createdAt: Timestamp.date(row["created_at"]),
            promptMessages: ChatMessage.stored(row["prompt_messages"]), metadata: row["metadata"].string.map(JSONValue.init(text:)),
            undoes: row["undoes"].string)
    }
}
