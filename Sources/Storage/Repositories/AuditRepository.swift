public import Foundation

/// One audited change: a token created, revoked or rotated, or data deleted.
public struct AuditEntry: Sendable, Equatable {
    public var id: String
    public var at: Date
    /// The acting token's name (`cli` for the command line).
    public var actor: String
    public var actorToken: String?
    public var action: String
    public var target: String
    /// A JSON object: what the change removed or touched.
    public var detail: String
}

/// The audit log. Every entry is written by the caller inside the transaction of the change it records,
/// so the log holds a change exactly when the change committed.
public enum AuditRepository {
    public static let actions = ["token.create", "token.revoke", "token.rotate", "dataset.delete", "run.delete", "model.delete"]

    @discardableResult
    public static func record(actor: String, actorToken: String?, action: String, target: String, detail: [String: JSONValue] = [:],
                              now: Date = Date(), on connection: any SQLConnection) throws -> AuditEntry {
        let text = JSONValue.object(detail).text
        let entry = AuditEntry(id: Identifier.make("aud", now: now), at: now, actor: actor, actorToken: actorToken, action: action,
                               target: target, detail: text)
        try connection.query("INSERT INTO audit_log (id, at, actor, actor_token, action, target, detail) VALUES (?, ?, ?, ?, ?, ?, ?)",
                             .text(entry.id), .integer(Timestamp.micros(now)), .text(actor), .optional(actorToken), .text(action),
                             .text(target), .text(text))
        return entry
    }

    /// Entries oldest first, optionally of one action and within [since, until).
    public static func list(action: String?, since: Date?, until: Date?, after cursor: String?, limit: Int,
                            on connection: any SQLConnection) throws -> Page<AuditEntry> {
        let rows = try connection.query(
            """
            SELECT * FROM audit_log WHERE id > ? AND (CAST(? AS TEXT) IS NULL OR action = ?) AND at >= ? AND at < ?
            ORDER BY id LIMIT ?
            """,
            .text(cursor ?? ""), .optional(action), .optional(action), .integer(since.map(Timestamp.micros) ?? Int64.min),
            .integer(until.map(Timestamp.micros) ?? Int64.max), .integer(Int64(limit + 1)))
        return makePage(rows.map(entry), limit: limit, id: \.id)
    }

    static func entry(_ row: SQLRow) -> AuditEntry {
        AuditEntry(id: row["id"].string ?? "", at: Timestamp.date(row["at"]), actor: row["actor"].string ?? "",
                   actorToken: row["actor_token"].string, action: row["action"].string ?? "", target: row["target"].string ?? "",
                   detail: row["detail"].string ?? "{}")
    }
}
