/// The lifecycle of one connection, as a pure state machine: who owns it and
/// when it times out. The server keeps one behind a lock per connection and
/// performs the returned actions (closing the descriptor, `epoll_ctl`) after leaving the lock.
///
/// Ownership follows epoll's one-shot arming: while `waiting` or `writing` the
/// connection sits in epoll and only the reaper (timeouts, drain), the acceptor (evicting)
/// or shutdown may close it; the event-loop thread that takes it (`claimed`) owns it
/// exclusively until it re-arms, parks, hands over or closes it. Handing it to epoll takes
/// two steps around the unlocked `epoll_ctl`: `registering()`, then `registered(_:then:)`.
/// In between nobody else closes it (so the call never meets a descriptor closed, or reused,
/// under it), and an event that fires in between is kept for the owner.
package struct ConnectionStateMachine: Sendable {
    package enum Phase: Sendable, Equatable {
        /// In epoll, waiting for bytes. `partial` is true when part of a request is buffered.
        case waiting(deadline: ContinuousClock.Instant, partial: Bool)
        /// In epoll, waiting until the socket takes the rest of a response.
        case writing(deadline: ContinuousClock.Instant)
        /// Owned by a worker that is reading, handling or writing.
        case active
        /// Still owned, while the owner's `epoll_ctl` hands it to epoll.
        case registering
        case closed
    }

    /// How a waiting connection should be ended.
    package enum TimeoutAction: Sendable, Equatable {
        case none
        /// Idle keep-alive connection, or a reader that stopped reading: close without a word (RFC 9112 §9.5).
        case closeQuietly
        /// A request stalled half-way (slow client): answer 408, then close.
        case closeWithTimeout
    }

    /// Which connections may be closed to make room for a new one, best first.
    package enum Evictable: Int, Sendable, Comparable {
        /// Connected but has not sent a byte yet: the shape of a connection-exhaustion attack.
        case silent = 0
        /// Sent part of a first request head and stalled (slowloris on the first request).
        case unfinishedFirstHead = 1
        /// Served at least one request and now idle: the client reconnects when it needs to.
        case idle = 2

        package static func < (a: Evictable, b: Evictable) -> Bool { a.rawValue < b.rawValue }
    }

    package private(set) var phase: Phase = .active
    /// Set when draining: the in-flight response is the last on this connection.
    package private(set) var closeAfterResponse = false
    /// When the first byte of the request being received arrived; the read
    /// timeout runs from here, so trickling bytes cannot extend it.
    private var requestStarted: ContinuousClock.Instant?
    /// Until the first request head is complete, the connection must deliver it by this instant.
    private var firstHeadDeadline: ContinuousClock.Instant?
    /// When the connection last began waiting with nothing buffered: eviction takes the oldest.
    package private(set) var waitingSince: ContinuousClock.Instant

    /// While `registering`: an epoll event fired (it is the owner's), or a forced close waits for the owner.
    private var wokenWhileRegistering = false
    private var closeWhileRegistering = false

    package let idleTimeout: Duration
    package let readTimeout: Duration

    /// `firstRequestTimeout` bounds how long a new connection may take to send its first request
    /// head, counted from `accepted`; nil leaves it to the idle and read timeouts.
    package init(idleTimeout: Duration, readTimeout: Duration, firstRequestTimeout: Duration? = nil,
                 accepted: ContinuousClock.Instant = .now) {
        self.idleTimeout = idleTimeout
        self.readTimeout = readTimeout
        firstHeadDeadline = firstRequestTimeout.map { accepted + $0 }
        waitingSince = accepted
    }

    /// A worker is about to wait on epoll for this connection again. `headSeen`: a complete
    /// request head has been received on it, which lifts the first-request deadline.
    package mutating func armed(now: ContinuousClock.Instant, partial: Bool, headSeen: Bool = true) {
        precondition(phase == .active, "only the owning worker arms a connection")
        if headSeen { firstHeadDeadline = nil }
        if partial {
            let started = requestStarted ?? now
            requestStarted = started
            phase = .waiting(deadline: Self.earlier(started + readTimeout, firstHeadDeadline), partial: true)
        } else {
            requestStarted = nil
            waitingSince = now
            phase = .waiting(deadline: Self.earlier(now + idleTimeout, firstHeadDeadline), partial: false)
        }
    }

    /// A streamed request body made progress: its read timeout runs afresh from the next `armed`, so a
    /// large upload is bounded by stalls rather than by its total time.
    package mutating func bodyProgressed() {
        requestStarted = nil
    }

    /// The owner could not send all of a response: it waits in epoll for the socket to drain.
    /// `now` is the last progress; a reader that takes nothing for the write timeout is dropped.
    package mutating func parked(now: ContinuousClock.Instant, writeTimeout: Duration) {
        precondition(phase == .active, "only the owning worker parks a connection")
        phase = .writing(deadline: now + writeTimeout)
    }

    /// The owner is about to hand the connection to epoll with `epoll_ctl`, outside the lock.
    package mutating func registering() {
        precondition(phase == .active, "only the owning worker registers a connection")
        phase = .registering
        wokenWhileRegistering = false
        closeWhileRegistering = false
    }

    /// What became of a registration.
    package enum Registration: Sendable, Equatable {
        /// The connection waits in epoll (as `then` arranged).
        case inEpoll
        /// The owner must close the descriptor: `epoll_ctl` failed, or a forced close or drain came meanwhile.
        case close
        /// An event fired before the registration was recorded: the one-shot is spent and the caller still
        /// owns the connection, with something to read or write.
        case woken
    }

    /// The owner's `epoll_ctl` returned (`succeeded`); `then` records what the connection now waits for
    /// (`armed` or `parked`).
    package mutating func registered(_ succeeded: Bool, then: (inout ConnectionStateMachine) -> Void) -> Registration {
        precondition(phase == .registering, "only the registering owner completes a registration")
        phase = .active
        if !succeeded || closeWhileRegistering {
            phase = .closed
            return .close
        }
        if wokenWhileRegistering { return .woken }
        then(&self)
        // A drain that began meanwhile closes an idle connection, as `shutdownRequested` would have.
        if closeAfterResponse, case .waiting(_, partial: false) = phase {
            phase = .closed
            return .close
        }
        return .inEpoll
    }

    /// An epoll event arrived; returns whether the caller now owns the connection.
    package mutating func claimed() -> Bool {
        switch phase {
        case .waiting, .writing:
            phase = .active
            return true
        case .registering:
            wokenWhileRegistering = true
            return false
        case .active, .closed:
            return false
        }
    }

    /// The reaper's periodic check.
    package mutating func timeoutChecked(now: ContinuousClock.Instant) -> TimeoutAction {
        switch phase {
        case .waiting(let deadline, let partial) where now >= deadline:
            phase = .closed
            return partial ? .closeWithTimeout : .closeQuietly
        case .writing(let deadline) where now >= deadline:
            phase = .closed
            return .closeQuietly
        default:
            return .none
        }
    }

    /// Whether the connection could be closed to admit a new one, and how willingly.
    package var evictable: Evictable? {
        guard case .waiting(_, let partial) = phase else { return nil }
        if firstHeadDeadline != nil { return partial ? .unfinishedFirstHead : .silent }
        return partial ? nil : .idle
    }

    /// Closes a connection chosen for eviction; false if it changed since it was chosen.
    package mutating func evicted() -> Bool {
        guard evictable != nil else { return false }
        phase = .closed
        return true
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
    /// A connection being registered is closed by its owner once `epoll_ctl` has returned.
    package mutating func forceClosed() -> Bool {
        switch phase {
        case .waiting, .writing:
            phase = .closed
            return true
        case .registering:
            closeWhileRegistering = true
            return false
        case .active, .closed:
            return false
        }
    }

    /// The owning worker closed the connection.
    package mutating func closedByOwner() {
        phase = .closed
    }

    private static func earlier(_ a: ContinuousClock.Instant, _ b: ContinuousClock.Instant?) -> ContinuousClock.Instant {
        guard let b else { return a }
        return min(a, b)
    }
}
