import Foundation
import Storage
import Testing
import TestSupport

/// Migration 0011 on a store that already holds data: tokens whose names clash within a role keep working
/// (the later ones renamed), and a running run's checkpoint survives the change of `run_checkpoints`' key.
@Suite struct LifecycleMigrationTests {
    @Test(arguments: TestStores.backends)
    func anOlderStoreWithClashingNamesAndACheckpointMigrates(dialect: SQLDialect) throws {
        let location = try TestStores.location(dialect)
        let before = URL(fileURLWithPath: TestStores.scratchDirectory("migrations-before-0011"))
        try FileManager.default.createDirectory(at: before, withIntermediateDirectories: true)
        for file in try FileManager.default.contentsOfDirectory(atPath: TestStores.migrator.directory.path)
        where (Int(file.prefix(4)) ?? 0) < 11 {
            try FileManager.default.copyItem(at: TestStores.migrator.directory.appendingPathComponent(file), to: before.appendingPathComponent(file))
        }
        let old = try Database(location: location, migrator: Migrator(directory: before))
        try old.write { connection in
            for (id, name, role, hash) in [("tok_1", "ann", "annotator", 1), ("tok_2", "ann", "annotator", 2), ("tok_3", "ann", "researcher", 3)] {
                try connection.query("INSERT INTO tokens (id, name, role, hash, created_at) VALUES (?, ?, ?, ?, 0)",
                                     .text(id), .text(name), .text(role), .blob([UInt8(hash)]))
            }
            try connection.query("""
                INSERT INTO runs (id, algorithm, status, spec, created_by, warnings, total_steps, created_at, updated_at)
                VALUES ('run_1', 'sft', 'running', '{}', 'r', '[]', 10, 0, 0)
                """, [])
            try connection.query("INSERT INTO run_checkpoints (run_id, step, data, created_at) VALUES ('run_1', 5, ?, 0)", .blob([7, 7]))
        }
        old.close()

        let migrated = try Database(location: location, migrator: TestStores.migrator)
        defer { migrated.close() }
        let names = try migrated.read { try TokenRepository.list(after: nil, limit: 10, on: $0) }.items.map(\.name)
        #expect(names == ["ann", "ann-tok_2", "ann"], "the earliest keeps its name; another role's is no clash")
        let checkpoint = try migrated.read { try RunRepository.checkpoint(runID: "run_1", on: $0) }
        #expect(checkpoint?.step == 5 && checkpoint?.data == [7, 7])
        #expect(throws: StorageError.self, "live names are unique per role from now on") {
            try migrated.write { _ = try TokenRepository.create(name: "ann", role: .annotator, on: $0) }
        }
    }
}
