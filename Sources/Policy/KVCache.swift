// G sequences decoding together, C channels, V vocab, NH heads, L layers, ctx context.
import Tensor

/// Keys and values of every past position for a group of sequences that decode in lock-step,
/// plus the one-token scratch of a decode step. Reads the model's parameters, never writes them,
/// so several groups may decode concurrently from one model.
final class KVCache {
    let g: Int, c: Int, ctx: Int
    let keys: [FloatBuffer], values: [FloatBuffer]  // L × (G,ctx,C)
    let x: FloatBuffer, ln: FloatBuffer, atty: FloatBuffer  // (G,C)
    let qkv: FloatBuffer  // (G,3C)
    let fch: FloatBuffer, fchGelu: FloatBuffer  // (G,4C)
    let logits: FloatBuffer  // (G,V)
    let scores: FloatBuffer  // (ctx)

    /// What one sequence adds to a cache: keys and values for every layer and position, the
    /// per-step activations and a row of logits.
    static func bytesPerSequence(_ config: GPTConfig) -> Int {
        (2 * config.layers * config.context * config.dim + 12 * config.dim + config.vocab) * MemoryLayout<Float>.size
    }

    init(config: GPTConfig, sequences g: Int) {
        self.g = g
        c = config.dim
        ctx = config.context
        keys = (0..<config.layers).map { _ in FloatBuffer(count: g * config.context * config.dim) }
        values = (0..<config.layers).map { _ in FloatBuffer(count: g * config.context * config.dim) }
        x = FloatBuffer(count: g * c); ln = FloatBuffer(count: g * c); atty = FloatBuffer(count: g * c)
        qkv = FloatBuffer(count: g * 3 * c)
        fch = FloatBuffer(count: g * 4 * c); fchGelu = FloatBuffer(count: g * 4 * c)
        logits = FloatBuffer(count: g * config.vocab)
        scores = FloatBuffer(count: config.context)
    }
}

extension GPT {
    /// One decode step: feeds `tokens` (G) at position `pos`, appends their keys and values to the
    /// cache and leaves next-token logits (G,V) in `cache.logits`.
    func decodeStep(tokens: [Int32], pos: Int, cache: KVCache) {
        let g = cache.g, c = config.dim, nh = config.heads, hs = c / nh, v = config.vocab, ctx = cache.ctx
        let w = parameters.pointer
        let x = cache.x.pointer
        tokens.withUnsafeBufferPointer { tok in
            guard let tp = tok.baseAddress else { return }
            Embedding.forward(out: x, tokens: tp, wte: w + layout.wte, wpe: w + layout.wpe, b: g, t: 1, c: c, pos0: pos)
        }
        let scale = 1 / Float(hs).squareRoot()
        for l in 0..<config.layers {
            let p = layout.blocks[l]
            LayerNorm.forward(out: cache.ln.pointer, mean: nil, rstd: nil, inp: x, weight: w + p.ln1w, bias: w + p.ln1b, n: g, c: c)
            Linear.forward(out: cache.qkv.pointer, inp: cache.ln.pointer, weight: w + p.qkvw, bias: w + p.qkvb, n: g, c: c, oc: 3 * c)
            let kc = cache.keys[l].pointer, vc = cache.values[l].pointer
            for s in 0..<g {
                let row = cache.qkv.pointer + s * 3 * c
                (kc + (s * ctx + pos) * c).update(from: row + c, count: c)
                (vc + (s * ctx + pos) * c).update(from: row + 2 * c, count: c)
            }
            // attention of the single new query against positions 0...pos
            let sc = cache.scores.pointer
            for s in 0..<g {
                for h in 0..<nh {
                    let q = cache.qkv.pointer + s * 3 * c + h * hs
                    for j in 0...pos { sc[j] = Kernels.dot(q, kc + (s * ctx + j) * c + h * hs, hs) * scale }
                    let mx = Kernels.max(sc, pos + 1)
                    let sum = Kernels.expShiftSum(sc, pos + 1, shift: mx)
                    let y = cache.atty.pointer + s * c + h * hs
                    y.update(repeating: 0, count: hs)
                    let inv = 1 / sum
                    for j in 0...pos {
                        let vv = vc + (s * ctx + j) * c + h * hs, a = sc[j] * inv
                        for i in 0..<hs { y[i] += a * vv[i] }
                    }
                }
            }
            Linear.forward(out: x, inp: cache.atty.pointer, weight: w + p.projw, bias: w + p.projb, n: g, c: c, oc: c, residual: x)
            LayerNorm.forward(out: cache.ln.pointer, mean: nil, rstd: nil, inp: x, weight: w + p.ln2w, bias: w + p.ln2b, n: g, c: c)
            Linear.forward(out: cache.fch.pointer, inp: cache.ln.pointer, weight: w + p.fcw, bias: w + p.fcb, n: g, c: c, oc: 4 * c)
            GELU.forward(out: cache.fchGelu.pointer, inp: cache.fch.pointer, n: g * 4 * c)
            Linear.forward(out: x, inp: cache.fchGelu.pointer, weight: w + p.outw, bias: w + p.outb, n: g, c: 4 * c, oc: c, residual: x)
        }
        LayerNorm.forward(out: cache.ln.pointer, mean: nil, rstd: nil, inp: x, weight: w + layout.lnfw, bias: w + layout.lnfb, n: g, c: c)
        Linear.forward(out: cache.logits.pointer, inp: cache.ln.pointer, weight: w + layout.wte, bias: nil, n: g, c: c, oc: v)
    }
}
