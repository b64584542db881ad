/// REINFORCE Leave-One-Out (Ahmadian et al. 2024, arXiv 2402.14740), as TRL's `RLOOTrainer` (v0.11–0.17,
/// `rloo_trainer.py`) computes its loss (docs/ALGORITHMS.md §12.2): K samples per prompt, a sequence-level
/// reward `R_i = score_i − c·Σ_t KL_t`, the advantage `A_i = R_i − mean_{j≠i} R_j` (``GroupBaseline/rloo``),
/// and PPO's clipped surrogate on the **sequence** ratio `r_i = e^{Σ_t log πθ_t − Σ_t log π_old_t}`:
///
///     L = (1/N) Σ_i max(−A_i·r_i, −A_i·clip(r_i, 1−ε, 1+ε))
///
/// so ∂L/∂log πθ_t is the same for every token of a response. The advantage is read from `advantages[0]`.
public struct RLOO: Sendable, Equatable {
    /// ε (TRL `cliprange` 0.2).
    public var cliprange: Double

    public init(cliprange: Double = 0.2) { self.cliprange = cliprange }

    public func evaluate(_ batch: [ClippedPolicySample]) -> ObjectiveValue<[Double]> {
        let n = Double(max(batch.count, 1))
        var losses: [Double] = [], gradients: [[Double]] = [], clipped = 0.0
        for sample in batch {
            let logRatio = sample.policy.reduce(0, +) - sample.old.reduce(0, +)
            let term = clippedSurrogate(logRatio: logRatio, advantage: sample.advantages.first ?? 0, epsilon: cliprange)
            losses.append(term.loss)
            gradients.append(sample.policy.map { _ in term.gradient / n })
            if term.clipped { clipped += 1 }
        }
        var metrics = clippedPolicyMetrics(batch)
        metrics["policy/clipfrac"] = clipped / n
        return ObjectiveValue(loss: losses.reduce(0, +) / n, losses: losses, gradients: gradients, metrics: metrics)
    }
}
