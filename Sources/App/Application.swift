import Dispatch
import Foundation
public import HTTPServer
public import Logging
public import Storage
import Service
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
    public let database: Database
    let logger: Logger
    let runs: RunExecutor
    let scorer: ShardedScorer
    /// This process's pool: jobs by kind and outcome, handler latencies (appended to `/metrics`).
    public let jobMetrics: JobMetrics

    /// Opens (and migrates) the store and builds the routes. `extraRoutes` lets a
    /// harness (the HTTP benchmark) add routes the product does not have.
    public init(configuration: AppConfiguration, logger: Logger, migrator: Migrator? = nil,
                extraRoutes: (inout Router) -> Void = { _ in }) throws {
        self.configuration = configuration
        self.logger = logger
        let database = try Database(location: configuration.database, migrator: migrator)
        self.database = database
        let auth = Authenticator(database: database)
        let metrics = MetricsRegistry()
        self.metrics = metrics

        var router = Router(errorMapper: ErrorMapping.logging(logger))
        // `Expect: 100-continue`: a request without a valid token gets its 401 before sending the body.
        router.continueCheck = { request in _ = try auth.principal(for: request) }
        router.add(middleware: RequestIDMiddleware())
        router.add(middleware: MetricsMiddleware(registry: metrics))
        if logger.logLevel <= .debug {
            router.add(middleware: AccessLogMiddleware(logger: logger))
        }
        router.add(middleware: MediaTypeMiddleware())
        let connectionCount = ConnectionCounter()
        // Once per episode, not per refused write: a full disk would otherwise flood the log.
        database.writability.observe { [logger] failure in
            if let failure {
                logger.error("the store is not writable; writes get 503 until one succeeds", metadata: ["error": "\(failure)"])
            } else {
                logger.notice("the store is writable again")
            }
        }
        let jobMetrics = JobMetrics()
        self.jobMetrics = jobMetrics
        HealthRoutes.register(on: &router, database: database, metrics: metrics,
                              connections: { connectionCount.value }, extra: { jobMetrics.render() })
        PromptRoutes(database: database, auth: auth).register(on: &router)
        ComparisonRoutes(database: database, auth: auth).register(on: &router)
        PreferenceRoutes(database: database, auth: auth).register(on: &router)
        AnnotatePage.register(on: &router)
        DatasetRoutes(database: database, auth: auth, imports: ImportTracker(), importMaxBytes: configuration.importMaxBytes)
            .register(on: &router)
        AnnotationRoutes(database: database, auth: auth).register(on: &router)
        let models = ModelCache()
        ModelRoutes(database: database, auth: auth, cache: models).register(on: &router)
        let signal = RunSignal()
        let runs = RunExecutor(database: database, signal: signal, threads: configuration.runWorkers,
                               lease: .seconds(configuration.jobLeaseSeconds), logger: logger, scoring: configuration.runScoring,
                               events: { jobMetrics.record($0) })
        self.runs = runs
        let scorer = ShardedScorer(database: database, signal: runs.scoreSignal, shardSize: configuration.scoreShardSize,
                                   timeout: .seconds(configuration.scoreTimeoutSeconds), wake: { runs.wake() })
        self.scorer = scorer
        ScoreRoutes(database: database, auth: auth, cache: models, scorer: scorer, inlineMax: configuration.scoreInlineMax,
                    maxItems: configuration.scoreMaxItems).register(on: &router)
        RunRoutes(database: database, auth: auth, executor: runs, signal: signal).register(on: &router)
        EvaluationRoutes(database: database, auth: auth, executor: runs).register(on: &router)
        WorkerRoutes(database: database, auth: auth).register(on: &router)
        WebhookRoutes(database: database, auth: auth).register(on: &router)
        TokenRoutes(database: database, auth: auth).register(on: &router)
        LifecycleRoutes(database: database, auth: auth).register(on: &router)
        extraRoutes(&router)

        var serverConfiguration = HTTPServerConfiguration()
        serverConfiguration.host = configuration.host
        serverConfiguration.port = configuration.port
        serverConfiguration.workers = configuration.workers
        serverConfiguration.firstRequestTimeout = .milliseconds(Int(configuration.firstRequestTimeout * 1000))
        serverConfiguration.parseErrorResponder = { ErrorMapping.response(for: $0) }
        serverConfiguration.overloadResponder = {
            Problem(status: .serviceUnavailable, code: "too_many_streams",
                    detail: "the server is serving as many event streams as it takes; retry after the Retry-After seconds").response
        }
        server = HTTPServer(configuration: serverConfiguration, responder: router, logger: logger)
        connectionCount.server.withLock { $0 = server }
    }

    /// Binds and starts serving; returns the base URL.
    @discardableResult
    public func start() throws(IOError) -> String {
        try server.start()
        runs.start()
        let host = configuration.host.contains(":") ? "[\(configuration.host)]" : configuration.host
        return "http://\(host):\(server.port)"
    }

    /// On a store with no tokens at all, creates an `admin` token and returns its
    /// secret, to be shown once; nil otherwise. Of several processes starting together
    /// on an empty store, exactly one creates it (see `TokenRepository.bootstrapAdmin`).
    public func bootstrapAdminToken() throws -> String? {
        try database.write { connection -> String? in
            guard let (token, secret) = try TokenRepository.bootstrapAdmin(on: connection) else { return nil }
            try AuditRepository.record(actor: "bootstrap", actorToken: nil, action: "token.create", target: token.id,
                                       detail: ["name": .string(token.name), "role": .string(token.role.rawValue)], on: connection)
            return secret
        }
    }

    /// Stops serving, lets running runs stop at a step boundary (they resume on the next start), and
    /// closes the store. For embedding and tests; `run()` does the same on a signal.
    public func stop() {
        server.shutdown()
        server.waitUntilStopped()
        runs.stop()
        scorer.close()
        database.close()
    }

    /// Serves until SIGTERM or SIGINT, then drains and returns.
    public func run() throws {
        signal(SIGPIPE, SIG_IGN)
        if let secret = try bootstrapAdminToken() {
            FileHandle.standardOutput.write(Data("Created the first admin token; it is shown only this once:\n  \(secret)\n".utf8))
        }
        // The handlers are in place before the server announces itself, so a SIGTERM sent as soon as
        // "listening" is printed drains the server instead of being lost or killing it.
        let waiter = try TerminationSignals.install()
        let stopper = Thread { [server, logger] in
            let number = waiter.wait()
            logger.info("shutting down", metadata: ["signal": "\(number)"])
            server.shutdown()
        }
        stopper.name = "preflab-signals"
        stopper.start()
        let url = try start()
        // Written unbuffered: scripts wait for this line to know the server is up.
        FileHandle.standardOutput.write(Data("PrefLab listening on \(url) (store: \(configuration.database))\n".utf8))
        server.waitUntilStopped()
        // Running runs stop at a step boundary and keep their checkpoint; a restart resumes them.
        runs.stop()
        scorer.close()
        database.close()
        logger.info("stopped")
    }
}

/// Lets the metrics route read the connection count of a server built after it.
private final class ConnectionCounter: Sendable {
    let server = Mutex<HTTPServer?>(nil)

    var value: Int { server.withLock { $0?.connectionCount ?? 0 } }
}
