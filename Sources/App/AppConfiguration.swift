public import Logging
public import Service
public import Storage

/// Settings of `preflab serve`, from flags or `PREFLAB_*` environment variables.
public struct AppConfiguration: Sendable {
    public var host: String
    public var port: Int
    public var database: DatabaseLocation
    /// Worker threads serving HTTP requests.
    public var workers: Int
    public var logLevel: Logger.Level
    /// Threads executing runs in this process (PREFLAB_RUN_WORKERS; 0 leaves runs to other processes).
    public var runWorkers: Int = 1
    /// How long a run's lease lasts without a heartbeat before another worker may resume it
    /// (PREFLAB_JOB_LEASE_SECONDS): the longest a crashed run waits before it resumes.
    public var jobLeaseSeconds: Int = 30
    /// Seconds a new connection has to send its first request head before it is closed
    /// (--first-request-timeout / PREFLAB_FIRST_REQUEST_TIMEOUT): silent connections cannot fill the table.
    public var firstRequestTimeout: Double = 5
    /// Scoring (`/v1/models/{id}/scores`, `get_reward`): batches of at most `scoreInlineMax` items are scored in
    /// the request (PREFLAB_SCORE_INLINE_MAX), larger ones in shards of `scoreShardSize` (PREFLAB_SCORE_SHARD_SIZE)
    /// over the worker pools, waiting at most `scoreTimeoutSeconds` (PREFLAB_SCORE_TIMEOUT_SECONDS); a request
    /// holds at most `scoreMaxItems` (PREFLAB_SCORE_MAX_ITEMS).
    public var scoreInlineMax = 256
    public var scoreShardSize = 64
    public var scoreTimeoutSeconds = 120
    public var scoreMaxItems = 16384
    /// The largest preference import (PREFLAB_IMPORT_MAX_BYTES, default 2 GiB): past 16 MiB the body is
    /// spooled to a file as it arrives and imported in the background (202 + `/v1/imports/{id}`).
    public var importMaxBytes = 2 << 30

    /// The same limits for the rollouts of runs judged by a reward model.
    public var runScoring: RunScoring {
        RunScoring(shardSize: scoreShardSize, inlineMax: scoreInlineMax, timeoutSeconds: scoreTimeoutSeconds)
    }

    public init(host: String = "127.0.0.1", port: Int = 8080, database: DatabaseLocation = .defaultSQLite,
                workers: Int = 16, logLevel: Logger.Level = .info) {
        self.host = host
        self.port = port
        self.database = database
        self.workers = workers
        self.logLevel = logLevel
    }

    /// Resolves each setting from its flag, else its `PREFLAB_*` variable, else the default,
    /// and validates them all, naming the setting at fault.
    public static func resolve(
        host: String?, port: Int?, database: String?, workers: Int?, logLevel: String?,
        firstRequestTimeout: Double? = nil, environment: [String: String]
    ) throws(ConfigurationError) -> AppConfiguration {
        var config = AppConfiguration()
        if let host = host ?? environment["PREFLAB_HOST"] {
            guard !host.isEmpty else { throw ConfigurationError("--host / PREFLAB_HOST must not be empty") }
            config.host = host
        }
        let environmentPort = try integer(environment["PREFLAB_PORT"], "PREFLAB_PORT")
        if let port = port ?? environmentPort {
            guard (0...65535).contains(port) else { throw ConfigurationError("--port / PREFLAB_PORT must be 0...65535, got \(port)") }
            config.port = port
        }
        if let database = database ?? environment["PREFLAB_DATABASE"] {
            do {
                config.database = try DatabaseLocation(parsing: database)
            } catch {
                throw ConfigurationError("--database / PREFLAB_DATABASE: \(error.message)")
            }
        }
        let environmentWorkers = try integer(environment["PREFLAB_WORKERS"], "PREFLAB_WORKERS")
        if let workers = workers ?? environmentWorkers {
            guard (1...1024).contains(workers) else { throw ConfigurationError("--workers / PREFLAB_WORKERS must be 1...1024, got \(workers)") }
            config.workers = workers
        }
        if let runWorkers = try integer(environment["PREFLAB_RUN_WORKERS"], "PREFLAB_RUN_WORKERS") {
            guard (0...64).contains(runWorkers) else { throw ConfigurationError("PREFLAB_RUN_WORKERS must be 0...64, got \(runWorkers)") }
            config.runWorkers = runWorkers
        }
        if let lease = try integer(environment["PREFLAB_JOB_LEASE_SECONDS"], "PREFLAB_JOB_LEASE_SECONDS") {
            guard (1...3600).contains(lease) else { throw ConfigurationError("PREFLAB_JOB_LEASE_SECONDS must be 1...3600, got \(lease)") }
            config.jobLeaseSeconds = lease
        }
        for (name, range, path) in [("PREFLAB_SCORE_INLINE_MAX", 0...100_000, \AppConfiguration.scoreInlineMax),
                                    ("PREFLAB_SCORE_SHARD_SIZE", 1...100_000, \AppConfiguration.scoreShardSize),
                                    ("PREFLAB_SCORE_TIMEOUT_SECONDS", 1...86_400, \AppConfiguration.scoreTimeoutSeconds),
                                    ("PREFLAB_SCORE_MAX_ITEMS", 1...1_000_000, \AppConfiguration.scoreMaxItems),
                                    ("PREFLAB_IMPORT_MAX_BYTES", 1...(1 << 40), \AppConfiguration.importMaxBytes)] {
            guard let value = try integer(environment[name], name) else { continue }
            guard range.contains(value) else { throw ConfigurationError("\(name) must be \(range.lowerBound)...\(range.upperBound), got \(value)") }
            config[keyPath: path] = value
        }
        let environmentTimeout = try environment["PREFLAB_FIRST_REQUEST_TIMEOUT"].map { text throws(ConfigurationError) -> Double in
            guard let value = Double(text) else {
                throw ConfigurationError("PREFLAB_FIRST_REQUEST_TIMEOUT must be a number of seconds, got '\(text)'")
            }
            return value
        }
        if let timeout = firstRequestTimeout ?? environmentTimeout {
            guard timeout.isFinite, (0.1...3600).contains(timeout) else {
                throw ConfigurationError("--first-request-timeout / PREFLAB_FIRST_REQUEST_TIMEOUT must be 0.1...3600 seconds, got \(timeout)")
            }
            config.firstRequestTimeout = timeout
        }
        if let level = logLevel ?? environment["PREFLAB_LOG_LEVEL"] {
            guard let parsed = Logger.Level(rawValue: level.lowercased()) else {
                let names = Logger.Level.allCases.map(\.rawValue).joined(separator: ", ")
                throw ConfigurationError("--log-level / PREFLAB_LOG_LEVEL must be one of \(names), got '\(level)'")
            }
            config.logLevel = parsed
        }
        return config
    }

    private static func integer(_ text: String?, _ name: String) throws(ConfigurationError) -> Int? {
        guard let text else { return nil }
        guard let value = Int(text) else { throw ConfigurationError("\(name) must be an integer, got '\(text)'") }
        return value
    }
}
