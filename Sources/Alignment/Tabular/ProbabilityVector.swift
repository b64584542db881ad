#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A policy of a tabular game: a validated probability vector over n responses with full support, kept in
/// log space. (Not `Policy.TabularPolicy`, the trainable softmax policy; this one is the value the exact
/// updates map to each other.)
///
/// The exact updates are multiplicative, so they are done on log-probabilities: a probability that would
/// underflow to 0 after many MWU steps stays a finite log-prob, and KL terms never see `log 0`.
public struct ProbabilityVector: Sendable, Hashable {
    /// `log π(y)`, normalised so that `Σ exp = 1`.
    public let logProbabilities: [Double]

    /// Validates `probabilities`: non-empty, finite, every entry > 0, summing to 1 within `tolerance`.
    /// The stored vector is divided by its sum so it is normalised to rounding.
    public init(_ probabilities: [Double], tolerance: Double = TabularGame.inputTolerance) throws(TabularError) {
        guard !probabilities.isEmpty else { throw TabularError(.empty, "probability vector has no entries") }
        for (i, p) in probabilities.enumerated() {
            guard p.isFinite else { throw TabularError(.nonFinite, "probability[\(i)] = \(p) is not finite") }
            guard p > 0 else {
                throw TabularError(.notPositive, "probability[\(i)] = \(p) must be positive (KL needs full support)")
            }
        }
        let sum = probabilities.reduce(0, +)
        guard abs(sum - 1) <= tolerance else {
            throw TabularError(.notNormalized, "probabilities sum to \(sum), expected 1")
        }
        logProbabilities = probabilities.map { log($0 / sum) }
    }

    /// Normalises unnormalised log-weights (a softmax); the update rules' "∝".
    public init(logits: [Double]) {
        precondition(!logits.isEmpty && logits.allSatisfy { !$0.isNaN }, "logits must be non-empty and not NaN")
        let lse = logSumExp(logits)
        logProbabilities = logits.map { $0 - lse }
    }

    /// The uniform policy over `count` responses.
    public static func uniform(_ count: Int) -> ProbabilityVector {
        ProbabilityVector(logits: Array(repeating: 0, count: count))
    }

    /// `π(y)`.
    public var probabilities: [Double] { logProbabilities.map { exp($0) } }

    /// Number of responses.
    public var count: Int { logProbabilities.count }

    /// `KL(self ‖ other) = Σ π log(π / π')`.
    public func kl(to other: ProbabilityVector) -> Double {
        precondition(count == other.count, "policies differ in size")
        var s = 0.0
        for i in 0..<count { s += exp(logProbabilities[i]) * (logProbabilities[i] - other.logProbabilities[i]) }
        return s
    }

    /// The uniform mixture `(1/T) Σ π_t`, e.g. SPPO's average iterate.
    public static func average(_ policies: [ProbabilityVector]) -> ProbabilityVector {
        precondition(!policies.isEmpty, "cannot average no policies")
        var sum = Array(repeating: 0.0, count: policies[0].count)
        for policy in policies {
            for (i, p) in policy.probabilities.enumerated() { sum[i] += p }
        }
        return ProbabilityVector(logits: sum.map { log($0) })
    }
}
