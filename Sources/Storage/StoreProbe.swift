import CPostgres
import CSQLite
import Foundation

/// Checks that a store answers, for `/readyz`.
public enum StoreProbe {
    /// Opens the store and runs a trivial query; returns nil when reachable, else why not.
    public static func check(_ location: DatabaseLocation, timeoutSeconds: Int = 2) -> String? {
        switch location {
        case .sqlite(let path): checkSQLite(path: path)
        case .postgres(let url): checkPostgres(url: url, timeoutSeconds: timeoutSeconds)
        }
    }

    private static func checkSQLite(path: String) -> String? {
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty {
            try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        var handle: OpaquePointer?
        defer { sqlite3_close_v2(handle) }
        let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX
        guard sqlite3_open_v2(path, &handle, flags, nil) == SQLITE_OK, let handle else {
            return "cannot open SQLite file '\(path)': \(handle.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory")"
        }
        sqlite3_busy_timeout(handle, Int32(1000))
        guard sqlite3_exec(handle, "SELECT 1", nil, nil, nil) == SQLITE_OK else {
            return "SQLite file '\(path)' is not usable: \(String(cString: sqlite3_errmsg(handle)))"
        }
        return nil
    }

    private static func checkPostgres(url: String, timeoutSeconds: Int) -> String? {
        let separator = url.contains("?") ? "&" : "?"
        let conninfo = url + "\(separator)connect_timeout=\(max(1, timeoutSeconds))"
        guard let connection = PQconnectdb(conninfo) else { return "libpq could not allocate a connection" }
        defer { PQfinish(connection) }
        guard PQstatus(connection) == CONNECTION_OK else {
            let message = String(cString: PQerrorMessage(connection)).trimmingCharacters(in: .whitespacesAndNewlines)
            return "PostgreSQL unreachable: \(message)"
        }
        guard let result = PQexec(connection, "SELECT 1") else { return "PostgreSQL query failed" }
        defer { PQclear(result) }
        guard PQresultStatus(result) == PGRES_TUPLES_OK else {
            return "PostgreSQL query failed: \(String(cString: PQresultErrorMessage(result)))"
        }
        return nil
    }
}
