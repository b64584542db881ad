// C channels; N = rows the block tail runs on (all B*T rows, or the R head rows of the last block).
import Tensor

/// Where the post-attention half of one block (projection, residual, MLP) reads and writes.
///
/// A block is attention (which needs every position) followed by a per-row tail. In the last block,
/// only the rows the head will read matter after attention, so the tail runs on those rows alone
/// (for log-probs of response tokens, about half): this struct lets one implementation serve both.
struct BlockTail {
    var atty: UnsafeMutablePointer<Float>  // (N,C) attention output, tail input
    var res2: UnsafeMutablePointer<Float>  // (N,C)
    var ln2: UnsafeMutablePointer<Float>, ln2Mean: UnsafeMutablePointer<Float>, ln2Rstd: UnsafeMutablePointer<Float>
    var mlp: UnsafeMutablePointer<Float>, geluGrad: UnsafeMutablePointer<Float>  // (N,4C): fc output → GELU in place; gelu'
    var res3: UnsafeMutablePointer<Float>  // (N,C) block output

    /// The full-width tail of layer `l`.
    init(_ acts: Activations, layer l: Int) {
        let i = acts.slot(l)
        atty = acts.atty[i].pointer
        res2 = acts.res2[i].pointer
        ln2 = acts.ln2[i].pointer; ln2Mean = acts.ln2Mean[i].pointer; ln2Rstd = acts.ln2Rstd[i].pointer
        mlp = acts.mlp[i].pointer; geluGrad = acts.geluGrad[i].pointer
        res3 = acts.res3[i].pointer
    }

    /// The head-rows-only tail of the last block.
    init(_ head: HeadActivations) {
        atty = head.atty.pointer
        res2 = head.res2.pointer
        ln2 = head.ln2.pointer; ln2Mean = head.ln2Mean.pointer; ln2Rstd = head.ln2Rstd.pointer
        mlp = head.mlp.pointer; geluGrad = head.geluGrad.pointer
        res3 = head.hidden.pointer
    }
}

extension GPT {
    /// res2 = x + proj(atty); res3 = res2 + out(gelu(fc(ln2(res2)))), on n rows.
    func tailForward(_ p: ParameterLayout.Block, x: UnsafePointer<Float>, _ s: BlockTail, n: Int) {
        let c = config.dim, w = parameters.pointer
        Linear.forward(out: s.res2, inp: s.atty, weight: w + p.projw, bias: w + p.projb, n: n, c: c, oc: c, residual: x)
        LayerNorm.forward(out: s.ln2, mean: s.ln2Mean, rstd: s.ln2Rstd, inp: s.res2, weight: w + p.ln2w, bias: w + p.ln2b, n: n, c: c)
        Linear.forward(out: s.mlp, inp: s.ln2, weight: w + p.fcw, bias: w + p.fcb, n: n, c: c, oc: 4 * c)
        GELU.forward(out: s.mlp, inp: s.mlp, n: n * 4 * c, derivative: requiresGradients ? s.geluGrad : nil)
        Linear.forward(out: s.res3, inp: s.mlp, weight: w + p.outw, bias: w + p.outb, n: n, c: 4 * c, oc: c, residual: s.res2)
    }

    /// Backward of ``tailForward(_:x:_:n:)``: `dres` (N,C) holds d(res3) on entry and d(x) from the
    /// residual path on exit; `datty` (N,C) is overwritten with d(atty). Uses `acts`' scratch.
    func tailBackward(_ p: ParameterLayout.Block, _ s: BlockTail, n: Int, dres: UnsafeMutablePointer<Float>,
                      datty: UnsafeMutablePointer<Float>, scratch acts: Activations, grads g: UnsafeMutablePointer<Float>) {
        let c = config.dim, w = parameters.pointer
        // MLP branch: res3 = res2 + out(gelu(fc(ln2(res2))))
        Linear.backward(dinp: acts.dfchGelu.pointer, dweight: g + p.outw, dbias: g + p.outb, dout: dres,
                        inp: s.mlp, weight: w + p.outw, n: n, c: 4 * c, oc: c, accumulate: false)
        GELU.backward(dinp: acts.dfch.pointer, derivative: s.geluGrad, dout: acts.dfchGelu.pointer, n: n * 4 * c)
        Linear.backward(dinp: acts.dln.pointer, dweight: g + p.fcw, dbias: g + p.fcb, dout: acts.dfch.pointer,
                        inp: s.ln2, weight: w + p.fcw, n: n, c: c, oc: 4 * c, accumulate: false)
        // the skip connection already left d(res3) in dres; ln2's contribution adds onto it
        LayerNorm.backward(dinp: dres, dweight: g + p.ln2w, dbias: g + p.ln2b, dout: acts.dln.pointer,
                           inp: s.res2, weight: w + p.ln2w, mean: s.ln2Mean, rstd: s.ln2Rstd, n: n, c: c)
        // res2 = x + proj(atty)
        Linear.backward(dinp: datty, dweight: g + p.projw, dbias: g + p.projb, dout: dres,
                        inp: s.atty, weight: w + p.projw, n: n, c: c, oc: c, accumulate: false)
    }
}
