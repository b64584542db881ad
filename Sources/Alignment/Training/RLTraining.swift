import Policy
import Tensor

/// One rollout batch of PPO, RLOO or GRPO: every sampled response with its score, frozen log-probs and advantages.
struct RolloutBatch {
    var prompts: [String]
    var responses: [[Int32]]
    /// Per-token log-probs under the sampling policy and π_ref.
    var old: [[Double]]
    var reference: [[Double]]
    var advantages: [[Double]]
    /// PPO only: the critic's values at the rollout and the GAE returns.
    var values: [[Double]] = []
    var returns: [[Double]] = []
}

/// The knobs of the update loop, read from whichever set the run has.
struct RLSettings {
    var samplesPerPrompt: Int, epochs: Int, miniBatches: Int, missingEOSPenalty: Double
    var klCoef: Double, klEstimator: KLEstimator

    init(_ method: TrainingMethod) {
        switch method {
        case .ppo(let h):
            self.init(k: 1, epochs: h.numPPOEpochs, mini: h.numMiniBatches, eos: h.missingEOSPenalty, kl: h.klCoef, estimator: h.klEstimator)
        case .rloo(let h):
            self.init(k: h.rlooK, epochs: h.numPPOEpochs, mini: h.numMiniBatches, eos: h.missingEOSPenalty, kl: h.klCoef, estimator: h.klEstimator)
        case .grpo(let h):
            // GRPO's KL is in the loss (always k3), not in the reward.
            self.init(k: h.numGenerations, epochs: h.numIterations, mini: h.numMiniBatches, eos: h.missingEOSPenalty, kl: 0, estimator: .k3)
        default:
            self.init(k: 1, epochs: 1, mini: 1, eos: 0, kl: 0, estimator: .k1)
        }
    }

    private init(k: Int, epochs: Int, mini: Int, eos: Double, kl: Double, estimator: KLEstimator) {
        samplesPerPrompt = k
        self.epochs = epochs
        miniBatches = mini
        missingEOSPenalty = eos
        klCoef = kl
        klEstimator = estimator
    }
}

extension TrainingRun {
    /// One step of PPO, RLOO or GRPO (docs/ALGORITHMS.md §12): sample K responses for each of `batch_size`
    /// prompts from πθ, score them, compute advantages from the frozen log-probs (and PPO's critic), then
    /// `epochs × num_mini_batches` AdamW steps on the clipped surrogate over seeded shuffles of the rollouts.
    /// Everything is a function of the weights at the step's start and of (seed, step), so a run resumed
    /// from the checkpoint of step s − 1 repeats step s exactly.
    func rlStep(_ s: Int) throws -> [String: Double] {
        guard let set = promptSet, let reference, let scorer else {
            throw TrainingSpecError(field: "task", message: "\(spec.algorithm.rawValue) needs a task or a prompt dataset, and a judge")
        }
        let settings = RLSettings(spec.method)
        let all = set.trainPrompts
        var rng = RNG(seed: Seeds.derive(spec.seed, Seeds.prompts, s))
        let distinct = (0..<spec.optimizer.batchSize).map { _ in all[Int(rng.next() % UInt64(max(all.count, 1)))] }
        let rollouts = try Rollouts.sample(policy, prompts: distinct, count: settings.samplesPerPrompt,
                                           parameters: samplingParameters(set.sampling), seed: Seeds.derive(spec.seed, Seeds.sampling, s), tokenizer: tokenizer).flatMap { $0 }
        let prompts = distinct.flatMap { Array(repeating: $0, count: settings.samplesPerPrompt) }
        let responses = rollouts.map(\.tokens)
        var scores = try scorer.rewards(prompts: prompts, responses: rollouts.map(\.text))
        guard scores.count == prompts.count, scores.allSatisfy(\.isFinite) else {
            throw TrainingSpecError(field: "judge", message: "the judge returned \(scores.count) rewards for \(prompts.count) responses, or a non-finite one")
        }
        let missingEOS = responses.map { $0.last != tokenizer.eosID }
        for i in scores.indices where missingEOS[i] { scores[i] -= settings.missingEOSPenalty }
        let old = try Rollouts.logProbs(policy, prompts: prompts, responses: responses, tokenizer: tokenizer).perToken
        let ref = try Rollouts.logProbs(reference, prompts: prompts, responses: responses, tokenizer: tokenizer).perToken
        let kl = zip(old, ref).map { o, r in zip(o, r).map { settings.klEstimator.estimate(logProb: $0, referenceLogProb: $1) } }
        let klSums = kl.map { $0.reduce(0, +) }
        var batch = RolloutBatch(prompts: prompts, responses: responses, old: old, reference: ref, advantages: [])
        var metrics: [String: Double] = [
            "objective/scores": mean(scores),
            "objective/kl": mean(klSums),
            "objective/entropy": mean(old.map { -$0.reduce(0, +) }),
            "objective/non_score_reward": -settings.klCoef * mean(klSums),
            "objective/rlhf_reward": mean(scores) - settings.klCoef * mean(klSums),
            "val/num_eos_tokens": Double(missingEOS.filter { !$0 }.count),
            "completion_length": mean(responses.map { Double($0.count) }),
        ]
        switch spec.method {
        case .ppo(let h):
            guard let critic else { throw TrainingSpecError(field: "algorithm", message: "ppo needs its critic") }
            let shaping = AdvantageSettings(gamma: h.gamma, lambda: h.lam, klCoef: h.klCoef, klEstimator: h.klEstimator)
            let items = prompts.indices.map {
                AdvantageItem(prompt: tokenizer.encode(prompts[$0], bos: true), response: responses[$0], score: scores[$0],
                              logProbs: old[$0], referenceLogProbs: ref[$0])
            }
            // Read by the same computation wherever it runs (here, or in shards over the worker pools).
            let results: [AdvantageResult] = try advantageEstimator?.advantages(trunk: critic.trunk, head: critic.head, settings: shaping, items: items)
                ?? CriticAdvantages.compute(trunk: critic.trunk, head: critic.head, settings: shaping, items: items)
            guard results.count == items.count, zip(results, responses).allSatisfy({ $0.values.count == $1.count && $0.advantages.count == $1.count }) else {
                throw TrainingSpecError(field: "algorithm", message: "the critic returned \(results.count) results for \(items.count) rollouts, or one of the wrong length")
            }
            batch.values = results.map(\.values)
            batch.advantages = results.map(\.advantages)
            batch.returns = results.map(\.returns)
            if h.whitenAdvantages { batch.advantages = reshape(Whitening().apply(Array(batch.advantages.joined())), like: batch.advantages) }
        case .rloo(let h):
            let rlhf = zip(scores, klSums).map { $0 - h.klCoef * $1 }
            var advantages = stride(from: 0, to: rlhf.count, by: h.rlooK).flatMap { GroupBaseline.rloo.advantages(Array(rlhf[$0..<($0 + h.rlooK)])) }
            if h.normalizeAdvantage { advantages = Whitening().apply(advantages) }
            batch.advantages = zip(advantages, responses).map { a, y in y.map { _ in a } }
        case .grpo(let h):
            let baseline = GroupBaseline.grpo(scaled: h.scaleRewards, epsilon: 1e-4)
            let advantages = stride(from: 0, to: scores.count, by: h.numGenerations).flatMap { baseline.advantages(Array(scores[$0..<($0 + h.numGenerations)])) }
            batch.advantages = zip(advantages, responses).map { a, y in y.map { _ in a } }
            metrics["reward"] = mean(scores)
            metrics["reward_std"] = mean(stride(from: 0, to: scores.count, by: h.numGenerations).map { sampleStd(Array(scores[$0..<($0 + h.numGenerations)])) })
        default:
            throw TrainingSpecError(field: "algorithm", message: "\(spec.algorithm.rawValue) takes no reward step")
        }
        metrics.merge(try update(batch, settings: settings, step: s)) { $1 }
        return metrics
    }

    /// The epochs × minibatches of clipped updates on one rollout batch; metrics averaged over the updates.
    private func update(_ batch: RolloutBatch, settings: RLSettings, step s: Int) throws -> [String: Double] {
        let count = batch.prompts.count
        var sums: [String: Double] = [:]
        var updates = 0.0
        let tok = tokenizer
        for epoch in 0..<settings.epochs {
            var order = Array(0..<count)
            var rng = RNG(seed: Seeds.derive(spec.seed, Seeds.batch, s, epoch + 1))
            for i in stride(from: count - 1, to: 0, by: -1) { order.swapAt(i, Int(rng.next() % UInt64(i + 1))) }
            for m in 0..<settings.miniBatches {
                let indices = Array(order[(m * count / settings.miniBatches)..<((m + 1) * count / settings.miniBatches)])
                guard !indices.isEmpty else { continue }
                let lp = try policy.sequenceLogProbs(try tokenizer.batch(prompts: indices.map { tok.encode(batch.prompts[$0], bos: true) },
                                                                       responses: indices.map { batch.responses[$0] }))
                var samples: [ClippedPolicySample] = []
                var k = 0
                for (row, i) in indices.enumerated() {
                    let live = lp.perToken[k..<(k + lp.count[row])].map { Double($0) }
                    k += lp.count[row]
                    samples.append(ClippedPolicySample(policy: live, old: batch.old[i], advantages: batch.advantages[i],
                                                       reference: spec.algorithm == .grpo ? batch.reference[i] : []))
                }
                let value: ObjectiveValue<[Double]>
                switch spec.method {
                case .ppo(let h): value = PPO(cliprange: h.cliprange, cliprangeValue: h.cliprangeValue, vfCoef: h.vfCoef).policyLoss(samples)
                case .rloo(let h): value = RLOO(cliprange: h.cliprange).evaluate(samples)
                case .grpo(let h): value = GRPO(beta: h.beta, epsilon: h.epsilon).evaluate(samples)
                default: throw TrainingSpecError(field: "algorithm", message: "\(spec.algorithm.rawValue) takes no clipped update")
                }
                policy.zeroGradients()
                policy.backwardLogProbs(perToken: value.gradients.flatMap { $0.map { Float($0) } })
                var metrics = value.metrics
                metrics["loss/policy_avg"] = value.loss
                metrics["grad_norm"] = applyGradients()
                var loss = value.loss
                if case .ppo(let h) = spec.method, let critic {
                    let ppo = PPO(cliprange: h.cliprange, cliprangeValue: h.cliprangeValue, vfCoef: h.vfCoef)
                    let predicted = try critic.values(prompts: indices.map { batch.prompts[$0] }, responses: indices.map { batch.responses[$0] }, tokenizer: tokenizer)
                    let vf = ppo.valueLoss(predicted: predicted, old: indices.map { batch.values[$0] }, returns: indices.map { batch.returns[$0] })
                    metrics["val/grad_norm"] = critic.update(gradients: vf.gradients, maxGradNorm: spec.optimizer.maxGradNorm)
                    metrics["val/vf_loss"] = vf.loss
                    metrics["val/clipfrac"] = vf.metrics["val/clipfrac"]
                    metrics["loss/value_avg"] = h.vfCoef * vf.loss
                    loss += h.vfCoef * vf.loss
                }
                metrics["loss"] = loss
                for (key, x) in metrics { sums[key, default: 0] += x }
                updates += 1
            }
        }
        return sums.mapValues { $0 / max(updates, 1) }
    }

    /// `eval/reward` and `eval/reference_reward`: the oracle's mean reward of the policy's and the reference's
    /// samples on the evaluation prompts (`eval_samples` each, seeded as the rest of the evaluation), and
    /// `eval/optimal`, `eval/reference_optimal`: the share of those samples with the task's best reward (the
    /// steadier measure: one far-off sample moves a mean by up to the reward's range over the sample count).
    func oracleRewards(_ task: any RewardTask, samples: Int) throws -> [String: Double] {
        guard let reference else { return [:] }
        let prompts = task.evalPrompts
        var out: [String: Double] = [:]
        for (name, model, tag) in [("", policy, 1), ("reference_", reference, 2)] {
            let rollouts = try Rollouts.sample(model, prompts: prompts, count: samples, parameters: task.sampling,
                                               seed: Seeds.derive(spec.seed, Seeds.evaluation, 100 + tag), tokenizer: tokenizer)
            let rewards = zip(prompts, rollouts).flatMap { p, ys in ys.map { task.reward(prompt: p, response: $0.text) } }
            out["eval/\(name)reward"] = mean(rewards)
            out["eval/\(name)optimal"] = mean(rewards.map { $0 >= task.maximumReward ? 1 : 0 })
        }
        return out
    }
}

/// `flat` cut into rows of the lengths of `shape`'s.
func reshape(_ flat: [Double], like shape: [[Double]]) -> [[Double]] {
    var out: [[Double]] = [], k = 0
    for row in shape {
        out.append(Array(flat[k..<(k + row.count)]))
        k += row.count
    }
    return out
}

/// Bessel-corrected standard deviation (0 for fewer than two values).
func sampleStd(_ x: [Double]) -> Double {
    guard x.count > 1 else { return 0 }
    let m = mean(x)
    return (x.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(x.count - 1)).squareRoot()
}
