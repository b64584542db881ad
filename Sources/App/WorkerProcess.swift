import Foundation
import HTTPServer
public import Logging
public import Service
public import Storage
#if canImport(Glibc)
import Glibc
#endif

/// `preflab worker`: the job handlers over the store, and no API. Several worker processes on several
/// machines share one PostgreSQL: each claims jobs with `FOR UPDATE SKIP LOCKED`, renews its leases by
/// heartbeat, is woken by `NOTIFY` (polling otherwise), and registers itself in `workers`. With a
/// metrics port it serves `/metrics` (its pool's job counts and latencies, its process and store latency) and nothing else.
public final class WorkerProcess: Sendable {
    public let location: DatabaseLocation
    let database: Database
    let runs: RunExecutor
    let metrics = JobMetrics()
    let metricsServer: HTTPServer?
    let metricsHost: String
    let logger: Logger

    /// The job kinds of a `--queues` list (comma-separated queue names: `runs`, `scoring`).
    public static func kinds(queues: String) throws(ConfigurationError) -> [String] {
        let names = queues.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        let known = RunExecutor.queues.map(\.name).joined(separator: ", ")
        guard !names.isEmpty else { throw ConfigurationError("--queues: name at least one of \(known)") }
        switch RunExecutor.kinds(queues: names) {
        case .success(let kinds): return kinds
        case .failure(let error): throw ConfigurationError("--queues: unknown queue \(error.name); queues are \(known)")
        }
    }

    /// Opens (and migrates) the store; `concurrency` jobs of `kinds` run at once, each on its own thread.
    /// `metricsPort` (0: any free port) serves `/metrics` on `metricsHost`.
    /// `scoring` says when the rollouts of runs judged by a reward model are scored in shards.
    public init(location: DatabaseLocation, concurrency: Int, leaseSeconds: Int, kinds: [String], metricsPort: Int? = nil,
                metricsHost: String = "127.0.0.1", scoring: RunScoring = RunScoring(), logger: Logger) throws {
        self.location = location
        self.logger = logger
        self.metricsHost = metricsHost.contains(":") ? "[\(metricsHost)]" : metricsHost
        let database = try Database(location: location, migrator: try Migrator.locate())
        self.database = database
        let metrics = metrics
        runs = RunExecutor(database: database, signal: RunSignal(), threads: max(1, concurrency), lease: .seconds(leaseSeconds),
                           logger: logger, kinds: kinds, scoring: scoring, events: { metrics.record($0) })
        if let metricsPort {
            var router = Router()
            // The fleet's gauges (jobs, runs, heartbeats) come from the API's /metrics, so that summing does not count them twice.
            router.get("/metrics", execution: .inline) { [database] _ in
                let text = metrics.render() + FleetMetrics.render(database: database, includeStore: false)
                return ServerResponse(contentType: "text/plain; version=0.0.4; charset=utf-8", body: Array(text.utf8))
            }
            var configuration = HTTPServerConfiguration()
            configuration.host = metricsHost
            configuration.port = metricsPort
            configuration.workers = 1
            configuration.eventLoops = 1
            metricsServer = HTTPServer(configuration: configuration, responder: router, logger: logger)
        } else {
            metricsServer = nil
        }
    }

    /// Runs jobs until SIGTERM or SIGINT, then lets running jobs stop at a step boundary (they keep
    /// their checkpoints and are released for another worker) and returns.
    public func run() throws {
        signal(SIGPIPE, SIG_IGN)
        let waiter = try TerminationSignals.install()
        try metricsServer?.start()
        runs.start()
        var line = "PrefLab worker running (store: \(location))"
        if let metricsServer { line += "; metrics on http://\(metricsHost):\(metricsServer.port)/metrics" }
        // Written unbuffered: scripts wait for this line to know the worker is up.
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
        let number = waiter.wait()
        logger.info("shutting down", metadata: ["signal": "\(number)"])
        metricsServer?.shutdown()
        metricsServer?.waitUntilStopped()
        runs.stop()
        database.close()
        logger.info("stopped")
    }
}
