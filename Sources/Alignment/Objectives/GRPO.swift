#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Group Relative Policy Optimization (Shao et al. 2024, arXiv 2402.03300, eq. 3), as TRL's `GRPOTrainer`
/// computes its loss (`loss_type="grpo"`; docs/ALGORITHMS.md §12.3): G samples per prompt, advantages from
/// the group's scores (``GroupBaseline/grpo``), a per-token clipped surrogate and the k3 KL to π_ref **in the
/// loss** (not in the reward), averaged over each response's tokens, then over responses:
///
///     ℓ_t = max(−A·r_t, −A·clip(r_t, 1−ε, 1+ε)) + β·(e^{Δ_t} − Δ_t − 1),   Δ_t = log π_ref_t − log πθ_t
///     L = (1/N) Σ_i (1/|y_i|) Σ_t ℓ_{i,t}
///
/// ∂ℓ_t/∂log πθ_t = (surrogate's) + β·(1 − e^{Δ_t}).
public struct GRPO: Sendable, Equatable {
    /// β, the KL coefficient (TRL `beta`; 0.04 in the paper and TRL ≤ 0.18).
    public var beta: Double
    /// ε (TRL `epsilon` 0.2).
    public var epsilon: Double

    public init(beta: Double = 0.04, epsilon: Double = 0.2) {
        self.beta = beta
        self.epsilon = epsilon
    }

    public func evaluate(_ batch: [ClippedPolicySample]) -> ObjectiveValue<[Double]> {
        let n = Double(max(batch.count, 1))
        var losses: [Double] = [], gradients: [[Double]] = []
        var clipped = 0.0, tokens = 0.0, kl = 0.0
        for sample in batch {
            let length = Double(max(sample.policy.count, 1))
            var loss = 0.0, gradient: [Double] = [], sampleKL = 0.0
            for t in sample.policy.indices {
                let term = clippedSurrogate(logRatio: sample.policy[t] - sample.old[t], advantage: sample.advantages[t], epsilon: epsilon)
                var l = term.loss, g = term.gradient
                if beta != 0 && !sample.reference.isEmpty {
                    let delta = sample.reference[t] - sample.policy[t]
                    let k3 = exp(delta) - delta - 1
                    l += beta * k3
                    g += beta * (1 - exp(delta))
                    sampleKL += k3
                }
                loss += l
                gradient.append(g / (length * n))
                if term.clipped { clipped += 1 }
                tokens += 1
            }
            kl += sampleKL / length
            losses.append(loss / length)
            gradients.append(gradient)
        }
        var metrics = clippedPolicyMetrics(batch)
        metrics["policy/clipfrac"] = clipped / max(tokens, 1)
        // TRL's `kl`: the mean over responses of their mean per-token k3.
        metrics["kl"] = kl / n
        return ObjectiveValue(loss: losses.reduce(0, +) / n, losses: losses, gradients: gradients, metrics: metrics)
    }
}
