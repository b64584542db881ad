import Dispatch
import Foundation
import Policy
import Tensor

/// One benchmark shape, as the anchor's command-line arguments describe it.
struct Shape {
    var layers: Int, dim: Int, heads: Int, ctx: Int
    var pairs = 8
    var vocab = 259
    var config: GPTConfig { GPTConfig(layers: layers, dim: dim, heads: heads, context: ctx, vocab: vocab) }
    var anchorArguments: [String] {
        ["--layers", "\(layers)", "--dim", "\(dim)", "--heads", "\(heads)", "--ctx", "\(ctx)", "--pairs", "\(pairs)"]
    }
}

func seconds(_ body: () throws -> Void) rethrows -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    try body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}

/// The anchor's `dpo_step`: reference forward, policy forward + backward on 2·pairs sequences of
/// `ctx` tokens (second half scored), DPO loss with β = 0.1, AdamW(lr 1e-4).
struct DPOStep {
    let policy: GPT, reference: GPT
    let batch: SequenceBatch
    var optimizer: AdamW
    let beta: Float = 0.1

    init(shape: Shape) throws {
        policy = try GPT(config: shape.config, seed: 0)
        reference = try GPT.load(policy.checkpoint()).model
        reference.requiresGradients = false
        let b = 2 * shape.pairs, t = shape.ctx
        var rng = RNG(seed: 1)
        let tokens = (0..<(b * t)).map { _ in Int32(rng.next() % UInt64(shape.vocab)) }
        // the anchor scores targets tokens[:, 1:][:, T//2:], i.e. token positions ≥ T/2 + 1
        let scored = (0..<(b * t)).map { Float($0 % t >= t / 2 + 1 ? 1 : 0) }
        batch = try SequenceBatch(tokens: tokens, scored: scored, batch: b, time: t)
        optimizer = AdamW(parameterCount: policy.parameterCount, learningRate: 1e-4)
    }

    mutating func run() throws -> Float {
        let ref = try reference.sequenceLogProbs(batch)
        let pol = try policy.sequenceLogProbs(batch)
        let pairs = batch.batch / 2
        var dSum = [Float](repeating: 0, count: batch.batch)
        var loss: Float = 0
        for i in 0..<pairs {
            let z = beta * ((pol.sum[2 * i] - ref.sum[2 * i]) - (pol.sum[2 * i + 1] - ref.sum[2 * i + 1]))
            // −log σ(z), written stably; its derivative is −σ(−z)
            loss += (max(-z, 0) + log1p(exp(-abs(z)))) / Float(pairs)
            let g = -beta / (1 + exp(z)) / Float(pairs)
            dSum[2 * i] = g
            dSum[2 * i + 1] = -g
        }
        policy.zeroGradients()
        policy.backwardLogProbs(dSum: dSum)
        optimizer.update(params: policy.parameters.pointer, grads: policy.gradients.pointer)
        return loss
    }

    /// Floating-point work of one step as executed: policy forward ×3 (forward + backward) plus
    /// the reference forward. The vocabulary head and the last block's tail run only on scored
    /// rows, and attention only on the block-causal tiles ``Attention`` computes.
    var flops: Double {
        let c = Double(policy.config.dim), l = Double(policy.config.layers), v = Double(policy.config.vocab)
        let t = batch.time - 1, b = Double(batch.batch)
        let r = Double(batch.scored.reduce(0, +))  // head rows
        // qkv on every row of every block; the tail (proj + MLP, 9C²) of the last block on scored rows only
        let n = b * Double(t)
        let dense = 2 * (n * 3 * l * c * c + n * 9 * (l - 1) * c * c + r * 9 * c * c)
        var tiles = 0  // Σ over query blocks of rows × keys
        var r0 = 0
        while r0 < t {
            let r1 = min(t, r0 + Attention.defaultBlockRows)
            tiles += (r1 - r0) * r1
            r0 = r1
        }
        let attention = 2 * 2 * b * Double(tiles) * c * l  // q·kᵀ and att·v, all heads
        let head = 2 * r * c * v
        return 4 * (dense + attention + head)
    }
}
