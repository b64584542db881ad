// V vocab.
import Foundation
import Tensor

/// Turns one row of logits into a token under ``SamplingParameters``.
struct TokenPicker {
    let parameters: SamplingParameters
    /// Scratch for sorting candidates; reused across calls.
    private var order: [Int32] = []
    private var probs: [Double] = []

    init(parameters: SamplingParameters) { self.parameters = parameters }

    /// Draws a token from `logits` (V); also returns its log-probability at temperature 1.
    mutating func pick(_ logits: UnsafePointer<Float>, v: Int, rng: inout RNG) -> (token: Int32, logProb: Float) {
        var mx = -Float.infinity
        for j in 0..<v { mx = max(mx, logits[j]) }
        var z: Double = 0
        for j in 0..<v { z += exp(Double(logits[j] - mx)) }
        let lse = Double(mx) + log(z)
        let token = draw(logits, v: v, max: mx, rng: &rng)
        return (token, Float(Double(logits[Int(token)]) - lse))
    }

    private mutating func draw(_ logits: UnsafePointer<Float>, v: Int, max mx: Float, rng: inout RNG) -> Int32 {
        let p = parameters
        if p.temperature == 0 {
            var best = 0
            for j in 1..<v where logits[j] > logits[best] { best = j }
            return Int32(best)
        }
        let invT = 1 / Double(p.temperature)
        if p.topK == 0 && p.topP >= 1 {
            // Fast path (no filtering): one pass in id order, no sort.
            var total = 0.0
            if probs.count < v { probs = [Double](repeating: 0, count: v) }
            for j in 0..<v {
                probs[j] = exp(Double(logits[j] - mx) * invT)
                total += probs[j]
            }
            var u = rng.nextDouble() * total
            for j in 0..<v {
                u -= probs[j]
                if u < 0 { return Int32(j) }
            }
            return Int32(v - 1)
        }
        // Filtered path: candidates by descending logit (ties by id), cut by top-k then top-p.
        order = (0..<Int32(v)).map { $0 }
        order.sort { logits[Int($0)] != logits[Int($1)] ? logits[Int($0)] > logits[Int($1)] : $0 < $1 }
        var keep = p.topK > 0 ? min(p.topK, v) : v
        probs = order.prefix(keep).map { exp(Double(logits[Int($0)] - mx) * invT) }
        var total = probs.reduce(0, +)
        if p.topP < 1 {
            var cum = 0.0
            for (i, q) in probs.enumerated() {
                cum += q / total
                if cum >= Double(p.topP) {
                    keep = i + 1
                    break
                }
            }
            probs.removeSubrange(keep...)
            total = probs.reduce(0, +)
        }
        var u = rng.nextDouble() * total
        for i in 0..<keep {
            u -= probs[i]
            if u < 0 { return order[i] }
        }
        return order[keep - 1]
    }
}
