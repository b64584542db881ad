// Scalar helpers shared by the objectives and the tabular updates. Everything is Double and
// written to stay finite for large |x|, because DPO margins times β and SPPO targets (η = 1000)
// easily leave the range where the naive formulas are exact.

// Foundation-free libm: Glibc on Linux, Darwin elsewhere.
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// `log(1 + exp(x))` without overflow: `max(x, 0) + log1p(exp(−|x|))`.
func softplus(_ x: Double) -> Double {
    max(x, 0) + log1p(exp(-abs(x)))
}

/// `log σ(x) = −softplus(−x)`, the stable form docs/ALGORITHMS.md §0 prescribes.
func logSigmoid(_ x: Double) -> Double {
    -softplus(-x)
}

/// The logistic function; branches so that `exp` only ever sees a non-positive argument.
func sigmoid(_ x: Double) -> Double {
    if x >= 0 {
        return 1 / (1 + exp(-x))
    }
    let e = exp(x)
    return e / (1 + e)
}

/// `log Σ exp(xᵢ)`, shifted by the maximum so the largest term is `exp(0)`.
func logSumExp(_ x: [Double]) -> Double {
    guard let m = x.max(), m.isFinite else { return x.max() ?? -.infinity }
    var s = 0.0
    for v in x { s += exp(v - m) }
    return m + log(s)
}

/// The arithmetic mean; 0 for an empty array so empty batches report zeros rather than NaN.
func mean(_ x: [Double]) -> Double {
    x.isEmpty ? 0 : x.reduce(0, +) / Double(x.count)
}
