import Alignment
import Testing

/// |actual − expected| ≤ tolerance, element-wise, with a message naming the index.
func expectClose(
    _ actual: [Double], _ expected: [Double], tolerance: Double = 1e-6,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    #expect(actual.count == expected.count, "length \(actual.count) vs \(expected.count)", sourceLocation: sourceLocation)
    for (i, (a, e)) in zip(actual, expected).enumerated() {
        #expect(abs(a - e) <= tolerance, "[\(i)]: \(a) vs expected \(e)", sourceLocation: sourceLocation)
    }
}

/// Scalar form of ``expectClose(_:_:tolerance:sourceLocation:)``.
func expectClose(
    _ actual: Double, _ expected: Double, tolerance: Double = 1e-6,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    #expect(abs(actual - expected) <= tolerance, "\(actual) vs expected \(expected)", sourceLocation: sourceLocation)
}

/// Relative agreement, for quantities quoted to a few significant figures.
func expectRelativelyClose(
    _ actual: Double, _ expected: Double, relative: Double,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    #expect(
        abs(actual - expected) <= relative * abs(expected), "\(actual) vs expected \(expected) (±\(relative * 100)%)",
        sourceLocation: sourceLocation)
}

/// Analytic vs central-difference agreement: relative 1e-6, with a floor so exact zeros compare absolutely.
func expectGradientMatches(
    analytic: Double, finiteDifference: Double, label: String,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    let scale = max(abs(analytic), abs(finiteDifference), 1e-3)
    #expect(
        abs(analytic - finiteDifference) <= 1e-6 * scale, "\(label): analytic \(analytic), finite difference \(finiteDifference)",
        sourceLocation: sourceLocation)
}

/// Checks every `∂loss/∂log πθ(y_w)` and `∂loss/∂log πθ(y_l)` of a pairwise objective against central
/// differences of the batch loss; `pair` locates the example's ``PreferencePair``.
func expectPairGradientsMatchFiniteDifferences<O: PreferenceObjective>(
    _ objective: O, _ batch: [O.Example], pair: WritableKeyPath<O.Example, PreferencePair>,
    sourceLocation: SourceLocation = #_sourceLocation
) where O.Gradient == PairGradient {
    let value = objective.evaluate(batch)
    let sides: [(String, WritableKeyPath<PreferencePair, Double>, KeyPath<PairGradient, Double>)] = [
        ("chosen", \.policyChosen, \.chosen), ("rejected", \.policyRejected, \.rejected),
    ]
    for i in batch.indices {
        for (name, side, component) in sides {
            let path = pair.appending(path: side)
            let x = batch[i][keyPath: path]
            let h = 1e-5 * max(1, abs(x))
            var plus = batch
            plus[i][keyPath: path] = x + h
            var minus = batch
            minus[i][keyPath: path] = x - h
            let fd = (objective.evaluate(plus).loss - objective.evaluate(minus).loss) / (2 * h)
            expectGradientMatches(
                analytic: value.gradients[i][keyPath: component], finiteDifference: fd, label: "example \(i) \(name)",
                sourceLocation: sourceLocation)
        }
    }
}

/// The batch of docs/ALGORITHMS.md §1.6: four pairs, summed log-probs, with token counts.
let dpoBatch: [PreferencePair] = [
    PreferencePair(policyChosen: -10.0, policyRejected: -12.0, referenceChosen: -11.0, referenceRejected: -11.5, chosenTokenCount: 5, rejectedTokenCount: 6),
    PreferencePair(policyChosen: -25.0, policyRejected: -24.0, referenceChosen: -25.5, referenceRejected: -23.0, chosenTokenCount: 12, rejectedTokenCount: 10),
    PreferencePair(policyChosen: -7.5, policyRejected: -9.0, referenceChosen: -7.5, referenceRejected: -8.0, chosenTokenCount: 4, rejectedTokenCount: 5),
    PreferencePair(policyChosen: -40.0, policyRejected: -38.0, referenceChosen: -41.0, referenceRejected: -40.0, chosenTokenCount: 20, rejectedTokenCount: 18),
]

/// Minimises `f` over unnormalised log-weights by gradient descent until the gradient's ∞-norm is below
/// `tolerance`; returns the normalised policy. `gradient` returns ∂f/∂θ.
func minimise(
    from start: [Double], learningRate: Double, maxIterations: Int, tolerance: Double = 1e-12,
    gradient: ([Double]) -> [Double]
) -> (policy: [Double], converged: Bool) {
    var theta = start
    for _ in 0..<maxIterations {
        let g = gradient(theta)
        if (g.map(abs).max() ?? 0) < tolerance {
            return (ProbabilityVector(logits: theta).probabilities, true)
        }
        theta = zip(theta, g).map { $0 - learningRate * $1 }
    }
    return (ProbabilityVector(logits: theta).probabilities, false)
}
