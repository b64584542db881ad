import Alignment
import Testing

/// Central differences of a surrogate in the live token log-probs, with the stop-gradient copy held at
/// `batch` — the derivative the trainer back-propagates.
func expectTokenGradientsMatchFiniteDifferences(
    _ batch: [PolicyGradientSample],
    surrogate: ([PolicyGradientSample], [PolicyGradientSample]) -> ObjectiveValue<[Double]>,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    let value = surrogate(batch, batch)
    for i in batch.indices {
        for t in batch[i].policy.indices {
            let x = batch[i].policy[t]
            let h = 1e-5 * max(1, abs(x))
            var plus = batch
            plus[i].policy[t] = x + h
            var minus = batch
            minus[i].policy[t] = x - h
            let fd = (surrogate(plus, batch).loss - surrogate(minus, batch).loss) / (2 * h)
            expectGradientMatches(
                analytic: value.gradients[i][t], finiteDifference: fd, label: "sample \(i) token \(t)",
                sourceLocation: sourceLocation)
        }
    }
}

/// The expected policy gradient `Σ_y π(y) c(y) ∇_θ log π(y)` on a tabular policy with one "token" per
/// response and the exact preference `P(y ≻ ρ)`; `coefficient` maps a one-sample batch to `c(y)`.
func expectedTabularGradient(
    _ policy: ProbabilityVector, sample: (Int) -> PolicyGradientSample, coefficient: ([PolicyGradientSample]) -> ObjectiveValue<[Double]>
) -> [Double] {
    let n = policy.count
    let pi = policy.probabilities
    let c = (0..<n).map { coefficient([sample($0)]).gradients[0][0] }
    let average = zip(pi, c).reduce(0) { $0 + $1.0 * $1.1 }
    // ∇_θk log π(y) = δ_yk − π_k, so Σ_y π_y c_y (δ_yk − π_k) = π_k (c_k − E_π c).
    return (0..<n).map { pi[$0] * (c[$0] - average) }
}
