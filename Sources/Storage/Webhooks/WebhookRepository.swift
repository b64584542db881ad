public import Foundation

/// The `webhooks`, `webhook_deliveries` and `webhook_attempts` tables.
public enum WebhookRepository {
    public static func insert(_ webhook: WebhookRecord, on connection: any SQLConnection) throws {
        try connection.query(
            "INSERT INTO webhooks (id, url, events, secret, description, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            .text(webhook.id), .text(webhook.url), .text(webhook.events.map(\.rawValue).joined(separator: ",")),
            .text(webhook.secret), .optional(webhook.description), .text(webhook.createdBy),
            .integer(Timestamp.micros(webhook.createdAt)))
    }

    public static func get(id: String, on connection: any SQLConnection) throws -> WebhookRecord? {
        try connection.query("SELECT * FROM webhooks WHERE id = ?", .text(id)).first.map(webhook)
    }

    /// A page in creation order.
    public static func list(after cursor: String?, limit: Int, on connection: any SQLConnection) throws -> Page<WebhookRecord> {
        let rows = try connection.query("SELECT * FROM webhooks WHERE id > ? ORDER BY id LIMIT ?",
                                        .text(cursor ?? ""), .integer(Int64(limit + 1)))
        return makePage(rows.map(webhook), limit: limit, id: \.id)
    }

    /// Deletes the webhook with its deliveries; false when there was none.
    public static func delete(id: String, on connection: any SQLConnection) throws -> Bool {
        try !connection.query("DELETE FROM webhooks WHERE id = ? RETURNING id", .text(id)).isEmpty
    }

    /// The webhooks subscribed to `event`.
    public static func subscribers(of event: WebhookEvent, on connection: any SQLConnection) throws -> [WebhookRecord] {
        // `events` is a short comma-separated list of known names, none a prefix-with-comma of another.
        try connection.query("SELECT * FROM webhooks WHERE ',' || events || ',' LIKE ? ORDER BY id",
                             .text("%,\(event.rawValue),%")).map(webhook)
    }

    public static func insertDelivery(id: String, webhookID: String, event: WebhookEvent, payload: String, now: Date,
                                      on connection: any SQLConnection) throws {
        try connection.query(
            """
            INSERT INTO webhook_deliveries (id, webhook_id, event, payload, status, attempts, created_at, updated_at)
            VALUES (?, ?, ?, ?, 'pending', 0, ?, ?)
            """,
            .text(id), .text(webhookID), .text(event.rawValue), .text(payload),
            .integer(Timestamp.micros(now)), .integer(Timestamp.micros(now)))
    }

    public static func delivery(id: String, on connection: any SQLConnection) throws -> WebhookDelivery? {
        guard let row = try connection.query("SELECT * FROM webhook_deliveries WHERE id = ?", .text(id)).first else { return nil }
        return try delivery(row, on: connection)
    }

    /// A page of `webhookID`'s deliveries, newest first, each with its attempts.
    public static func deliveries(webhookID: String, before cursor: String?, limit: Int,
                                  on connection: any SQLConnection) throws -> Page<WebhookDelivery> {
        let rows = try connection.query(
            "SELECT * FROM webhook_deliveries WHERE webhook_id = ? AND (CAST(? AS TEXT) IS NULL OR id < ?) ORDER BY id DESC LIMIT ?",
            .text(webhookID), .optional(cursor), .optional(cursor), .integer(Int64(limit + 1)))
        return makePage(try rows.map { try delivery($0, on: connection) }, limit: limit, id: \.id)
    }

    /// Records one attempt and the delivery's status after it.
    public static func recordAttempt(_ attempt: WebhookAttempt, deliveryID: String, status: DeliveryStatus,
                                     on connection: any SQLConnection) throws {
        try connection.query(
            "INSERT INTO webhook_attempts (delivery_id, attempt, at, status_code, error, duration_ms) VALUES (?, ?, ?, ?, ?, ?)",
            .text(deliveryID), .integer(Int64(attempt.attempt)), .integer(Timestamp.micros(attempt.at)),
            attempt.statusCode.map { .integer(Int64($0)) } ?? .null, .optional(attempt.error),
            .integer(Int64(attempt.durationMs)))
        try connection.query(
            "UPDATE webhook_deliveries SET status = ?, attempts = ?, updated_at = ? WHERE id = ?",
            .text(status.rawValue), .integer(Int64(attempt.attempt)), .integer(Timestamp.micros(attempt.at)), .text(deliveryID))
    }

    /// Ends a delivery whose job ended without its handler (cancelled, or its worker died too often).
    public static func markFailed(deliveryID: String, now: Date = Date(), on connection: any SQLConnection) throws {
        try connection.query("UPDATE webhook_deliveries SET status = 'failed', updated_at = ? WHERE id = ? AND status = 'pending'",
                             .integer(Timestamp.micros(now)), .text(deliveryID))
    }

    static func webhook(_ row: SQLRow) -> WebhookRecord {
        WebhookRecord(id: row["id"].string ?? "", url: row["url"].string ?? "",
                      events: (row["events"].string ?? "").split(separator: ",").compactMap { WebhookEvent(rawValue: String($0)) },
                      secret: row["secret"].string ?? "", description: row["description"].string,
                      createdBy: row["created_by"].string ?? "", createdAt: Timestamp.date(row["created_at"]))
    }

    static func delivery(_ row: SQLRow, on connection: any SQLConnection) throws -> WebhookDelivery {
        let id = row["id"].string ?? ""
        let attempts = try connection.query(
            "SELECT * FROM webhook_attempts WHERE delivery_id = ? ORDER BY attempt", .text(id)
        ).map { a in
            WebhookAttempt(attempt: a["attempt"].int ?? 0, at: Timestamp.date(a["at"]), statusCode: a["status_code"].int,
                           error: a["error"].string, durationMs: a["duration_ms"].int ?? 0)
        }
        return WebhookDelivery(id: id, webhookId: row["webhook_id"].string ?? "",
                               event: WebhookEvent(rawValue: row["event"].string ?? "") ?? .runFailed,
                               payload: row["payload"].string ?? "", status: DeliveryStatus(rawValue: row["status"].string ?? "") ?? .pending,
                               attempts: attempts, createdAt: Timestamp.date(row["created_at"]), updatedAt: Timestamp.date(row["updated_at"]))
    }
}
