import Foundation
import Storage
import Synchronization
import Testing
import TestSupport

/// Comparisons, the queue and preferences over real sockets, on both stores.
@Suite struct AnnotationFlowTests {
    func makeComparisons(_ app: AppFixture, count: Int, required: Int = 1, dataset: String = "d") throws -> [String] {
        let response = try app.call("POST", "/v1/comparisons", as: "researcher", json: ["items": (0..<count).map {
            ["prompt": "Question \($0)?", "response_a": "Answer A\($0)", "response_b": "Answer B\($0)",
             "judgements_required": required, "dataset": dataset, "model_a": "m1"] as [String: Any]
        }])
        #expect(response.status == 201)
        return (response.json["items"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
    }

    @Test(arguments: TestStores.backends)
    func queueLeasesJudgesAndNeverRepeats(dialect: SQLDialect) throws {
        let app = try AppFixture(dialect)
        let ids = try makeComparisons(app, count: 2, required: 2)
        let first = try app.call("GET", "/v1/queue/next", as: "ann1")
        #expect(first.status == 200)
        #expect(first.json["comparison_id"] as? String == ids[0])
        let shownFirst = try #require(first.json["shown_first"] as? String)
        #expect((first.json["first"] as? [String: Any])?["side"] as? String == shownFirst)
        let posted = try app.call("POST", "/v1/preferences", as: "ann1",
                                  json: ["comparison_id": ids[0], "choice": "b", "strength": 2, "time_spent_ms": 1200, "rationale": "clearer"])
        #expect(posted.status == 201)
        #expect(posted.json["annotator"] as? String == "ann1")
        #expect(posted.json["shown_first"] as? String == shownFirst)
        #expect(posted.json["prompt"] as? String == "Question 0?")
        // ann1 moves on to the second comparison, never back to the first.
        #expect(try app.call("GET", "/v1/queue/next", as: "ann1").json["comparison_id"] as? String == ids[1])
        #expect(try app.call("GET", "/v1/queue/next", as: "ann1").status == 204)
        // ann2 still gets the first: it needs two judgements.
        #expect(try app.call("GET", "/v1/queue/next", as: "ann2").json["comparison_id"] as? String == ids[0])
        let again = try app.call("POST", "/v1/preferences", as: "ann1", json: ["comparison_id": ids[0], "choice": "a"])
        #expect(again.status == 409)
        #expect(again.json["code"] as? String == "already_judged")
        #expect(again.json["field"] as? String == "comparison_id")
    }

    /// An expired lease returns the item to the queue; a lease held blocks others.
    @Test(arguments: TestStores.backends)
    func expiredLeaseReturnsTheItem(dialect: SQLDialect) throws {
        let app = try AppFixture(dialect)
        let ids = try makeComparisons(app, count: 1)
        #expect(try app.call("GET", "/v1/queue/next?lease_seconds=1", as: "ann1").json["comparison_id"] as? String == ids[0])
        #expect(try app.call("GET", "/v1/queue/next", as: "ann2").status == 204)
        #expect(try waitUntil(seconds: 10) { try app.call("GET", "/v1/queue/next", as: "ann2").status == 200 })
    }

    @Test(arguments: TestStores.backends)
    func judgementsBeyondTheRequiredCountAreRefused(dialect: SQLDialect) throws {
        let app = try AppFixture(dialect)
        let id = try makeComparisons(app, count: 1)[0]
        #expect(try app.call("POST", "/v1/preferences", as: "ann1", json: ["comparison_id": id, "choice": "a"]).status == 201)
        let late = try app.call("POST", "/v1/preferences", as: "ann2", json: ["comparison_id": id, "choice": "b"])
        #expect(late.status == 409)
        #expect(late.json["code"] as? String == "judgements_complete")
        #expect(try app.count("preferences") == 1)
    }

    /// Bad judgements name the field and write nothing, batches included.
    @Test(arguments: TestStores.backends)
    func badJudgementsWriteNothing(dialect: SQLDialect) throws {
        let app = try AppFixture(dialect)
        let id = try makeComparisons(app, count: 1)[0]
        let inline: [String: Any] = ["prompt": "p", "response_a": "x", "response_b": "y", "choice": "a"]
        let cases: [(body: Any, status: Int, code: String, field: String)] = [
            (["comparison_id": id, "choice": "c"], 422, "invalid_field", "choice"),
            (["comparison_id": id], 422, "invalid_field", "choice"),
            (["comparison_id": "cmp_nope", "choice": "a"], 422, "unknown_reference", "comparison_id"),
            (["comparison_id": id, "choice": "a", "strength": 4], 422, "invalid_field", "strength"),
            (["comparison_id": id, "choice": "a", "strength": "2"], 422, "invalid_field", "strength"),
            (["comparison_id": id, "choice": "a", "strength": true], 422, "invalid_field", "strength"),
            (["comparison_id": id, "choice": "a", "time_spent_ms": -1], 422, "invalid_field", "time_spent_ms"),
            (["comparison_id": id, "choice": "a", "colour": "red"], 422, "unknown_field", "colour"),
            (["comparison_id": id, "choice": "a", "annotator": "ann2"], 403, "forbidden", "annotator"),
            (["prompt": "p", "response_a": "x", "choice": "a"], 422, "invalid_field", "response_b"),
            (["items": [inline, inline.merging(["choice": "c"]) { $1 }]], 422, "invalid_field", "items[1].choice"),
            (["items": [["comparison_id": id, "choice": "a"], ["comparison_id": "cmp_nope", "choice": "a"]]], 422, "unknown_reference", "items[1].comparison_id"),
        ]
        for item in cases {
            let response = try app.call("POST", "/v1/preferences", as: "researcher", json: item.body)
            #expect(response.status == item.status, "\(item.body)")
            #expect(response.json["code"] as? String == item.code, "\(item.body)")
            #expect(response.json["field"] as? String == item.field, "\(item.body)")
        }
        #expect(try app.count("preferences") == 0)
        #expect(try app.call("GET", "/v1/comparisons/\(id)").json["id"] as? String == id)
        #expect(try app.call("GET", "/v1/queue/next", as: "ann1").json["comparison_id"] as? String == id)
    }

    /// Item 12: an annotator judges the comparisons it is given; it cannot create data in a dataset by posting an
    /// inline judgement, nor file a comparison's judgement under another dataset. Fails before the fix: both were 201
    /// and the annotator's "Berlin ≻ Paris" was in the researchers' `geo` export.
    @Test(arguments: TestStores.backends)
    func annotatorsJudgeOnlyTheComparisonsTheyAreGiven(dialect: SQLDialect) throws {
        let app = try AppFixture(dialect)
        let id = try makeComparisons(app, count: 1, dataset: "cities")[0]
        let inline: [String: Any] = ["prompt": "Capital of France?", "response_a": "Berlin", "response_b": "Paris", "choice": "a", "dataset": "geo"]
        let refused = try app.call("POST", "/v1/preferences", as: "ann1", json: inline)
        #expect(refused.status == 403)
        #expect(refused.json["code"] as? String == "forbidden")
        #expect(refused.json["field"] as? String == "comparison_id")
        let batch = try app.call("POST", "/v1/preferences", as: "ann1", json: ["items": [["comparison_id": id, "choice": "a"], inline]])
        #expect(batch.status == 403)
        #expect(batch.json["field"] as? String == "items[1].comparison_id")
        let relabelled = try app.call("POST", "/v1/preferences", as: "ann1", json: ["comparison_id": id, "choice": "a", "dataset": "geo"])
        #expect(relabelled.status == 403)
        #expect(relabelled.json["field"] as? String == "dataset")
        #expect(try app.count("preferences") == 0)
        #expect(try app.call("GET", "/v1/preferences/export?dataset=geo", as: "ci").body.isEmpty)

        // What annotators do: judge the comparison, which keeps its own dataset.
        let judged = try app.call("POST", "/v1/preferences", as: "ann1", json: ["comparison_id": id, "choice": "b"])
        #expect(judged.status == 201)
        #expect(judged.json["dataset"] as? String == "cities")
        // Researchers still post inline judgements into any dataset.
        let researcher = try app.call("POST", "/v1/preferences", as: "researcher", json: inline)
        #expect(researcher.status == 201)
        #expect(researcher.json["dataset"] as? String == "geo")
    }

    /// An annotator reads its own judgements only; researchers and CI read all, with filters.
    @Test(arguments: TestStores.backends)
    func annotatorsSeeOnlyTheirOwnJudgements(dialect: SQLDialect) throws {
        let app = try AppFixture(dialect)
        let id = try makeComparisons(app, count: 1, required: 2)[0]
        let mine = try app.call("POST", "/v1/preferences", as: "ann1", json: ["comparison_id": id, "choice": "a"])
        let theirs = try app.call("POST", "/v1/preferences", as: "ann2", json: ["comparison_id": id, "choice": "tie"])
        let theirID = try #require(theirs.json["id"] as? String)
        let own = try app.call("GET", "/v1/preferences", as: "ann1")
        #expect((own.json["items"] as? [[String: Any]])?.compactMap { $0["id"] as? String } == [mine.json["id"] as? String].compactMap { $0 })
        #expect(try app.call("GET", "/v1/preferences?annotator=ann2", as: "ann1").status == 403)
        #expect(try app.call("GET", "/v1/preferences/\(theirID)", as: "ann1").status == 404)
        #expect(try app.call("GET", "/v1/preferences/\(theirID)", as: "ci").status == 200)
        let ties = try app.call("GET", "/v1/preferences?choice=tie", as: "ci")
        #expect((ties.json["items"] as? [Any])?.count == 1)
        #expect(try app.call("GET", "/v1/preferences?choice=c", as: "ci").status == 400)
        let future = try app.call("GET", "/v1/preferences?since=2999-01-01T00:00:00Z", as: "ci")
        #expect((future.json["items"] as? [Any])?.count == 0)
    }

    /// 32 annotators drain one queue at once: leases are disjoint, nobody judges an item twice,
    /// and no comparison gets more than its required judgements.
    @Test(arguments: TestStores.backends)
    func thirtyTwoAnnotatorsDrainOneQueue(dialect: SQLDialect) throws {
        let app = try AppFixture(dialect)
        let ids = try makeComparisons(app, count: 24, required: 3)
        let tokens = try (0..<32).map { try app.token(name: "crowd\($0)", role: .annotator) }
        let judged = Mutex<[String: [String]]>([:])  // comparison → annotators
        let failures = Atomic<Int>(0)
        runOnThreads(32) { worker in
            do {
                let client = try app.client()
                let auth = ["Authorization": "Bearer \(tokens[worker])"]
                while true {
                    let lease = try client.request("GET", "/v1/queue/next", headers: auth)
                    if lease.status == 204 { break }
                    guard lease.status == 200, let id = lease.json["comparison_id"] as? String else { throw RawClient.ClientError("lease \(lease.status)") }
                    let body = Array(try JSONSerialization.data(withJSONObject: ["comparison_id": id, "choice": worker % 2 == 0 ? "a" : "b"]))
                    let posted = try client.request("POST", "/v1/preferences", headers: auth.merging(["Content-Type": "application/json"]) { $1 }, body: body)
                    guard posted.status == 201 else { throw RawClient.ClientError("post \(posted.status) \(posted.text)") }
                    judged.withLock { $0[id, default: []].append("crowd\(worker)") }
                }
            } catch {
                failures.add(1, ordering: .relaxed)
            }
        }
        #expect(failures.load(ordering: .relaxed) == 0)
        let result = judged.withLock { $0 }
        #expect(Set(result.keys) == Set(ids))
        for (_, annotators) in result {
            #expect(annotators.count == 3)
            #expect(Set(annotators).count == annotators.count)
        }
        #expect(try app.count("preferences") == 72)
    }
}
