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
        version: "preflab \(BuildInfo.version) (commit \(BuildInfo.commit))",
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
        abstract: "Run the API server (and, unless PREFLAB_RUN_WORKERS=0, a worker pool executing runs).",
        discussion: """
            Each option falls back to its PREFLAB_* environment variable. Every
            environment variable the server reads:

              PREFLAB_HOST, PREFLAB_PORT, PREFLAB_DATABASE, PREFLAB_WORKERS,
              PREFLAB_LOG_LEVEL, PREFLAB_LOG_FORMAT, PREFLAB_FIRST_REQUEST_TIMEOUT
                  the options above
              PREFLAB_RUN_WORKERS
                  threads executing runs in this process, 0-64 (default 1;
                  0 serves the API only and leaves runs to `preflab worker`)
              PREFLAB_JOB_LEASE_SECONDS
                  a run's lease, 1-3600 (default 30): how long the run of a
                  crashed worker waits before another resumes it
              PREFLAB_SCORE_INLINE_MAX
                  scoring batches up to this size are scored in the request
                  (default 256)
              PREFLAB_SCORE_SHARD_SIZE
                  larger ones are split into shards of this size (default 64)
              PREFLAB_SCORE_TIMEOUT_SECONDS
                  how long a sharded scoring request waits (default 120)
              PREFLAB_SCORE_MAX_ITEMS
                  items one scoring request may hold (default 16384)
              PREFLAB_IMPORT_MAX_BYTES
                  the largest preference import body (default 2 GiB); past
                  16 MiB it is spooled to disk and imported in the background
              PREFLAB_MIGRATIONS_DIR
                  the SQL migrations (default: Migrations/ beside or above the
                  binary or the working directory, else
                  /usr/share/preflab/migrations)
              PREFLAB_THREADS
                  threads of the numeric kernels (default: one per core)
              PREFLAB_SECRET_<NAME>
                  the bearer token of a remote judge whose spec names <name>
              PREFLAB_TEST_SHARD_PAUSE_FILE
                  tests only: scoring shards wait while this file exists
            """
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

    @Option(help: "text, or json for one JSON object per line (PREFLAB_LOG_FORMAT; default text).")
    var logFormat: String?

    func run() throws {
        let config: AppConfiguration
        let format: LogFormat
        do {
            config = try AppConfiguration.resolve(
                host: host, port: port, database: database, workers: workers, logLevel: logLevel,
                firstRequestTimeout: firstRequestTimeout, environment: ProcessInfo.processInfo.environment)
            format = try LogFormat.resolve(logFormat, environment: ProcessInfo.processInfo.environment).get()
        } catch {
            throw ValidationError(error.message)
        }
        format.bootstrap(level: config.logLevel)
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

    @Option(help: "Address the metrics port listens on (default 127.0.0.1; 0.0.0.0 in a container, for Prometheus).")
    var metricsHost: String = "127.0.0.1"

    @Option(help: "trace, debug, info, notice, warning, error or critical (PREFLAB_LOG_LEVEL; default info).")
    var logLevel: String?

    @Option(help: "text, or json for one JSON object per line (PREFLAB_LOG_FORMAT; default text).")
    var logFormat: String?

    func run() throws {
        let config: AppConfiguration
        let format: LogFormat
        do {
            config = try AppConfiguration.resolve(host: nil, port: nil, database: store.database, workers: nil, logLevel: logLevel,
                                                  environment: ProcessInfo.processInfo.environment)
            format = try LogFormat.resolve(logFormat, environment: ProcessInfo.processInfo.environment).get()
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
        format.bootstrap(level: config.logLevel)
        let logger = Logger(label: "preflab.worker")
        do {
            try WorkerProcess(location: config.database, concurrency: concurrency, leaseSeconds: config.jobLeaseSeconds, kinds: kinds,
                              metricsPort: metricsPort, metricsHost: metricsHost, scoring: config.runScoring, logger: logger).run()
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
