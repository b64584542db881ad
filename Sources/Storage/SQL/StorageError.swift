/// A failed store operation: what went wrong, the statement (never its values), and the backend's message.
public struct StorageError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Code: String, Sendable, Hashable {
        /// The store cannot be reached or the connection broke.
        case unavailable
        /// A uniqueness constraint was violated (duplicate id or key).
        case conflict
        /// A foreign key, check or not-null constraint was violated.
        case constraint
        /// A migration file changed after it was applied, or cannot be read.
        case migration
        /// A lock was not granted in time, or was given up to break a deadlock: retry.
        case busy
        /// Anything else the database reported.
        case failed
    }

    public let code: Code
    public let message: String
    /// The statement involved, without its parameter values.
    public let sql: String?

    public init(_ code: Code, _ message: String, sql: String? = nil) {
        self.code = code
        self.message = message
        self.sql = sql
    }

    public var description: String {
        sql.map { "\(code.rawValue): \(message) [\($0.prefix(120))]" } ?? "\(code.rawValue): \(message)"
    }
}
