import Foundation
import Storage
import Testing
import TestSupport

/// Deleting datasets, runs and models over real sockets, on both stores: confirmation, conflicts that name
/// what is in the way, role checks, nothing half-deleted, and the audit entry written with each deletion.
@Suite struct LifecycleRouteTests {
    static var game: [String: Any] { [
        "algorithm": "nash_mp",
        "task": ["kind": "tabular", "preference_matrix": [[0.5, 0.9, 0.1], [0.1, 0.5, 0.9], [0.9, 0.1, 0.5]], "reference": [0.5, 0.3, 0.2]],
        "hyperparameters": ["beta": 0.1, "iterations": 5],
    ] }

    func count(_ app: AppFixture, _ sql: String, _ parameters: SQLValue...) throws -> Int {
        try app.app.database.read { try $0.query(sql, parameters)[0][0].int ?? -1 }
    }

    @Test(arguments: TestStores.backends)
    func deletingADatasetNeedsItsNameRepeatedAndRemovesItsJudgements(dialect: SQLDialect) throws {
        let app = try AppFixture(dialect)
        let created = try app.call("POST", "/v1/comparisons", as: "researcher", json: ["items": [
            ["prompt": "Q1", "response_a": "good", "response_b": "bad", "judgements_required": 2, "dataset": "geo"],
            ["prompt": "Q2", "response_a": "left", "response_b": "right", "judgements_required": 2, "dataset": "geo"],
            ["prompt": "Q3", "response_a": "up", "response_b": "down", "judgements_required": 2, "dataset": "keep"],
        ]])
        let ids = (created.json["items"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
        try #require(ids.count == 3)
        for id in ids {
            #expect(try app.call("POST", "/v1/preferences", as: "ann1", json: ["comparison_id": id, "choice": "a"]).status == 201)
        }
        #expect(try app.call("POST", "/v1/preferences", as: "researcher",
                             json: ["prompt": "P", "response_a": "x", "response_b": "y", "choice": "b", "dataset": "geo"]).status == 201)
        #expect(try app.call("PUT", "/v1/datasets/geo/guidelines", as: "researcher", json: ["markdown": "Prefer **true** answers."]).status == 200)

        for path in ["/v1/datasets/geo", "/v1/datasets/geo?confirm=ge", "/v1/datasets/geo?confirm="] {
            let refused = try app.call("DELETE", path)
            #expect(refused.status == 400 && refused.json["code"] as? String == "confirmation_required"
                    && refused.json["field"] as? String == "confirm", "\(path): \(refused)")
        }
        #expect(try app.call("DELETE", "/v1/datasets/geo?confirm=geo", as: "researcher").status == 403)
        #expect(try app.count("preferences") == 4, "nothing deleted yet")

        let deleted = try app.call("DELETE", "/v1/datasets/geo?confirm=geo")
        #expect(deleted.status == 200, "\(deleted)")
        let counts = try #require(deleted.json["deleted"] as? [String: Int])
        #expect(counts["comparisons"] == 2 && counts["preferences"] == 3, "\(counts)")
        #expect(try count(app, "SELECT count(*) FROM comparisons WHERE dataset = ?", .text("geo")) == 0)
        #expect(try count(app, "SELECT count(*) FROM preferences WHERE dataset = ?", .text("geo")) == 0)
        #expect(try app.call("GET", "/v1/datasets/geo/guidelines").status == 404, "its guidelines go with it")
        #expect(try count(app, "SELECT count(*) FROM comparisons WHERE dataset = ?", .text("keep")) == 1, "other datasets stay")
        #expect(try count(app, "SELECT count(*) FROM preferences WHERE dataset = ?", .text("keep")) == 1)
        #expect(try app.call("GET", "/v1/comparisons/\(ids[0])").status == 404)
        #expect(try app.call("DELETE", "/v1/datasets/geo?confirm=geo").status == 404)

        let audit = try app.call("GET", "/v1/audit?action=dataset.delete").json["items"] as? [[String: Any]] ?? []
        #expect(audit.count == 1 && audit.first?["target"] as? String == "geo" && audit.first?["id"] as? String == deleted.json["audit_id"] as? String)
        #expect(((audit.first?["detail"] as? [String: Any])?["deleted"] as? [String: Int])?["comparisons"] == 2)
    }

    @Test(arguments: TestStores.backends)
    func aFinishedRunIsDeletedWithItsMetricsByItsCreatorOrAnAdmin(dialect: SQLDialect) throws {
        let app = try AppFixture(dialect)
        let id = try #require(try app.call("POST", "/v1/runs", as: "researcher", json: Self.game).json["id"] as? String)
        #expect(try RunRouteTests.finished(app, id)["status"] as? String == "succeeded")
        #expect(try count(app, "SELECT count(*) FROM run_metrics WHERE run_id = ?", .text(id)) > 0)

        let other = try app.token(name: "dora", role: .researcher)
        let foreign = try app.client().request("DELETE", "/v1/runs/\(id)", headers: ["Authorization": "Bearer \(other)"])
        #expect(foreign.status == 403, "\(foreign)")
        #expect(try app.call("DELETE", "/v1/runs/\(id)", as: "ci").status == 403)
        let deleted = try app.call("DELETE", "/v1/runs/\(id)", as: "researcher")
        #expect(deleted.status == 200, "\(deleted)")
        #expect((deleted.json["deleted"] as? [String: Int])?["runs"] == 1)
        #expect(try app.call("GET", "/v1/runs/\(id)").status == 404)
        #expect(try count(app, "SELECT count(*) FROM run_metrics WHERE run_id = ?", .text(id)) == 0)
        #expect(try count(app, "SELECT count(*) FROM jobs WHERE id = ?", .text(id)) == 0)
        #expect(try app.call("DELETE", "/v1/runs/\(id)").status == 404)
        let audit = try app.call("GET", "/v1/audit?action=run.delete").json["items"] as? [[String: Any]] ?? []
        #expect(audit.first?["actor"] as? String == "researcher" && audit.first?["target"] as? String == id)
    }

    /// A run judged by people leaves batch rows that name it (a foreign key): deleting the finished run removes them
    /// too, where PostgreSQL would otherwise refuse the run's row. The comparisons people judged stay in their dataset.
    @Test(arguments: TestStores.backends)
    func aRunWithJudgeBatchesIsDeletedWhole(dialect: SQLDialect) throws {
        let app = try AppFixture(dialect)
        let id = try #require(try app.call("POST", "/v1/runs", as: "researcher", json: Self.game).json["id"] as? String)
        #expect(try RunRouteTests.finished(app, id)["status"] as? String == "succeeded")
        try app.app.database.write { connection in
            try RunJudgeBatchRepository.insert(RunJudgeBatch(id: "rjb_1", runID: id, digest: "d", dataset: "run:\(id)", pairs: 1,
                                                             judgementsRequired: 1, createdAt: Date(), deadline: Date()), on: connection)
        }
        let deleted = try app.call("DELETE", "/v1/runs/\(id)", as: "researcher")
        #expect(deleted.status == 200, "\(deleted)")
        #expect((deleted.json["deleted"] as? [String: Int])?["run_judge_batches"] == 1)
        #expect(try count(app, "SELECT count(*) FROM run_judge_batches WHERE run_id = ?", .text(id)) == 0)
        #expect(try app.call("GET", "/v1/runs/\(id)").status == 404)
    }

    /// Without run workers a run stays queued: it cannot be deleted until cancelled, and a model it names
    /// cannot be deleted until the run is gone.
    @Test(arguments: TestStores.backends)
    func activeRunsAndReferencedModelsAre409NamingWhatIsInTheWay(dialect: SQLDialect) throws {
        let app = try AppFixture(dialect) { $0.runWorkers = 0 }
        let model = try app.call("POST", "/v1/models", as: "researcher",
                                 json: ["name": "tiny", "architecture": ["layers": 1, "dim": 16, "heads": 2, "context": 128], "seed": 7])
        let modelID = try #require(model.json["id"] as? String)
        let run = try app.call("POST", "/v1/runs", as: "researcher", json: [
            "algorithm": "sft", "model": modelID, "task": ["kind": "text", "name": "arithmetic"], "hyperparameters": ["steps": 2],
        ])
        let runID = try #require(run.json["id"] as? String, "\(run)")

        let active = try app.call("DELETE", "/v1/runs/\(runID)")
        #expect(active.status == 409 && active.json["code"] as? String == "run_active", "\(active)")
        #expect((active.json["detail"] as? String)?.contains("cancel") == true)
        #expect(try app.call("DELETE", "/v1/models/\(modelID)", as: "researcher").status == 403, "models: admins only")
        let inUse = try app.call("DELETE", "/v1/models/\(modelID)")
        #expect(inUse.status == 409 && inUse.json["code"] as? String == "model_in_use", "\(inUse)")
        #expect((inUse.json["detail"] as? String)?.contains(runID) == true, "the conflict names the run")

        #expect(try app.call("POST", "/v1/runs/\(runID)/cancel", as: "researcher").status == 202)
        #expect(try waitUntil { try app.call("DELETE", "/v1/runs/\(runID)").status == 200 })
        let deleted = try app.call("DELETE", "/v1/models/\(modelID)")
        #expect(deleted.status == 200, "\(deleted)")
        #expect(try app.call("GET", "/v1/models/\(modelID)").status == 404)
        #expect(try app.count("model_checkpoints") == 0, "its checkpoint, used by no other model, goes with it")
        #expect(try app.call("DELETE", "/v1/models/\(modelID)").status == 404)
    }

    /// A dataset a run still going reads (its prompts, on a resume) or waits on (the pairs it asked people to
    /// judge) is 409 naming the run, and nothing is deleted; once the run has ended it goes.
    @Test(arguments: TestStores.backends)
    func aDatasetARunStillUsesIs409NamingTheRun(dialect: SQLDialect) throws {
        let app = try AppFixture(dialect) { $0.runWorkers = 0 }
        #expect(try app.call("POST", "/v1/prompts", as: "researcher", json: ["items": [["text": "1+1=", "dataset": "sums"]]]).status == 201)
        let model = try #require(try app.call("POST", "/v1/models", as: "researcher", json: [
            "name": "tiny", "architecture": ["layers": 1, "dim": 16, "heads": 2, "context": 32]]).json["id"] as? String)
        let run = try app.call("POST", "/v1/runs", as: "researcher", json: [
            "algorithm": "inpo", "model": model, "task": ["kind": "prompts", "dataset": "sums", "eval_fraction": 0], "judge": "human",
            "judge_options": ["dataset": "votes"],
            "hyperparameters": ["iterations": 1, "steps_per_iteration": 1, "prompts_per_iteration": 1, "samples_per_prompt": 2,
                                "max_new_tokens": 2, "eval_samples": 0],
        ])
        let runID = try #require(run.json["id"] as? String, "\(run)")
        // The pairs it posted for people (as a run waiting for them would have).
        try app.app.database.write { connection in
            _ = try ComparisonRepository.insert([NewComparison(promptText: "1+1=", responseA: "2", responseB: "3", dataset: "votes",
                                                               runID: runID, runBatch: "rjb_1")], on: connection)
        }
        for name in ["sums", "votes"] {
            let refused = try app.call("DELETE", "/v1/datasets/\(name)?confirm=\(name)")
            #expect(refused.status == 409 && refused.json["code"] as? String == "dataset_in_use", "\(name): \(refused)")
            #expect((refused.json["detail"] as? String)?.contains(runID) == true, "the conflict names the run")
        }
        #expect(try count(app, "SELECT count(*) FROM prompts WHERE dataset = ?", .text("sums")) == 1, "nothing deleted")
        #expect(try count(app, "SELECT count(*) FROM comparisons WHERE dataset = ?", .text("votes")) == 1)

        #expect(try app.call("POST", "/v1/runs/\(runID)/cancel", as: "researcher").status == 202)
        #expect(try waitUntil { try app.call("GET", "/v1/runs/\(runID)").json["status"] as? String == "cancelled" })
        #expect(try app.call("DELETE", "/v1/datasets/sums?confirm=sums").status == 200)
        #expect(try app.call("DELETE", "/v1/datasets/votes?confirm=votes").status == 200)
    }

    /// A run given `checkpoints.keep_last` keeps its newest checkpoints after it ends; deleting it removes them.
    @Test(arguments: TestStores.backends)
    func keepLastRetainsTheNewestCheckpointsUntilTheRunIsDeleted(dialect: SQLDialect) throws {
        let app = try AppFixture(dialect)
        let run = try app.call("POST", "/v1/runs", as: "researcher", json: [
            "algorithm": "sft", "task": ["kind": "text", "name": "arithmetic"], "checkpoints": ["keep_last": 2],
            "hyperparameters": ["steps": 4, "checkpoint_every": 1, "eval_samples": 0],
        ])
        let id = try #require(run.json["id"] as? String, "\(run)")
        let finished = try RunRouteTests.finished(app, id, seconds: 120)
        #expect(finished["status"] as? String == "succeeded")
        #expect((finished["checkpoints"] as? [String: Int])?["keep_last"] == 2, "the run shows its retention")
        let kept = try app.call("GET", "/v1/runs/\(id)/checkpoints", as: "ci").json["items"] as? [[String: Any]] ?? []
        #expect(kept.compactMap { $0["step"] as? Int } == [3, 4])
        #expect(kept.allSatisfy { ($0["bytes"] as? Int ?? 0) > 0 })
        let deleted = try app.call("DELETE", "/v1/runs/\(id)")
        #expect((deleted.json["deleted"] as? [String: Int])?["run_checkpoints"] == 2, "\(deleted)")
        #expect(try app.count("run_checkpoints") == 0)
    }

    @Test(arguments: TestStores.backends)
    func theAuditLogPagesAndFilters(dialect: SQLDialect) throws {
        let app = try AppFixture(dialect)
        let start = ISO8601Time.string(Date().addingTimeInterval(-1))
        for name in ["t1", "t2", "t3"] {
            #expect(try app.call("POST", "/v1/tokens", json: ["name": name, "role": "ci"]).status == 201)
        }
        let first = try app.call("GET", "/v1/audit?page_size=2&since=\(start)")
        #expect((first.json["items"] as? [Any])?.count == 2)
        let next = try #require(first.json["next_page_token"] as? String)
        let second = try app.call("GET", "/v1/audit?page_size=2&page_token=\(next)")
        #expect((second.json["items"] as? [Any])?.count == 1 && second.json["next_page_token"] == nil)
        #expect((try app.call("GET", "/v1/audit?until=\(start)").json["items"] as? [Any])?.count == 0)
        #expect((try app.call("GET", "/v1/audit?action=model.delete").json["items"] as? [Any])?.count == 0)
        for (query, field) in [("action=drop", "action"), ("since=yesterday", "since"), ("until=1", "until"), ("page_size=0", "page_size")] {
            let bad = try app.call("GET", "/v1/audit?\(query)")
            #expect(bad.status == 400 && bad.json["field"] as? String == field, "\(query): \(bad)")
        }
    }
}
