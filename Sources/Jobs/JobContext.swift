import Synchronization

/// Why a running handler is asked to stop.
public enum CancellationReason: String, Sendable, Hashable {
    /// Someone requested the job's cancellation: it ends `cancelled`.
    case requested
    /// The pool is stopping: the job is released to be resumed by another worker or a restart.
    case shutdown
    /// The lease was lost (taken over after it expired): this worker must write nothing more.
    case leaseLost
}

/// What a handler throws once it has stopped because `JobContext.isCancelled` became true.
public struct JobCancelled: Error, Sendable, Hashable {
    public init() {}
}

/// A failure worth trying again (a judge endpoint timing out, a busy store). The job is queued again
/// after `retryAfter`, or after exponential backoff when nil, while attempts are left.
public struct RetryableJobError: Error, Sendable, Hashable, CustomStringConvertible {
    public var message: String
    public var retryAfter: Duration?

    public init(_ message: String, retryAfter: Duration? = nil) {
        self.message = message
        self.retryAfter = retryAfter
    }

    public var description: String { message }
}

/// A running job as its handler sees it. Long handlers check `isCancelled` between steps (or call
/// `checkCancellation()`): the pool cannot interrupt a thread, only ask.
public final class JobContext: Sendable {
    public let job: JobRecord
    private let reason = Mutex<CancellationReason?>(nil)

    init(job: JobRecord) {
        self.job = job
    }

    /// Which attempt this is, from 1.
    public var attempt: Int { job.attempts }

    public var isCancelled: Bool { reason.withLock { $0 != nil } }

    /// Why the handler is asked to stop; nil while it is not.
    public var cancellationReason: CancellationReason? { reason.withLock { $0 } }

    /// Throws `JobCancelled` once the handler should stop.
    public func checkCancellation() throws(JobCancelled) {
        if isCancelled { throw JobCancelled() }
    }

    /// The first reason wins, except that a lost lease overrides the others: once the job is
    /// someone else's, no outcome may be written, whatever else was asked.
    func cancel(_ new: CancellationReason) {
        reason.withLock { current in
            if current == nil || new == .leaseLost { current = new }
        }
    }
}
