import Storage
import Testing

@Suite struct FleissKappaTests {
    private func close(_ x: Double?, _ y: Double, within tolerance: Double = 1e-9) -> Bool {
        guard let x else { return false }
        return abs(x - y) <= tolerance
    }

    /// Wikipedia, "Fleiss' kappa", worked example: 10 subjects, 14 raters, 5 categories.
    @Test func matchesTheWikipediaWorkedExample() throws {
        let table = [
            [0, 0, 0, 0, 14], [0, 2, 6, 4, 2], [0, 0, 3, 5, 6], [0, 3, 9, 2, 0], [2, 2, 8, 1, 1],
            [7, 7, 0, 0, 0], [3, 2, 6, 3, 0], [2, 5, 3, 2, 2], [6, 5, 2, 1, 0], [0, 2, 2, 3, 7],
        ]
        let result = try #require(FleissKappa.compute(table))
        #expect(result.subjects == 10)
        #expect(close(result.observedAgreement, 0.378021978021978))
        #expect(close(result.expectedAgreement, 0.21275510204081632))
        #expect(close(result.kappa, 0.20993070442195522))
        #expect(close(result.kappa, 0.210, within: 0.0005))
    }

    @Test func handComputedCases() {
        // (a,a), (a,b): P̄ = 1/2, p = (3/4, 1/4), P_e = 5/8, κ = −1/3.
        #expect(close(FleissKappa.compute([[2, 0, 0], [1, 1, 0]])?.kappa, -1.0 / 3.0))
        // (a,a,b), (b,b,b), (tie,tie,a): P̄ = 5/9, P_e = 29/81, κ = 4/13.
        #expect(close(FleissKappa.compute([[2, 1, 0], [0, 3, 0], [1, 0, 2]])?.kappa, 4.0 / 13.0))
        // Unequal raters (a,a), (a,b,b): P̄ = 2/3, P_e = 13/25, κ = 11/36.
        #expect(close(FleissKappa.compute([[2, 0, 0], [1, 2, 0]])?.kappa, 11.0 / 36.0))
        // Perfect agreement across two categories, and perfect disagreement.
        #expect(close(FleissKappa.compute([[2, 0, 0], [0, 2, 0]])?.kappa, 1))
        #expect(close(FleissKappa.compute([[1, 1, 0], [1, 1, 0]])?.kappa, -1))
    }

    @Test func degenerateWhenEveryRatingIsOneCategory() throws {
        let result = try #require(FleissKappa.compute([[3, 0, 0], [2, 0, 0]]))
        #expect(result.kappa == nil)
        #expect(result.observedAgreement == 1)
        #expect(result.expectedAgreement == 1)
    }

    @Test func subjectsWithFewerThanTwoRatingsAreIgnored() {
        #expect(FleissKappa.compute([]) == nil)
        #expect(FleissKappa.compute([[1, 0, 0], [0, 0, 0]]) == nil)
        #expect(FleissKappa.compute([[2, 0, 0], [1, 1, 0], [0, 1, 0]]) == FleissKappa.compute([[2, 0, 0], [1, 1, 0]]))
    }
}
