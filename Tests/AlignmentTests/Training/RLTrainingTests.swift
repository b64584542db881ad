import Alignment
import Foundation
import Policy
import Testing

/// PPO, RLOO and GRPO on the arithmetic task (docs/ALGORITHMS.md §12): each raises the oracle's reward above the
/// reference's with its default budget (its mean, the share of right answers, and the pairwise win rate's 95%
/// interval above ½, on all 100 prompts × 64 samples), reports TRL-named metrics, and resumes bit for bit.
@Suite struct RLTrainingTests {
    static let keys = ["objective/kl", "objective/entropy", "objective/rlhf_reward", "objective/scores", "policy/approxkl",
                       "policy/clipfrac", "policy/entropy", "loss/policy_avg", "loss", "grad_norm"]

    @Test(arguments: ["ppo", "rloo", "grpo"])
    func raisesTheOracleReward(_ algorithm: String) throws {
        let (outcome, observer, _) = try train(algorithm, on: ArithmeticTask(), ["eval_samples": .number(64)], seed: 1)
        let reward = try #require(outcome.summary["eval/reward"]), before = try #require(outcome.summary["eval/reference_reward"])
        let optimal = try #require(outcome.summary["eval/optimal"]), optimalBefore = try #require(outcome.summary["eval/reference_optimal"])
        #expect(reward > before, "\(algorithm): oracle reward \(reward) vs the reference's \(before)")
        #expect(optimal > optimalBefore + 0.05, "\(algorithm): right answers \(optimal) vs the reference's \(optimalBefore)")
        #expect((outcome.summary["eval/win_rate_low"] ?? 0) > 0.5, "\(algorithm): win rate \(outcome.summary["eval/win_rate"] ?? .nan)")
        for (step, metrics) in observer.records {
            for key in Self.keys { #expect(metrics[key]?.isFinite == true, "\(algorithm) step \(step) lacks \(key)") }
            if algorithm == "ppo" {
                for key in ["val/vf_loss", "val/clipfrac", "loss/value_avg"] { #expect(metrics[key]?.isFinite == true, "step \(step) lacks \(key)") }
            }
        }
    }

    /// Interrupted after step 2 (cancelled), resumed from that checkpoint: the final checkpoint — policy, critic,
    /// both AdamW states — and every later metric are bit-identical to the uninterrupted run's.
    @Test(arguments: ["ppo", "rloo", "grpo"])
    func resumesBitForBit(_ algorithm: String) throws {
        let hyper: [String: HyperValue] = ["steps": .number(4), "batch_size": .number(8), "checkpoint_every": .number(2),
                                           "eval_samples": .number(2), "num_mini_batches": .number(2)]
        let full = try train(algorithm, on: ArithmeticTask(), hyper, seed: 4)
        let spec = try TrainingSpec(algorithm: algorithm, hyperparameters: hyper, seed: 4, task: ArithmeticTask())
        let interrupted = RecordingObserver(cancelAfter: 2)
        let first = try TrainingRun(spec: spec, policy: try References.model(for: ArithmeticTask()),
                                    reference: try References.model(for: ArithmeticTask()), data: .task(ArithmeticTask()))
        #expect(throws: TrainingCancelled.self) { try first.run(observer: interrupted) }
        let saved = try #require(interrupted.checkpoints.last { $0.step == 2 }?.file)
        let resumed = try train(algorithm, on: ArithmeticTask(), hyper, seed: 4, resumeFrom: try Safetensors(bytes: saved.encoded()))
        #expect(resumed.observer.records.map(\.step) == [3, 4])
        for (a, b) in zip(full.observer.records.dropFirst(2), resumed.observer.records) { #expect(a.metrics == b.metrics, "step \(a.step)") }
        let last = try #require(full.observer.checkpoints.last?.file), resumedLast = try #require(resumed.observer.checkpoints.last?.file)
        let identical = last == resumedLast
        #expect(identical, "the final checkpoints (policy, critic, AdamW states) differ")
        if algorithm == "ppo" {
            #expect(last.tensors["critic.value_head.weight"] != nil && last.tensors["critic.optimizer.m.wte.weight"] != nil)
            #expect(last.tensors["critic.head_optimizer.m"] != nil && last.metadata["preflab.critic.optimizer"] != nil)
        }
    }

    @Test func theOracleRewardIsMinusKTimesTheDistance() throws {
        let scorer = OracleRewardScorer(task: ArithmeticTask())
        #expect(try scorer.rewards(prompts: ["2+3=", "2+3=", "2+3=", "9+9="], responses: ["5", "7", "five", "18"]) == [0, -4, -40, 0])
        // The distance is capped at the malformed answer's 20, so the reward is bounded: "999" costs what "x" costs.
        #expect(try scorer.rewards(prompts: ["2+3=", "2+3=", "1+1=", "0+0="], responses: ["24", "26", "999", "20"]) == [-38, -40, -40, -40])
        #expect(ArithmeticTask().oracle.probability(prompt: "1+1=", a: "999", b: "x") == 0.5)
        // The pairwise oracle is σ of the reward difference.
        let task = ArithmeticTask()
        expectClose(task.oracle.probability(prompt: "4+4=", a: "9", b: "5"), 1 / (1 + exp(-(task.reward(prompt: "4+4=", response: "9") - task.reward(prompt: "4+4=", response: "5")))), tolerance: 1e-12)
    }

    @Test func aTaskWithoutARewardNeedsAJudge() throws {
        let spec = try TrainingSpec(algorithm: "ppo", hyperparameters: [:], seed: 1, task: StylesTask())
        let policy = try GPT(config: StylesTask().referenceConfig, seed: 1)
        #expect {
            _ = try TrainingRun(spec: spec, policy: policy, reference: nil, data: .task(StylesTask()))
        } throws: { ($0 as? TrainingSpecError)?.field == "judge" }
    }

    /// A reward model scores as ``RewardModelTraining/rewards`` does (raw head values), and PPO's critic starts as a copy of it.
    @Test func aRewardModelScoresAndSeedsTheCritic() throws {
        let trunk = try GPT(config: ArithmeticTask().referenceConfig, seed: 9)
        let head = ValueHead(dim: trunk.config.dim, seed: 3)
        var file = trunk.checkpoint(metadata: ["kind": "reward_model", "reward_mean": "5", "reward_std": "2"])
        head.store(in: &file)
        let scorer = try RewardModelScorer(checkpoint: file)
        let prompts = ["1+1=", "3+4="], responses = ["2", "9"]
        let scores = try scorer.rewards(prompts: prompts, responses: responses)
        #expect(scores == (try RewardModelTraining.rewards(trunk: trunk, head: head, prompts: prompts, responses: responses)))
        let spec = try TrainingSpec(algorithm: "ppo", hyperparameters: [:], seed: 1, task: ArithmeticTask())
        let run = try TrainingRun(spec: spec, policy: try References.model(for: ArithmeticTask()), reference: nil,
                                  data: .task(ArithmeticTask()), scorer: scorer, valueModel: try scorer.model())
        let start = run.checkpoint()
        #expect(start.tensors["critic.value_head.weight"] == file.tensors["value_head.weight"])
        #expect(start.tensors["critic.wte.weight"] == file.tensors["wte.weight"])
    }
}
