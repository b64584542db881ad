import Foundation
import Jobs
import Logging
@testable import Service
import Storage
import Testing
import TestSupport

/// A run never outlives its job: when the job ends without a handler to end the run, the run ends too.
@Suite struct RunExecutorTests {
    static let game = #"{"algorithm": "nash_mp", "task": {"kind": "tabular", "preference_matrix": [[0.5, 0.9, 0.1], [0.1, 0.5, 0.9], [0.9, 0.1, 0.5]], "reference": [0.5, 0.3, 0.2]}, "hyperparameters": {"beta": 0.1, "iterations": 30}}"#

    /// A queued run (renamed to `id`, so the tests can name it in SQL).
    func queuedRun(_ database: Database, id: String) throws {
        let spec = try RunSpec.decode(Array(Self.game.utf8))
        try database.write { connection in
            let run = try RunExecutor.submit(spec, createdBy: "tok", on: connection)
            try connection.query("UPDATE runs SET id = ? WHERE id = ?", .text(id), .text(run.id))
            try connection.query("UPDATE jobs SET id = ? WHERE id = ?", .text(id), .text(run.id))
        }
    }

    /// What a worker process has: the store and the job layer, no App and no HTTP. The job's payload is the
    /// run's spec, and that is enough to execute it (a tabular game, and SFT that stores a trained policy).
    @Test(arguments: TestStores.backends)
    func aWorkerExecutesARunFromItsPayloadAlone(dialect: SQLDialect) throws {
        let database = try TestStores.open(dialect)
        let sft = #"{"algorithm": "sft", "task": {"kind": "text", "name": "arithmetic"}, "hyperparameters": {"steps": 3, "batch_size": 4, "eval_samples": 0}, "seed": 2}"#
        var ids: [String] = []
        for json in [Self.game, sft] {
            let spec = try RunSpec.decode(Array(json.utf8))
            let run = try database.write { try RunExecutor.submit(spec, createdBy: "ci", on: $0) }
            let job = try #require(try database.read { try JobQueue.get(id: run.id, on: $0) })
            #expect(try RunSpec.decode(Array(job.payload.utf8)) == spec, "the payload is the spec")
            #expect(job.payload == spec.json && run.spec == spec.json)
            ids.append(run.id)
        }
        let executor = RunExecutor(database: database, signal: RunSignal(), threads: 1, lease: .seconds(30), logger: Logger(label: "test"))
        executor.start()
        defer { executor.stop() }
        #expect(try waitUntil(seconds: 60) { try ids.allSatisfy { try status(database, $0)?.isFinal == true } })
        let game = try #require(try database.read { try RunRepository.get(id: ids[0], on: $0) })
        #expect(game.status == .succeeded && game.result?.contains("duality_gap") == true)
        let trained = try #require(try database.read { try RunRepository.get(id: ids[1], on: $0) })
        #expect(trained.status == .succeeded, "\(trained.error ?? "")")
        let model = try #require(try trained.outputModelID.map { id in try database.read { try ModelRepository.get(id: id, on: $0) } } ?? nil)
        #expect(model.kind == "policy" && model.runID == ids[1])
    }

    /// A payload from a later version of the service is refused by this worker, not misread.
    @Test func aLaterVersionIsRefused() {
        #expect(throws: RunSpecError.self) { try RunSpec.decode(Array(#"{"version": 2, "algorithm": "dpo", "model": "m", "dataset": {}}"#.utf8)) }
    }

    func status(_ database: Database, _ id: String) throws -> RunStatus? {
        try database.read { try RunRepository.get(id: id, on: $0)?.status }
    }

    /// Its worker died once too often: the expiring claim ends the job `dead` and the run `failed`.
    @Test(arguments: TestStores.backends)
    func aDeadJobFailsItsRun(dialect: SQLDialect) throws {
        let database = try TestStores.open(dialect)
        try queuedRun(database, id: "run_dead")
        try database.write { try $0.query("UPDATE jobs SET status = 'running', attempts = max_attempts, lease_owner = 'gone', lease_expires_at = 0 WHERE id = 'run_dead'") }
        let claimed = try database.write { connection in
            try JobQueue.claim(kinds: [RunExecutor.jobKind], owner: "w", lease: .seconds(10),
                               ended: { job, c in try RunExecutor.endRun(of: job, on: c) }, on: connection)
        }
        #expect(claimed == nil)
        #expect(try status(database, "run_dead") == .failed)
        #expect(try database.read { try RunRepository.get(id: "run_dead", on: $0)?.error }?.contains("lease expired") == true)
    }

    /// Cancelling a run whose job already ended (here: dead) ends the run instead of waiting for a handler.
    @Test(arguments: TestStores.backends)
    func cancellingARunWhoseJobEndedEndsTheRun(dialect: SQLDialect) throws {
        let database = try TestStores.open(dialect)
        try queuedRun(database, id: "run_orphan")
        try database.write {
            try $0.query("UPDATE jobs SET status = 'dead' WHERE id = 'run_orphan'")
            try $0.query("UPDATE runs SET status = 'running' WHERE id = 'run_orphan'")
        }
        try database.write { try RunExecutor.requestCancel(runID: "run_orphan", on: $0) }
        #expect(try status(database, "run_orphan") == .cancelled)
    }
}
