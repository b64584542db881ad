import Dispatch
import Foundation
import Storage
import Synchronization
import Testing
import TestSupport

/// Several real `preflab serve` processes sharing one store: started together on an empty store they
/// create exactly one admin token (migrations and the first admin run under a lock), and a token revoked
/// through one is refused by the others on its very next request.
@Suite struct TokenProcessTests {
    /// Starts `count` servers on `location` at the same instant (each `init` launches, then reads its output).
    static func startTogether(_ count: Int, on location: DatabaseLocation) throws -> [ServerProcess] {
        let started = Mutex<[Result<ServerProcess, any Error>]>([])
        let environment = ["PREFLAB_RUN_WORKERS": "0"]
        DispatchQueue.concurrentPerform(iterations: count) { _ in
            let result = Result { try ServerProcess(location: location, environment: environment) }
            started.withLock { $0.append(result) }
        }
        return try started.withLock { $0 }.map { try $0.get() }
    }

    static func adminSecrets(_ servers: [ServerProcess]) -> [String] {
        servers.compactMap { server -> String? in
            let lines = server.printed.split(separator: "\n")
            guard let index = lines.firstIndex(where: { $0.contains("Created the first admin token") }), index + 1 < lines.count else { return nil }
            return lines[index + 1].trimmingCharacters(in: .whitespaces)
        }
    }

    @Test(arguments: TestStores.backends)
    func threeServersStartedTogetherOnAnEmptyStorePrintOneAdminToken(dialect: SQLDialect) throws {
        let location = try TestStores.location(dialect)
        let servers = try Self.startTogether(3, on: location)
        defer { servers.forEach { $0.terminate() } }
        let secrets = Self.adminSecrets(servers)
        #expect(secrets.count == 1, "\(servers.map(\.printed))")
        let store = try Database(location: location, migrator: TestStores.migrator)
        defer { store.close() }
        #expect(try store.read { try TokenRepository.count(on: $0) } == 1)
        #expect(try store.read { try Migrator.applied(on: $0) }.count == (try TestStores.migrator.migrations(for: dialect)).count)
        // The one secret works on every server.
        let secret = try #require(secrets.first)
        for server in servers {
            let response = try RawClient(port: server.port).request("GET", "/v1/tokens", headers: ["Authorization": "Bearer \(secret)"])
            #expect(response.status == 200, "\(response)")
        }
    }

    @Test(arguments: TestStores.backends)
    func aTokenRevokedThroughOneServerIsRefusedByAnotherOnItsNextRequest(dialect: SQLDialect) throws {
        let location = try TestStores.location(dialect)
        let first = try ServerProcess(location: location, environment: ["PREFLAB_RUN_WORKERS": "0"])
        defer { first.terminate() }
        let second = try ServerProcess(location: location, environment: ["PREFLAB_RUN_WORKERS": "0"])
        defer { second.terminate() }
        let admin = try #require(Self.adminSecrets([first, second]).first)
        func call(_ server: ServerProcess, _ method: String, _ path: String, _ secret: String, json: [String: Any]? = nil) throws -> RawClient.Response {
            var headers = ["Authorization": "Bearer \(secret)"]
            var body: [UInt8] = []
            if let json {
                body = Array(try JSONSerialization.data(withJSONObject: json))
                headers["Content-Type"] = "application/json"
            }
            return try RawClient(port: server.port).request(method, path, headers: headers, body: body)
        }
        let created = try call(first, "POST", "/v1/tokens", admin, json: ["name": "carol", "role": "researcher"])
        let id = try #require(created.json["id"] as? String)
        let secret = try #require(created.json["secret"] as? String)
        // Both servers have just accepted it: any verdict cache would now hold it.
        #expect(try call(first, "GET", "/v1/runs", secret).status == 200)
        #expect(try call(second, "GET", "/v1/runs", secret).status == 200)

        #expect(try call(first, "DELETE", "/v1/tokens/\(id)", admin).status == 200)
        let refused = try call(second, "GET", "/v1/runs", secret)
        #expect(refused.status == 401 && refused.json["code"] as? String == "token_revoked", "\(refused)")
    }
}
