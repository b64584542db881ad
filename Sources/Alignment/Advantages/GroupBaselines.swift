/// Critic-free advantages from K samples of one prompt, each with a scalar reward (docs/ALGORITHMS.md §7.2). The
/// reward sits on the last token with γ = 1, so every token of a sample gets its sample's advantage.
public enum GroupBaseline: Sendable, Equatable {
    /// RLOO (Ahmadian et al. 2024, arXiv 2402.14740; TRL `RLOOTrainer`, OpenRLHF `rloo`): the baseline of each
    /// sample is the mean reward of the other K − 1, A_i = r_i − (Σ_j r_j − r_i)/(K − 1).
    case rloo
    /// GRPO (Shao et al. 2024, arXiv 2402.03300; TRL `GRPOTrainer`): A_i = (r_i − mean r)/(std r + ε), std unbiased,
    /// ε = 1e-4 as TRL; `scaled: false` is Dr. GRPO's mean-only baseline (Liu et al. 2025, arXiv 2503.20783).
    case grpo(scaled: Bool, epsilon: Double)

    /// TRL's GRPO default: scaled by the group's standard deviation, ε = 1e-4.
    public static let grpo = GroupBaseline.grpo(scaled: true, epsilon: 1e-4)

    /// Advantages of one group, in order. A group whose rewards are all equal gets zero advantages (no signal).
    public func advantages(_ rewards: [Double]) -> [Double] {
        let k = Double(rewards.count)
        guard rewards.count > 1 else { return rewards.map { _ in 0 } }
        let total = rewards.reduce(0, +)
        switch self {
        case .rloo:
            return rewards.map { $0 - (total - $0) / (k - 1) }
        case .grpo(let scaled, let epsilon):
            let mean = total / k
            let centred = rewards.map { $0 - mean }
            guard scaled else { return centred }
            let std = (centred.reduce(0) { $0 + $1 * $1 } / (k - 1)).squareRoot()
            return centred.map { $0 / (std + epsilon) }
        }
    }
}
