import Alignment
import Testing

/// Small β: the runs end `succeeded` with their equilibrium metric when π*_β can be certified, with that
/// metric null and a warning when it cannot, and a β too small to compute with is refused up front.
@Suite("Tabular runs at small beta")
struct TabularSmallBetaTests {
    /// P3 plus a fourth response that every other beats w.p. 0.9: the Nash equilibrium (2/9, 1/3, 4/9, 0) is
    /// sparse, and at β = 1e-3 π*_β puts about e^-400 on the fourth response.
    static func sparseGame() throws -> TabularGame {
        try TabularGame(
            preferenceMatrix: [[0.5, 0.9, 0.2, 0.9], [0.1, 0.5, 0.7, 0.9], [0.8, 0.3, 0.5, 0.9], [0.1, 0.1, 0.1, 0.5]],
            reference: [0.25, 0.25, 0.25, 0.25])
    }

    func run(_ algorithm: String, _ hyperparameters: [String: Double]) throws -> (TabularRun.Outcome, [[String: Double]]) {
        var series: [[String: Double]] = []
        let run = try TabularRun(algorithm: algorithm, game: try Self.sparseGame(), hyperparameters: hyperparameters)
        let outcome = try run.run { _, metrics in series.append(metrics) }
        return (outcome, series)
    }

    // The iterates converge, but the fixed-point residual r = log π − log π_ref − Pπ/β of the converged π*_β
    // stalls near 1.5e-11 (its terms are of size 1/β): an absolute 1e-12 failed these runs.
    @Test(arguments: ["nash_mp", "dpo", "inpo"])
    func runsAtBetaOneThousandthReportTheirEquilibrium(algorithm: String) throws {
        let (outcome, series) = try run(algorithm, algorithm == "dpo" ? ["beta": 1e-3] : ["beta": 1e-3, "iterations": 50])
        #expect(outcome.unavailable.isEmpty)
        #expect(outcome.warnings.isEmpty)
        let star = try #require(outcome.equilibrium)
        let game = try Self.sparseGame()
        // Certified in the β-scaled form: β·r is a difference of probabilities.
        #expect(1e-3 * game.equilibriumResidual(of: star, beta: 1e-3) < 1e-12)
        #expect(star.logProbabilities[3] < -300, "the dominated response keeps only a trace of mass")
        expectClose(Array(star.probabilities.prefix(3)), [2.0 / 9, 1.0 / 3, 4.0 / 9], tolerance: 1e-2)
        for metrics in series { #expect(metrics["kl_to_equilibrium"]?.isFinite == true) }
    }

    // β = 1e-5 would need about 1.3 million Nash-MP iterations to certify π*_β: past the solver's budget. The
    // run still succeeds; only the metric that needs π*_β is null, and the outcome says why.
    @Test func anUncertifiedEquilibriumNullsItsMetricWithAWarning() throws {
        let (outcome, series) = try run("dpo", ["beta": 1e-5])
        #expect(outcome.equilibrium == nil)
        #expect(outcome.unavailable == ["kl_to_equilibrium"])
        #expect(outcome.summary["kl_to_equilibrium"] == nil)
        #expect(series.allSatisfy { $0["kl_to_equilibrium"] == nil })
        #expect(outcome.warnings.count == 1)
        #expect(outcome.warnings.first?.contains("kl_to_equilibrium") == true)
        #expect(outcome.summary["exploitability"]?.isFinite == true)
        #expect(outcome.summary["duality_gap"]?.isFinite == true)
    }

    @Test func betaTooSmallToComputeWithIsRefused() {
        func field(_ algorithm: String, _ beta: Double) -> String? {
            do {
                _ = try TabularRun(algorithm: algorithm, game: .p3, hyperparameters: ["beta": beta])
                return nil
            } catch {
                return error.field
            }
        }
        for beta in [1e-300, .leastNonzeroMagnitude, 1e-7] {
            for algorithm in ["dpo", "nash_mp", "inpo", "nash_md"] {
                #expect(field(algorithm, beta) == "hyperparameters.beta", "\(algorithm) at beta = \(beta)")
            }
        }
        #expect(field("nash_mp", TabularRun.minBeta) == nil)
    }
}
