public import Policy
import Tensor

/// One rollout as PPO's advantage step reads it: the prompt's tokens as the critic reads them (BOS first), the
/// response's tokens, its score (the missing-EOS penalty applied) and the per-token log-probs under the sampling
/// policy and π_ref.
public struct AdvantageItem: Sendable, Hashable {
    public var prompt: [Int32]
    public var response: [Int32]
    public var score: Double
    public var logProbs: [Double]
    public var referenceLogProbs: [Double]

    public init(prompt: [Int32], response: [Int32], score: Double, logProbs: [Double], referenceLogProbs: [Double]) {
        self.prompt = prompt
        self.response = response
        self.score = score
        self.logProbs = logProbs
        self.referenceLogProbs = referenceLogProbs
    }
}

/// The hyperparameters of PPO's advantage step: GAE's γ, λ and the KL penalty folded into the per-token rewards.
public struct AdvantageSettings: Sendable, Hashable {
    public var gamma: Double
    public var lambda: Double
    public var klCoef: Double
    public var klEstimator: KLEstimator

    public init(gamma: Double, lambda: Double, klCoef: Double, klEstimator: KLEstimator) {
        self.gamma = gamma
        self.lambda = lambda
        self.klCoef = klCoef
        self.klEstimator = klEstimator
    }
}

/// One rollout's critic values V_t, GAE advantages A_t and returns R_t, one per response token (not whitened).
public struct AdvantageResult: Sendable, Equatable {
    public var values: [Double]
    public var advantages: [Double]
    public var returns: [Double]

    public init(values: [Double], advantages: [Double], returns: [Double]) {
        self.values = values
        self.advantages = advantages
        self.returns = returns
    }
}

/// The one computation of PPO's critic values and GAE advantages, shared by a run's own thread and the shard
/// workers (module Service). As ``Scoring`` in Service, every rollout is read alone (a batch of one, unpadded)
/// with kernels run serially on the calling thread, so its values depend on the critic's weights and the rollout
/// only, never on which rollouts share its shard or on the thread count: a batch split into shards and computed
/// by any workers equals, bit for bit, the same batch computed in the run's thread.
public enum CriticAdvantages {
    /// Values, advantages and returns of `items`, in order, under the critic `trunk` + `head`.
    public static func compute(trunk: GPT, head: ValueHead, settings: AdvantageSettings, items: [AdvantageItem]) throws -> [AdvantageResult] {
        let shaping = KLPenalizedRewards(coefficient: settings.klCoef, estimator: settings.klEstimator)
        let gae = GAE(gamma: settings.gamma, lambda: settings.lambda)
        let context = trunk.config.context
        return try Parallel.serial { () throws -> [AdvantageResult] in
            var out: [AdvantageResult] = []
            out.reserveCapacity(items.count)
            for item in items {
                let n = item.response.count
                guard !item.prompt.isEmpty, item.prompt.count + n <= context, item.logProbs.count == n, item.referenceLogProbs.count == n else {
                    throw PolicyError("a rollout does not fit the critic: \(item.prompt.count) prompt and \(n) response tokens, context \(context)")
                }
                // The value of response token t is read at the position before it (see ``Critic``). Padding (a
                // one-token prompt with no response) repeats BOS, an id of the critic's vocabulary whatever its tokenizer.
                let perToken = try head.values(trunk: trunk, batch: SequenceBatch(prompts: [item.prompt], responses: [item.response], pad: item.prompt[0])).perToken
                let start = item.prompt.count - 1
                let values = (0..<n).map { Double(perToken[start + $0]) }
                let rewards = shaping.rewards(score: item.score, logProbs: item.logProbs, referenceLogProbs: item.referenceLogProbs)
                let (advantages, returns) = gae.estimate(rewards: rewards, values: values)
                out.append(AdvantageResult(values: values, advantages: advantages, returns: returns))
            }
            return out
        }
    }

    /// `results` as one flat series: per rollout its values, then advantages, then returns.
    public static func flatten(_ results: [AdvantageResult]) -> [Double] {
        results.flatMap { $0.values + $0.advantages + $0.returns }
    }

    /// The inverse of ``flatten(_:)`` for rollouts of response lengths `lengths`; nil when the series does not fit them.
    public static func unflatten(_ flat: [Double], lengths: [Int]) -> [AdvantageResult]? {
        guard flat.count == 3 * lengths.reduce(0, +) else { return nil }
        var out: [AdvantageResult] = [], k = 0
        for n in lengths {
            out.append(AdvantageResult(values: Array(flat[k..<(k + n)]), advantages: Array(flat[(k + n)..<(k + 2 * n)]),
                                       returns: Array(flat[(k + 2 * n)..<(k + 3 * n)])))
            k += 3 * n
        }
        return out
    }
}

/// Where a PPO run computes its critic values and advantages (module Service shards a large batch over the
/// worker pools); without one the run computes them itself with ``CriticAdvantages/compute(trunk:head:settings:items:)``.
/// An estimator must return exactly what that computation returns for the critic `trunk` + `head`.
public protocol AdvantageEstimator {
    func advantages(trunk: GPT, head: ValueHead, settings: AdvantageSettings, items: [AdvantageItem]) throws -> [AdvantageResult]
}
