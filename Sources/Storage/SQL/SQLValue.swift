/// A value bound to or read from SQL. Statements take these as parameters
/// only: SQL text never contains a value (no string interpolation of input).
public enum SQLValue: Sendable, Hashable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob([UInt8])

    public var int: Int? {
        switch self {
        case .integer(let v): Int(v)
        case .text(let s): Int(s)
        case .real(let d): Int(exactly: d)
        default: nil
        }
    }

    public var string: String? {
        switch self {
        case .text(let s): s
        case .integer(let v): String(v)
        case .real(let d): String(d)
        default: nil
        }
    }

    public var double: Double? {
        switch self {
        case .real(let d): d
        case .integer(let v): Double(v)
        case .text(let s): Double(s)
        default: nil
        }
    }

    public var bytes: [UInt8]? {
        switch self {
        case .blob(let b): b
        case .text(let s): Array(s.utf8)
        default: nil
        }
    }

    public var isNull: Bool { self == .null }
}

extension SQLValue {
    /// `.text` or `.null`.
    public static func optional(_ text: String?) -> SQLValue { text.map(SQLValue.text) ?? .null }
    /// `.integer` or `.null`.
    public static func optional(_ int: Int?) -> SQLValue { int.map { .integer(Int64($0)) } ?? .null }
}

/// One result row, by column position, with the column names alongside.
public struct SQLRow: Sendable {
    public let columns: [String]
    public let values: [SQLValue]

    public init(columns: [String], values: [SQLValue]) {
        self.columns = columns
        self.values = values
    }

    public subscript(_ index: Int) -> SQLValue { values[index] }

    /// The value of column `name`; `.null` when absent.
    public subscript(_ name: String) -> SQLValue {
        guard let index = columns.firstIndex(of: name) else { return .null }
        return values[index]
    }
}

/// Which SQL the store speaks, for the few statements that differ.
public enum SQLDialect: String, Sendable {
    case sqlite, postgres
}

/// A connection lent to a closure. Statements use `?` placeholders in both
/// dialects; the PostgreSQL connection rewrites them to `$1, $2, …`.
public protocol SQLConnection: AnyObject {
    var dialect: SQLDialect { get }
    /// Runs one statement with bound parameters and returns its rows.
    @discardableResult
    func query(_ sql: String, _ parameters: [SQLValue]) throws(StorageError) -> [SQLRow]
    /// Runs one or more statements without parameters (migrations, BEGIN/COMMIT).
    func execute(script sql: String) throws(StorageError)
    /// Runs a statement whose rows nobody reads. PostgreSQL pipelines it (libpq
    /// pipeline mode) and reports its outcome at the next `query`/`execute`, so a
    /// batch of inserts costs one round trip; SQLite runs it at once.
    func enqueue(_ sql: String, _ parameters: [SQLValue]) throws(StorageError)
    /// Runs one query and hands its rows to `body` one at a time, as the store produces
    /// them, so memory stays bounded by one row whatever the result's size (SQLite steps the
    /// statement; PostgreSQL uses single-row mode). Rethrows `body`'s error after stopping
    /// the query; the connection stays usable. `body` must not use this connection.
    func forEachRow(_ sql: String, _ parameters: [SQLValue], _ body: (SQLRow) throws -> Void) throws
}

extension SQLConnection {
    @discardableResult
    public func query(_ sql: String, _ parameters: SQLValue...) throws(StorageError) -> [SQLRow] {
        try query(sql, parameters)
    }

    public func enqueue(_ sql: String, _ parameters: SQLValue...) throws(StorageError) {
        try enqueue(sql, parameters)
    }
}
