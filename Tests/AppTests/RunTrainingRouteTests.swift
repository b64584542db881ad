import Foundation
import Storage
import Testing
import TestSupport

/// Transformer runs over the API: SFT on a built-in task, preference optimisation from it, offline DPO
/// on stored human preferences, validation before anything is stored, and cancelling a running run.
@Suite struct RunTrainingRouteTests {
    static var arithmetic: [String: Any] { ["kind": "text", "name": "arithmetic"] }

    func post(_ app: AppFixture, _ body: [String: Any]) throws -> String {
        let response = try app.call("POST", "/v1/runs", as: "researcher", json: body)
        #expect(response.status == 202, "\(response.text)")
        return try #require(response.json["id"] as? String)
    }

    @Test(arguments: TestStores.backends)
    func sftThenDPOOnATaskStoresTrainedPolicies(dialect: SQLDialect) throws {
        let app = try AppFixture(dialect)
        let sft = try post(app, ["name": "ref", "algorithm": "sft", "task": Self.arithmetic, "seed": 1,
                                 "hyperparameters": ["steps": 30, "eval_samples": 0]])
        let sftRun = try RunRouteTests.finished(app, sft, seconds: 120)
        #expect(sftRun["status"] as? String == "succeeded", "\(sftRun)")
        let reference = try #require(sftRun["output_model_id"] as? String)
        let model = try app.call("GET", "/v1/models/\(reference)", as: "ci").json
        #expect(model["source"] as? String == "trained")
        #expect(model["run_id"] as? String == sft)
        #expect(model["name"] as? String == "ref")

        let dpo = try post(app, ["algorithm": "dpo", "model": reference, "task": Self.arithmetic, "seed": 2,
                                 "hyperparameters": ["beta": 0.1, "steps": 6, "eval_samples": 4, "checkpoint_every": 3]])
        let dpoRun = try RunRouteTests.finished(app, dpo, seconds: 120)
        #expect(dpoRun["status"] as? String == "succeeded", "\(dpoRun)")
        #expect(dpoRun["reference_id"] as? String == reference, "the reference defaults to the starting policy")
        let result = try #require(dpoRun["result"] as? [String: Any])
        #expect(result["eval/win_rate"] is Double)
        // The end-of-run evaluation is the evaluations API's, and says how its interval was computed as an evaluation does.
        #expect(result["eval/interval_method"] as? String == "expanded percentile bootstrap over prompts, B=2000, 95%")
        let low = try #require(result["eval/win_rate_low"] as? Double), high = try #require(result["eval/win_rate_high"] as? Double)
        #expect(low <= (result["eval/win_rate"] as? Double ?? -1) && (result["eval/win_rate"] as? Double ?? 2) <= high)
        let trained = try #require(result["model_id"] as? String)
        #expect(try app.call("GET", "/v1/models/\(trained)", as: "ci").json["parent_id"] as? String == reference)
        let loss = try app.call("GET", "/v1/runs/\(dpo)/metrics?key=loss", as: "ci").json["items"] as? [[String: Any]] ?? []
        #expect(loss.compactMap { $0["step"] as? Int } == Array(1...6))
        for key in ["rewards/chosen", "rewards/rejected", "rewards/margins", "rewards/accuracies", "logps/chosen", "logps/rejected",
                    "grad_norm", "learning_rate"] {
            let items = try app.call("GET", "/v1/runs/\(dpo)/metrics?key=\(key)", as: "ci").json["items"] as? [Any] ?? []
            #expect(items.count == 6, "metric \(key)")
        }
        #expect(try app.count("run_checkpoints") == 0, "a finished run keeps no checkpoint")
    }

    @Test(arguments: TestStores.backends)
    func offlineDPOLearnsFromStoredPreferences(dialect: SQLDialect) throws {
        let app = try AppFixture(dialect)
        let base = try post(app, ["algorithm": "sft", "task": Self.arithmetic, "hyperparameters": ["steps": 2, "eval_samples": 0]])
        let policy = try #require(try RunRouteTests.finished(app, base, seconds: 120)["output_model_id"] as? String)
        for (a, b, choice) in [("2+2=", "4", "a"), ("3+1=", "5", "b"), ("1+1=", "2", "a"), ("5+2=", "9", "tie")] {
            let response = try app.call("POST", "/v1/preferences", as: "researcher", json: [
                "prompt": a, "response_a": b, "response_b": choice == "b" ? "4" : "7", "choice": choice, "dataset": "math",
            ])
            #expect(response.status == 201)
        }
        let run = try post(app, ["algorithm": "dpo", "model": policy, "dataset": ["dataset": "math"], "judge": "preferences",
                                 "hyperparameters": ["steps": 4, "batch_size": 3, "eval_samples": 0]])
        let finished = try RunRouteTests.finished(app, run, seconds: 120)
        #expect(finished["status"] as? String == "succeeded", "\(finished)")
        #expect((finished["dataset"] as? [String: Any])?["until"] is String, "the data a run sees is fixed when it is posted")

        let empty = try post(app, ["algorithm": "dpo", "model": policy, "dataset": ["dataset": "nothing-here"]])
        let failed = try RunRouteTests.finished(app, empty, seconds: 60)
        #expect(failed["status"] as? String == "failed")
        #expect((failed["error"] as? String)?.contains("dataset") == true)
    }

    @Test(arguments: TestStores.backends)
    func invalidTransformerRunsAreRefusedUpFront(dialect: SQLDialect) throws {
        let app = try AppFixture(dialect)
        let created = try app.call("POST", "/v1/models", as: "researcher", json: [
            "name": "p", "architecture": ["layers": 1, "dim": 16, "heads": 2, "context": 32],
        ])
        let model = try #require(created.json["id"] as? String)
        let critic = try #require(try app.call("POST", "/v1/models", as: "researcher", json: [
            "name": "c", "kind": "critic", "architecture": ["layers": 1, "dim": 16, "heads": 2, "context": 32],
        ]).json["id"] as? String)
        func refused(_ body: [String: Any]) throws -> (Int, String?) {
            let response = try app.call("POST", "/v1/runs", as: "researcher", json: body)
            return (response.status, response.json["field"] as? String)
        }
        #expect(try refused(["algorithm": "inpo", "model": model, "task": ["kind": "text", "name": "poetry"]]) == (422, "task.name"))
        #expect(try refused(["algorithm": "sppo", "model": model, "dataset": ["dataset": "d"]]) == (422, "task"))
        #expect(try refused(["algorithm": "dpo", "task": Self.arithmetic]) == (422, "model"))
        #expect(try refused(["algorithm": "dpo", "model": "mdl_nope", "task": Self.arithmetic]) == (422, "model"))
        #expect(try refused(["algorithm": "dpo", "model": critic, "task": Self.arithmetic]) == (422, "model"))
        #expect(try refused(["algorithm": "dpo", "model": model, "task": Self.arithmetic, "hyperparameters": ["beta": 0]])
            == (422, "hyperparameters.beta"))
        #expect(try refused(["algorithm": "nash_mp", "model": model, "task": Self.arithmetic, "hyperparameters": ["beta": "lots"]])
            == (422, "hyperparameters.beta"))
        #expect(try refused(["algorithm": "inpo", "model": model, "task": Self.arithmetic, "judge": "http://judge.example/score"])
            == (422, "judge"))
        #expect(try refused(["algorithm": "inpo", "model": model, "task": Self.arithmetic, "judge": "oracle:styles"]) == (422, "judge"))
        #expect(try refused(["algorithm": "dpo", "model": model, "task": Self.arithmetic, "dataset": ["dataset": "d"]]) == (422, "dataset"))
        #expect(try refused(["algorithm": "dpo", "model": model, "dataset": ["since": "yesterday"]]) == (422, "dataset.since"))
        #expect(try refused(["algorithm": "sft", "task": Self.arithmetic, "reference": model]) == (422, "reference"))
        // Sizes that would exhaust memory are refused, not attempted.
        #expect(try refused(["algorithm": "sft", "task": Self.arithmetic, "hyperparameters": ["batch_size": 100_000]])
            == (422, "hyperparameters.batch_size"))
        #expect(try refused(["algorithm": "sppo", "model": model, "task": Self.arithmetic, "hyperparameters": ["samples_per_prompt": 1000]])
            == (422, "hyperparameters.samples_per_prompt"))
        // A policy too short for the task's prompts and responses is refused before it is queued.
        let short = try #require(try app.call("POST", "/v1/models", as: "researcher", json: [
            "name": "short", "architecture": ["layers": 1, "dim": 16, "heads": 2, "context": 8],
        ]).json["id"] as? String)
        #expect(try refused(["algorithm": "dpo", "model": short, "task": Self.arithmetic]) == (422, "model"))
        #expect(try refused(["algorithm": "inpo", "model": model, "task": Self.arithmetic, "hyperparameters": ["max_new_tokens": 40]])
            == (422, "model"))
        #expect(try app.count("runs") == 0)
        // A JSON null is an absent field.
        let nulls = try app.call("POST", "/v1/runs", as: "researcher", json: [
            "algorithm": "nash_mp", "task": RunRouteTests.tabular, "model": NSNull(), "dataset": NSNull(),
            "hyperparameters": ["beta": 0.1, "eta": NSNull()], "name": NSNull(),
        ])
        #expect(nulls.status == 202, "\(nulls.text)")
        let warned = try app.call("POST", "/v1/runs", as: "researcher", json: [
            "algorithm": "nash_mp", "model": model, "task": Self.arithmetic, "hyperparameters": ["eta": 3],
        ])
        #expect(warned.status == 202)
        #expect((warned.json["warnings"] as? [String])?.isEmpty == false)
    }

    @Test(arguments: TestStores.backends)
    func cancellingARunningRunStopsItAndStoresNoPolicy(dialect: SQLDialect) throws {
        let app = try AppFixture(dialect)
        let id = try post(app, ["algorithm": "sft", "task": Self.arithmetic, "hyperparameters": ["steps": 100_000, "eval_samples": 0]])
        #expect(try waitUntil(seconds: 60) {
            ((try app.call("GET", "/v1/runs/\(id)", as: "ci").json["progress"] as? [String: Any])?["step"] as? Int ?? 0) >= 2
        })
        let cancel = try app.call("POST", "/v1/runs/\(id)/cancel", as: "researcher")
        #expect(cancel.status == 202)
        let run = try RunRouteTests.finished(app, id, seconds: 30)
        #expect(run["status"] as? String == "cancelled")
        #expect(run["output_model_id"] == nil)
        #expect(try app.count("models") == 0)
        #expect(try app.call("POST", "/v1/runs/\(id)/cancel", as: "researcher").status == 409)
    }
}
