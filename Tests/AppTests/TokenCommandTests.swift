import Foundation
import Storage
import Testing
import TestSupport

/// The `preflab` binary's token and backup commands, run as an operator would.
@Suite struct TokenCommandTests {
    struct Outcome {
        var status: Int32
        var out: String
        var err: String
    }

    /// Runs `preflab arguments…` to completion.
    static func preflab(_ arguments: [String]) throws -> Outcome {
        guard let binary = ServerProcess.binary else { throw RawClient.ClientError("build the preflab product first (swift build --build-tests)") }
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(["PREFLAB_MIGRATIONS_DIR": TestStores.migrator.directory.path]) { $1 }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile(), stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Outcome(status: process.terminationStatus, out: String(decoding: stdout, as: UTF8.self), err: String(decoding: stderr, as: UTF8.self))
    }

    @Test func createListRotateRevokeFromTheCommandLine() throws {
        let store = "sqlite:" + TestStores.scratchDirectory("cli") + "/store.sqlite"
        let created = try Self.preflab(["token", "create", "--role", "ci", "--name", "nightly", "--expires-in", "7d", "--database", store])
        #expect(created.status == 0, "\(created.err)")
        let secret = created.out.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(secret.hasPrefix("pl_"))
        let id = try #require(created.err.split(separator: " ").first { $0.hasPrefix("tok_") }.map(String.init))
        let clash = try Self.preflab(["token", "create", "--role", "ci", "--name", "nightly", "--database", store])
        #expect(clash.status == 1 && clash.err.contains("already named"), "\(clash.err)")
        #expect(try Self.preflab(["token", "create", "--role", "ci", "--name", "x", "--expires-in", "soon", "--database", store]).status != 0)

        let listed = try Self.preflab(["token", "list", "--database", store])
        let row = try #require(listed.out.split(separator: "\n").first { $0.hasPrefix(id) })
        #expect(row.contains("\tci\tnightly\t") && row.hasSuffix("\tlive") && !row.contains("never"), "\(row)")

        let rotated = try Self.preflab(["token", "rotate", id, "--database", store])
        let fresh = rotated.out.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(rotated.status == 0 && fresh.hasPrefix("pl_") && fresh != secret)
        #expect(try Self.preflab(["token", "revoke", id, "--database", store]).status == 0)
        #expect(try Self.preflab(["token", "list", "--database", store]).out.contains("\trevoked"))
        #expect(try Self.preflab(["token", "rotate", id, "--database", store]).status == 1, "a revoked token has no new secret")
        #expect(try Self.preflab(["token", "revoke", "tok_none", "--database", store]).status == 1)

        let database = try Database(location: try DatabaseLocation(parsing: store), migrator: TestStores.migrator)
        defer { database.close() }
        let actions = try database.read { try AuditRepository.list(action: nil, since: nil, until: nil, after: nil, limit: 10, on: $0) }
        #expect(actions.items.map(\.action) == ["token.create", "token.rotate", "token.revoke"])
        #expect(actions.items.allSatisfy { $0.actor == "cli" })
    }

    @Test func backupAndRestoreASQLiteStoreAndPointPostgresAtPgDump() throws {
        let directory = TestStores.scratchDirectory("cli-backup")
        let store = "sqlite:\(directory)/store.sqlite"
        #expect(try Self.preflab(["token", "create", "--role", "ci", "--name", "kept", "--database", store]).status == 0)
        let backup = try Self.preflab(["backup", "--to", "\(directory)/store.backup", "--database", store])
        #expect(backup.status == 0, "\(backup.err)")
        let refused = try Self.preflab(["restore", "--from", "\(directory)/store.backup", "--database", store])
        #expect(refused.status == 1 && refused.err.contains("--force"), "\(refused.err)")
        let restored = try Self.preflab(["restore", "--from", "\(directory)/store.backup", "--database", "sqlite:\(directory)/new.sqlite"])
        #expect(restored.status == 0, "\(restored.err)")
        #expect(try Self.preflab(["token", "list", "--database", "sqlite:\(directory)/new.sqlite"]).out.contains("\tkept\t"))

        let postgres = try Self.preflab(["backup", "--to", "x.dump", "--database", "postgres://u@127.0.0.1:1/db"])
        #expect(postgres.status == 2 && postgres.err.contains("pg_dump"), "\(postgres.err)")
    }
}
