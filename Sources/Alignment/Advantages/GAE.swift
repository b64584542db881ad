/// Generalised advantage estimation (Schulman et al. 2016, arXiv 1506.02438; docs/ALGORITHMS.md §7.1), over one
/// response's per-token rewards and critic values, the critic's value after the last token taken as 0:
///
///     δ_t = r_t + γ·V_{t+1} − V_t,   A_t = δ_t + γλ·A_{t+1},   R_t = A_t + V_t (the critic's regression target).
///
/// Defaults as TRL's `PPOConfig` (γ = 1, λ = 0.95); OpenRLHF uses λ = 1.
public struct GAE: Sendable, Equatable {
    public var gamma: Double
    public var lambda: Double

    public init(gamma: Double = 1, lambda: Double = 0.95) {
        self.gamma = gamma
        self.lambda = lambda
    }

    /// Advantages and returns of one response.
    public func estimate(rewards: [Double], values: [Double]) -> (advantages: [Double], returns: [Double]) {
        precondition(rewards.count == values.count, "one value per token")
        var advantages = [Double](repeating: 0, count: rewards.count)
        var last = 0.0
        for t in stride(from: rewards.count - 1, through: 0, by: -1) {
            let next = t + 1 < values.count ? values[t + 1] : 0
            let delta = rewards[t] + gamma * next - values[t]
            last = delta + gamma * lambda * last
            advantages[t] = last
        }
        return (advantages, zip(advantages, values).map { $0 + $1 })
    }
}

/// Advantage whitening over all tokens of a batch. TRL's `masked_whiten`: (x − mean)/√(var + ε) with the
/// Bessel-corrected variance; OpenRLHF: (x − mean)/√max(var, ε) with the biased variance.
public struct Whitening: Sendable, Equatable {
    public enum Variance: Sendable, Equatable {
        /// Σ(x − μ)²/(n − 1), ε added, as TRL.
        case unbiased
        /// Σ(x − μ)²/n, floored at ε, as OpenRLHF.
        case biased
    }

    public var variance: Variance
    public var epsilon: Double

    public init(variance: Variance = .unbiased, epsilon: Double = 1e-8) {
        self.variance = variance
        self.epsilon = epsilon
    }

    /// The whitened values; fewer than two values have no spread, so they are only centred.
    public func apply(_ x: [Double]) -> [Double] {
        guard !x.isEmpty else { return [] }
        let n = Double(x.count)
        let mean = x.reduce(0, +) / n
        let squares = x.reduce(0) { $0 + ($1 - mean) * ($1 - mean) }
        guard x.count > 1 else { return x.map { $0 - mean } }
        let v = variance == .unbiased ? squares / (n - 1) + epsilon : max(squares / n, epsilon)
        let scale = 1 / v.squareRoot()
        return x.map { ($0 - mean) * scale }
    }
}
