/// Why a tabular game, policy or solver input was rejected: a code to match on and a message naming the
/// offending entry (e.g. `P[0][1] + P[1][0] = 1.2, expected 1`), suitable for a 4xx response body.
public struct TabularError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The kind of problem; match on it, show the ``message``.
    public enum Code: String, Sendable, Hashable {
        /// A matrix or vector with no entries.
        case empty
        /// A preference matrix whose rows differ in length from the row count.
        case notSquare
        /// NaN or ±∞ somewhere.
        case nonFinite
        /// A preference outside [0, 1].
        case entryOutOfRange
        /// `P[i][j] + P[j][i] ≠ 1` off the diagonal.
        case notComplementary
        /// `P[i][i] ≠ ½`.
        case diagonalNotHalf
        /// A probability ≤ 0 (the KL geometry needs full support) or a negative weight.
        case notPositive
        /// Probabilities that do not sum to 1.
        case notNormalized
        /// A policy or weight matrix whose size differs from the game's.
        case dimensionMismatch
        /// A hyperparameter outside its domain (β ≤ 0, η ≤ 0, ητ > 1, …).
        case invalidParameter
        /// An iterative solver stopped before meeting its tolerance.
        case didNotConverge
        /// The Bradley–Terry likelihood has no finite maximiser (some responses are never beaten).
        case noFiniteOptimum
    }

    /// What kind of problem.
    public let code: Code
    /// Which entry or value is wrong, in words.
    public let message: String

    /// Creates an error.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// `code: message`.
    public var description: String { "\(code.rawValue): \(message)" }
}
