// B batch, T time, C channels, NH heads, hs = C/NH head size.

/// Causal multi-head self-attention over a packed qkv input.
///
/// Each (batch, head) pair is an independent problem solved with strided GEMMs straight out of the
/// packed (B,T,3C) layout (leading dimension 3C), so no transpose copies are made. Pairs are spread
/// over workers; BLAS runs single-threaded inside each. Query rows are processed in blocks of
/// `blockRows`, and a block only multiplies against the keys up to its last row: the score tiles
/// above the diagonal, which the causal mask would zero anyway, are never computed (with two
/// blocks that is a quarter of the attention GEMM work).
public enum Attention {
    /// Default query-block height; T = 127 splits into two blocks.
    public static let defaultBlockRows = 64

    /// out (B,T,C) from qkv (B,T,3C) = [q | k | v]; att (B,NH,T,T) caches the softmax probabilities
    /// (zero above the diagonal) for backward.
    public static func forward(
        out: UnsafeMutablePointer<Float>, att: UnsafeMutablePointer<Float>, qkv: UnsafePointer<Float>,
        b: Int, t: Int, c: Int, nh: Int, blockRows: Int = defaultBlockRows
    ) {
        let hs = c / nh
        let scale = 1 / Float(hs).squareRoot()
        Parallel.forEach(b * nh, costPerItem: t * t * hs * 4) { bh in
            let bi = bh / nh, h = bh % nh
            let q = qkv + bi * t * 3 * c + h * hs
            let k = q + c, v = q + 2 * c
            let p = att + bh * t * t
            let y = out + bi * t * c + h * hs
            var r0 = 0
            while r0 < t {
                let r1 = min(t, r0 + blockRows)
                // scores (rows r0..<r1, keys 0..<r1) = scale · q kᵀ
                BLAS.sgemm(transA: false, transB: true, m: r1 - r0, n: r1, k: hs, alpha: scale,
                           a: q + r0 * 3 * c, lda: 3 * c, b: k, ldb: 3 * c, beta: 0, c: p + r0 * t, ldc: t, parallel: false)
                for i in r0..<r1 {
                    let row = p + i * t
                    let mx = vectorMax(row, i + 1)
                    let inv = 1 / vectorExpShiftSum(row, i + 1, shift: mx)
                    for j in 0...i { row[j] *= inv }
                    // causal mask: future positions get exactly zero weight
                    (row + i + 1).update(repeating: 0, count: t - i - 1)
                }
                // y (rows r0..<r1, hs) = att · v over keys 0..<r1
                BLAS.sgemm(transA: false, transB: false, m: r1 - r0, n: hs, k: r1,
                           a: p + r0 * t, lda: t, b: v, ldb: 3 * c, beta: 0, c: y + r0 * c, ldc: c, parallel: false)
                r0 = r1
            }
        }
    }

    /// dqkv (B,T,3C) is **overwritten** with the gradient (each (b,h) slice is written exactly once,
    /// which saves zeroing a buffer the size of qkv); needs dout (B,T,C), qkv and the cached att.
    public static func backward(
        dqkv: UnsafeMutablePointer<Float>, dout: UnsafePointer<Float>, qkv: UnsafePointer<Float>,
        att: UnsafePointer<Float>, b: Int, t: Int, c: Int, nh: Int, blockRows: Int = defaultBlockRows
    ) {
        let hs = c / nh
        let scale = 1 / Float(hs).squareRoot()
        Parallel.chunks(b * nh, costPerItem: t * t * hs * 8) { s, e in
            let datt = UnsafeMutablePointer<Float>.allocate(capacity: t * t)
            defer { datt.deallocate() }
            for bh in s..<e {
                let bi = bh / nh, h = bh % nh
                let q = qkv + bi * t * 3 * c + h * hs
                let k = q + c, v = q + 2 * c
                let dq = dqkv + bi * t * 3 * c + h * hs
                let dk = dq + c, dv = dq + 2 * c
                let dy = dout + bi * t * c + h * hs
                let p = att + bh * t * t
                var r0 = 0
                while r0 < t {
                    let r1 = min(t, r0 + blockRows)
                    // datt (rows r0..<r1, keys 0..<r1) = dy vᵀ
                    BLAS.sgemm(transA: false, transB: true, m: r1 - r0, n: r1, k: hs,
                               a: dy + r0 * c, lda: c, b: v, ldb: 3 * c, beta: 0, c: datt + r0 * t, ldc: t, parallel: false)
                    // softmax backward in place: dscore_ij = p_ij (datt_ij − Σ_k p_ik datt_ik), causal part only
                    for i in r0..<r1 {
                        let pr = p + i * t, dr = datt + i * t
                        let dot = vectorDot(pr, dr, i + 1)
                        for j in 0...i { dr[j] = pr[j] * (dr[j] - dot) }
                        (dr + i + 1).update(repeating: 0, count: t - i - 1)
                    }
                    // dq (rows r0..<r1) = scale · dscore k over keys 0..<r1
                    BLAS.sgemm(transA: false, transB: false, m: r1 - r0, n: hs, k: r1, alpha: scale,
                               a: datt + r0 * t, lda: t, b: k, ldb: 3 * c, beta: 0, c: dq + r0 * 3 * c, ldc: 3 * c, parallel: false)
                    r0 = r1
                }
                // key blocks: keys k0..<k1 receive from query rows k0..<T only (earlier rows cannot see them)
                var k0 = 0
                while k0 < t {
                    let k1 = min(t, k0 + blockRows)
                    // dv (keys k0..<k1) = attᵀ dy ; dk = scale · dscoreᵀ q
                    BLAS.sgemm(transA: true, transB: false, m: k1 - k0, n: hs, k: t - k0,
                               a: p + k0 * t + k0, lda: t, b: dy + k0 * c, ldb: c, beta: 0, c: dv + k0 * 3 * c, ldc: 3 * c,
                               parallel: false)
                    BLAS.sgemm(transA: true, transB: false, m: k1 - k0, n: hs, k: t - k0, alpha: scale,
                               a: datt + k0 * t + k0, lda: t, b: q + k0 * 3 * c, ldb: 3 * c, beta: 0, c: dk + k0 * 3 * c,
                               ldc: 3 * c, parallel: false)
                    k0 = k1
                }
            }
        }
    }
}
