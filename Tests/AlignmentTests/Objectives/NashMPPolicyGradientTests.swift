import Alignment
import Testing

@Suite("Nash-MP policy-gradient prox step (docs/ALGORITHMS.md §5.2)")
struct NashMPPolicyGradientTests {
    let sample = PolicyGradientSample(
        policy: [-1.2, -0.4, -2.0], reference: [-1.0, -0.7, -1.5], anchor: [-1.1, -0.5, -1.9], preference: 0.7)

    // Per-token coefficient β·lr^ref + (1/η)·lr^k − (P̂ − ½) by hand, β = 0.1, η = 2:
    // token 0: 0.1·(−0.2) + 0.5·(−0.1) − 0.2 = −0.27.
    @Test func coefficientsByHand() {
        let value = NashMPPolicyGradient(beta: 0.1, eta: 2).evaluate([sample])
        expectClose(value.gradients[0], [-0.27, -0.12, -0.30], tolerance: 1e-12)
        expectClose(value.loss, -0.27 * -1.2 + -0.12 * -0.4 + -0.30 * -2.0, tolerance: 1e-12)
        #expect(value.metrics["eta"] == 2)
    }

    // Nash-MD's TRL metrics (`loss/kl` = Σ(log πθ − log π_ref) = −0.4, its sign as `rewards/accuracies`),
    // and the same log-ratio against the anchor: −0.1 + 0.1 − 0.1 = −0.1.
    @Test func metricsMeanWhatTRLMeans() {
        let m = NashMPPolicyGradient(beta: 0.1, eta: 2).evaluate([sample]).metrics
        expectClose(m["loss/kl"] ?? .nan, -0.4, tolerance: 1e-12)
        expectClose(m["loss/kl_anchor"] ?? .nan, -0.1, tolerance: 1e-12)
        expectClose(m["rewards/margins"] ?? .nan, -0.4, tolerance: 1e-12)
        #expect(m["rewards/accuracies"] == 0)
        #expect(m["objective/win_rate_estimate"] == 1)
        expectClose(m["rewards/probabilities"] ?? .nan, 0.7, tolerance: 1e-12)
    }

    @Test func gradientsMatchFiniteDifferences() {
        let other = PolicyGradientSample(policy: [-0.3, -2.2], reference: [-0.5, -1.0], anchor: [-0.4, -2.0], preference: 0.2)
        let objective = NashMPPolicyGradient(beta: 0.1, eta: 2)
        expectTokenGradientsMatchFiniteDifferences([sample, other]) { objective.evaluate($0, detached: $1) }
    }

    // Policy-gradient descent on the exact expected surrogate, with one "token" per response and the exact
    // P(y ≻ ρ), lands on the closed-form prox steps of §5.1: π_{k+½} (ρ = π_k) and π_{k+1} (ρ = π_{k+½}).
    @Test func gradientDescentReachesClosedFormProxSteps() throws {
        let game = TabularGame.p3
        let anchor = try ProbabilityVector([0.5, 0.2, 0.3])
        let objective = NashMPPolicyGradient(beta: 0.1, eta: 2)
        func proxStep(against opponent: ProbabilityVector) -> [Double] {
            let wins = game.matrix.winRates(against: opponent.probabilities)
            let result = minimise(from: anchor.logProbabilities, learningRate: 2, maxIterations: 20_000) { theta in
                let policy = ProbabilityVector(logits: theta)
                return expectedTabularGradient(policy, sample: { y in
                    PolicyGradientSample(
                        policy: [policy.logProbabilities[y]], reference: [game.reference.logProbabilities[y]],
                        anchor: [anchor.logProbabilities[y]], preference: wins[y])
                }, coefficient: { objective.evaluate($0) })
            }
            #expect(result.converged)
            return result.policy
        }
        let half = proxStep(against: anchor)
        expectClose(half, [0.519145, 0.173541, 0.307314], tolerance: 1e-6)
        expectClose(proxStep(against: try ProbabilityVector(half)), [0.511798, 0.172973, 0.315230], tolerance: 1e-6)
    }
}
