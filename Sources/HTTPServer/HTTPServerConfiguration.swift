import Foundation
#if canImport(Glibc)
import Glibc
#endif
import CLinux
public import HTTP1

/// Settings of an `HTTPServer`; each default is chosen for a service on a small machine.
public struct HTTPServerConfiguration: Sendable {
    /// Address to listen on; a name listens on every address it resolves to
    /// (`localhost` gives both 127.0.0.1 and ::1), `::` listens dual-stack.
    public var host: String = "127.0.0.1"
    /// TCP port; 0 picks a free one (see `HTTPServer.port`).
    public var port: Int = 8080
    /// Event-loop threads: they wait on epoll, read, parse, run `.inline`
    /// handlers and write. One per core: more would only add wake-ups.
    public var eventLoops: Int = ProcessInfo.processInfo.activeProcessorCount
    /// Threads for `.blocking` handlers (database commits, model loads), so a
    /// handler that waits never stalls an event loop. Slow clients cost none of them.
    public var workers: Int = 16
    /// Connections beyond this first displace a silent or idle one, else get `503` and are
    /// closed at once. Lowered at start to what the open-file limit allows (and logged).
    public var maxConnections: Int = 4096
    /// A new connection must send its first request head within this, or it is closed:
    /// connections that never send a byte cannot hold the table.
    public var firstRequestTimeout: Duration = .seconds(5)
    /// Listen with `TCP_DEFER_ACCEPT` for `firstRequestTimeout`: the kernel hands over a
    /// connection only once it has sent data, so connections that never send a byte wait in the
    /// kernel instead of the accept queue and the table, and a fresh health check is not stuck
    /// behind them.
    public var deferAccept = true
    /// Streamed responses running at once, each on a thread of its own; more get `503` with `Retry-After`.
    public var maxStreams: Int = 256
    /// A keep-alive connection with no request in progress is closed after this.
    public var idleTimeout: Duration = .seconds(60)
    /// A request must arrive completely within this of its first byte, or it gets 408.
    public var readTimeout: Duration = .seconds(30)
    /// A response write that makes no progress for this long closes the connection.
    public var writeTimeout: Duration = .seconds(30)
    /// On shutdown, in-flight requests get this long before connections are forced shut.
    public var drainTimeout: Duration = .seconds(10)
    /// How often the reaper looks for timed-out connections.
    public var timerResolution: Duration = .milliseconds(100)
    /// Where bodies of spooling routes are written while they arrive (`$TMPDIR`, else `/tmp`).
    public var spoolDirectory: String = getenv("TMPDIR").map { String(cString: $0) }.flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
    /// Parser limits (request line, headers, body).
    public var limits: HTTPLimits = .default
    /// Builds the response for a request that failed to parse; the server adds `Connection: close`.
    public var parseErrorResponder: @Sendable (HTTPParseError) -> ServerResponse = { error in
        .text("\(error.detail)\n", status: error.status)
    }

    /// Builds the `503` for a stream over `maxStreams`; the server adds `Retry-After`.
    public var overloadResponder: @Sendable () -> ServerResponse = {
        .text("too many streams in progress; retry later\n", status: .serviceUnavailable)
    }
    /// Accepts one connection from a listener: `accept4` unless a test injects failures.
    package var accept: @Sendable (Int32) -> Int32 = { listener in
        clinux_accept4(listener, Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue))
    }

    public init() {}
}
