import Dispatch
import HTTP1
import Synchronization

/// A fixed set of threads for `.blocking` handlers. An event loop hands over a
/// connection together with its parsed request; the pool thread then owns the
/// connection (runs the handler, writes, keeps serving it) until it re-arms it.
final class BlockingPool: Sendable {
    struct Job: Sendable {
        let connection: Connection
        /// The request to handle first, routed; nil to just carry on serving buffered bytes.
        let request: ServerRequest?
        /// `request` is only a head asking `Expect: 100-continue`: check it, then read its body.
        var continueCheck = false
        /// With `continueCheck`: answer `100 Continue` when the head passes (false: a large body's head, sent without the expectation).
        var sendContinue = true
        /// The socket has something to read (an epoll event came while the connection was being registered).
        var readFirst = false
    }

    private struct Queue {
        var jobs: [Job] = []
        var head = 0
        var stopped = false
    }

    private let queue = Mutex(Queue())
    private let available = DispatchSemaphore(value: 0)

    /// Queues a job; false once the pool has stopped.
    func submit(_ job: Job) -> Bool {
        let accepted = queue.withLock { queue in
            guard !queue.stopped else { return false }
            queue.jobs.append(job)
            return true
        }
        if accepted { available.signal() }
        return accepted
    }

    /// Blocks until a job is queued; nil when the pool stops.
    func next() -> Job? {
        while true {
            available.wait()
            let job: Job?? = queue.withLock { queue in
                if queue.head < queue.jobs.count {
                    let job = queue.jobs[queue.head]
                    queue.head += 1
                    if queue.head == queue.jobs.count {
                        queue.jobs.removeAll(keepingCapacity: true)
                        queue.head = 0
                    }
                    return .some(job)
                }
                return queue.stopped ? .some(nil) : nil
            }
            if let job { return job }
        }
    }

    /// Lets every thread finish what it has and return from `next()`.
    func stop(threads: Int) {
        queue.withLock { $0.stopped = true }
        for _ in 0..<threads { available.signal() }
    }
}
