import ArgumentParser
import Foundation
import Storage

/// `preflab backup --to FILE`: a consistent copy of a SQLite store while it serves (SQLite's online backup
/// API). PostgreSQL has its own tools; for it this prints how to use them and exits 2.
struct Backup: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Copy a SQLite store to FILE while it serves (for PostgreSQL: prints pg_dump usage, exits 2).")

    @Option(help: "The backup file to create; must not exist yet.")
    var to: String

    @OptionGroup var store: DatabaseOption

    func run() throws {
        switch try store.location() {
        case .postgres:
            FileHandle.standardError.write(Data("""
                preflab backup copies SQLite stores only. For PostgreSQL use its own tools, e.g.:
                  pg_dump --format=custom --file=\(to) "$PREFLAB_DATABASE"
                and to restore into an empty database:
                  pg_restore --no-owner --dbname="$PREFLAB_DATABASE" \(to)

                """.utf8))
            throw ExitCode(2)
        case .sqlite(let path):
            do {
                let summary = try SQLiteBackup.backup(from: path, to: to)
                print("backed up \(path) to \(to): \(summary.pages) pages, schema at migration \(summary.schemaVersion)")
            } catch {
                FileHandle.standardError.write(Data("backup failed: \(error.message)\n".utf8))
                throw ExitCode.failure
            }
        }
    }
}

/// `preflab restore --from FILE --database sqlite:PATH`: the backup copied back into place. Stop the
/// servers using the store first; a store that holds data is refused unless `--force`.
struct Restore: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Restore a SQLite backup into --database (refuses a non-empty store unless --force; for PostgreSQL: prints pg_restore usage, exits 2).")

    @Option(help: "A file written by `preflab backup`.")
    var from: String

    @Flag(help: "Overwrite a store that already holds data.")
    var force = false

    @OptionGroup var store: DatabaseOption

    func run() throws {
        switch try store.location() {
        case .postgres:
            FileHandle.standardError.write(Data("""
                preflab restore writes SQLite stores only. For PostgreSQL restore a pg_dump file with:
                  pg_restore --no-owner --dbname="$PREFLAB_DATABASE" \(from)

                """.utf8))
            throw ExitCode(2)
        case .sqlite(let path):
            do {
                let summary = try SQLiteBackup.restore(from: from, to: path, force: force)
                print("restored \(from) into \(path): \(summary.pages) pages, schema at migration \(summary.schemaVersion) "
                      + "(the next start applies any newer migrations)")
            } catch {
                FileHandle.standardError.write(Data("restore failed: \(error.message)\n".utf8))
                throw ExitCode.failure
            }
        }
    }
}
