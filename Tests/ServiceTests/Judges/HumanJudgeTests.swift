import Foundation
import Jobs
@testable import Service
import Storage
import Testing
import TestSupport

/// `judge: "human"` against the store: a batch posted once, verdicts by majority, the deadline's rules, and
/// a completing judgement that wakes the parked run and is announced.
@Suite struct HumanJudgeTests {
    static let game = #"{"algorithm": "nash_mp", "task": {"kind": "tabular", "preference_matrix": [[0.5, 0.9], [0.1, 0.5]], "reference": [0.5, 0.5]}, "hyperparameters": {"beta": 0.1}}"#

    /// A store with one running run to hang batches on.
    func store(_ dialect: SQLDialect) throws -> (Database, String) {
        let database = try TestStores.open(dialect)
        let spec = try RunSpec.decode(Array(Self.game.utf8))
        let run = try database.write { connection in
            let run = try RunExecutor.submit(spec, createdBy: "r", on: connection)
            try RunRepository.markRunning(id: run.id, on: connection)
            return run
        }
        return (database, run.id)
    }

    func vote(_ database: Database, _ votes: [(String, String, Choice)]) throws {
        for (comparison, annotator, choice) in votes {
            try database.write { connection in
                let created = try PreferenceRepository.insert([NewPreference(comparisonID: comparison, choice: choice)], annotator: annotator, on: connection)
                try HumanJudgements.recorded(created, on: connection)
            }
        }
    }

    /// The comparison of the batch showing `a` as response A.
    func comparison(_ database: Database, runID: String, a: String) throws -> String {
        try #require(try database.read {
            try $0.query("SELECT id FROM comparisons WHERE run_id = ? AND response_a = ?", .text(runID), .text(a)).first?["id"].string
        })
    }

    @Test func theStoredSpecKeepsTheOptionsAndRoundTrips() throws {
        let spec = try RunSpec.decode(Array(#"{"algorithm": "sppo", "model": "m", "task": {"kind": "text", "name": "arithmetic"}, "judge": "human", "judge_options": {"judgements_required": 3, "timeout_seconds": 600, "min_judged_fraction": 0.8}}"#.utf8))
        guard case .training(let run) = spec.job else { Issue.record("not a training run"); return }
        #expect(run.judge == "human" && run.humanJudge?.judgementsRequired == 3 && run.humanJudge?.timeoutSeconds == 600)
        #expect(run.humanJudge?.dataset(runID: "run_1") == "run:run_1", "the default dataset is the run's own")
        #expect(run.humanJudge?.minimumJudged(of: 5) == 4 && run.humanJudge?.minimumJudged(of: 1) == 1)
        #expect(try RunSpec.decode(Array(spec.json.utf8)) == spec, "what a worker decodes is what was accepted")
        #expect(spec.json.contains(#""judge_options":{"judgements_required":3,"min_judged_fraction":0.8,"timeout_seconds":600}"#))
    }

    @Test(arguments: TestStores.backends)
    func verdictsComeFromTheQueueByMajorityAndTheDeadlineSetsTheMinimum(dialect: SQLDialect) throws {
        let (database, runID) = try store(dialect)
        var options = HumanJudgeOptions()
        options.judgementsRequired = 2
        let judge = HumanJudge(runID: runID, options: options, database: database)
        let prompts = ["1+1=", "1+1=", "2+2=", "2+2=", "1+1="], a = ["2", "3", "4", "x", "2"], b = ["5", "6", "7", "x", "5"]
        #expect(throws: HumanJudgementPending.self) { try judge.probabilities(prompts: prompts, a: a, b: b) }
        // Identical responses are never posted, a pair asked twice is posted once.
        let batch = try #require(try database.read { try RunJudgeBatchRepository.latest(runID: runID, on: $0) })
        #expect(batch.pairs == 3 && batch.dataset == "run:\(runID)" && batch.judgementsRequired == 2)
        #expect(try database.read { try RunRepository.get(id: runID, on: $0) }?.status == .waiting)
        let listed = try database.read { try ComparisonRepository.list(dataset: "run:\(runID)", after: nil, limit: 10, on: $0) }.items
        #expect(listed.count == 3 && listed.allSatisfy { $0.runID == runID && $0.judgementsRequired == 2 })

        let c2 = try comparison(database, runID: runID, a: "2"), c3 = try comparison(database, runID: runID, a: "3")
        let c4 = try comparison(database, runID: runID, a: "4")
        try vote(database, [(c2, "ann1", .a), (c2, "ann2", .a), (c3, "ann1", .b), (c3, "ann2", .tie), (c4, "ann1", .skip), (c4, "ann2", .skip)])
        // Asked again before the deadline with one pair still open: the same batch, still pending.
        #expect(throws: HumanJudgementPending.self) { try judge.probabilities(prompts: prompts, a: a, b: b) }
        #expect(try database.read { try $0.query("SELECT count(*) FROM run_judge_batches", [])[0][0].int } == 1)

        // Past the deadline: two of three pairs have a verdict, at least the default half: majority verdicts,
        // a tie is ½, skips only is no verdict (NaN), identical responses ½.
        try database.write { try $0.query("UPDATE run_judge_batches SET deadline = 0 WHERE id = ?", .text(batch.id)) }
        // Asking for every pair refuses to go on, naming the judge.
        var strict = options
        strict.minJudgedFraction = 1
        #expect {
            try HumanJudge(runID: runID, options: strict, database: database).probabilities(prompts: prompts, a: a, b: b)
        } throws: { error in
            "\(error)".contains("judge 'human': 2 of 3 pairs")
        }
        let p = try judge.probabilities(prompts: prompts, a: a, b: b)
        #expect(p[0] == 1 && p[1] == 0.5 && p[2].isNaN && p[3] == 0.5 && p[4] == 1, "\(p)")
        // Read once, the verdicts are fixed: a judgement arriving later does not change what a resumed run reads.
        try vote(database, [(c4, "ann3", .b)])
        let again = try judge.probabilities(prompts: prompts, a: a, b: b)
        #expect(again[2].isNaN && again[0] == 1, "\(again)")
    }

    @Test(arguments: TestStores.backends)
    func theCompletingJudgementWakesTheParkedRunAndIsAnnounced(dialect: SQLDialect) throws {
        let (database, runID) = try store(dialect)
        let webhook = WebhookRecord(id: Identifier.make("whk"), url: "http://127.0.0.1:9/h", events: [.comparisonsCompleted, .runWaiting],
                                    secret: WebhookSignature.newSecret(), description: nil, createdBy: "admin", createdAt: Date())
        try database.write { try WebhookRepository.insert(webhook, on: $0) }
        let judge = HumanJudge(runID: runID, options: HumanJudgeOptions(), database: database)
        #expect(throws: HumanJudgementPending.self) { try judge.probabilities(prompts: ["q", "q"], a: ["a1", "a2"], b: ["b1", "b2"]) }
        // The run's job, claimed and parked until a far deadline, as a waiting run's is.
        let owner = "test-pool"
        let parked = try database.write { connection -> JobRecord? in
            _ = try JobQueue.claim(kinds: [RunExecutor.jobKind], owner: owner, lease: .seconds(60), on: connection)
            return try JobQueue.park(id: runID, owner: owner, until: Date().addingTimeInterval(3600), ready: { _ in false }, on: connection)
        }
        #expect(parked?.status == .queued && parked?.leaseOwner == nil && parked?.attempts == 0, "parking gives the attempt back")
        let first = try comparison(database, runID: runID, a: "a1"), second = try comparison(database, runID: runID, a: "a2")
        try vote(database, [(first, "ann1", .a)])
        #expect(try database.read { try JobQueue.get(id: runID, on: $0) }.map { $0.runAfter > Date() } == true, "one pair open: still parked")
        try vote(database, [(second, "ann1", .skip)])
        #expect(try database.read { try JobQueue.get(id: runID, on: $0) }.map { $0.runAfter > Date() } == true, "a skip completes nothing")
        try vote(database, [(second, "ann2", .b)])
        #expect(try database.read { try JobQueue.get(id: runID, on: $0) }.map { $0.runAfter <= Date() } == true, "woken: runnable now")
        let events = try database.read {
            try $0.query("SELECT event, payload FROM webhook_deliveries ORDER BY id", []).map { ($0["event"].string ?? "", $0["payload"].string ?? "") }
        }
        #expect(events.map(\.0) == ["run.waiting", "comparisons.completed", "comparisons.completed"])
        #expect(events[0].1.contains("\"required\":2") && events[0].1.contains("\"status\":\"waiting\""))
        #expect(events[1].1.contains("\"scope\":\"run_batch\"") && events[1].1.contains("\"run_id\":\"\(runID)\""))
        #expect(events[2].1.contains("\"scope\":\"dataset\"") && events[2].1.contains("\"dataset\":\"run:\(runID)\""))

        // A batch judged while its run was still running (before parking) parks the job runnable at once.
        let again = try database.write { connection -> JobRecord? in
            _ = try JobQueue.claim(kinds: [RunExecutor.jobKind], owner: owner, lease: .seconds(60), on: connection)
            let batch = try RunJudgeBatchRepository.latest(runID: runID, on: connection)?.id ?? ""
            return try JobQueue.park(id: runID, owner: owner, until: Date().addingTimeInterval(3600),
                                     ready: { try RunJudgeBatchRepository.progress(batchID: batch, on: $0).isComplete }, on: connection)
        }
        #expect(again.map { $0.runAfter <= Date() } == true)
    }
}
