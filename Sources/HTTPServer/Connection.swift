import HTTP1
import Synchronization

/// One accepted connection.
final class Connection: @unchecked Sendable {
    // `parser`, `headSeen` and the outbox are touched only by the thread that owns the
    // connection under one-shot epoll arming (ConnectionStateMachine.claimed); ownership
    // passes through `state`'s Mutex, which orders the accesses. `state` and `hangUp` are locked.
    let id: UInt64
    let fd: Int32
    var parser: HTTPRequestParser
    let state: Mutex<ConnectionStateMachine>
    /// A complete request head has arrived on this connection (lifts the first-request deadline).
    var headSeen = false
    /// Response bytes the socket has not taken yet, from `outboxOffset`; sent by an event loop on EPOLLOUT.
    var outbox: [UInt8] = []
    var outboxOffset = 0
    /// Close once the outbox is sent, instead of reading the next request.
    var closeAfterFlush = false
    /// The file the current request's body is being written to, once it passed its route's spool threshold.
    var spool: BodySpool?
    /// Set while a stream thread owns the connection and epoll watches it only for the peer hanging up.
    let hangUp = Mutex<HangUpNotice?>(nil)

    init(id: UInt64, fd: Int32, limits: HTTPLimits, bodyLimit: HTTPRequestParser.BodyLimit?, machine: ConnectionStateMachine) {
        self.id = id
        self.fd = fd
        self.parser = HTTPRequestParser(limits: limits, bodyLimit: bodyLimit)
        self.state = Mutex(machine)
    }
}

/// Tells a streamed response that its client went away: set by the event loop that sees
/// EPOLLRDHUP/EPOLLHUP, read by the stream's writer, which wakes its producer at once.
final class HangUpNotice: Sendable {
    private let state = Mutex<(happened: Bool, callbacks: [@Sendable () -> Void])>((false, []))

    var happened: Bool { state.withLock { $0.happened } }

    func fire() {
        let callbacks = state.withLock { state -> [@Sendable () -> Void] in
            guard !state.happened else { return [] }
            state.happened = true
            defer { state.callbacks = [] }
            return state.callbacks
        }
        for callback in callbacks { callback() }
    }

    /// Runs `callback` once when the peer hangs up: now if it already has.
    func onFire(_ callback: @escaping @Sendable () -> Void) {
        let now = state.withLock { state -> Bool in
            if state.happened { return true }
            state.callbacks.append(callback)
            return false
        }
        if now { callback() }
    }
}
