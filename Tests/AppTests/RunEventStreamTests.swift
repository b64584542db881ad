import Foundation
import Storage
import Testing
import TestSupport

/// `GET /v1/runs/{id}/events` as a long-lived stream: it holds no blocking-pool thread, and a
/// client that hangs up is let go at once.
@Suite struct RunEventStreamTests {
    /// A run that stays queued (no job for it), so its event stream stays open.
    static func queuedRun(_ app: AppFixture) throws -> String {
        let now = Date()
        let run = RunRecord(id: "run_queued_\(UInt32.random(in: 0...UInt32.max))", name: nil, algorithm: "inpo", status: .queued,
                            spec: "{}", modelID: nil, referenceID: nil, createdBy: "test", warnings: [], totalSteps: 1,
                            createdAt: now, updatedAt: now)
        try app.app.database.write { try RunRepository.insert(run, on: $0) }
        return run.id
    }

    static func openStream(_ app: AppFixture, _ id: String) throws -> RawClient {
        let client = try RawClient(port: app.port, timeoutSeconds: 5)
        try client.send("GET /v1/runs/\(id)/events HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer \(app.tokens["ci"] ?? "")\r\n\r\n")
        #expect(try client.readHead().status == 200)
        let first = try #require(try client.readChunk())
        #expect(String(decoding: first, as: UTF8.self).contains("event: status"))
        return client
    }

    /// More streams from a read-only token than there are pool threads (the fixture has 8)
    /// once froze every blocking route; closed streams were noticed only at the next 15 s keep-alive.
    @Test(arguments: TestStores.backends)
    func streamsLeaveTheAPIServingAndClosedOnesEndAtOnce(dialect: SQLDialect) throws {
        let app = try AppFixture(dialect)
        let id = try Self.queuedRun(app)
        var streams = try (0..<12).map { _ in try Self.openStream(app, id) }
        let read = try RawClient(port: app.port, timeoutSeconds: 5)
        let run = try read.request("GET", "/v1/runs/\(id)", headers: ["Authorization": "Bearer \(app.tokens["ci"] ?? "")"])
        #expect(run.status == 200)
        let open = app.app.server.connectionCount
        streams.removeAll()  // every stream's client hangs up
        #expect(waitUntil(seconds: 5) { app.app.server.connectionCount <= open - 12 })
    }
}
