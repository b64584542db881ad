import Foundation
import Jobs
import Storage
import Synchronization
import Testing
import TestSupport

/// Pools on other processes or machines learn of new jobs through PostgreSQL's NOTIFY, and every pool
/// registers itself where `GET /v1/workers` reads it.
@Suite struct WorkerPoolNotifyTests {
    /// With a one-minute poll and no in-process `wake()`, only the notification explains a prompt start.
    /// The enqueuer is another `Database`, as another server process would be.
    @Test(.enabled(if: TestStores.postgresURL != nil, "needs PostgreSQL (PREFLAB_TEST_DATABASE_URL)"))
    func aJobEnqueuedElsewhereWakesAnIdlePool() throws {
        let location = try TestStores.location(.postgres)
        let pool = try Database(location: location, migrator: TestStores.migrator)
        let elsewhere = try Database(location: location, migrator: TestStores.migrator)
        let ran = Mutex<[String]>([])
        let workers = WorkerPool(database: pool, kinds: ["notify"], threads: 1, lease: .seconds(5), pollInterval: .seconds(60)) { context in
            ran.withLock { $0.append(context.job.id) }
        }
        workers.start()
        defer { workers.stop(timeout: .seconds(5)) }
        // Let the pool's first (empty) claim and its LISTEN happen, then go idle on the long poll.
        #expect(try waitUntil(seconds: 10) { try !pool.read { try WorkerRepository.live(on: $0) }.isEmpty })
        for _ in 0..<2 {
            let before = ran.withLock { $0.count }
            let id = try elsewhere.write { try JobQueue.enqueue(kind: "notify", payload: "{}", on: $0).id }
            #expect(waitUntil(seconds: 15) { ran.withLock { $0.contains(id) } }, "job \(id) ran before the next poll")
            #expect(ran.withLock { $0.count } == before + 1)
        }
    }

    @Test(arguments: TestStores.backends)
    func aPoolIsListedWhileItLivesWithItsCurrentJob(dialect: SQLDialect) throws {
        let database = try TestStores.open(dialect)
        let release = Mutex(false)
        let pool = WorkerPool(database: database, kinds: ["listed"], threads: 2, lease: .milliseconds(900), pollInterval: .milliseconds(50)) { _ in
            _ = waitUntil(seconds: 20) { release.withLock { $0 } }
        }
        func listed() throws -> [WorkerRecord] {
            try database.read { try WorkerRepository.live(on: $0) }.filter { $0.id == pool.owner }
        }
        pool.start()
        #expect(try waitUntil(seconds: 10) { try listed().count == 1 })
        let me = try #require(try listed().first)
        #expect(me.kinds == ["listed"] && me.threads == 2 && me.pid == Int(ProcessInfo.processInfo.processIdentifier))
        let job = try database.write { try JobQueue.enqueue(kind: "listed", payload: "{}", on: $0).id }
        // The heartbeat (every 0.3 s here) reports the job it runs.
        #expect(try waitUntil(seconds: 10) { try listed().first?.currentJobs == [job] })
        release.withLock { $0 = true }
        pool.stop(timeout: .seconds(5))
        #expect(try listed().isEmpty, "a pool that stops cleanly removes itself")
    }
}
