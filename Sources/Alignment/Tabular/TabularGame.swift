/// A preference game over n responses for one prompt: the matrix and the reference policy π_ref.
///
/// The regularised game of NLHF is `V(π, π') = P(π≻π') − β KL(π‖π_ref) + β KL(π'‖π_ref)` (docs/ALGORITHMS.md §0);
/// its equilibrium, duality gap and best responses are in `TabularGame+Regularized.swift`.
public struct TabularGame: Sendable, Hashable {
    /// `P(y_i ≻ y_j)`.
    public let matrix: PreferenceMatrix
    /// The anchor policy π_ref (the SFT model in the LLM setting).
    public let reference: ProbabilityVector

    /// Pairs a matrix with a reference of the same size.
    public init(matrix: PreferenceMatrix, reference: ProbabilityVector) throws(TabularError) {
        guard matrix.count == reference.count else {
            throw TabularError(
                .dimensionMismatch, "reference has \(reference.count) entries, the matrix \(matrix.count) rows")
        }
        self.matrix = matrix
        self.reference = reference
    }

    /// The rounding accepted in user input, the same for the matrix's `P + Pᵀ = 1` and `P_ii = ½` as for a
    /// reference's (or start's) `Σπ = 1`: numbers a client rounded alike are accepted, or refused, together.
    public static let inputTolerance = 1e-9

    /// Validates raw user input (a matrix and a probability vector) in one call.
    public init(preferenceMatrix: [[Double]], reference: [Double], tolerance: Double = inputTolerance) throws(TabularError) {
        try self.init(
            matrix: PreferenceMatrix(preferenceMatrix, tolerance: tolerance),
            reference: ProbabilityVector(reference, tolerance: tolerance))
    }

    /// Number of responses.
    public var count: Int { matrix.count }

    /// Checks that `policy` is a policy of this game.
    public func validate(_ policy: ProbabilityVector) throws(TabularError) {
        guard policy.count == count else {
            throw TabularError(.dimensionMismatch, "policy has \(policy.count) entries, the game \(count)")
        }
    }

    // Literals checked by the tests, so `try!` cannot trap.

    /// P3 with π_ref = (0.6, 0.3, 0.1) (docs/ALGORITHMS.md §6.1).
    public static let p3 = try! TabularGame(matrix: .p3, reference: ProbabilityVector([0.6, 0.3, 0.1]))
    /// RPS_hard with π_ref = (0.6, 0.3, 0.1).
    public static let rpsHard = try! TabularGame(matrix: .rpsHard, reference: ProbabilityVector([0.6, 0.3, 0.1]))
    /// RPSLS_soft5 with π_ref = (0.4, 0.25, 0.15, 0.12, 0.08).
    public static let rpslsSoft5 = try! TabularGame(
        matrix: .rpslsSoft5, reference: ProbabilityVector([0.4, 0.25, 0.15, 0.12, 0.08]))
}
