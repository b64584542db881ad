import Tensor
import Testing

@Suite struct LinearTests {
    let n = 6, c = 5, oc = 4

    @Test func forwardMatchesDoubleReference() {
        let inp = FloatBuffer(randomArray(n * c, seed: 1)), w = FloatBuffer(randomArray(oc * c, seed: 2))
        let b = FloatBuffer(randomArray(oc, seed: 3)), out = FloatBuffer(count: n * oc)
        Linear.forward(out: out.pointer, inp: inp.pointer, weight: w.pointer, bias: b.pointer, n: n, c: c, oc: oc)
        for r in 0..<n {
            for o in 0..<oc {
                var s = Double(b[o])
                for i in 0..<c { s += Double(inp[r * c + i]) * Double(w[o * c + i]) }
                #expect(abs(Double(out[r * oc + o]) - s) < 1e-5)
            }
        }
    }

    @Test func backwardMatchesFiniteDifferences() {
        let inp = FloatBuffer(randomArray(n * c, seed: 1)), w = FloatBuffer(randomArray(oc * c, seed: 2))
        let b = FloatBuffer(randomArray(oc, seed: 3)), out = FloatBuffer(count: n * oc)
        let r = randomArray(n * oc, seed: 4)
        func loss() -> Double {
            Linear.forward(out: out.pointer, inp: inp.pointer, weight: w.pointer, bias: b.pointer, n: n, c: c, oc: oc)
            return dot(out, r)
        }
        let dinp = FloatBuffer(count: n * c), dw = FloatBuffer(count: oc * c), db = FloatBuffer(count: oc)
        let dout = FloatBuffer(r)
        Linear.backward(dinp: dinp.pointer, dweight: dw.pointer, dbias: db.pointer, dout: dout.pointer,
                        inp: inp.pointer, weight: w.pointer, n: n, c: c, oc: oc)
        expectGradient("dinp", x: inp, analytic: dinp.array, loss: loss)
        expectGradient("dweight", x: w, analytic: dw.array, loss: loss)
        expectGradient("dbias", x: b, analytic: db.array, loss: loss)
    }

    @Test func backwardOverwriteModeIgnoresPreviousContents() {
        let inp = FloatBuffer(randomArray(n * c, seed: 1)), w = FloatBuffer(randomArray(oc * c, seed: 2))
        let dout = FloatBuffer(randomArray(n * oc, seed: 4))
        let a = FloatBuffer(count: n * c), bufB = FloatBuffer([Float](repeating: 7, count: n * c))
        let dw = FloatBuffer(count: oc * c)
        Linear.backward(dinp: a.pointer, dweight: dw.pointer, dbias: nil, dout: dout.pointer,
                        inp: inp.pointer, weight: w.pointer, n: n, c: c, oc: oc)
        Linear.backward(dinp: bufB.pointer, dweight: dw.pointer, dbias: nil, dout: dout.pointer,
                        inp: inp.pointer, weight: w.pointer, n: n, c: c, oc: oc, accumulate: false)
        #expect(a.array == bufB.array)
    }

    @Test func splitGemmEqualsSingleCall() {
        // Large enough to be split across workers; the row split must not change any bit.
        let m = 300, k = 64, nn = 96
        let a = FloatBuffer(randomArray(m * k, seed: 5)), bm = FloatBuffer(randomArray(nn * k, seed: 6))
        let c1 = FloatBuffer(count: m * nn), c2 = FloatBuffer(count: m * nn)
        BLAS.sgemm(transA: false, transB: true, m: m, n: nn, k: k, a: a.pointer, lda: k, b: bm.pointer, ldb: k,
                   beta: 0, c: c1.pointer, ldc: nn, parallel: true)
        BLAS.sgemm(transA: false, transB: true, m: m, n: nn, k: k, a: a.pointer, lda: k, b: bm.pointer, ldb: k,
                   beta: 0, c: c2.pointer, ldc: nn, parallel: false)
        #expect(c1.array == c2.array)
        var s = 0.0
        for i in 0..<k { s += Double(a[7 * k + i]) * Double(bm[11 * k + i]) }
        #expect(abs(Double(c1[7 * nn + 11]) - s) < 1e-4)
    }
}

extension LinearTests {
    @Test func fusedResidualEqualsSeparateAdd() {
        let inp = FloatBuffer(randomArray(n * c, seed: 1)), w = FloatBuffer(randomArray(oc * c, seed: 2))
        let b = FloatBuffer(randomArray(oc, seed: 3)), res = FloatBuffer(randomArray(n * oc, seed: 8))
        let fused = FloatBuffer(count: n * oc), plain = FloatBuffer(count: n * oc)
        Linear.forward(out: fused.pointer, inp: inp.pointer, weight: w.pointer, bias: b.pointer, n: n, c: c, oc: oc, residual: res.pointer)
        Linear.forward(out: plain.pointer, inp: inp.pointer, weight: w.pointer, bias: b.pointer, n: n, c: c, oc: oc)
        for i in 0..<(n * oc) { #expect(abs(fused[i] - (plain[i] + res[i])) < 1e-5) }
        // in place: out aliases the residual, as the model's skip connections do
        Linear.forward(out: res.pointer, inp: inp.pointer, weight: w.pointer, bias: b.pointer, n: n, c: c, oc: oc, residual: res.pointer)
        #expect(res.array == fused.array)
    }
}
