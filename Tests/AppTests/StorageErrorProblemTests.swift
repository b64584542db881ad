import Foundation
import Storage
import Testing
import TestSupport

/// Storage reports missing records and refused judgements in its own words (`MissingRecord`, `StateConflict`);
/// App names the request field. The problem documents are pinned whole, on both stores, so the mapping keeps every
/// status, code, field and detail clients see.
@Suite struct StorageErrorProblemTests {
    func problem(_ response: RawClient.Response) -> [String] {
        [String(response.status), response.json["code"] as? String ?? "-", response.json["field"] as? String ?? "-",
         response.json["detail"] as? String ?? "-"]
    }

    @Test(arguments: TestStores.backends)
    func missingRecordsNameTheFieldThatReferredToThem(dialect: SQLDialect) throws {
        let app = try AppFixture(dialect)
        let single = try app.call("POST", "/v1/preferences", as: "researcher", json: ["comparison_id": "cmp_nope", "choice": "a"])
        #expect(problem(single) == ["422", "unknown_reference", "comparison_id", "comparison_id refers to 'cmp_nope', which does not exist"])
        let prompt = try app.call("POST", "/v1/comparisons", as: "researcher", json: ["items": [
            ["prompt": "Q?", "response_a": "A", "response_b": "B"], ["prompt_id": "prm_nope", "response_a": "A", "response_b": "B"],
        ]])
        #expect(problem(prompt) == ["422", "unknown_reference", "items[1].prompt_id", "items[1].prompt_id refers to 'prm_nope', which does not exist"])
        let model = try app.call("POST", "/v1/models", as: "researcher", json: [
            "name": "orphan", "architecture": ["layers": 1, "dim": 16, "heads": 2, "context": 32], "parent_id": "mdl_nope",
        ])
        #expect(problem(model) == ["422", "unknown_reference", "parent_id", "parent_id refers to 'mdl_nope', which does not exist"])
        #expect(try app.count("comparisons") == 0)
        #expect(try app.count("models") == 0)
    }

    @Test(arguments: TestStores.backends)
    func refusedJudgementsNameTheirComparison(dialect: SQLDialect) throws {
        let app = try AppFixture(dialect)
        let created = try app.call("POST", "/v1/comparisons", as: "researcher",
                                   json: ["prompt": "Q?", "response_a": "A", "response_b": "B", "judgements_required": 1])
        let id = try #require(created.json["id"] as? String)
        #expect(try app.call("POST", "/v1/preferences", as: "ann1", json: ["comparison_id": id, "choice": "a"]).status == 201)
        let again = try app.call("POST", "/v1/preferences", as: "ann1", json: ["items": [["comparison_id": id, "choice": "skip"]]])
        #expect(problem(again) == ["409", "already_judged", "items[0].comparison_id", "ann1 has already judged \(id)"])
        let late = try app.call("POST", "/v1/preferences", as: "ann2", json: ["comparison_id": id, "choice": "b"])
        #expect(problem(late) == ["409", "judgements_complete", "comparison_id", "\(id) already has its 1 judgement(s)"])
    }
}
