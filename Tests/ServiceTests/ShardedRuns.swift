import Logging
@testable import Service
import Storage
import Testing
import TestSupport

/// Runs trained end to end on a run pool, for the tests that compare sharded and in-thread scoring.
enum ShardedRuns {
    /// Runs `spec` to its end on a pool of `threads` (with two, the run's thread and another computing its shards)
    /// scoring as `scoring`; the loss series and the trained policy's checkpoint hash.
    static func trained(_ database: Database, _ spec: RunSpec, _ scoring: RunScoring, threads: Int = 2) throws -> (losses: [Double?], sha: String?) {
        let run = try database.write { try RunExecutor.submit(spec, createdBy: "ci", on: $0) }
        let executor = RunExecutor(database: database, signal: RunSignal(), threads: threads, lease: .seconds(60), logger: Logger(label: "test"),
                                   scoring: scoring)
        executor.start()
        defer { executor.stop() }
        #expect(try waitUntil(seconds: 120) { try database.read { try RunRepository.get(id: run.id, on: $0) }?.status.isFinal == true })
        let ended = try #require(try database.read { try RunRepository.get(id: run.id, on: $0) })
        #expect(ended.status == .succeeded, "\(ended.error ?? "")")
        let losses = try database.read { try RunRepository.metrics(runID: run.id, key: "loss", after: nil, limit: 100, on: $0) }.items
        let sha = try database.read { connection in try ended.outputModelID.flatMap { try ModelRepository.get(id: $0, on: connection) } }?.checkpointSHA256
        return (losses.map(\.value), sha)
    }
}
