import Foundation
import Tensor
import Testing

@Suite struct AdamWTests {
    @Test func matchesDoubleReferenceOfDecoupledUpdate() {
        let n = 13  // one 8-lane block plus a scalar tail
        var opt = AdamW(parameterCount: n, learningRate: 0.1, weightDecay: 0.5)
        let p = FloatBuffer(randomArray(n, seed: 1)), g = FloatBuffer(count: n)
        var rp = p.array.map(Double.init), rm = [Double](repeating: 0, count: n), rv = rm
        for step in 1...3 {
            let grads = randomArray(n, seed: UInt64(10 + step))
            for i in 0..<n { g[i] = grads[i] }
            opt.update(params: p.pointer, grads: g.pointer)
            for i in 0..<n {
                let gi = Double(grads[i])
                rm[i] = 0.9 * rm[i] + 0.1 * gi
                rv[i] = 0.999 * rv[i] + 0.001 * gi * gi
                let mhat = rm[i] / (1 - pow(0.9, Double(step))), vhat = rv[i] / (1 - pow(0.999, Double(step)))
                rp[i] = rp[i] * (1 - 0.1 * 0.5) - 0.1 * mhat / (vhat.squareRoot() + 1e-8)
            }
        }
        for i in 0..<n { #expect(abs(Double(p[i]) - rp[i]) < 1e-5) }
        #expect(opt.step == 3)
    }

    @Test func weightDecayIsDecoupledFromGradient() {
        // With a zero gradient Adam's step is zero, so only the decay moves the weight.
        var opt = AdamW(parameterCount: 1, learningRate: 0.1, weightDecay: 0.2)
        let p = FloatBuffer([2]), g = FloatBuffer([0])
        opt.update(params: p.pointer, grads: g.pointer)
        #expect(abs(p[0] - 2 * (1 - 0.02)) < 1e-6)
    }

    @Test func clippingScalesToMaxNormAndReportsPreClipNorm() {
        let g = FloatBuffer([3, 4])
        let norm = GradientClipping.clip(g.pointer, count: 2, maxNorm: 1)
        #expect(abs(norm - 5) < 1e-6)
        #expect(abs((g[0] * g[0] + g[1] * g[1]).squareRoot() - 1) < 1e-5)
        let small = FloatBuffer([0.3, 0.4])
        _ = GradientClipping.clip(small.pointer, count: 2, maxNorm: 1)
        #expect(small.array == [0.3, 0.4])
    }
}
