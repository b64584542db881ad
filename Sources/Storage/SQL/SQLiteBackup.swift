import CSQLite
import Foundation

/// Copies a SQLite store page by page with SQLite's online backup API, so a server may keep writing while
/// `preflab backup` runs: the copy is a consistent snapshot (the API restarts its pass when the source
/// changes under it). `restore` is the same copy the other way, refused onto a store that holds data.
public enum SQLiteBackup {
    /// What a copy produced: pages and the migrations the copy is at.
    public struct Summary: Sendable, Equatable {
        public var pages: Int
        public var schemaVersion: Int
    }

    /// Copies the store at `source` to a new file `destination` (which must not exist, or be empty).
    public static func backup(from source: String, to destination: String) throws(StorageError) -> Summary {
        guard FileManager.default.fileExists(atPath: source) else { throw StorageError(.unavailable, "no SQLite store at '\(source)'") }
        if let size = fileSize(destination), size > 0 {
            throw StorageError(.conflict, "'\(destination)' already exists; choose a new file")
        }
        return try copy(from: source, to: destination)
    }

    /// Copies the backup `source` over the store at `destination`. Refuses a destination holding any table
    /// unless `force`; refuses a source that is not a PrefLab store (no `schema_migrations`).
    public static func restore(from source: String, to destination: String, force: Bool) throws(StorageError) -> Summary {
        guard FileManager.default.fileExists(atPath: source) else { throw StorageError(.unavailable, "no backup file at '\(source)'") }
        let sourceVersion = try schemaVersion(path: source)
        guard sourceVersion > 0 else { throw StorageError(.failed, "'\(source)' is not a PrefLab store: it has no applied migrations") }
        if !force, let size = fileSize(destination), size > 0 {
            let tables = try withConnection(destination, create: false) { handle throws(StorageError) in
                try scalar(handle, "SELECT count(*) FROM sqlite_master WHERE type = 'table'")
            }
            if tables > 0 {
                throw StorageError(.conflict, "'\(destination)' already holds a store (\(tables) tables); pass --force to overwrite it")
            }
        }
        return try copy(from: source, to: destination)
    }

    /// The highest applied migration of the store at `path`, 0 when it has none.
    public static func schemaVersion(path: String) throws(StorageError) -> Int {
        try withConnection(path, create: false) { handle throws(StorageError) in
            let exists = try scalar(handle, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'")
            return exists == 0 ? 0 : try scalar(handle, "SELECT coalesce(max(version), 0) FROM schema_migrations")
        }
    }

    private static func copy(from source: String, to destination: String) throws(StorageError) -> Summary {
        let pages = try withConnection(source, create: false) { from throws(StorageError) -> Int in
            try withConnection(destination, create: true) { to throws(StorageError) -> Int in
                guard let backup = sqlite3_backup_init(to, "main", from, "main") else {
                    throw StorageError(.failed, "cannot start the backup: \(String(cString: sqlite3_errmsg(to)))")
                }
                var rc: Int32 = SQLITE_OK
                while rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED {
                    rc = sqlite3_backup_step(backup, 1024)
                    // A writer holds the source: give it a moment rather than spin (the copy restarts if it changed).
                    if rc == SQLITE_BUSY || rc == SQLITE_LOCKED { usleep(10_000) }
                }
                let total = Int(sqlite3_backup_pagecount(backup))
                sqlite3_backup_finish(backup)
                guard rc == SQLITE_DONE else {
                    throw StorageError(.failed, "the backup failed: \(String(cString: sqlite3_errstr(rc)))")
                }
                let check = try text(to, "PRAGMA quick_check")
                guard check == "ok" else { throw StorageError(.failed, "the copy does not pass quick_check: \(check)") }
                return total
            }
        }
        return Summary(pages: pages, schemaVersion: try schemaVersion(path: destination))
    }

    private static func withConnection<T>(_ path: String, create: Bool,
                                          _ body: (OpaquePointer) throws(StorageError) -> T) throws(StorageError) -> T {
        var handle: OpaquePointer?
        let flags = SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0)
        guard sqlite3_open_v2(path, &handle, flags, nil) == SQLITE_OK, let handle else {
            let message = handle.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
            sqlite3_close_v2(handle)
            throw StorageError(.unavailable, "cannot open SQLite file '\(path)': \(message)")
        }
        defer { sqlite3_close_v2(handle) }
        sqlite3_busy_timeout(handle, 10_000)
        return try body(handle)
    }

    private static func scalar(_ handle: OpaquePointer, _ sql: String) throws(StorageError) -> Int {
        Int(try text(handle, sql)) ?? 0
    }

    /// The first column of the first row, as text.
    private static func text(_ handle: OpaquePointer, _ sql: String) throws(StorageError) -> String {
        var statement: OpaquePointer?
        guard sqlite3_prepare_v2(handle, sql, -1, &statement, nil) == SQLITE_OK, let statement else {
            let message = String(cString: sqlite3_errmsg(handle))
            sqlite3_finalize(statement)
            throw StorageError(.failed, message, sql: sql)
        }
        defer { sqlite3_finalize(statement) }
        let rc = sqlite3_step(statement)
        guard rc == SQLITE_ROW else {
            if rc == SQLITE_DONE { return "" }
            throw StorageError(.failed, String(cString: sqlite3_errmsg(handle)), sql: sql)
        }
        return sqlite3_column_text(statement, 0).map { String(cString: $0) } ?? ""
    }

    private static func fileSize(_ path: String) -> Int? {
        (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? nil
    }
}
