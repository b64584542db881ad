import Alignment
import Foundation
import HTTP1
import HTTPServer
import Jobs
import Logging
import Policy
@testable import Service
import Storage
import Synchronization
import Testing
import TestSupport

/// Runs on the researcher's own prompts judged by a remote service: the RLHF loop closed over HTTP.
@Suite(.serialized) struct RemoteJudgeRunTests {
    /// `/get_reward` (OpenRLHF's protocol) rewards a response by the number it spells (larger is better,
    /// −5 when it is no number); `/flaky` fails its first requests; `/down` is never served.
    final class RewardService: Sendable {
        let server: HTTPServer
        let calls = Mutex(0)
        let failures: Mutex<Int>
        var base: String { "http://127.0.0.1:\(server.port)" }

        init(failures: Int = 0) throws {
            self.failures = Mutex(failures)
            var configuration = HTTPServerConfiguration()
            configuration.port = 0
            configuration.workers = 4
            var router = Router()
            let box = Box()
            let reward: @Sendable (ServerRequest) -> ServerResponse = { request in
                box.service?.calls.withLock { $0 += 1 }
                let body = (try? JSONSerialization.jsonObject(with: Data(request.body))) as? [String: Any] ?? [:]
                let queries = body["query"] as? [String] ?? [], prompts = body["prompts"] as? [String] ?? []
                let rewards = zip(queries, prompts).map { query, prompt in Double(query.dropFirst(prompt.count)).map { min($0, 40) } ?? -5 }
                let data = (try? JSONSerialization.data(withJSONObject: ["rewards": rewards])) ?? Data()
                return ServerResponse(contentType: "application/json", body: Array(data))
            }
            router.post("/get_reward", handler: reward)
            router.post("/flaky") { request in
                let fail = box.service?.failures.withLock { n -> Bool in
                    defer { n -= 1 }
                    return n > 0
                } ?? false
                return fail ? .text("busy", status: .internalServerError) : reward(request)
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
            weak var service: RewardService?
        }
    }

    static let reference: Result<Safetensors, any Error> = Result { try ArithmeticTask().trainReference(seed: 1).checkpoint() }

    /// A store with the arithmetic reference policy and a prompt dataset `mine` of the task's prompts.
    func store(_ dialect: SQLDialect) throws -> (Database, String) {
        let database = try TestStores.open(dialect)
        let file = try Self.reference.get()
        let config = ArithmeticTask().referenceConfig
        let architecture = String(decoding: try JSONEncoder().encode(config), as: UTF8.self)
        let bytes = file.encoded(), count = try GPT.load(file).model.parameterCount
        let id = try database.write { connection in
            _ = try PromptRepository.insert(ArithmeticTask().trainPrompts.map { NewPrompt(text: $0, dataset: "mine") }, on: connection)
            return try ModelRepository.insert(name: "reference", kind: "policy", architecture: architecture, parameterCount: count, parentID: nil,
                                              runID: nil, seed: 1, source: "trained", checkpoint: bytes, on: connection).id
        }
        return (database, id)
    }

    func run(_ database: Database, _ json: String) throws -> RunRecord {
        let spec = try RunSpec.decode(Array(json.utf8))
        try database.read { try spec.checkModels(on: $0) }
        let run = try database.write { try RunExecutor.submit(spec, createdBy: "ci", on: $0) }
        let executor = RunExecutor(database: database, signal: RunSignal(), threads: 1, lease: .seconds(60), logger: Logger(label: "test"))
        executor.start()
        defer { executor.stop() }
        #expect(try waitUntil(seconds: 300) { try database.read { try RunRepository.get(id: run.id, on: $0) }?.status.isFinal == true })
        return try #require(try database.read { try RunRepository.get(id: run.id, on: $0) })
    }

    func result(_ run: RunRecord) -> [String: Double] {
        guard case .object(let fields)? = run.result.map(JSONValue.init(text:)) else { return [:] }
        return fields.compactMapValues { if case .number(let x) = $0 { x } else { nil } }
    }

    @Test func rlooOnStoredPromptsRaisesTheRemoteReward() throws {
        let service = try RewardService()
        defer { service.stop() }
        let (database, model) = try store(.sqlite)
        let run = try run(database, """
            {"algorithm": "rloo", "model": "\(model)", "task": {"kind": "prompts", "dataset": "mine", "eval_fraction": 0.2},
             "judge": "\(service.base)/get_reward", "seed": 1, "hyperparameters": {"max_new_tokens": 3, "eval_samples": 8}}
            """)
        #expect(run.status == .succeeded, "\(run.error ?? "")")
        let summary = result(run)
        let reward = try #require(summary["eval/reward"]), before = try #require(summary["eval/reference_reward"])
        #expect(reward > before, "judged reward \(reward) vs the reference's \(before)")
        #expect(service.calls.withLock { $0 } > 10)
        let calls = try database.read { try RunRepository.metrics(runID: run.id, key: "judge/calls", after: nil, limit: 1000, on: $0) }
        #expect(calls.items.reduce(0) { $0 + ($1.value ?? 0) } > 0, "judge/calls recorded per step")
    }

    @Test func sppoOnStoredPromptsIsJudgedPairwiseAndRetriesServerErrors() throws {
        let service = try RewardService(failures: 2)
        defer { service.stop() }
        let (database, model) = try store(.sqlite)
        let run = try run(database, """
            {"algorithm": "sppo", "model": "\(model)", "task": {"kind": "prompts", "dataset": "mine"},
             "judge": "\(service.base)/flaky", "judge_options": {"temperature": 2},
             "hyperparameters": {"iterations": 2, "steps_per_iteration": 2, "prompts_per_iteration": 8, "max_new_tokens": 3, "eval_samples": 2}}
            """)
        #expect(run.status == .succeeded, "\(run.error ?? "")")
        #expect(service.failures.withLock { $0 } < 0, "both failures were served, then retried")
    }

    @Test func aJudgeThatStaysDownFailsTheRunNamingIt() throws {
        let service = try RewardService()
        let url = service.base + "/get_reward"
        service.stop()
        let (database, model) = try store(.sqlite)
        let run = try run(database, """
            {"algorithm": "inpo", "model": "\(model)", "task": {"kind": "prompts", "dataset": "mine"}, "judge": "\(url)",
             "judge_options": {"max_attempts": 2, "timeout_seconds": 2}, "hyperparameters": {"max_new_tokens": 3}}
            """)
        #expect(run.status == .failed)
        #expect(run.error?.contains(url) == true && run.error?.contains("unreachable") == true, "\(run.error ?? "")")
    }

    func field(_ json: String) -> String? {
        do throws(RunSpecError) { _ = try RunSpec.decode(Array(json.utf8)); return nil } catch { return error.field }
    }

    @Test(arguments: TestStores.backends)
    func promptRunsAreValidatedAtPost(dialect: SQLDialect) throws {
        let (database, model) = try store(dialect)
        let task = #""task": {"kind": "prompts", "dataset": "mine"}"#
        #expect(field(#"{"algorithm": "sppo", "model": "m", \#(task)}"#) == "judge")
        #expect(field(#"{"algorithm": "sppo", "model": "m", \#(task), "judge": "oracle:arithmetic"}"#) == "judge")
        #expect(field(#"{"algorithm": "sppo", "model": "m", \#(task), "judge": "reward_model:mdl_1"}"#) == nil, "a stored model may judge")
        #expect(field(#"{"algorithm": "rloo", "model": "m", \#(task), "judge": "preference_model:mdl_1"}"#) == "judge")
        #expect(field(#"{"algorithm": "sft", \#(task), "judge": "http://127.0.0.1:9/r"}"#) == "task.kind")
        #expect(field(#"{"algorithm": "rloo", "model": "m", \#(task), "judge": "http://127.0.0.1:9/r", "judge_options": {"protocol": "pairwise"}}"#) == "judge_options.protocol")
        #expect(field(#"{"algorithm": "sppo", "model": "m", \#(task), "judge": "http://127.0.0.1:9/r", "judge_options": {"retries": 1}}"#) == "judge_options.retries")
        #expect(field(#"{"algorithm": "sppo", "model": "m", "task": {"kind": "prompts", "dataset": "mine", "eval_fraction": 0.9}, "judge": "http://x/r"}"#) == "task.eval_fraction")
        #expect(field(#"{"algorithm": "sppo", "model": "m", "task": {"kind": "text", "name": "arithmetic"}, "judge_options": {}}"#) == "judge_options")
        let good = try RunSpec.decode(Array(#"{"algorithm": "sppo", "model": "\#(model)", \#(task), "judge": "http://127.0.0.1:9/r", "judge_options": {"token_secret": "JUDGE"}}"#.utf8))
        #expect(try RunSpec.decode(Array(good.json.utf8)) == good, "the stored spec round-trips")
        #expect(good.json.contains("\"token_secret\":\"JUDGE\""), "the secret's name is stored, never a token")
        try database.read { try good.checkModels(on: $0) }
        // No prompts (or none before the cut-off), or a prompt that leaves no room to answer: 422 at POST.
        let empty = try RunSpec.decode(Array(#"{"algorithm": "sppo", "model": "\#(model)", "task": {"kind": "prompts", "dataset": "none"}, "judge": "http://x/r"}"#.utf8))
        #expect { try database.read { try empty.checkModels(on: $0) } } throws: { ($0 as? RunSpecError)?.field == "task.dataset" }
        _ = try database.write { try PromptRepository.insert([NewPrompt(text: String(repeating: "9", count: 20), dataset: "long")], on: $0) }
        let long = try RunSpec.decode(Array(#"{"algorithm": "sppo", "model": "\#(model)", "task": {"kind": "prompts", "dataset": "long"}, "judge": "http://x/r"}"#.utf8))
        #expect { try database.read { try long.checkModels(on: $0) } } throws: { ($0 as? RunSpecError)?.field == "task.dataset" }
    }
}
