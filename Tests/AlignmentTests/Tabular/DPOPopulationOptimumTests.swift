import Alignment
import Testing

/// DPO's population optimum is not the regularised Nash equilibrium on intransitive games (docs/ALGORITHMS.md §6.3).
@Suite("DPO population optimum (docs/ALGORITHMS.md §1.5, §6.3)")
struct DPOPopulationOptimumTests {
    @Test func p3UniformPairs() throws {
        let game = TabularGame.p3
        let dpo = DPOPopulationOptimum(beta: 0.1)
        // y1 and y3 tie although y3 beats y1 w.p. 0.8.
        expectClose(try dpo.rewards(in: game), [0.135155, -0.270310, 0.135155], tolerance: 1e-6)
        let policy = try dpo.policy(in: game)
        expectClose(policy.probabilities, [0.850819, 0.007377, 0.141803], tolerance: 1e-6)
        expectClose(game.matrix.exploitability(of: policy), 0.2538, tolerance: 5e-5)
        expectClose(game.dualityGap(of: policy, beta: 0.1), 0.1679, tolerance: 5e-5)
        let atOne = try DPOPopulationOptimum(beta: 1).policy(in: game)
        expectClose(atOne.probabilities, [0.666667, 0.222222, 0.111111], tolerance: 1e-6)
        expectClose(game.dualityGap(of: atOne, beta: 1), 0.0024, tolerance: 5e-5)
    }

    // Pairs drawn from π_ref × π_ref give a different answer: offline DPO depends on the sampling distribution.
    @Test func p3ReferencePairs() throws {
        let dpo = DPOPopulationOptimum(beta: 0.1, weighting: .reference)
        expectClose(try dpo.rewards(in: .p3), [0.44068, -1.018544, 0.577864], tolerance: 5e-6)
        let policy = try dpo.policy(in: .p3).probabilities
        expectClose(policy, [0.603466, 0, 0.396534], tolerance: 1e-5)
        #expect(policy[1] > 0 && policy[1] < 1e-4)
    }

    // Symmetric cycles give the BT rewards no signal: r̂ ≡ 0 and DPO returns π_ref.
    @Test func symmetricCyclesReturnTheReference() throws {
        for (game, gap, exploitability) in [(TabularGame.rpsHard, 0.1487, 0.15), (.rpslsSoft5, 0.0545, 0.076)] {
            let dpo = DPOPopulationOptimum(beta: 0.1)
            #expect(try dpo.rewards(in: game).allSatisfy { abs($0) < 1e-12 })
            let policy = try dpo.policy(in: game)
            expectClose(policy.probabilities, game.reference.probabilities, tolerance: 1e-12)
            expectClose(game.dualityGap(of: policy, beta: 0.1), gap, tolerance: 5e-5)
            expectClose(game.matrix.exploitability(of: policy), exploitability, tolerance: 5e-4)
        }
    }

    // Issue 5: DPO's optimum stays exploitable on the intransitive games while π*_β is not: gap(π_DPO) > 1e-2,
    // gap(π*_β) < 1e-10, and the unregularised exploitability of π_DPO stays above 0.05.
    @Test func dpoStaysExploitableWhereNashDoesNot() throws {
        for game in [TabularGame.p3, .rpsHard, .rpslsSoft5] {
            for beta in [0.01, 0.1] {
                let dpo = try DPOPopulationOptimum(beta: beta).policy(in: game)
                let star = try RegularizedNashSolver(beta: beta).solve(game)
                #expect(game.dualityGap(of: dpo, beta: beta) > 1e-2)
                #expect(game.dualityGap(of: star, beta: beta) < 1e-10)
                #expect(game.matrix.exploitability(of: dpo) > 0.05)
            }
        }
    }

    // On a transitive soft game BT is well specified and the MLE recovers the generating rewards.
    @Test func transitiveGameRecoversBTRewards() throws {
        let r = [1.0, 0.0, -1.0]
        let rows = r.map { ri in r.map { rj in 1 / (1 + exp(rj - ri)) } }
        let game = try TabularGame(preferenceMatrix: rows, reference: [0.2, 0.3, 0.5])
        expectClose(try DPOPopulationOptimum(beta: 0.5, weighting: .reference).rewards(in: game), r, tolerance: 1e-10)
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
