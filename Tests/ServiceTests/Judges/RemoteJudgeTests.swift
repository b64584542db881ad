import Foundation
import HTTP1
import HTTPServer
import Logging
import Service
import Synchronization
import Testing

/// The remote judge against a real local judge service over loopback sockets.
@Suite struct RemoteJudgeTests {
    /// A judge service: `/get_reward` scores a response by its count of "!"; `/pairwise` prefers the longer
    /// response; `/flaky` fails its first `failures` requests; `/bad/:kind` answers malformed replies.
    final class JudgeService: Sendable {
        let server: HTTPServer
        let requests = Mutex<[(headers: HTTPHeaders, body: [UInt8])]>([])
        let failures: Mutex<Int>
        var base: String { "http://127.0.0.1:\(server.port)" }

        init(failures: Int = 0) throws {
            self.failures = Mutex(failures)
            var configuration = HTTPServerConfiguration()
            configuration.port = 0
            configuration.workers = 4
            var router = Router()
            let box = Box()
            @Sendable func json(_ object: Any) -> ServerResponse {
                ServerResponse(contentType: "application/json", body: Array((try? JSONSerialization.data(withJSONObject: object)) ?? Data()))
            }
            let reward: @Sendable (ServerRequest) -> ServerResponse = { request in
                let body = (try? JSONSerialization.jsonObject(with: Data(request.body))) as? [String: Any] ?? [:]
                box.service?.requests.withLock { $0.append((request.headers, request.body)) }
                let queries = body["query"] as? [String] ?? []
                return json(["rewards": queries.map { Double($0.filter { $0 == "!" }.count) }])
            }
            router.post("/get_reward", handler: reward)
            router.post("/flaky") { request in
                let fail = box.service?.failures.withLock { n -> Bool in
                    defer { n -= 1 }
                    return n > 0
                } ?? false
                return fail ? .text("busy", status: .internalServerError) : reward(request)
            }
            router.post("/pairwise") { request in
                let body = (try? JSONSerialization.jsonObject(with: Data(request.body))) as? [String: Any] ?? [:]
                let items = body["items"] as? [[String: String]] ?? []
                return json(["probabilities": items.map { ($0["response_a"] ?? "").count > ($0["response_b"] ?? "").count ? 0.9 : 0.1 }])
            }
            router.post("/bad/:kind") { request in
                switch request.parameters["kind"] {
                case "count": json(["rewards": [1.0]])
                case "range": json(["probabilities": [1.5, 0.5]])
                default: .text("not json")
                }
            }
            server = HTTPServer(configuration: configuration, responder: router, logger: Logger(label: "judge"))
            try server.start()
            box.service = self
        }

        func stop() {
            server.shutdown()
            server.waitUntilStopped()
        }

        final class Box: @unchecked Sendable {  // set once, before any request can arrive
            weak var service: JudgeService?
        }
    }

    static func options(_ configure: (inout RemoteJudgeOptions) -> Void = { _ in }) -> RemoteJudgeOptions {
        var options = RemoteJudgeOptions()
        options.timeoutSeconds = 5
        configure(&options)
        return options
    }

    @Test func rewardProtocolSpeaksOpenRLHFsShapeInBatches() throws {
        let service = try JudgeService()
        defer { service.stop() }
        let judge = try RemoteJudge(url: service.base + "/get_reward", options: Self.options { $0.batchSize = 2; $0.tokenSecret = "judge" },
                                    secrets: { $0 == "judge" ? "t0ken" : nil })
        let rewards = try judge.rewards(prompts: ["Q1 ", "Q2 ", "Q3 "], responses: ["a!", "b!!", "c"])
        #expect(rewards == [1, 2, 0])
        let seen = service.requests.withLock { $0 }.map { request in
            (headers: request.headers, body: (try? JSONSerialization.jsonObject(with: Data(request.body))) as? [String: Any] ?? [:])
        }
        #expect(seen.count == 2, "three items in batches of two")
        #expect(seen.allSatisfy { $0.headers["authorization"] == "Bearer t0ken" })
        let queries = seen.flatMap { $0.body["query"] as? [String] ?? [] }.sorted()
        #expect(queries == ["Q1 a!", "Q2 b!!", "Q3 c"])
        #expect(seen.flatMap { $0.body["prompts"] as? [String] ?? [] }.sorted() == ["Q1 ", "Q2 ", "Q3 "])

        let p = try judge.probabilities(prompts: ["Q"], a: ["!!"], b: [""])
        #expect(abs(p[0] - 1 / (1 + exp(-2.0))) < 1e-12, "Bradley–Terry on the reward difference")
        let statistics = judge.takeStatistics()
        #expect(statistics.calls == 3 && statistics.errors == 0)
        #expect(judge.takeStatistics().calls == 0, "taking resets")
    }

    @Test func pairwiseProtocol() throws {
        let service = try JudgeService()
        defer { service.stop() }
        let judge = try RemoteJudge(url: service.base + "/pairwise", options: Self.options { $0.protocol = .pairwise })
        #expect(try judge.probabilities(prompts: ["p", "p"], a: ["long", "s"], b: ["s", "long"]) == [0.9, 0.1])
        #expect(throws: JudgeError.self) { try judge.rewards(prompts: ["p"], responses: ["r"]) }
    }

    @Test func serverErrorsAreRetried() throws {
        let service = try JudgeService(failures: 2)
        defer { service.stop() }
        let judge = try RemoteJudge(url: service.base + "/flaky", options: Self.options())
        #expect(try judge.rewards(prompts: ["p"], responses: ["!"]) == [1])
        let statistics = judge.takeStatistics()
        #expect(statistics.calls == 3 && statistics.errors == 2)
    }

    @Test func aJudgeThatIsDownFailsNamingItself() throws {
        let service = try JudgeService()
        let url = service.base + "/get_reward"
        service.stop()
        let judge = try RemoteJudge(url: url, options: Self.options { $0.maxAttempts = 2 })
        #expect { try judge.rewards(prompts: ["p"], responses: ["r"]) } throws: { error in
            let error = error as? JudgeError
            return error?.judge == url && error?.description.contains("unreachable after 2 attempt(s)") == true
        }
    }

    @Test func malformedRepliesAreRefused() throws {
        let service = try JudgeService()
        defer { service.stop() }
        for (path, proto) in [("/bad/count", RemoteJudgeOptions.WireProtocol.reward), ("/bad/range", .pairwise), ("/bad/text", .reward)] {
            let judge = try RemoteJudge(url: service.base + path, options: Self.options { $0.protocol = proto })
            #expect(throws: JudgeError.self) { try judge.probabilities(prompts: ["p", "q"], a: ["a", "b"], b: ["c", "d"]) }
        }
    }

    @Test func aMissingSecretOrASchemeOtherThanHTTPIsRefused() {
        #expect(throws: JudgeError.self) { try RemoteJudge(url: "http://127.0.0.1:1/x", options: Self.options { $0.tokenSecret = "nope" }, secrets: { _ in nil }) }
        #expect(throws: JudgeError.self) { try RemoteJudge(url: "file:///etc/passwd", options: Self.options()) }
    }
}
