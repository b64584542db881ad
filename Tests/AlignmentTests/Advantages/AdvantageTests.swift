import Alignment
import Testing

/// Advantage estimators against hand-computed vectors (docs/ALGORITHMS.md §7.1–7.2).
@Suite struct AdvantageTests {
    func close(_ a: [Double], _ b: [Double], _ tolerance: Double = 1e-7) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { abs($0 - $1) <= tolerance }
    }

    /// Three tokens, score 1 at the end, c = 0.05, k1 KL (0.1, 0.4, −0.5): rewards (−0.005, −0.02, 1.025).
    static let logProbs = [-1.0, -2.0, -3.0]
    static let referenceLogProbs = [-1.1, -2.4, -2.5]

    @Test func klPenaltyIsFoldedIntoPerTokenRewards() {
        let k1 = KLPenalizedRewards(coefficient: 0.05, estimator: .k1)
        #expect(close(k1.rewards(score: 1, logProbs: Self.logProbs, referenceLogProbs: Self.referenceLogProbs), [-0.005, -0.02, 1.025], 1e-12))
        // k3 = (e^{Δ} − 1) − Δ with Δ = log π_ref − log π: never negative, zero when the two agree.
        let k3 = KLPenalizedRewards(coefficient: 1, estimator: .k3)
        let r = k3.rewards(score: 0, logProbs: [-1, -2], referenceLogProbs: [-1, -1.5])
        #expect(r[0] == 0)
        #expect(abs(r[1] - -((exp(0.5) - 1) - 0.5)) < 1e-12)
        #expect(KLEstimator.k3.estimate(logProb: -3, referenceLogProb: -1) > 0)
        #expect(KLEstimator.k1.estimate(logProb: -3, referenceLogProb: -1) < 0)
        #expect(k1.rewards(score: 1, logProbs: [], referenceLogProbs: []).isEmpty)
    }

    @Test func gaeMatchesTheHandComputedVectors() {
        let rewards = [-0.005, -0.02, 1.025], values = [0.3, 0.5, 0.8]
        let (a, r) = GAE(gamma: 1, lambda: 0.95).estimate(rewards: rewards, values: values)
        #expect(close(a, [0.6640625, 0.49375, 0.225], 1e-12))
        #expect(close(r, [0.9640625, 0.99375, 1.025], 1e-12))
        #expect(close(GAE(gamma: 1, lambda: 1).estimate(rewards: rewards, values: values).advantages, [0.7, 0.505, 0.225], 1e-12))
        // λ = 0 is the one-step TD error; γ = 0 ignores the future.
        #expect(close(GAE(gamma: 1, lambda: 0).estimate(rewards: rewards, values: values).advantages,
                      [-0.005 + 0.5 - 0.3, -0.02 + 0.8 - 0.5, 1.025 - 0.8], 1e-12))
        #expect(close(GAE(gamma: 0, lambda: 0.95).estimate(rewards: rewards, values: values).advantages,
                      [-0.305, -0.52, 0.225], 1e-12))
    }

    @Test func whiteningAsTRLAndAsOpenRLHF() {
        let a = [0.6640625, 0.49375, 0.225]
        #expect(close(Whitening(variance: .unbiased).apply(a), [0.91761140, 0.14822953, -1.06584094]))
        #expect(close(Whitening(variance: .biased).apply(a), [1.12383998, 0.18154338, -1.30538336]))
        let w = Whitening().apply([3, 1, 4, 1, 5])
        #expect(abs(w.reduce(0, +)) < 1e-12)
        #expect(Whitening().apply([2]) == [0])
        #expect(Whitening().apply([]).isEmpty)
    }

    @Test func groupBaselines() {
        let r = [1, 0, 0.5, 0.5]
        #expect(close(GroupBaseline.rloo.advantages(r), [2.0 / 3, -2.0 / 3, 0, 0], 1e-12))
        #expect(close(GroupBaseline.grpo.advantages(r), [1.22444494, -1.22444494, 0, 0]))
        #expect(close(GroupBaseline.grpo(scaled: true, epsilon: 1e-9).advantages(r), [1.22474487, -1.22474487, 0, 0]))
        #expect(close(GroupBaseline.grpo(scaled: false, epsilon: 0).advantages(r), [0.5, -0.5, 0, 0], 1e-12))
        // Equal rewards carry no signal; a lone sample has no baseline to compare with.
        #expect(GroupBaseline.grpo.advantages([0.3, 0.3, 0.3]) == [0, 0, 0])
        #expect(GroupBaseline.rloo.advantages([0.3, 0.3]) == [0, 0])
        #expect(GroupBaseline.rloo.advantages([0.7]) == [0])
        // RLOO's advantages of a group sum to zero.
        #expect(abs(GroupBaseline.rloo.advantages([0.1, 0.9, 0.4, 0.2, 0.8]).reduce(0, +)) < 1e-12)
    }
}

#if canImport(Glibc)
import Glibc
#endif
