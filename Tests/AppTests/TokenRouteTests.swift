import Foundation
import Storage
import Testing
import TestSupport

/// `/v1/tokens` over real sockets, on both stores: the secret shown once, names unique per role, rotation
/// and revocation effective on the very next request, expiry, and admin-only access.
@Suite struct TokenRouteTests {
    /// A request with a raw secret (not one of the fixture's named tokens).
    static func call(_ app: AppFixture, _ method: String, _ path: String, secret: String) throws -> RawClient.Response {
        try app.client().request(method, path, headers: ["Authorization": "Bearer \(secret)"])
    }

    @Test(arguments: TestStores.backends)
    func createListRotateRevoke(dialect: SQLDialect) throws {
        let app = try AppFixture(dialect)
        let created = try app.call("POST", "/v1/tokens", json: ["name": "bob", "role": "researcher", "expires_in_seconds": 3600])
        #expect(created.status == 201, "\(created)")
        let id = try #require(created.json["id"] as? String)
        let secret = try #require(created.json["secret"] as? String)
        #expect(created.header("location") == "/v1/tokens/\(id)")
        #expect(created.json["revoked"] as? Bool == false && created.json["expires_at"] is String)
        #expect(try Self.call(app, "GET", "/v1/runs", secret: secret).status == 200)

        let listed = try app.call("GET", "/v1/tokens?role=researcher").json["items"] as? [[String: Any]] ?? []
        let bob = try #require(listed.first { $0["id"] as? String == id })
        #expect(bob["secret"] == nil && bob["name"] as? String == "bob" && bob["created_at"] is String)
        #expect(try app.call("GET", "/v1/tokens/\(id)").json["secret"] == nil)
        #expect(try waitUntil { try app.call("GET", "/v1/tokens/\(id)").json["last_used_at"] is String }, "a used token shows when")

        let clash = try app.call("POST", "/v1/tokens", json: ["name": "bob", "role": "researcher"])
        #expect(clash.status == 409 && clash.json["code"] as? String == "token_name_taken" && clash.json["field"] as? String == "name")
        #expect(try app.call("POST", "/v1/tokens", json: ["name": "bob", "role": "annotator"]).status == 201, "unique per role only")

        let rotated = try app.call("POST", "/v1/tokens/\(id)/rotate")
        #expect(rotated.status == 200, "\(rotated)")
        let fresh = try #require(rotated.json["secret"] as? String)
        #expect(fresh != secret)
        #expect(try Self.call(app, "GET", "/v1/runs", secret: secret).status == 401, "the old secret stops at once")
        #expect(try Self.call(app, "GET", "/v1/runs", secret: fresh).status == 200)

        let revoked = try app.call("DELETE", "/v1/tokens/\(id)")
        #expect(revoked.status == 200 && revoked.json["revoked"] as? Bool == true && revoked.json["secret"] == nil)
        let refused = try Self.call(app, "GET", "/v1/runs", secret: fresh)
        #expect(refused.status == 401 && refused.json["code"] as? String == "token_revoked", "\(refused)")
        #expect(try app.call("DELETE", "/v1/tokens/\(id)").status == 200, "revoking twice changes nothing")
        let rotateRevoked = try app.call("POST", "/v1/tokens/\(id)/rotate")
        #expect(rotateRevoked.status == 409 && rotateRevoked.json["code"] as? String == "token_revoked")
        #expect(try app.call("POST", "/v1/tokens", json: ["name": "bob", "role": "researcher"]).status == 201,
                "a revoked token's name is free again")
        #expect(try app.call("GET", "/v1/tokens/tok_nope").status == 404)
        #expect(try app.call("DELETE", "/v1/tokens/tok_nope").status == 404)

        let audit = try app.call("GET", "/v1/audit?action=token.revoke").json["items"] as? [[String: Any]] ?? []
        #expect(audit.count == 1 && audit.first?["target"] as? String == id && audit.first?["actor"] as? String == "admin")
        let actions = (try app.call("GET", "/v1/audit").json["items"] as? [[String: Any]] ?? []).compactMap { $0["action"] as? String }
        #expect(actions == ["token.create", "token.create", "token.rotate", "token.revoke", "token.create"])
    }

    @Test(arguments: TestStores.backends)
    func anExpiredTokenIs401(dialect: SQLDialect) throws {
        let app = try AppFixture(dialect)
        let (token, secret) = try app.app.database.write {
            try TokenRepository.create(name: "old", role: .researcher, expiresAt: Date().addingTimeInterval(-1), on: $0)
        }
        let refused = try Self.call(app, "GET", "/v1/runs", secret: secret)
        #expect(refused.status == 401 && refused.json["code"] as? String == "token_expired", "\(refused)")
        #expect(refused.header("www-authenticate")?.contains("invalid_token") == true)
        let shown = try app.call("GET", "/v1/tokens/\(token.id)").json
        #expect(shown["revoked"] as? Bool == false && shown["expires_at"] is String)
    }

    /// `last_used_at` costs no write per request: once set, requests within the minute leave it as it is.
    @Test func lastUsedIsWrittenAtMostOnceAMinute() throws {
        let app = try AppFixture(.sqlite)
        let (token, secret) = try app.app.database.write { try TokenRepository.create(name: "busy", role: .ci, on: $0) }
        func lastUsed() throws -> Date? { try app.app.database.read { try TokenRepository.get(id: token.id, on: $0) }?.lastUsedAt }
        #expect(try Self.call(app, "GET", "/v1/runs", secret: secret).status == 200)
        #expect(try waitUntil { try lastUsed() != nil })
        let first = try lastUsed()
        for _ in 0..<5 { #expect(try Self.call(app, "GET", "/v1/runs", secret: secret).status == 200) }
        // SQLite's one writer commits in order: a touch queued by those requests would be in before this write returns.
        try app.app.database.write { try $0.query("SELECT 1", []) }
        #expect(try lastUsed() == first)
    }

    @Test func badRequestsNameTheField() throws {
        let app = try AppFixture(.sqlite)
        let cases: [([String: Any], String)] = [
            (["role": "researcher"], "name"),
            (["name": "x"], "role"),
            (["name": "x", "role": "owner"], "role"),
            (["name": "", "role": "ci"], "name"),
            (["name": "a\nb", "role": "ci"], "name"),
            (["name": "x", "role": "ci", "expires_in_seconds": 0], "expires_in_seconds"),
            (["name": "x", "role": "ci", "expires_in_seconds": 1.5], "expires_in_seconds"),
            (["name": "x", "role": "ci", "expires_at": "2001-01-01T00:00:00Z"], "expires_at"),
            (["name": "x", "role": "ci", "expires_at": "tomorrow"], "expires_at"),
            (["name": "x", "role": "ci", "expires_at": "2099-01-01T00:00:00Z", "expires_in_seconds": 60], "expires_at"),
            (["name": "x", "role": "ci", "secret": "mine"], "secret"),
        ]
        for (body, field) in cases {
            let response = try app.call("POST", "/v1/tokens", json: body)
            #expect(response.status == 422 && response.json["field"] as? String == field, "\(body): \(response)")
        }
        #expect(try app.count("tokens") == 5, "nothing was created")
        let bad = try app.call("GET", "/v1/tokens?role=owner")
        #expect(bad.status == 400 && bad.json["field"] as? String == "role")
    }

    @Test func onlyAdminsManageTokens() throws {
        let app = try AppFixture(.sqlite)
        for who in ["researcher", "ann1", "ci"] {
            #expect(try app.call("GET", "/v1/tokens", as: who).status == 403)
            #expect(try app.call("POST", "/v1/tokens", as: who, json: ["name": "x", "role": "admin"]).status == 403)
            #expect(try app.call("DELETE", "/v1/tokens/tok_x", as: who).status == 403)
            #expect(try app.call("POST", "/v1/tokens/tok_x/rotate", as: who).status == 403)
            #expect(try app.call("GET", "/v1/audit", as: who).status == 403)
        }
        #expect(try app.call("GET", "/v1/tokens", as: nil).status == 401)
    }
}
