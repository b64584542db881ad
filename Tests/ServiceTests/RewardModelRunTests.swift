import Alignment
import Foundation
import Jobs
import Logging
import Policy
@testable import Service
import Storage
import Tensor
import Testing
import TestSupport

/// A reward-model run from its payload: stored preferences in, a stored `reward_model` out, whose value head
/// scores the preferred feature higher.
@Suite struct RewardModelRunTests {
    @Test(arguments: TestStores.backends)
    func trainsAndStoresARewardModelFromStoredPreferences(dialect: SQLDialect) throws {
        let database = try TestStores.open(dialect)
        let policy = try GPT(config: GPTConfig(layers: 1, dim: 32, heads: 2, context: 40), seed: 2)
        let architecture = String(decoding: try JSONEncoder().encode(policy.config), as: UTF8.self)
        let checkpoint = policy.checkpoint(metadata: ["kind": "policy"]).encoded(), count = policy.parameterCount
        let policyID = try database.write { connection in
            try ModelRepository.insert(name: "trunk", kind: "policy", architecture: architecture, parameterCount: count, parentID: nil,
                                       runID: nil, seed: 2, source: "initialised", checkpoint: checkpoint, on: connection).id
        }
        // Chosen answers end with "!"; the annotator saw them as side b half of the time.
        var rng = RNG(seed: 11)
        func word() -> String { String((0..<(3 + Int(rng.next() % 5))).map { _ in Character(UnicodeScalar(UInt8(97 + rng.next() % 26))) }) }
        let items = (0..<300).map { i -> NewPreference in
            let good = word() + "!", bad = word()
            let flip = i % 2 == 1
            return NewPreference(prompt: "q\(i % 13):", responseA: flip ? bad : good, responseB: flip ? good : bad,
                                 choice: flip ? .b : .a, strength: 2, dataset: "bang")
        }
        _ = try database.write { try PreferenceRepository.insert(items, annotator: "ann", on: $0) }

        let json = #"{"algorithm": "reward_model", "model": "\#(policyID)", "dataset": {"dataset": "bang"}, "hyperparameters": {"steps": 150, "eval_fraction": 0.2}, "seed": 3}"#
        let spec = try RunSpec.decode(Array(json.utf8))
        #expect(try RunSpec.decode(Array(spec.json.utf8)) == spec)
        let run = try database.write { try RunExecutor.submit(spec, createdBy: "r", on: $0) }
        let executor = RunExecutor(database: database, signal: RunSignal(), threads: 1, lease: .seconds(30), logger: Logger(label: "test"))
        executor.start()
        defer { executor.stop() }
        var finished: RunRecord?
        #expect(try waitUntil(seconds: 60) {
            finished = try database.read { try RunRepository.get(id: run.id, on: $0) }
            return finished?.status.isFinal == true
        })
        #expect(finished?.status == .succeeded, "\(finished?.error ?? "")")
        let result = JSONValue(text: finished?.result ?? "")
        if case .number(let accuracy)? = result["eval/accuracy"] {
            #expect(accuracy >= 0.95, "held-out accuracy \(accuracy)")
        } else {
            Issue.record("no eval/accuracy in \(result)")
        }
        let model = try #require(try database.read { try ModelRepository.get(id: finished?.outputModelID ?? "", on: $0) })
        #expect(model.kind == "reward_model" && model.parentID == policyID)
        let bytes = try #require(try database.read { try ModelRepository.checkpoint(sha256: model.checkpointSHA256, on: $0) })
        let file = try Safetensors(bytes: bytes)
        #expect(file.metadata["reward_std"].flatMap(Double.init).map { $0 > 0 } == true)
        let trunk = try GPT.load(file).model
        let head = try ValueHead.load(from: file, dim: trunk.config.dim)
        let scores = try RewardModelTraining.rewards(trunk: trunk, head: head, prompts: ["q1:", "q1:"], responses: ["apple!", "apple"])
        #expect(scores[0] > scores[1])
        let steps = try database.read { try RunRepository.steps(runID: run.id, after: 0, limit: 1000, on: $0) }.map(\.step)
        #expect(steps == Array(1...150))
    }

    @Test func aRewardModelRunIsValidatedAtDecode() {
        func field(_ json: String) -> String? {
            do throws(RunSpecError) { _ = try RunSpec.decode(Array(json.utf8)); return nil } catch { return error.field }
        }
        #expect(field(#"{"algorithm": "reward_model", "dataset": {}}"#) == "model")
        #expect(field(#"{"algorithm": "reward_model", "model": "m", "reference": "m", "dataset": {}}"#) == "reference")
        #expect(field(#"{"algorithm": "reward_model", "model": "m", "dataset": {}, "hyperparameters": {"beta": 1}}"#) == "hyperparameters.beta")
        #expect(field(#"{"algorithm": "reward_model", "model": "m", "dataset": {}, "hyperparameters": {"eval_fraction": 0.9}}"#) == "hyperparameters.eval_fraction")
        #expect(field(#"{"algorithm": "reward_model", "task": {"kind": "text", "name": "arithmetic"}}"#) == nil)
    }
}
