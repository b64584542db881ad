import Crypto
public import Foundation

/// A bearer token's stored form; the secret is never stored, only its SHA-256.
public struct Token: Sendable, Equatable {
    public var id: String
    public var name: String
    public var role: Role
    public var createdAt: Date
    public var expiresAt: Date?
    /// Minute-accurate: written at most once a minute per token.
    public var lastUsedAt: Date?
    public var revokedAt: Date?

    public init(id: String, name: String, role: Role, createdAt: Date, expiresAt: Date? = nil, lastUsedAt: Date? = nil, revokedAt: Date? = nil) {
        self.id = id
        self.name = name
        self.role = role
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.lastUsedAt = lastUsedAt
        self.revokedAt = revokedAt
    }

    public func isExpired(at now: Date) -> Bool { expiresAt.map { $0 <= now } ?? false }
}

/// Bearer tokens: created with a random secret shown once, checked by hash. Live names are unique per
/// role (a clash is `StorageError.conflict`); a revoked token keeps its row, so the list shows it.
public enum TokenRepository {
    /// Creates a token and returns it with its secret (`pl_` + 43 base64url characters).
    public static func create(name: String, role: Role, expiresAt: Date? = nil, now: Date = Date(),
                              on connection: any SQLConnection) throws -> (Token, secret: String) {
        let secret = newSecret()
        let token = Token(id: Identifier.make("tok", now: now), name: name, role: role, createdAt: now, expiresAt: expiresAt)
        try connection.query("INSERT INTO tokens (id, name, role, hash, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)",
                             .text(token.id), .text(name), .text(role.rawValue), .blob(hash(secret)),
                             .integer(Timestamp.micros(now)), expiresAt.map { .integer(Timestamp.micros($0)) } ?? .null)
        return (token, secret)
    }

    /// The token whose secret this is, revoked and expired ones included (the caller tells them apart).
    public static func lookup(secret: String, on connection: any SQLConnection) throws -> Token? {
        let digest = hash(secret)
        let rows = try connection.query(
            "SELECT id, name, role, hash, created_at, expires_at, last_used_at, revoked_at FROM tokens WHERE hash = ?", .blob(digest))
        guard let row = rows.first, let stored = row["hash"].bytes, constantTimeEquals(stored, digest) else { return nil }
        return token(row)
    }

    /// The token whose secret this is, unless unknown, revoked or expired.
    public static func authenticate(secret: String, now: Date = Date(), on connection: any SQLConnection) throws -> Token? {
        guard let token = try lookup(secret: secret, on: connection), token.revokedAt == nil, !token.isExpired(at: now) else { return nil }
        return token
    }

    public static func get(id: String, on connection: any SQLConnection) throws -> Token? {
        try connection.query("SELECT * FROM tokens WHERE id = ?", .text(id)).first.flatMap(token)
    }

    /// The live (unrevoked) token of `role` named `name`.
    public static func live(name: String, role: Role, on connection: any SQLConnection) throws -> Token? {
        try connection.query("SELECT * FROM tokens WHERE name = ? AND role = ? AND revoked_at IS NULL", .text(name), .text(role.rawValue))
            .first.flatMap(token)
    }

    /// Tokens in creation order, revoked ones included unless `liveOnly`.
    public static func list(role: Role? = nil, liveOnly: Bool = false, after cursor: String?, limit: Int,
                            on connection: any SQLConnection) throws -> Page<Token> {
        let rows = try connection.query(
            """
            SELECT * FROM tokens WHERE id > ? AND (CAST(? AS TEXT) IS NULL OR role = ?) AND (? = 0 OR revoked_at IS NULL)
            ORDER BY id LIMIT ?
            """,
            .text(cursor ?? ""), .optional(role?.rawValue), .optional(role?.rawValue), .integer(liveOnly ? 1 : 0), .integer(Int64(limit + 1)))
        return makePage(rows.compactMap(token), limit: limit, id: \.id)
    }

    /// Revokes a live token; nil when there is no such token, the token as it was when already revoked.
    public static func revoke(id: String, now: Date = Date(), on connection: any SQLConnection) throws -> (token: Token, changed: Bool)? {
        guard var token = try get(id: id, on: connection) else { return nil }
        guard token.revokedAt == nil else { return (token, false) }
        try connection.query("UPDATE tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL", .integer(Timestamp.micros(now)), .text(id))
        token.revokedAt = now
        return (token, true)
    }

    /// Gives a live token a new secret (the old one stops working at once); nil when there is no such token.
    /// A revoked token cannot be rotated: `changed` is false and no secret is returned.
    public static func rotate(id: String, on connection: any SQLConnection) throws -> (token: Token, secret: String?)? {
        guard let token = try get(id: id, on: connection) else { return nil }
        guard token.revokedAt == nil else { return (token, nil) }
        let secret = newSecret()
        try connection.query("UPDATE tokens SET hash = ? WHERE id = ?", .blob(hash(secret)), .text(id))
        return (token, secret)
    }

    /// Records a use; callers call this at most once a minute per token.
    public static func touch(id: String, at now: Date = Date(), on connection: any SQLConnection) throws {
        try connection.query("UPDATE tokens SET last_used_at = ? WHERE id = ? AND (last_used_at IS NULL OR last_used_at < ?)",
                             .integer(Timestamp.micros(now)), .text(id), .integer(Timestamp.micros(now)))
    }

    /// How many tokens exist (revoked included): zero means a fresh store.
    public static func count(on connection: any SQLConnection) throws -> Int {
        try connection.query("SELECT count(*) FROM tokens", [])[0][0].int ?? 0
    }

    /// On a store with no tokens at all, creates an `admin` token and returns its secret; nil otherwise.
    /// Several processes may start at once on an empty store: on PostgreSQL a transaction-scoped advisory
    /// lock makes the count-then-insert of one wait for the other's commit (SQLite's writer transactions
    /// are `BEGIN IMMEDIATE`, already one at a time), so exactly one admin token is created.
    public static func bootstrapAdmin(on connection: any SQLConnection) throws -> (Token, secret: String)? {
        if connection.dialect == .postgres { try connection.execute(script: "SELECT pg_advisory_xact_lock(720518)") }
        guard try count(on: connection) == 0 else { return nil }
        return try create(name: "admin", role: .admin, on: connection)
    }

    static func token(_ row: SQLRow) -> Token? {
        guard let role = row["role"].string.flatMap(Role.init(rawValue:)) else { return nil }
        func date(_ name: String) -> Date? { row[name].isNull ? nil : Timestamp.date(row[name]) }
        return Token(id: row["id"].string ?? "", name: row["name"].string ?? "", role: role, createdAt: Timestamp.date(row["created_at"]),
                     expiresAt: date("expires_at"), lastUsedAt: date("last_used_at"), revokedAt: date("revoked_at"))
    }

    static func newSecret() -> String {
        var random = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &random) }
        return "pl_" + Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    static func hash(_ secret: String) -> [UInt8] {
        Array(SHA256.hash(data: Data(secret.utf8)))
    }

    /// Compares without an early exit, so timing says nothing about where bytes differ.
    static func constantTimeEquals(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for i in 0..<a.count { difference |= a[i] ^ b[i] }
        return difference == 0
    }
}
