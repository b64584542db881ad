import Alignment
import Testing

/// docs/ALGORITHMS.md §2.6: PairRM scores for K = 5 responses, and the regression losses at
/// logits_w = 1, logits_l = −0.5 for the code's β = 0.1 (η = 10) and β = 0.001 (η = 1000).
@Suite("SPPO (docs/ALGORITHMS.md §2)")
struct SPPOTests {
    let rates = SPPOWinRates(scores: [1.2, 0.3, -0.5, 0.8, -1.0])

    /// The pair of the vector: log-ratios to π_t of 1 (chosen) and −0.5 (rejected).
    var example: SPPOExample {
        SPPOExample(
            pair: PreferencePair(policyChosen: -9.0, policyRejected: -12.5, referenceChosen: -10.0, referenceRejected: -12.0),
            chosenWinRate: rates.chosenWinRate, rejectedWinRate: rates.rejectedWinRate)
    }

    @Test func winRatesMatchVector() {
        #expect(rates.chosenIndex == 0)
        #expect(rates.rejectedIndex == 4)
        expectClose(rates.chosenPreference, 0.9002495109, tolerance: 1e-10)
        expectClose(rates.chosenWinRate, 0.7110842817, tolerance: 1e-10)
        expectClose(rates.rejectedWinRate, 0.2666614480, tolerance: 1e-10)
    }

    // Ties resolve to the first index, as numpy's argmax/argmin in compute_prob.py.
    @Test func tiesPickTheFirstIndex() {
        let tied = SPPOWinRates(scores: [0.5, 1.0, 1.0, -2.0, -2.0])
        #expect(tied.chosenIndex == 1)
        #expect(tied.rejectedIndex == 3)
    }

    @Test func softLossMatchesVector() {
        let value = SPPO(eta: 10).evaluate([example])
        expectClose(value.loss, 2.2976371154, tolerance: 1e-9)
        expectClose(value.gradients[0].chosen, -1.1108428171, tolerance: 1e-9)
        expectClose(value.gradients[0].rejected, 1.8333855204, tolerance: 1e-9)
        // loss_w and loss_l separately: the squared errors are 2·gradient², halved in the loss.
        expectClose(value.gradients[0].chosen * value.gradients[0].chosen, 1.2339717642, tolerance: 1e-9)
        expectClose(value.gradients[0].rejected * value.gradients[0].rejected, 3.3613024666, tolerance: 1e-9)
        expectClose(SPPO(eta: 1000).evaluate([example]).loss, 49174.5983693117, tolerance: 1e-6)
    }

    @Test func singleLossMatchesVector() {
        let single = SPPOSingle.Example(pair: example.pair, chosenPreference: rates.chosenPreference)
        expectClose(SPPOSingle(eta: 10).evaluate([single]).loss, 10.6412244328, tolerance: 1e-9)
        expectClose(SPPOSingle(eta: 1000).evaluate([single]).loss, 159599.9216936108, tolerance: 1e-6)
    }

    // rewards/* follow the code's `beta · logits` with beta = 1/η.
    @Test func metricsUseCodeBetaScale() {
        let m = SPPO(eta: 10).evaluate([example]).metrics
        expectClose(m["rewards/chosen"] ?? .nan, 0.1, tolerance: 1e-12)
        expectClose(m["rewards/rejected"] ?? .nan, -0.05, tolerance: 1e-12)
        expectClose(m["sppo/target_chosen"] ?? .nan, 10 * (rates.chosenWinRate - 0.5), tolerance: 1e-12)
        #expect(m["rewards/accuracies"] == 1)
    }

    @Test func gradientsMatchFiniteDifferences() {
        let batch = [example, SPPOExample(
            pair: PreferencePair(policyChosen: -3, policyRejected: -4, referenceChosen: -3.5, referenceRejected: -3.2),
            chosenWinRate: 0.62, rejectedWinRate: 0.41)]
        expectPairGradientsMatchFiniteDifferences(SPPO(eta: 10), batch, pair: \.pair)
        expectPairGradientsMatchFiniteDifferences(SPPO(eta: 1000), batch, pair: \.pair)
        let single = batch.map { SPPOSingle.Example(pair: $0.pair, chosenPreference: $0.chosenWinRate) }
        expectPairGradientsMatchFiniteDifferences(SPPOSingle(eta: 10), single, pair: \.pair)
    }

    // §2.5: from π_t = (0.5, 0.2, 0.3) on P3 with η = 2, the population argmin of the SPPO loss is
    // (0.483255, 0.149521, 0.367224) — close to, but not, the exact MWU step (0.482819, 0.148911, 0.368270).
    @Test func populationArgminApproximatesMWU() throws {
        let previous = try ProbabilityVector([0.5, 0.2, 0.3])
        let wins = PreferenceMatrix.p3.winRates(against: previous.probabilities)
        let objective = SPPO(eta: 2)
        let n = 3
        let result = minimise(from: previous.logProbabilities, learningRate: 1, maxIterations: 20_000) { theta in
            let policy = ProbabilityVector(logits: theta)
            let logp = policy.logProbabilities
            // Pairs (y_i, y_j) ~ π_t × π_t: the expected pair loss is E_{y~π_t} of the single-response term.
            var batch: [SPPOExample] = []
            var weights: [Double] = []
            for i in 0..<n {
                for j in 0..<n {
                    batch.append(SPPOExample(
                        pair: PreferencePair(
                            policyChosen: logp[i], policyRejected: logp[j],
                            referenceChosen: previous.logProbabilities[i], referenceRejected: previous.logProbabilities[j]),
                        chosenWinRate: wins[i], rejectedWinRate: wins[j]))
                    weights.append(previous.probabilities[i] * previous.probabilities[j])
                }
            }
            let g = objective.evaluate(batch).gradients
            var dLogp = Array(repeating: 0.0, count: n)
            for (k, (i, j)) in (0..<n).flatMap({ i in (0..<n).map { (i, $0) } }).enumerated() {
                dLogp[i] += weights[k] * Double(batch.count) * g[k].chosen
                dLogp[j] += weights[k] * Double(batch.count) * g[k].rejected
            }
            // Through log-softmax: ∂/∂θ_k = Σ_y g_y (δ_yk − π_k).
            let total = dLogp.reduce(0, +)
            return (0..<n).map { dLogp[$0] - policy.probabilities[$0] * total }
        }
        #expect(result.converged)
        expectClose(result.policy, [0.483255, 0.149521, 0.367224], tolerance: 1e-6)
        let mwu = ExactSPPO(eta: 2).step(previous, in: .p3).probabilities
        expectClose(mwu, [0.482819, 0.148911, 0.368270], tolerance: 1e-6)
        #expect(abs(result.policy[0] - mwu[0]) > 1e-4)
    }
}
