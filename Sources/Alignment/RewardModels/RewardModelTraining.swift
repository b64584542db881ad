public import Policy
import Tensor
#if canImport(Glibc)
import Glibc
#endif

/// One labelled comparison for a reward model: `chosen ≻ rejected` after `prompt`, with the strength of
/// the judgement when an annotator gave one (1–3; a larger margin is asked of stronger judgements).
public struct RewardExample: Sendable, Equatable {
    public var prompt: String
    public var chosen: String
    public var rejected: String
    public var strength: Int?

    public init(prompt: String, chosen: String, rejected: String, strength: Int? = nil) {
        self.prompt = prompt
        self.chosen = chosen
        self.rejected = rejected
        self.strength = strength
    }
}

/// How a comparison model reads a pair. Both are trained with the Bradley–Terry loss on z = s_w − s_l.
public enum PairScoring: String, Sendable, CaseIterable {
    /// A reward model: s = r(x, y), one scalar per response; P(a ≻ b) = σ(r(x, a) − r(x, b)). Transitive by
    /// construction: no scalar can rank a cycle.
    case reward
    /// A pairwise preference model: s = g(x, a, b) read at the end of `prompt a EOS b EOS`, and
    /// P(a ≻ b) = σ(g(x, a, b) − g(x, b, a)), antisymmetric by construction (P(a≻b) = 1 − P(b≻a)), and able to
    /// represent intransitive preferences since g sees both responses (as in the general preference models
    /// behind Nash-MD and Nash-MP; Munos et al. 2024, arXiv 2312.00886).
    case preference

    /// The token rows scored for `(prompt, first, second)`: the first response alone, or both in order.
    func rows(prompt: String, first: String, second: String, tokenizer: ByteTokenizer) -> (prompt: [Int32], response: [Int32]) {
        let p = tokenizer.encode(prompt, bos: true)
        switch self {
        case .reward: return (p, tokenizer.encode(first, eos: true))
        case .preference: return (p, tokenizer.encode(first, eos: true) + tokenizer.encode(second, eos: true))
        }
    }
}

/// What a reward-model run ends with: the trunk and head, and the statistics of its rewards on the
/// held-out comparisons (or the training ones when nothing is held out), stored with the model so that
/// scores can be normalised at inference (as OpenRLHF's `normalize_reward`).
public struct RewardModelOutcome {
    public var trunk: GPT
    public var head: ValueHead
    public var rewardMean: Double
    public var rewardStd: Double
    /// Final metrics: `eval/accuracy`, `eval/loss`, `reward/mean`, `reward/std`, ...
    public var summary: [String: Double]
}

/// Trains a Bradley–Terry reward model: a scalar ``ValueHead`` read at each sequence's last token on a GPT
/// trunk, loss ``BradleyTerry`` (Ouyang et al. 2022; TRL `RewardTrainer`). Comparisons are split into train
/// and held-out sets by a seeded shuffle; each step draws a batch of train comparisons with replacement
/// (seeded by the step), so a run is deterministic for its seed. Metrics use TRL's names (`loss`,
/// `accuracy`, `margin`, `eval/loss`, `eval/accuracy`) plus `reward/mean` and `reward/std`.
///
/// Runs are short (seconds on the built-in scales), so they are not checkpointed: a run resumed after a
/// crash starts again from step 1 and, being deterministic, records the same series.
public final class RewardModelTraining {
    public let hyperparameters: RewardModelHyperparameters
    public let seed: UInt64
    public let scoring: PairScoring
    let trunk: GPT
    let head: ValueHead
    let train: [RewardExample]
    let heldOut: [RewardExample]
    private var trunkOptimizer: AdamW
    private var headOptimizer: AdamW

    /// `trunk` is trained in place (pass a copy of a policy to keep the policy).
    public init(hyperparameters: RewardModelHyperparameters, seed: UInt64, trunk: GPT, examples: [RewardExample],
                scoring: PairScoring = .reward) throws(TrainingSpecError) {
        guard examples.count >= 2 else {
            throw TrainingSpecError(field: "data", message: "a reward model needs at least 2 decided comparisons, got \(examples.count)")
        }
        self.hyperparameters = hyperparameters
        self.seed = seed
        self.scoring = scoring
        self.trunk = trunk
        trunk.requiresGradients = true
        head = ValueHead(dim: trunk.config.dim, seed: Seeds.derive(seed, Seeds.evaluation, 7))
        var order = Array(examples.indices)
        var rng = RNG(seed: Seeds.derive(seed, Seeds.dataset, 0))
        for i in stride(from: order.count - 1, to: 0, by: -1) { order.swapAt(i, Int(rng.next() % UInt64(i + 1))) }
        let held = min(examples.count - 1, Int((Double(examples.count) * hyperparameters.evalFraction).rounded()))
        heldOut = order.prefix(held).map { examples[$0] }
        train = order.dropFirst(held).map { examples[$0] }
        let o = hyperparameters.optimizer
        trunkOptimizer = AdamW(parameterCount: trunk.parameterCount, learningRate: Float(o.learningRate), weightDecay: Float(o.weightDecay))
        headOptimizer = AdamW(parameterCount: trunk.config.dim + 1, learningRate: Float(o.learningRate), weightDecay: 0)
    }

    /// Runs every step, reporting each to `observer` (eval metrics join the last step), and returns the model.
    public func run(observer: any TrainingObserver) throws -> RewardModelOutcome {
        let total = hyperparameters.steps
        var summary: [String: Double] = [:]
        for s in 1...total {
            if observer.isCancelled { throw TrainingCancelled() }
            var metrics = try step(s)
            if s == total {
                summary = try evaluate()
                metrics.merge(summary) { $1 }
            }
            try observer.record(step: s, metrics: metrics)
        }
        return RewardModelOutcome(trunk: trunk, head: head, rewardMean: summary["reward/mean"] ?? 0,
                                  rewardStd: summary["reward/std"] ?? 1, summary: summary)
    }

    /// Rewards of `(prompt, response)` pairs through a reward model's trunk and head, in order.
    public static func rewards(trunk: GPT, head: ValueHead, prompts: [String], responses: [String]) throws -> [Double] {
        try scores(trunk: trunk, head: head, scoring: .reward, prompts: prompts, first: responses, second: responses)
    }

    /// P(a ≻ b) of each `(prompt, a, b)` under a comparison model: σ(s(a, b) − s(b, a)).
    public static func probabilities(trunk: GPT, head: ValueHead, scoring: PairScoring, prompts: [String], a: [String], b: [String]) throws -> [Double] {
        let forward = try scores(trunk: trunk, head: head, scoring: scoring, prompts: prompts, first: a, second: b)
        let backward = try scores(trunk: trunk, head: head, scoring: scoring, prompts: prompts, first: b, second: a)
        return zip(forward, backward).map { 1 / (1 + exp($1 - $0)) }
    }

    /// The head's scalar for each `(prompt, first, second)`, in batches of at most 64 sequences.
    static func scores(trunk: GPT, head: ValueHead, scoring: PairScoring, prompts: [String], first: [String], second: [String]) throws -> [Double] {
        let tok = ByteTokenizer()
        var out: [Double] = []
        for start in stride(from: 0, to: prompts.count, by: 64) {
            let rows = (start..<min(prompts.count, start + 64)).map { scoring.rows(prompt: prompts[$0], first: first[$0], second: second[$0], tokenizer: tok) }
            let batch = try SequenceBatch(prompts: rows.map(\.prompt), responses: rows.map(\.response))
            out += try head.values(trunk: trunk, batch: batch).perSequence.map(Double.init)
        }
        return out
    }

    func pairs(_ examples: [RewardExample], rewards: [Double]) -> [RewardPair] {
        let b = examples.count
        return examples.indices.map { i in
            let margin = Double(max(0, (examples[i].strength ?? 1) - 1)) * hyperparameters.strengthMargin
            return RewardPair(chosen: rewards[i], rejected: rewards[b + i], margin: margin)
        }
    }

    func step(_ s: Int) throws -> [String: Double] {
        var rng = RNG(seed: Seeds.derive(seed, Seeds.batch, s))
        let picks = (0..<hyperparameters.optimizer.batchSize).map { _ in train[Int(rng.next() % UInt64(train.count))] }
        let tok = ByteTokenizer()
        let rows = picks.map { scoring.rows(prompt: $0.prompt, first: $0.chosen, second: $0.rejected, tokenizer: tok) }
            + picks.map { scoring.rows(prompt: $0.prompt, first: $0.rejected, second: $0.chosen, tokenizer: tok) }
        let batch = try SequenceBatch(prompts: rows.map(\.prompt), responses: rows.map(\.response))
        trunk.zeroGradients()
        head.gradients.zero()
        let rewards = try head.values(trunk: trunk, batch: batch).perSequence.map(Double.init)
        let value = BradleyTerry(centerCoefficient: hyperparameters.centerRewardsCoefficient).evaluate(pairs(picks, rewards: rewards))
        let d = value.gradients.map { Float($0.chosen) } + value.gradients.map { Float($0.rejected) }
        head.backward(trunk: trunk, dPerToken: nil, dPerSequence: d)
        // Trunk and head are clipped each to the norm bound (the head is one small layer: its norm is its own).
        let maxNorm = Float(hyperparameters.optimizer.maxGradNorm)
        let norm = GradientClipping.clip(trunk.gradients.pointer, count: trunk.parameterCount, maxNorm: maxNorm)
        let headNorm = GradientClipping.clip(head.gradients.pointer, count: head.dim + 1, maxNorm: maxNorm)
        let total = (norm * norm + headNorm * headNorm).squareRoot()
        trunkOptimizer.update(params: trunk.parameters.pointer, grads: trunk.gradients.pointer)
        headOptimizer.update(params: head.parameters.pointer, grads: head.gradients.pointer)
        var metrics = value.metrics
        metrics["grad_norm"] = Double(total)
        metrics["learning_rate"] = Double(trunkOptimizer.learningRate)
        metrics["epoch"] = Double(s) / Double(hyperparameters.steps)
        return metrics
    }

    /// Held-out loss and accuracy, and the reward statistics stored with the model.
    func evaluate() throws -> [String: Double] {
        let examples = heldOut.isEmpty ? train : heldOut
        let prompts = examples.map(\.prompt)
        let chosen = try Self.scores(trunk: trunk, head: head, scoring: scoring, prompts: prompts, first: examples.map(\.chosen), second: examples.map(\.rejected))
        let rejected = try Self.scores(trunk: trunk, head: head, scoring: scoring, prompts: prompts, first: examples.map(\.rejected), second: examples.map(\.chosen))
        let value = BradleyTerry().evaluate(pairs(examples, rewards: chosen + rejected))
        let all = chosen + rejected
        let mean = all.reduce(0, +) / Double(all.count)
        let variance = all.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(max(all.count - 1, 1))
        return [
            "eval/loss": value.loss, "eval/accuracy": value.metrics["accuracy"] ?? 0, "eval/margin": value.metrics["margin"] ?? 0,
            "eval/comparisons": Double(examples.count), "reward/mean": mean, "reward/std": variance.squareRoot(),
        ]
    }
}
