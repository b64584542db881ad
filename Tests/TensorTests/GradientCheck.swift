import Tensor
import Testing

/// Random values in [-scale, scale) from a seeded stream.
func randomArray(_ count: Int, seed: UInt64, scale: Float = 1) -> [Float] {
    var rng = RNG(seed: seed)
    return (0..<count).map { _ in (rng.nextFloat() * 2 - 1) * scale }
}

/// Σ r_i y_i in Double: the scalar "loss" whose gradient w.r.t. a kernel's output is r.
func dot(_ y: FloatBuffer, _ r: [Float]) -> Double {
    var s = 0.0
    for i in 0..<r.count { s += Double(y[i]) * Double(r[i]) }
    return s
}

/// Central-difference check of `analytic` (the gradient of `loss` w.r.t. `x`), perturbing each
/// element of `x` in place by ±eps. The loss is accumulated in Double so the difference quotient is
/// dominated by the kernel's own Float32 rounding, not by the reduction.
func expectGradient(
    _ name: String, x: FloatBuffer, analytic: [Float], eps: Float = 1e-3,
    atol: Double = 2e-3, rtol: Double = 1e-2, loss: () -> Double,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    #expect(analytic.count == x.count, "\(name): gradient size", sourceLocation: sourceLocation)
    var worst = 0.0
    for i in 0..<x.count {
        let saved = x[i]
        x[i] = saved + eps
        let up = loss()
        x[i] = saved - eps
        let down = loss()
        x[i] = saved
        let numeric = (up - down) / (2 * Double(eps))
        let a = Double(analytic[i])
        let err = abs(a - numeric) - (atol + rtol * max(abs(a), abs(numeric)))
        worst = max(worst, err)
        if err > 0 {
            Issue.record("\(name)[\(i)]: analytic \(a) vs numeric \(numeric)", sourceLocation: sourceLocation)
            return
        }
    }
}
