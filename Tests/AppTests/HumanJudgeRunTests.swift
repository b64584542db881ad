import Foundation
import Storage
import Testing
import TestSupport

/// People as a run's judge, over real sockets on both stores: an online run posts each iteration's pairs to
/// the annotation queue, waits with its job parked, resumes when annotators have judged them (across a
/// server restart), and goes on at its deadline only with enough verdicts.
@Suite struct HumanJudgeRunTests {
    /// A small INPO run on the arithmetic task, judged by people: each iteration posts at most 2 pairs.
    static func run(model: String, iterations: Int, options: [String: Any]) -> [String: Any] {
        ["algorithm": "inpo", "model": model, "task": ["kind": "text", "name": "arithmetic"], "seed": 3, "judge": "human",
         "judge_options": options,
         "hyperparameters": ["iterations": iterations, "steps_per_iteration": 2, "prompts_per_iteration": 2, "samples_per_prompt": 2,
                             "batch_size": 2, "max_new_tokens": 3, "eval_samples": 0]]
    }

    static func model(_ app: AppFixture) throws -> String {
        let created = try app.call("POST", "/v1/models", as: "researcher", json: [
            "name": "tiny", "architecture": ["layers": 1, "dim": 16, "heads": 2, "context": 32],
        ])
        return try #require(created.json["id"] as? String, "\(created.text)")
    }

    /// The run once it is `waiting` for a batch other than `after`'s with its job parked (or finished), within the deadline.
    static func waiting(_ app: AppFixture, _ id: String, after batch: String? = nil, seconds: Double = 120) throws -> [String: Any] {
        var run: [String: Any] = [:]
        _ = try waitUntil(seconds: seconds) {
            run = try app.call("GET", "/v1/runs/\(id)", as: "ci").json
            let status = run["status"] as? String ?? ""
            if ["succeeded", "failed", "cancelled"].contains(status) { return true }
            guard status == "waiting", (run["waiting"] as? [String: Any])?["batch_id"] as? String != batch else { return false }
            return try parked(app, id)
        }
        return run
    }

    /// Whether the run's job is back in the queue, holding no lease: what a waiting run costs no worker.
    static func parked(_ app: AppFixture, _ id: String) throws -> Bool {
        let job = try app.app.database.read { try $0.query("SELECT status, lease_owner FROM jobs WHERE id = ?", .text(id)).first }
        return job?["status"].string == "queued" && job?["lease_owner"].isNull == true
    }

    /// `who` leases and judges every comparison the queue gives it (no dataset filter: the run's pairs
    /// come to annotators like any others); returns the comparison ids judged.
    @discardableResult
    static func judgeAll(_ app: AppFixture, as who: String, choice: String = "a", dataset: String? = nil, limit: Int = .max) throws -> [String] {
        var judged: [String] = []
        while judged.count < limit {
            let next = try app.call("GET", "/v1/queue/next" + (dataset.map { "?dataset=\($0)" } ?? ""), as: who)
            if next.status == 204 { break }
            #expect(next.status == 200, "\(next.text)")
            let id = try #require(next.json["comparison_id"] as? String)
            let posted = try app.call("POST", "/v1/preferences", as: who, json: ["comparison_id": id, "choice": choice])
            #expect(posted.status == 201, "\(posted.text)")
            judged.append(id)
        }
        return judged
    }

    @Test(arguments: TestStores.backends)
    func aRunWaitsForAnnotatorsAcrossARestartAndFinishes(dialect: SQLDialect) throws {
        let location = try TestStores.location(dialect)
        let id: String, firstBatch: String, required: Int
        do {
            let app = try AppFixture(dialect, location: location)
            let posted = try app.call("POST", "/v1/runs", as: "researcher",
                                      json: Self.run(model: try Self.model(app), iterations: 2, options: ["judgements_required": 2]))
            #expect(posted.status == 202, "\(posted.text)")
            id = try #require(posted.json["id"] as? String)
            let resolved = posted.json["judge_options"] as? [String: Any]
            #expect(resolved?["judgements_required"] as? Int == 2 && resolved?["timeout_seconds"] as? Int == 86_400
                    && resolved?["min_judged_fraction"] as? Double == 0.5, "defaults are shown as resolved: \(String(describing: resolved))")
            let run = try Self.waiting(app, id)
            #expect(run["status"] as? String == "waiting", "\(run)")
            let waiting = try #require(run["waiting"] as? [String: Any])
            firstBatch = try #require(waiting["batch_id"] as? String)
            required = waiting["required"] as? Int ?? 0
            #expect(required >= 1 && waiting["judged"] as? Int == 0 && waiting["judgements_required"] as? Int == 2)
            #expect(waiting["dataset"] as? String == "run:\(id)" && waiting["since"] is String && waiting["deadline"] is String)
            // Parked, not held: the job is back in the queue with no lease, runnable at the deadline.
            #expect(try Self.parked(app, id))
            #expect(try app.app.database.read { try RunRepository.checkpoint(runID: id, on: $0) }?.step == 0,
                    "the state before the first step is checkpointed")
            // The pairs are comparisons of the run's dataset, carrying its id.
            let comparisons = try app.call("GET", "/v1/comparisons?dataset=run:\(id)", as: "ci").json["items"] as? [[String: Any]] ?? []
            #expect(comparisons.count == required && comparisons.allSatisfy { $0["run_id"] as? String == id })
            // One annotator judges one pair before the server goes down.
            let before = try Self.judgeAll(app, as: "ann1", limit: 1)
            #expect(before.count == 1)
        }
        // A new server on the same store: the run still waits for the same batch, the judgement is still there.
        let app = try AppFixture(dialect, location: location)
        let again = try app.call("GET", "/v1/runs/\(id)", as: "ci").json
        let kept = try #require(again["waiting"] as? [String: Any], "\(again)")
        #expect(again["status"] as? String == "waiting" && kept["batch_id"] as? String == firstBatch)
        #expect(kept["with_verdict"] as? Int == 1, "the judgement made before the restart counts")
        #expect(try Self.judgeAll(app, as: "ann1").count == required - 1)
        #expect(try Self.judgeAll(app, as: "ann2").count == required, "both annotators are given every pair")
        // All judged: the run resumes at once (its job was woken), trains iteration 1 and posts iteration 2's pairs.
        let second = try Self.waiting(app, id, after: firstBatch, seconds: 60)
        #expect(second["status"] as? String == "waiting", "\(second)")
        #expect(((second["progress"] as? [String: Any])?["step"] as? Int ?? 0) == 2, "iteration 1's two steps are done")
        try Self.judgeAll(app, as: "ann1", choice: "b")
        try Self.judgeAll(app, as: "ann2", choice: "tie")
        let done = try RunRouteTests.finished(app, id, seconds: 120)
        #expect(done["status"] as? String == "succeeded", "\(done)")
        #expect(done["waiting"] == nil && done["output_model_id"] is String)
        let iterations = try app.call("GET", "/v1/runs/\(id)/metrics?key=iteration", as: "ci").json["items"] as? [[String: Any]] ?? []
        #expect(iterations.compactMap { $0["value"] as? Double } == [1, 1, 2, 2])
    }

    @Test(arguments: TestStores.backends)
    func atItsDeadlineARunFailsOnTooFewVerdictsAndGoesOnWithEnough(dialect: SQLDialect) throws {
        let app = try AppFixture(dialect)
        let model = try Self.model(app)
        // Nobody judges: at the deadline the run fails, naming its judge.
        let lonely = try #require(try app.call("POST", "/v1/runs", as: "researcher",
                                               json: Self.run(model: model, iterations: 1, options: ["timeout_seconds": 1, "dataset": "lonely"]))
            .json["id"] as? String)
        let failed = try RunRouteTests.finished(app, lonely, seconds: 120)
        #expect(failed["status"] as? String == "failed")
        let error = failed["error"] as? String ?? ""
        #expect(error.contains("judge 'human'") && error.contains("min_judged_fraction"), "\(error)")

        // One judgement of the two each pair needs: not complete, but every pair has a verdict, so at the
        // deadline the run goes on with what it has. (The deadline is brought forward in the store once the
        // pairs are judged, so no timing decides whether the judgements beat it.)
        let patient = try #require(try app.call("POST", "/v1/runs", as: "researcher", json: Self.run(
            model: model, iterations: 1, options: ["judgements_required": 2, "dataset": "patient"])).json["id"] as? String)
        let waiting = try Self.waiting(app, patient)
        #expect(waiting["status"] as? String == "waiting", "\(waiting)")
        let pairs = (waiting["waiting"] as? [String: Any])?["required"] as? Int ?? 0
        #expect(try Self.judgeAll(app, as: "ann1", dataset: "patient").count == pairs)
        #expect(try app.call("GET", "/v1/runs/\(patient)", as: "ci").json["status"] as? String == "waiting", "not complete: still waiting")
        try app.app.database.write { connection in
            try connection.query("UPDATE run_judge_batches SET deadline = 0 WHERE run_id = ?", .text(patient))
            try connection.query("UPDATE jobs SET run_after = 0 WHERE id = ?", .text(patient))
        }
        let finished = try RunRouteTests.finished(app, patient, seconds: 120)
        #expect(finished["status"] as? String == "succeeded", "\(finished)")
    }

    /// SPPO (K samples judged pairwise) and Nash-MD (a batch per step, against its mixture opponent) judged by
    /// one annotator who works the queue whenever the run waits.
    @Test(arguments: ["sppo", "nash_md"])
    func otherOnlineAlgorithmsWaitForPeopleToo(algorithm: String) throws {
        let app = try AppFixture(.sqlite)
        var body = Self.run(model: try Self.model(app), iterations: 1, options: [:])
        body["algorithm"] = algorithm
        body["hyperparameters"] = algorithm == "sppo"
            ? ["iterations": 1, "steps_per_iteration": 2, "prompts_per_iteration": 2, "samples_per_prompt": 3, "batch_size": 2,
               "max_new_tokens": 3, "eval_samples": 0]
            : ["iterations": 1, "steps_per_iteration": 2, "batch_size": 2, "max_new_tokens": 3, "eval_samples": 0]
        let id = try #require(try app.call("POST", "/v1/runs", as: "researcher", json: body).json["id"] as? String)
        var batches = Set<String>()
        var run: [String: Any] = [:]
        for _ in 0..<4 {
            run = try Self.waiting(app, id, after: batches.sorted().last)
            guard run["status"] as? String == "waiting", let batch = (run["waiting"] as? [String: Any])?["batch_id"] as? String else { break }
            batches.insert(batch)
            try Self.judgeAll(app, as: "ann1", dataset: "run:\(id)")
        }
        #expect(run["status"] as? String == "succeeded", "\(run)")
        #expect(batches.count == (algorithm == "sppo" ? 1 : 2), "one batch per iteration (SPPO), per step (Nash-MD)")
    }

    @Test(arguments: TestStores.backends)
    func aWaitingRunIsCancelledAtOnceAndListedAsWaiting(dialect: SQLDialect) throws {
        let app = try AppFixture(dialect)
        let id = try #require(try app.call("POST", "/v1/runs", as: "researcher",
                                           json: Self.run(model: try Self.model(app), iterations: 1, options: [:])).json["id"] as? String)
        #expect(try Self.waiting(app, id)["status"] as? String == "waiting")
        let listed = try app.call("GET", "/v1/runs?status=waiting", as: "ci").json["items"] as? [[String: Any]] ?? []
        #expect(listed.map { $0["id"] as? String } == [id] && listed.first?["waiting"] is [String: Any])
        // Its pool reports the job parked, not released by a stopping worker.
        // (The event is counted just after the park commits, so it is awaited.)
        var metrics = ""
        let counted = try waitUntil(seconds: 30) {
            metrics = try app.call("GET", "/metrics", as: nil).text
            return metrics.contains("preflab_jobs_total{kind=\"run\",outcome=\"parked\"} 1")
        }
        #expect(counted, "\(metrics)")
        #expect(metrics.contains("preflab_jobs_total{kind=\"run\",outcome=\"released\"} 0"))
        // Its job is parked in the queue, so the cancel ends it now rather than at a worker's next step.
        let cancel = try app.call("POST", "/v1/runs/\(id)/cancel", as: "researcher")
        #expect(cancel.status == 202 && cancel.json["status"] as? String == "cancelled", "\(cancel.text)")
        #expect(try app.call("GET", "/v1/runs/\(id)", as: "ci").json["waiting"] == nil)
        // Its pairs leave the queue: nobody would read their verdicts.
        #expect(try app.call("GET", "/v1/queue/next", as: "ann1").status == 204)
        let progress = try app.call("GET", "/v1/datasets", as: "researcher").json["items"] as? [[String: Any]] ?? []
        #expect(!progress.isEmpty && progress.allSatisfy { $0["remaining"] as? Int == 0 }, "\(progress)")
    }

    @Test(arguments: TestStores.backends)
    func humanJudgeOptionsAreValidatedAtPost(dialect: SQLDialect) throws {
        let app = try AppFixture(dialect)
        let model = try Self.model(app)
        func refused(_ body: [String: Any]) throws -> (Int, String?) {
            let response = try app.call("POST", "/v1/runs", as: "researcher", json: body)
            return (response.status, response.json["field"] as? String)
        }
        var body = Self.run(model: model, iterations: 1, options: [:])
        for (options, field) in [(["timeout_seconds": 0], "judge_options.timeout_seconds"),
                                 (["judgements_required": 101], "judge_options.judgements_required"),
                                 (["min_judged_fraction": 0], "judge_options.min_judged_fraction"),
                                 (["protocol": "reward"], "judge_options.protocol")] as [([String: Any], String)] {
            body["judge_options"] = options
            #expect(try refused(body) == (422, field), "\(options)")
        }
        body["judge_options"] = nil
        body["algorithm"] = "rloo"
        body["hyperparameters"] = ["max_new_tokens": 3]
        #expect(try refused(body) == (422, "judge"), "a reward-driven run cannot be judged pairwise by people")
        #expect(try app.count("runs") == 0)
    }
}
