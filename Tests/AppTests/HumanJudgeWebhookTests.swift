import Foundation
import HTTP1
import HTTPServer
import Logging
import Service
import Storage
import Synchronization
import Testing
import TestSupport

/// A run judged by people announces itself: `run.waiting` when it posts its pairs, `comparisons.completed`
/// when annotators have judged them, each delivered signed to a local receiver over real sockets.
@Suite struct HumanJudgeWebhookTests {
    /// Records every delivery it gets and answers 204.
    final class Receiver: Sendable {
        let server: HTTPServer
        let received = Mutex<[(headers: HTTPHeaders, body: [UInt8])]>([])
        var url: String { "http://127.0.0.1:\(server.port)/hooks" }

        init() throws {
            var configuration = HTTPServerConfiguration()
            configuration.port = 0
            configuration.workers = 2
            var router = Router()
            let box = Box()
            router.post("/hooks") { request in
                box.receiver?.received.withLock { $0.append((request.headers, request.body)) }
                return ServerResponse(status: .noContent)
            }
            server = HTTPServer(configuration: configuration, responder: router, logger: Logger(label: "receiver"))
            try server.start()
            box.receiver = self
        }

        func stop() {
            server.shutdown()
            server.waitUntilStopped()
        }

        /// The deliveries of `type`, with whether each one's signature verifies under `secret`.
        func deliveries(_ type: String, secret: String) -> [(data: [String: Any], signed: Bool)] {
            received.withLock { $0 }.compactMap { delivery in
                guard let object = (try? JSONSerialization.jsonObject(with: Data(delivery.body))) as? [String: Any],
                      object["type"] as? String == type else { return nil }
                let id = delivery.headers["webhook-id"] ?? "", timestamp = Int(delivery.headers["webhook-timestamp"] ?? "") ?? 0
                let signed = WebhookSignature.verify(header: delivery.headers["webhook-signature"] ?? "", secret: secret, id: id,
                                                     timestamp: timestamp, body: delivery.body)
                return (object["data"] as? [String: Any] ?? [:], signed)
            }
        }

        final class Box: @unchecked Sendable {  // set once, before any request can arrive
            weak var receiver: Receiver?
        }
    }

    @Test(arguments: TestStores.backends)
    func runWaitingAndComparisonsCompletedAreDelivered(dialect: SQLDialect) throws {
        let receiver = try Receiver()
        defer { receiver.stop() }
        let app = try AppFixture(dialect)
        let webhook = try app.call("POST", "/v1/webhooks", json: ["url": receiver.url, "events": ["run.waiting", "comparisons.completed"]])
        #expect(webhook.status == 201, "\(webhook.text)")
        let secret = try #require(webhook.json["secret"] as? String)
        let posted = try app.call("POST", "/v1/runs", as: "researcher",
                                  json: HumanJudgeRunTests.run(model: try HumanJudgeRunTests.model(app), iterations: 1, options: [:]))
        let id = try #require(posted.json["id"] as? String, "\(posted.text)")

        #expect(waitUntil(seconds: 120) { !receiver.deliveries("run.waiting", secret: secret).isEmpty })
        let waiting = try #require(receiver.deliveries("run.waiting", secret: secret).first)
        #expect(waiting.signed, "signed with the endpoint's secret")
        #expect(waiting.data["id"] as? String == id && waiting.data["status"] as? String == "waiting")
        let batch = try #require(waiting.data["waiting"] as? [String: Any])
        #expect(batch["dataset"] as? String == "run:\(id)" && batch["judged"] as? Int == 0)
        let pairs = batch["required"] as? Int ?? 0

        #expect(try HumanJudgeRunTests.judgeAll(app, as: "ann2").count == pairs)
        #expect(waitUntil(seconds: 60) { receiver.deliveries("comparisons.completed", secret: secret).count == 2 })
        let completed = receiver.deliveries("comparisons.completed", secret: secret)
        let allSigned = completed.allSatisfy { $0.signed }
        #expect(allSigned)
        let scopes = Dictionary(uniqueKeysWithValues: completed.map { ($0.data["scope"] as? String ?? "", $0.data) })
        #expect(scopes["run_batch"]?["run_id"] as? String == id && scopes["run_batch"]?["batch_id"] as? String == batch["batch_id"] as? String)
        #expect(scopes["run_batch"]?["comparisons"] as? Int == pairs)
        #expect(scopes["dataset"]?["dataset"] as? String == "run:\(id)")
        #expect(try RunRouteTests.finished(app, id, seconds: 120)["status"] as? String == "succeeded")
        #expect(receiver.deliveries("run.waiting", secret: secret).count == 1, "one announcement per batch")
    }
}
