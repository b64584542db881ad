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
