// N elements.

/// Residual connection: out = a + b. The model itself adds in place into its residual stream; this
/// kernel is the plain, tested form of that step.
public enum Residual {
    /// out (N) = a (N) + b (N).
    public static func forward(out: UnsafeMutablePointer<Float>, a: UnsafePointer<Float>, b: UnsafePointer<Float>, n: Int) {
        for i in 0..<n { out[i] = a[i] + b[i] }
    }

    /// da (N) += dout; db (N) += dout.
    public static func backward(da: UnsafeMutablePointer<Float>, db: UnsafeMutablePointer<Float>, dout: UnsafePointer<Float>, n: Int) {
        for i in 0..<n {
            da[i] += dout[i]
            db[i] += dout[i]
        }
    }
}
