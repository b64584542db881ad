/// PPO for language models (Schulman et al. 2017, arXiv 1707.06347; the RLHF recipe of Ziegler et al. 2019,
/// arXiv 1909.08593, and Ouyang et al. 2022, arXiv 2203.02155), as TRL's `ppo_trainer.py` computes its loss
/// (docs/ALGORITHMS.md §12.1). Over the T tokens of a minibatch, with r_t = e^{log πθ_t − log π_old_t}:
///
///     L_pg = (1/T) Σ_t max(−A_t·r_t, −A_t·clip(r_t, 1−ε, 1+ε))
///     L_vf = ½·(1/T) Σ_t max((V_t − R_t)², (V_old_t + clip(V_t − V_old_t, −ε_v, ε_v) − R_t)²)
///     L = L_pg + c_vf·L_vf
///
/// with A and R from GAE over the KL-penalised rewards (`Advantages/`). Policy and critic are separate
/// networks here, so the two terms are back-propagated separately: ``policyLoss(_:)`` into the policy,
/// ``valueLoss(predicted:old:returns:)`` (already scaled by c_vf in its gradients) into the critic.
public struct PPO: Sendable, Equatable {
    /// ε (TRL `cliprange` 0.2).
    public var cliprange: Double
    /// ε_v (TRL `cliprange_value` 0.2).
    public var cliprangeValue: Double
    /// c_vf (TRL `vf_coef` 0.1).
    public var vfCoef: Double

    public init(cliprange: Double = 0.2, cliprangeValue: Double = 0.2, vfCoef: Double = 0.1) {
        self.cliprange = cliprange
        self.cliprangeValue = cliprangeValue
        self.vfCoef = vfCoef
    }

    /// L_pg, its gradient per token, and `policy/clipfrac`, `policy/approxkl`, `policy/entropy`.
    public func policyLoss(_ batch: [ClippedPolicySample]) -> ObjectiveValue<[Double]> {
        let tokens = Double(max(batch.reduce(0) { $0 + $1.policy.count }, 1))
        var total = 0.0, clipped = 0.0
        var losses: [Double] = [], gradients: [[Double]] = []
        for sample in batch {
            var loss = 0.0, gradient: [Double] = []
            for t in sample.policy.indices {
                let term = clippedSurrogate(logRatio: sample.policy[t] - sample.old[t], advantage: sample.advantages[t], epsilon: cliprange)
                loss += term.loss
                gradient.append(term.gradient / tokens)
                if term.clipped { clipped += 1 }
            }
            total += loss
            losses.append(loss)
            gradients.append(gradient)
        }
        var metrics = clippedPolicyMetrics(batch)
        metrics["policy/clipfrac"] = clipped / tokens
        return ObjectiveValue(loss: total / tokens, losses: losses, gradients: gradients, metrics: metrics)
    }

    /// L_vf (unscaled, as TRL logs `loss/value_avg`) with gradients ∂(c_vf·L_vf)/∂V_t per token, and `val/clipfrac`
    /// (share of tokens where the clipped term is the larger).
    public func valueLoss(predicted: [[Double]], old: [[Double]], returns: [[Double]]) -> ObjectiveValue<[Double]> {
        precondition(predicted.count == old.count && predicted.count == returns.count, "one old value and return per response")
        let tokens = Double(max(predicted.reduce(0) { $0 + $1.count }, 1))
        var total = 0.0, clipped = 0.0
        var losses: [Double] = [], gradients: [[Double]] = []
        for i in predicted.indices {
            precondition(predicted[i].count == old[i].count && predicted[i].count == returns[i].count, "one value per token")
            var loss = 0.0, gradient: [Double] = []
            for t in predicted[i].indices {
                let v = predicted[i][t], vOld = old[i][t], r = returns[i][t]
                let vClipped = vOld + min(max(v - vOld, -cliprangeValue), cliprangeValue)
                let plain = (v - r) * (v - r), clippedLoss = (vClipped - r) * (vClipped - r)
                if clippedLoss > plain {
                    // The clipped value does not move with V: no gradient.
                    loss += 0.5 * clippedLoss
                    gradient.append(0)
                    clipped += 1
                } else {
                    loss += 0.5 * plain
                    gradient.append(vfCoef * (v - r) / tokens)
                }
            }
            total += loss
            losses.append(loss)
            gradients.append(gradient)
        }
        return ObjectiveValue(loss: total / tokens, losses: losses, gradients: gradients, metrics: ["val/clipfrac": clipped / tokens])
    }
}
