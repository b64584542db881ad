import Foundation

/// A store's connections: reads borrow a pooled connection, writes go through
/// the group committer. Opening applies pending migrations.
public final class Database: Sendable {
    public let dialect: SQLDialect
    public let location: DatabaseLocation
    private let readers: ConnectionPool
    private let cursors: ConnectionPool
    private let committer: GroupCommitter
    private let writerCount: Int
    /// Whether the last write reached the store; `/readyz` and the error log follow it.
    public let writability = StoreWritability()
    /// Read and write latency and group-commit batch sizes, for `/metrics`.
    public let metrics = StoreMetrics()

    /// Opens the store at `location` and migrates it.
    ///
    /// SQLite gets one writer (it allows only one) and WAL readers; PostgreSQL gets
    /// several writers, whose commits PostgreSQL itself groups further.
    public init(location: DatabaseLocation, migrator: Migrator? = nil, readerPoolSize: Int = 8, cursorPoolSize: Int = 4,
                postgresWriters: Int = 4) throws(StorageError) {
        self.location = location
        let open: @Sendable () throws(StorageError) -> any SQLConnection
        let healthy: @Sendable (any SQLConnection) -> Bool
        switch location {
        case .sqlite(let path):
            dialect = .sqlite
            let directory = (path as NSString).deletingLastPathComponent
            if !directory.isEmpty {
                try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            }
            try SQLiteConnection.refuseReadOnly(path: path)
            open = { () throws(StorageError) in try SQLiteConnection(path: path) }
            healthy = { _ in true }
        case .postgres(let url):
            dialect = .postgres
            open = { () throws(StorageError) in try PostgresConnection(url: url) }
            healthy = { ($0 as? PostgresConnection)?.isHealthy ?? false }
        }
        let migrationConnection = try open()
        let migrations: Migrator
        if let migrator { migrations = migrator } else { migrations = try Migrator.locate() }
        try migrations.apply(on: migrationConnection)
        writerCount = dialect == .sqlite ? 1 : max(1, postgresWriters)
        var writers = [ConnectionPool.Box(migrationConnection)]
        for _ in 1..<writerCount { writers.append(ConnectionPool.Box(try open())) }
        readers = ConnectionPool(size: readerPoolSize, open: open, healthy: healthy)
        cursors = ConnectionPool(size: cursorPoolSize, open: open, healthy: healthy)
        committer = GroupCommitter(connections: writers, dialect: dialect, writability: writability, metrics: metrics,
                                   reopen: open, healthy: healthy)
    }

    deinit {
        committer.stop(writers: writerCount)
    }

    /// Lends a pooled connection for reading.
    public func read<T>(_ body: (any SQLConnection) throws -> T) throws -> T {
        let start = ContinuousClock.now
        defer { metrics.observe(.read, seconds: start.secondsSince) }
        return try readers.with(body)
    }

    /// Lends a connection for a read that lasts as long as a client takes to download it (an
    /// export read from a cursor while it is written to the socket). These come from a pool of
    /// their own, so slow downloads can make each other wait but never hold up other requests' reads.
    public func readWhileStreaming<T>(_ body: (any SQLConnection) throws -> T) throws -> T {
        try cursors.with(body)
    }

    /// Runs `body` as part of a group-committed transaction; returns once it is durable.
    /// A thrown error rolls back `body`'s statements only. `body` may run more than
    /// once (a batch is retried with savepoints when one write fails), so it must
    /// touch nothing but the connection.
    @discardableResult
    public func write<T: Sendable>(_ body: @escaping @Sendable (any SQLConnection) throws -> T) throws -> T {
        let start = ContinuousClock.now
        defer { metrics.observe(.write, seconds: start.secondsSince) }
        return try committer.write(body)
    }

    /// Like `write`, without waiting: `completion` gets the result on the writer's completion
    /// thread once the transaction is durable. It should be quick: it delays the other callers
    /// of its batch (not the next batch, which the writer is already running).
    public func writeAsync<T: Sendable>(_ body: @escaping @Sendable (any SQLConnection) throws -> T,
                                        completion: @escaping @Sendable (Result<T, any Error>) -> Void) {
        let start = ContinuousClock.now, metrics = metrics
        committer.submit({ try body($0) }) { outcome in
            metrics.observe(.write, seconds: start.secondsSince)
            switch outcome {
            case .success(let value):
                if let typed = value as? T {
                    completion(.success(typed))
                } else {
                    completion(.failure(StorageError(.failed, "write returned an unexpected type")))
                }
            case .failure(let error):
                completion(.failure(error))
            }
        }
    }

    /// A write that needs room in the store and changes nothing: `/readyz` runs it while the store
    /// is not writable, so an idle server notices when space is back. Its success, like any
    /// committed write's, ends the episode.
    public func probeWrite() throws {
        try write { connection in
            switch connection.dialect {
            case .sqlite: try SQLiteConnection.checkRoom(on: connection)
            case .postgres: try connection.query("SELECT 1", [])
            }
        }
    }

    /// Stops the writer threads after the writes already queued.
    public func close() {
        committer.stop(writers: writerCount)
    }
}
