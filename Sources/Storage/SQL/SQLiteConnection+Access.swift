import CSQLite
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Whether a SQLite store can be written: refused up front when read-only, checked for room by
/// `/readyz` after a full disk.
extension SQLiteConnection {
    /// Throws when the file or its directory is read-only. Checked on the mode bits as well as
    /// with `access(2)`: root passes `access` and writes through mode 0444 regardless, but a file
    /// made read-only was meant to be left alone, and a non-root server would fail later with
    /// SQLite's terse "attempt to write a readonly database".
    static func refuseReadOnly(path: String) throws(StorageError) {
        var info = stat()
        if stat(path, &info) == 0, info.st_mode & 0o222 == 0 || access(path, W_OK) != 0 {
            throw StorageError(.unavailable, "SQLite file '\(path)' is read-only (mode \(mode(info))): PrefLab writes to its store; "
                + "make the file writable (chmod u+w) or choose another --database")
        }
        let directory = (path as NSString).deletingLastPathComponent
        let parent = directory.isEmpty ? "." : directory
        if stat(parent, &info) == 0, info.st_mode & 0o222 == 0 || access(parent, W_OK) != 0 {
            throw StorageError(.unavailable, "the directory '\(parent)' of SQLite file '\(path)' is read-only (mode \(mode(info))): "
                + "SQLite creates its -wal and -shm files beside the store; make the directory writable or move the store")
        }
    }

    /// Throws when SQLite opened `handle` read-only (a read-only file system, say) although read-write was asked.
    static func refuseReadOnly(handle: OpaquePointer, path: String) throws(StorageError) {
        guard sqlite3_db_readonly(handle, "main") == 1 else { return }
        throw StorageError(.unavailable, "SQLite file '\(path)' could only be opened read-only: PrefLab writes to its store; "
            + "check its permissions and file system, or choose another --database")
    }

    /// Throws unless the store has room to grow: a page under its `max_page_count` or on its
    /// free list, and a mebibyte free on its file system. Run on the writer connection, whose
    /// page limit is the one that counts.
    static func checkRoom(on connection: any SQLConnection) throws {
        let pages = try connection.query("PRAGMA page_count", []).first?[0].int ?? 0
        let limit = try connection.query("PRAGMA max_page_count", []).first?[0].int ?? Int.max
        let free = try connection.query("PRAGMA freelist_count", []).first?[0].int ?? 0
        if pages >= limit && free == 0 {
            throw StorageError(.unavailable, "database or disk is full: the store has reached its maximum of \(limit) pages")
        }
        guard let file = try connection.query("PRAGMA database_list", []).first(where: { $0["name"].string == "main" })?["file"].string,
              !file.isEmpty else { return }
        var info = statvfs()
        let directory = (file as NSString).deletingLastPathComponent
        guard statvfs(directory.isEmpty ? "." : directory, &info) == 0 else { return }
        let available = UInt64(info.f_bavail) * UInt64(info.f_frsize)
        if available < 1 << 20 {
            throw StorageError(.unavailable, "database or disk is full: \(available) bytes free on the store's file system")
        }
    }

    private static func mode(_ info: stat) -> String {
        "0" + String(info.st_mode & 0o777, radix: 8)
    }
}
