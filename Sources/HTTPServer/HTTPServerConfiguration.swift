import Foundation
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
    /// Connections beyond this get `503` and are closed at once.
    public var maxConnections: Int = 4096
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
    /// Parser limits (request line, headers, body).
    public var limits: HTTPLimits = .default
    /// Builds the response for a request that failed to parse; the server adds `Connection: close`.
    public var parseErrorResponder: @Sendable (HTTPParseError) -> ServerResponse = { error in
        .text("\(error.detail)\n", status: error.status)
    }

    public init() {}
}
