import Foundation
import Tensor
import Testing

@Suite struct ElementwiseTests {
    @Test func geluForwardMatchesDoubleFormula() {
        let x = FloatBuffer(randomArray(64, seed: 1, scale: 4)), y = FloatBuffer(count: 64)
        GELU.forward(out: y.pointer, inp: x.pointer, n: 64)
        for i in 0..<64 {
            let v = Double(x[i])
            let ref = 0.5 * v * (1 + tanh((2 / Double.pi).squareRoot() * (v + 0.044715 * v * v * v)))
            #expect(abs(Double(y[i]) - ref) < 1e-6)
        }
    }

    @Test func geluBackwardMatchesFiniteDifferences() {
        let n = 64
        let x = FloatBuffer(randomArray(n, seed: 1, scale: 4)), y = FloatBuffer(count: n)
        let r = randomArray(n, seed: 2)
        let dr = FloatBuffer(r)  // named so it outlives the raw pointers taken from it
        defer { withExtendedLifetime(dr) {} }
        let dx = FloatBuffer(count: n)
        GELU.backward(dinp: dx.pointer, inp: x.pointer, dout: dr.pointer, n: n)
        expectGradient("gelu", x: x, analytic: dx.array) {
            GELU.forward(out: y.pointer, inp: x.pointer, n: n)
            return dot(y, r)
        }
    }

    @Test func residualBackwardMatchesFiniteDifferences() {
        let n = 10
        let a = FloatBuffer(randomArray(n, seed: 1)), b = FloatBuffer(randomArray(n, seed: 2))
        let out = FloatBuffer(count: n), r = randomArray(n, seed: 3)
        let dr = FloatBuffer(r)  // named so it outlives the raw pointers taken from it
        defer { withExtendedLifetime(dr) {} }
        let da = FloatBuffer(count: n), db = FloatBuffer(count: n)
        Residual.backward(da: da.pointer, db: db.pointer, dout: dr.pointer, n: n)
        let loss = { () -> Double in
            Residual.forward(out: out.pointer, a: a.pointer, b: b.pointer, n: n)
            return dot(out, r)
        }
        expectGradient("da", x: a, analytic: da.array, loss: loss)
        expectGradient("db", x: b, analytic: db.array, loss: loss)
    }

    @Test func embeddingBackwardMatchesFiniteDifferences() {
        let b = 2, t = 3, c = 4, v = 5, maxT = 4
        let tokens: [Int32] = [1, 3, 1, 4, 1, 0]  // repeated token 1 must accumulate
        let wte = FloatBuffer(randomArray(v * c, seed: 1)), wpe = FloatBuffer(randomArray(maxT * c, seed: 2))
        let out = FloatBuffer(count: b * t * c), r = randomArray(b * t * c, seed: 3)
        let dr = FloatBuffer(r)  // named so it outlives the raw pointers taken from it
        defer { withExtendedLifetime(dr) {} }
        let dwte = FloatBuffer(count: v * c), dwpe = FloatBuffer(count: maxT * c)
        tokens.withUnsafeBufferPointer { tok in
            guard let tp = tok.baseAddress else { return }
            Embedding.backward(dwte: dwte.pointer, dwpe: dwpe.pointer, dout: dr.pointer, tokens: tp, b: b, t: t, c: c)
            let loss = { () -> Double in
                Embedding.forward(out: out.pointer, tokens: tp, wte: wte.pointer, wpe: wpe.pointer, b: b, t: t, c: c)
                return dot(out, r)
            }
            expectGradient("dwte", x: wte, analytic: dwte.array, loss: loss)
            expectGradient("dwpe", x: wpe, analytic: dwpe.array, loss: loss)
            // forward with a position offset reads the shifted rows of wpe
            Embedding.forward(out: out.pointer, tokens: tp, wte: wte.pointer, wpe: wpe.pointer, b: 1, t: 1, c: c, pos0: 3)
            #expect(out[0] == wte[1 * c] + wpe[3 * c])
        }
    }

    @Test func layerNormBackwardMatchesFiniteDifferences() {
        let n = 5, c = 8
        let x = FloatBuffer(randomArray(n * c, seed: 1, scale: 2)), w = FloatBuffer(randomArray(c, seed: 2))
        let b = FloatBuffer(randomArray(c, seed: 3)), out = FloatBuffer(count: n * c)
        let mean = FloatBuffer(count: n), rstd = FloatBuffer(count: n), r = randomArray(n * c, seed: 4)
        let dr = FloatBuffer(r)  // named so it outlives the raw pointers taken from it
        defer { withExtendedLifetime(dr) {} }
        LayerNorm.forward(out: out.pointer, mean: mean.pointer, rstd: rstd.pointer, inp: x.pointer,
                          weight: w.pointer, bias: b.pointer, n: n, c: c)
        // forward: normalised rows have zero mean and unit variance before the affine part
        var m = 0.0
        for i in 0..<c { m += (Double(out[i]) - Double(b[i])) / Double(w[i]) }
        #expect(abs(m) < 1e-4)
        let dx = FloatBuffer(count: n * c), dw = FloatBuffer(count: c), db = FloatBuffer(count: c)
        LayerNorm.backward(dinp: dx.pointer, dweight: dw.pointer, dbias: db.pointer, dout: dr.pointer,
                           inp: x.pointer, weight: w.pointer, mean: mean.pointer, rstd: rstd.pointer, n: n, c: c)
        let loss = { () -> Double in
            LayerNorm.forward(out: out.pointer, mean: nil, rstd: nil, inp: x.pointer, weight: w.pointer,
                              bias: b.pointer, n: n, c: c)
            return dot(out, r)
        }
        expectGradient("dinp", x: x, analytic: dx.array, loss: loss)
        expectGradient("dweight", x: w, analytic: dw.array, loss: loss)
        expectGradient("dbias", x: b, analytic: db.array, loss: loss)
    }
}

extension ElementwiseTests {
    @Test func fastTanhMatchesLibmAcrossTheRange() {
        var worst = 0.0
        for i in -40_000...40_000 {
            let x = Float(i) * 5e-4  // −20 … 20
            worst = max(worst, abs(Double(fastTanh(x)) - tanh(Double(x))))
        }
        #expect(worst < 5e-7, "max abs error \(worst)")
        #expect(fastTanh(0) == 0 && fastTanh(100) <= 1 && fastTanh(-100) >= -1)
    }
}

extension ElementwiseTests {
    @Test func fastExpMatchesLibmRelatively() {
        var worst = 0.0
        for i in -8_700...8_800 {
            let x = Float(i) * 0.01  // −87 … 88
            let ref = exp(Double(x))
            worst = max(worst, abs(Double(fastExp(x)) - ref) / ref)
        }
        #expect(worst < 5e-7, "max relative error \(worst)")
        #expect(fastExp(-200) >= 0 && fastExp(-200) < 1e-37)
        #expect(fastExp(0) == 1)
    }
}

extension ElementwiseTests {
    @Test func storedDerivativeBackwardEqualsRecomputed() {
        let n = 50
        let x = FloatBuffer(randomArray(n, seed: 3, scale: 5)), y = FloatBuffer(count: n), d = FloatBuffer(count: n)
        let dout = FloatBuffer(randomArray(n, seed: 4))
        GELU.forward(out: y.pointer, inp: x.pointer, n: n, derivative: d.pointer)
        let a = FloatBuffer(count: n), b = FloatBuffer(count: n), plain = FloatBuffer(count: n)
        GELU.forward(out: plain.pointer, inp: x.pointer, n: n)
        GELU.backward(dinp: a.pointer, inp: x.pointer, dout: dout.pointer, n: n)
        GELU.backward(dinp: b.pointer, derivative: d.pointer, dout: dout.pointer, n: n)
        #expect(a.array == b.array)
        #expect(y.array == plain.array)
    }
}
