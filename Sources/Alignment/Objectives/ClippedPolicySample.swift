#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One sampled response in a clipped policy-gradient minibatch (PPO, RLOO, GRPO; docs/ALGORITHMS.md §12):
/// per-token log-probs under the live policy (trainable), under the policy that sampled it (frozen at the
/// rollout), and the advantage of each token (RLOO and GRPO give every token of a response its response's).
public struct ClippedPolicySample: Sendable, Hashable {
    /// `log πθ(y_t | x, y_<t)`, trainable.
    public var policy: [Double]
    /// `log π_old(y_t | …)` at the rollout.
    public var old: [Double]
    /// `A_t`, per token.
    public var advantages: [Double]
    /// `log π_ref(y_t | …)`; only GRPO's in-loss KL reads it (empty otherwise).
    public var reference: [Double]

    public init(policy: [Double], old: [Double], advantages: [Double], reference: [Double] = []) {
        precondition(policy.count == old.count && policy.count == advantages.count, "one old log-prob and advantage per token")
        precondition(reference.isEmpty || reference.count == policy.count, "one reference log-prob per token")
        self.policy = policy
        self.old = old
        self.advantages = advantages
        self.reference = reference
    }
}

/// The clipped surrogate at one ratio r = e^{log πθ − log π_old} with advantage A (Schulman et al. 2017, eq. 7,
/// written as TRL does): `ℓ = max(−A·r, −A·clip(r, 1 − ε, 1 + ε))`. Returns ℓ, ∂ℓ/∂log πθ (`−A·r` where the
/// unclipped term is the max, 0 where the clipped one is: r·∂/∂r of a constant), and whether it clipped.
func clippedSurrogate(logRatio: Double, advantage: Double, epsilon: Double) -> (loss: Double, gradient: Double, clipped: Bool) {
    let ratio = exp(logRatio)
    let unclipped = -advantage * ratio
    let clipped = -advantage * min(max(ratio, 1 - epsilon), 1 + epsilon)
    if clipped > unclipped { return (clipped, 0, true) }
    return (unclipped, -advantage * ratio, false)
}

/// Metrics every clipped trainer logs over its minibatch tokens, TRL-named: `policy/approxkl` =
/// ½·mean (log πθ − log π_old)² (TRL `approxkl`), `policy/entropy` = mean −log πθ of the sampled tokens (a
/// one-sample estimate of TRL's full-distribution entropy, which needs the logits).
func clippedPolicyMetrics(_ batch: [ClippedPolicySample]) -> [String: Double] {
    var squares = 0.0, negLogp = 0.0, tokens = 0.0
    for sample in batch {
        for t in sample.policy.indices {
            let d = sample.policy[t] - sample.old[t]
            squares += d * d
            negLogp -= sample.policy[t]
            tokens += 1
        }
    }
    let n = max(tokens, 1)
    return ["policy/approxkl": 0.5 * squares / n, "policy/entropy": negLogp / n]
}
