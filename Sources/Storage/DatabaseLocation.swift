import CPostgres
import CSQLite
import Foundation

/// Where the store lives: the embedded SQLite file (the default) or a PostgreSQL server.
public enum DatabaseLocation: Sendable, Equatable, CustomStringConvertible {
    /// `sqlite:PATH`; the file and its directory are created on first use.
    case sqlite(path: String)
    /// `postgres://…` or `postgresql://…`, in libpq's URI syntax.
    case postgres(url: String)

    /// The default store of `preflab serve`: a SQLite file under `./data`.
    public static let defaultSQLite = DatabaseLocation.sqlite(path: "data/preflab.sqlite")

    /// Parses `sqlite:PATH` or a `postgres://` URL, validating the URL with libpq's own parser.
    public init(parsing text: String) throws(DatabaseLocationError) {
        if text.hasPrefix("sqlite:") {
            let path = String(text.dropFirst("sqlite:".count))
            guard !path.isEmpty, !path.utf8.contains(0) else {
                throw DatabaseLocationError("sqlite location needs a file path, as in sqlite:data/preflab.sqlite")
            }
            self = .sqlite(path: path)
            return
        }
        if text.hasPrefix("postgres://") || text.hasPrefix("postgresql://") {
            var message: UnsafeMutablePointer<CChar>?
            guard let options = PQconninfoParse(text, &message) else {
                let reason = message.map { String(cString: $0).trimmingCharacters(in: .whitespacesAndNewlines) } ?? "invalid URL"
                if let message { PQfreemem(message) }
                throw DatabaseLocationError("invalid PostgreSQL URL: \(reason)")
            }
            PQconninfoFree(options)
            self = .postgres(url: text)
            return
        }
        throw DatabaseLocationError("database must be sqlite:PATH or a postgres:// URL")
    }

    /// The backend's name, for logs and `/readyz`.
    public var backend: String {
        switch self {
        case .sqlite: "sqlite"
        case .postgres: "postgres"
        }
    }

    /// The location with any password masked, safe to log.
    public var description: String {
        switch self {
        case .sqlite(let path): return "sqlite:\(path)"
        case .postgres(let url):
            guard var components = URLComponents(string: url), components.password != nil else { return url }
            components.password = "***"
            return components.string ?? "postgres://***"
        }
    }
}

/// A `--database` value that cannot be used.
public struct DatabaseLocationError: Error, Sendable, Equatable, CustomStringConvertible {
    public let message: String

    public init(_ message: String) { self.message = message }

    public var description: String { message }
}
