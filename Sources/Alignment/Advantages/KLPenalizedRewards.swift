#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How the per-token KL between the policy and the reference is estimated from log-probabilities
/// (Schulman, "Approximating KL divergence", 2020), as TRL's and OpenRLHF's `kl_estimator`.
public enum KLEstimator: String, Sendable, CaseIterable {
    /// k1 = log π − log π_ref: unbiased, can be negative per token.
    case k1
    /// k3 = (r − 1) − log r with r = π_ref/π: unbiased, always ≥ 0, lower variance.
    case k3

    /// The estimate at one token from the two log-probabilities of the sampled token.
    public func estimate(logProb: Double, referenceLogProb: Double) -> Double {
        let logRatio = referenceLogProb - logProb
        switch self {
        case .k1: return -logRatio
        case .k3: return (exp(logRatio) - 1) - logRatio
        }
    }
}

/// The per-token rewards of RLHF with the KL penalty folded in (docs/ALGORITHMS.md §7.1; TRL `ppo_trainer.py`,
/// OpenRLHF `compute_reward`): r_t = −c·KL_t at every response token, plus the sequence's score at its last token.
public struct KLPenalizedRewards: Sendable, Equatable {
    /// The KL coefficient c (TRL `kl_coef` 0.05; OpenRLHF `init_kl_coef` 0.01).
    public var coefficient: Double
    public var estimator: KLEstimator

    public init(coefficient: Double, estimator: KLEstimator = .k1) {
        self.coefficient = coefficient
        self.estimator = estimator
    }

    /// Rewards of one response: its per-token log-probs under the policy and the reference, and the judge's score.
    public func rewards(score: Double, logProbs: [Double], referenceLogProbs: [Double]) -> [Double] {
        precondition(logProbs.count == referenceLogProbs.count, "one reference log-prob per token")
        var rewards = zip(logProbs, referenceLogProbs).map { -coefficient * estimator.estimate(logProb: $0, referenceLogProb: $1) }
        if !rewards.isEmpty { rewards[rewards.count - 1] += score }
        return rewards
    }
}
