import Foundation
import HTTP1
import HTTPServer
import Storage
import StrictJSON

/// `/v1/tokens` (admin): create a token (its secret is in that response only), list and read tokens,
/// revoke one (`DELETE`, effective on its next request on every server sharing the store) and rotate
/// one's secret. Each create, revoke and rotate is audited in its own transaction. Token creation takes
/// no `Idempotency-Key`: a replayed response would have to store the secret.
struct TokenRoutes {
    let database: Database
    let auth: Authenticator

    struct TokenBody: Encodable, Sendable {
        var id: String
        var name: String
        var role: String
        var createdAt: Date
        var expiresAt: Date?
        var lastUsedAt: Date?
        var revoked: Bool
        var revokedAt: Date?
        /// Only in the responses that create or rotate the token.
        var secret: String?

        init(_ token: Token, secret: String? = nil) {
            id = token.id
            name = token.name
            role = token.role.rawValue
            createdAt = token.createdAt
            expiresAt = token.expiresAt
            lastUsedAt = token.lastUsedAt
            revoked = token.revokedAt != nil
            revokedAt = token.revokedAt
            self.secret = secret
        }
    }

    /// Ten years: the longest lifetime a token can be given.
    static let maxLifetime = 10 * 365 * 86_400

    func register(on router: inout Router) {
        let database = database
        let admins: Set<Role> = [.admin]
        router.post("/v1/tokens", handler: auth.require(admins) { request, principal in
            let body = try JSONObject.object(try JSONObject.parse(request.body), path: "")
            try body.rejectUnknown(["name", "role", "expires_in_seconds", "expires_at"])
            let name = try Self.name(body)
            let role = try Self.role(body)
            let expiresAt = try Self.expiry(body, now: Date())
            let (token, secret) = try Self.create(name: name, role: role, expiresAt: expiresAt, actor: principal.name,
                                                  actorToken: principal.tokenID, database: database)
            var response = try JSONResponse.make(TokenBody(token, secret: secret), status: .created)
            response.headers.add(name: "Location", value: "/v1/tokens/\(token.id)")
            response.headers.add(name: "Cache-Control", value: "no-store")
            return response
        })
        router.get("/v1/tokens", handler: auth.require(admins) { request, _ in
            let page = try PageRequest(request)
            let role = try request.query("role").map { text in
                guard let role = Role(rawValue: text) else {
                    throw AppError(.badRequest, code: "invalid_parameter",
                                   detail: "role must be one of \(Role.allCases.map(\.rawValue).joined(separator: ", "))", field: "role")
                }
                return role
            }
            let result = try database.read { try TokenRepository.list(role: role, after: page.after, limit: page.size, on: $0) }
            return try JSONResponse.make(ListBody(items: result.items.map { TokenBody($0) }, nextPageToken: result.nextPageToken))
        })
        router.get("/v1/tokens/:id", handler: auth.require(admins) { request, _ in
            let id = request.parameters["id"] ?? ""
            guard let token = try database.read({ try TokenRepository.get(id: id, on: $0) }) else { throw Self.notFound(id) }
            return try JSONResponse.make(TokenBody(token))
        })
        // Revokes; revoking a revoked token changes nothing and says so with the same 200.
        router.delete("/v1/tokens/:id", handler: auth.require(admins) { request, principal in
            let id = request.parameters["id"] ?? ""
            let token = try database.write { connection -> Token in
                guard let outcome = try TokenRepository.revoke(id: id, on: connection) else { throw Self.notFound(id) }
                if outcome.changed {
                    try AuditRepository.record(actor: principal.name, actorToken: principal.tokenID, action: "token.revoke", target: id,
                                               detail: ["name": .string(outcome.token.name), "role": .string(outcome.token.role.rawValue)],
                                               on: connection)
                }
                return outcome.token
            }
            return try JSONResponse.make(TokenBody(token))
        })
        router.post("/v1/tokens/:id/rotate", handler: auth.require(admins) { request, principal in
            let id = request.parameters["id"] ?? ""
            let (token, secret) = try database.write { connection -> (Token, String) in
                guard let outcome = try TokenRepository.rotate(id: id, on: connection) else { throw Self.notFound(id) }
                guard let secret = outcome.secret else {
                    throw AppError(.conflict, code: "token_revoked", detail: "token \(id) is revoked; create a new one", field: "id")
                }
                try AuditRepository.record(actor: principal.name, actorToken: principal.tokenID, action: "token.rotate", target: id,
                                           detail: ["name": .string(outcome.token.name), "role": .string(outcome.token.role.rawValue)],
                                           on: connection)
                return (outcome.token, secret)
            }
            var response = try JSONResponse.make(TokenBody(token, secret: secret))
            response.headers.add(name: "Cache-Control", value: "no-store")
            return response
        })
    }

    /// Creates and audits a token; a live token of the same role and name is 409 `token_name_taken`
    /// (checked first, and by the store's unique index when two creates race).
    static func create(name: String, role: Role, expiresAt: Date?, actor: String, actorToken: String?,
                       database: Database) throws -> (Token, secret: String) {
        do {
            return try database.write { connection in
                if try TokenRepository.live(name: name, role: role, on: connection) != nil { throw nameTaken(name, role) }
                let created = try TokenRepository.create(name: name, role: role, expiresAt: expiresAt, on: connection)
                try AuditRepository.record(actor: actor, actorToken: actorToken, action: "token.create", target: created.0.id,
                                           detail: ["name": .string(name), "role": .string(role.rawValue)], on: connection)
                return created
            }
        } catch let error as StorageError where error.code == .conflict {
            throw nameTaken(name, role)
        }
    }

    static func name(_ body: JSONObject) throws -> String {
        let name = try body.requiredString("name", maxLength: 100)
        guard !name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw AppError.invalidField("name", "name must be one line without control characters")
        }
        return name
    }

    static func role(_ body: JSONObject) throws -> Role {
        guard let text = try body.oneOf("role", Role.allCases.map(\.rawValue), required: true), let role = Role(rawValue: text) else {
            throw AppError.invalidField("role", "role is required")
        }
        return role
    }

    /// `expires_in_seconds` or `expires_at` (RFC 3339, in the future), not both; nil: never expires.
    static func expiry(_ body: JSONObject, now: Date) throws -> Date? {
        let seconds = try body.integer("expires_in_seconds", range: 1...maxLifetime)
        let at = try body.string("expires_at", maxLength: 64)
        if seconds != nil, at != nil {
            throw AppError.invalidField("expires_at", "give expires_in_seconds or expires_at, not both")
        }
        if let seconds { return now.addingTimeInterval(TimeInterval(seconds)) }
        guard let at else { return nil }
        guard let date = RFC3339.parse(at) else {
            throw AppError.invalidField("expires_at", "expires_at must be an RFC 3339 date-time, e.g. 2030-01-31T12:00:00Z")
        }
        guard date > now, date.timeIntervalSince(now) <= TimeInterval(maxLifetime) else {
            throw AppError.invalidField("expires_at", "expires_at must be in the future and at most ten years away")
        }
        return date
    }

    static func nameTaken(_ name: String, _ role: Role) -> AppError {
        AppError(.conflict, code: "token_name_taken", detail: "a live \(role.rawValue) token is already named '\(name)'; revoke it or choose another name",
                 field: "name")
    }

    static func notFound(_ id: String) -> AppError {
        AppError(.notFound, code: "not_found", detail: "no token '\(id)'")
    }
}
