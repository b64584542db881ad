import Foundation
public import Logging
public import Storage

/// Runs claimed jobs on dedicated threads: `threads` workers that claim and run one job at a time,
/// plus one heartbeat thread that renews every running job's lease each `lease / 3` and tells
/// handlers (through `JobContext`) when their job was cancelled or their lease lost.
///
/// Handlers block their thread for as long as the job takes (training runs take minutes), which is
/// why these are `Thread`s and not tasks on Swift's cooperative pool or Dispatch's global queues.
public final class WorkerPool: Sendable {
    public let owner: String
    public let kinds: [String]
    public let lease: Duration
    public let pollInterval: Duration
    private let database: Database
    private let threadCount: Int
    private let handler: @Sendable (JobContext) throws -> Void
    private let ended: @Sendable (JobRecord, any SQLConnection) throws -> Void
    private let events: (@Sendable (JobEvent) -> Void)?
    private let logger: Logger
    private let state = Guarded(State())
    /// Wakes idle workers when a job is enqueued anywhere (PostgreSQL's `NOTIFY`); polling stays the fallback.
    private let listener: PostgresListener?
    private let startedAt = Date()

    struct State {
        var started = false
        var stopping = false
        /// Set once `stop` has released the leases: heartbeats go on until then, so a slow handler
        /// keeps its lease while the pool drains.
        var heartbeatsOver = false
        /// Bumped by `wake()`; idle workers sleep until it changes or the poll interval passes.
        var wakes = 0
        var running: [String: JobContext] = [:]
        var liveThreads = 0
        /// Claims are failing (the store is down): only the first failure of a streak is a warning.
        var claimsFailing = false
    }

    /// `kinds` empty means every kind. `owner` names this pool in `lease_owner`; it must be unique
    /// among live pools (the default is host, pid and a random part). `ended` sees, in the ending
    /// transaction, each job that becomes final without its handler having ended it: it expired
    /// once too often, ran out of retries, or was cancelled while no handler was running it.
    public init(database: Database, kinds: [String], threads: Int = 1, owner: String = WorkerPool.defaultOwner(),
                lease: Duration = .seconds(30), pollInterval: Duration = .seconds(1),
                logger: Logger = Logger(label: "preflab.jobs"), events: (@Sendable (JobEvent) -> Void)? = nil,
                ended: @escaping @Sendable (JobRecord, any SQLConnection) throws -> Void = { _, _ in },
                handler: @escaping @Sendable (JobContext) throws -> Void) {
        self.database = database
        self.kinds = kinds
        self.threadCount = max(1, threads)
        self.owner = owner
        self.lease = lease
        self.pollInterval = pollInterval
        self.logger = logger
        self.handler = handler
        self.ended = ended
        self.events = events
        if case .postgres(let url) = database.location {
            let wakes = state
            listener = PostgresListener(url: url, channel: JobQueue.channel) { wakes.update { $0.wakes &+= 1 } }
        } else {
            listener = nil
        }
    }

    public static func defaultOwner() -> String {
        let info = ProcessInfo.processInfo
        return "\(info.hostName):\(info.processIdentifier):\(UUID().uuidString.prefix(8).lowercased())"
    }

    /// Starts the threads; later calls do nothing.
    public func start() {
        let first = state.withLock { state -> Bool in
            guard !state.started else { return false }
            state.started = true
            state.liveThreads = threadCount + 1
            return true
        }
        guard first else { return }
        let registration = registration(running: [])
        record("register") { connection in try WorkerRepository.upsert(registration, on: connection) }
        for index in 0..<threadCount {
            let thread = Thread { [self] in workerLoop() }
            thread.name = "preflab-job-\(index)"
            thread.start()
        }
        let heartbeat = Thread { [self] in heartbeatLoop() }
        heartbeat.name = "preflab-job-heartbeat"
        heartbeat.start()
        listener?.start()
    }

    /// This pool as `GET /v1/workers` shows it.
    func registration(running: [String]) -> WorkerRecord {
        let info = ProcessInfo.processInfo
        return WorkerRecord(id: owner, host: info.hostName, pid: Int(info.processIdentifier), kinds: kinds, threads: threadCount,
                            startedAt: startedAt, heartbeatAt: Date(), currentJobs: running.sorted(), lease: lease)
    }

    /// Tells idle workers to claim now; an in-process enqueuer calls it after its write commits.
    public func wake() {
        state.update { $0.wakes &+= 1 }
    }

    /// Stops claiming, asks running handlers to stop (reason `.shutdown`), waits for them up to
    /// `timeout`, then releases this pool's leases so another worker or a restart resumes the jobs.
    /// Returns whether every handler finished in time.
    @discardableResult
    public func stop(timeout: Duration) -> Bool {
        let running = state.update { state -> [JobContext] in
            state.stopping = true
            return Array(state.running.values)
        }
        listener?.stop()
        for context in running { context.cancel(.shutdown) }
        let deadline = Date().addingTimeInterval(timeout.timeInterval)
        let drained = state.wait(until: deadline, for: { $0.running.isEmpty }) { $0.running.isEmpty }
        // A handler that ignores cancellation keeps its thread, but not its job: released here, its
        // late outcome fails the lease guard.
        record("release leases") { [owner, ended] connection in
            try Self.release(id: nil, owner: owner, ended: ended, on: connection)
            try WorkerRepository.remove(id: owner, on: connection)
            try WorkerRepository.forget(on: connection)
        }
        state.update { $0.heartbeatsOver = true }
        let threadsDone = state.wait(until: deadline, for: { $0.liveThreads == 0 }) { $0.liveThreads == 0 }
        return drained && threadsDone
    }

    /// Tells this pool's handler of `jobID`, if it runs here, to stop now (reason `.requested`) rather
    /// than at its next heartbeat. Call it after `JobQueue.requestCancel` has committed.
    public func cancel(jobID: String) {
        state.withLock { $0.running[jobID] }?.cancel(.requested)
    }

    /// Jobs this pool is running now (for metrics and tests).
    public var runningJobIDs: [String] {
        state.withLock { Array($0.running.keys) }
    }

    private func workerLoop() {
        defer { state.update { $0.liveThreads -= 1 } }
        while true {
            // Read before claiming, so a wake() during an empty claim is not slept through.
            let (stopping, wakes) = state.withLock { ($0.stopping, $0.wakes) }
            if stopping { return }
            if let job = claim() {
                run(job)
                continue
            }
            state.wait(until: Date().addingTimeInterval(pollInterval.timeInterval),
                       for: { $0.stopping || $0.wakes != wakes }) { _ in }
        }
    }

    private func claim() -> JobRecord? {
        do {
            let job = try database.write { [kinds, owner, lease, ended] connection in
                try JobQueue.claim(kinds: kinds, owner: owner, lease: lease, ended: ended, on: connection)
            }
            state.withLock { $0.claimsFailing = false }
            return job
        } catch {
            // The store is down or busy: wait a poll interval and try again, warning once per outage.
            let first = state.withLock { state -> Bool in
                defer { state.claimsFailing = true }
                return !state.claimsFailing
            }
            logger.log(level: first ? .warning : .debug, "claiming a job failed", metadata: ["error": "\(error)"])
            return nil
        }
    }

    private func run(_ job: JobRecord) {
        let context = JobContext(job: job)
        let accepted = state.withLock { state -> Bool in
            guard !state.stopping else { return false }
            state.running[job.id] = context
            return true
        }
        guard accepted else {
            // Claimed while `stop` began: hand it straight back.
            return record("release \(job.id)") { [owner, ended] connection in
                try Self.release(id: job.id, owner: owner, ended: ended, on: connection)
            }
        }
        // Removed only after the outcome is written, so a drained `stop` means recorded outcomes.
        defer { state.update { $0.running[job.id] = nil } }
        events?(JobEvent(kind: job.kind, outcome: .claimed, seconds: 0, reclaimed: job.reclaimedAfterExpiry))
        let start = ContinuousClock.now
        let outcome: Result<Void, any Error>
        do {
            try handler(context)
            outcome = .success(())
        } catch {
            outcome = .failure(error)
        }
        let elapsed = (ContinuousClock.now - start).timeInterval
        let reported = settle(context, outcome)
        events?(JobEvent(kind: job.kind, outcome: reported, seconds: elapsed))
    }

    /// Writes the handler's outcome, unless the lease was lost (the job is someone else's now), and
    /// says which it was.
    private func settle(_ context: JobContext, _ outcome: Result<Void, any Error>) -> JobEvent.Outcome {
        let id = context.job.id, owner = self.owner
        let reason = context.cancellationReason
        if reason == .leaseLost {
            logger.warning("lease lost; outcome not recorded", metadata: ["job": "\(id)"])
            return .leaseLost
        }
        switch outcome {
        case .success:
            record("complete \(id)") { try JobQueue.complete(id: id, owner: owner, on: $0) }
            return .succeeded
        case .failure(let error) where error is JobCancelled && reason == .shutdown:
            record("release \(id)") { [ended] connection in try Self.release(id: id, owner: owner, ended: ended, on: connection) }
            return .released
        case .failure(let error) where error is JobCancelled:
            record("cancel \(id)") { try JobQueue.markCancelled(id: id, owner: owner, on: $0) }
            return .cancelled
        case .failure(let deferred as JobDeferred):
            // Back to the queue until it is woken or its time comes; a cancel requested meanwhile ends it.
            record("park \(id)") { [ended] connection in
                if let job = try JobQueue.park(id: id, owner: owner, until: deferred.until, ready: deferred.ready, on: connection),
                   job.status.isFinal {
                    try ended(job, connection)
                }
            }
            return .parked
        case .failure(let error as RetryableJobError):
            let delay = error.retryAfter ?? JobQueue.backoff(attempt: context.attempt)
            let lastAttempt = context.attempt >= context.job.maxAttempts
            record("retry \(id)") { [ended] connection in
                // Out of attempts (`dead`), or cancelled meanwhile: no handler will run it again.
                if let job = try JobQueue.fail(id: id, owner: owner, error: error.message, retryAfter: delay, on: connection),
                   job.status.isFinal {
                    try ended(job, connection)
                }
            }
            return lastAttempt ? .dead : .retried
        case .failure(let error):
            let message = String(describing: error)
            record("fail \(id)") { try JobQueue.fail(id: id, owner: owner, error: message, retryAfter: nil, on: $0) }
            return .failed
        }
    }

    private func heartbeatLoop() {
        defer { state.update { $0.liveThreads -= 1 } }
        let interval = lease.timeInterval / 3
        while true {
            let over = state.wait(until: Date().addingTimeInterval(interval), for: { $0.heartbeatsOver }) { $0.heartbeatsOver }
            if over { return }
            let contexts = state.withLock { Array($0.running.values) }
            let ids = contexts.map(\.job.id)
            let registration = registration(running: ids)
            let results: [String: HeartbeatResult]
            do {
                // One transaction for all of this pool's leases and its registration: one commit per beat.
                results = try database.write { [owner, lease] connection in
                    try WorkerRepository.upsert(registration, on: connection)
                    var out: [String: HeartbeatResult] = [:]
                    for id in ids { out[id] = try JobQueue.heartbeat(id: id, owner: owner, lease: lease, on: connection) }
                    return out
                }
            } catch {
                // Leases outlive two missed beats; the next one may get through.
                logger.warning("heartbeat failed", metadata: ["error": "\(error)"])
                continue
            }
            for context in contexts {
                switch results[context.job.id] {
                case .cancelRequested?: context.cancel(.requested)
                case .lost?: context.cancel(.leaseLost)
                case .renewed?, nil: break
                }
            }
        }
    }

    /// Releases `owner`'s leases; a job this ends (`cancelled`, its cancel having been requested) is
    /// passed to `ended` in the same transaction.
    private static func release(id: String?, owner: String, ended: (JobRecord, any SQLConnection) throws -> Void,
                                on connection: any SQLConnection) throws {
        for job in try JobQueue.release(id: id, owner: owner, on: connection) where job.status.isFinal {
            try ended(job, connection)
        }
    }

    /// Runs a state change, retrying a failure twice. If it still fails, the lease expires and
    /// another worker reclaims the job: late, but never lost.
    private func record<T: Sendable>(_ what: String, _ body: @escaping @Sendable (any SQLConnection) throws -> T) {
        for attempt in 1...3 {
            do {
                _ = try database.write(body)
                return
            } catch {
                logger.warning("\(what) failed", metadata: ["error": "\(error)", "attempt": "\(attempt)"])
                if attempt < 3 { Thread.sleep(forTimeInterval: 0.2 * Double(attempt)) }
            }
        }
    }
}
