import CPostgres
import Foundation

/// One libpq connection with a per-connection cache of prepared statements.
/// Not thread-safe: `PostgresDatabase` lends it to one thread at a time.
final class PostgresConnection: SQLConnection {
    let dialect = SQLDialect.postgres
    private let handle: OpaquePointer
    private var prepared: [String: String] = [:]

    init(url: String) throws(StorageError) {
        guard let connection = PQconnectdb(url) else { throw StorageError(.unavailable, "libpq could not allocate a connection") }
        guard PQstatus(connection) == CONNECTION_OK else {
            let message = String(cString: PQerrorMessage(connection)).trimmingCharacters(in: .whitespacesAndNewlines)
            PQfinish(connection)
            throw StorageError(.unavailable, "cannot connect to PostgreSQL: \(message)")
        }
        handle = connection
        // Keep notices (e.g. "relation already exists, skipping") off stderr.
        PQsetNoticeProcessor(connection, { _, _ in }, nil)
    }

    deinit { PQfinish(handle) }

    /// Whether the connection is still usable; a pool drops it otherwise.
    var isHealthy: Bool {
        PQstatus(handle) == CONNECTION_OK && PQtransactionStatus(handle) == PQTRANS_IDLE && pipelined.isEmpty
    }

    func execute(script sql: String) throws(StorageError) {
        try flush()
        guard let result = PQexec(handle, sql) else { throw StorageError(.unavailable, connectionMessage(), sql: sql) }
        defer { PQclear(result) }
        let status = PQresultStatus(result)
        guard status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK else { throw error(result, sql: sql) }
    }

    @discardableResult
    func query(_ sql: String, _ parameters: [SQLValue]) throws(StorageError) -> [SQLRow] {
        try flush()
        let name = try statementName(for: sql, parameterCount: parameters.count)
        let result: OpaquePointer? = Self.withParameters(parameters) { values, lengths, formats in
            PQexecPrepared(handle, name, Int32(parameters.count), values, lengths, formats, 0)
        }
        guard let result else { throw StorageError(.unavailable, connectionMessage(), sql: sql) }
        defer { PQclear(result) }
        let status = PQresultStatus(result)
        guard status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK else { throw error(result, sql: sql) }
        return rows(result)
    }

    func enqueue(_ sql: String, _ parameters: [SQLValue]) throws(StorageError) {
        // Statements are prepared outside pipeline mode, where PQprepare is a plain round trip.
        if prepared[sql] == nil { try flush() }
        let name = try statementName(for: sql, parameterCount: parameters.count)
        if PQpipelineStatus(handle) == PQ_PIPELINE_OFF {
            guard PQenterPipelineMode(handle) == 1 else { throw StorageError(.unavailable, connectionMessage(), sql: sql) }
        }
        let sent = Self.withParameters(parameters) { values, lengths, formats in
            PQsendQueryPrepared(handle, name, Int32(parameters.count), values, lengths, formats, 0)
        }
        guard sent == 1 else { throw StorageError(.unavailable, connectionMessage(), sql: sql) }
        pipelined.append(sql)
    }

    /// Statements sent in pipeline mode whose results are still unread.
    private var pipelined: [String] = []

    /// Ends pipeline mode: syncs, reads every pending result and throws the first failure.
    func flush() throws(StorageError) {
        guard !pipelined.isEmpty || PQpipelineStatus(handle) != PQ_PIPELINE_OFF else { return }
        let statements = pipelined
        pipelined.removeAll()
        guard PQpipelineSync(handle) == 1 else { throw StorageError(.unavailable, connectionMessage()) }
        var failure: StorageError?
        for sql in statements {
            // Each statement yields its result, then a NULL.
            while let result = PQgetResult(handle) {
                let status = PQresultStatus(result)
                if failure == nil, status != PGRES_COMMAND_OK, status != PGRES_TUPLES_OK {
                    failure = status == PGRES_PIPELINE_ABORTED
                        ? StorageError(.failed, "statement skipped after an earlier failure", sql: sql) : error(result, sql: sql)
                }
                PQclear(result)
            }
        }
        // Then the sync point.
        while let result = PQgetResult(handle) {
            let status = PQresultStatus(result)
            PQclear(result)
            if status == PGRES_PIPELINE_SYNC { break }
        }
        guard PQexitPipelineMode(handle) == 1 else { throw StorageError(.unavailable, connectionMessage()) }
        if let failure { throw failure }
        if PQstatus(handle) != CONNECTION_OK { throw StorageError(.unavailable, connectionMessage()) }
    }

    /// Lays out parameters for libpq: text for everything but bytea, which goes binary so no
    /// escaping is needed; all values share one buffer (NUL-terminated texts) so the pointers stay valid together.
    private static func withParameters<R>(_ parameters: [SQLValue],
                                          _ body: ([UnsafePointer<CChar>?], [Int32], [Int32]) -> R) -> R {
        var storage: [UInt8] = []
        var offsets: [Int?] = []
        var lengths: [Int32] = []
        var formats: [Int32] = []
        for value in parameters {
            let bytes: [UInt8]?
            switch value {
            case .null: bytes = nil
            case .integer(let v): bytes = Array(String(v).utf8)
            case .real(let d): bytes = Array(String(d).utf8)
            case .text(let s): bytes = Array(s.utf8)
            case .blob(let b): bytes = b
            }
            offsets.append(bytes.map { _ in storage.count })
            lengths.append(Int32(bytes?.count ?? 0))
            if case .blob = value { formats.append(1) } else { formats.append(0) }
            if let bytes { storage.append(contentsOf: bytes); storage.append(0) }
        }
        storage.append(0)
        return storage.withUnsafeBytes { raw in
            let pointers: [UnsafePointer<CChar>?] = offsets.map { offset in
                guard let offset, let base = raw.baseAddress else { return nil }
                return (base + offset).assumingMemoryBound(to: CChar.self)
            }
            return body(pointers, lengths, formats)
        }
    }

    private func statementName(for sql: String, parameterCount: Int) throws(StorageError) -> String {
        if let name = prepared[sql] { return name }
        let name = "s\(prepared.count)"
        let text = Self.numberPlaceholders(sql)
        guard let result = PQprepare(handle, name, text, Int32(parameterCount), nil) else {
            throw StorageError(.unavailable, connectionMessage(), sql: sql)
        }
        defer { PQclear(result) }
        guard PQresultStatus(result) == PGRES_COMMAND_OK else { throw error(result, sql: sql) }
        prepared[sql] = name
        return name
    }

    /// `?` → `$1, $2, …`, leaving quoted literals and identifiers alone.
    static func numberPlaceholders(_ sql: String) -> String {
        var out = ""
        var n = 0
        var quote: Character?
        for c in sql {
            if let q = quote {
                if c == q { quote = nil }
                out.append(c)
            } else if c == "'" || c == "\"" {
                quote = c
                out.append(c)
            } else if c == "?" {
                n += 1
                out += "$\(n)"
            } else {
                out.append(c)
            }
        }
        return out
    }

    private func rows(_ result: OpaquePointer) -> [SQLRow] {
        let rowCount = PQntuples(result)
        guard rowCount > 0 else { return [] }
        let layout = Layout(result)
        return (0..<rowCount).map { layout.row(result, $0) }
    }

    /// Column names and types of a result, read once and shared by its rows.
    private struct Layout {
        let columns: [String]
        let types: [Oid]

        init(_ result: OpaquePointer) {
            let count = PQnfields(result)
            columns = (0..<count).map { String(cString: PQfname(result, $0)) }
            types = (0..<count).map { PQftype(result, $0) }
        }

        func row(_ result: OpaquePointer, _ row: Int32) -> SQLRow {
            var values: [SQLValue] = []
            values.reserveCapacity(types.count)
            for column in 0..<Int32(types.count) {
                if PQgetisnull(result, row, column) == 1 {
                    values.append(.null)
                    continue
                }
                let text = String(cString: PQgetvalue(result, row, column))
                switch types[Int(column)] {
                case 20, 21, 23: values.append(Int64(text).map(SQLValue.integer) ?? .text(text))  // int8, int2, int4
                case 700, 701, 1700: values.append(Double(text).map(SQLValue.real) ?? .text(text))  // float4, float8, numeric
                case 16: values.append(.integer(text == "t" ? 1 : 0))  // bool
                case 17: values.append(.blob(PostgresConnection.unescapeBytea(result, row, column)))
                default: values.append(.text(text))
                }
            }
            return SQLRow(columns: columns, values: values)
        }
    }

    func forEachRow(_ sql: String, _ parameters: [SQLValue], _ body: (SQLRow) throws -> Void) throws {
        try flush()
        let name = try statementName(for: sql, parameterCount: parameters.count)
        let sent = Self.withParameters(parameters) { values, lengths, formats in
            PQsendQueryPrepared(handle, name, Int32(parameters.count), values, lengths, formats, 0)
        }
        guard sent == 1 else { throw StorageError(.unavailable, connectionMessage(), sql: sql) }
        var failure: (any Error)? = PQsetSingleRowMode(handle) == 1 ? nil : StorageError(.failed, "single-row mode refused", sql: sql)
        var layout: Layout?
        // Every result is read, even after a failure, so the connection is idle again when this returns.
        while let result = PQgetResult(handle) {
            defer { PQclear(result) }
            guard failure == nil else { continue }
            switch PQresultStatus(result) {
            case PGRES_SINGLE_TUPLE:
                let shape = layout ?? Layout(result)
                layout = shape
                do {
                    try body(shape.row(result, 0))
                } catch {
                    failure = error
                    // Stop the server producing rows nobody will read; what it already sent is drained.
                    cancelQuery()
                }
            case PGRES_TUPLES_OK, PGRES_COMMAND_OK:
                break
            default:
                failure = self.error(result, sql: sql)
            }
        }
        if let failure { throw failure }
        if PQstatus(handle) != CONNECTION_OK { throw StorageError(.unavailable, connectionMessage(), sql: sql) }
    }

    private func cancelQuery() {
        guard let cancel = PQgetCancel(handle) else { return }
        defer { PQfreeCancel(cancel) }
        var message = [CChar](repeating: 0, count: 256)
        _ = PQcancel(cancel, &message, Int32(message.count))
    }

    fileprivate static func unescapeBytea(_ result: OpaquePointer, _ row: Int32, _ column: Int32) -> [UInt8] {
        var length = 0
        guard let raw = PQgetvalue(result, row, column),
            let bytes = raw.withMemoryRebound(to: UInt8.self, capacity: 1, { PQunescapeBytea($0, &length) })
        else { return [] }
        defer { PQfreemem(bytes) }
        return Array(UnsafeBufferPointer(start: bytes, count: length))
    }

    private func connectionMessage() -> String {
        String(cString: PQerrorMessage(handle)).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    private func error(_ result: OpaquePointer, sql: String) -> StorageError {
        let message = String(cString: PQresultErrorMessage(result)).trimmingCharacters(in: .whitespacesAndNewlines)
        let state = PQresultErrorField(result, 67).map { String(cString: $0) } ?? ""  // 'C': PG_DIAG_SQLSTATE
        if PQstatus(handle) != CONNECTION_OK || state.hasPrefix("08") || state.hasPrefix("57P") {
            return StorageError(.unavailable, message, sql: sql)
        }
        if state == "23505" { return StorageError(.conflict, message, sql: sql) }
        if state == "55P03" || state == "40P01" { return StorageError(.busy, message, sql: sql) }  // lock_not_available, deadlock_detected
        if state.hasPrefix("23") { return StorageError(.constraint, message, sql: sql) }
        return StorageError(.failed, message, sql: sql)
    }
}
