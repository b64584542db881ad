import Alignment
import Policy
import Tensor
import Testing

/// A Bradley–Terry reward model learns a feature that separates chosen from rejected responses, and a
/// scalar reward cannot represent a preference cycle.
@Suite struct RewardModelTrainingTests {
    final class Recorder: TrainingObserver {
        var records: [(Int, [String: Double])] = []
        func record(step: Int, metrics: [String: Double]) throws { records.append((step, metrics)) }
        func checkpoint(step: Int, file: Safetensors) throws {}
        var isCancelled: Bool { false }
    }

    static let config = GPTConfig(layers: 1, dim: 32, heads: 2, context: 40)

    /// Random lowercase words; the chosen one of each pair ends with "!", the rejected one does not.
    static func exclamationData(count: Int, seed: UInt64) -> [RewardExample] {
        var rng = RNG(seed: seed)
        func word() -> String {
            String((0..<(3 + Int(rng.next() % 6))).map { _ in Character(UnicodeScalar(UInt8(97 + rng.next() % 26))) })
        }
        return (0..<count).map { i in
            RewardExample(prompt: "q\(i % 17):", chosen: word() + "!", rejected: word())
        }
    }

    func train(_ examples: [RewardExample], steps: Int = 150, seed: UInt64 = 1, scoring: PairScoring = .reward) throws -> (RewardModelOutcome, Recorder) {
        var h = RewardModelHyperparameters()
        h.steps = steps
        h.evalFraction = 0.2
        let recorder = Recorder()
        let run = try RewardModelTraining(hyperparameters: h, seed: seed, trunk: try GPT(config: Self.config, seed: 3), examples: examples,
                                          scoring: scoring)
        return (try run.run(observer: recorder), recorder)
    }

    @Test func learnsAFeatureOnHeldOutComparisons() throws {
        let (outcome, recorder) = try train(Self.exclamationData(count: 400, seed: 9))
        #expect(outcome.summary["eval/accuracy", default: 0] >= 0.95, "\(outcome.summary)")
        #expect(outcome.summary["eval/comparisons"] == 80)
        #expect(recorder.records.map(\.0) == Array(1...150))
        for key in ["loss", "accuracy", "margin", "grad_norm"] {
            #expect(recorder.records.allSatisfy { $0.1[key]?.isFinite == true }, "\(key) on every step")
        }
        #expect(outcome.rewardStd > 0 && outcome.rewardMean.isFinite)
        // Scores of fresh responses: one with the feature outranks one without.
        let scores = try RewardModelTraining.rewards(trunk: outcome.trunk, head: outcome.head, prompts: ["q3:", "q3:"], responses: ["hello!", "hello"])
        #expect(scores[0] > scores[1])
    }

    @Test func isDeterministicForItsSeed() throws {
        let data = Self.exclamationData(count: 60, seed: 4)
        let a = try train(data, steps: 12).1.records.map { $0.1["loss"] ?? .nan }
        let b = try train(data, steps: 12).1.records.map { $0.1["loss"] ?? .nan }
        #expect(a == b)
    }

    /// Three answers per prompt preferred in a cycle (rock ≻ scissors ≻ paper ≻ rock).
    static var cycle: [RewardExample] {
        (0..<60).flatMap { i in
            [("rock", "scissors"), ("scissors", "paper"), ("paper", "rock")].map { RewardExample(prompt: "c\(i):", chosen: $0.0, rejected: $0.1) }
        }
    }

    /// Any scalar reward orders the three answers, so it gets at most two of the three pairs right; a pairwise
    /// preference model sees both answers and learns the cycle.
    @Test func aCycleNeedsAPreferenceModel() throws {
        let (reward, _) = try train(Self.cycle, steps: 120)
        #expect(reward.summary["eval/accuracy", default: 1] <= 0.75, "\(reward.summary)")
        let (preference, _) = try train(Self.cycle, steps: 120, scoring: .preference)
        #expect(preference.summary["eval/accuracy", default: 0] >= 0.9, "\(preference.summary)")
        // Its probabilities are antisymmetric by construction, and follow the cycle on an unseen prompt.
        let p = try RewardModelTraining.probabilities(trunk: preference.trunk, head: preference.head, scoring: .preference,
                                                      prompts: ["c99:", "c99:", "c99:", "c99:"], a: ["rock", "scissors", "paper", "scissors"],
                                                      b: ["scissors", "paper", "rock", "rock"])
        #expect(p[0] > 0.5 && p[1] > 0.5 && p[2] > 0.5 && p[3] < 0.5, "\(p)")
        let reverse = try RewardModelTraining.probabilities(trunk: preference.trunk, head: preference.head, scoring: .preference,
                                                            prompts: ["c99:"], a: ["scissors"], b: ["rock"])
        let forward = try RewardModelTraining.probabilities(trunk: preference.trunk, head: preference.head, scoring: .preference,
                                                            prompts: ["c99:"], a: ["rock"], b: ["scissors"])
        #expect(abs(reverse[0] + forward[0] - 1) < 1e-6)
    }

    @Test func tooLittleDataIsRefused() throws {
        #expect(throws: TrainingSpecError.self) {
            _ = try RewardModelTraining(hyperparameters: RewardModelHyperparameters(), seed: 0, trunk: try GPT(config: Self.config, seed: 1),
                                        examples: [RewardExample(prompt: "a", chosen: "b", rejected: "c")])
        }
    }
}
