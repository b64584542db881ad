import App
import ArgumentParser
import Foundation
import Logging

/// The `preflab` command: parses arguments and hands over to `App`.
@main
struct PrefLab: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "preflab",
        abstract: "RLHF and preference-optimisation experiments over REST.",
        subcommands: [Serve.self],
        defaultSubcommand: Serve.self
    )
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

    func run() throws {
        let config: AppConfiguration
        do {
            config = try AppConfiguration.resolve(
                host: host, port: port, database: database, workers: workers, logLevel: logLevel,
                environment: ProcessInfo.processInfo.environment)
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
