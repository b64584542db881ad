/// A validated preference matrix: `P[i][j] = P(y_i ≻ y_j)`, rows are y, columns y' (docs/ALGORITHMS.md §6.1).
///
/// Invariants checked on construction: square and non-empty, finite entries in [0, 1], `P + Pᵀ = 1` off the
/// diagonal and `½` on it, each within `tolerance`. Because `P + Pᵀ` is the all-ones matrix,
/// `P(π ≻ π) = πᵀPπ = ½` for every policy π, which the exploitability and the duality gap rely on.
///
/// ```swift
/// let p = try PreferenceMatrix([[0.5, 0.9], [0.1, 0.5]])
/// p.winRates(against: [0.5, 0.5])   // [0.7, 0.3]
/// ```
public struct PreferenceMatrix: Sendable, Hashable {
    /// The entries, `rows[i][j] = P(y_i ≻ y_j)`.
    public let rows: [[Double]]

    /// Validates `rows`; `tolerance` bounds the allowed rounding in the complementarity and diagonal checks.
    public init(_ rows: [[Double]], tolerance: Double = TabularGame.inputTolerance) throws(TabularError) {
        let n = rows.count
        guard n > 0 else { throw TabularError(.empty, "preference matrix has no rows") }
        for (i, row) in rows.enumerated() {
            guard row.count == n else {
                throw TabularError(.notSquare, "row \(i) has \(row.count) entries, expected \(n) (the matrix must be square)")
            }
            for (j, p) in row.enumerated() {
                guard p.isFinite else { throw TabularError(.nonFinite, "P[\(i)][\(j)] = \(p) is not finite") }
                guard p >= 0 && p <= 1 else {
                    throw TabularError(.entryOutOfRange, "P[\(i)][\(j)] = \(p) is outside [0, 1]")
                }
            }
        }
        for i in 0..<n {
            guard abs(rows[i][i] - 0.5) <= tolerance else {
                throw TabularError(.diagonalNotHalf, "P[\(i)][\(i)] = \(rows[i][i]), expected 0.5")
            }
            for j in (i + 1)..<n where abs(rows[i][j] + rows[j][i] - 1) > tolerance {
                throw TabularError(
                    .notComplementary, "P[\(i)][\(j)] + P[\(j)][\(i)] = \(rows[i][j] + rows[j][i]), expected 1")
            }
        }
        self.rows = rows
    }

    /// Number of responses n.
    public var count: Int { rows.count }

    /// `P(y_i ≻ y_j)`.
    public subscript(i: Int, j: Int) -> Double { rows[i][j] }

    /// `P(y ≻ π) = (Pπ)_y` for every response y.
    public func winRates(against policy: [Double]) -> [Double] {
        precondition(policy.count == count, "policy size differs from the game's")
        return rows.map { row in zip(row, policy).reduce(0) { $0 + $1.0 * $1.1 } }
    }

    /// `P(π ≻ y) = (Pᵀπ)_y` for every response y.
    public func winRates(of policy: [Double]) -> [Double] {
        precondition(policy.count == count, "policy size differs from the game's")
        return (0..<count).map { j in (0..<count).reduce(0) { $0 + policy[$1] * rows[$1][j] } }
    }

    /// `P(π ≻ π') = πᵀ P π'`.
    public func preference(of policy: [Double], over opponent: [Double]) -> Double {
        zip(policy, winRates(against: opponent)).reduce(0) { $0 + $1.0 * $1.1 }
    }

    /// Unregularised exploitability `max_y P(y ≻ π) − ½` (docs/ALGORITHMS.md §2.5); 0 exactly at a Nash equilibrium.
    public func exploitability(of policy: ProbabilityVector) -> Double {
        (winRates(against: policy.probabilities).max() ?? 0.5) - 0.5
    }

    // The built-in games are literals checked by the tests, so `try!` cannot trap.

    /// P3: an asymmetric cycle, y1≻y2 w.p. 0.9, y2≻y3 0.7, y3≻y1 0.8; Nash (2/9, 1/3, 4/9).
    public static let p3 = try! PreferenceMatrix([[0.5, 0.9, 0.2], [0.1, 0.5, 0.7], [0.8, 0.3, 0.5]])
    /// Rock–paper–scissors with deterministic outcomes; Nash uniform.
    public static let rpsHard = try! PreferenceMatrix([[0.5, 1, 0], [0, 0.5, 1], [1, 0, 0.5]])
    /// Rock–paper–scissors–lizard–Spock, soft: `P_ij = 0.9` if `(j − i) mod 5 ∈ {1, 3}`, else 0.1; Nash uniform.
    public static let rpslsSoft5 = try! PreferenceMatrix((0..<5).map { i in
        (0..<5).map { j in i == j ? 0.5 : ([1, 3].contains((j - i + 5) % 5) ? 0.9 : 0.1) }
    })
}
