import Dispatch
import Foundation
import Storage
import Synchronization
import Testing
import TestSupport

/// The SQL layer against both real backends.
@Suite struct DatabaseTests {
    @Test(arguments: TestStores.backends)
    func migrationsCreateTheSchemaOnce(dialect: SQLDialect) throws {
        let location = try TestStores.location(dialect)
        let first = try Database(location: location, migrator: TestStores.migrator)
        let tables = try first.read { try $0.query("SELECT version, name FROM schema_migrations ORDER BY version", []) }
        let expected = try TestStores.migrator.migrations(for: dialect).map(\.name)
        #expect(expected.first == "0001_init")
        #expect(tables.map { $0[1].string } == expected)
        first.close()
        // Opening again applies nothing and keeps the data.
        let second = try Database(location: location, migrator: TestStores.migrator)
        #expect(try second.read { try $0.query("SELECT count(*) FROM schema_migrations", [])[0][0].int } == expected.count)
    }

    /// A migration edited after it was applied stops start-up with a message naming it.
    @Test(arguments: TestStores.backends)
    func changedMigrationStopsStartUp(dialect: SQLDialect) throws {
        let location = try TestStores.location(dialect)
        let directory = URL(fileURLWithPath: TestStores.scratchDirectory("migrations"))
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        for file in try FileManager.default.contentsOfDirectory(atPath: TestStores.migrator.directory.path) {
            try FileManager.default.copyItem(at: TestStores.migrator.directory.appendingPathComponent(file),
                                             to: directory.appendingPathComponent(file))
        }
        _ = try Database(location: location, migrator: Migrator(directory: directory))
        let file = directory.appendingPathComponent("0001_init.\(dialect.rawValue).sql")
        try (String(contentsOf: file, encoding: .utf8) + "\n-- edited\n").write(to: file, atomically: true, encoding: .utf8)
        #expect {
            _ = try Database(location: location, migrator: Migrator(directory: directory))
        } throws: { error in
            guard let error = error as? StorageError else { return false }
            return error.code == .migration && error.message.contains("0001_init was changed after it was applied")
        }
    }

    @Test func dialectSpecificFilesWinOverSharedOnes() throws {
        let directory = URL(fileURLWithPath: TestStores.scratchDirectory("migrations"))
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try "SELECT 1;".write(to: directory.appendingPathComponent("0001_a.sql"), atomically: true, encoding: .utf8)
        try "SELECT 2;".write(to: directory.appendingPathComponent("0002_b.sql"), atomically: true, encoding: .utf8)
        try "SELECT 3;".write(to: directory.appendingPathComponent("0002_b.postgres.sql"), atomically: true, encoding: .utf8)
        let migrator = Migrator(directory: directory)
        #expect(try migrator.migrations(for: .sqlite).map(\.sql) == ["SELECT 1;", "SELECT 2;"])
        #expect(try migrator.migrations(for: .postgres).map(\.sql) == ["SELECT 1;", "SELECT 3;"])
    }

    @Test(arguments: TestStores.backends)
    func valuesRoundTrip(dialect: SQLDialect) throws {
        let database = try TestStores.open(dialect)
        let blob: [UInt8] = [0, 1, 2, 255, 0, 39]
        try database.write { connection in
            try connection.query("INSERT INTO tokens (id, name, role, hash, created_at) VALUES (?, ?, ?, ?, ?)",
                                 .text("tok_1"), .text("n'a\"me ✓ ?"), .text("admin"), .blob(blob), .integer(Int64.max / 2))
        }
        let row = try #require(try database.read { try $0.query("SELECT name, hash, created_at, revoked_at FROM tokens WHERE id = ?", .text("tok_1")) }.first)
        #expect(row["name"] == .text("n'a\"me ✓ ?"))
        #expect(row["hash"] == .blob(blob))
        #expect(row["created_at"] == .integer(Int64.max / 2))
        #expect(row["revoked_at"] == .null)
    }

    @Test(arguments: TestStores.backends)
    func constraintViolationsAreClassified(dialect: SQLDialect) throws {
        let database = try TestStores.open(dialect)
        let insert = "INSERT INTO prompts (id, text, created_at) VALUES (?, ?, ?)"
        try database.write { c in try c.query(insert, .text("p1"), .text("x"), .integer(1)) }
        #expect(throws: StorageError.self) {
            try database.write { c in try c.query(insert, .text("p1"), .text("y"), .integer(2)) }
        }
        do {
            try database.write { c in try c.query(insert, .text("p1"), .text("y"), .integer(2)) }
        } catch {
            #expect((error as? StorageError)?.code == .conflict)
        }
        do {
            try database.write { c in
                try c.query("INSERT INTO comparisons (id, prompt_id, response_a, response_b, judgements_required, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                            .text("c1"), .text("missing"), .text("a"), .text("b"), .integer(1), .integer(1))
            }
            Issue.record("foreign key violation was accepted")
        } catch {
            #expect((error as? StorageError)?.code == .constraint)
        }
    }

    /// Concurrent writes are committed together, and one failing write undoes only itself.
    @Test(arguments: TestStores.backends)
    func groupCommitIsolatesFailuresAndKeepsEveryAcknowledgedWrite(dialect: SQLDialect) throws {
        let database = try TestStores.open(dialect)
        let failures = Atomic<Int>(0)
        runOnThreads(64) { i in
            do {
                try database.write { c in
                    try c.query("INSERT INTO prompts (id, text, created_at) VALUES (?, ?, ?)", .text("p\(i)"), .text("t"), .integer(Int64(i)))
                    if i % 8 == 0 {  // a second statement that fails after the first succeeded
                        try c.query("INSERT INTO prompts (id, text, created_at) VALUES (?, ?, ?)", .text("p\(i)"), .text("dup"), .integer(0))
                    } else if i % 8 == 4 {  // the same, pipelined: PostgreSQL reports it only at the next statement
                        try c.enqueue("INSERT INTO prompts (id, text, created_at) VALUES (?, ?, ?)", .text("p\(i)"), .text("dup"), .integer(0))
                    }
                }
            } catch {
                failures.add(1, ordering: .relaxed)
            }
        }
        #expect(failures.load(ordering: .relaxed) == 16)
        let ids = try database.read { try $0.query("SELECT id FROM prompts", []) }.compactMap { $0[0].string }
        #expect(ids.count == 48)
        #expect(!ids.contains("p0") && !ids.contains("p8") && !ids.contains("p4") && ids.contains("p1") && ids.contains("p5"))
    }

    @Test(arguments: TestStores.backends)
    func readsSeeCommittedWrites(dialect: SQLDialect) throws {
        let database = try TestStores.open(dialect)
        for i in 0..<5 {
            try database.write { c in
                try c.query("INSERT INTO prompts (id, text, created_at) VALUES (?, ?, ?)", .text("r\(i)"), .text("t"), .integer(1))
            }
            #expect(try database.read { try $0.query("SELECT count(*) FROM prompts", [])[0][0].int } == i + 1)
        }
    }

    /// Every session is killed under a running store: the next operations fail as
    /// `.unavailable` at worst, and the pool and the writers reconnect by themselves.
    @Test(.enabled(if: TestStores.testsPostgres, "no PostgreSQL"))
    func reconnectsAfterPostgresDropsItsConnections() throws {
        let admin = try TestStores.requirePostgres()
        let location = try TestStores.location(.postgres)
        guard case .postgres(let url) = location, let name = url.split(separator: "/").last.map(String.init) else { return }
        let database = try Database(location: location, migrator: TestStores.migrator)
        let insert = "INSERT INTO prompts (id, text, created_at) VALUES (?, ?, ?)"
        try database.write { try $0.query(insert, .text("before"), .text("t"), .integer(1)) }
        #expect(try database.read { try $0.query("SELECT count(*) FROM prompts", [])[0][0].int } == 1)
        try PostgresAdmin.terminateConnections(nextTo: admin, name: name)
        var attempt = 0
        let recovered = waitUntil(seconds: 20) {
            attempt += 1
            let id = "after\(attempt)"
            do {
                try database.write { try $0.query(insert, .text(id), .text("t"), .integer(2)) }
                return try database.read { try $0.query("SELECT count(*) FROM prompts WHERE id = ?", .text(id))[0][0].int } == 1
            } catch {
                #expect((error as? StorageError)?.code == .unavailable, "\(error)")
                return false
            }
        }
        #expect(recovered)
    }

    @Test func unreachablePostgresIsUnavailable() {
        #expect {
            _ = try Database(location: .postgres(url: "postgresql://nobody@127.0.0.1:1/none?connect_timeout=2"), migrator: TestStores.migrator)
        } throws: { error in
            (error as? StorageError)?.code == .unavailable
        }
    }
}
