import Foundation
import Storage
import Testing
import TestSupport

/// `/v1/webhooks` over real sockets, on both stores.
@Suite struct WebhookRouteTests {
    static var game: [String: Any] { [
        "algorithm": "nash_mp",
        "task": ["kind": "tabular", "preference_matrix": [[0.5, 0.9, 0.1], [0.1, 0.5, 0.9], [0.9, 0.1, 0.5]], "reference": [0.5, 0.3, 0.2]],
        "hyperparameters": ["beta": 0.1, "iterations": 5],
    ] }

    @Test(arguments: TestStores.backends)
    func createShowsTheSecretOnceAndDeliveriesListTheirAttempts(dialect: SQLDialect) throws {
        let app = try AppFixture(dialect)
        // Nothing listens on this port: every attempt is a recorded connection failure.
        let created = try app.call("POST", "/v1/webhooks", json: [
            "url": "http://127.0.0.1:9/hook", "events": ["run.succeeded", "run.failed"], "description": "ci",
        ])
        #expect(created.status == 201, "\(created)")
        let id = try #require(created.json["id"] as? String)
        #expect(created.header("location") == "/v1/webhooks/\(id)")
        #expect((created.json["secret"] as? String)?.hasPrefix("whsec_") == true)
        #expect(created.json["events"] as? [String] == ["run.succeeded", "run.failed"])

        let fetched = try app.call("GET", "/v1/webhooks/\(id)")
        #expect(fetched.status == 200 && fetched.json["secret"] == nil && fetched.json["url"] as? String == "http://127.0.0.1:9/hook")
        let list = try app.call("GET", "/v1/webhooks")
        #expect((list.json["items"] as? [[String: Any]])?.compactMap { $0["id"] as? String } == [id])

        let run = try app.call("POST", "/v1/runs", as: "researcher", json: Self.game)
        #expect(run.status == 202 || run.status == 201, "\(run)")
        var deliveries: [[String: Any]] = []
        #expect(try waitUntil(seconds: 30) {
            deliveries = try app.call("GET", "/v1/webhooks/\(id)/deliveries").json["items"] as? [[String: Any]] ?? []
            return !((deliveries.first?["attempts"] as? [Any]) ?? []).isEmpty
        })
        let first = try #require(deliveries.first)
        #expect(first["event"] as? String == "run.succeeded" && first["status"] as? String == "pending")
        let attempt = try #require((first["attempts"] as? [[String: Any]])?.first)
        #expect(attempt["attempt"] as? Int == 1 && attempt["status_code"] == nil)
        #expect((attempt["error"] as? String)?.hasPrefix("connect") == true)
        #expect((first["payload"] as? String)?.contains("\"type\":\"run.succeeded\"") == true)

        #expect(try app.call("DELETE", "/v1/webhooks/\(id)").status == 204)
        #expect(try app.call("GET", "/v1/webhooks/\(id)").status == 404)
        #expect(try app.call("DELETE", "/v1/webhooks/\(id)").status == 404)
        #expect(try app.count("webhook_deliveries") == 0, "deliveries go with their webhook")
    }

    @Test func badRegistrationsNameTheField() throws {
        let app = try AppFixture(.sqlite)
        let cases: [([String: Any], String)] = [
            (["events": ["run.failed"]], "url"),
            (["url": "file:///etc/passwd", "events": ["run.failed"]], "url"),
            (["url": "not a url", "events": ["run.failed"]], "url"),
            (["url": "http://[::1]:8080/hook", "events": ["run.failed"]], "url"),
            (["url": "http://[x/hook", "events": ["run.failed"]], "url"),
            (["url": "https://example.com/h", "events": []], "events"),
            (["url": "https://example.com/h", "events": ["run.failed", "run.exploded"]], "events[1]"),
            (["url": "https://example.com/h", "events": ["run.failed"], "secret": "mine"], "secret"),
        ]
        for (body, field) in cases {
            let response = try app.call("POST", "/v1/webhooks", json: body)
            #expect(response.status == 422, "\(body)")
            #expect(response.json["field"] as? String == field, "\(body): \(response)")
        }
        #expect(try app.count("webhooks") == 0)
    }

    @Test func onlyAdminsManageWebhooks() throws {
        let app = try AppFixture(.sqlite)
        let body: [String: Any] = ["url": "https://example.com/h", "events": ["run.failed"]]
        for who in ["researcher", "ci", "ann1"] {
            #expect(try app.call("POST", "/v1/webhooks", as: who, json: body).status == 403)
            #expect(try app.call("GET", "/v1/webhooks", as: who).status == 403)
        }
        #expect(try app.call("GET", "/v1/webhooks", as: nil).status == 401)
    }
}
