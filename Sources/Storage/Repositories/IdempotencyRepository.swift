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

    /// Saves the response in the same transaction as the write it describes; a
    /// concurrent request with the same key makes this fail with `.conflict`.
    public static func save(principal: String, key: String, response: StoredResponse, on connection: any SQLConnection) throws {
        try connection.query(
            "INSERT INTO idempotency_keys (principal, key, request_hash, status, body, location, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            .text(principal), .text(key), .text(response.requestHash), .integer(Int64(response.status)), .blob(response.body),
            .optional(response.location), .integer(Timestamp.micros(Date())))
    }
}
