import Alignment
import Testing

/// End-to-end: each algorithm, started from the task's SFT reference, against the task's oracle.
/// Serialized so that each run has the machine's cores to itself (they are seconds long in debug).
///
/// Margins: the win rate's 95% interval (normal, on 20 prompts × 32 = 640 paired comparisons for
/// arithmetic, 4 × 64 = 256 for styles; half-width ≈ 0.03 / 0.04) must lie above ½. Exploitability is a mean of
/// per-prompt maxima over candidates of means of 64 oracle probabilities: its standard error is below
/// 0.45/√256 ≈ 0.03 per run, so a gap of 0.1 between two runs is over two standard errors of the difference.
@Suite(.serialized) struct AlignmentImprovementTests {
    static let styles: [String: HyperValue] = ["eval_samples": .number(64)]

    func expectImproves(_ algorithm: String, on task: any TextTask, _ hyper: [String: HyperValue] = [:]) throws -> [String: Double] {
        let result = try train(algorithm, on: task, hyper)
        let s = result.outcome.summary
        let low = try #require(s["eval/win_rate_low"])
        #expect(low > 0.5, "\(algorithm) on \(task.name): win rate \(s["eval/win_rate"] ?? .nan), interval from \(low)")
        return s
    }

    @Test func dpoImprovesArithmetic() throws { _ = try expectImproves("dpo", on: ArithmeticTask()) }
    @Test func sppoImprovesArithmetic() throws { _ = try expectImproves("sppo", on: ArithmeticTask()) }
    @Test func inpoImprovesArithmetic() throws { _ = try expectImproves("inpo", on: ArithmeticTask()) }
    @Test func nashMPImprovesArithmetic() throws { _ = try expectImproves("nash_mp", on: ArithmeticTask()) }

    /// DPO's evaluation on the cyclic task, computed once (by the first test below) for the comparisons.
    static let dpoStyles: [String: Double]? = {
        (try? train("dpo", on: StylesTask(), ["eval_samples": .number(64)]))?.outcome.summary
    }()
    static var dpoStylesExploitability: Double? { dpoStyles?["eval/exploitability"] }

    /// Offline DPO fits a Bradley–Terry ranking to a cycle and collapses onto its favourite style
    /// (algorithms.md §1.5, §6.3): it ends *more* exploitable than the reference it started from.
    @Test func dpoOnACycleBecomesExploitable() throws {
        let s = try #require(Self.dpoStyles)
        let mine = try #require(s["eval/exploitability"]), reference = try #require(s["eval/reference_exploitability"])
        #expect(mine > reference + 0.1, "DPO exploitability \(mine) vs reference \(reference)")
    }

    /// `anchored`: the method regularises towards π_ref and has a last-iterate guarantee (INPO, Nash-MP), so it
    /// must also end less exploitable than the reference. SPPO's last iterate has none (algorithms.md §2.5: its
    /// multiplicative-weights iterates cycle around the equilibrium), so it is only compared with DPO.
    func expectLessExploitableThanDPO(_ algorithm: String, anchored: Bool) throws {
        let s = try expectImproves(algorithm, on: StylesTask(), Self.styles)
        let dpo = try #require(Self.dpoStylesExploitability)
        let mine = try #require(s["eval/exploitability"])
        #expect(mine < dpo - 0.1, "\(algorithm) exploitability \(mine) vs DPO \(dpo)")
        if anchored {
            #expect(mine < (s["eval/reference_exploitability"] ?? 0), "\(algorithm) more exploitable than the reference")
        }
    }

    @Test func inpoIsLessExploitableThanDPO() throws { try expectLessExploitableThanDPO("inpo", anchored: true) }
    @Test func nashMPIsLessExploitableThanDPO() throws { try expectLessExploitableThanDPO("nash_mp", anchored: true) }
    @Test func sppoIsLessExploitableThanDPO() throws { try expectLessExploitableThanDPO("sppo", anchored: false) }
}
