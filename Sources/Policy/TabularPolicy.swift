public import Tensor
import Foundation

/// A softmax policy over a fixed list of responses, π(i) ∝ exp(θ_i), for the tabular games whose
/// regularised Nash equilibria are known in closed form. Doubles throughout: exact updates are
/// compared against closed forms to tight tolerances.
public struct TabularPolicy: Sendable, Codable, Equatable {
    /// The responses, in index order.
    public var responses: [String]
    /// Unnormalised log-probabilities θ.
    public var logits: [Double]

    /// A policy over `responses`, uniform unless `logits` are given.
    public init(responses: [String], logits: [Double]? = nil) throws(PolicyError) {
        guard !responses.isEmpty else { throw PolicyError("tabular: at least one response") }
        let theta = logits ?? [Double](repeating: 0, count: responses.count)
        guard theta.count == responses.count, theta.allSatisfy(\.isFinite) else {
            throw PolicyError("tabular: one finite logit per response expected")
        }
        self.responses = responses
        self.logits = theta
    }

    /// log π, computed with the max subtracted so large logits do not overflow.
    public var logProbabilities: [Double] {
        let mx = logits.max() ?? 0
        let lse = mx + log(logits.reduce(0) { $0 + exp($1 - mx) })
        return logits.map { $0 - lse }
    }

    /// π.
    public var probabilities: [Double] { logProbabilities.map { exp($0) } }

    /// Gradient w.r.t. θ of Σ_i g_i · log π(i): ∂/∂θ_j = g_j − π_j Σ_i g_i.
    public func gradient(dLogProbabilities g: [Double]) -> [Double] {
        precondition(g.count == logits.count, "tabular: one gradient per response expected")
        let total = g.reduce(0, +)
        return zip(g, probabilities).map { $0 - $1 * total }
    }

    /// Draws a response index.
    public func sample(using rng: inout RNG) -> Int {
        var u = rng.nextDouble()
        let p = probabilities
        for (i, q) in p.enumerated() {
            u -= q
            if u < 0 { return i }
        }
        return p.count - 1
    }
}
