import Foundation
import Storage
import Testing
import TestSupport

/// Export, import, agreement and annotator statistics over real sockets, on both stores.
@Suite struct DatasetRouteTests {
    /// Two comparisons judged by three annotators: the first 2×a + 1×b, the second a, tie, skip.
    func judged(_ app: AppFixture) throws -> [String] {
        let created = try app.call("POST", "/v1/comparisons", as: "researcher", json: ["items": [
            ["prompt": "Q1", "response_a": "good", "response_b": "bad", "judgements_required": 3, "dataset": "x"],
            ["prompt": "Q2", "response_a": "left", "response_b": "right", "judgements_required": 3, "dataset": "x"],
        ]])
        let ids = (created.json["items"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
        let third = try app.token(name: "ann3", role: .annotator)
        let votes: [(String?, String, String)] = [("ann1", ids[0], "a"), ("ann2", ids[0], "a"), (nil, ids[0], "b"),
                                                  ("ann1", ids[1], "a"), ("ann2", ids[1], "tie"), (nil, ids[1], "skip")]
        for (who, id, choice) in votes {
            let response = try app.call("POST", "/v1/preferences", as: who, json: ["comparison_id": id, "choice": choice, "time_spent_ms": 1000],
                                        headers: who == nil ? ["Authorization": "Bearer \(third)"] : [:])
            #expect(response.status == 201)
        }
        return ids
    }

    func lines(_ response: RawClient.Response) -> [[String: Any]] {
        response.text.split(separator: "\n").compactMap {
            (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any]
        }
    }

    @Test(arguments: TestStores.backends)
    func exportResolvesByMajorityWithTiePolicies(dialect: SQLDialect) throws {
        let app = try AppFixture(dialect)
        _ = try judged(app)
        let standard = try app.call("GET", "/v1/preferences/export?dataset=x", as: "ci")
        #expect(standard.status == 200)
        #expect(standard.header("content-type")?.hasPrefix("application/jsonl") == true)
        // Q1: a wins 2–1. Q2: one a against one tie is a draw, so a tie, dropped by default.
        let rows = lines(standard)
        #expect(rows.count == 1)
        #expect(rows.first?["prompt"] as? String == "Q1")
        #expect(rows.first?["chosen"] as? String == "good")
        #expect(rows.first?["rejected"] as? String == "bad")
        let both = lines(try app.call("GET", "/v1/preferences/export?dataset=x&ties=both_orders", as: "ci"))
        #expect(both.count == 3)
        let unpaired = lines(try app.call("GET", "/v1/preferences/export?dataset=x&format=unpaired", as: "ci"))
        #expect(unpaired.map { $0["label"] as? Bool } == [true, false])
        let provenance = lines(try app.call("GET", "/v1/preferences/export?dataset=x&part=provenance", as: "ci"))
        #expect(provenance.count == 1)
        #expect((provenance.first?["annotators"] as? [String])?.sorted() == ["ann1", "ann2", "ann3"])
        #expect(try app.call("GET", "/v1/preferences/export?format=csv", as: "ci").status == 400)
        #expect(try app.call("GET", "/v1/preferences/export", as: "ann1").status == 403)
    }

    @Test(arguments: TestStores.backends)
    func agreementAndAnnotatorStats(dialect: SQLDialect) throws {
        let app = try AppFixture(dialect)
        let ids = try judged(app)
        let first = try app.call("GET", "/v1/comparisons/\(ids[0])/agreement", as: "researcher")
        #expect(first.status == 200)
        #expect(first.json["votes"] as? [String: Int] == ["a": 2, "b": 1, "tie": 0, "skip": 0])
        #expect(first.json["pairs"] as? Int == 3)
        #expect(first.json["agreeing_pairs"] as? Int == 1)
        #expect(first.json["outcome"] as? String == "a")
        #expect(try app.call("GET", "/v1/comparisons/cmp_missing/agreement").status == 404)

        let stats = try app.call("GET", "/v1/stats/agreement?dataset=x", as: "ci")
        let report = try #require((stats.json["items"] as? [[String: Any]])?.first)
        #expect(report["dataset"] as? String == "x")
        #expect(report["items"] as? Int == 2)
        #expect(report["judgements"] as? Int == 5)
        // Pairs: Q1 has 3 (1 agreeing), Q2 has 1 (0 agreeing) → 1/4.
        #expect(report["raw_agreement"] as? Double == 0.25)
        #expect(report["fleiss_kappa"] is Double)

        let annotators = try app.call("GET", "/v1/stats/annotators", as: "ci")
        let rows = annotators.json["items"] as? [[String: Any]] ?? []
        #expect(rows.compactMap { $0["annotator"] as? String } == ["ann1", "ann2", "ann3"])
        #expect(rows.last?["skips"] as? Int == 1)
        #expect(rows.first?["median_time_spent_ms"] as? Double == 1000)
    }

    @Test(arguments: TestStores.backends)
    func importTRLAndHHIsAllOrNothing(dialect: SQLDialect) throws {
        let app = try AppFixture(dialect)
        let bad = """
            {"prompt": "P", "chosen": "yes", "rejected": "no"}
            {"prompt": "P", "chosen": "same", "rejected": "same"}
            {"chosen": 3, "rejected": "x"}

            """
        let refused = try app.call("POST", "/v1/preferences/import", as: "researcher", raw: Array(bad.utf8), headers: ["Content-Type": "application/jsonl"])
        #expect(refused.status == 422)
        #expect((refused.json["errors"] as? [[String: Any]])?.compactMap { $0["line"] as? Int } == [2, 3])
        #expect(try app.count("preferences") == 0)

        let good = """
            {"prompt": "What is 2+2?", "chosen": "4", "rejected": "5"}
            {"chosen": "\\n\\nHuman: Hi there\\n\\nAssistant: Hello! How can I help?", "rejected": "\\n\\nHuman: Hi there\\n\\nAssistant: Go away."}
            """
        let imported = try app.call("POST", "/v1/preferences/import?dataset=hh", as: "researcher", raw: Array(good.utf8), headers: ["Content-Type": "application/jsonl"])
        #expect(imported.status == 201)
        #expect(imported.json["imported"] as? Int == 2)
        let rows = lines(try app.call("GET", "/v1/preferences/export?dataset=hh", as: "ci"))
        #expect(rows.count == 2)
        #expect(rows.last?["prompt"] as? String == "\n\nHuman: Hi there\n\nAssistant: ")
        #expect(rows.last?["chosen"] as? String == "Hello! How can I help?")
        #expect(try app.call("POST", "/v1/preferences/import", as: "ann1", raw: Array(good.utf8), headers: ["Content-Type": "application/jsonl"]).status == 403)
    }
}
