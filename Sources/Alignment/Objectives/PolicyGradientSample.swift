// Shared arithmetic of the REINFORCE-style objectives (Nash-MD, Nash-MP PG). These are *surrogates*:
// quantities under a stop-gradient (`sg`) are constants, so the gradient is the policy-gradient estimate,
// not the derivative of the printed loss as a function of log πθ. Convention (TRL `nash_md_trainer.py`):
// the KL term uses each token's own log-ratio, not the reward-to-go; one "token" per sequence gives the
// sequence-level estimator.

/// One sampled completion y ~ πθ scored against an opponent sample y'.
public struct PolicyGradientSample: Sendable, Hashable {
    /// Token log-probs `log πθ(y_t | x, y_<t)` over completion tokens (trainable).
    public var policy: [Double]
    /// Token log-probs under π_ref, same length.
    public var reference: [Double]
    /// Token log-probs under the anchor π_k (Nash-MP only; empty otherwise).
    public var anchor: [Double]
    /// `P̂(y ≻ y' | x)` from the judge, e.g. `σ(r(y) − r(y'))` for a reward model.
    public var preference: Double

    /// Creates a sample; `anchor` is needed only by ``NashMPPolicyGradient``.
    public init(policy: [Double], reference: [Double], anchor: [Double] = [], preference: Double) {
        precondition(policy.count == reference.count, "policy and reference token log-probs differ in length")
        precondition(anchor.isEmpty || anchor.count == policy.count, "anchor token log-probs differ in length")
        self.policy = policy
        self.reference = reference
        self.anchor = anchor
        self.preference = preference
    }
}

/// Per-sample loss and per-token gradient of `Σ_t c_t · log πθ_t`, the coefficients `c_t` having been
/// computed from the stop-gradient copy; the loss is the TRL surrogate at the live log-probs.
func linearSurrogate(
    live: PolicyGradientSample, coefficients: [Double]
) -> (loss: Double, gradient: [Double]) {
    var loss = 0.0
    for t in live.policy.indices { loss += coefficients[t] * live.policy[t] }
    return (loss, coefficients)
}

/// The metrics of a REINFORCE batch, each as TRL `nash_md_trainer.py` (`_compute_losses`, `_log_statistics`)
/// defines the name; per sample, `lr = Σ_t (log πθ_t − log π_ref_t)` over y's tokens:
/// - `loss/kl`: mean `lr` (TRL's `kl_div_log`, the sampled KL estimate; not the surrogate `Σ lr_t·log πθ_t`).
/// - `loss/score`: mean `(P̂ − ½)·Σ_t log πθ_t`.
/// - `logps/chosen`, `logps/rejected`: mean `Σ_t log πθ_t` and `Σ_t log π_ref_t` of y (TRL: both on the model's data).
/// - `rewards/margins`: mean `lr` (TRL: `logps/chosen − logps/rejected`); `rewards/accuracies`: fraction with `lr > 0`.
/// - `objective/entropy`: mean `−Σ_t log πθ_t`; `rewards/probabilities`: mean P̂.
/// - `objective/win_rate_estimate`: fraction of samples the judge prefers to their opponent (P̂ > ½); no TRL
///   counterpart (it was once misnamed `rewards/accuracies`).
func nashPolicyGradientMetrics(_ batch: [PolicyGradientSample]) -> [String: Double] {
    let logps = batch.map { $0.policy.reduce(0, +) }
    let referenceLogps = batch.map { $0.reference.reduce(0, +) }
    let logRatios = zip(logps, referenceLogps).map { $0 - $1 }
    return [
        "loss/kl": mean(logRatios),
        "loss/score": mean(zip(batch, logps).map { ($0.preference - 0.5) * $1 }),
        MetricKey.logpsChosen: mean(logps),
        MetricKey.logpsRejected: mean(referenceLogps),
        MetricKey.rewardsMargins: mean(logRatios),
        MetricKey.rewardsAccuracies: mean(logRatios.map { $0 > 0 ? 1 : 0 }),
        "objective/entropy": -mean(logps),
        "rewards/probabilities": mean(batch.map(\.preference)),
        MetricKey.winRateEstimate: mean(batch.map { $0.preference > 0.5 ? 1 : 0 }),
    ]
}
