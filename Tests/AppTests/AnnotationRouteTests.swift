import Foundation
import Storage
import Testing
import TestSupport

/// What the annotation page relies on beyond the queue: guidelines, per-dataset progress, undo, annotator κ.
@Suite struct AnnotationRouteTests {
    func comparisons(_ app: AppFixture, dataset: String, count: Int, required: Int = 2) throws -> [String] {
        let items = (0..<count).map { ["prompt": "Q\($0)", "response_a": "a\($0)", "response_b": "b\($0)", "judgements_required": required,
                                       "dataset": dataset] as [String: Any] }
        let created = try app.call("POST", "/v1/comparisons", as: "researcher", json: ["items": items])
        #expect(created.status == 201)
        return (created.json["items"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
    }

    @Test(arguments: TestStores.backends)
    func guidelinesAreSetByResearchersAndReadByAnnotators(dialect: SQLDialect) throws {
        let app = try AppFixture(dialect)
        #expect(try app.call("GET", "/v1/datasets/geo/guidelines", as: "ann1").status == 404)
        let markdown = "# Judge facts\n\n- prefer **correct** answers\n- `code` counts"
        #expect(try app.call("PUT", "/v1/datasets/geo/guidelines", as: "ann1", json: ["markdown": markdown]).status == 403)
        let saved = try app.call("PUT", "/v1/datasets/geo/guidelines", as: "researcher", json: ["markdown": markdown])
        #expect(saved.status == 200)
        let read = try app.call("GET", "/v1/datasets/geo/guidelines", as: "ann1")
        #expect(read.json["markdown"] as? String == markdown)
        #expect(read.json["updated_by"] as? String == "researcher")
        #expect(try app.call("PUT", "/v1/datasets/geo/guidelines", as: "researcher", json: ["markdown": 3]).status == 422)
        #expect(try app.call("PUT", "/v1/datasets/geo/guidelines", as: "researcher", json: ["text": "x"]).status == 422)
    }

    @Test(arguments: TestStores.backends)
    func datasetsShowProgressAndOnlyWhatAnAnnotatorMayJudge(dialect: SQLDialect) throws {
        let app = try AppFixture(dialect)
        let geo = try comparisons(app, dataset: "geo", count: 3, required: 1)
        _ = try comparisons(app, dataset: "math", count: 1, required: 1)
        #expect(try app.call("PUT", "/v1/datasets/geo/guidelines", as: "researcher", json: ["markdown": "Be fair."]).status == 200)
        // ann2 judges the only math comparison: math is then closed to ann1.
        let next = try app.call("GET", "/v1/queue/next?dataset=math", as: "ann2")
        #expect(try app.call("POST", "/v1/preferences", as: "ann2", json: ["comparison_id": next.json["comparison_id"] ?? "", "choice": "a"]).status == 201)
        #expect(try app.call("POST", "/v1/preferences", as: "ann1", json: ["comparison_id": geo[0], "choice": "b", "strength": 3,
                                                                           "rationale": "B cites a source."]).status == 201)
        let mine = try app.call("GET", "/v1/datasets", as: "ann1").json["items"] as? [[String: Any]] ?? []
        #expect(mine.count == 1)
        #expect(mine.first?["dataset"] as? String == "geo")
        #expect(mine.first?["remaining"] as? Int == 2)
        #expect(mine.first?["judged_by_me"] as? Int == 1)
        #expect(mine.first?["has_guidelines"] as? Bool == true)
        let all = try app.call("GET", "/v1/datasets", as: "researcher").json["items"] as? [[String: Any]] ?? []
        #expect(all.compactMap { $0["dataset"] as? String } == ["geo", "math"])
        #expect(all.first?["judgements_done"] as? Int == 1)
        #expect(all.first?["judgements_required"] as? Int == 3)
        #expect(all.last?["remaining"] as? Int == 0)
        #expect(all.first?["judged_by_me"] == nil)
        let stored = try app.call("GET", "/v1/preferences?comparison_id=\(geo[0])", as: "ann1").json["items"] as? [[String: Any]] ?? []
        #expect(stored.first?["strength"] as? Int == 3)
        #expect(stored.first?["rationale"] as? String == "B cites a source.")
    }

    @Test(arguments: TestStores.backends)
    func undoSupersedesAndTheLatestJudgementCounts(dialect: SQLDialect) throws {
        let app = try AppFixture(dialect)
        let id = try #require(try comparisons(app, dataset: "d", count: 1, required: 2).first)
        let first = try app.call("POST", "/v1/preferences", as: "ann1", json: ["comparison_id": id, "choice": "a"])
        #expect(try app.call("POST", "/v1/preferences", as: "ann2", json: ["comparison_id": id, "choice": "b"]).status == 201)
        let firstID = try #require(first.json["id"] as? String)
        #expect(try app.call("POST", "/v1/preferences/\(firstID)/undo", as: "ann2").status == 404)  // not ann2's
        let undone = try app.call("POST", "/v1/preferences/\(firstID)/undo", as: "ann1")
        #expect(undone.status == 201)
        #expect((undone.json["undo"] as? [String: Any])?["undoes"] as? String == firstID)
        #expect((undone.json["item"] as? [String: Any])?["comparison_id"] as? String == id)
        #expect(try app.call("POST", "/v1/preferences/\(firstID)/undo", as: "ann1").json["code"] as? String == "superseded")
        // The slot is free again: the annotator judges anew, and only that judgement counts.
        #expect(try app.app.database.read { try ComparisonRepository.judgementsDone(id: id, on: $0) } == 1)
        #expect(try app.call("POST", "/v1/preferences", as: "ann1", json: ["comparison_id": id, "choice": "b"]).status == 201)
        let agreement = try app.call("GET", "/v1/comparisons/\(id)/agreement", as: "researcher")
        #expect(agreement.json["votes"] as? [String: Int] == ["a": 0, "b": 2, "tie": 0, "skip": 0])
        let export = try app.call("GET", "/v1/preferences/export?dataset=d", as: "researcher").text
        #expect(export == #"{"prompt":"Q0","chosen":"b0","rejected":"a0"}"# + "\n")
        // The log keeps all four rows: two judgements of ann1, the undo between them, ann2's.
        let log = try app.call("GET", "/v1/preferences?comparison_id=\(id)", as: "researcher").json["items"] as? [[String: Any]] ?? []
        #expect(log.count == 4)
        let stats = try app.call("GET", "/v1/stats/annotators?dataset=d", as: "researcher").json["items"] as? [[String: Any]] ?? []
        #expect(stats.first { $0["annotator"] as? String == "ann1" }?["judgements"] as? Int == 2)
    }

    @Test(arguments: TestStores.backends)
    func agreementReportsEachAnnotatorAgainstTheOthers(dialect: SQLDialect) throws {
        let app = try AppFixture(dialect)
        let ids = try comparisons(app, dataset: "k", count: 4, required: 2)
        // With two annotators each one's "majority of the others" is the other: Cohen's κ between them.
        // ann1 a b a b, ann2 a b a a: agreement 3/4, chance ½·¾ + ½·¼ = ½, κ = (¾ − ½) / ½ = ½.
        let votes: [[String]] = [["a", "a"], ["b", "b"], ["a", "a"], ["b", "a"]]
        for (id, choices) in zip(ids, votes) {
            for (who, choice) in zip(["ann1", "ann2"], choices) {
                #expect(try app.call("POST", "/v1/preferences", as: who, json: ["comparison_id": id, "choice": choice]).status == 201)
            }
        }
        let report = try #require((try app.call("GET", "/v1/stats/agreement?dataset=k", as: "ci").json["items"] as? [[String: Any]])?.first)
        let annotators = report["annotators"] as? [[String: Any]] ?? []
        #expect(annotators.compactMap { $0["annotator"] as? String } == ["ann1", "ann2"])
        for annotator in annotators {
            #expect(annotator["items"] as? Int == 4)
            #expect(annotator["agreement"] as? Double == 0.75)
            #expect(annotator["kappa"] as? Double == 0.5)
        }
    }
}
