import Foundation
import Storage
import Testing
import TestSupport

/// `/v1/runs` over real sockets on both stores: the tabular contract, validation, events, cancel, roles.
@Suite struct RunRouteTests {
    static let p3: [[Double]] = [[0.5, 0.9, 0.2], [0.1, 0.5, 0.7], [0.8, 0.3, 0.5]]
    static var tabular: [String: Any] { ["kind": "tabular", "preference_matrix": p3, "reference": [0.6, 0.3, 0.1]] }

    /// Polls the run until it is final; returns its last representation.
    static func finished(_ app: AppFixture, _ id: String, seconds: Double = 60) throws -> [String: Any] {
        var run: [String: Any] = [:]
        let done = try waitUntil(seconds: seconds) {
            run = try app.call("GET", "/v1/runs/\(id)", as: "ci").json
            return ["succeeded", "failed", "cancelled"].contains(run["status"] as? String ?? "")
        }
        #expect(done, "run \(id) still \(run["status"] ?? "?")")
        return run
    }

    /// Small β over the API: β = 1e-3 runs succeed with their equilibrium metric; at 1e-5 the equilibrium
    /// cannot be certified, so the run succeeds with that metric null and a warning; 1e-300 is refused at POST.
    @Test(arguments: TestStores.backends)
    func tabularRunsAtSmallBetaSucceed(dialect: SQLDialect) throws {
        let app = try AppFixture(dialect)
        let game: [String: Any] = ["kind": "tabular", "reference": [0.25, 0.25, 0.25, 0.25],
                                   "preference_matrix": [[0.5, 0.9, 0.2, 0.9], [0.1, 0.5, 0.7, 0.9], [0.8, 0.3, 0.5, 0.9], [0.1, 0.1, 0.1, 0.5]]]
        let small = try app.call("POST", "/v1/runs", as: "researcher", json: ["algorithm": "nash_mp", "task": game, "hyperparameters": ["beta": 1e-3, "iterations": 50]])
        #expect(small.status == 202, "\(small.text)")
        let run = try Self.finished(app, try #require(small.json["id"] as? String))
        #expect(run["status"] as? String == "succeeded", "\(run)")
        #expect((run["result"] as? [String: Any])?["kl_to_equilibrium"] is Double)
        let tiny = try app.call("POST", "/v1/runs", as: "researcher", json: ["algorithm": "dpo", "task": game, "hyperparameters": ["beta": 1e-5]])
        let uncertified = try Self.finished(app, try #require(tiny.json["id"] as? String))
        #expect(uncertified["status"] as? String == "succeeded", "\(uncertified)")
        let result = try #require(uncertified["result"] as? [String: Any])
        #expect(result["kl_to_equilibrium"] is NSNull && (result["warnings"] as? [String])?.isEmpty == false, "\(result)")
        let refused = try app.call("POST", "/v1/runs", as: "researcher", json: ["algorithm": "nash_mp", "task": game, "hyperparameters": ["beta": 1e-300]])
        #expect(refused.status == 422 && refused.json["field"] as? String == "hyperparameters.beta", "\(refused.text)")
    }

    @Test(arguments: TestStores.backends)
    func nashMPOnATabularGameReachesTheClosedForm(dialect: SQLDialect) throws {
        let app = try AppFixture(dialect)
        let posted = try app.call("POST", "/v1/runs", as: "researcher", json: [
            "algorithm": "nash_mp", "task": Self.tabular, "hyperparameters": ["beta": 0.1, "eta": 2, "iterations": 30],
        ])
        #expect(posted.status == 202, "\(posted.text)")
        let id = try #require(posted.json["id"] as? String)
        #expect(posted.header("location") == "/v1/runs/\(id)")
        #expect(["queued", "running", "succeeded"].contains(posted.json["status"] as? String ?? ""))
        let run = try Self.finished(app, id)
        #expect(run["status"] as? String == "succeeded", "\(run)")
        let result = try #require(run["result"] as? [String: Any])
        let policy = try #require(result["policy"] as? [Double])
        // docs/ALGORITHMS.md §5.1: π_30 on P3 with β = 0.1, η = 2.
        for (p, expected) in zip(policy, [0.454049, 0.148583, 0.397369]) { #expect(abs(p - expected) < 1e-6) }
        #expect((run["progress"] as? [String: Any])?["fraction"] as? Double == 1)

        let kl = try app.call("GET", "/v1/runs/\(id)/metrics?key=kl_to_equilibrium&page_size=100", as: "ci")
        let series = (kl.json["items"] as? [[String: Any]] ?? []).compactMap { item -> (Int, Double)? in
            guard let step = item["step"] as? Int, let value = item["value"] as? Double else { return nil }
            return (step, value)
        }
        #expect(series.map(\.0) == Array(0...30))
        let kl0 = series.first?.1 ?? 0
        for (k, value) in series { #expect(value <= pow(1.2, -Double(k)) * kl0 * (1 + 1e-9), "bound broken at k = \(k)") }
        let gaps = try app.call("GET", "/v1/runs/\(id)/metrics?key=duality_gap&page_size=10", as: "ci")
        #expect((gaps.json["items"] as? [Any])?.count == 10)
        let next = try #require(gaps.json["next_page_token"] as? String)
        let rest = try app.call("GET", "/v1/runs/\(id)/metrics?key=duality_gap&page_size=100&page_token=\(next)", as: "ci")
        #expect((rest.json["items"] as? [[String: Any]])?.first?["step"] as? Int == 10, "\(rest.text)")
    }

    @Test(arguments: TestStores.backends)
    func sppoReturnsItsAveragePolicyAndDPOItsOptimum(dialect: SQLDialect) throws {
        let app = try AppFixture(dialect)
        let sppo = try app.call("POST", "/v1/runs", as: "researcher", json: [
            "algorithm": "sppo", "task": Self.tabular, "hyperparameters": ["eta": 0.1, "iterations": 100],
        ])
        let dpo = try app.call("POST", "/v1/runs", as: "researcher", json: [
            "algorithm": "dpo", "task": Self.tabular, "hyperparameters": ["beta": 0.1],
        ])
        let sppoRun = try Self.finished(app, try #require(sppo.json["id"] as? String))
        let sppoResult = try #require(sppoRun["result"] as? [String: Any])
        #expect((sppoResult["average_policy"] as? [Double])?.count == 3)
        #expect(abs((sppoResult["exploitability"] as? Double ?? 0) - 0.16458) < 5e-5)
        let dpoRun = try Self.finished(app, try #require(dpo.json["id"] as? String))
        let dpoResult = try #require(dpoRun["result"] as? [String: Any])
        #expect((dpoResult["duality_gap"] as? Double ?? 0) > 1e-3, "DPO's optimum stays exploitable on P3")
    }

    @Test(arguments: TestStores.backends)
    func badRequestsGetAProblemNamingTheFieldAndStoreNothing(dialect: SQLDialect) throws {
        let app = try AppFixture(dialect)
        func field(_ body: [String: Any]) throws -> (Int, String?) {
            let response = try app.call("POST", "/v1/runs", as: "researcher", json: body)
            #expect(response.header("content-type") == "application/problem+json")
            return (response.status, response.json["field"] as? String)
        }
        let base: [String: Any] = ["algorithm": "nash_mp", "task": Self.tabular, "hyperparameters": ["beta": 0.1]]
        func with(_ change: (inout [String: Any]) -> Void) -> [String: Any] {
            var body = base
            change(&body)
            return body
        }
        #expect(try field(with { $0["algorithm"] = "ppo_magic" }) == (422, "algorithm"))
        #expect(try field(with { $0["hyperparameters"] = ["beta": 0] }) == (422, "hyperparameters.beta"))
        #expect(try field(with { $0["hyperparameters"] = ["beta": -0.5] }) == (422, "hyperparameters.beta"))
        #expect(try field(with { $0["hyperparameters"] = ["beta": "NaN"] }) == (422, "hyperparameters.beta"))
        #expect(try field(with { $0["hyperparameters"] = ["beta": 0.1, "learning_rate": 1] }) == (422, "hyperparameters.learning_rate"))
        #expect(try field(with { $0["task"] = ["kind": "tabular", "preference_matrix": [[0.5, 0.9], [0.2, 0.5]], "reference": [0.5, 0.5]] })
            == (422, "task.preference_matrix"))
        #expect(try field(with { $0["task"] = ["kind": "tabular", "preference_matrix": Self.p3, "reference": [0.5, 0.5, 0.5]] })
            == (422, "task.reference"))
        #expect(try field(with { $0["task"] = ["kind": "chess"] }) == (422, "task.kind"))
        #expect(try field(with { $0["surprise"] = 1 }) == (422, "surprise"))
        // JSON has no NaN: a body carrying one is not JSON at all.
        let nan = try app.call("POST", "/v1/runs", as: "researcher",
                               raw: Array(#"{"algorithm": "nash_mp", "hyperparameters": {"beta": NaN}}"#.utf8),
                               headers: ["Content-Type": "application/json"])
        #expect(nan.status == 400)
        #expect(try app.count("runs") == 0)
        #expect(try app.count("jobs") == 0)

        // η > 2 is accepted with a warning: the rate bound needs η ≤ 2, the update is still defined.
        let warned = try app.call("POST", "/v1/runs", as: "researcher", json: with { $0["hyperparameters"] = ["beta": 0.1, "eta": 3] })
        #expect(warned.status == 202)
        #expect((warned.json["warnings"] as? [String])?.count == 1)
    }

    @Test(arguments: TestStores.backends)
    func eventsStreamEveryStepThenTheFinalStatus(dialect: SQLDialect) throws {
        let app = try AppFixture(dialect)
        let posted = try app.call("POST", "/v1/runs", as: "researcher", json: [
            "algorithm": "inpo", "task": Self.tabular, "hyperparameters": ["beta": 0.1, "eta": 1, "iterations": 20],
        ])
        let id = try #require(posted.json["id"] as? String)
        _ = try Self.finished(app, id)
        let events = try app.call("GET", "/v1/runs/\(id)/events", as: "ci")
        #expect(events.status == 200)
        #expect(events.header("content-type")?.hasPrefix("text/event-stream") == true)
        let text = events.text
        let ids = text.split(separator: "\n").filter { $0.hasPrefix("id: ") }.map { Int($0.dropFirst(4)) }
        #expect(ids == Array(0...20).map(Optional.some))
        #expect(text.contains("event: status"))
        #expect(text.hasSuffix("\n\n"))
        // A client reconnecting after step 17 gets only what it missed.
        let resumed = try app.call("GET", "/v1/runs/\(id)/events", as: "ci", headers: ["Last-Event-ID": "17"])
        let resumedIDs = resumed.text.split(separator: "\n").filter { $0.hasPrefix("id: ") }
        #expect(resumedIDs == ["id: 18", "id: 19", "id: 20"])
    }

    @Test(arguments: TestStores.backends)
    func rolesListingAndCancellingAFinishedRun(dialect: SQLDialect) throws {
        let app = try AppFixture(dialect)
        let body: [String: Any] = ["algorithm": "nash_md", "task": Self.tabular, "hyperparameters": ["beta": 0.1, "iterations": 5]]
        #expect(try app.call("POST", "/v1/runs", as: "ann1", json: body).status == 403)
        #expect(try app.call("GET", "/v1/runs", as: "ann1").status == 403)
        #expect(try app.call("POST", "/v1/runs", as: nil, json: body).status == 401)
        // A retry sends the same bytes (a dictionary may serialise its keys in another order each time).
        let bytes = Array(try JSONSerialization.data(withJSONObject: body, options: [.sortedKeys]))
        let headers = ["Idempotency-Key": "k1", "Content-Type": "application/json"]
        let first = try app.call("POST", "/v1/runs", as: "researcher", raw: bytes, headers: headers)
        let retry = try app.call("POST", "/v1/runs", as: "researcher", raw: bytes, headers: headers)
        #expect(first.status == 202 && retry.status == 202, "\(retry.status) \(retry.text)")
        #expect(first.json["id"] as? String == retry.json["id"] as? String)
        #expect(try app.count("runs") == 1)
        let id = try #require(first.json["id"] as? String)
        _ = try Self.finished(app, id)
        let listed = try app.call("GET", "/v1/runs?status=succeeded", as: "ci")
        #expect((listed.json["items"] as? [[String: Any]])?.compactMap { $0["id"] as? String } == [id])
        #expect(try app.call("GET", "/v1/runs?status=bogus", as: "ci").status == 400)
        let cancel = try app.call("POST", "/v1/runs/\(id)/cancel", as: "researcher")
        #expect(cancel.status == 409)
        #expect(try app.call("POST", "/v1/runs/run_missing/cancel", as: "researcher").status == 404)
        #expect(try app.call("GET", "/v1/runs/run_missing", as: "ci").status == 404)
    }
}
