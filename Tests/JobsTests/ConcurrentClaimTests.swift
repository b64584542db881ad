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

    /// Two pools (two machines) on one store, three threads each: every job runs once.
    @Test(arguments: TestStores.backends)
    func twoPoolsShareTheQueue(dialect: SQLDialect) throws {
        let database = try TestStores.open(dialect)
        let ids = try database.write { c in try (0..<60).map { _ in try JobQueue.enqueue(kind: "k", payload: "{}", on: c).id } }
        let runs = Mutex<[String: [String]]>([:])
        let pools = (0..<2).map { index in
            WorkerPool(database: database, kinds: ["k"], threads: 3, owner: "machine-\(index)", lease: .seconds(5),
                       pollInterval: .milliseconds(20)) { context in
                runs.withLock { $0[context.job.id, default: []].append("machine-\(index)") }
                // Hold each job until both machines have one, so neither can drain the queue alone.
                _ = waitUntil(seconds: 10) { Set(runs.withLock { $0.values.flatMap { $0 } }).count == 2 }
            }
        }
        for pool in pools { pool.start() }
        defer { for pool in pools { pool.stop(timeout: .seconds(5)) } }
        #expect(try waitUntil(seconds: 30) {
            try database.read { try $0.query("SELECT count(*) FROM jobs WHERE status = 'succeeded'", []) }.first?[0].int == ids.count
        })
        let seen = runs.withLock { $0 }
        #expect(seen.count == ids.count && seen.values.allSatisfy { $0.count == 1 })
        let owners = try database.read { try $0.query("SELECT lease_owner, count(*) FROM jobs GROUP BY lease_owner", []) }
        #expect(owners.allSatisfy { $0[0].string != nil }, "every job keeps its last worker")
        #expect(Set(owners.compactMap { $0[0].string }) == ["machine-0", "machine-1"])
    }
}
