import Crypto
import Foundation
import HTTP1
import HTTPServer
import Storage
import Synchronization

/// Checks bearer tokens against the store, caching each verdict for a few
/// seconds so a busy annotation route does not pay a lookup per request.
/// A revoked token stops working within `ttl`.
final class Authenticator: Sendable {
    private let database: Database
    private let ttl: TimeInterval
    private let cache = Mutex<[String: (principal: Principal, expires: Date)]>([:])

    init(database: Database, ttl: TimeInterval = 10) {
        self.database = database
        self.ttl = ttl
    }

    /// The caller, or a 401 problem.
    func principal(for request: ServerRequest) throws -> Principal {
        guard let header = request.headers["authorization"] else {
            throw AppError(.unauthorized, code: "unauthenticated", detail: "send 'Authorization: Bearer <token>'")
        }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer", parts[1].utf8.count <= 200 else {
            throw AppError(.unauthorized, code: "unauthenticated", detail: "the Authorization header must be 'Bearer <token>'")
        }
        let secret = String(parts[1])
        // Cache by digest so secrets never sit in memory longer than the request.
        let key = hexString(SHA256.hash(data: Data(secret.utf8)))
        let now = Date()
        if let hit = cache.withLock({ $0[key] }), hit.expires > now { return hit.principal }
        guard let token = try database.read({ try TokenRepository.authenticate(secret: secret, on: $0) }) else {
            throw AppError(.unauthorized, code: "unauthenticated", detail: "the token is unknown or revoked")
        }
        let principal = Principal(tokenID: token.id, name: token.name, role: token.role)
        cache.withLock { cache in
            if cache.count > 10_000 { cache.removeAll() }
            cache[key] = (principal, now.addingTimeInterval(ttl))
        }
        return principal
    }

    /// Wraps a handler so only `roles` reach it: 401 without a valid token, 403 with another role.
    func require(_ roles: Set<Role>, _ handler: @escaping @Sendable (ServerRequest, Principal) throws -> ServerResponse) -> RequestHandler {
        { [self] request in
            let principal = try principal(for: request)
            guard roles.contains(principal.role) else {
                throw AppError(.forbidden, code: "forbidden",
                               detail: "role '\(principal.role.rawValue)' may not do this; allowed: \(roles.map(\.rawValue).sorted().joined(separator: ", "))")
            }
            return try handler(request, principal)
        }
    }
}
