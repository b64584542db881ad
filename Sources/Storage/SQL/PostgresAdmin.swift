import Foundation

/// Database-level chores for tests and tooling, not for request paths.
package enum PostgresAdmin {
    /// Creates an empty database beside the one `url` names and returns its URL.
    package static func createDatabase(nextTo url: String, name: String) throws(StorageError) -> String {
        guard name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else {
            throw StorageError(.failed, "database names here are letters, digits and underscores")
        }
        let connection = try PostgresConnection(url: url)
        try connection.execute(script: "CREATE DATABASE \(name)")
        guard var components = URLComponents(string: url) else { throw StorageError(.failed, "unparseable URL") }
        components.path = "/" + name
        guard let created = components.string else { throw StorageError(.failed, "unparseable URL") }
        return created
    }

    /// Drops a database, disconnecting its sessions (PostgreSQL 13+).
    package static func dropDatabase(nextTo url: String, name: String) throws(StorageError) {
        guard name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else {
            throw StorageError(.failed, "database names here are letters, digits and underscores")
        }
        let connection = try PostgresConnection(url: url)
        try connection.execute(script: "DROP DATABASE \(name) WITH (FORCE)")
    }

    /// Ends every session on database `name` (as a server restart or a network cut would).
    package static func terminateConnections(nextTo url: String, name: String) throws(StorageError) {
        let connection = try PostgresConnection(url: url)
        try connection.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = ? AND pid <> pg_backend_pid()",
                             .text(name))
    }
}
