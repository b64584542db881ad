// B batch, T time, C channels, V vocab.

/// Token plus learned position embedding: out[b,t,:] = wte[tokens[b,t],:] + wpe[pos0 + t,:].
public enum Embedding {
    /// out (B,T,C); tokens (B,T); wte (V,C); wpe (maxT,C). `pos0` offsets positions (KV-cached steps).
    public static func forward(
        out: UnsafeMutablePointer<Float>, tokens: UnsafePointer<Int32>,
        wte: UnsafePointer<Float>, wpe: UnsafePointer<Float>, b: Int, t: Int, c: Int, pos0: Int = 0
    ) {
        for bt in 0..<(b * t) {
            let o = out + bt * c
            let te = wte + Int(tokens[bt]) * c
            let pe = wpe + (pos0 + bt % t) * c
            for i in 0..<c { o[i] = te[i] + pe[i] }
        }
    }

    /// dwte (V,C) and dwpe (maxT,C) += scatter of dout (B,T,C). Serial: rows with the same token
    /// collide, and a fixed order keeps the sums deterministic.
    public static func backward(
        dwte: UnsafeMutablePointer<Float>, dwpe: UnsafeMutablePointer<Float>,
        dout: UnsafePointer<Float>, tokens: UnsafePointer<Int32>, b: Int, t: Int, c: Int, pos0: Int = 0
    ) {
        for bt in 0..<(b * t) {
            let d = dout + bt * c
            let te = dwte + Int(tokens[bt]) * c
            let pe = dwpe + (pos0 + bt % t) * c
            for i in 0..<c {
                te[i] += d[i]
                pe[i] += d[i]
            }
        }
    }
}
