import Foundation
import Storage
import Testing

/// Throwaway stores for tests: a SQLite file in a fresh directory, and a fresh
/// database on the PostgreSQL that `make test` starts. Under CI=true a missing
/// PostgreSQL is a test failure; elsewhere its tests are reported as skipped, never as passed.
public enum TestStores {
    public static var postgresURL: String? { ProcessInfo.processInfo.environment["PREFLAB_TEST_DATABASE_URL"] }

    /// Whether this run tests PostgreSQL: a server is given, or CI=true demands one. Tests that need it
    /// take `.enabled(if: TestStores.testsPostgres, …)`, so without it they are reported as skipped.
    public static var testsPostgres: Bool {
        postgresURL != nil || ProcessInfo.processInfo.environment["CI"] == "true"
    }

    /// Which backends this run can test. (A test case cannot be reported as skipped on its own, so the
    /// PostgreSQL case is left out without a server; `PostgresAvailabilityTests` reports that as a skip.)
    public static var backends: [SQLDialect] { testsPostgres ? [.sqlite, .postgres] : [.sqlite] }

    /// The PostgreSQL server URL tests create their databases next to: a failure under CI=true without
    /// one, otherwise the calling test is cancelled (reported as such, never as passed).
    public static func requirePostgres() throws -> String {
        if let url = postgresURL { return url }
        if ProcessInfo.processInfo.environment["CI"] == "true" {
            Issue.record("PREFLAB_TEST_DATABASE_URL is not set under CI=true; run the tests through `make test`")
            throw StorageError(.unavailable, "no PostgreSQL for tests")
        }
        try Test.cancel("no PostgreSQL: set PREFLAB_TEST_DATABASE_URL (scripts/with-postgres.sh does)")
    }

    /// A fresh directory for one test's files, under a directory of this test process that is
    /// removed when the process exits (so a test run leaves nothing behind in the temporary folder).
    public static func scratchDirectory(_ label: String) -> String {
        "\(processDirectory)/\(label)-\(UUID().uuidString.prefix(8).lowercased())"
    }

    private static let processDirectory: String = {
        let path = NSTemporaryDirectory() + "preflab-tests-\(getpid())"
        atexit { try? FileManager.default.removeItem(atPath: NSTemporaryDirectory() + "preflab-tests-\(getpid())") }
        return path
    }()

    /// An empty store location of the given kind.
    public static func location(_ dialect: SQLDialect) throws -> DatabaseLocation {
        let tag = UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(16)
        switch dialect {
        case .sqlite:
            return .sqlite(path: scratchDirectory("store-\(tag)") + "/store.sqlite")
        case .postgres:
            let url = try requirePostgres()
            return .postgres(url: try PostgresAdmin.createDatabase(nextTo: url, name: "preflab_t_\(tag)"))
        }
    }

    /// The checkout's `Migrations/` directory.
    public static var migrator: Migrator {
        Migrator(directory: packageRoot.appendingPathComponent("Migrations"))
    }

    public static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// An opened, migrated, empty store.
    public static func open(_ dialect: SQLDialect) throws -> Database {
        try Database(location: try location(dialect), migrator: migrator)
    }
}
