import Foundation
import Alignment
import Testing

/// The tabular run contract: exact updates from π_ref, per-iteration regularised-game metrics, field errors.
@Suite("Tabular runs")
struct TabularRunTests {
    func run(_ algorithm: String, _ game: TabularGame = .p3, _ hyper: [String: Double]) throws -> (TabularRun.Outcome, [[String: Double]]) {
        var series: [[String: Double]] = []
        let outcome = try TabularRun(algorithm: algorithm, game: game, hyperparameters: hyper).run { step, metrics in
            #expect(step == series.count, "iterations are reported in order from 0")
            series.append(metrics)
        }
        return (outcome, series)
    }

    @Test func nashMPFollowsTheClosedFormAndReachesTheEquilibrium() throws {
        let (outcome, series) = try run("nash_mp", .p3, ["beta": 0.1, "eta": 2, "iterations": 30])
        #expect(series.count == 31)
        // docs/ALGORITHMS.md §5.1 table: KL(π*‖π_k) at k = 1 and 30.
        expectRelativelyClose(series[1]["kl_to_equilibrium"] ?? 0, 2.133372e-1, relative: 1e-5)
        expectRelativelyClose(series[30]["kl_to_equilibrium"] ?? 0, 6.917309e-7, relative: 1e-4)
        expectClose(outcome.policy.probabilities, [0.454049, 0.148583, 0.397369], tolerance: 1e-6)
        let kl0 = series[0]["kl_to_equilibrium"] ?? 0
        for (k, metrics) in series.enumerated() {
            #expect((metrics["kl_to_equilibrium"] ?? 1) <= pow(1.2, -Double(k)) * kl0 * (1 + 1e-12))
        }
        let long = try run("nash_mp", .rpsHard, ["beta": 0.1, "iterations": 300]).0
        #expect((long.summary["duality_gap"] ?? 1) < 1e-8)
    }

    @Test func inpoAndNashMDReachTheirEquilibrium() throws {
        let inpo = try run("inpo", .p3, ["beta": 0.1, "eta": 1, "iterations": 300]).0
        #expect((inpo.summary["duality_gap"] ?? 1) < 1e-8)
        let md = try run("nash_md", .p3, ["beta": 0.1, "iterations": 1000]).0
        expectRelativelyClose(md.summary["kl_to_equilibrium"] ?? 0, 1.4e-6, relative: 0.1)
    }

    @Test func sppoReportsTheAverageIterate() throws {
        let (outcome, series) = try run("sppo", .p3, ["eta": 0.1, "iterations": 100])
        expectClose(outcome.summary["exploitability"] ?? 0, 0.16458, tolerance: 5e-5)
        expectClose(outcome.summary["exploitability/last"] ?? 0, 0.12560, tolerance: 5e-5)
        #expect(outcome.averagePolicy != nil)
        // P3's Nash equilibrium (2/9, 1/3, 4/9) has full support, so KL to it is reported.
        #expect(series[100]["kl_to_equilibrium"] != nil)
        expectClose(try #require(outcome.equilibrium).probabilities, [2.0 / 9, 1.0 / 3, 4.0 / 9], tolerance: 1e-9)
    }

    @Test func dpoStaysExploitableOnIntransitiveGames() throws {
        for game in [TabularGame.p3, .rpsHard, .rpslsSoft5] {
            let (outcome, series) = try run("dpo", game, ["beta": 0.1])
            #expect(series.count == 2)
            #expect((outcome.summary["duality_gap"] ?? 0) > 1e-3)
        }
    }

    @Test func badHyperparametersNameTheirField() throws {
        func field(_ algorithm: String, _ hyper: [String: Double]) -> String? {
            do {
                _ = try TabularRun(algorithm: algorithm, game: .p3, hyperparameters: hyper)
                return nil
            } catch {
                return error.field
            }
        }
        #expect(field("nash_mp", ["beta": 0, "eta": 1]) == "hyperparameters.beta")
        #expect(field("nash_mp", ["beta": -1]) == "hyperparameters.beta")
        #expect(field("nash_mp", ["beta": .nan]) == "hyperparameters.beta")
        #expect(field("inpo", ["beta": 0.1, "eta": 20]) == "hyperparameters.eta")
        #expect(field("sppo", ["beta": 0.1]) == "hyperparameters.beta")
        #expect(field("dpo", ["beta": 0.1, "iterations": 3]) == "hyperparameters.iterations")
        #expect(field("ppo", [:]) == "algorithm")
        #expect(field("nash_mp", ["beta": 0.1, "iterations": 1.5]) == "hyperparameters.iterations")
        let accepted = try TabularRun(algorithm: "nash_mp", game: .p3, hyperparameters: ["beta": 0.1, "eta": 4])
        #expect(accepted.warnings.count == 1)
        // Coefficients so large that η·β would overflow are refused up front, not left to produce NaN.
        #expect(field("dpo", ["beta": 1e308]) == "hyperparameters.beta")
        #expect(field("nash_mp", ["beta": 0.1, "eta": 1e300]) == "hyperparameters.eta")
    }

    /// The largest accepted coefficients run to finite probability vectors (no NaN reaches a policy).
    @Test func largestAcceptedCoefficientsStayFinite() throws {
        let big = TabularRun.maxCoefficient
        for (algorithm, hyper) in [("dpo", ["beta": big]), ("sppo", ["eta": big, "iterations": 5]),
                                   ("nash_mp", ["beta": big, "eta": big, "iterations": 5]),
                                   ("inpo", ["beta": big, "eta": 1 / big, "iterations": 5])] as [(String, [String: Double])] {
            let (outcome, _) = try run(algorithm, .rpsHard, hyper)
            #expect(outcome.policy.probabilities.allSatisfy { $0.isFinite }, "\(algorithm): \(outcome.policy.probabilities)")
        }
    }
}
