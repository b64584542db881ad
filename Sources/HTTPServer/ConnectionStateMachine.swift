/// The lifecycle of one connection, as a pure state machine: who owns it and
/// when it times out. The server keeps one behind a lock per connection and
/// performs the returned actions after leaving the lock.
///
/// Ownership follows epoll's one-shot arming: while `waiting` the connection
/// sits in epoll and only the timeout reaper may touch it; a worker that takes
/// it (`claimed`) owns it exclusively until it re-arms or closes it.
package struct ConnectionStateMachine: Sendable {
    package enum Phase: Sendable, Equatable {
        /// In epoll, waiting for bytes. `partial` is true when part of a request is buffered.
        case waiting(deadline: ContinuousClock.Instant, partial: Bool)
        /// Owned by a worker that is reading, handling or writing.
        case active
        case closed
    }

    /// How a waiting connection should be ended.
    package enum TimeoutAction: Sendable, Equatable {
        case none
        /// Idle keep-alive connection: close without a word (RFC 9112 §9.5).
        case closeQuietly
        /// A request stalled half-way (slow client): answer 408, then close.
        case closeWithTimeout
    }

    package private(set) var phase: Phase = .active
    /// Set when draining: the in-flight response is the last on this connection.
    package private(set) var closeAfterResponse = false
    /// When the first byte of the request being received arrived; the read
    /// timeout runs from here, so trickling bytes cannot extend it.
    private var requestStarted: ContinuousClock.Instant?

    package let idleTimeout: Duration
    package let readTimeout: Duration

    package init(idleTimeout: Duration, readTimeout: Duration) {
        self.idleTimeout = idleTimeout
        self.readTimeout = readTimeout
    }

    /// A worker is about to wait on epoll for this connection again.
    package mutating func armed(now: ContinuousClock.Instant, partial: Bool) {
        precondition(phase == .active, "only the owning worker arms a connection")
        if partial {
            let started = requestStarted ?? now
            requestStarted = started
            phase = .waiting(deadline: started + readTimeout, partial: true)
        } else {
            requestStarted = nil
            phase = .waiting(deadline: now + idleTimeout, partial: false)
        }
    }

    /// An epoll event arrived; returns whether the caller now owns the connection.
    package mutating func claimed() -> Bool {
        guard case .waiting = phase else { return false }
        phase = .active
        return true
    }

    /// The reaper's periodic check.
    package mutating func timeoutChecked(now: ContinuousClock.Instant) -> TimeoutAction {
        guard case .waiting(let deadline, let partial) = phase, now >= deadline else { return .none }
        phase = .closed
        return partial ? .closeWithTimeout : .closeQuietly
    }

    /// The server began draining; returns whether the connection should be closed now.
    package mutating func shutdownRequested() -> Bool {
        closeAfterResponse = true
        if case .waiting(_, partial: false) = phase {
            phase = .closed
            return true
        }
        return false
    }

    /// Drain timed out or the owner is closing: returns whether the caller must close the descriptor.
    package mutating func forceClosed() -> Bool {
        guard case .waiting = phase else { return false }
        phase = .closed
        return true
    }

    /// The owning worker closed the connection.
    package mutating func closedByOwner() {
        phase = .closed
    }
}
