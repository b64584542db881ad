import App
import Foundation
import Logging
import Storage
import TestSupport

/// A running application on a throwaway store, with one token per role.
final class AppFixture: Sendable {
    let app: Application
    let dialect: SQLDialect
    let tokens: [String: String]

    /// `location`: an existing store (a restart); by default a fresh one.
    init(_ dialect: SQLDialect, location: DatabaseLocation? = nil, configure: (inout AppConfiguration) -> Void = { _ in }) throws {
        self.dialect = dialect
        var configuration = AppConfiguration(port: 0, database: try location ?? TestStores.location(dialect), workers: 8, logLevel: .warning)
        configure(&configuration)
        app = try Application(configuration: configuration,
                              logger: Logger(label: "test"), migrator: TestStores.migrator)
        try app.start()
        var tokens: [String: String] = [:]
        for (name, role) in [("admin", Role.admin), ("researcher", .researcher), ("ann1", .annotator), ("ann2", .annotator), ("ci", .ci)] {
            tokens[name] = try Self.token(app, name: name, role: role)
        }
        self.tokens = tokens
    }

    deinit {
        app.stop()
    }

    var port: Int { app.server.port }

    /// Creates a token directly in the store; returns its secret.
    func token(name: String, role: Role) throws -> String {
        try Self.token(app, name: name, role: role)
    }

    /// On a restarted store the live token of that name and role is rotated (names are unique per role), so the
    /// annotator keeps its identity and gets a secret the test knows.
    private static func token(_ app: Application, name: String, role: Role) throws -> String {
        try app.database.write { connection in
            if let live = try TokenRepository.live(name: name, role: role, on: connection),
               let secret = try TokenRepository.rotate(id: live.id, on: connection)?.secret {
                return secret
            }
            return try TokenRepository.create(name: name, role: role, on: connection).secret
        }
    }

    func client(timeoutSeconds: Int = 10) throws -> RawClient { try RawClient(port: port, timeoutSeconds: timeoutSeconds) }

    /// One request on a fresh connection, as `as` (a name from `tokens`, or nil for none).
    @discardableResult
    func call(_ method: String, _ path: String, as who: String? = "admin", json: Any? = nil, raw: [UInt8]? = nil,
              headers: [String: String] = [:], timeoutSeconds: Int = 10) throws -> RawClient.Response {
        var all = headers
        if let who, let secret = tokens[who] { all["Authorization"] = "Bearer \(secret)" }
        var body: [UInt8] = raw ?? []
        if let json {
            body = Array(try JSONSerialization.data(withJSONObject: json, options: [.fragmentsAllowed]))
            all["Content-Type"] = "application/json"
        }
        return try client(timeoutSeconds: timeoutSeconds).request(method, path, headers: all, body: body)
    }

    /// Rows in a table, read straight from the store: what was really written.
    func count(_ table: String) throws -> Int {
        try app.database.read { try $0.query("SELECT count(*) FROM \(table)", [])[0][0].int ?? -1 }
    }
}
