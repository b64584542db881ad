import Dispatch
import Foundation
import Synchronization

/// Commits concurrent writes together: each writer thread takes every write
/// queued so far, runs them in one transaction (each inside its own savepoint,
/// so one failure does not undo the others) and commits once. A caller returns
/// only after the commit that holds its write is durable, so a 2xx built on it
/// survives `kill -9` — and one fsync serves many requests.
///
/// Each writer hands its committed batch to a completion thread of its own, so
/// answering a batch's callers overlaps the next batch's statements and fsync
/// instead of delaying them: on SQLite, whose single writer is the ceiling of the
/// whole service, that is the difference between answering and committing in turn
/// and doing both at once. A completion must never wait on anything outside the
/// process: the HTTP server's deferred responses only frame the response there and
/// hand the connection to an event loop, so a client that does not read its
/// response cannot stall the batches behind it.
final class GroupCommitter: Sendable {
    /// A write waiting for its transaction. The writer thread sets `outcome`; once the
    /// transaction holding it has committed or failed, its completion thread calls `complete`.
    final class Pending: @unchecked Sendable {
        // `outcome` is set only by the writer thread that took this write in a batch, and read
        // by its completion thread after the batch passed through `Completions`' mutex.
        let body: @Sendable (any SQLConnection) throws -> any Sendable
        let completion: @Sendable (Result<any Sendable, any Error>) -> Void
        var outcome: Result<any Sendable, any Error> = .failure(StorageError(.failed, "not run"))

        init(_ body: @escaping @Sendable (any SQLConnection) throws -> any Sendable,
             completion: @escaping @Sendable (Result<any Sendable, any Error>) -> Void) {
            self.body = body
            self.completion = completion
        }

        func complete() { completion(outcome) }
    }

    private struct Queue {
        var pending: [Pending] = []
        var stopped = false
    }

    /// Committed (or failed) batches waiting for their callers to be told.
    private final class Completions: Sendable {
        private let batches = Mutex<(waiting: [[Pending]], stopped: Bool)>(([], false))
        private let available = DispatchSemaphore(value: 0)

        func enqueue(_ batch: [Pending]) {
            batches.withLock { $0.waiting.append(batch) }
            available.signal()
        }

        /// Called by the writer as it exits; batches already queued are still completed.
        func stop() {
            batches.withLock { $0.stopped = true }
            available.signal()
        }

        func loop() {
            while true {
                let (waiting, stopped) = batches.withLock { state in
                    defer { state.waiting.removeAll(keepingCapacity: true) }
                    return (state.waiting, state.stopped)
                }
                for batch in waiting {
                    for pending in batch { pending.complete() }
                }
                if waiting.isEmpty {
                    if stopped { return }
                    available.wait()
                }
            }
        }
    }

    private let queue = Mutex(Queue())
    private let available = DispatchSemaphore(value: 0)
    private let maxBatch: Int
    private let beginSQL: String

    private let reopen: @Sendable () throws(StorageError) -> any SQLConnection
    private let healthy: @Sendable (any SQLConnection) -> Bool
    private let writability: StoreWritability
    private let metrics: StoreMetrics

    /// Starts one writer thread per connection. A writer whose connection breaks
    /// (a PostgreSQL restart) opens a new one before its next batch.
    init(connections: [ConnectionPool.Box], dialect: SQLDialect, maxBatch: Int = 512,
         writability: StoreWritability = StoreWritability(), metrics: StoreMetrics = StoreMetrics(),
         reopen: @escaping @Sendable () throws(StorageError) -> any SQLConnection,
         healthy: @escaping @Sendable (any SQLConnection) -> Bool) {
        self.maxBatch = maxBatch
        self.writability = writability
        self.metrics = metrics
        self.reopen = reopen
        self.healthy = healthy
        // SQLite: take the write lock up front so the batch never fails half-way on SQLITE_BUSY.
        beginSQL = dialect == .sqlite ? "BEGIN IMMEDIATE" : "BEGIN"
        for (index, box) in connections.enumerated() {
            let completions = Completions()
            let answering = Thread { completions.loop() }
            answering.name = "preflab-answer-\(index)"
            answering.start()
            let thread = Thread { [self] in self.writerLoop(box, completions: completions) }
            thread.name = "preflab-commit-\(index)"
            thread.start()
        }
    }

    /// Runs `body` in the next group transaction and waits until it is committed.
    func write<T: Sendable>(_ body: @escaping @Sendable (any SQLConnection) throws -> T) throws -> T {
        let done = DispatchSemaphore(value: 0)
        let result = Mutex<Result<any Sendable, any Error>?>(nil)
        submit(body) { outcome in
            result.withLock { $0 = outcome }
            done.signal()
        }
        done.wait()
        switch result.withLock({ $0 }) {
        case .success(let value)?:
            guard let typed = value as? T else { throw StorageError(.failed, "write returned an unexpected type") }
            return typed
        case .failure(let error)?:
            throw error
        case nil:
            throw StorageError(.failed, "write finished without an outcome")
        }
    }

    /// Queues `body` for the next group transaction; `completion` runs on the writer's
    /// completion thread once that transaction is durable (or failed). Never blocks the caller.
    func submit(_ body: @escaping @Sendable (any SQLConnection) throws -> any Sendable,
                completion: @escaping @Sendable (Result<any Sendable, any Error>) -> Void) {
        let pending = Pending(body, completion: completion)
        let accepted = queue.withLock { queue in
            guard !queue.stopped else { return false }
            queue.pending.append(pending)
            return true
        }
        guard accepted else { return completion(.failure(StorageError(.unavailable, "the store is closed"))) }
        available.signal()
    }

    /// Stops taking writes; queued ones still commit.
    func stop(writers: Int) {
        queue.withLock { $0.stopped = true }
        for _ in 0..<writers { available.signal() }
    }

    private func writerLoop(_ box: ConnectionPool.Box, completions: Completions) {
        defer { completions.stop() }
        var connection = box.connection
        while true {
            if !healthy(connection), let fresh = try? reopen() { connection = fresh }
            let (batch, stopped): ([Pending], Bool) = queue.withLock { queue in
                let count = min(queue.pending.count, maxBatch)
                let batch = Array(queue.pending.prefix(count))
                queue.pending.removeFirst(count)
                return (batch, queue.stopped)
            }
            if batch.isEmpty {
                if stopped { return }
                // Sleep only after seeing the queue empty; every later write signals,
                // so a surplus permit costs at most an extra look at an empty queue.
                available.wait()
                continue
            }
            let start = ContinuousClock.now
            commit(batch, on: connection)
            metrics.observe(.commit, seconds: start.secondsSince)
            metrics.observeBatch(size: batch.count)
            recordWritability(batch)
            completions.enqueue(batch)
        }
    }

    /// Runs the batch optimistically without savepoints (one round trip per
    /// statement saved twice over); if any write fails, the transaction is
    /// rolled back and the batch re-run with a savepoint around each write, so
    /// the failure undoes only its own write. Sets every write's `outcome`;
    /// the caller completes them.
    private func commit(_ batch: [Pending], on connection: any SQLConnection) {
        if batch.count > 1, runOptimistically(batch, on: connection) { return }
        do {
            try connection.execute(script: beginSQL)
        } catch {
            return finish(batch, failingAllWith: error)
        }
        for pending in batch {
            do {
                try connection.execute(script: "SAVEPOINT w")
                let value = try pending.body(connection)
                try connection.execute(script: "RELEASE SAVEPOINT w")
                pending.outcome = .success(value)
            } catch {
                pending.outcome = .failure(error)
                do {
                    try connection.execute(script: "ROLLBACK TO SAVEPOINT w")
                    try connection.execute(script: "RELEASE SAVEPOINT w")
                } catch let rollbackError {
                    try? connection.execute(script: "ROLLBACK")
                    // SQLite rolls the whole transaction back itself on some failures (SQLITE_FULL on a large
                    // write, SQLITE_IOERR), so the savepoint is gone: the store's failure is the one to report.
                    let storeFailed = (error as? StorageError)?.code == .unavailable
                    return finish(batch, failingAllWith: storeFailed ? error : rollbackError)
                }
            }
        }
        do {
            try connection.execute(script: "COMMIT")
        } catch {
            try? connection.execute(script: "ROLLBACK")
            return finish(batch, failingAllWith: error)
        }
    }

    /// One transaction, no savepoints; true when it committed and every write has its outcome.
    private func runOptimistically(_ batch: [Pending], on connection: any SQLConnection) -> Bool {
        do {
            try connection.execute(script: beginSQL)
        } catch {
            return false
        }
        var values: [any Sendable] = []
        values.reserveCapacity(batch.count)
        for pending in batch {
            do {
                values.append(try pending.body(connection))
            } catch {
                try? connection.execute(script: "ROLLBACK")
                return false
            }
        }
        do {
            try connection.execute(script: "COMMIT")
        } catch {
            try? connection.execute(script: "ROLLBACK")
            return false
        }
        for (pending, value) in zip(batch, values) { pending.outcome = .success(value) }
        return true
    }

    /// A write the store could not take (full disk, I/O error, lost connection) marks it not
    /// writable; otherwise a committed write marks it writable again. Refusals of the write's own
    /// (a constraint, a conflict) say nothing about the store.
    private func recordWritability(_ batch: [Pending]) {
        var committed = false
        for pending in batch {
            switch pending.outcome {
            case .success:
                committed = true
            case .failure(let error as StorageError) where error.code == .unavailable:
                return writability.record(failure: error.message)
            case .failure:
                break
            }
        }
        if committed { writability.record(failure: nil) }
    }

    private func finish(_ batch: [Pending], failingAllWith error: any Error) {
        for pending in batch { pending.outcome = .failure(error) }
    }
}
