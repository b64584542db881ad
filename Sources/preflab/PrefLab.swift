import App
import ArgumentParser
import Foundation
import Logging
import Storage

/// The `preflab` command: parses arguments and hands over to `App`.
@main
struct PrefLab: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "preflab",
        abstract: "RLHF and preference-optimisation experiments over REST.",
        subcommands: [Serve.self, Worker.self, Migrate.self, TokenCommand.self, Eval.self, Backup.self, Restore.self],
        defaultSubcommand: Serve.self
    )

    /// As ArgumentParser's, except that `preflab eval` reports a usage error with exit code 2 (its
    /// documented contract with CI) rather than 64.
    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            let code = exitCode(for: error)
            if CommandLine.arguments.dropFirst().first == "eval", code != .success, code.rawValue != 1, code.rawValue != 2 {
                FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
                Self.exit(withError: ExitCode(2))
            }
            exit(withError: error)
        }
    }
}

struct Serve: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the API server (and, with the storage issue, the in-process worker pool).",
        discussion: "Each option falls back to its PREFLAB_* environment variable, e.g. PREFLAB_PORT."
    )

    @Option(help: "Address to listen on (PREFLAB_HOST; default 127.0.0.1; 'localhost' listens on IPv4 and IPv6).")
    var host: String?

    @Option(help: "TCP port, 0 for any free port (PREFLAB_PORT; default 8080).")
    var port: Int?

    @Option(help: "Store: sqlite:PATH or a postgres:// URL (PREFLAB_DATABASE; default sqlite:data/preflab.sqlite).")
    var database: String?

    @Option(help: "HTTP worker threads (PREFLAB_WORKERS; default 16).")
    var workers: Int?

    @Option(help: "trace, debug, info, notice, warning, error or critical (PREFLAB_LOG_LEVEL; default info).")
    var logLevel: String?

    @Option(help: "Seconds a new connection has to send its first request head (PREFLAB_FIRST_REQUEST_TIMEOUT; default 5).")
    var firstRequestTimeout: Double?

    func run() throws {
        let config: AppConfiguration
        do {
            config = try AppConfiguration.resolve(
                host: host, port: port, database: database, workers: workers, logLevel: logLevel,
                firstRequestTimeout: firstRequestTimeout, environment: ProcessInfo.processInfo.environment)
        } catch {
            throw ValidationError(error.message)
        }
        let level = config.logLevel
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "preflab")
        do {
            try Application(configuration: config, logger: logger).run()
        } catch {
            logger.critical("could not start the server", metadata: ["error": "\(error)"])
            throw ExitCode.failure
        }
    }
}

struct Worker: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run jobs (runs, scoring shards) from the store, serving no API: scale out with several, against one PostgreSQL.",
        discussion: "Pair with `serve` under PREFLAB_RUN_WORKERS=0. Options fall back to PREFLAB_* variables."
    )

    @OptionGroup var store: DatabaseOption

    @Option(help: "Jobs run at once, each on its own thread (PREFLAB_RUN_WORKERS; default 1).")
    var concurrency: Int?

    @Option(help: "Queues to take jobs from, comma-separated: runs (runs, evaluations, webhook deliveries), scoring (score shards); default both.")
    var queues: String = "runs,scoring"

    @Option(help: "Serve Prometheus /metrics (this pool's jobs by kind and outcome, shard latency) on this port; 0 = any free port.")
    var metricsPort: Int?

    @Option(help: "trace, debug, info, notice, warning, error or critical (PREFLAB_LOG_LEVEL; default info).")
    var logLevel: String?

    func run() throws {
        let config: AppConfiguration
        do {
            config = try AppConfiguration.resolve(host: nil, port: nil, database: store.database, workers: nil, logLevel: logLevel,
                                                  environment: ProcessInfo.processInfo.environment)
        } catch {
            throw ValidationError(error.message)
        }
        let kinds: [String]
        do {
            kinds = try WorkerProcess.kinds(queues: queues)
        } catch {
            throw ValidationError(error.message)
        }
        if let metricsPort, !(0...65535).contains(metricsPort) { throw ValidationError("--metrics-port must be 0...65535, got \(metricsPort)") }
        let concurrency = concurrency ?? max(1, config.runWorkers)
        guard (1...64).contains(concurrency) else { throw ValidationError("--concurrency must be 1...64, got \(concurrency)") }
        let level = config.logLevel
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "preflab.worker")
        do {
            try WorkerProcess(location: config.database, concurrency: concurrency, leaseSeconds: config.jobLeaseSeconds, kinds: kinds,
                              metricsPort: metricsPort, scoring: config.runScoring, logger: logger).run()
        } catch {
            logger.critical("could not start the worker", metadata: ["error": "\(error)"])
            throw ExitCode.failure
        }
    }
}

/// The `--database` option shared by the commands that open the store.
struct DatabaseOption: ParsableArguments {
    init() {}

    init(database: String?) {
        self.database = database
    }

    @Option(help: "Store: sqlite:PATH or a postgres:// URL (PREFLAB_DATABASE; default sqlite:data/preflab.sqlite).")
    var database: String?

    func location() throws -> DatabaseLocation {
        do {
            return try AppConfiguration.resolve(host: nil, port: nil, database: database, workers: nil, logLevel: nil,
                                                environment: ProcessInfo.processInfo.environment).database
        } catch {
            throw ValidationError(error.message)
        }
    }
}

struct Migrate: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Apply pending migrations from Migrations/ and exit.")

    @OptionGroup var store: DatabaseOption

    func run() throws {
        let location = try store.location()
        do {
            let database = try Database(location: location)
            let versions = try database.read { try Migrator.applied(on: $0) }.map { "\($0.version) \($0.name)" }
            print("\(location): schema at \(versions.last ?? "nothing") (\(versions.count) migration(s) applied)")
            database.close()
        } catch {
            FileHandle.standardError.write(Data("migrate failed: \(error)\n".utf8))
            throw ExitCode.failure
        }
    }
}
