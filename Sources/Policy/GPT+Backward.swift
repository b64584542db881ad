// B batch, T time, C channels, V vocab, L layers; N = B*T; R = head rows of the last forward.
import Tensor

extension GPT {
    /// Backward from the gradient of the head rows of the last forward: `dlogits` (R,V) through the
    /// tied output projection (optional) plus `dlnf` (R,C) straight into the final layer norm's
    /// output (used by the value head). Accumulates into the replica's gradients (the model's
    /// ``gradients`` for the primary replica).
    func backward(dlogits: UnsafePointer<Float>?, dlnf: UnsafeMutablePointer<Float>, in replica: Replica? = nil) {
        let replica = replica ?? primary
        precondition(requiresGradients, "GPT.backward on a model with requiresGradients == false")
        guard let acts = replica.acts, let head = replica.head, acts.supportsBackward else {
            preconditionFailure("GPT.backward called before a forward pass that kept activations")
        }
        let n = acts.b * acts.t, c = config.dim, v = config.vocab
        let r = head.rows.count
        let w = parameters.pointer, g = (replica.ownGradients ?? gradients).pointer
        if let dlogits {
            // dlnf += dlogits · wte ; dwte += dlogitsᵀ · lnf
            Linear.backward(dinp: dlnf, dweight: g + layout.wte, dbias: nil, dout: dlogits, inp: head.lnf.pointer,
                            weight: w + layout.wte, n: r, c: c, oc: v)
        }
        // final layer norm, then scatter the head rows back into the residual-stream gradient
        let dhidden = head.dhidden
        dhidden.zero()
        LayerNorm.backward(dinp: dhidden.pointer, dweight: g + layout.lnfw, dbias: g + layout.lnfb, dout: dlnf,
                           inp: head.hidden.pointer, weight: w + layout.lnfw, mean: head.lnfMean.pointer,
                           rstd: head.lnfRstd.pointer, n: r, c: c)
        let dres = acts.dres.pointer
        acts.dres.zero()
        var top = config.layers - 1
        if head.compactTail {
            // last block's tail ran on the head rows only: backprop it there, then scatter d(x) and
            // d(atty) into the full-width buffers for the attention half
            let p = layout.blocks[top]
            tailBackward(p, BlockTail(head), n: r, dres: dhidden.pointer, datty: head.datty.pointer, scratch: acts, grads: g)
            acts.datty.zero()
            for (i, row) in head.rows.enumerated() {
                (dres + Int(row) * c).update(from: dhidden.pointer + i * c, count: c)
                (acts.datty.pointer + Int(row) * c).update(from: head.datty.pointer + i * c, count: c)
            }
            attentionBackward(layer: top, acts: acts, dres: dres, grads: g)
            top -= 1
        } else {
            for (i, row) in head.rows.enumerated() {
                let dst = dres + Int(row) * c, src = dhidden.pointer + i * c
                for j in 0..<c { dst[j] += src[j] }
            }
        }
        // blocks in reverse; dres always holds d(loss)/d(current residual), updated in place
        for l in stride(from: top, through: 0, by: -1) {
            tailBackward(layout.blocks[l], BlockTail(acts, layer: l), n: n, dres: dres, datty: acts.datty.pointer,
                         scratch: acts, grads: g)
            attentionBackward(layer: l, acts: acts, dres: dres, grads: g)
        }
        replica.lastTokens.withUnsafeBufferPointer { tok in
            guard let tp = tok.baseAddress else { return }
            Embedding.backward(dwte: g + layout.wte, dwpe: g + layout.wpe, dout: dres, tokens: tp, b: acts.b, t: acts.t, c: c)
        }
    }

    /// Backward of a block's first half, x → ln1 → qkv → attention, given d(atty) in
    /// `acts.datty`; adds d(x) into `dres`.
    func attentionBackward(layer l: Int, acts: Activations, dres: UnsafeMutablePointer<Float>, grads g: UnsafeMutablePointer<Float>) {
        let p = layout.blocks[l], w = parameters.pointer
        let b = acts.b, t = acts.t, n = b * t, c = config.dim
        let x = acts.input(l)
        Attention.backward(dqkv: acts.dqkv.pointer, dout: acts.datty.pointer, qkv: acts.qkv[l].pointer,
                           att: acts.att[l].pointer, b: b, t: t, c: c, nh: config.heads)
        Linear.backward(dinp: acts.dln.pointer, dweight: g + p.qkvw, dbias: g + p.qkvb, dout: acts.dqkv.pointer,
                        inp: acts.ln1[l].pointer, weight: w + p.qkvw, n: n, c: c, oc: 3 * c, accumulate: false)
        LayerNorm.backward(dinp: dres, dweight: g + p.ln1w, dbias: g + p.ln1b, dout: acts.dln.pointer,
                           inp: x, weight: w + p.ln1w, mean: acts.ln1Mean[l].pointer, rstd: acts.ln1Rstd[l].pointer,
                           n: n, c: c)
    }
}
