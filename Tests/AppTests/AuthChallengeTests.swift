import Foundation
import Storage
import Testing
import TestSupport

/// Item 9: every 401 names the scheme to use (RFC 6750 §3), and says `invalid_token` when a token was sent.
@Suite struct AuthChallengeTests {
    /// Fails before the fix: the 401s carried no WWW-Authenticate at all.
    @Test(arguments: TestStores.backends)
    func unauthorisedAnswersCarryABearerChallenge(dialect: SQLDialect) throws {
        let app = try AppFixture(dialect)
        let cases: [(headers: [String: String], challenge: String)] = [
            ([:], #"Bearer realm="preflab""#),
            (["Authorization": "Basic dXNlcjpwYXNz"], #"Bearer realm="preflab""#),
            (["Authorization": "Bearer not-a-token"], #"Bearer realm="preflab", error="invalid_token""#),
            (["Authorization": "bearer \(String(repeating: "x", count: 300))"], #"Bearer realm="preflab", error="invalid_token""#),
        ]
        for item in cases {
            for (method, path) in [("GET", "/v1/prompts"), ("GET", "/v1/queue/next"), ("POST", "/v1/runs/run_x/cancel")] {
                let response = try app.call(method, path, as: nil, headers: item.headers)
                #expect(response.status == 401, "\(method) \(path) \(item.headers)")
                #expect(response.json["code"] as? String == "unauthenticated")
                #expect(response.header("www-authenticate") == item.challenge, "\(method) \(path) \(item.headers)")
            }
        }
        // Other refusals carry no challenge.
        let forbidden = try app.call("POST", "/v1/prompts", as: "ann1", json: ["text": "x"])
        #expect(forbidden.status == 403)
        #expect(forbidden.header("www-authenticate") == nil)
    }
}
