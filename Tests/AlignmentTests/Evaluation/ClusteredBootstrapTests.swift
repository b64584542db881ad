@testable import Alignment
import Tensor
import Testing

@Suite struct ClusteredBootstrapTests {
    /// The interval's coverage, by simulation: prompts with win probabilities spread around a known mean
    /// (0.6), 8 Bernoulli verdicts each; the 95% interval must cover 0.6 in 93–97% of 400 replications.
    @Test func coversTheTrueMeanAtItsNominalRate() {
        var rng = RNG(seed: 1)
        var covered = 0
        let replications = 400
        for r in 0..<replications {
            var sums: [Double] = [], counts: [Int] = []
            for _ in 0..<64 {
                let p = 0.3 + 0.6 * rng.nextDouble()  // U(0.3, 0.9): mean 0.6
                sums.append(Double((0..<8).filter { _ in rng.nextDouble() < p }.count))
                counts.append(8)
            }
            let bootstrap = ClusteredBootstrap(resamples: 1000, seed: UInt64(r))
            if let (_, low, high) = bootstrap.interval(sums: sums, counts: counts), low <= 0.6, 0.6 <= high { covered += 1 }
        }
        let coverage = Double(covered) / Double(replications)
        #expect((0.93...0.97).contains(coverage), "coverage \(coverage)")
    }

    /// Samples of one prompt that agree with each other carry less information than independent ones: the
    /// cluster interval is wider than the Wald interval over samples when prompts differ.
    @Test func isWiderThanTheSampleWaldIntervalWhenPromptsDiffer() throws {
        // Half the prompts always won, half always lost: 0.5 overall, but only 20 independent units.
        let sums = (0..<20).map { Double($0 % 2 == 0 ? 10 : 0) }
        let counts = [Int](repeating: 10, count: 20)
        let (estimate, low, high) = try #require(ClusteredBootstrap(resamples: 2000, seed: 1).interval(sums: sums, counts: counts))
        #expect(estimate == 0.5)
        let wald = 1.96 * (0.25 / 200).squareRoot()
        #expect(high - low > 2 * wald * 2, "\(low)...\(high) vs ±\(wald)")
        #expect(low < 0.5 && 0.5 < high)
    }

    @Test func quantileInterpolatesLikeNumpy() {
        #expect(ClusteredBootstrap.quantile([1, 2, 3, 4], 0.5) == 2.5)
        #expect(ClusteredBootstrap.quantile([1, 2, 3, 4], 0) == 1)
        #expect(ClusteredBootstrap.quantile([1, 2, 3, 4], 1) == 4)
        #expect(abs(ClusteredBootstrap.quantile([0, 10], 0.025) - 0.25) < 1e-12)
        #expect(ClusteredBootstrap().interval(sums: [], counts: []) == nil)
        let one = ClusteredBootstrap().interval(sums: [3], counts: [4])
        #expect(one?.estimate == 0.75 && one?.low == 0 && one?.high == 1, "one prompt: no spread to estimate")
    }

    /// Against scipy.stats.t.ppf(0.975, df).
    @Test func studentQuantiles() {
        for (df, expected) in [(1, 12.706205), (4, 2.776445), (9, 2.262157), (10, 2.228139), (12, 2.178813), (30, 2.042272), (63, 1.998341), (1000, 1.962339)] {
            #expect(abs(ClusteredBootstrap.studentT975(degrees: df) - expected) < 1e-3, "df \(df)")
        }
    }
}
