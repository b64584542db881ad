import Foundation
import Jobs
import Storage
import Testing
import TestSupport

/// The queue's state machine, step by step, with explicit clocks.
@Suite struct JobQueueTests {
    let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    @Test(arguments: TestStores.backends)
    func claimsTheOldestRunnableJobOfTheAskedKinds(dialect: SQLDialect) throws {
        let database = try TestStores.open(dialect)
        let t0 = self.t0
        let ids = try database.write { c in
            try (0..<3).map { try JobQueue.enqueue(kind: "train", payload: "{\"n\":\($0)}", now: t0 + Double($0), on: c).id }
        }
        try database.write { c in _ = try JobQueue.enqueue(kind: "score", payload: "{}", now: t0, on: c) }
        var claimed: [String] = []
        while let job = try database.write({ c in
            try JobQueue.claim(kinds: ["train"], owner: "w1", lease: .seconds(10), now: t0 + 5, on: c)
        }) {
            #expect(job.status == .running && job.attempts == 1 && job.leaseOwner == "w1")
            #expect(job.leaseExpiresAt == t0 + 15)
            claimed.append(job.id)
        }
        #expect(claimed == ids)
        let other = try database.write { c in try JobQueue.claim(kinds: [], owner: "w1", lease: .seconds(10), now: t0 + 5, on: c) }
        #expect(other?.kind == "score")
    }

    /// A run row and its job commit together or not at all: the queue writes on the caller's transaction.
    @Test(arguments: TestStores.backends)
    func enqueueJoinsTheCallersTransaction(dialect: SQLDialect) throws {
        let database = try TestStores.open(dialect)
        struct Abort: Error {}
        #expect(throws: Abort.self) {
            try database.write { c in
                _ = try JobQueue.enqueue(id: "run_1", kind: "train", payload: "{}", on: c)
                throw Abort()
            }
        }
        #expect(try database.read { try JobQueue.get(id: "run_1", on: $0) } == nil)
        let job = try database.write { c in try JobQueue.enqueue(id: "run_1", kind: "train", payload: "{}", maxAttempts: 5, on: c) }
        #expect(job.id == "run_1" && job.status == .queued && job.attempts == 0 && job.maxAttempts == 5)
    }

    @Test(arguments: TestStores.backends)
    func expiredLeasesAreReclaimedThenDeadLettered(dialect: SQLDialect) throws {
        let database = try TestStores.open(dialect)
        let t0 = self.t0
        let id = try database.write { c in try JobQueue.enqueue(kind: "train", payload: "{}", maxAttempts: 2, now: t0, on: c).id }
        let first = try database.write { c in try JobQueue.claim(kinds: ["train"], owner: "a", lease: .seconds(10), now: t0, on: c) }
        #expect(first?.attempts == 1 && first?.reclaimedAfterExpiry == false)
        // Still leased: nobody else gets it.
        #expect(try database.write { c in try JobQueue.claim(kinds: ["train"], owner: "b", lease: .seconds(10), now: t0 + 9, on: c) } == nil)
        let second = try database.write { c in try JobQueue.claim(kinds: ["train"], owner: "b", lease: .seconds(10), now: t0 + 11, on: c) }
        #expect(second?.id == id && second?.attempts == 2 && second?.leaseOwner == "b")
        #expect(second?.reclaimedAfterExpiry == true, "a takeover is what preflab_lease_expiries_total counts")
        // Its second lease expires too, with no attempt left: dead, not handed out, and reported to
        // `ended` in the claiming transaction (no handler will ever see it again).
        let (claimed, ended) = try database.write { c -> (JobRecord?, [JobRecord]) in
            var ended: [JobRecord] = []
            let claimed = try JobQueue.claim(kinds: ["train"], owner: "c", lease: .seconds(10), now: t0 + 30,
                                             ended: { job, _ in ended.append(job) }, on: c)
            return (claimed, ended)
        }
        #expect(claimed == nil)
        #expect(ended.map(\.id) == [id] && ended.first?.status == .dead)
        let dead = try #require(try database.read { try JobQueue.get(id: id, on: $0) })
        #expect(dead.status == .dead && dead.attempts == 2 && dead.lastError == "lease expired 2 times")
        #expect(dead.finishedAt == t0 + 30 && dead.leaseExpiresAt == nil)
    }

    @Test(arguments: TestStores.backends)
    func staleOwnerCannotWriteAfterTakeover(dialect: SQLDialect) throws {
        let database = try TestStores.open(dialect)
        let t0 = self.t0
        let id = try database.write { c in try JobQueue.enqueue(kind: "train", payload: "{}", now: t0, on: c).id }
        _ = try database.write { c in try JobQueue.claim(kinds: [], owner: "a", lease: .seconds(10), now: t0, on: c) }
        _ = try database.write { c in try JobQueue.claim(kinds: [], owner: "b", lease: .seconds(10), now: t0 + 11, on: c) }
        let now = t0 + 12
        let stale = try database.write { c -> [String] in
            var accepted: [String] = []
            if try JobQueue.heartbeat(id: id, owner: "a", lease: .seconds(10), now: now, on: c) != .lost { accepted.append("heartbeat") }
            if try JobQueue.complete(id: id, owner: "a", now: now, on: c) != nil { accepted.append("complete") }
            if try JobQueue.fail(id: id, owner: "a", error: "late", retryAfter: nil, now: now, on: c) != nil { accepted.append("fail") }
            if try JobQueue.fail(id: id, owner: "a", error: "late", retryAfter: .seconds(1), now: now, on: c) != nil { accepted.append("retry") }
            if try JobQueue.markCancelled(id: id, owner: "a", now: now, on: c) != nil { accepted.append("cancel") }
            if try !JobQueue.release(owner: "a", now: now, on: c).isEmpty { accepted.append("release") }
            return accepted
        }
        #expect(stale == [])
        let job = try #require(try database.read { try JobQueue.get(id: id, on: $0) })
        #expect(job.status == .running && job.leaseOwner == "b" && job.attempts == 2 && job.lastError == nil)
        let done = try database.write { c in try JobQueue.complete(id: id, owner: "b", now: now, on: c) }
        #expect(done?.status == .succeeded && done?.finishedAt == now)
    }

    @Test(arguments: TestStores.backends)
    func cancelQueuedAtOnceAndRunningAtTheNextHeartbeat(dialect: SQLDialect) throws {
        let database = try TestStores.open(dialect)
        let t0 = self.t0
        let queued = try database.write { c in try JobQueue.enqueue(kind: "k", payload: "{}", now: t0, on: c).id }
        #expect(try database.write { c in try JobQueue.requestCancel(id: queued, now: t0 + 1, on: c) }?.status == .cancelled)
        let running = try database.write { c in try JobQueue.enqueue(kind: "k", payload: "{}", now: t0 + 2, on: c).id }
        #expect(try database.write { c in try JobQueue.claim(kinds: [], owner: "a", lease: .seconds(10), now: t0 + 3, on: c) }?.id == running)
        let requested = try database.write { c in try JobQueue.requestCancel(id: running, now: t0 + 4, on: c) }
        #expect(requested?.status == .running && requested?.cancelRequested == true)
        #expect(try database.write { c in try JobQueue.heartbeat(id: running, owner: "a", lease: .seconds(10), now: t0 + 5, on: c) } == .cancelRequested)
        #expect(try database.write { c in try JobQueue.markCancelled(id: running, owner: "a", now: t0 + 6, on: c) }?.status == .cancelled)
        // Finished jobs stay as they are; unknown ids are nil.
        #expect(try database.write { c in try JobQueue.requestCancel(id: running, now: t0 + 7, on: c) }?.finishedAt == t0 + 6)
        #expect(try database.write { c in try JobQueue.requestCancel(id: "job_nope", on: c) } == nil)
    }

    @Test(arguments: TestStores.backends)
    func retryableFailuresBackOffThenDeadLetterAndPermanentOnesFail(dialect: SQLDialect) throws {
        let database = try TestStores.open(dialect)
        let t0 = self.t0
        let id = try database.write { c in try JobQueue.enqueue(kind: "k", payload: "{}", maxAttempts: 2, now: t0, on: c).id }
        _ = try database.write { c in try JobQueue.claim(kinds: [], owner: "a", lease: .seconds(10), now: t0, on: c) }
        let retried = try database.write { c in
            try JobQueue.fail(id: id, owner: "a", error: "judge timed out", retryAfter: .seconds(30), now: t0 + 1, on: c)
        }
        #expect(retried?.status == .queued && retried?.runAfter == t0 + 31 && retried?.attempts == 1)
        #expect(retried?.leaseOwner == nil && retried?.lastError == "judge timed out")
        #expect(try database.write { c in try JobQueue.claim(kinds: [], owner: "a", lease: .seconds(10), now: t0 + 30, on: c) } == nil)
        let again = try database.write { c in try JobQueue.claim(kinds: [], owner: "b", lease: .seconds(10), now: t0 + 31, on: c) }
        #expect(again?.id == id && again?.attempts == 2)
        let dead = try database.write { c in
            try JobQueue.fail(id: id, owner: "b", error: "judge timed out", retryAfter: .seconds(30), now: t0 + 32, on: c)
        }
        #expect(dead?.status == .dead && dead?.lastError == "judge timed out (attempt 2 of 2)")

        let other = try database.write { c in try JobQueue.enqueue(kind: "k", payload: "{}", now: t0, on: c).id }
        _ = try database.write { c in try JobQueue.claim(kinds: [], owner: "a", lease: .seconds(10), now: t0 + 40, on: c) }
        let failed = try database.write { c in try JobQueue.fail(id: other, owner: "a", error: "bad payload", retryAfter: nil, on: c) }
        #expect(failed?.status == .failed && failed?.lastError == "bad payload" && failed?.attempts == 1)

        #expect((1...4).map { JobQueue.backoff(attempt: $0) } == [.seconds(1), .seconds(2), .seconds(4), .seconds(8)])
        #expect(JobQueue.backoff(attempt: 40, cap: .seconds(60)) == .seconds(60))
    }

    @Test(arguments: TestStores.backends)
    func releaseGivesTheAttemptBack(dialect: SQLDialect) throws {
        let database = try TestStores.open(dialect)
        let t0 = self.t0
        let id = try database.write { c in try JobQueue.enqueue(kind: "k", payload: "{}", now: t0, on: c).id }
        #expect(try database.write { c in try JobQueue.claim(kinds: [], owner: "a", lease: .seconds(10), now: t0, on: c) }?.attempts == 1)
        let released = try database.write { c in try JobQueue.release(owner: "a", now: t0 + 1, on: c) }
        #expect(released.map(\.id) == [id])
        #expect(released.first?.status == .queued && released.first?.attempts == 0 && released.first?.leaseOwner == nil)
        #expect(try database.write { c in try JobQueue.claim(kinds: [], owner: "b", lease: .seconds(10), now: t0 + 1, on: c) }?.attempts == 1)
    }
}
