import Foundation

extension PreferenceRepository {
    /// Stores inline judgements (an import's rows: no comparison, so no queue state to update) with one
    /// multi-row statement per call, waiting for each: a streamed import of millions of rows keeps nothing
    /// queued on the connection. Returns how many were stored.
    @discardableResult
    public static func insertInline(_ items: [NewPreference], annotator: String, on connection: any SQLConnection) throws -> Int {
        guard !items.isEmpty else { return 0 }
        let now = Date()
        let nowMicros = Timestamp.micros(now)
        var parameters: [SQLValue] = []
        parameters.reserveCapacity(items.count * 11)
        for item in items {
            parameters += [
                .text(Identifier.make("pref", now: now)), .text(item.prompt ?? ""), .text(item.responseA ?? ""),
                .text(item.responseB ?? ""), .text(item.choice.rawValue), .optional(item.strength), .text(annotator),
                .optional(item.dataset), .integer(nowMicros), ChatMessage.storedText(item.promptMessages), .optional(item.metadata?.text),
            ]
        }
        let row = "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        _ = try connection.query(
            """
            INSERT INTO preferences (id, prompt, response_a, response_b, choice, strength, annotator, dataset, created_at,
                                     prompt_messages, metadata)
            VALUES \(Array(repeating: row, count: items.count).joined(separator: ", "))
            """, parameters)
        return items.count
    }
}
