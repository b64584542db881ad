/// AdamW (Loshchilov & Hutter, "Decoupled Weight Decay Regularization", arXiv 1711.05101).
///
/// The decay is applied to the weights directly (`p -= lr·wd·p`), not folded into the gradient, and
/// the moment estimates are bias-corrected as in Adam. Matches `torch.optim.AdamW`.
public struct AdamW: Sendable, Equatable {
    /// Learning rate.
    public var learningRate: Float
    /// Exponential decay of the first moment.
    public var beta1: Float
    /// Exponential decay of the second moment.
    public var beta2: Float
    /// Added to the root second moment for stability.
    public var eps: Float
    /// Decoupled weight decay coefficient.
    public var weightDecay: Float
    /// First-moment estimates, one per parameter.
    public var m: [Float]
    /// Second-moment estimates, one per parameter.
    public var v: [Float]
    /// Number of updates applied so far.
    public var step: Int

    /// An optimiser for `parameterCount` parameters with zeroed moments (PyTorch's defaults).
    public init(parameterCount: Int, learningRate: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.999,
                eps: Float = 1e-8, weightDecay: Float = 0.01) {
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.eps = eps
        self.weightDecay = weightDecay
        m = [Float](repeating: 0, count: parameterCount)
        v = [Float](repeating: 0, count: parameterCount)
        step = 0
    }

    /// Applies one update to `params` (count = `m.count`) from `grads`.
    public mutating func update(params: UnsafeMutablePointer<Float>, grads: UnsafePointer<Float>) {
        step += 1
        let lr = learningRate, b1 = beta1, b2 = beta2, e = eps, wd = weightDecay
        let c1 = 1 - _powf(b1, Float(step)), c2 = 1 - _powf(b2, Float(step))
        let n = m.count
        m.withUnsafeMutableBufferPointer { mb in
            v.withUnsafeMutableBufferPointer { vb in
                guard let mp = mb.baseAddress, let vp = vb.baseAddress else { return }
                Parallel.chunks(n, costPerItem: 16) { i0, i1 in
                    // decoupled decay first, exactly as torch: p ← p(1 − lr·wd) − lr·m̂/(√v̂ + ε), with
                    // m̂ = m/c1 and v̂ = v/c2. Eight lanes per iteration: the scalar loop does not
                    // vectorise (four pointers that might alias), and this runs over every parameter.
                    let decay = 1 - lr * wd, inv1 = 1 / c1, inv2 = 1 / c2
                    var i = i0
                    while i + 8 <= i1 {
                        let g = loadLanes(grads + i)
                        let m = b1 * loadLanes(mp + i) + (1 - b1) * g
                        let v = b2 * loadLanes(vp + i) + (1 - b2) * g * g
                        storeLanes(m, mp + i)
                        storeLanes(v, vp + i)
                        let p = loadLanes(params + i) * decay - lr * (m * inv1) / ((v * inv2).squareRoot() + e)
                        storeLanes(p, params + i)
                        i += 8
                    }
                    while i < i1 {
                        let g = grads[i]
                        mp[i] = b1 * mp[i] + (1 - b1) * g
                        vp[i] = b2 * vp[i] + (1 - b2) * g * g
                        params[i] = params[i] * decay - lr * (mp[i] * inv1) / ((vp[i] * inv2).squareRoot() + e)
                        i += 1
                    }
                }
            }
        }
    }
}

/// Global gradient-norm clipping (as `torch.nn.utils.clip_grad_norm_`).
public enum GradientClipping {
    /// Scales `grads` (count) so that their global L2 norm is at most `maxNorm`; returns the norm
    /// before clipping. The sum of squares is accumulated in Double, per worker chunk, then combined
    /// in chunk order so the result does not depend on scheduling.
    @discardableResult
    public static func clip(_ grads: UnsafeMutablePointer<Float>, count: Int, maxNorm: Float) -> Float {
        let parts = Parallel.isSerial ? 1 : max(1, min(Parallel.workers, count))
        var partial = [Double](repeating: 0, count: parts)
        partial.withUnsafeMutableBufferPointer { pb in
            guard let pp = pb.baseAddress else { return }
            DispatchChunks.run(parts: parts, count: count) { part, i0, i1 in
                var s: Double = 0
                for i in i0..<i1 { s += Double(grads[i]) * Double(grads[i]) }
                pp[part] = s
            }
        }
        let norm = Float(partial.reduce(0, +).squareRoot())
        if norm > maxNorm, norm.isFinite {
            let scale = maxNorm / (norm + 1e-6)
            for i in 0..<count { grads[i] *= scale }
        }
        return norm
    }
}
