import CPostgres
import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Listens on a PostgreSQL channel (`LISTEN`) on its own connection and thread, and calls `onNotify`
/// for every notification, so processes on other machines learn of new work at once instead of at
/// their next poll. It is an accelerator, never the only path: whoever uses it also polls. After a
/// lost connection it reconnects with backoff and calls `onNotify` once, since notifications sent
/// while it was away are gone.
public final class PostgresListener: Sendable {
    public let channel: String
    private let url: String
    private let onNotify: @Sendable () -> Void
    private let stopping = Atomic<Bool>(false)
    private let finished = Mutex<Bool>(false)

    /// `channel` must be a plain identifier (it is interpolated into `LISTEN`).
    public init(url: String, channel: String, onNotify: @escaping @Sendable () -> Void) {
        precondition(channel.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" }, "channel must be an identifier")
        self.url = url
        self.channel = channel
        self.onNotify = onNotify
    }

    public func start() {
        let thread = Thread { [self] in run() }
        thread.name = "preflab-pg-listen"
        thread.start()
    }

    /// Stops within one wait (half a second); the thread closes its connection.
    public func stop() {
        stopping.store(true, ordering: .releasing)
    }

    public var isStopped: Bool { finished.withLock { $0 } }

    private func run() {
        defer { finished.withLock { $0 = true } }
        var backoff = 0.1
        while !stopping.load(ordering: .acquiring) {
            if let connection = connect() {
                backoff = 0.1
                // Anything enqueued while we were not listening is found by this wake.
                onNotify()
                listen(on: connection)
                PQfinish(connection)
            }
            guard !stopping.load(ordering: .acquiring) else { return }
            // Waits in slices so a stop is noticed promptly.
            let until = Date().addingTimeInterval(backoff)
            while Date() < until, !stopping.load(ordering: .acquiring) { usleep(50_000) }
            backoff = min(backoff * 2, 5)
        }
    }

    private func connect() -> OpaquePointer? {
        guard let connection = PQconnectdb(url) else { return nil }
        guard PQstatus(connection) == CONNECTION_OK, let result = PQexec(connection, "LISTEN \(channel)") else {
            PQfinish(connection)
            return nil
        }
        let ok = PQresultStatus(result) == PGRES_COMMAND_OK
        PQclear(result)
        guard ok else {
            PQfinish(connection)
            return nil
        }
        return connection
    }

    /// Waits on the connection's socket until it fails or we stop.
    private func listen(on connection: OpaquePointer) {
        let socket = PQsocket(connection)
        guard socket >= 0 else { return }
        while !stopping.load(ordering: .acquiring) {
            var descriptor = pollfd(fd: socket, events: Int16(POLLIN), revents: 0)
            let ready = poll(&descriptor, 1, 500)
            if ready < 0 && errno != EINTR { return }
            guard ready > 0 else { continue }
            guard PQconsumeInput(connection) == 1 else { return }
            var notified = false
            while let notification = PQnotifies(connection) {
                notified = true
                PQfreemem(notification)
            }
            if notified { onNotify() }
            guard PQstatus(connection) == CONNECTION_OK else { return }
        }
    }
}
