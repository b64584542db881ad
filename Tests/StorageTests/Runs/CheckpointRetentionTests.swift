import Foundation
import Storage
import Testing
import TestSupport

/// `checkpoints.keep_last`: older checkpoints are deleted as new ones are written, a resume starts from the
/// newest, and kept ones outlive the run; without it, as before, one checkpoint that the run's end deletes.
@Suite struct CheckpointRetentionTests {
    static func run(_ database: Database) throws -> String {
        let now = Date()
        let record = RunRecord(id: Identifier.make("run"), name: nil, algorithm: "sft", status: .running, spec: "{}", modelID: nil,
                               referenceID: nil, createdBy: "r", warnings: [], totalSteps: 50, createdAt: now, updatedAt: now)
        try database.write { try RunRepository.insert(record, on: $0) }
        return record.id
    }

    static func steps(_ database: Database, _ id: String) throws -> [Int] {
        try database.read { try RunRepository.checkpoints(runID: id, on: $0) }.map(\.step)
    }

    @Test(arguments: TestStores.backends)
    func keepLastKeepsTheNewestAndTheyOutliveTheRun(dialect: SQLDialect) throws {
        let database = try TestStores.open(dialect)
        let id = try Self.run(database)
        for step in stride(from: 10, through: 50, by: 10) {
            try database.write { try RunRepository.saveCheckpoint(runID: id, step: step, data: [UInt8(step)], keepLast: 2, on: $0) }
        }
        #expect(try Self.steps(database, id) == [40, 50])
        let newest = try database.read { try RunRepository.checkpoint(runID: id, on: $0) }
        #expect(newest?.step == 50 && newest?.data == [50])
        try database.write { try RunRepository.finish(id: id, status: .succeeded, on: $0) }
        #expect(try Self.steps(database, id) == [40, 50], "kept checkpoints stay after the run ends")
    }

    @Test(arguments: TestStores.backends)
    func withoutKeepLastOnlyTheNewestIsKeptUntilTheRunEnds(dialect: SQLDialect) throws {
        let database = try TestStores.open(dialect)
        let id = try Self.run(database)
        for step in [5, 10, 15] {
            try database.write { try RunRepository.saveCheckpoint(runID: id, step: step, data: [1, 2, 3], on: $0) }
        }
        #expect(try Self.steps(database, id) == [15])
        // A resumed run rewrites the step it resumed at: replaced, not duplicated.
        try database.write { try RunRepository.saveCheckpoint(runID: id, step: 15, data: [9], on: $0) }
        #expect(try database.read { try RunRepository.checkpoint(runID: id, on: $0) }?.data == [9])
        try database.write { try RunRepository.finish(id: id, status: .succeeded, on: $0) }
        #expect(try Self.steps(database, id) == [])
    }
}
