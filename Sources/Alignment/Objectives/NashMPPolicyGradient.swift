/// Nash-MP, one prox step by policy gradient with a ½ baseline:
/// `ℓ = β·Σ_t sg(log πθ_t − log π_ref_t)·log πθ_t + (1/η)·Σ_t sg(log πθ_t − log π_k_t)·log πθ_t − (P̂(y≻y') − ½)·Σ_t log πθ_t`,
/// y ~ πθ, y' ~ the opponent ρ (π_k for the ½-step, π_{k+½} for the full step), anchor π_k in both.
///
/// Tiapkin et al., "Accelerating Nash Learning from Human Feedback via Mirror Prox", arXiv 2505.19731
/// (approximate Nash-MP with stochastic policy-gradient prox steps). The surrogate is the REINFORCE estimate
/// of `J = P(πθ≻ρ) − β KL(πθ‖π_ref) − (1/η) KL(πθ‖π_k)` derived in docs/ALGORITHMS.md §5.2, not the paper's code,
/// which could not be retrieved. Its stationary point is the exact prox step of ``ExactNashMP``.
/// Gradient per token `β·lr^ref_t + (1/η)·lr^k_t − (P̂ − ½)`. Metrics: Nash-MD's, as TRL's Nash-MD trainer
/// defines them (``nashPolicyGradientMetrics(_:)``), plus `loss/kl_anchor` = Σ_t (log πθ_t − log π_k_t), the
/// same quantity against the anchor (no TRL counterpart), `beta` and `eta`.
public struct NashMPPolicyGradient: PreferenceObjective {
    /// KL-to-reference coefficient β; default 0.1.
    public var beta: Double
    /// Prox step η; default 2 (the largest with the linear-rate guarantee).
    public var eta: Double

    /// Creates the objective.
    public init(beta: Double = 0.1, eta: Double = 2) {
        precondition(beta > 0 && beta.isFinite && eta > 0 && eta.isFinite, "Nash-MP beta and eta must be positive")
        self.beta = beta
        self.eta = eta
    }

    /// Mean surrogate loss; gradients are per token. Every sample needs ``PolicyGradientSample/anchor``.
    public func evaluate(_ batch: [PolicyGradientSample]) -> ObjectiveValue<[Double]> {
        evaluate(batch, detached: batch)
    }

    /// The surrogate with stop-gradient terms from `detached`; see ``NashMD/evaluate(_:detached:)``.
    package func evaluate(_ batch: [PolicyGradientSample], detached: [PolicyGradientSample]) -> ObjectiveValue<[Double]> {
        let n = Double(max(batch.count, 1))
        var losses: [Double] = []
        var gradients: [[Double]] = []
        var klAnchor: [Double] = []
        for (live, frozen) in zip(batch, detached) {
            precondition(frozen.anchor.count == frozen.policy.count, "Nash-MP policy gradient needs anchor log-probs")
            let baseline = frozen.preference - 0.5
            let coefficients = frozen.policy.indices.map { t in
                beta * (frozen.policy[t] - frozen.reference[t]) + (frozen.policy[t] - frozen.anchor[t]) / eta - baseline
            }
            let (loss, gradient) = linearSurrogate(live: live, coefficients: coefficients)
            losses.append(loss)
            gradients.append(gradient.map { $0 / n })
            klAnchor.append(frozen.policy.indices.reduce(0) { $0 + frozen.policy[$1] - frozen.anchor[$1] })
        }
        var metrics = nashPolicyGradientMetrics(batch)
        metrics["loss/kl_anchor"] = mean(klAnchor)
        metrics["beta"] = beta
        metrics["eta"] = eta
        return ObjectiveValue(loss: mean(losses), losses: losses, gradients: gradients, metrics: metrics)
    }
}
