import Crypto
public import Foundation

/// A bearer token's stored form; the secret is never stored, only its SHA-256.
public struct Token: Sendable, Equatable {
    public var id: String
    public var name: String
    public var role: Role
    public var createdAt: Date
}

/// Bearer tokens: created with a random secret shown once, checked by hash.
public enum TokenRepository {
    /// Creates a token and returns it with its secret (`pl_` + 43 base64url characters).
    public static func create(name: String, role: Role, on connection: any SQLConnection) throws -> (Token, secret: String) {
        var random = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &random) }
        let secret = "pl_" + Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
        let now = Date()
        let token = Token(id: Identifier.make("tok", now: now), name: name, role: role, createdAt: now)
        try connection.query("INSERT INTO tokens (id, name, role, hash, created_at) VALUES (?, ?, ?, ?, ?)",
                             .text(token.id), .text(name), .text(role.rawValue), .blob(hash(secret)),
                             .integer(Timestamp.micros(now)))
        return (token, secret)
    }

    /// The token whose secret this is, unless unknown or revoked.
    public static func authenticate(secret: String, on connection: any SQLConnection) throws -> Token? {
        let digest = hash(secret)
        let rows = try connection.query(
            "SELECT id, name, role, hash, created_at FROM tokens WHERE hash = ? AND revoked_at IS NULL", .blob(digest))
        guard let row = rows.first, let stored = row["hash"].bytes, constantTimeEquals(stored, digest),
            let role = row["role"].string.flatMap(Role.init(rawValue:))
        else { return nil }
        return Token(id: row["id"].string ?? "", name: row["name"].string ?? "", role: role,
                     createdAt: Timestamp.date(row["created_at"]))
    }

    /// How many tokens exist (revoked included): zero means a fresh store.
    public static func count(on connection: any SQLConnection) throws -> Int {
        try connection.query("SELECT count(*) FROM tokens", [])[0][0].int ?? 0
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
