import Dispatch
import HTTP1
import Foundation
public import Logging
import Synchronization
#if canImport(Glibc)
import Glibc
#endif
import CLinux

/// A hand-written HTTP/1.1 server over POSIX sockets and epoll.
///
/// An acceptor thread accepts connections and registers them one-shot in a
/// shared epoll set; `eventLoops` threads (one per core) wait on it, and
/// whichever is woken owns that connection until it re-arms it. Reading is
/// non-blocking, so a client trickling bytes costs no thread; only a complete
/// request runs its handler: `.inline` ones on the event loop, `.blocking` ones
/// on one of `workers` pool threads, which takes the connection over.
/// A reaper thread enforces idle and read timeouts and drives graceful shutdown.
///
/// ```swift
/// let server = HTTPServer(configuration: config, responder: router, logger: logger)
/// try server.start()
/// server.waitUntilStopped()   // returns after shutdown() has drained
/// ```
public final class HTTPServer: Sendable {
    let configuration: HTTPServerConfiguration
    let responder: any HTTPResponder
    let logger: Logger

    let epollFD: Int32
    /// Level-triggered in epoll with id 0: once written, every worker wakes and exits.
    let stopFD: Int32
    /// Wakes the acceptor's poll so it closes the listeners.
    let acceptorWakeFD: Int32
    let connections = Mutex<[UInt64: Connection]>([:])
    let nextID = Atomic<UInt64>(1)
    let draining = Atomic<Bool>(false)
    let pool = BlockingPool()
    /// `configuration.maxConnections`, lowered to fit the open-file limit at start.
    let maxConnections = Atomic<Int>(0)
    /// Streamed responses in progress, each on its own thread.
    let activeStreams = Atomic<Int>(0)
    /// Per-route body limits, asked of the responder once a request's head is parsed.
    let bodyLimit: HTTPRequestParser.BodyLimit
    /// The `Date` value for responses completed off the event loops.
    let sharedDate = Mutex(HTTPDateCache())
    private let lifecycle = Mutex<Lifecycle>(Lifecycle())
    private let threads = DispatchGroup()
    private let stoppedSignal = DispatchSemaphore(value: 0)

    private struct Lifecycle {
        var listeners: [Int32] = []
        var port = 0
        var started = false
        var drainDeadline: ContinuousClock.Instant?
        var stopped = false
    }

    /// Creates a server; nothing is bound until `start()`.
    public init(configuration: HTTPServerConfiguration, responder: any HTTPResponder, logger: Logger) {
        self.configuration = configuration
        self.responder = responder
        self.logger = logger
        bodyLimit = { [responder] method, path in responder.maxBodyBytes(method: method, rawPath: path) }
        epollFD = epoll_create1(Int32(EPOLL_CLOEXEC))
        stopFD = eventfd(0, Int32(EFD_CLOEXEC) | Int32(EFD_NONBLOCK))
        acceptorWakeFD = eventfd(0, Int32(EFD_CLOEXEC) | Int32(EFD_NONBLOCK))
        precondition(epollFD >= 0 && stopFD >= 0 && acceptorWakeFD >= 0, "epoll/eventfd unavailable")
    }

    deinit {
        close(epollFD)
        close(stopFD)
        close(acceptorWakeFD)
    }

    /// The port actually bound (useful with port 0).
    public var port: Int { lifecycle.withLock { $0.port } }

    /// Binds, listens and starts the acceptor, workers and reaper threads.
    public func start() throws(IOError) {
        sizeConnectionTable()
        let deferSeconds = configuration.deferAccept ? Int32(clamping: max(1, configuration.firstRequestTimeout.components.seconds)) : 0
        let (fds, port) = try makeListeners(host: configuration.host, port: configuration.port, backlog: 1024,
                                            deferAcceptSeconds: deferSeconds)
        lifecycle.withLock {
            $0.listeners = fds
            $0.port = port
            $0.started = true
        }
        var event = epoll_event()
        event.events = EPOLLIN.rawValue
        event.data.u64 = 0
        try syscall("epoll_ctl(stop)") { epoll_ctl(epollFD, EPOLL_CTL_ADD, stopFD, &event) }
        spawn("preflab-accept") { self.acceptLoop(listeners: fds) }
        for i in 0..<max(1, configuration.eventLoops) {
            spawn("preflab-loop-\(i)") { self.eventLoop() }
        }
        for i in 0..<max(1, configuration.workers) {
            spawn("preflab-worker-\(i)") { self.poolWorker() }
        }
        spawn("preflab-reaper") { self.reaperLoop() }
        logger.debug("server started", metadata: ["server.port": "\(port)"])
    }

    /// Raises the soft open-file limit to the hard one (1,024 is a common soft default) and
    /// lowers the connection cap to what the limit leaves after the rest of the process
    /// (store, listeners, logs): past the limit `accept` would fail with EMFILE instead.
    private func sizeConnectionTable() {
        let limit = FileLimit.raiseToHard()
        let cap = FileLimit.connectionCap(configured: configuration.maxConnections, openFileLimit: limit)
        maxConnections.store(cap, ordering: .relaxed)
        if cap < configuration.maxConnections {
            logger.notice("connection cap lowered to fit the open-file limit", metadata: [
                "connections.max": "\(cap)", "connections.configured": "\(configuration.maxConnections)",
                "rlimit.nofile": "\(limit)",
            ])
        }
    }

    /// Begins a graceful shutdown: stop accepting, close idle connections,
    /// let in-flight requests finish (up to `drainTimeout`), then stop the threads.
    /// Safe to call more than once and from a signal-handling queue.
    public func shutdown() {
        guard !draining.exchange(true, ordering: .acquiringAndReleasing) else { return }
        lifecycle.withLock { $0.drainDeadline = .now + configuration.drainTimeout }
        var one: UInt64 = 1
        _ = write(acceptorWakeFD, &one, 8)
        let snapshot = connections.withLock { Array($0.values) }
        for connection in snapshot where connection.state.withLock({ $0.shutdownRequested() }) {
            closeDescriptor(connection)
        }
    }

    /// Blocks until `shutdown()` has drained the server, then gives the threads
    /// two seconds to finish; a handler stuck past that does not hold the process.
    public func waitUntilStopped() {
        stoppedSignal.wait()
        stoppedSignal.signal()  // let other waiters through too
        _ = threads.wait(timeout: .now() + 2)
    }

    /// Starts and blocks until shut down.
    public func run() throws(IOError) {
        try start()
        waitUntilStopped()
    }

    /// Number of open connections.
    public var connectionCount: Int { connections.withLock { $0.count } }

    func spawn(_ name: String, stackSize: Int = 1 << 20, _ body: @escaping @Sendable () -> Void) {
        threads.enter()
        let thread = Thread { [threads] in
            body()
            threads.leave()
        }
        thread.name = name
        thread.stackSize = stackSize
        thread.start()
    }

    // MARK: - Closing

    /// Closes the descriptor and forgets the connection. Call only after the
    /// state machine has moved to `.closed` for the caller.
    func closeDescriptor(_ connection: Connection) {
        close(connection.fd)
        connections.withLock { _ = $0.removeValue(forKey: connection.id) }
    }

    // MARK: - Timeouts and drain

    private func reaperLoop() {
        let tick = configuration.timerResolution
        let tickMicros = UInt32(max(1000, tick.components.seconds * 1_000_000 + tick.components.attoseconds / 1_000_000_000_000))
        while true {
            // A periodic tick, not synchronisation: deadlines are compared against the clock.
            usleep(tickMicros)
            let now = ContinuousClock.now
            let snapshot = connections.withLock { Array($0.values) }
            for connection in snapshot {
                switch connection.state.withLock({ $0.timeoutChecked(now: now) }) {
                case .none: break
                case .closeQuietly: closeDescriptor(connection)
                case .closeWithTimeout:
                    sendBestEffort(configuration.parseErrorResponder(HTTPParseError(.timeout, "request not received within the read timeout")), to: connection.fd)
                    closeDescriptor(connection)
                }
            }
            guard draining.load(ordering: .acquiring) else { continue }
            let deadline = lifecycle.withLock { $0.drainDeadline } ?? now
            if snapshot.isEmpty || now >= deadline {
                for connection in snapshot {
                    if connection.state.withLock({ $0.forceClosed() }) {
                        closeDescriptor(connection)
                    } else {
                        // Owned by a worker (e.g. a long stream): make its next write fail.
                        Glibc.shutdown(connection.fd, Int32(SHUT_RDWR))
                    }
                }
                var one: UInt64 = 1
                _ = write(stopFD, &one, 8)
                pool.stop(threads: max(1, configuration.workers))
                lifecycle.withLock { $0.stopped = true }
                stoppedSignal.signal()
                logger.debug("server drained", metadata: ["connections.forced": "\(snapshot.count)"])
                return
            }
        }
    }

    /// One non-blocking attempt to send a short response before closing.
    private func sendBestEffort(_ response: ServerResponse, to fd: Int32) {
        guard case .bytes(let body) = response.body else { return }
        var headers = response.headers
        headers.replaceOrAdd(name: "Content-Length", value: String(body.count))
        headers.replaceOrAdd(name: "Connection", value: "close")
        var out: [UInt8] = []
        HTTPResponseSerializer.writeHead(status: response.status, headers: headers, into: &out)
        out.append(contentsOf: body)
        _ = out.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL | MSG_DONTWAIT)) }
    }
}
