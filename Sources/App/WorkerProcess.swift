import Foundation
public import Logging
import Service
public import Storage
#if canImport(Glibc)
import Glibc
#endif

/// `preflab worker`: the job handlers over the store, and no HTTP server. Several worker processes on
/// several machines share one PostgreSQL: each claims jobs with `FOR UPDATE SKIP LOCKED`, renews its
/// leases by heartbeat, is woken by `NOTIFY` (polling otherwise), and registers itself in `workers`.
public final class WorkerProcess: Sendable {
    public let location: DatabaseLocation
    let database: Database
    let runs: RunExecutor
    let logger: Logger

    /// Opens (and migrates) the store; `concurrency` jobs run at once, each on its own thread.
    public init(location: DatabaseLocation, concurrency: Int, leaseSeconds: Int, logger: Logger) throws {
        self.location = location
        self.logger = logger
        database = try Database(location: location, migrator: try Migrator.locate())
        runs = RunExecutor(database: database, signal: RunSignal(), threads: max(1, concurrency),
                           lease: .seconds(leaseSeconds), logger: logger)
    }

    /// Runs jobs until SIGTERM or SIGINT, then lets running jobs stop at a step boundary (they keep
    /// their checkpoints and are released for another worker) and returns.
    public func run() throws {
        signal(SIGPIPE, SIG_IGN)
        let waiter = try TerminationSignals.install()
        runs.start()
        // Written unbuffered: scripts wait for this line to know the worker is up.
        FileHandle.standardOutput.write(Data("PrefLab worker running (store: \(location))\n".utf8))
        let number = waiter.wait()
        logger.info("shutting down", metadata: ["signal": "\(number)"])
        runs.stop()
        database.close()
        logger.info("stopped")
    }
}
