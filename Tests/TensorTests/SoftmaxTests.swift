import Foundation
import Tensor
import Testing

@Suite struct SoftmaxTests {
    let n = 4, v = 7
    let targets: [Int32] = [0, 6, 3, 3]

    @Test func softmaxRowsSumToOneAndBackwardMatchesFiniteDifferences() {
        let x = FloatBuffer(randomArray(n * v, seed: 1, scale: 3)), p = FloatBuffer(count: n * v)
        let r = randomArray(n * v, seed: 2)
        let dr = FloatBuffer(r)  // named so it outlives the raw pointers taken from it
        defer { withExtendedLifetime(dr) {} }
        Softmax.forward(probs: p.pointer, logits: x.pointer, n: n, v: v)
        for row in 0..<n {
            var s: Float = 0
            for j in 0..<v { s += p[row * v + j] }
            #expect(abs(s - 1) < 1e-6)
        }
        let dx = FloatBuffer(count: n * v)
        Softmax.backward(dlogits: dx.pointer, dprobs: dr.pointer, probs: p.pointer, n: n, v: v)
        expectGradient("softmax", x: x, analytic: dx.array) {
            Softmax.forward(probs: p.pointer, logits: x.pointer, n: n, v: v)
            return dot(p, r)
        }
    }

    @Test func logSoftmaxGatherMatchesDoubleAndFiniteDifferences() {
        let x = FloatBuffer(randomArray(n * v, seed: 3, scale: 3))
        let logp = FloatBuffer(count: n), lse = FloatBuffer(count: n)
        let r: [Float] = [0.5, -1, 0, 2]  // a zero row exercises the masked-row skip
        let dr = FloatBuffer(r)  // named so it outlives the raw pointers taken from it
        defer { withExtendedLifetime(dr) {} }
        targets.withUnsafeBufferPointer { tb in
            guard let t = tb.baseAddress else { return }
            LogSoftmaxGather.forward(logp: logp.pointer, lse: lse.pointer, logits: x.pointer, targets: t, n: n, v: v)
            for row in 0..<n {
                var s = 0.0
                for j in 0..<v { s += exp(Double(x[row * v + j])) }
                #expect(abs(Double(logp[row]) - (Double(x[row * v + Int(t[row])]) - log(s))) < 1e-5)
            }
            let dx = FloatBuffer(count: n * v)
            LogSoftmaxGather.backward(dlogits: dx.pointer, dlogp: dr.pointer, logits: x.pointer,
                                      lse: lse.pointer, targets: t, n: n, v: v)
            expectGradient("logsoftmax", x: x, analytic: dx.array) {
                LogSoftmaxGather.forward(logp: logp.pointer, lse: lse.pointer, logits: x.pointer, targets: t, n: n, v: v)
                return dot(logp, r)
            }
            // overwrite mode gives the same gradient into a dirty buffer (re-run forward: the
            // finite-difference loop left lse at a perturbed point)
            LogSoftmaxGather.forward(logp: logp.pointer, lse: lse.pointer, logits: x.pointer, targets: t, n: n, v: v)
            let dirty = FloatBuffer([Float](repeating: 3, count: n * v))
            LogSoftmaxGather.backward(dlogits: dirty.pointer, dlogp: dr.pointer, logits: x.pointer,
                                      lse: lse.pointer, targets: t, n: n, v: v, accumulate: false)
            #expect(dirty.array == dx.array)
        }
    }

    @Test func crossEntropyMatchesDoubleAndFiniteDifferences() {
        let x = FloatBuffer(randomArray(n * v, seed: 4, scale: 3))
        let losses = FloatBuffer(count: n), lse = FloatBuffer(count: n)
        targets.withUnsafeBufferPointer { tb in
            guard let t = tb.baseAddress else { return }
            let mean = CrossEntropy.forward(losses: losses.pointer, lse: lse.pointer, logits: x.pointer, targets: t, n: n, v: v)
            var ref = 0.0
            for row in 0..<n {
                var s = 0.0
                for j in 0..<v { s += exp(Double(x[row * v + j])) }
                ref += log(s) - Double(x[row * v + Int(t[row])])
            }
            #expect(abs(Double(mean) - ref / Double(n)) < 1e-5)
            let dx = FloatBuffer(count: n * v)
            CrossEntropy.backward(dlogits: dx.pointer, dloss: 1, logits: x.pointer, lse: lse.pointer, targets: t, n: n, v: v)
            expectGradient("crossentropy", x: x, analytic: dx.array) {
                Double(CrossEntropy.forward(losses: losses.pointer, lse: lse.pointer, logits: x.pointer, targets: t, n: n, v: v))
            }
        }
    }
}
