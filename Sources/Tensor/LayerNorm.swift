// B batch, T time, C channels; N = B*T rows.

/// Layer normalisation over the channel dimension with learned scale and shift (eps 1e-5, as PyTorch).
public enum LayerNorm {
    /// PyTorch's default epsilon, kept equal for parity.
    public static let eps: Float = 1e-5

    /// out (N,C) = (inp − mean) · rstd · weight + bias; caches mean (N) and rstd (N) for backward.
    public static func forward(
        out: UnsafeMutablePointer<Float>, mean: UnsafeMutablePointer<Float>?, rstd: UnsafeMutablePointer<Float>?,
        inp: UnsafePointer<Float>, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>, n: Int, c: Int
    ) {
        Parallel.chunks(n, costPerItem: c * 8) { r0, r1 in
            for r in r0..<r1 {
                let x = inp + r * c
                let m = vectorSum(x, c) / Float(c)
                let v = vectorSumSquaredDeviation(x, c, mean: m) / Float(c)
                let s = 1 / (v + eps).squareRoot()
                let o = out + r * c
                for i in 0..<c { o[i] = (x[i] - m) * s * weight[i] + bias[i] }
                // cache the mean and rstd for the backward pass later
                mean?[r] = m
                rstd?[r] = s
            }
        }
    }

    /// dinp (N,C) += ∂/∂inp; dweight (C), dbias (C) +=. Rows are independent for dinp; the
    /// parameter gradients are reduced per worker and then summed in worker order (deterministic).
    public static func backward(
        dinp: UnsafeMutablePointer<Float>, dweight: UnsafeMutablePointer<Float>, dbias: UnsafeMutablePointer<Float>,
        dout: UnsafePointer<Float>, inp: UnsafePointer<Float>, weight: UnsafePointer<Float>,
        mean: UnsafePointer<Float>, rstd: UnsafePointer<Float>, n: Int, c: Int
    ) {
        let parts = Parallel.isSerial ? 1 : max(1, min(Parallel.workers, n))
        let partial = UnsafeMutablePointer<Float>.allocate(capacity: parts * 2 * c)
        defer { partial.deallocate() }
        partial.initialize(repeating: 0, count: parts * 2 * c)
        DispatchChunks.run(parts: parts, count: n) { part, r0, r1 in
            let dw = partial + part * 2 * c
            let db = dw + c
            for r in r0..<r1 {
                let x = inp + r * c, d = dout + r * c, dx = dinp + r * c
                let m = mean[r], s = rstd[r]
                // two reductions: mean of dnorm and mean of dnorm·norm, eight lanes at a time
                var accA = Lanes(), accB = Lanes()
                let mv = Lanes(repeating: m), sv = Lanes(repeating: s)
                var i = 0
                while i + 8 <= c {
                    let dnorm = loadLanes(weight + i) * loadLanes(d + i)
                    accA += dnorm
                    accB += dnorm * ((loadLanes(x + i) - mv) * sv)
                    i += 8
                }
                var dnormMean = accA.sum(), dnormNormMean = accB.sum()
                while i < c {
                    let dnorm = weight[i] * d[i]
                    dnormMean += dnorm
                    dnormNormMean += dnorm * (x[i] - m) * s
                    i += 1
                }
                dnormMean /= Float(c)
                dnormNormMean /= Float(c)
                for i in 0..<c {
                    let norm = (x[i] - m) * s
                    let dnorm = weight[i] * d[i]
                    db[i] += d[i]
                    dw[i] += norm * d[i]
                    // term 1: dnorm; term 2: minus its mean; term 3: minus the norm-projected part
                    dx[i] += (dnorm - dnormMean - norm * dnormNormMean) * s
                }
            }
        }
        for part in 0..<parts {
            let dw = partial + part * 2 * c
            for i in 0..<c {
                dweight[i] += dw[i]
                dbias[i] += dw[c + i]
            }
        }
    }
}

/// Fixed partitioning of `count` items into `parts` chunks, run concurrently; used where each chunk
/// writes its own partial sums that are later combined in part order.
enum DispatchChunks {
    static func run(parts: Int, count: Int, _ body: (Int, Int, Int) -> Void) {
        if parts == 1 {
            body(0, 0, count)
            return
        }
        DispatchConcurrent.perform(parts) { p in body(p, count * p / parts, count * (p + 1) / parts) }
    }
}
