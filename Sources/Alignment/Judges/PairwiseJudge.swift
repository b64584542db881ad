public import Tensor

/// A preference oracle over text: `P(a ≻ b | prompt)`, the quantity every NLHF algorithm is defined by
/// (docs/ALGORITHMS.md §0). Implementations must satisfy `P(a≻b) + P(b≻a) = 1` (so `P(a≻a) = ½`).
///
/// Judges are pure and `Sendable`: the randomness of a label lives in the trainer's RNG, never in the judge,
/// which keeps training reproducible for a given seed.
public protocol PairwiseJudge: Sendable {
    /// `P(a ≻ b | prompt)` in [0, 1].
    func probability(prompt: String, a: String, b: String) -> Double
}

extension PairwiseJudge {
    /// One Bernoulli label: `true` when `a` wins, drawn with probability ``probability(prompt:a:b:)`` from
    /// the caller's generator (the binary feedback INPO and Nash-MP regress on).
    public func prefersFirst(prompt: String, a: String, b: String, rng: inout RNG) -> Bool {
        rng.nextDouble() < probability(prompt: prompt, a: a, b: b)
    }

    /// `P̂(y_i ≻ π)` for each of K samples of π: row means of the K×K preference matrix, **including** the
    /// diagonal's ½, as uclaml/SPPO `compute_prob.py` does (docs/ALGORITHMS.md §2.2).
    public func winRates(prompt: String, responses: [String]) -> [Double] {
        let k = responses.count
        guard k > 0 else { return [] }
        var rates = [Double](repeating: 0, count: k)
        for i in 0..<k {
            for j in 0..<k {
                // Fill both halves from one call so the matrix is exactly antisymmetric around ½.
                guard j > i else { continue }
                let p = probability(prompt: prompt, a: responses[i], b: responses[j])
                rates[i] += p
                rates[j] += 1 - p
            }
            rates[i] += 0.5
        }
        return rates.map { $0 / Double(k) }
    }
}
