import Foundation
import Jobs
import Storage
import Synchronization
import Testing
import TestSupport

/// The pool end to end: threads, heartbeats, cancellation, shutdown. Short leases keep it quick.
@Suite struct WorkerPoolTests {
    func job(_ database: Database, _ id: String) throws -> JobRecord? {
        try database.read { try JobQueue.get(id: id, on: $0) }
    }

    func enqueue(_ database: Database, kind: String = "k", maxAttempts: Int = 3) throws -> String {
        try database.write { c in try JobQueue.enqueue(kind: kind, payload: "{}", maxAttempts: maxAttempts, on: c).id }
    }

    @Test(arguments: TestStores.backends)
    func runsEveryJobOnceWithAtMostThreadsAtATime(dialect: SQLDialect) throws {
        let database = try TestStores.open(dialect)
        let ids = try (0..<24).map { _ in try enqueue(database) }
        let counts = Mutex<(runs: [String: Int], now: Int, peak: Int)>(([:], 0, 0))
        let pool = WorkerPool(database: database, kinds: ["k"], threads: 3, lease: .seconds(2), pollInterval: .milliseconds(50)) { context in
            counts.withLock { $0.runs[context.job.id, default: 0] += 1; $0.now += 1; $0.peak = max($0.peak, $0.now) }
            defer { counts.withLock { $0.now -= 1 } }
            // Until all three threads have been busy at once, hold the job: the pool must reach its width.
            _ = waitUntil(seconds: 10) { counts.withLock { $0.peak } >= 3 }
            #expect(context.attempt == 1 && !context.isCancelled)
        }
        pool.start()
        defer { pool.stop(timeout: .seconds(5)) }
        #expect(try waitUntil(seconds: 30) { try ids.allSatisfy { try job(database, $0)?.status == .succeeded } })
        let (runs, _, peak) = counts.withLock { $0 }
        #expect(runs.count == 24 && runs.values.allSatisfy { $0 == 1 })
        #expect(peak == 3, "three threads run three jobs at once, never more")
    }

    /// With a one-minute poll, only `wake()` can explain a prompt start.
    @Test(arguments: TestStores.backends)
    func wakeStartsAJobWithoutWaitingForThePoll(dialect: SQLDialect) throws {
        let database = try TestStores.open(dialect)
        let pool = WorkerPool(database: database, kinds: ["k"], threads: 2, lease: .seconds(2), pollInterval: .seconds(60)) { _ in }
        let first = try enqueue(database)
        pool.start()
        defer { pool.stop(timeout: .seconds(5)) }
        // The first job is found by the start-up claim; afterwards both threads sleep on the poll.
        #expect(try waitUntil(seconds: 10) { try job(database, first)?.status == .succeeded })
        let second = try enqueue(database)
        pool.wake()
        #expect(try waitUntil(seconds: 5) { try job(database, second)?.status == .succeeded })
    }

    @Test(arguments: TestStores.backends)
    func cancellingARunningJobReachesItsHandler(dialect: SQLDialect) throws {
        let database = try TestStores.open(dialect)
        let reason = Mutex<CancellationReason?>(nil)
        let pool = WorkerPool(database: database, kinds: ["k"], threads: 1, lease: .milliseconds(900), pollInterval: .milliseconds(50)) { context in
            // A long job checking for cancellation between steps.
            guard waitUntil(seconds: 20, { context.isCancelled }) else { return }
            reason.withLock { $0 = context.cancellationReason }
            throw JobCancelled()
        }
        pool.start()
        defer { pool.stop(timeout: .seconds(5)) }
        let id = try enqueue(database)
        pool.wake()
        #expect(try waitUntil(seconds: 10) { try job(database, id)?.status == .running })
        _ = try database.write { c in try JobQueue.requestCancel(id: id, on: c) }
        #expect(try waitUntil(seconds: 10) { try job(database, id)?.status == .cancelled })
        #expect(reason.withLock { $0 } == .requested)
    }

    @Test(arguments: TestStores.backends)
    func retryableErrorsRetryAndOthersFail(dialect: SQLDialect) throws {
        let database = try TestStores.open(dialect)
        let pool = WorkerPool(database: database, kinds: ["flaky", "broken"], threads: 2, lease: .seconds(2), pollInterval: .milliseconds(50)) { context in
            if context.job.kind == "broken" { throw StorageError(.failed, "no such model") }
            if context.attempt < 3 { throw RetryableJobError("judge busy", retryAfter: .milliseconds(10)) }
        }
        pool.start()
        defer { pool.stop(timeout: .seconds(5)) }
        let flaky = try enqueue(database, kind: "flaky", maxAttempts: 3)
        let broken = try enqueue(database, kind: "broken")
        #expect(try waitUntil(seconds: 10) { try job(database, flaky)?.status == .succeeded })
        #expect(try job(database, flaky)?.attempts == 3 && job(database, flaky)?.lastError == "judge busy")
        #expect(try waitUntil(seconds: 10) { try job(database, broken)?.status == .failed })
        #expect(try job(database, broken)?.lastError == "failed: no such model")
    }

    /// A job that runs out of retries ends `dead` with no handler left to end what it computes:
    /// the pool reports it to `ended`, in the transaction that ends it.
    @Test(arguments: TestStores.backends)
    func jobsOutOfRetriesAreReportedAsEnded(dialect: SQLDialect) throws {
        let database = try TestStores.open(dialect)
        let ended = Mutex<[JobStatus]>([])
        let pool = WorkerPool(database: database, kinds: ["flaky"], threads: 1, lease: .seconds(2), pollInterval: .milliseconds(20),
                              ended: { job, _ in ended.withLock { $0.append(job.status) } }) { _ in
            throw RetryableJobError("judge busy", retryAfter: .milliseconds(10))
        }
        pool.start()
        defer { pool.stop(timeout: .seconds(5)) }
        let id = try enqueue(database, kind: "flaky", maxAttempts: 2)
        #expect(try waitUntil(seconds: 10) { try job(database, id)?.status == .dead })
        #expect(waitUntil(seconds: 5) { ended.withLock { $0 } == [.dead] })
    }

    /// SIGTERM during a run: the job goes back to the queue with its attempt given back, and the
    /// next pool resumes it as the same attempt.
    @Test(arguments: TestStores.backends)
    func gracefulStopReleasesRunningJobs(dialect: SQLDialect) throws {
        let database = try TestStores.open(dialect)
        let seen = Mutex<[(attempt: Int, reason: CancellationReason?)]>([])
        let handler: @Sendable (JobContext) throws -> Void = { context in
            seen.withLock { $0.append((context.attempt, nil)) }
            guard waitUntil(seconds: 20, { context.isCancelled }) else { return }
            seen.withLock { $0[$0.count - 1].reason = context.cancellationReason }
            throw JobCancelled()
        }
        let pool = WorkerPool(database: database, kinds: ["k"], threads: 1, lease: .seconds(1), pollInterval: .milliseconds(50), handler: handler)
        pool.start()
        let id = try enqueue(database)
        pool.wake()
        // Wait for the handler itself: a job claimed but not yet handed to it when `stop` begins is
        // released without running, and then no handler would see the shutdown.
        #expect(waitUntil(seconds: 10) { seen.withLock { $0.count } == 1 })
        #expect(pool.stop(timeout: .seconds(10)))
        let released = try #require(try job(database, id))
        #expect(released.status == .queued && released.attempts == 0 && released.leaseOwner == nil)
        #expect(seen.withLock { $0.map(\.reason) } == [.shutdown])

        let next = WorkerPool(database: database, kinds: ["k"], threads: 1, lease: .seconds(1), pollInterval: .milliseconds(50), handler: handler)
        next.start()
        defer { next.stop(timeout: .seconds(5)) }
        #expect(waitUntil(seconds: 10) { seen.withLock { $0.count } == 2 })
        #expect(try job(database, id)?.leaseOwner == next.owner)
        #expect(seen.withLock { $0.map(\.attempt) } == [1, 1])
    }

    /// Heartbeats keep a job that runs for several lease periods from being reclaimed.
    @Test(arguments: TestStores.backends)
    func heartbeatsKeepLongJobsLeased(dialect: SQLDialect) throws {
        let database = try TestStores.open(dialect)
        let finish = Mutex(false)
        let pool = WorkerPool(database: database, kinds: ["k"], threads: 1, lease: .milliseconds(1200), pollInterval: .milliseconds(50)) { _ in
            _ = waitUntil(seconds: 20) { finish.withLock { $0 } }
        }
        pool.start()
        defer { pool.stop(timeout: .seconds(5)) }
        let id = try enqueue(database)
        pool.wake()
        // Wait three lease periods by the lease itself: until it was renewed well past its first expiry.
        let first = try #require(try waitUntil(seconds: 10) { try job(database, id)?.status == .running } ? job(database, id) : nil)
        let firstExpiry = try #require(first.leaseExpiresAt)
        #expect(try waitUntil(seconds: 10) { try (job(database, id)?.leaseExpiresAt ?? .distantPast) > firstExpiry + 2.5 })
        let stolen = try database.write { c in try JobQueue.claim(kinds: ["k"], owner: "thief", lease: .seconds(5), on: c) }
        #expect(stolen == nil)
        finish.withLock { $0 = true }
        #expect(try waitUntil(seconds: 10) { try job(database, id)?.status == .succeeded })
        #expect(try job(database, id)?.attempts == 1)
    }

    /// A worker whose job was taken over learns it at the next heartbeat and records nothing,
    /// whatever its handler returns: the new owner's outcome stands.
    @Test(arguments: TestStores.backends)
    func lostLeaseStopsTheHandlerAndDropsItsOutcome(dialect: SQLDialect) throws {
        let database = try TestStores.open(dialect)
        let reason = Mutex<CancellationReason?>(nil)
        let pool = WorkerPool(database: database, kinds: ["k"], threads: 1, lease: .milliseconds(900), pollInterval: .milliseconds(50)) { context in
            guard waitUntil(seconds: 20, { context.isCancelled }) else { return }
            reason.withLock { $0 = context.cancellationReason }
            // Returning normally would complete the job, were it still ours.
        }
        pool.start()
        defer { pool.stop(timeout: .seconds(5)) }
        let id = try enqueue(database)
        pool.wake()
        #expect(try waitUntil(seconds: 10) { try job(database, id)?.status == .running })
        // What a takeover after a missed lease looks like from the row.
        try database.write { c in try c.query("UPDATE jobs SET lease_owner = 'other', attempts = 2 WHERE id = ?", .text(id)) }
        #expect(waitUntil(seconds: 10) { reason.withLock { $0 } == .leaseLost })
        #expect(waitUntil(seconds: 10) { pool.runningJobIDs.isEmpty })
        let after = try #require(try job(database, id))
        #expect(after.status == .running && after.leaseOwner == "other" && after.attempts == 2)
    }
}
