@testable import Alignment
import Testing

/// A judge may leave pairs without a verdict (people who did not judge them in time: NaN). SPPO's win rates
/// then average what was judged, and are exactly the usual ones when everything was.
@Suite struct UnjudgedPairsTests {
    /// P(a ≻ b) from a table, NaN for the pairs it does not know.
    struct TableJudge: BatchJudge {
        let table: [String: Double]
        func probabilities(prompts: [String], a: [String], b: [String]) -> [Double] {
            prompts.indices.map { table["\(a[$0])>\(b[$0])"] ?? .nan }
        }
        func judgedRewards(prompts: [String], responses: [String]) -> [Double]? { nil }
    }

    @Test func winRatesAverageTheJudgedPairsOnly() throws {
        let full = TableJudge(table: ["x>y": 1, "x>z": 0.5, "y>z": 0])
        let rates = try TrainingRun.winRates(full, prompts: ["p"], responses: [["x", "y", "z"]])[0]
        // Row means including the diagonal's ½: x = (½ + 1 + ½)/3, y = (0 + ½ + 0)/3, z = (½ + 1 + ½)/3.
        let expected: [Double] = [2.0 / 3, 0.5 / 3, 2.0 / 3]
        #expect(rates == expected)

        // y–z unjudged: y averages (x>y lost, own ½) over 2, z (x>z ½, own ½) over 2, x over all 3.
        let partial = TableJudge(table: ["x>y": 1, "x>z": 0.5])
        let judged = try TrainingRun.winRates(partial, prompts: ["p"], responses: [["x", "y", "z"]])[0]
        let partialExpected: [Double] = [2.0 / 3, 0.25, 0.5]
        #expect(judged == partialExpected)

        // Nothing judged for a prompt: no estimate at all (its samples make no pair).
        let none = try TrainingRun.winRates(TableJudge(table: [:]), prompts: ["p", "q"], responses: [["x", "y"], ["x", "x"]])
        let unjudged = none.allSatisfy { $0.allSatisfy { $0.isNaN } }
        #expect(unjudged)
    }
}
