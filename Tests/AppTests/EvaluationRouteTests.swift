import Foundation
import Storage
import Testing
import TestSupport

/// `/v1/evaluations` over real sockets: a `ci` token evaluates, the job runs in the server's pool.
@Suite struct EvaluationRouteTests {
    static var tiny: [String: Any] { ["layers": 1, "dim": 32, "heads": 2, "context": 48] }

    func model(_ app: AppFixture, seed: Int) throws -> String {
        let created = try app.call("POST", "/v1/models", as: "researcher", json: ["name": "m\(seed)", "architecture": Self.tiny, "seed": seed])
        return try #require(created.json["id"] as? String, "\(created)")
    }

    func finished(_ app: AppFixture, _ location: String) throws -> [String: Any] {
        var body: [String: Any] = [:]
        let done = try waitUntil(seconds: 60) {
            body = try app.call("GET", location, as: "ci").json
            return ["succeeded", "failed", "cancelled"].contains(body["status"] as? String ?? "")
        }
        #expect(done, "\(body)")
        return body
    }

    @Test(arguments: TestStores.backends)
    func aModelAgainstItselfIsEvenAndRowsDownload(dialect: SQLDialect) throws {
        let app = try AppFixture(dialect)
        let id = try model(app, seed: 1)
        let posted = try app.call("POST", "/v1/evaluations", as: "ci", json: [
            "model": id, "baseline": id, "task": ["kind": "text", "name": "arithmetic"], "samples_per_prompt": 2, "seed": 5,
        ])
        #expect(posted.status == 202, "\(posted)")
        let location = try #require(posted.header("location"))
        #expect(posted.json["judge"] as? String == "oracle:arithmetic")
        let spec = try #require(posted.json["spec"] as? [String: Any])
        #expect((spec["generation"] as? [String: Any])?["max_new_tokens"] as? Int == 4, "the task's sampling is the default")

        let body = try finished(app, location)
        #expect(body["status"] as? String == "succeeded", "\(body)")
        let result = try #require(body["result"] as? [String: Any])
        let low = try #require(result["win_rate_low"] as? Double), high = try #require(result["win_rate_high"] as? Double)
        #expect(low <= 0.5 && 0.5 <= high)
        #expect(result["kl"] as? Double == 0)
        #expect((result["interval"] as? String)?.contains("bootstrap over prompts") == true)
        let prompts = try #require(result["prompts"] as? Int)
        #expect((body["progress"] as? [String: Any])?["prompts"] as? Int == prompts)

        let rows = try app.call("GET", location + "/rows", as: "ci")
        #expect(rows.status == 200 && rows.header("content-type") == "application/jsonl")
        let lines = rows.text.split(separator: "\n")
        #expect(lines.count == prompts)
        let first = try #require(try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any])
        #expect((first["model_responses"] as? [String])?.count == 2 && (first["probabilities"] as? [Double])?.count == 2)

        let listed = try app.call("GET", "/v1/evaluations?model=\(id)&task=arithmetic", as: "ci")
        #expect((listed.json["items"] as? [[String: Any]])?.count == 1)
        #expect((try app.call("GET", "/v1/evaluations?model=nope", as: "ci").json["items"] as? [Any])?.isEmpty == true)
    }

    /// A stored reward model judges: the result carries each side's mean reward.
    @Test func aRewardModelJudges() throws {
        let app = try AppFixture(.sqlite)
        let id = try model(app, seed: 4)
        let created = try app.call("POST", "/v1/models", as: "researcher",
                                   json: ["name": "rm", "kind": "reward_model", "architecture": Self.tiny, "seed": 5])
        let judge = try #require(created.json["id"] as? String, "\(created)")
        let posted = try app.call("POST", "/v1/evaluations", as: "ci", json: [
            "model": id, "baseline": id, "task": ["kind": "text", "name": "arithmetic"], "judge": "reward_model:\(judge)",
            "samples_per_prompt": 2,
        ])
        #expect(posted.status == 202, "\(posted)")
        let body = try finished(app, try #require(posted.header("location")))
        #expect(body["status"] as? String == "succeeded", "\(body)")
        let result = try #require(body["result"] as? [String: Any])
        #expect(result["model_mean_reward"] is Double && result["baseline_mean_reward"] is Double)
        let wrong = try app.call("POST", "/v1/evaluations", as: "ci", json: [
            "model": id, "baseline": id, "task": ["kind": "text", "name": "arithmetic"], "judge": "preference_model:\(judge)",
        ])
        #expect(wrong.status == 422 && wrong.json["field"] as? String == "judge", "\(wrong)")
    }

    /// Prompts × samples is bounded: every sample of an evaluation is held in memory and stored as rows.
    @Test func anEvaluationTooLargeToHoldIsRefused() throws {
        let app = try AppFixture(.sqlite)
        let id = try model(app, seed: 6)
        let lines = (0..<1600).map { #"{"text": "p\#($0)", "dataset": "big"}"# }.joined(separator: "\n")
        let imported = try app.call("POST", "/v1/prompts/import", as: "researcher", raw: Array(lines.utf8),
                                    headers: ["Content-Type": "application/jsonl"])
        #expect(imported.status == 201, "\(imported)")
        let body: [String: Any] = ["model": id, "baseline": id, "task": ["kind": "prompts", "dataset": "big"],
                                   "judge": "http://127.0.0.1:9/r", "samples_per_prompt": 64, "generation": ["max_new_tokens": 8]]
        let refused = try app.call("POST", "/v1/evaluations", as: "ci", json: body)
        #expect(refused.status == 422 && refused.json["field"] as? String == "samples_per_prompt", "\(refused)")
        var smaller = body
        smaller["samples_per_prompt"] = 62
        #expect(try app.call("POST", "/v1/evaluations", as: "ci", json: smaller).status == 202)
    }

    @Test func ciEvaluatesButCannotTrainOrStoreModels() throws {
        let app = try AppFixture(.sqlite)
        #expect(try app.call("POST", "/v1/models", as: "ci", json: ["name": "x", "architecture": Self.tiny]).status == 403)
        #expect(try app.call("POST", "/v1/runs", as: "ci", json: ["algorithm": "sft", "task": ["kind": "text", "name": "arithmetic"]]).status == 403)
        #expect(try app.call("POST", "/v1/evaluations", as: "ann1", json: [:]).status == 403)
        #expect(try app.call("GET", "/v1/evaluations", as: "ci").status == 200)
    }

    @Test func badRequestsNameTheField() throws {
        let app = try AppFixture(.sqlite)
        let id = try model(app, seed: 2)
        let task: [String: Any] = ["kind": "text", "name": "arithmetic"]
        let cases: [([String: Any], String)] = [
            (["baseline": id, "task": task], "model"),
            (["model": id, "baseline": id, "task": task, "samples": 3], "samples"),
            (["model": id, "baseline": id, "task": ["kind": "text", "name": "chess"]], "task.name"),
            (["model": id, "baseline": id, "task": task, "judge": "oracle:styles"], "judge"),
            (["model": id, "baseline": id, "task": task, "judge": "gpt-4"], "judge"),
            (["model": id, "baseline": id, "task": task, "judge": "http://[x/get_reward"], "judge"),
            (["model": id, "baseline": id, "task": task, "samples_per_prompt": 0], "samples_per_prompt"),
            (["model": id, "baseline": id, "task": task, "generation": ["top_p": 0]], "generation.top_p"),
            (["model": id, "baseline": id, "task": task, "judge": "http://127.0.0.1:9/r", "judge_options": ["protocol": "pairwize"]], "judge_options.protocol"),
            (["model": id, "baseline": id, "task": task, "judge": "http://127.0.0.1:9/r", "judge_options": ["retries": 2]], "judge_options.retries"),
            (["model": id, "baseline": "mdl_missing", "task": task], "baseline"),
            (["model": id, "baseline": id, "task": ["kind": "prompts", "dataset": "none"], "judge": "http://127.0.0.1:9/r"], "task.dataset"),
            (["model": id, "baseline": id, "task": ["kind": "prompts", "dataset": "none"]], "judge"),
            (["model": id, "baseline": id, "task": task, "generation": ["max_new_tokens": 1000]], "model"),
        ]
        for (body, field) in cases {
            let response = try app.call("POST", "/v1/evaluations", as: "ci", json: body)
            #expect(response.status == 422, "\(body): \(response)")
            #expect(response.json["field"] as? String == field, "\(body): \(response)")
        }
        #expect(try app.count("evaluations") == 0 && app.count("jobs") == 0)
    }
}
