/// One labelled pair for a reward model: the scalar rewards it gives the chosen and the rejected response, and an
/// optional margin the chosen one must win by (e.g. from the annotator's `strength`).
public struct RewardPair: Sendable, Equatable {
    public var chosen: Double
    public var rejected: Double
    public var margin: Double

    public init(chosen: Double, rejected: Double, margin: Double = 0) {
        self.chosen = chosen
        self.rejected = rejected
        self.margin = margin
    }
}

/// d(loss)/d(reward) for each side of a pair.
public struct RewardGradient: Sendable, Equatable {
    public var chosen: Double
    public var rejected: Double
}

/// The Bradley–Terry reward-model loss (Bradley & Terry 1952; Ouyang et al. 2022, arXiv 2203.02155; TRL
/// `RewardTrainer`, OpenRLHF `PairWiseLoss`; docs/ALGORITHMS.md §7.3):
///
///     loss = mean −log σ(r_w − r_l − m) + c·mean (r_w + r_l)²
///
/// with TRL's optional centring term c (`center_rewards_coefficient`, 0.01 recommended, off by default).
/// Metrics use TRL's names: `loss`, `accuracy` = mean(r_w > r_l), `margin` = mean(r_w − r_l).
public struct BradleyTerry: PreferenceObjective {
    public typealias Example = RewardPair

    public var centerCoefficient: Double

    public init(centerCoefficient: Double = 0) {
        self.centerCoefficient = centerCoefficient
    }

    public func evaluate(_ batch: [RewardPair]) -> ObjectiveValue<RewardGradient> {
        let n = Double(max(batch.count, 1))
        var loss = 0.0, correct = 0.0, margins = 0.0
        var losses: [Double] = []
        var gradients: [RewardGradient] = []
        gradients.reserveCapacity(batch.count)
        for pair in batch {
            let z = pair.chosen - pair.rejected - pair.margin
            let center2 = centerCoefficient * (pair.chosen + pair.rejected) * (pair.chosen + pair.rejected)
            losses.append(-logSigmoid(z) + center2)
            loss += (-logSigmoid(z) + center2) / n
            // d/dz −log σ(z) = −σ(−z); the centring term adds 2c(r_w + r_l)/n to both sides.
            let dz = -sigmoid(-z) / n
            let center = 2 * centerCoefficient * (pair.chosen + pair.rejected) / n
            gradients.append(RewardGradient(chosen: dz + center, rejected: -dz + center))
            if pair.chosen > pair.rejected { correct += 1 }
            margins += pair.chosen - pair.rejected
        }
        return ObjectiveValue(loss: loss, losses: losses, gradients: gradients,
                              metrics: ["loss": loss, "accuracy": correct / n, "margin": margins / n])
    }
}
