// N elements.

/// GELU, tanh approximation: 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))), as GPT-2 and
/// PyTorch's `approximate="tanh"`.
public enum GELU {
    static let scale: Float = 0.797_884_560_802_865_4  // √(2/π)

    /// out (N) = gelu(inp (N)); `out` may be `inp` (in place). With `derivative`, also stores
    /// gelu'(inp) (N) there, so that the backward pass is one multiply instead of a second tanh.
    public static func forward(
        out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>, n: Int,
        derivative: UnsafeMutablePointer<Float>? = nil
    ) {
        Parallel.chunks(n, costPerItem: 16) { i0, i1 in
            var i0 = i0
            // eight lanes at a time (see fastTanh(SIMD8)), then a scalar tail
            while i0 + 8 <= i1 {
                let x = loadLanes(inp + i0)
                let tanhOut = fastTanh(scale * (x + 0.044715 * x * x * x))
                storeLanes(0.5 * x * (1 + tanhOut), out + i0)
                if let derivative {
                    let sech2 = 1 - tanhOut * tanhOut
                    storeLanes(0.5 * (1 + tanhOut) + x * 0.5 * sech2 * scale * (1 + 3 * 0.044715 * x * x), derivative + i0)
                }
                i0 += 8
            }
            if let derivative {
                for i in i0..<i1 {
                    let x = inp[i]
                    let tanhOut = fastTanh(scale * (x + 0.044715 * x * x * x))
                    out[i] = 0.5 * x * (1 + tanhOut)
                    derivative[i] = local(x, tanhOut)
                }
            } else {
                for i in i0..<i1 {
                    let x = inp[i]
                    out[i] = 0.5 * x * (1 + fastTanh(scale * (x + 0.044715 * x * x * x)))
                }
            }
        }
    }

    /// gelu'(x) given tanh(√(2/π)(x + 0.044715x³)).
    @inline(__always)
    static func local(_ x: Float, _ tanhOut: Float) -> Float {
        // product rule: d/dx of 0.5·x·(1+tanh(u)) = 0.5(1+tanh u) + 0.5·x·sech²u·u'
        let sech2 = 1 - tanhOut * tanhOut
        return 0.5 * (1 + tanhOut) + x * 0.5 * sech2 * scale * (1 + 3 * 0.044715 * x * x)
    }

    /// dinp (N) = derivative (N, from ``forward(out:inp:n:derivative:)``) · dout (N), overwriting.
    public static func backward(
        dinp: UnsafeMutablePointer<Float>, derivative: UnsafePointer<Float>, dout: UnsafePointer<Float>, n: Int
    ) {
        Parallel.chunks(n, costPerItem: 2) { i0, i1 in
            var i = i0
            while i + 8 <= i1 {
                storeLanes(loadLanes(derivative + i) * loadLanes(dout + i), dinp + i)
                i += 8
            }
            while i < i1 {
                dinp[i] = derivative[i] * dout[i]
                i += 1
            }
        }
    }

    /// dinp (N) += gelu'(inp) · dout, or `=` when `accumulate` is false.
    public static func backward(
        dinp: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>, dout: UnsafePointer<Float>, n: Int,
        accumulate: Bool = true
    ) {
        Parallel.chunks(n, costPerItem: 20) { i0, i1 in
            for i in i0..<i1 {
                let x = inp[i]
                let g = local(x, fastTanh(scale * (x + 0.044715 * x * x * x))) * dout[i]
                if accumulate { dinp[i] += g } else { dinp[i] = g }
            }
        }
    }
}
