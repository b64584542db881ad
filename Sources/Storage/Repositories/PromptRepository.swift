import Foundation

/// A prompt to create.
public struct NewPrompt: Sendable {
    public var text: String
    public var dataset: String?
    public var tags: [String]

    public init(text: String, dataset: String? = nil, tags: [String] = []) {
        self.text = text
        self.dataset = dataset
        self.tags = tags
    }
}

public enum PromptRepository {
    /// Inserts every prompt or, on error, none (the caller's write transaction).
    public static func insert(_ items: [NewPrompt], on connection: any SQLConnection) throws -> [Prompt] {
        let now = Date()
        return try items.map { item in
            let prompt = Prompt(id: Identifier.make("prm", now: now), text: item.text, dataset: item.dataset, tags: item.tags, createdAt: now)
            try connection.query("INSERT INTO prompts (id, text, dataset, tags, created_at) VALUES (?, ?, ?, ?, ?)",
                                 .text(prompt.id), .text(prompt.text), .optional(prompt.dataset),
                                 .text(encodeTags(prompt.tags)), .integer(Timestamp.micros(now)))
            return prompt
        }
    }

    public static func get(id: String, on connection: any SQLConnection) throws -> Prompt? {
        try connection.query("SELECT id, text, dataset, tags, created_at FROM prompts WHERE id = ?", .text(id)).first.map(prompt)
    }

    /// A page in creation order, optionally one dataset's.
    public static func list(dataset: String?, after cursor: String?, limit: Int, on connection: any SQLConnection) throws -> Page<Prompt> {
        let rows = try connection.query(
            "SELECT id, text, dataset, tags, created_at FROM prompts WHERE id > ? AND (CAST(? AS TEXT) IS NULL OR dataset = ?) ORDER BY id LIMIT ?",
            .text(cursor ?? ""), .optional(dataset), .optional(dataset), .integer(Int64(limit + 1)))
        return makePage(rows.map(prompt), limit: limit, id: \.id)
    }

    static func prompt(_ row: SQLRow) -> Prompt {
        Prompt(id: row["id"].string ?? "", text: row["text"].string ?? "", dataset: row["dataset"].string,
               tags: decodeTags(row["tags"].string ?? "[]"), createdAt: Timestamp.date(row["created_at"]))
    }

    static func encodeTags(_ tags: [String]) -> String {
        (try? JSONEncoder().encode(tags)).flatMap { String(data: $0, encoding: .utf8) } ?? "[]"
    }

    static func decodeTags(_ text: String) -> [String] {
        (try? JSONDecoder().decode([String].self, from: Data(text.utf8))) ?? []
    }
}

/// Cuts the look-ahead row off a `LIMIT n + 1` result and makes the cursor.
func makePage<Item: Sendable>(_ items: [Item], limit: Int, id: (Item) -> String) -> Page<Item> {
    guard items.count > limit, let last = items.prefix(limit).last else { return Page(items: items, nextPageToken: nil) }
    return Page(items: Array(items.prefix(limit)), nextPageToken: PageToken.encode(id(last)))
}
