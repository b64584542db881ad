import Foundation
import HTTP1
import HTTPServer
import Jobs
import Logging
@testable import Service
import Storage
import Synchronization
import Testing
import TestSupport

/// Deliveries over real sockets to a local receiver: a run's end is announced, signed, and retried.
@Suite struct WebhookDeliveryTests {
    /// A receiver that records what it gets and answers with the scripted statuses, then 200.
    final class Receiver: Sendable {
        struct Received: Sendable {
            var headers: HTTPHeaders
            var body: [UInt8]
        }

        let server: HTTPServer
        let received = Mutex<[Received]>([])
        let script: Mutex<[Int]>
        var url: String { "http://127.0.0.1:\(server.port)/hooks" }

        init(answers: [Int] = []) throws {
            script = Mutex(answers)
            var configuration = HTTPServerConfiguration()
            configuration.port = 0
            configuration.workers = 2
            var router = Router()
            let box = Box()
            router.post("/hooks") { request in
                guard let receiver = box.receiver else { return .text("not ready", status: .serviceUnavailable) }
                receiver.received.withLock { $0.append(Received(headers: request.headers, body: request.body)) }
                let status = receiver.script.withLock { $0.isEmpty ? 200 : $0.removeFirst() }
                return ServerResponse(status: HTTPStatus(code: status), headers: ["Retry-After": "0"], body: .bytes([]))
            }
            server = HTTPServer(configuration: configuration, responder: router, logger: Logger(label: "receiver"))
            try server.start()
            box.receiver = self
        }

        func stop() {
            server.shutdown()
            server.waitUntilStopped()
        }

        final class Box: @unchecked Sendable {  // set once before the first request can arrive
            weak var receiver: Receiver?
        }
    }

    static let game = #"{"algorithm": "nash_mp", "task": {"kind": "tabular", "preference_matrix": [[0.5, 0.9, 0.1], [0.1, 0.5, 0.9], [0.9, 0.1, 0.5]], "reference": [0.5, 0.3, 0.2]}, "hyperparameters": {"beta": 0.1, "iterations": 5}}"#

    func register(_ url: String, events: [WebhookEvent], in database: Database) throws -> WebhookRecord {
        let webhook = WebhookRecord(id: Identifier.make("whk"), url: url, events: events, secret: WebhookSignature.newSecret(),
                                    description: nil, createdBy: "admin", createdAt: Date())
        try database.write { try WebhookRepository.insert(webhook, on: $0) }
        return webhook
    }

    @Test(arguments: TestStores.backends)
    func aRunsEndIsDeliveredSignedAndRetriedAfterA503(dialect: SQLDialect) throws {
        let database = try TestStores.open(dialect)
        let receiver = try Receiver(answers: [503])
        defer { receiver.stop() }
        let webhook = try register(receiver.url, events: [.runSucceeded], in: database)
        _ = try register(receiver.url, events: [.runFailed], in: database)  // not subscribed: gets nothing
        let executor = RunExecutor(database: database, signal: RunSignal(), threads: 1, lease: .seconds(30), logger: Logger(label: "test"))
        executor.start()
        defer { executor.stop() }
        let run = try database.write { try RunExecutor.submit(try RunSpec.decode(Array(Self.game.utf8)), createdBy: "ci", on: $0) }

        #expect(try waitUntil(seconds: 30) {
            try database.read { try WebhookRepository.deliveries(webhookID: webhook.id, before: nil, limit: 10, on: $0) }
                .items.first?.status == .succeeded
        })
        let delivery = try #require(try database.read {
            try WebhookRepository.deliveries(webhookID: webhook.id, before: nil, limit: 10, on: $0)
        }.items.first)
        #expect(delivery.attempts.map(\.statusCode) == [503, 200])
        #expect(delivery.event == .runSucceeded)

        let received = receiver.received.withLock { $0 }
        #expect(received.count == 2, "one retry, and nothing for the webhook that wants run.failed")
        for request in received {
            let id = try #require(request.headers["webhook-id"])
            let timestamp = try #require(request.headers["webhook-timestamp"].flatMap { Int($0) })
            let signature = try #require(request.headers["webhook-signature"])
            #expect(id == delivery.id)
            #expect(abs(Double(timestamp) - Date().timeIntervalSince1970) < 300)
            #expect(WebhookSignature.verify(header: signature, secret: webhook.secret, id: id, timestamp: timestamp, body: request.body))
            #expect(request.headers["content-type"] == "application/json")
        }
        let body = try #require(try JSONSerialization.jsonObject(with: Data(received[1].body)) as? [String: Any])
        #expect(body["type"] as? String == "run.succeeded")
        let data = try #require(body["data"] as? [String: Any])
        #expect(data["id"] as? String == run.id && data["status"] as? String == "succeeded")
    }

    /// A receiver that never takes it: the delivery is retried up to its attempts, then `failed`.
    @Test func anUnreachableReceiverEndsFailedAfterItsAttempts() throws {
        let database = try TestStores.open(.sqlite)
        let receiver = try Receiver(answers: [500, 500, 500, 500, 500, 500, 500, 500, 500])
        defer { receiver.stop() }
        let webhook = try register(receiver.url, events: [.runFailed], in: database)
        try database.write { connection in
            try Webhooks.emit(.runFailed, data: .object(["id": .string("run_x")]), on: connection)
            // Few attempts keep the test short; the backoff is the receiver's Retry-After: 0.
            try connection.query("UPDATE jobs SET max_attempts = 3 WHERE kind = 'webhook'")
        }
        let executor = RunExecutor(database: database, signal: RunSignal(), threads: 1, lease: .seconds(30), logger: Logger(label: "test"))
        executor.start()
        defer { executor.stop() }
        #expect(try waitUntil(seconds: 30) {
            try database.read { try WebhookRepository.deliveries(webhookID: webhook.id, before: nil, limit: 10, on: $0) }
                .items.first?.status == .failed
        })
        let delivery = try #require(try database.read {
            try WebhookRepository.deliveries(webhookID: webhook.id, before: nil, limit: 10, on: $0)
        }.items.first)
        #expect(delivery.attempts.map(\.statusCode) == [500, 500, 500])
        #expect(delivery.attempts.allSatisfy { $0.error == "receiver answered 500" })
    }
}
