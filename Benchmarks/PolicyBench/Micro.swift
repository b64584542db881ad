import Tensor

/// `--micro`: times each kernel of one L4 D128 H4 replica (8 sequences × 127 tokens, one core) so
/// the step's time can be attributed. Prints one JSON line per kernel; GFLOP/s of attention count
/// the full T×T tile, so block-causal variants show as faster.
enum Micro {
    static func run() {
        let b = 8, t = 127, c = 128, nh = 4, n = b * t, v = 259
        var rng = RNG(seed: 1)
        func buf(_ count: Int) -> FloatBuffer {
            let x = FloatBuffer(count: count)
            rng.fillNormal(x.pointer, count: count, std: 1)
            return x
        }
        let x = buf(n * c), w3 = buf(3 * c * c), b3 = buf(3 * c), qkv = buf(n * 3 * c), dqkv = buf(n * 3 * c), y = buf(n * c)
        let att = buf(b * nh * t * t), h4 = buf(n * 4 * c), w4 = buf(4 * c * c), o4 = buf(n * 4 * c)
        let logits = buf(n / 2 * v), wte = buf(v * c), lw = buf(c), lb = buf(c), mean = buf(n), rstd = buf(n)
        let dw = buf(4 * c * c)
        func time(_ name: String, flops: Double, _ body: () -> Void) {
            body()
            let reps = 20
            let dt = seconds { for _ in 0..<reps { body() } } / Double(reps)
            var line = JSONLine(bench: "micro")
            line.add("kernel", name)
            line.add("us", dt * 1e6)
            line.add("gflops", flops / dt / 1e9)
            print(line.text)
        }
        Parallel.serial {
            time("linear_qkv_fwd", flops: 2.0 * Double(n * c * 3 * c)) {
                Linear.forward(out: qkv.pointer, inp: x.pointer, weight: w3.pointer, bias: b3.pointer, n: n, c: c, oc: 3 * c)
            }
            time("linear_fc_fwd", flops: 2.0 * Double(n * c * 4 * c)) {
                Linear.forward(out: h4.pointer, inp: x.pointer, weight: w4.pointer, bias: nil, n: n, c: c, oc: 4 * c)
            }
            time("linear_fc_dweight", flops: 2.0 * Double(n * c * 4 * c)) {
                Linear.backward(dinp: nil, dweight: dw.pointer, dbias: nil, dout: h4.pointer, inp: x.pointer,
                                weight: w4.pointer, n: n, c: c, oc: 4 * c)
            }
            time("linear_fc_dinp", flops: 2.0 * Double(n * c * 4 * c)) {
                Linear.backward(dinp: y.pointer, dweight: dw.pointer, dbias: nil, dout: h4.pointer, inp: x.pointer,
                                weight: w4.pointer, n: n, c: c, oc: 4 * c, accumulate: false)
            }
            time("attention_fwd", flops: 4.0 * Double(b * t * t * c)) {
                Attention.forward(out: y.pointer, att: att.pointer, qkv: qkv.pointer, b: b, t: t, c: c, nh: nh)
            }
            for rows in [32, 64, 128] {
                time("attention_fwd_block\(rows)", flops: 4.0 * Double(b * t * t * c)) {
                    Attention.forward(out: y.pointer, att: att.pointer, qkv: qkv.pointer, b: b, t: t, c: c, nh: nh, blockRows: rows)
                }
                time("attention_bwd_block\(rows)", flops: 8.0 * Double(b * t * t * c)) {
                    Attention.backward(dqkv: dqkv.pointer, dout: y.pointer, qkv: qkv.pointer, att: att.pointer, b: b, t: t, c: c,
                                       nh: nh, blockRows: rows)
                }
            }
            time("attention_bwd", flops: 8.0 * Double(b * t * t * c)) {
                Attention.backward(dqkv: dqkv.pointer, dout: y.pointer, qkv: qkv.pointer, att: att.pointer, b: b, t: t, c: c, nh: nh)
            }
            time("gelu_fwd", flops: 0) { GELU.forward(out: o4.pointer, inp: h4.pointer, n: n * 4 * c) }
            time("gelu_bwd", flops: 0) { GELU.backward(dinp: o4.pointer, inp: h4.pointer, dout: h4.pointer, n: n * 4 * c, accumulate: false) }
            time("layernorm_fwd", flops: 0) {
                LayerNorm.forward(out: y.pointer, mean: mean.pointer, rstd: rstd.pointer, inp: x.pointer, weight: lw.pointer, bias: lb.pointer, n: n, c: c)
            }
            time("layernorm_bwd", flops: 0) {
                LayerNorm.backward(dinp: y.pointer, dweight: lw.pointer, dbias: lb.pointer, dout: x.pointer, inp: x.pointer,
                                   weight: lw.pointer, mean: mean.pointer, rstd: rstd.pointer, n: n, c: c)
            }
            let params = buf(842_880), grads = buf(842_880)
            var opt = AdamW(parameterCount: 842_880)
            time("adamw_842880", flops: 0) { opt.update(params: params.pointer, grads: grads.pointer) }
            time("zero_842880", flops: 0) { grads.zero() }
            time("head_fwd", flops: 2.0 * Double(n / 2 * c * v)) {
                Linear.forward(out: logits.pointer, inp: x.pointer, weight: wte.pointer, bias: nil, n: n / 2, c: c, oc: v)
            }
        }
    }
}
