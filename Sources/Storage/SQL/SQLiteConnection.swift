import CSQLite
import Foundation

/// One SQLite connection. Not thread-safe: `SQLiteDatabase` lends it to one thread at a time.
final class SQLiteConnection: SQLConnection {
    let dialect = SQLDialect.sqlite
    private let handle: OpaquePointer
    private var statements: [String: OpaquePointer] = [:]

    /// Opens (creating) `path` in WAL mode with `synchronous=FULL`: a commit is on disk when it returns.
    init(path: String) throws(StorageError) {
        var db: OpaquePointer?
        let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX
        guard sqlite3_open_v2(path, &db, flags, nil) == SQLITE_OK, let db else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
            sqlite3_close_v2(db)
            throw StorageError(.unavailable, "cannot open SQLite file '\(path)': \(message)")
        }
        handle = db
        sqlite3_busy_timeout(db, 10_000)
        sqlite3_extended_result_codes(db, 1)
        // Fully initialised from here: a throw runs deinit, which closes the handle.
        try Self.refuseReadOnly(handle: db, path: path)
        try execute(script: "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;")
    }

    deinit {
        for statement in statements.values { sqlite3_finalize(statement) }
        sqlite3_close_v2(handle)
    }

    func execute(script sql: String) throws(StorageError) {
        var message: UnsafeMutablePointer<CChar>?
        let rc = sqlite3_exec(handle, sql, nil, nil, &message)
        guard rc == SQLITE_OK else {
            let text = message.map { String(cString: $0) } ?? String(cString: sqlite3_errstr(rc))
            sqlite3_free(message)
            throw error(rc, text, sql: sql)
        }
    }

    func enqueue(_ sql: String, _ parameters: [SQLValue]) throws(StorageError) {
        try query(sql, parameters)
    }

    @discardableResult
    func query(_ sql: String, _ parameters: [SQLValue]) throws(StorageError) -> [SQLRow] {
        var rows: [SQLRow] = []
        do {
            try forEachRow(sql, parameters) { rows.append($0) }
        } catch let error as StorageError {
            throw error
        } catch {
            throw StorageError(.failed, "\(error)", sql: sql)
        }
        return rows
    }

    func forEachRow(_ sql: String, _ parameters: [SQLValue], _ body: (SQLRow) throws -> Void) throws {
        let statement = try prepared(sql)
        defer {
            sqlite3_reset(statement)
            sqlite3_clear_bindings(statement)
        }
        for (offset, value) in parameters.enumerated() {
            let index = Int32(offset + 1)
            let rc: Int32
            switch value {
            case .null: rc = sqlite3_bind_null(statement, index)
            case .integer(let v): rc = sqlite3_bind_int64(statement, index, v)
            case .real(let d): rc = sqlite3_bind_double(statement, index, d)
            case .text(let s): rc = csqlite_bind_text_transient(statement, index, s, Int32(s.utf8.count))
            case .blob(let b): rc = b.withUnsafeBytes { csqlite_bind_blob_transient(statement, index, $0.baseAddress, Int32(b.count)) }
            }
            guard rc == SQLITE_OK else { throw error(rc, String(cString: sqlite3_errmsg(handle)), sql: sql) }
        }
        let columnCount = sqlite3_column_count(statement)
        let columns = (0..<columnCount).map { String(cString: sqlite3_column_name(statement, $0)) }
        while true {
            let rc = sqlite3_step(statement)
            if rc == SQLITE_DONE { break }
            guard rc == SQLITE_ROW else { throw error(rc, String(cString: sqlite3_errmsg(handle)), sql: sql) }
            var values: [SQLValue] = []
            values.reserveCapacity(Int(columnCount))
            for column in 0..<columnCount {
                switch sqlite3_column_type(statement, column) {
                case SQLITE_INTEGER: values.append(.integer(sqlite3_column_int64(statement, column)))
                case SQLITE_FLOAT: values.append(.real(sqlite3_column_double(statement, column)))
                case SQLITE_TEXT:
                    let count = Int(sqlite3_column_bytes(statement, column))
                    let text = sqlite3_column_text(statement, column).map {
                        String(decoding: UnsafeBufferPointer(start: $0, count: count), as: UTF8.self)
                    } ?? ""
                    values.append(.text(text))
                case SQLITE_BLOB:
                    let count = Int(sqlite3_column_bytes(statement, column))
                    let bytes = sqlite3_column_blob(statement, column).map {
                        Array(UnsafeRawBufferPointer(start: $0, count: count))
                    } ?? []
                    values.append(.blob(bytes))
                default: values.append(.null)
                }
            }
            try body(SQLRow(columns: columns, values: values))
        }
    }

    private func prepared(_ sql: String) throws(StorageError) -> OpaquePointer {
        if let cached = statements[sql] { return cached }
        var statement: OpaquePointer?
        let rc = sqlite3_prepare_v3(handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &statement, nil)
        guard rc == SQLITE_OK, let statement else {
            throw error(rc, String(cString: sqlite3_errmsg(handle)), sql: sql)
        }
        statements[sql] = statement
        return statement
    }

    private func error(_ rc: Int32, _ message: String, sql: String) -> StorageError {
        switch rc & 0xFF {
        case SQLITE_CONSTRAINT:
            let unique = rc == CSQLITE_CONSTRAINT_UNIQUE || rc == CSQLITE_CONSTRAINT_PRIMARYKEY
            return StorageError(unique ? .conflict : .constraint, message, sql: sql)
        case SQLITE_CANTOPEN, SQLITE_IOERR, SQLITE_FULL, SQLITE_CORRUPT, SQLITE_NOTADB, SQLITE_READONLY:
            return StorageError(.unavailable, message, sql: sql)
        default:
            return StorageError(.failed, message, sql: sql)
        }
    }
}
