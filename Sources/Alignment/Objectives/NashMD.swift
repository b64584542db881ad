/// Nash Mirror Descent, deep policy-gradient form as TRL implements it:
/// `ℓ = β·Σ_t sg(log πθ_t − log π_ref_t)·log πθ_t − (P̂(y ≻ y') − ½)·Σ_t log πθ_t`,
/// y ~ πθ and y' ~ the geometric mixture `πθ^{1−α} π_ref^α` (``mixtureLogProbs(policyLogits:referenceLogits:)``).
///
/// Munos et al., "Nash Learning from Human Feedback", arXiv 2312.00886 (Nash-MD-PG with the ½ baseline; the
/// exact update is ``ExactNashMD``); TRL `nash_md_trainer.py` L374–383. Convention: TRL's `beta` is the paper's
/// τ and `mixture_coef` is ητ. Gradient per token `β·(log πθ_t − log π_ref_t) − (P̂ − ½)`.
/// Metrics mean what TRL's `NashMDTrainer._log_statistics` logs under the same names (see
/// ``nashPolicyGradientMetrics(_:)``), plus `beta` and `mixture_coef`. TRL's `rewards/chosen` and
/// `rewards/rejected` are reward-model scores, which a pairwise judge does not give, so they are absent.
public struct NashMD: PreferenceObjective {
    /// KL-to-reference coefficient (the paper's τ); TRL `NashMDConfig.beta` default 0.1. β = 0 is self-play.
    public var beta: Double
    /// Geometric-mixture weight α = ητ on the reference; TRL default 0.5. Used only for sampling y'.
    public var mixtureCoefficient: Double

    /// Creates the objective; `mixtureCoefficient` must lie in [0, 1].
    public init(beta: Double = 0.1, mixtureCoefficient: Double = 0.5) {
        precondition(beta >= 0 && beta.isFinite, "Nash-MD beta must be non-negative and finite")
        precondition(mixtureCoefficient >= 0 && mixtureCoefficient <= 1, "mixture coefficient must be in [0, 1]")
        self.beta = beta
        self.mixtureCoefficient = mixtureCoefficient
    }

    /// Mean surrogate loss; gradients are per token.
    public func evaluate(_ batch: [PolicyGradientSample]) -> ObjectiveValue<[Double]> {
        evaluate(batch, detached: batch)
    }

    /// The surrogate with its stop-gradient terms taken from `detached` (equal to `batch` in training);
    /// exposed to the package so finite differences can hold them fixed.
    package func evaluate(_ batch: [PolicyGradientSample], detached: [PolicyGradientSample]) -> ObjectiveValue<[Double]> {
        let n = Double(max(batch.count, 1))
        var losses: [Double] = []
        var gradients: [[Double]] = []
        for (live, frozen) in zip(batch, detached) {
            let baseline = frozen.preference - 0.5
            let coefficients = frozen.policy.indices.map { beta * (frozen.policy[$0] - frozen.reference[$0]) - baseline }
            let (loss, gradient) = linearSurrogate(live: live, coefficients: coefficients)
            losses.append(loss)
            gradients.append(gradient.map { $0 / n })
        }
        var metrics = nashPolicyGradientMetrics(batch)
        metrics["beta"] = beta
        metrics["mixture_coef"] = mixtureCoefficient
        return ObjectiveValue(loss: mean(losses), losses: losses, gradients: gradients, metrics: metrics)
    }

    /// Next-token log-probs of the geometric mixture: `log_softmax(α·ref_logits + (1−α)·policy_logits)`.
    ///
    /// TRL `nash_md_trainer.py` L85–87 mixes per token (an approximation of the sequence-level mixture);
    /// the weights are α on the reference and 1−α on the policy (PR #1853 fixed a swap).
    public func mixtureLogProbs(policyLogits: [Double], referenceLogits: [Double]) -> [Double] {
        precondition(policyLogits.count == referenceLogits.count, "vocabulary sizes differ")
        let alpha = mixtureCoefficient
        let mixed = zip(policyLogits, referenceLogits).map { (1 - alpha) * $0 + alpha * $1 }
        let lse = logSumExp(mixed)
        return mixed.map { $0 - lse }
    }

    /// `P̂(y ≻ y') = σ(r(y) − r(y'))` from two reward-model scores (TRL L477).
    public static func preference(score: Double, opponentScore: Double) -> Double {
        sigmoid(score - opponentScore)
    }
}
