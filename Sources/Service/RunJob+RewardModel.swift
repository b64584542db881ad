import Alignment
import Foundation
import Jobs
import Policy
import Storage
import Tensor

extension RunJob {
    /// Trains a reward or preference model and stores it (kind `reward_model` or `preference_model`: the
    /// trunk, `value_head.*`, and the score mean and standard deviation in the checkpoint's metadata). Not checkpointed: a retried run starts over
    /// and, being deterministic, records the same series.
    func runRewardModel(_ spec: RewardModelRunSpec, seed: Int, run record: RunRecord) throws {
        let database = environment.database, runID = runID
        try database.write { try RunRepository.deleteMetrics(runID: runID, after: 0, on: $0) }
        let (trunk, tokenizer) = try loadPolicy(spec.model, task: spec.task, seed: UInt64(seed))
        // Reward-model training tokenises bytes; a Hugging Face import's BPE trunk would read other ids.
        guard tokenizer.isEmpty else { throw RunSpecError("model", "reward models are trained from byte-tokenizer policies; this one has a BPE tokenizer") }
        let examples = try rewardExamples(spec, seed: UInt64(seed))
        let training = try RewardModelTraining(hyperparameters: spec.hyperparameters, seed: UInt64(seed), trunk: trunk, examples: examples,
                                               scoring: spec.scoring)
        let observer = RunObserver(recorder: RunRecorder(runID: runID, database: database, signal: environment.signal), context: context)
        let outcome: RewardModelOutcome
        do {
            outcome = try training.run(observer: observer)
        } catch is TrainingCancelled {
            try observer.recorder.flush()
            throw JobCancelled()
        }
        try observer.recorder.flush()
        let architecture = String(decoding: try JSONEncoder().encode(outcome.trunk.config), as: UTF8.self)
        let kind = spec.modelKind.rawValue
        // A preference model reads `prompt a EOS b EOS`; the metadata says so for whoever scores with it.
        var file = outcome.trunk.checkpoint(metadata: [
            "kind": kind, "reward_mean": "\(outcome.rewardMean)", "reward_std": "\(outcome.rewardStd)", "pair_scoring": spec.scoring.rawValue,
        ])
        outcome.head.store(in: &file)
        let bytes = file.encoded()
        let name = record.name ?? "\(record.algorithm) \(runID)"
        var result: [String: JSONValue] = ["steps": .number(Double(spec.hyperparameters.steps))]
        for (key, value) in outcome.summary where value.isFinite { result[key] = .number(value) }
        let summary = result, parentID = record.modelID, parameterCount = outcome.trunk.parameterCount + outcome.head.dim + 1
        try database.write { connection in
            let model = try ModelRepository.insert(name: name, kind: kind, architecture: architecture, parameterCount: parameterCount,
                                                   parentID: parentID, runID: runID, seed: seed, source: "trained",
                                                   checkpoint: bytes, on: connection)
            var result = summary
            result["model_id"] = .string(model.id)
            try RunEvents.finish(id: runID, status: .succeeded, result: JSONValue.object(result).text, outputModelID: model.id, on: connection)
        }
        environment.signal.notify()
        logFinished(.succeeded)
    }

    /// Stored preferences resolved by majority (ties and skips dropped), with the strongest strength among
    /// the winning votes; or, on a task, pairs of the task's candidate answers labelled by its oracle.
    func rewardExamples(_ spec: RewardModelRunSpec, seed: UInt64) throws -> [RewardExample] {
        switch spec.source {
        case .prompts:
            throw RunSpecError("task.kind", "a reward model learns from comparisons: a text task or a dataset filter")
        case .dataset(let selection):
            let preferences = try Self.preferences(selection.filter, database: environment.database)
            let examples = MajorityResolution.resolve(preferences).compactMap { pair -> RewardExample? in
                let strength = pair.preferences.compactMap(\.strength).max()
                switch pair.outcome {
                case .a: return RewardExample(prompt: pair.prompt, chosen: pair.responseA, rejected: pair.responseB, strength: strength)
                case .b: return RewardExample(prompt: pair.prompt, chosen: pair.responseB, rejected: pair.responseA, strength: strength)
                case .tie: return nil
                }
            }
            guard examples.count >= 2 else {
                throw RunSpecError("dataset", "the filter selects \(examples.count) decided comparison(s); a reward model needs at least 2")
            }
            return examples
        case .task:
            guard let task = spec.task else { throw RunSpecError("task.name", "this server has no such task") }
            var rng = RNG(seed: seed ^ 0x5EED_0F_0AC1E)
            var examples: [RewardExample] = []
            for prompt in task.trainPrompts {
                let answers = task.candidateResponses(prompt: prompt)
                guard answers.count >= 2 else { continue }
                for _ in 0..<spec.hyperparameters.pairsPerPrompt {
                    let i = Int(rng.next() % UInt64(answers.count))
                    var j = Int(rng.next() % UInt64(answers.count - 1))
                    if j >= i { j += 1 }
                    let aWins = task.oracle.prefersFirst(prompt: prompt, a: answers[i], b: answers[j], rng: &rng)
                    examples.append(RewardExample(prompt: prompt, chosen: aWins ? answers[i] : answers[j], rejected: aWins ? answers[j] : answers[i]))
                }
            }
            return examples
        }
    }
}
