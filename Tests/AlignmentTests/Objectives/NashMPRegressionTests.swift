import Alignment
import Testing

@Suite("Nash-MP regression prox step (docs/ALGORITHMS.md §5.2)")
struct NashMPRegressionTests {
    // §5.2: on P3 from π_k = (0.5, 0.2, 0.3), η = 2, β = 0.1, the argmin with pairs from ρ = π_k is
    // π_{k+½} = (0.519145, 0.173541, 0.307314); with pairs from ρ = π_{k+½} (anchor still π_k) it is
    // π_{k+1} = (0.511798, 0.172973, 0.315230).
    @Test func bothProxStepsMatchClosedForms() throws {
        let anchor = try ProbabilityVector([0.5, 0.2, 0.3])
        let game = TabularGame.p3
        let objective = NashMPRegression(beta: 0.1, eta: 2)
        func argmin(opponent: ProbabilityVector) -> [Double] {
            pairRegressionArgmin(opponent: opponent, game: game) { logp, i, j in
                NashMPExample(
                    pair: PreferencePair(
                        policyChosen: logp[i], policyRejected: logp[j],
                        referenceChosen: game.reference.logProbabilities[i], referenceRejected: game.reference.logProbabilities[j]),
                    anchorChosen: anchor.logProbabilities[i], anchorRejected: anchor.logProbabilities[j])
            } gradients: { objective.evaluate($0).gradients }
        }
        let half = argmin(opponent: anchor)
        expectClose(half, [0.519145, 0.173541, 0.307314], tolerance: 1e-6)
        let full = argmin(opponent: try ProbabilityVector(half))
        expectClose(full, [0.511798, 0.172973, 0.315230], tolerance: 1e-6)
        expectClose(full, ExactNashMP(beta: 0.1, eta: 2).step(anchor, in: game).probabilities, tolerance: 1e-8)
    }

    // No vector in docs/ALGORITHMS.md §5.2: h and the target by hand. Δπ = 2, Δk = 1.3, Δref = 0.5, ηβ = 0.2:
    // h = 2 − 1.3/1.2 − (0.2/1.2)·0.5 = 0.8333…, target η/(2(1+ηβ)) = 1/1.2.
    @Test func lossByHand() {
        let e = NashMPExample(
            pair: PreferencePair(policyChosen: -10, policyRejected: -12, referenceChosen: -11, referenceRejected: -11.5),
            anchorChosen: -10.5, anchorRejected: -11.8)
        let value = NashMPRegression(beta: 0.1, eta: 2).evaluate([e])
        let h = 2 - 1.3 / 1.2 - (0.2 / 1.2) * 0.5
        expectClose(value.metrics["nash_mp/logits"] ?? .nan, h, tolerance: 1e-12)
        expectClose(value.loss, (h - 1 / 1.2) * (h - 1 / 1.2), tolerance: 1e-12)
        expectClose(value.metrics["rewards/chosen"] ?? .nan, 0.1, tolerance: 1e-12)
    }

    @Test func gradientsMatchFiniteDifferences() {
        let batch = [
            NashMPExample(
                pair: PreferencePair(policyChosen: -10, policyRejected: -12, referenceChosen: -11, referenceRejected: -11.5),
                anchorChosen: -10.5, anchorRejected: -11.8),
            NashMPExample(
                pair: PreferencePair(policyChosen: -4, policyRejected: -3, referenceChosen: -5, referenceRejected: -2.5),
                anchorChosen: -4.2, anchorRejected: -2.9),
        ]
        expectPairGradientsMatchFiniteDifferences(NashMPRegression(), batch, pair: \.pair)
        expectPairGradientsMatchFiniteDifferences(NashMPRegression(beta: 0.01, eta: 0.5), batch, pair: \.pair)
    }
}
