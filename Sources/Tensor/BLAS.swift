import CBLAS

/// Row-major single-precision GEMM through OpenBLAS.
///
/// On first use OpenBLAS is set to one thread: with two cores, OpenBLAS's own spinning worker
/// threads and our Dispatch chunks would fight over the same cores (docs/ARCHITECTURE.md §5). Large GEMMs are
/// instead split by rows of the output across ``Parallel/workers``.
public enum BLAS {
    private static let singleThreaded: Bool = {
        openblas_set_num_threads(1)
        return true
    }()

    /// `C = alpha * op(A) * op(B) + beta * C` with `op(A)` M×K, `op(B)` K×N, `C` M×N, all row-major
    /// with the given leading dimensions. Splits the M rows across workers when worth it.
    @inline(__always)
    public static func sgemm(
        transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
        alpha: Float = 1, a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int,
        parallel: Bool = true
    ) {
        _ = singleThreaded
        let work = m * n * k
        let split = parallel && !Parallel.isSerial && work >= 1 << 18
        let run = { (m0: Int, m1: Int) in
            // Rows m0..<m1 of C come from rows (or, transposed, columns) m0..<m1 of A.
            let aOff = transA ? m0 : m0 * lda
            cblas_sgemm(
                CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                Int32(m1 - m0), Int32(n), Int32(k), alpha, a + aOff, Int32(lda), b, Int32(ldb),
                beta, c + m0 * ldc, Int32(ldc))
        }
        if split && m < 64 && n >= 2 * m {
            // Few rows (a decode step): split the output columns instead, i.e. rows of op(B).
            Parallel.chunks(n, costPerItem: m * k) { n0, n1 in
                guard n1 > n0 else { return }
                let bOff = transB ? n0 * ldb : n0
                cblas_sgemm(
                    CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n1 - n0), Int32(k), alpha, a, Int32(lda), b + bOff, Int32(ldb),
                    beta, c + n0, Int32(ldc))
            }
        } else if split {
            Parallel.chunks(m, costPerItem: n * k) { m0, m1 in if m1 > m0 { run(m0, m1) } }
        } else if m > 0 {
            run(0, m)
        }
    }

    /// OpenBLAS's name for the detected CPU kernel set (for benchmark output).
    public static var coreName: String {
        guard let name = openblas_get_corename() else { return "unknown" }
        return String(cString: name)
    }
}
