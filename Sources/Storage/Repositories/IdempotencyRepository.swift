import Foundation

/// The response first given to a request carrying an `Idempotency-Key`.
public struct StoredResponse: Sendable, Equatable {
    /// SHA-256 of method, route and body: a reused key with another request is refused.
    public var requestHash: String
    public var status: Int
    public var body: [UInt8]
    public var location: String?

    public init(requestHash: String, status: Int, body: [UInt8], location: String?) {
        self.requestHash = requestHash
        self.status = status
        self.body = body
        self.location = location
    }
}

public enum IdempotencyRepository {
    public static func find(principal: String, key: String, on connection: any SQLConnection) throws -> StoredResponse? {
        guard let row = try connection.query(
            "SELECT request_hash, status, body, location FROM idempotency_keys WHERE principal = ? AND key = ?",
            .text(principal), .text(key)).first
        else { return nil }
        return StoredResponse(requestHash: row["request_hash"].string ?? "", status: row["status"].int ?? 200,
                              body: row["body"].bytes ?? [], location: row["location"].string)
    }

    /// How long a request waits for another one holding its key before giving up with `.busy`.
    public static let lockTimeoutSeconds = 5

    /// Makes requests with one key take turns until the transaction ends, so a retry that
    /// overlaps the first request waits for its commit and then finds (and replays) its response,
    /// instead of failing on the key's unique index. PostgreSQL only: SQLite has one writer.
    /// Throws `.busy` when the key stays held for `lockTimeoutSeconds` or the wait would deadlock.
    public static func lock(principal: String, key: String, on connection: any SQLConnection) throws {
        guard connection.dialect == .postgres else { return }
        // SET LOCAL lasts to the end of the transaction (or of the savepoint, if that is rolled back):
        // bound only this wait, then restore the session's value for the rest of the batch.
        try connection.execute(script: "SET LOCAL lock_timeout = '\(lockTimeoutSeconds)s'")
        // Two int4 keys: a lock space apart from the queue's single bigint key. A hash collision costs a wait, nothing more.
        try connection.query("SELECT pg_advisory_xact_lock(720519, hashtext(?))", .text("\(principal) \(key)"))
        try connection.execute(script: "SET LOCAL lock_timeout TO DEFAULT")
    }

    /// Saves the response in the same transaction as the write it describes; callers hold
    /// `lock` first, so no concurrent request with the same key gets here.
    public static func save(principal: String, key: String, response: StoredResponse, on connection: any SQLConnection) throws {
        try connection.query(
            "INSERT INTO idempotency_keys (principal, key, request_hash, status, body, location, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            .text(principal), .text(key), .text(response.requestHash), .integer(Int64(response.status)), .blob(response.body),
            .optional(response.location), .integer(Timestamp.micros(Date())))
    }
}
