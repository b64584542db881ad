import Foundation
import Storage
import Testing
import TestSupport

/// `preflab backup` and `restore` on SQLite: a copy taken while the store is open holds its data, a backup
/// never overwrites a file, and a restore refuses a store with data unless forced.
@Suite struct SQLiteBackupTests {
    @Test func aBackupOfAnOpenStoreRestoresIntoAnEmptyPath() throws {
        let directory = TestStores.scratchDirectory("backup")
        let source = directory + "/live.sqlite", copy = directory + "/copy.sqlite", restored = directory + "/restored.sqlite"
        let live = try Database(location: .sqlite(path: source), migrator: TestStores.migrator)
        defer { live.close() }
        let token = try live.write { try TokenRepository.create(name: "kept", role: .researcher, on: $0).0 }

        let summary = try SQLiteBackup.backup(from: source, to: copy)
        #expect(summary.pages > 0)
        #expect(summary.schemaVersion == (try TestStores.migrator.migrations(for: .sqlite)).last?.version)
        #expect(throws: StorageError.self, "a backup never overwrites a file") { try SQLiteBackup.backup(from: source, to: copy) }

        _ = try SQLiteBackup.restore(from: copy, to: restored, force: false)
        let reopened = try Database(location: .sqlite(path: restored), migrator: TestStores.migrator)
        defer { reopened.close() }
        #expect(try reopened.read { try TokenRepository.get(id: token.id, on: $0) }?.name == "kept")
    }

    @Test func aRestoreRefusesAStoreWithDataUnlessForced() throws {
        let directory = TestStores.scratchDirectory("restore")
        let source = directory + "/a.sqlite", target = directory + "/b.sqlite", backup = directory + "/a.backup"
        for path in [source, target] {
            let database = try Database(location: .sqlite(path: path), migrator: TestStores.migrator)
            let name = path == source ? "from-a" : "from-b"
            try database.write { _ = try TokenRepository.create(name: name, role: .ci, on: $0) }
            database.close()
        }
        _ = try SQLiteBackup.backup(from: source, to: backup)
        #expect(throws: StorageError.self) { try SQLiteBackup.restore(from: backup, to: target, force: false) }
        let untouched = try Database(location: .sqlite(path: target), migrator: TestStores.migrator)
        #expect(try untouched.read { try TokenRepository.list(after: nil, limit: 10, on: $0) }.items.map(\.name) == ["from-b"])
        untouched.close()

        _ = try SQLiteBackup.restore(from: backup, to: target, force: true)
        let replaced = try Database(location: .sqlite(path: target), migrator: TestStores.migrator)
        defer { replaced.close() }
        #expect(try replaced.read { try TokenRepository.list(after: nil, limit: 10, on: $0) }.items.map(\.name) == ["from-a"])
        let notAStore = directory + "/empty.sqlite"
        _ = FileManager.default.createFile(atPath: notAStore, contents: Data())
        #expect(throws: StorageError.self, "only a PrefLab store restores") { try SQLiteBackup.restore(from: notAStore, to: directory + "/c.sqlite", force: false) }
    }
}
