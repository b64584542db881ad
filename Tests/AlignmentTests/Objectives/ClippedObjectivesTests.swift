import Alignment
import Testing

/// The clipped losses of PPO, RLOO and GRPO (docs/ALGORITHMS.md §12.5): hand vectors, and central differences in
/// the live log-probs (the losses are true functions of them: π_old, π_ref and the advantages are constants).
@Suite("PPO, RLOO and GRPO losses (docs/ALGORITHMS.md §12.5)")
struct ClippedObjectivesTests {
    // Token log-ratios 0.1 (A = 1: inside the clip), −0.3 (A = −2: clipped at 0.8), 0.5 (A = 0.5: clipped at 1.2).
    let ppoBatch = [
        ClippedPolicySample(policy: [-1.0, -0.5], old: [-1.1, -0.2], advantages: [1.0, -2.0]),
        ClippedPolicySample(policy: [-2.0], old: [-2.5], advantages: [0.5]),
    ]

    @Test func ppoPolicyLossMatchesVector() {
        let value = PPO(cliprange: 0.2).policyLoss(ppoBatch)
        expectClose(value.loss, -0.0350569727, tolerance: 1e-9)
        expectClose(value.gradients[0], [-0.3683903060, 0], tolerance: 1e-9)
        expectClose(value.gradients[1], [0], tolerance: 1e-12)
        expectClose(value.metrics["policy/clipfrac"] ?? .nan, 2.0 / 3, tolerance: 1e-12)
        expectClose(value.metrics["policy/approxkl"] ?? .nan, 0.0583333333, tolerance: 1e-9)
        expectClose(value.metrics["policy/entropy"] ?? .nan, 3.5 / 3, tolerance: 1e-12)
    }

    @Test func ppoValueLossMatchesVector() {
        // Token 0: V moved 0.3 from 0.2, clipped to 0.4, whose error (0.36) is the larger: no gradient.
        // Token 1: inside the clip: ½(1 − 0)² and ∂(c·L)/∂V = 0.1·(1 − 0)/2.
        let value = PPO(cliprangeValue: 0.2, vfCoef: 0.1).valueLoss(predicted: [[0.5, 1.0]], old: [[0.2, 0.9]], returns: [[1.0, 0.0]])
        expectClose(value.loss, 0.34, tolerance: 1e-12)
        expectClose(value.gradients[0], [0, 0.05], tolerance: 1e-12)
        expectClose(value.metrics["val/clipfrac"] ?? .nan, 0.5, tolerance: 1e-12)
    }

    @Test func ppoGradientsMatchFiniteDifferences() {
        let batch = [
            ClippedPolicySample(policy: [-1.0, -0.45, -0.7], old: [-1.05, -0.5, -0.6], advantages: [1.3, -0.4, 0.9]),
            ClippedPolicySample(policy: [-2.0], old: [-2.5], advantages: [0.5]),
        ]
        expectMatchesFiniteDifferences(batch) { PPO(cliprange: 0.2).policyLoss($0) }
        let predicted = [[0.25, 1.0], [-0.3]], old = [[0.2, 0.5], [-0.35]], returns = [[1.0, 0.0], [0.4]]
        let value = PPO(cliprangeValue: 0.2, vfCoef: 0.1).valueLoss(predicted: predicted, old: old, returns: returns)
        for i in predicted.indices {
            for t in predicted[i].indices {
                var plus = predicted, minus = predicted
                plus[i][t] += 1e-6
                minus[i][t] -= 1e-6
                let ppo = PPO(cliprangeValue: 0.2, vfCoef: 0.1)
                let fd = 0.1 * (ppo.valueLoss(predicted: plus, old: old, returns: returns).loss
                    - ppo.valueLoss(predicted: minus, old: old, returns: returns).loss) / 2e-6
                expectGradientMatches(analytic: value.gradients[i][t], finiteDifference: fd, label: "value \(i),\(t)")
            }
        }
    }

    @Test func rlooClipsTheSequenceRatio() {
        // Sequence log-ratios −0.1 (A = 2) and 0.4 (A = −1): neither clips (the unclipped term is the max).
        let batch = [
            ClippedPolicySample(policy: [-1.0, -0.5], old: [-1.1, -0.3], advantages: [2, 2]),
            ClippedPolicySample(policy: [-0.2], old: [-0.6], advantages: [-1]),
        ]
        let value = RLOO(cliprange: 0.2).evaluate(batch)
        expectClose(value.loss, -0.1589250692, tolerance: 1e-9)
        expectClose(value.gradients[0], [-0.9048374180, -0.9048374180], tolerance: 1e-9)
        expectClose(value.gradients[1], [0.7459123488], tolerance: 1e-9)
        #expect(value.metrics["policy/clipfrac"] == 0)
        expectMatchesFiniteDifferences(batch) { RLOO(cliprange: 0.2).evaluate($0) }
        let clipped = RLOO(cliprange: 0.2).evaluate([ClippedPolicySample(policy: [-0.2], old: [-0.6], advantages: [1])])
        #expect(clipped.gradients[0] == [0] && clipped.metrics["policy/clipfrac"] == 1)
    }

    @Test func grpoAddsTheK3PenaltyPerToken() {
        let batch = [ClippedPolicySample(policy: [-1.0, -0.5], old: [-1.0, -0.5], advantages: [0.8, 0.8], reference: [-1.2, -0.4])]
        let value = GRPO(beta: 0.04, epsilon: 0.2).evaluate(batch)
        expectClose(value.loss, -0.7995219666, tolerance: 1e-9)
        expectClose(value.gradients[0], [-0.3963746151, -0.4021034184], tolerance: 1e-9)
        expectClose(value.metrics["kl"] ?? .nan, 0.0119508356, tolerance: 1e-9)
        let mixed = [
            ClippedPolicySample(policy: [-1.0, -0.35, -0.7], old: [-1.05, -0.5, -0.6], advantages: [1.3, 1.3, 1.3], reference: [-0.9, -0.6, -1.0]),
            ClippedPolicySample(policy: [-2.0], old: [-2.1], advantages: [-0.5], reference: [-1.5]),
        ]
        expectMatchesFiniteDifferences(mixed) { GRPO(beta: 0.04, epsilon: 0.2).evaluate($0) }
    }

    /// Central differences of the batch loss in each live token log-prob.
    func expectMatchesFiniteDifferences(
        _ batch: [ClippedPolicySample], _ loss: ([ClippedPolicySample]) -> ObjectiveValue<[Double]>,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        let value = loss(batch)
        for i in batch.indices {
            for t in batch[i].policy.indices {
                var plus = batch, minus = batch
                plus[i].policy[t] += 1e-6
                minus[i].policy[t] -= 1e-6
                let fd = (loss(plus).loss - loss(minus).loss) / 2e-6
                expectGradientMatches(analytic: value.gradients[i][t], finiteDifference: fd, label: "sample \(i) token \(t)",
                                      sourceLocation: sourceLocation)
            }
        }
    }
}
