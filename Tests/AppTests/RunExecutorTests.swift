@testable import App
import Foundation
import Jobs
import Storage
import Testing
import TestSupport

/// A run never outlives its job: when the job ends without a handler to end the run, the run ends too.
@Suite struct RunExecutorTests {
    func queuedRun(_ database: Database, id: String) throws {
        try database.write { connection in
            try RunRepository.insert(RunRecord(id: id, name: nil, algorithm: "sppo", status: .queued, spec: "{}", modelID: nil,
                                               referenceID: nil, createdBy: "tok", warnings: [], totalSteps: 1,
                                               createdAt: Date(), updatedAt: Date()), on: connection)
            try RunExecutor.enqueue(runID: id, on: connection)
        }
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
