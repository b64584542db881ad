import Crypto
import Foundation
import HTTP1
import HTTPServer
import Storage
import Synchronization

/// Checks bearer tokens against the store on every request: one indexed read, so a token revoked,
/// rotated or expired is refused on its next request by every server process sharing the store (a
/// verdict cache would leave a window in which a revoked token still works on other processes).
/// `last_used_at` is written at most once a minute per token, off the request's path.
final class Authenticator: Sendable {
    private let database: Database
    private let touchInterval: TimeInterval
    /// When this process last wrote each token's `last_used_at`.
    private let touched = Mutex<[String: Date]>([:])

    init(database: Database, touchInterval: TimeInterval = 60) {
        self.database = database
        self.touchInterval = touchInterval
    }

    /// The caller, or a 401 problem (`unauthenticated`, `token_revoked`, `token_expired`).
    func principal(for request: ServerRequest) throws -> Principal {
        guard let header = request.headers["authorization"] else {
            throw AppError(.unauthorized, code: "unauthenticated", detail: "send 'Authorization: Bearer <token>'")
        }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer", parts[1].utf8.count <= 200 else {
            throw AppError(.unauthorized, code: "unauthenticated", detail: "the Authorization header must be 'Bearer <token>'")
        }
        let secret = String(parts[1])
        guard let token = try database.read({ try TokenRepository.lookup(secret: secret, on: $0) }) else {
            throw AppError(.unauthorized, code: "unauthenticated", detail: "the token is unknown")
        }
        let now = Date()
        if token.revokedAt != nil {
            throw AppError(.unauthorized, code: "token_revoked", detail: "the token \(token.id) was revoked")
        }
        if token.isExpired(at: now) {
            throw AppError(.unauthorized, code: "token_expired", detail: "the token \(token.id) expired at \(ISO8601Time.string(token.expiresAt ?? now))")
        }
        touch(token, now: now)
        return Principal(tokenID: token.id, name: token.name, role: token.role)
    }

    /// Records the use when the stored time (and this process's last write) is a minute old: an
    /// asynchronous write the request does not wait for; a failure only leaves the time older.
    private func touch(_ token: Token, now: Date) {
        if let stored = token.lastUsedAt, now.timeIntervalSince(stored) < touchInterval { return }
        let due = touched.withLock { touched -> Bool in
            if let last = touched[token.id], now.timeIntervalSince(last) < touchInterval { return false }
            if touched.count > 10_000 { touched.removeAll() }
            touched[token.id] = now
            return true
        }
        guard due else { return }
        let id = token.id
        database.writeAsync({ try TokenRepository.touch(id: id, at: now, on: $0) }, completion: { _ in })
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
