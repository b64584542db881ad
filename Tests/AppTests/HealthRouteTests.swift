import App
import Foundation
import TestSupport
import Logging
import Storage
import Testing

/// The application's own routes over real sockets, against real stores.
@Suite struct HealthRouteTests {
    func start(database: DatabaseLocation) throws -> Application {
        let app = try Application(configuration: AppConfiguration(port: 0, database: database, workers: 2, logLevel: .warning),
                                  logger: Logger(label: "test"), migrator: TestStores.migrator)
        try app.start()
        return app
    }

    func stop(_ app: Application) {
        app.stop()
    }

    func json(_ response: RawClient.Response) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any])
    }

    func temporarySQLite() throws -> DatabaseLocation {
        try TestStores.location(.sqlite)
    }

    @Test func livezAnswersOK() throws {
        let app = try start(database: try temporarySQLite())
        defer { stop(app) }
        let response = try RawClient(port: app.server.port).get("/livez")
        #expect(response.status == 200)
        #expect(response.header("content-type") == "application/json")
        #expect(response.text == #"{"status":"ok"}"#)
        #expect(response.header("x-request-id")?.hasPrefix("req_") == true)
    }

    @Test func readyzReportsSQLiteReachable() throws {
        let app = try start(database: try temporarySQLite())
        defer { stop(app) }
        let response = try RawClient(port: app.server.port).get("/readyz")
        #expect(response.status == 200)
        let checks = try json(response)["checks"] as? [String: [String: String]]
        #expect(checks?["store"]?["backend"] == "sqlite")
        #expect(checks?["store"]?["status"] == "ok")
    }

    @Test(.enabled(if: TestStores.testsPostgres, "no PostgreSQL"))
    func readyzReportsPostgresReachable() throws {
        let app = try start(database: try TestStores.location(.postgres))
        defer { stop(app) }
        let response = try RawClient(port: app.server.port).get("/readyz")
        #expect(response.status == 200)
        let checks = try json(response)["checks"] as? [String: [String: String]]
        #expect(checks?["store"]?["backend"] == "postgres")
        #expect(checks?["store"]?["status"] == "ok")
    }

    /// The store disappears under a running server: readiness turns to 503 and says why.
    @Test(.enabled(if: TestStores.testsPostgres, "no PostgreSQL"))
    func readyzIs503WhenPostgresGoesAway() throws {
        let adminURL = try TestStores.requirePostgres()
        let location = try TestStores.location(.postgres)
        let app = try start(database: location)
        defer { stop(app) }
        #expect(try RawClient(port: app.server.port).get("/readyz").status == 200)
        guard case .postgres(let url) = location, let name = url.split(separator: "/").last else { return }
        try PostgresAdmin.dropDatabase(nextTo: adminURL, name: String(name))
        let response = try RawClient(port: app.server.port).get("/readyz")
        #expect(response.status == 503)
        let document = try json(response)
        #expect(document["status"] as? String == "not_ready")
        let store = (document["checks"] as? [String: [String: String]])?["store"]
        #expect(store?["status"] == "unavailable")
        #expect(store?["error"]?.contains("PostgreSQL unreachable") == true)
    }

    @Test func readyzIs503WhenTheSQLiteDirectoryIsGone() throws {
        let location = try temporarySQLite()
        let app = try start(database: location)
        defer { stop(app) }
        guard case .sqlite(let path) = location else { return }
        let directory = (path as NSString).deletingLastPathComponent
        try FileManager.default.removeItem(atPath: directory)
        try Data("not a directory".utf8).write(to: URL(fileURLWithPath: directory))
        #expect(try RawClient(port: app.server.port).get("/readyz").status == 503)
    }

    @Test func metricsCountRequestsByRouteAndStatus() throws {
        let app = try start(database: try temporarySQLite())
        defer { stop(app) }
        let client = try RawClient(port: app.server.port)
        for _ in 0..<3 { _ = try client.get("/livez") }
        _ = try client.get("/v1/nothing")
        let response = try client.get("/metrics")
        #expect(response.status == 200)
        #expect(response.header("content-type")?.hasPrefix("text/plain; version=0.0.4") == true)
        let text = response.text
        #expect(text.contains(#"preflab_http_requests_total{route="/livez",method="GET",status="200"} 3"#))
        #expect(text.contains(#"preflab_http_requests_total{route="unmatched",method="GET",status="404"} 1"#))
        #expect(text.contains(#"preflab_http_request_duration_seconds_count{route="/livez",method="GET"} 3"#))
        #expect(text.contains(#"preflab_http_request_duration_seconds_bucket{route="/livez",method="GET",le="+Inf"} 3"#))
        #expect(text.contains("preflab_http_open_connections 1"))
    }
}
