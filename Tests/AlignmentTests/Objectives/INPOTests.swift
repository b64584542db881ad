import Alignment
import Testing

/// docs/ALGORITHMS.md §3.6: policy (−10, −12), reference (−11, −11.5), π_t (−10.5, −11.8), MNPO ratio = 1/3.
@Suite("INPO (docs/ALGORITHMS.md §3)")
struct INPOTests {
    let example = INPOExample(
        pair: PreferencePair(policyChosen: -10, policyRejected: -12, referenceChosen: -11, referenceRejected: -11.5),
        previousChosen: -10.5, previousRejected: -11.8)

    @Test func lossMatchesVector() {
        let code = INPO(ratio: 1.0 / 3.0, codeEta: 0.0075)
        let value = code.evaluate([example])
        expectClose(value.metrics["inpo/logits"] ?? .nan, 0.9666666667, tolerance: 1e-9)
        expectClose(code.eta / 2, 66.6666666667, tolerance: 1e-9)
        expectClose(value.loss, 4316.49, tolerance: 1e-6)
        expectClose(INPO(ratio: 1.0 / 3.0, codeEta: 0.5).evaluate([example]).loss, 0.0011111111, tolerance: 1e-9)
    }

    // The documented defaults are MNPO's config expressed in the paper's symbols.
    @Test func defaultsAreMNPOConfig() {
        let defaults = INPO()
        let code = INPO(ratio: 1.0 / 3.0, codeEta: 0.0075)
        expectClose(defaults.eta, code.eta, tolerance: 1e-12)
        expectClose(defaults.tau, code.tau, tolerance: 1e-15)
    }

    @Test func gradientsMatchFiniteDifferences() {
        var other = example
        other.pair.policyChosen = -3
        other.previousRejected = -2
        expectPairGradientsMatchFiniteDifferences(INPO(ratio: 1.0 / 3.0, codeEta: 0.0075), [example, other], pair: \.pair)
        expectPairGradientsMatchFiniteDifferences(INPO(eta: 2, tau: 0.1), [example, other], pair: \.pair)
    }

    // §3.1: on P3 with π_t = (0.5, 0.2, 0.3), π_ref = (0.6, 0.3, 0.1), η = 2, τ = 0.1 the population argmin
    // over oracle-labelled pairs from π_t is the OMD step (0.522777, 0.168594, 0.308630).
    @Test func populationArgminIsTheOMDStep() throws {
        let previous = try ProbabilityVector([0.5, 0.2, 0.3])
        let game = TabularGame.p3
        let objective = INPO(eta: 2, tau: 0.1)
        let argmin = pairRegressionArgmin(opponent: previous, game: game) { logp, i, j in
            INPOExample(
                pair: PreferencePair(
                    policyChosen: logp[i], policyRejected: logp[j],
                    referenceChosen: game.reference.logProbabilities[i], referenceRejected: game.reference.logProbabilities[j]),
                previousChosen: previous.logProbabilities[i], previousRejected: previous.logProbabilities[j])
        } gradients: { objective.evaluate($0).gradients }
        expectClose(argmin, [0.522777, 0.168594, 0.308630], tolerance: 1e-6)
        expectClose(argmin, ExactINPO(eta: 2, tau: 0.1).step(previous, in: game).probabilities, tolerance: 1e-9)
    }
}

/// The minimiser over πθ of `E_{y,y'~ρ, (y_w,y_l) ~ P(y≻y')} ℓ(y_w, y_l)` for a regression objective that
/// depends on log-prob differences only: every ordered pair (i, j), i ≠ j, with weight ρ_i ρ_j P_ij.
func pairRegressionArgmin<Example>(
    opponent: ProbabilityVector, game: TabularGame,
    example: ([Double], Int, Int) -> Example, gradients: ([Example]) -> [PairGradient]
) -> [Double] {
    let n = game.count
    let rho = opponent.probabilities
    let pairs = (0..<n).flatMap { i in (0..<n).filter { $0 != i }.map { (i, $0) } }
    let result = minimise(from: opponent.logProbabilities, learningRate: 0.5, maxIterations: 50_000) { theta in
        let g = gradients(pairs.map { example(theta, $0.0, $0.1) })
        var grad = Array(repeating: 0.0, count: n)
        for (k, (i, j)) in pairs.enumerated() {
            let weight = rho[i] * rho[j] * game.matrix[i, j] * Double(pairs.count)
            grad[i] += weight * g[k].chosen
            grad[j] += weight * g[k].rejected
        }
        return grad
    }
    #expect(result.converged)
    return result.policy
}
