import Alignment
import Testing

/// Validation of user-supplied games (the tabular runs API posts raw matrices and vectors).
@Suite("Tabular validation")
struct PreferenceMatrixTests {
    /// Runs `body` and returns the ``TabularError`` code it threw, or nil (any other error fails the test).
    func code(_ body: () throws -> Void) -> TabularError.Code? {
        do {
            try body()
            return nil
        } catch let error as TabularError {
            return error.code
        } catch {
            Issue.record("unexpected error \(error)")
            return nil
        }
    }

    @Test func builtInGamesMatchSection6_1() {
        #expect(PreferenceMatrix.p3.rows == [[0.5, 0.9, 0.2], [0.1, 0.5, 0.7], [0.8, 0.3, 0.5]])
        #expect(PreferenceMatrix.rpsHard.rows == [[0.5, 1, 0], [0, 0.5, 1], [1, 0, 0.5]])
        // RPSLS: y_i beats y_j w.p. 0.9 when (j − i) mod 5 ∈ {1, 3}.
        #expect(PreferenceMatrix.rpslsSoft5.rows[0] == [0.5, 0.9, 0.1, 0.9, 0.1])
        #expect(PreferenceMatrix.rpslsSoft5.rows[4] == [0.9, 0.1, 0.9, 0.1, 0.5])
        expectClose(TabularGame.rpslsSoft5.reference.probabilities, [0.4, 0.25, 0.15, 0.12, 0.08], tolerance: 1e-15)
    }

    // Unregularised Nash equilibria of §6.1 are unexploitable: P3 → (2/9, 1/3, 4/9), RPS and RPSLS uniform.
    @Test func unregularisedNashHasZeroExploitability() throws {
        #expect(abs(PreferenceMatrix.p3.exploitability(of: try ProbabilityVector([2.0 / 9, 1.0 / 3, 4.0 / 9]))) < 1e-15)
        #expect(abs(PreferenceMatrix.rpsHard.exploitability(of: .uniform(3))) < 1e-15)
        #expect(abs(PreferenceMatrix.rpslsSoft5.exploitability(of: .uniform(5))) < 1e-15)
    }

    @Test func rejectsMalformedMatrices() {
        #expect(code { _ = try PreferenceMatrix([]) } == .empty)
        #expect(code { _ = try PreferenceMatrix([[0.5, 0.5], [0.5]]) } == .notSquare)
        #expect(code { _ = try PreferenceMatrix([[0.5, 0.5, 0.5], [0.5, 0.5, 0.5]]) } == .notSquare)
        #expect(code { _ = try PreferenceMatrix([[0.5, .nan], [0.5, 0.5]]) } == .nonFinite)
        #expect(code { _ = try PreferenceMatrix([[0.5, 1.2], [-0.2, 0.5]]) } == .entryOutOfRange)
        #expect(code { _ = try PreferenceMatrix([[0.5, 0.7], [0.7, 0.5]]) } == .notComplementary)
        #expect(code { _ = try PreferenceMatrix([[0.4, 0.7], [0.3, 0.5]]) } == .diagonalNotHalf)
        // Rounding within the tolerance is accepted.
        #expect(code { _ = try PreferenceMatrix([[0.5, 0.7 + 1e-12], [0.3, 0.5]]) } == nil)
    }

    @Test func errorsNameTheOffendingEntry() {
        do {
            _ = try PreferenceMatrix([[0.5, 0.9, 0.2], [0.1, 0.5, 0.7], [0.8, 0.4, 0.5]])
            Issue.record("expected a complementarity error")
        } catch {
            #expect(error.code == .notComplementary)
            #expect(error.message.contains("P[1][2]"))
        }
    }

    @Test func rejectsMalformedPolicies() throws {
        #expect(code { _ = try ProbabilityVector([]) } == .empty)
        #expect(code { _ = try ProbabilityVector([0.5, 0.5, 0]) } == .notPositive)
        #expect(code { _ = try ProbabilityVector([1.2, -0.2]) } == .notPositive)
        #expect(code { _ = try ProbabilityVector([0.5, 0.6]) } == .notNormalized)
        #expect(code { _ = try ProbabilityVector([0.5, .infinity]) } == .nonFinite)
        #expect(code { _ = try TabularGame(preferenceMatrix: PreferenceMatrix.p3.rows, reference: [0.5, 0.5]) } == .dimensionMismatch)
        #expect(code { try TabularGame.p3.validate(.uniform(5)) } == .dimensionMismatch)
        // A vector summing to 1 up to rounding is renormalised exactly.
        let policy = try ProbabilityVector([0.1, 0.2, 0.7 + 1e-12])
        expectClose(policy.probabilities.reduce(0, +), 1, tolerance: 1e-15)
    }

    // One tolerance for both inputs of a game: numbers rounded alike are accepted, or refused, together.
    @Test func matrixAndReferenceShareOneTolerance() {
        let within = TabularGame.inputTolerance / 2, beyond = TabularGame.inputTolerance * 2
        #expect(code { _ = try TabularGame(preferenceMatrix: [[0.5, 0.75 + within], [0.25, 0.5]], reference: [0.5, 0.5 + within]) } == nil)
        #expect(code { _ = try PreferenceMatrix([[0.5, 0.75 + beyond], [0.25, 0.5]]) } == .notComplementary)
        #expect(code { _ = try ProbabilityVector([0.5, 0.5 + beyond]) } == .notNormalized)
    }

    @Test func rejectsInvalidSolverInputs() {
        #expect(code { _ = try RegularizedNashSolver(beta: 0).solve(.p3) } == .invalidParameter)
        #expect(code { _ = try RegularizedNashSolver(beta: 0.01, maxIterations: 3).solve(.p3) } == .didNotConverge)
        #expect(code { _ = try DPOPopulationOptimum(beta: -1).policy(in: .p3) } == .invalidParameter)
        #expect(code { _ = try DPOPopulationOptimum(beta: 0.1, weighting: .custom([[1]])).rewards(in: .p3) } == .dimensionMismatch)
        #expect(code {
            _ = try DPOPopulationOptimum(beta: 0.1, weighting: .custom([[0, -1, 1], [1, 0, 1], [1, 1, 0]])).rewards(in: .p3)
        } == .notPositive)
    }

    // A deterministic transitive order (y1 always beats y2, y2 always beats y3) has no finite BT maximiser.
    @Test func transitiveHardPreferencesHaveNoFiniteDPOOptimum() throws {
        let game = try TabularGame(preferenceMatrix: [[0.5, 1, 1], [0, 0.5, 1], [0, 0, 0.5]], reference: [0.6, 0.3, 0.1])
        #expect(code { _ = try DPOPopulationOptimum(beta: 0.1).policy(in: game) } == .noFiniteOptimum)
    }
}
