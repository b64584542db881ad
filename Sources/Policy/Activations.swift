// B batch, T time, C channels, V vocab, NH heads, L layers; R = rows whose logits are needed.
import Tensor

/// Forward caches and backward scratch for one (B, T) shape, allocated once and reused every step.
///
/// A model that will run a backward keeps every layer's activations. A frozen model (a reference
/// policy) keeps one layer's worth and reuses it down the stack: a quarter of the memory for L4,
/// and a working set that stays in cache.
final class Activations {
    let b: Int, t: Int
    /// Number of per-layer slots: all layers, or 1 when layers share one set.
    let slots: Int
    let encoded: FloatBuffer  // (B,T,C) token + position embedding, the first residual
    let ln1: [FloatBuffer], ln1Mean: [FloatBuffer], ln1Rstd: [FloatBuffer]  // slots × (BT,C), (BT), (BT)
    let qkv: [FloatBuffer]  // slots × (BT,3C)
    let att: [FloatBuffer]  // slots × (B,NH,T,T) softmax probabilities
    let atty: [FloatBuffer]  // slots × (BT,C) attention output before projection
    let res2: [FloatBuffer]  // slots × (BT,C) residual after attention
    let ln2: [FloatBuffer], ln2Mean: [FloatBuffer], ln2Rstd: [FloatBuffer]
    let mlp: [FloatBuffer]  // slots × (BT,4C) fc output, then GELU applied in place (only the GELU output is read later)
    let geluGrad: [FloatBuffer]  // slots × (BT,4C) gelu'(fc output), stored for the backward (empty when frozen)
    let res3: [FloatBuffer]  // slots × (BT,C) block output
    // backward scratch, shared by all layers (empty when no backward will run)
    let dres: FloatBuffer  // (BT,C) gradient of the residual stream
    let dln: FloatBuffer  // (BT,C)
    let datty: FloatBuffer  // (BT,C)
    let dqkv: FloatBuffer  // (BT,3C)
    let dfch: FloatBuffer, dfchGelu: FloatBuffer  // (BT,4C)

    init(config: GPTConfig, b: Int, t: Int, keepAllLayers: Bool, backward: Bool) {
        self.b = b
        self.t = t
        let n = b * t, c = config.dim, nb = backward ? n : 0
        let slots = keepAllLayers ? config.layers : 1
        self.slots = slots
        func make(_ count: Int) -> [FloatBuffer] { (0..<slots).map { _ in FloatBuffer(count: count) } }
        encoded = FloatBuffer(count: n * c)
        ln1 = make(n * c); ln1Mean = make(n); ln1Rstd = make(n)
        qkv = make(n * 3 * c)
        att = make(b * config.heads * t * t)
        atty = make(n * c); res2 = make(n * c)
        ln2 = make(n * c); ln2Mean = make(n); ln2Rstd = make(n)
        mlp = make(n * 4 * c); geluGrad = make(nb * 4 * c)
        res3 = make(n * c)
        dres = FloatBuffer(count: nb * c); dln = FloatBuffer(count: nb * c); datty = FloatBuffer(count: nb * c)
        dqkv = FloatBuffer(count: nb * 3 * c)
        dfch = FloatBuffer(count: nb * 4 * c); dfchGelu = FloatBuffer(count: nb * 4 * c)
    }

    /// The slot holding layer `l`.
    @inline(__always) func slot(_ l: Int) -> Int { slots == 1 ? 0 : l }

    /// Whether a backward can run on these activations.
    var supportsBackward: Bool { dres.count > 0 }

    /// The residual input of layer `l` (the embedding for layer 0).
    @inline(__always) func input(_ l: Int) -> UnsafeMutablePointer<Float> {
        l == 0 ? encoded.pointer : res3[slot(l - 1)].pointer
    }
}

/// The gathered head rows of one forward: which residual rows feed the final layer norm, and what
/// came out of it (and of the tied output projection, when logits were asked for). When the rows
/// are a strict subset, the last block's tail also runs here, on those rows only.
final class HeadActivations {
    var rows: [Int32]  // R indices into the (B*T) rows
    let hidden: FloatBuffer  // (R,C) final residual of the head rows
    let lnf: FloatBuffer, lnfMean: FloatBuffer, lnfRstd: FloatBuffer  // (R,C), (R), (R)
    let logits: FloatBuffer?  // (R,V)
    let compactTail: Bool
    // last block's tail on the head rows (empty unless compactTail)
    let atty: FloatBuffer, x: FloatBuffer, res2: FloatBuffer, ln2: FloatBuffer  // (R,C)
    let ln2Mean: FloatBuffer, ln2Rstd: FloatBuffer  // (R)
    let mlp: FloatBuffer, geluGrad: FloatBuffer  // (R,4C)
    let datty: FloatBuffer  // (R,C) backward scratch
    let dhidden: FloatBuffer  // (R,C) gradient of the final residual rows (backward scratch)

    init(rows: [Int32], c: Int, v: Int, withLogits: Bool, compactTail: Bool) {
        self.rows = rows
        self.compactTail = compactTail
        let r = rows.count, rt = compactTail ? rows.count : 0
        hidden = FloatBuffer(count: r * c)
        lnf = FloatBuffer(count: r * c)
        lnfMean = FloatBuffer(count: r)
        lnfRstd = FloatBuffer(count: r)
        logits = withLogits ? FloatBuffer(count: r * v) : nil
        atty = FloatBuffer(count: rt * c); x = FloatBuffer(count: rt * c); res2 = FloatBuffer(count: rt * c)
        ln2 = FloatBuffer(count: rt * c); ln2Mean = FloatBuffer(count: rt); ln2Rstd = FloatBuffer(count: rt)
        mlp = FloatBuffer(count: rt * 4 * c); geluGrad = FloatBuffer(count: rt * 4 * c)
        datty = FloatBuffer(count: rt * c)
        dhidden = FloatBuffer(count: r * c)
    }
}
