import Foundation
import Jobs
import Storage
import Synchronization
import Testing
import TestSupport

/// Many claimers at once, on real threads: each job is run exactly once.
@Suite struct ConcurrentClaimTests {
    @Test(arguments: TestStores.backends)
    func concurrentClaimersNeverShareAJob(dialect: SQLDialect) throws {
        let database = try TestStores.open(dialect)
        let jobCount = 240
        let ids = try database.write { c in
            try (0..<jobCount).map { try JobQueue.enqueue(kind: "k", payload: "{\"n\":\($0)}", on: c).id }
        }
        let runs = Mutex<[String: Int]>([:])
        let errors = Mutex<[String]>([])
        // 8 claimers, each with its own owner, as 8 workers on different machines would be.
        runOnThreads(8) { worker in
            let owner = "worker-\(worker)"
            while true {
                do {
                    guard let job = try database.write({ c in
                        try JobQueue.claim(kinds: ["k"], owner: owner, lease: .seconds(60), on: c)
                    }) else { return }
                    runs.withLock { $0[job.id, default: 0] += 1 }
                    let done = try database.write { c in try JobQueue.complete(id: job.id, owner: owner, on: c) }
                    if done == nil { errors.withLock { $0.append("\(job.id): completion refused") } }
                } catch {
                    errors.withLock { $0.append("\(error)") }
                    return
                }
            }
        }
        #expect(errors.withLock { $0 } == [])
        let counts = runs.withLock { $0 }
        #expect(counts.count == jobCount)
        #expect(counts.values.allSatisfy { $0 == 1 })
        #expect(Set(counts.keys) == Set(ids))
        let succeeded = try database.read { try $0.query("SELECT count(*) FROM jobs WHERE status = 'succeeded' AND attempts = 1", []) }
        #expect(succeeded.first?[0].int == jobCount)
    }
}
