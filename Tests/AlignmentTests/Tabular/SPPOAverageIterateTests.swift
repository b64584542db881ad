import Alignment
import Testing

/// SPPO's MWU converges only on average (docs/ALGORITHMS.md §2.5): P3, π_0 = (0.6, 0.3, 0.1), η = 1/√T.
@Suite("SPPO average iterate (docs/ALGORITHMS.md §2.5)")
struct SPPOAverageIterateTests {
    @Test func averageIterateExploitabilityFalls() {
        let game = TabularGame.p3
        // (T, average-iterate exploitability, last-iterate exploitability) from the table; the average is
        // over π_1 … π_T.
        let table: [(Int, Double, Double)] = [(100, 0.16458, 0.12560), (1000, 0.05481, 0.10895), (10_000, 0.00853, 0.25337)]
        var previous = Double.infinity
        for (steps, average, last) in table {
            let path = ExactSPPO(eta: 1 / Double(steps).squareRoot()).iterates(from: game.reference, count: steps, in: game)
            let mean = ProbabilityVector.average(Array(path.dropFirst()))
            let exploitability = game.matrix.exploitability(of: mean)
            expectClose(exploitability, average, tolerance: 5e-5)
            expectClose(game.matrix.exploitability(of: path[steps]), last, tolerance: 5e-5)
            #expect(exploitability < previous)
            previous = exploitability
        }
        // The last iterate is not required to converge, and here it does not.
        #expect(previous < 0.01)
    }
}
