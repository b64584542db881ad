// N rows, V vocab (or any row width).

/// Row-wise softmax.
public enum Softmax {
    /// probs (N,V) = softmax(logits (N,V)) along each row; max-subtracted for stability.
    public static func forward(probs: UnsafeMutablePointer<Float>, logits: UnsafePointer<Float>, n: Int, v: Int) {
        Parallel.chunks(n, costPerItem: v * 8) { r0, r1 in
            for r in r0..<r1 {
                let x = logits + r * v, p = probs + r * v
                let mx = vectorMax(x, v)
                p.update(from: x, count: v)
                let inv = 1 / vectorExpShiftSum(p, v, shift: mx)
                for j in 0..<v { p[j] *= inv }
            }
        }
    }

    /// dlogits (N,V) += p ⊙ (dprobs − ⟨dprobs, p⟩) per row.
    public static func backward(
        dlogits: UnsafeMutablePointer<Float>, dprobs: UnsafePointer<Float>, probs: UnsafePointer<Float>, n: Int, v: Int
    ) {
        Parallel.chunks(n, costPerItem: v * 4) { r0, r1 in
            for r in r0..<r1 {
                let p = probs + r * v, dp = dprobs + r * v, dx = dlogits + r * v
                let dot = vectorDot(p, dp, v)
                for j in 0..<v { dx[j] += p[j] * (dp[j] - dot) }
            }
        }
    }
}

/// Log-softmax evaluated only at a target index per row: logp[i] = logits[i, target_i] − logsumexp(logits[i]).
/// This is what per-sequence log-probabilities need; the full (N,V) log-softmax is never materialised.
public enum LogSoftmaxGather {
    /// logp (N) and lse (N, the cached log-sum-exp for backward) from logits (N,V) and targets (N).
    public static func forward(
        logp: UnsafeMutablePointer<Float>, lse: UnsafeMutablePointer<Float>, logits: UnsafePointer<Float>,
        targets: UnsafePointer<Int32>, n: Int, v: Int
    ) {
        Parallel.chunks(n, costPerItem: v * 8) { r0, r1 in
            // exponentials go to a per-chunk scratch row so the sum can be taken eight lanes at a time
            let scratch = UnsafeMutablePointer<Float>.allocate(capacity: v)
            defer { scratch.deallocate() }
            for r in r0..<r1 {
                let x = logits + r * v
                let mx = vectorMax(x, v)
                scratch.update(from: x, count: v)
                let l = mx + _logf(vectorExpShiftSum(scratch, v, shift: mx))
                lse[r] = l
                logp[r] = x[Int(targets[r])] - l
            }
        }
    }

    /// dlogits (N,V) += dlogp_i · (onehot(target_i) − softmax_i), or `=` when `accumulate` is false.
    /// Rows with dlogp == 0 (masked prompt and padding) are skipped, or zero-filled when overwriting.
    public static func backward(
        dlogits: UnsafeMutablePointer<Float>, dlogp: UnsafePointer<Float>, logits: UnsafePointer<Float>,
        lse: UnsafePointer<Float>, targets: UnsafePointer<Int32>, n: Int, v: Int, accumulate: Bool = true
    ) {
        Parallel.chunks(n, costPerItem: v * 8) { r0, r1 in
            for r in r0..<r1 {
                let g = dlogp[r], x = logits + r * v, dx = dlogits + r * v
                if g == 0 {
                    if !accumulate { dx.update(repeating: 0, count: v) }
                    continue
                }
                let l = lse[r]
                if accumulate {
                    for j in 0..<v { dx[j] -= g * fastExp(x[j] - l) }
                } else {
                    for j in 0..<v { dx[j] = -g * fastExp(x[j] - l) }
                }
                dx[Int(targets[r])] += g
            }
        }
    }
}

/// Mean cross-entropy over rows: loss = −(1/N) Σ_i logp[i, target_i].
public enum CrossEntropy {
    /// Returns the mean loss; fills losses (N) and lse (N) for backward.
    @discardableResult
    public static func forward(
        losses: UnsafeMutablePointer<Float>, lse: UnsafeMutablePointer<Float>, logits: UnsafePointer<Float>,
        targets: UnsafePointer<Int32>, n: Int, v: Int
    ) -> Float {
        LogSoftmaxGather.forward(logp: losses, lse: lse, logits: logits, targets: targets, n: n, v: v)
        var total: Double = 0
        for r in 0..<n {
            losses[r] = -losses[r]
            total += Double(losses[r])
        }
        return Float(total / Double(max(n, 1)))
    }

    /// dlogits (N,V) += dloss · (softmax − onehot) / N, the gradient of the mean loss.
    public static func backward(
        dlogits: UnsafeMutablePointer<Float>, dloss: Float, logits: UnsafePointer<Float>, lse: UnsafePointer<Float>,
        targets: UnsafePointer<Int32>, n: Int, v: Int
    ) {
        // d(−logp)/dlogits, scaled: reuse the gather kernel with dlogp = −dloss/N per row.
        let dlogp = [Float](repeating: -dloss / Float(max(n, 1)), count: n)
        dlogp.withUnsafeBufferPointer { g in
            if let base = g.baseAddress {
                LogSoftmaxGather.backward(dlogits: dlogits, dlogp: base, logits: logits, lse: lse, targets: targets, n: n, v: v)
            }
        }
    }
}
