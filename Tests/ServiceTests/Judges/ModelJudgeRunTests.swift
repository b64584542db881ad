import Alignment
import Foundation
import Jobs
import Logging
import Policy
@testable import Service
import Storage
import Testing
import TestSupport

/// Stored reward and preference models as the judges of the pairwise methods.
@Suite struct ModelJudgeRunTests {
    static let config = ArithmeticTask().referenceConfig

    /// Inserts a model of `kind` (reward and preference models get a value head and their pair scoring).
    func insert(_ database: Database, kind: String, seed: UInt64, config: GPTConfig = config) throws -> String {
        let model = try GPT(config: config, seed: seed)
        var file = model.checkpoint(metadata: ["kind": kind, "pair_scoring": kind == "preference_model" ? "preference" : "reward"])
        if kind != "policy" { ValueHead(dim: config.dim, seed: seed).store(in: &file) }
        let architecture = String(decoding: try JSONEncoder().encode(config), as: UTF8.self)
        let bytes = file.encoded(), count = model.parameterCount
        return try database.write { connection in
            try ModelRepository.insert(name: kind, kind: kind, architecture: architecture, parameterCount: count, parentID: nil,
                                       runID: nil, seed: Int(seed), source: "initialised", checkpoint: bytes, on: connection).id
        }
    }

    /// A preference model's probabilities are antisymmetric, a reward model's are σ of reward differences.
    @Test func theJudgeReadsTheModel() throws {
        let database = try TestStores.open(.sqlite)
        for kind in ["reward_model", "preference_model"] {
            let id = try insert(database, kind: kind, seed: 3)
            let file = try #require(try database.read { connection -> Safetensors? in
                guard let record = try ModelRepository.get(id: id, on: connection),
                      let bytes = try ModelRepository.checkpoint(sha256: record.checkpointSHA256, on: connection) else { return nil }
                return try Safetensors(bytes: bytes)
            })
            let judge = try ModelJudge(checkpoint: file, kind: kind)
            let p = try judge.probabilities(prompts: ["1+2=", "3+4="], a: ["3", "9"], b: ["5", "7"])
            let q = try judge.probabilities(prompts: ["1+2=", "3+4="], a: ["5", "7"], b: ["3", "9"])
            for i in 0..<2 { #expect(abs(p[i] + q[i] - 1) < 1e-9, "\(kind): antisymmetric") }
            // Responses longer than the judge's context are cut to fit, at a character boundary.
            let long = String(repeating: "\u{FFFD}7", count: 12)
            #expect(try judge.probabilities(prompts: ["1+2="], a: [long], b: ["3"]).count == 1)
            if kind == "reward_model" {
                let r = try #require(try judge.judgedRewards(prompts: ["1+2=", "1+2="], responses: ["3", "5"]))
                #expect(abs(p[0] - 1 / (1 + exp(-(r[0] - r[1])))) < 1e-9)
            } else {
                #expect(try judge.judgedRewards(prompts: ["1+2="], responses: ["3"]) == nil)
            }
        }
    }

    @Test(arguments: TestStores.backends)
    func sppoJudgedByAPreferenceModelRuns(dialect: SQLDialect) throws {
        let database = try TestStores.open(dialect)
        let policy = try insert(database, kind: "policy", seed: 1)
        let judge = try insert(database, kind: "preference_model", seed: 2)
        let json = """
            {"algorithm": "sppo", "model": "\(policy)", "task": {"kind": "text", "name": "arithmetic"}, "judge": "preference_model:\(judge)",
             "hyperparameters": {"iterations": 2, "steps_per_iteration": 2, "prompts_per_iteration": 4, "eval_samples": 2}}
            """
        let spec = try RunSpec.decode(Array(json.utf8))
        #expect(try RunSpec.decode(Array(spec.json.utf8)) == spec)
        try database.read { try spec.checkModels(on: $0) }
        let run = try database.write { try RunExecutor.submit(spec, createdBy: "ci", on: $0) }
        let executor = RunExecutor(database: database, signal: RunSignal(), threads: 1, lease: .seconds(60), logger: Logger(label: "test"))
        executor.start()
        defer { executor.stop() }
        #expect(try waitUntil(seconds: 120) { try database.read { try RunRepository.get(id: run.id, on: $0) }?.status.isFinal == true })
        let ended = try #require(try database.read { try RunRepository.get(id: run.id, on: $0) })
        #expect(ended.status == .succeeded, "\(ended.error ?? "")")
    }

    @Test func theJudgeModelMustBeStoredWithItsKind() throws {
        let database = try TestStores.open(.sqlite)
        let policy = try insert(database, kind: "policy", seed: 1)
        let reward = try insert(database, kind: "reward_model", seed: 2)
        func check(_ judge: String) throws -> String? {
            let spec = try RunSpec.decode(Array("""
                {"algorithm": "inpo", "model": "\(policy)", "task": {"kind": "text", "name": "arithmetic"}, "judge": "\(judge)"}
                """.utf8))
            do {
                try database.read { try spec.checkModels(on: $0) }
                return nil
            } catch let error as MissingReference {
                return "missing \(error.field)"
            } catch let error as RunSpecError {
                return error.field
            }
        }
        #expect(try check("reward_model:\(reward)") == nil)
        #expect(try check("preference_model:\(reward)") == "judge", "a reward model is not a preference model")
        #expect(try check("reward_model:\(policy)") == "judge")
        #expect(try check("reward_model:mdl_000000000000000000000000") == "missing judge")
    }
}
