import Alignment
import Foundation
import Jobs
import Logging
import Policy
@testable import Service
import Storage
import Testing
import TestSupport

/// PPO, RLOO and GRPO runs through the service: `judge` defaults to the task's oracle, or names a stored reward
/// model, which scores the rollouts and seeds PPO's critic; the critic lives in the run's checkpoints.
@Suite struct RLRunTests {
    static let config = GPTConfig(layers: 1, dim: 16, heads: 2, context: 16)

    func field(_ json: String) -> String? {
        do throws(RunSpecError) { _ = try RunSpec.decode(Array(json.utf8)); return nil } catch { return error.field }
    }

    static func body(_ algorithm: String, task: String = "arithmetic", judge: String? = nil, hyper: String = "{}") -> String {
        let j = judge.map { #", "judge": "\#($0)""# } ?? ""
        return #"{"algorithm": "\#(algorithm)", "model": "m", "task": {"kind": "text", "name": "\#(task)"}\#(j), "hyperparameters": \#(hyper)}"#
    }

    @Test func theJudgeIsTheOracleRewardOrARewardModel() throws {
        for algorithm in ["ppo", "rloo", "grpo"] {
            let spec = try RunSpec.decode(Array(Self.body(algorithm).utf8))
            guard case .training(let run) = spec.job else { Issue.record("\(algorithm): not a training run"); continue }
            #expect(run.judge == "oracle:arithmetic" && run.rewardModel == nil)
            #expect(try RunSpec.decode(Array(spec.json.utf8)) == spec)
            let judged = try RunSpec.decode(Array(Self.body(algorithm, task: "styles", judge: "reward_model:mdl_9").utf8))
            guard case .training(let withModel) = judged.job else { continue }
            #expect(withModel.rewardModel == "mdl_9")
            #expect(try RunSpec.decode(Array(judged.json.utf8)) == judged)
            // The intransitive task's oracle has no scalar reward.
            #expect(field(Self.body(algorithm, task: "styles")) == "judge")
            #expect(field(Self.body(algorithm, task: "styles", judge: "oracle:styles")) == "judge")
            #expect(field(Self.body(algorithm, judge: "oracle:styles")) == "judge")
            #expect(field(Self.body(algorithm, judge: "reward_model:")) == "judge")
            #expect(field(Self.body(algorithm, judge: "preference_model:x")) == "judge")
            #expect(field(Self.body(algorithm, hyper: #"{"not_a_hyperparameter": 1}"#)) == "hyperparameters.not_a_hyperparameter")
            #expect(field(Self.body(algorithm, hyper: #"{"num_mini_batches": 0}"#)) == "hyperparameters.num_mini_batches")
        }
        #expect(field(Self.body("ppo", hyper: #"{"kl_estimator": "k2"}"#)) == "hyperparameters.kl_estimator")
        #expect(field(Self.body("ppo", hyper: #"{"whiten_advantages": "yes"}"#)) == "hyperparameters.whiten_advantages")
        #expect(field(Self.body("rloo", hyper: #"{"rloo_k": 1}"#)) == "hyperparameters.rloo_k")
        #expect(field(Self.body("grpo", hyper: #"{"scale_rewards": 1}"#)) == "hyperparameters.scale_rewards")
        #expect(field(#"{"algorithm": "ppo", "model": "m", "dataset": {}}"#) == "task")
        // Pairwise algorithms take a reward or preference model as their judge too (ModelJudgeRunTests).
        #expect(field(Self.body("nash_md", judge: "reward_model:mdl_9")) == nil)
        #expect(field(Self.body("nash_md", judge: "preference_model:")) == "judge")
    }

    /// Inserts a model of `kind` (a reward model gets a value head) and returns its id.
    func insert(_ database: Database, kind: String, seed: UInt64, config: GPTConfig = config) throws -> String {
        let model = try GPT(config: config, seed: seed)
        var file = model.checkpoint(metadata: ["kind": kind])
        if kind == "reward_model" { ValueHead(dim: config.dim, seed: seed).store(in: &file) }
        let architecture = String(decoding: try JSONEncoder().encode(config), as: UTF8.self)
        let bytes = file.encoded(), count = model.parameterCount
        return try database.write { connection in
            try ModelRepository.insert(name: kind, kind: kind, architecture: architecture, parameterCount: count, parentID: nil,
                                       runID: nil, seed: Int(seed), source: "initialised", checkpoint: bytes, on: connection).id
        }
    }

    @Test(arguments: TestStores.backends)
    func aRewardModelJudgeMustBeAStoredRewardModel(dialect: SQLDialect) throws {
        let database = try TestStores.open(dialect)
        let policy = try insert(database, kind: "policy", seed: 1)
        let narrow = try insert(database, kind: "reward_model", seed: 2, config: GPTConfig(layers: 1, dim: 16, heads: 2, context: 6))
        func check(_ judge: String) throws -> String? {
            let json = Self.body("ppo", judge: judge).replacingOccurrences(of: #""model": "m""#, with: #""model": "\#(policy)""#)
            let spec = try RunSpec.decode(Array(json.utf8))
            do {
                try database.read { try spec.checkModels(on: $0) }
                return nil
            } catch let error as MissingReference {
                return "missing \(error.field)"
            } catch let error as RunSpecError {
                return error.field
            }
        }
        #expect(try check("reward_model:mdl_nope") == "missing judge")
        #expect(try check("reward_model:\(policy)") == "judge")
        #expect(try check("reward_model:\(narrow)") == "judge", "a reward model too short for the task's prompts and answers")
        #expect(try check("reward_model:\(try insert(database, kind: "reward_model", seed: 3))") == nil)
    }

    /// A PPO run judged by a reward model: it succeeds, stores a policy, keeps its critic in the run's checkpoint,
    /// and a run resumed from a step-2 checkpoint (policy, critic, both AdamW states) stores exactly the policy of the
    /// uninterrupted run.
    @Test(arguments: TestStores.backends)
    func ppoWithARewardModelRunsAndResumesExactly(dialect: SQLDialect) throws {
        let database = try TestStores.open(dialect)
        let policyID = try insert(database, kind: "policy", seed: 1)
        let rewardID = try insert(database, kind: "reward_model", seed: 2)
        let json = #"{"algorithm": "ppo", "model": "\#(policyID)", "task": {"kind": "text", "name": "arithmetic"}, "judge": "reward_model:\#(rewardID)", "hyperparameters": {"steps": 4, "batch_size": 4, "checkpoint_every": 2, "eval_samples": 2}, "seed": 3}"#
        let spec = try RunSpec.decode(Array(json.utf8))
        try database.read { try spec.checkModels(on: $0) }
        let full = try database.write { try RunExecutor.submit(spec, createdBy: "r", on: $0) }
        let resumed = try database.write { try RunExecutor.submit(spec, createdBy: "r", on: $0) }

        // The checkpoint the second run resumes from: step 2 of the same run, computed in process.
        guard case .training(let training) = spec.job else { throw RunSpecError("", "not a training run") }
        let load = { (id: String) throws -> Safetensors in
            let record = try #require(try database.read { try ModelRepository.get(id: id, on: $0) })
            return try Safetensors(bytes: try #require(try database.read { try ModelRepository.checkpoint(sha256: record.checkpointSHA256, on: $0) }))
        }
        let scorer = try RewardModelScorer(checkpoint: try load(rewardID))
        let twin = try TrainingRun(spec: training.training, policy: try GPT.load(try load(policyID)).model,
                                   reference: try GPT.load(try load(policyID)).model, data: .task(ArithmeticTask()),
                                   scorer: scorer, valueModel: try scorer.model())
        let observer = Checkpoints(stopAfter: 2)
        #expect(throws: TrainingCancelled.self) { try twin.run(observer: observer) }
        let step2 = try #require(observer.files.last)
        // The critic travels in the run's checkpoint: without it the resumed run would fail (its restore needs it).
        #expect(step2.tensors["critic.value_head.weight"] != nil && step2.tensors["critic.head_optimizer.m"] != nil)
        try database.write { try RunRepository.saveCheckpoint(runID: resumed.id, step: 2, data: step2.encoded(), on: $0) }

        let executor = RunExecutor(database: database, signal: RunSignal(), threads: 1, lease: .seconds(30), logger: Logger(label: "test"))
        executor.start()
        defer { executor.stop() }
        var runs: [RunRecord] = []
        #expect(try waitUntil(seconds: 120) {
            runs = try [full.id, resumed.id].compactMap { id in try database.read { try RunRepository.get(id: id, on: $0) } }
            return runs.count == 2 && runs.allSatisfy(\.status.isFinal)
        })
        for run in runs { #expect(run.status == .succeeded, "\(run.error ?? "")") }
        let models = try runs.map { run in try #require(try database.read { try ModelRepository.get(id: run.outputModelID ?? "", on: $0) }) }
        #expect(models.allSatisfy { $0.kind == "policy" })
        #expect(models[0].checkpointSHA256 == models[1].checkpointSHA256, "the resumed run stores the uninterrupted run's policy")
        let vf = try database.read { try RunRepository.steps(runID: full.id, after: 0, limit: 100, on: $0) }
        #expect(vf.map(\.step) == [1, 2, 3, 4])
    }
}

/// Keeps the checkpoints of an in-process run and stops it after `stopAfter` steps.
final class Checkpoints: TrainingObserver {
    var files: [Safetensors] = []
    var steps = 0
    let stopAfter: Int

    init(stopAfter: Int) { self.stopAfter = stopAfter }

    func record(step: Int, metrics: [String: Double]) throws { steps = step }
    func checkpoint(step: Int, file: Safetensors) throws { files.append(file) }
    var isCancelled: Bool { steps >= stopAfter }
}
