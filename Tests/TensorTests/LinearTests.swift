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

    /// What ``BLAS/sgemm`` guarantees of a split GEMM: each worker's chunk is one OpenBLAS call on fixed
    /// rows (or, for few rows, columns), so the result equals those same calls made one after another, bit
    /// for bit, on every machine; and it agrees with one unsplit call to rounding. Not bit for bit: OpenBLAS
    /// may pick other kernels, or block K differently, for other row counts (it does on AVX2-only CPUs).
    @Test(arguments: [(m: 300, n: 96, k: 64), (m: 8, n: 512, k: 128)])
    func splitGemmIsItsChunksAndAgreesWithOneCall(shape: (m: Int, n: Int, k: Int)) {
        let (m, nn, k) = shape
        let a = FloatBuffer(randomArray(m * k, seed: 5)), bm = FloatBuffer(randomArray(nn * k, seed: 6))
        let split = FloatBuffer(count: m * nn), chunks = FloatBuffer(count: m * nn), single = FloatBuffer(count: m * nn)
        BLAS.sgemm(transA: false, transB: true, m: m, n: nn, k: k, a: a.pointer, lda: k, b: bm.pointer, ldb: k,
                   beta: 0, c: split.pointer, ldc: nn, parallel: true)
        BLAS.sgemm(transA: false, transB: true, m: m, n: nn, k: k, a: a.pointer, lda: k, b: bm.pointer, ldb: k,
                   beta: 0, c: single.pointer, ldc: nn, parallel: false)
        // The chunks as Parallel.chunks cuts them: min(workers, count) contiguous ranges. Few rows split the
        // output columns (rows of Bᵀ) instead.
        let byColumns = m < 64 && nn >= 2 * m
        let count = byColumns ? nn : m
        let parts = min(Parallel.workers, count)
        for i in 0..<parts {
            let lo = count * i / parts, hi = count * (i + 1) / parts
            if byColumns {
                BLAS.sgemm(transA: false, transB: true, m: m, n: hi - lo, k: k, a: a.pointer, lda: k, b: bm.pointer + lo * k,
                           ldb: k, beta: 0, c: chunks.pointer + lo, ldc: nn, parallel: false)
            } else {
                BLAS.sgemm(transA: false, transB: true, m: hi - lo, n: nn, k: k, a: a.pointer + lo * k, lda: k, b: bm.pointer,
                           ldb: k, beta: 0, c: chunks.pointer + lo * nn, ldc: nn, parallel: false)
            }
        }
        #expect(split.array == chunks.array)
        var worst = 0.0
        for r in 0..<m {
            for o in 0..<nn {
                var exact = 0.0, magnitude = 0.0
                for i in 0..<k {
                    exact += Double(a[r * k + i]) * Double(bm[o * k + i])
                    magnitude += abs(Double(a[r * k + i]) * Double(bm[o * k + i]))
                }
                // Float32 accumulation over k terms: error ≤ k·ε·Σ|aᵢbᵢ| in the worst case, ~√k·ε typically.
                let bound = Double(k) * Double(Float.ulpOfOne) * magnitude
                worst = max(worst, abs(Double(split[r * nn + o]) - exact) / bound, abs(Double(single[r * nn + o]) - exact) / bound)
            }
        }
        #expect(worst <= 1, "split or single GEMM off the exact product by \(worst)× its rounding bound")
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
