import Alignment
import Testing

/// End-to-end: each algorithm at its default hyperparameters, started from the task's SFT reference, against
/// the task's oracle, at three training seeds. Serialized so that each run has the machine's cores to itself.
///
/// Margins: the win rate's 95% interval (the evaluations' bootstrap over prompts, on 100 prompts × 128 = 12800
/// paired comparisons for arithmetic, 16 × 128 = 2048 for styles) must lie above ½. On the cycle the regularised
/// equilibrium itself beats the reference only by 0.59 (see ``StylesTask``), so the margin there is thin.
/// Exploitability is a mean of per-prompt maxima over candidates of means of 128 oracle probabilities: its
/// standard error is below 0.45/√2048 ≈ 0.01 per run, so a gap of 0.05 between two runs is over three standard
/// errors of the difference.
@Suite(.serialized) struct AlignmentImprovementTests {
    static let seeds: [UInt64] = [1, 2, 3]
    static let styles: [String: HyperValue] = ["eval_samples": .number(128)]
    static let margin = 0.05

    func expectImproves(
        _ algorithm: String, on task: any TextTask, seed: UInt64, _ hyper: [String: HyperValue] = [:]
    ) throws -> [String: Double] {
        let s = try train(algorithm, on: task, hyper, seed: seed).outcome.summary
        let low = try #require(s["eval/win_rate_low"])
        #expect(low > 0.5, "\(algorithm) on \(task.name), seed \(seed): win rate \(s["eval/win_rate"] ?? .nan), interval from \(low)")
        return s
    }

    @Test(arguments: seeds) func dpoImprovesArithmetic(seed: UInt64) throws { _ = try expectImproves("dpo", on: ArithmeticTask(), seed: seed) }
    @Test(arguments: seeds) func sppoImprovesArithmetic(seed: UInt64) throws { _ = try expectImproves("sppo", on: ArithmeticTask(), seed: seed) }
    @Test(arguments: seeds) func inpoImprovesArithmetic(seed: UInt64) throws { _ = try expectImproves("inpo", on: ArithmeticTask(), seed: seed) }
    @Test(arguments: seeds) func nashMPImprovesArithmetic(seed: UInt64) throws { _ = try expectImproves("nash_mp", on: ArithmeticTask(), seed: seed) }
    @Test(arguments: seeds) func nashMPPolicyGradientImprovesArithmetic(seed: UInt64) throws {
        _ = try expectImproves("nash_mp", on: ArithmeticTask(), seed: seed, ["prox_solver": .string("policy_gradient")])
    }
    @Test(arguments: seeds) func nashMDImprovesArithmetic(seed: UInt64) throws { _ = try expectImproves("nash_md", on: ArithmeticTask(), seed: seed) }

    /// DPO's evaluation on the cyclic task per seed, computed once (by whichever test first asks) for the comparisons.
    /// A failed run keeps its error, which each test using that seed rethrows.
    static let dpoStyles: [UInt64: Result<[String: Double], any Error>] = {
        var results: [UInt64: Result<[String: Double], any Error>] = [:]
        for seed in seeds { results[seed] = Result { try train("dpo", on: StylesTask(), styles, seed: seed).outcome.summary } }
        return results
    }()

    /// On the cycle, DPO still beats the reference it started from: it drops the dominated hush and moves towards
    /// the Bradley–Terry favourite of the reference's pairs (loud, the reference's best response). How far it
    /// collapses onto it depends on the reference (docs/ALGORITHMS.md §1.5, §6.3 give the population optimum), so what
    /// is asserted of its exploitability is only the comparison with the Nash methods below.
    @Test(arguments: seeds) func dpoImprovesStyles(seed: UInt64) throws {
        let s = try #require(Self.dpoStyles[seed]).get()
        let low = try #require(s["eval/win_rate_low"])
        #expect(low > 0.5, "dpo on styles, seed \(seed): win rate \(s["eval/win_rate"] ?? .nan), interval from \(low)")
    }

    /// INPO and Nash-MP regularise towards π_ref and aim for the regularised equilibrium: each must beat the
    /// reference and end less exploitable than DPO from the same seed. Nash-MP (either prox solver) must also end
    /// less exploitable than the reference, as its last-iterate rate promises; INPO's single noisy regression per
    /// iteration leaves its last iterate jittering around the equilibrium (0.06–0.20 over seeds 1–5 against the
    /// reference's 0.19), so for it only the comparison with DPO is asserted.
    func expectNashBeatsDPO(
        _ algorithm: String, seed: UInt64, _ hyper: [String: HyperValue] = [:], belowReference: Bool
    ) throws {
        let s = try expectImproves(algorithm, on: StylesTask(), seed: seed, Self.styles.merging(hyper) { $1 })
        let dpoSummary = try #require(Self.dpoStyles[seed]).get()
        let dpo = try #require(dpoSummary["eval/exploitability"])
        let mine = try #require(s["eval/exploitability"]), reference = try #require(s["eval/reference_exploitability"])
        #expect(mine < dpo - Self.margin, "seed \(seed): \(algorithm) exploitability \(mine) vs DPO \(dpo)")
        if belowReference {
            #expect(mine < reference, "seed \(seed): \(algorithm) exploitability \(mine) vs reference \(reference)")
        }
    }

    @Test(arguments: seeds) func inpoIsLessExploitableThanDPO(seed: UInt64) throws {
        try expectNashBeatsDPO("inpo", seed: seed, belowReference: false)
    }
    @Test(arguments: seeds) func nashMPIsLessExploitableThanDPO(seed: UInt64) throws {
        try expectNashBeatsDPO("nash_mp", seed: seed, belowReference: true)
    }
    @Test(arguments: seeds) func nashMPPolicyGradientIsLessExploitableThanDPO(seed: UInt64) throws {
        try expectNashBeatsDPO("nash_mp", seed: seed, ["prox_solver": .string("policy_gradient")], belowReference: true)
    }

    /// SPPO's last iterate has no such guarantee (docs/ALGORITHMS.md §2.5: its multiplicative-weights iterates cycle
    /// around the equilibrium; the tabular tests check its average iterate), and Nash-MD's stochastic mixture
    /// steps stay near the reference's exploitability: on the cycle each must only beat the reference.
    @Test(arguments: seeds) func sppoImprovesStyles(seed: UInt64) throws {
        _ = try expectImproves("sppo", on: StylesTask(), seed: seed, Self.styles)
    }
    @Test(arguments: seeds) func nashMDImprovesStyles(seed: UInt64) throws {
        _ = try expectImproves("nash_md", on: StylesTask(), seed: seed, Self.styles)
    }
}
