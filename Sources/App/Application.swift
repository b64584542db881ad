import Dispatch
import Foundation
public import HTTPServer
public import Logging
import Storage
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The composition root: builds the router with its middleware and routes,
/// and runs the HTTP server until SIGTERM or SIGINT.
public final class Application: Sendable {
    public let configuration: AppConfiguration
    public let server: HTTPServer
    public let metrics: MetricsRegistry
    let logger: Logger

    /// Builds the application. `extraRoutes` lets a harness (the HTTP benchmark)
    /// add routes the product does not have.
    public init(configuration: AppConfiguration, logger: Logger, extraRoutes: (inout Router) -> Void = { _ in }) {
        self.configuration = configuration
        self.logger = logger
        let metrics = MetricsRegistry()
        self.metrics = metrics

        var router = Router(errorMapper: ErrorMapping.response(for:request:))
        router.add(middleware: RequestIDMiddleware())
        router.add(middleware: MetricsMiddleware(registry: metrics))
        if logger.logLevel <= .debug {
            router.add(middleware: AccessLogMiddleware(logger: logger))
        }
        let connectionCount = ConnectionCounter()
        HealthRoutes.register(on: &router, database: configuration.database, metrics: metrics,
                              connections: { connectionCount.value })
        extraRoutes(&router)

        var serverConfiguration = HTTPServerConfiguration()
        serverConfiguration.host = configuration.host
        serverConfiguration.port = configuration.port
        serverConfiguration.workers = configuration.workers
        serverConfiguration.parseErrorResponder = { ErrorMapping.response(for: $0) }
        server = HTTPServer(configuration: serverConfiguration, responder: router, logger: logger)
        connectionCount.server.withLock { $0 = server }
    }

    /// Binds and starts serving; returns the base URL.
    @discardableResult
    public func start() throws(IOError) -> String {
        try server.start()
        let host = configuration.host.contains(":") ? "[\(configuration.host)]" : configuration.host
        return "http://\(host):\(server.port)"
    }

    /// Serves until SIGTERM or SIGINT, then drains and returns.
    public func run() throws(IOError) {
        signal(SIGPIPE, SIG_IGN)
        let url = try start()
        // Written unbuffered: scripts wait for this line to know the server is up.
        FileHandle.standardOutput.write(Data("PrefLab listening on \(url) (store: \(configuration.database))\n".utf8))
        let sources = [SIGTERM, SIGINT].map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { [server, logger] in
                logger.info("shutting down", metadata: ["signal": "\(number)"])
                server.shutdown()
            }
            source.resume()
            return source
        }
        server.waitUntilStopped()
        sources.forEach { $0.cancel() }
        logger.info("stopped")
    }
}

/// Lets the metrics route read the connection count of a server built after it.
private final class ConnectionCounter: Sendable {
    let server = Mutex<HTTPServer?>(nil)

    var value: Int { server.withLock { $0?.connectionCount ?? 0 } }
}
