import Tensor
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A 95% interval for a mean over prompts whose samples are correlated: the percentile bootstrap that
/// resamples **prompts** (clusters), not samples (Efron & Tibshirani 1993, §6; the cluster bootstrap of
/// Field & Welsh 2007). Samples of one prompt share its difficulty, so treating them as independent (the
/// Wald interval over all samples) is too narrow whenever prompts differ; resampling whole prompts keeps
/// that correlation. The statistic is the sample-weighted mean `Σ sums / Σ counts`, which is the mean of
/// prompt means when every prompt has the same number of samples.
///
/// With few prompts the plain percentile interval is too narrow (its spread is that of a z-interval with
/// the biased variance), so the percentiles taken are those of Hesterberg's *expanded* percentile interval
/// (Hesterberg 2015, "What teachers should know about the bootstrap", §4): `Φ(∓w)` with
/// `w = √(n/(n−1)) · t_{n−1, 0.975}`, for n prompts — 2.2% and 97.8% at n = 64. docs/ALGORITHMS.md §9.1.
public struct ClusteredBootstrap: Sendable, Equatable {
    /// Bootstrap resamples (B).
    public var resamples: Int
    public var seed: UInt64

    public init(resamples: Int = 2000, seed: UInt64 = 0) {
        self.resamples = max(1, resamples)
        self.seed = seed
    }

    /// How the interval is computed, as results state it.
    public var method: String { "expanded percentile bootstrap over prompts, B=\(resamples), 95%" }

    /// The point estimate and the 2.5% and 97.5% percentiles of its bootstrap distribution, from per-prompt
    /// score sums and sample counts. An empty input gives nil; a single prompt, the whole range [0, 1].
    public func interval(sums: [Double], counts: [Int]) -> (estimate: Double, low: Double, high: Double)? {
        precondition(sums.count == counts.count, "one sum and one count per prompt")
        let total = counts.reduce(0, +)
        guard !sums.isEmpty, total > 0 else { return nil }
        let estimate = sums.reduce(0, +) / Double(total)
        let n = sums.count
        var rng = RNG(seed: seed)
        var statistics: [Double] = []
        statistics.reserveCapacity(resamples)
        for _ in 0..<resamples {
            var s = 0.0, c = 0
            for _ in 0..<n {
                let i = Int(rng.next() % UInt64(n))
                s += sums[i]
                c += counts[i]
            }
            statistics.append(c > 0 ? s / Double(c) : estimate)
        }
        statistics.sort()
        // One prompt says nothing of how prompts vary: the interval is the whole range.
        guard n > 1 else { return (estimate, 0, 1) }
        let w = (Double(n) / Double(n - 1)).squareRoot() * Self.studentT975(degrees: n - 1)
        let tail = 0.5 * erfc(w / 2.0.squareRoot())  // Φ(−w)
        return (estimate, Self.quantile(statistics, tail), Self.quantile(statistics, 1 - tail))
    }

    /// The 97.5% quantile of Student's t with `degrees` degrees of freedom: the Cornish–Fisher expansion
    /// around z = 1.959964 (Abramowitz & Stegun 26.7.5), within 1e-3 from 10 degrees up; tabulated below.
    static func studentT975(degrees: Int) -> Double {
        let exact: [Double] = [12.706205, 4.302653, 3.182446, 2.776445, 2.570582, 2.446912, 2.364624, 2.306004, 2.262157]
        if degrees <= exact.count { return exact[max(degrees, 1) - 1] }
        let z = 1.959963985, v = Double(degrees)
        let z3 = z * z * z, z5 = z3 * z * z, z7 = z5 * z * z
        return z + (z3 + z) / (4 * v) + (5 * z5 + 16 * z3 + 3 * z) / (96 * v * v)
            + (3 * z7 + 19 * z5 + 17 * z3 - 15 * z) / (384 * v * v * v)
    }

    /// The `q` quantile of sorted values, linearly interpolated (numpy's default, "type 7").
    static func quantile(_ sorted: [Double], _ q: Double) -> Double {
        let position = q * Double(sorted.count - 1)
        let lower = Int(position.rounded(.down)), upper = min(lower + 1, sorted.count - 1)
        let weight = position - Double(lower)
        return sorted[lower] * (1 - weight) + sorted[upper] * weight
    }
}
