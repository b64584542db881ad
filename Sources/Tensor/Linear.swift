// B batch, T time, C channels, V vocab; N = B*T rows, OC output channels.

/// A fully connected layer `out = inp · Wᵀ + bias`, with weights stored (OC, C) as in PyTorch.
public enum Linear {
    /// out (N,OC) = inp (N,C) · weight (OC,C)ᵀ + bias (OC) [+ residual (N,OC)].
    ///
    /// `residual`, when given, is added in the same pass (the transformer's skip connection), which
    /// saves a separate read-modify-write sweep over the output. It may alias `out`.
    public static func forward(
        out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>,
        weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?, n: Int, c: Int, oc: Int,
        residual: UnsafePointer<Float>? = nil
    ) {
        // Seed each row with bias (+ residual), then let the GEMM accumulate onto it (beta = 1).
        if bias != nil || residual != nil {
            Parallel.chunks(n, costPerItem: oc) { r0, r1 in
                for r in r0..<r1 {
                    let o = out + r * oc
                    switch (bias, residual) {
                    case let (b?, res?):
                        let x = res + r * oc
                        for i in 0..<oc { o[i] = x[i] + b[i] }
                    case let (b?, nil): o.update(from: b, count: oc)
                    case let (nil, res?): if UnsafePointer(o) != res + r * oc { o.update(from: res + r * oc, count: oc) }
                    case (nil, nil): break
                    }
                }
            }
        }
        BLAS.sgemm(transA: false, transB: true, m: n, n: oc, k: c,
                   a: inp, lda: c, b: weight, ldb: c, beta: (bias == nil && residual == nil) ? 0 : 1, c: out, ldc: oc)
    }

    /// Backward of ``forward(out:inp:weight:bias:n:c:oc:)``.
    /// dweight (OC,C) += doutᵀ · inp; dbias (OC) += Σ_rows dout; dinp (N,C) += (or =, when
    /// `accumulate` is false, which spares the caller zeroing a scratch buffer) dout · weight.
    public static func backward(
        dinp: UnsafeMutablePointer<Float>?, dweight: UnsafeMutablePointer<Float>,
        dbias: UnsafeMutablePointer<Float>?, dout: UnsafePointer<Float>,
        inp: UnsafePointer<Float>, weight: UnsafePointer<Float>, n: Int, c: Int, oc: Int,
        accumulate: Bool = true
    ) {
        if let dinp {
            BLAS.sgemm(transA: false, transB: false, m: n, n: c, k: oc,
                       a: dout, lda: oc, b: weight, ldb: c, beta: accumulate ? 1 : 0, c: dinp, ldc: c)
        }
        BLAS.sgemm(transA: true, transB: false, m: oc, n: c, k: n,
                   a: dout, lda: oc, b: inp, ldb: c, beta: 1, c: dweight, ldc: c)
        if let dbias {
            // Each worker owns a slice of output channels and sums down all rows in a fixed order.
            Parallel.chunks(oc, costPerItem: n) { o0, o1 in
                for r in 0..<n {
                    let row = dout + r * oc
                    for o in o0..<o1 { dbias[o] += row[o] }
                }
            }
        }
    }
}
