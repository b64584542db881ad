import Crypto
public import Foundation

/// Applies the ordered SQL files of `Migrations/` and records each with its
/// SHA-256, so a file edited after it was applied stops start-up instead of
/// leaving databases that differ silently.
///
/// Files are `NNNN_name.sql` for both dialects, or `NNNN_name.sqlite.sql` and
/// `NNNN_name.postgres.sql` where the SQL must differ.
public struct Migrator: Sendable {
    public struct Migration: Sendable, Equatable {
        public let version: Int
        public let name: String
        public let sql: String
        public let checksum: String
    }

    public let directory: URL

    public init(directory: URL) {
        self.directory = directory
    }

    /// Finds `Migrations/`: `$PREFLAB_MIGRATIONS_DIR`, else beside or above the
    /// executable (so `.build/release/preflab` finds the checkout's), else above
    /// the working directory, else `/usr/share/preflab/migrations`.
    public static func locate(environment: [String: String] = ProcessInfo.processInfo.environment) throws(StorageError) -> Migrator {
        if let explicit = environment["PREFLAB_MIGRATIONS_DIR"] {
            return Migrator(directory: URL(fileURLWithPath: explicit))
        }
        var starts: [URL] = []
        if let executable = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            starts.append(URL(fileURLWithPath: executable).deletingLastPathComponent())
        }
        starts.append(URL(fileURLWithPath: FileManager.default.currentDirectoryPath))
        for start in starts {
            var directory = start
            for _ in 0..<8 {
                let candidate = directory.appendingPathComponent("Migrations")
                if FileManager.default.fileExists(atPath: candidate.appendingPathComponent("0001_init.sqlite.sql").path) {
                    return Migrator(directory: candidate)
                }
                directory = directory.deletingLastPathComponent()
            }
        }
        let installed = URL(fileURLWithPath: "/usr/share/preflab/migrations")
        if FileManager.default.fileExists(atPath: installed.path) { return Migrator(directory: installed) }
        throw StorageError(.migration, "cannot find the Migrations directory; set PREFLAB_MIGRATIONS_DIR")
    }

    /// The migrations for `dialect`, in version order.
    public func migrations(for dialect: SQLDialect) throws(StorageError) -> [Migration] {
        let files: [String]
        do {
            files = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".sql") }
        } catch {
            throw StorageError(.migration, "cannot read \(directory.path): \(error)")
        }
        var chosen: [Int: (name: String, file: String, specific: Bool)] = [:]
        for file in files {
            let base = String(file.dropLast(4))
            var name = base
            var specific = false
            for other in [SQLDialect.sqlite, .postgres] where base.hasSuffix(".\(other.rawValue)") {
                guard other == dialect else { name = ""; break }
                name = String(base.dropLast(other.rawValue.count + 1))
                specific = true
            }
            guard !name.isEmpty, let version = Int(name.prefix { $0.isNumber }) else { continue }
            if let existing = chosen[version], existing.specific || !specific {
                if existing.specific == specific {
                    throw StorageError(.migration, "two migrations share version \(version): \(existing.file) and \(file)")
                }
                continue
            }
            chosen[version] = (name, file, specific)
        }
        var out: [Migration] = []
        for version in chosen.keys.sorted() {
            guard let entry = chosen[version] else { continue }
            guard let data = FileManager.default.contents(atPath: directory.appendingPathComponent(entry.file).path),
                let sql = String(data: data, encoding: .utf8)
            else { throw StorageError(.migration, "cannot read migration \(entry.file)") }
            let checksum = hexString(SHA256.hash(data: data))
            out.append(Migration(version: version, name: entry.name, sql: sql, checksum: checksum))
        }
        return out
    }

    /// Applies what is missing, each file in its own transaction; returns the versions applied.
    @discardableResult
    public func apply(on connection: any SQLConnection) throws(StorageError) -> [Int] {
        let migrations = try migrations(for: connection.dialect)
        if connection.dialect == .postgres {
            // Several servers and workers may start at once against one database.
            try connection.execute(script: "SELECT pg_advisory_lock(720517)")
        }
        defer {
            if connection.dialect == .postgres { try? connection.execute(script: "SELECT pg_advisory_unlock(720517)") }
        }
        try connection.execute(script: """
            CREATE TABLE IF NOT EXISTS schema_migrations (
                version INTEGER PRIMARY KEY, name TEXT NOT NULL, checksum TEXT NOT NULL, applied_at BIGINT NOT NULL)
            """)
        var done: [Int] = []
        for migration in migrations {
            // SQLite has no advisory lock: BEGIN IMMEDIATE takes the write lock before the check, so of
            // several processes opening one file at once exactly one applies each migration.
            try connection.execute(script: connection.dialect == .sqlite ? "BEGIN IMMEDIATE" : "BEGIN")
            do throws(StorageError) {
                let recorded = try connection.query("SELECT checksum FROM schema_migrations WHERE version = ?",
                                                    .integer(Int64(migration.version))).first?[0].string
                if let checksum = recorded {
                    guard checksum == migration.checksum else {
                        throw StorageError(.migration, "migration \(migration.name) was changed after it was applied "
                            + "(recorded sha256 \(checksum.prefix(12))…, file has \(migration.checksum.prefix(12))…); "
                            + "restore the file and add a new migration instead")
                    }
                    try connection.execute(script: "COMMIT")
                    continue
                }
                try connection.execute(script: migration.sql)
                try connection.query(
                    "INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES (?, ?, ?, ?)",
                    .integer(Int64(migration.version)), .text(migration.name), .text(migration.checksum),
                    .integer(Int64(Date().timeIntervalSince1970 * 1_000_000)))
                try connection.execute(script: "COMMIT")
            } catch {
                try? connection.execute(script: "ROLLBACK")
                if error.code == .migration { throw error }
                throw StorageError(.migration, "migration \(migration.name) failed: \(error.message)")
            }
            done.append(migration.version)
        }
        return done
    }

    /// The migrations recorded as applied, oldest first: `(version, name)`.
    public static func applied(on connection: any SQLConnection) throws -> [(version: Int, name: String)] {
        try connection.query("SELECT version, name FROM schema_migrations ORDER BY version", []).map { ($0[0].int ?? 0, $0[1].string ?? "") }
    }
}
