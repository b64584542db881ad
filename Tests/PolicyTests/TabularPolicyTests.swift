import Foundation
import Policy
import Tensor
import Testing

@Suite struct TabularPolicyTests {
    @Test func probabilitiesAreASoftmaxAndSurviveLargeLogits() throws {
        let p = try TabularPolicy(responses: ["a", "b", "c"], logits: [0, log(2), 1000])
        #expect(abs(p.probabilities.reduce(0, +) - 1) < 1e-12)
        #expect(p.probabilities[2] > 0.999_999)
        let q = try TabularPolicy(responses: ["a", "b"], logits: [0, log(3)])
        #expect(abs(q.probabilities[1] - 0.75) < 1e-12)
        #expect(try TabularPolicy(responses: ["x", "y"]).probabilities == [0.5, 0.5])
    }

    @Test func gradientMatchesFiniteDifferences() throws {
        var p = try TabularPolicy(responses: ["a", "b", "c", "d"], logits: [0.3, -1, 2, 0.5])
        let g = [1.0, -2.0, 0.5, 0.25]
        let analytic = p.gradient(dLogProbabilities: g)
        for j in 0..<4 {
            let saved = p.logits[j]
            p.logits[j] = saved + 1e-6
            let up = zip(g, p.logProbabilities).map(*).reduce(0, +)
            p.logits[j] = saved - 1e-6
            let down = zip(g, p.logProbabilities).map(*).reduce(0, +)
            p.logits[j] = saved
            #expect(abs(analytic[j] - (up - down) / 2e-6) < 1e-7)
        }
    }

    @Test func samplingFollowsTheProbabilities() throws {
        let p = try TabularPolicy(responses: ["a", "b"], logits: [0, log(3)])
        var rng = RNG(seed: 1)
        var counts = [0, 0]
        for _ in 0..<10_000 { counts[p.sample(using: &rng)] += 1 }
        #expect(abs(Double(counts[1]) / 10_000 - 0.75) < 0.02)
    }

    @Test func rejectsMismatchedOrNonFiniteLogits() {
        #expect(throws: PolicyError.self) { try TabularPolicy(responses: []) }
        #expect(throws: PolicyError.self) { try TabularPolicy(responses: ["a"], logits: [0, 1]) }
        #expect(throws: PolicyError.self) { try TabularPolicy(responses: ["a"], logits: [.infinity]) }
    }
}
