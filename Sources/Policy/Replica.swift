import Tensor

/// Everything one forward/backward pass over a group of sequences writes: activations, the gathered
/// head rows, log-prob scratch and (for all but the first) a private gradient buffer.
///
/// Large batches are scored data-parallel: each core runs a replica over its own slice of the
/// sequences with every kernel inline, so a step has two synchronisation points (after the forward
/// and after the backward) instead of one per kernel. Private gradients are summed into the model's
/// in replica order, which keeps results independent of scheduling.
final class Replica {
    var acts: Activations?
    var head: HeadActivations?
    var scoring: ScoringScratch?
    /// Token ids of the last forward, (B,T); kept for the embedding backward.
    var lastTokens: [Int32] = []
    /// `nil`: accumulate straight into the model's gradients (the primary replica).
    let ownGradients: FloatBuffer?

    init(ownGradients: FloatBuffer?) { self.ownGradients = ownGradients }

    /// Keep every layer's activations even without a backward (the sampler's prefill reads each
    /// layer's keys and values afterwards).
    var keepsAllLayers = false

    /// Activations for (b, t), reallocated only when the shape or the kind changes.
    func activations(config: GPTConfig, b: Int, t: Int, backward: Bool) -> Activations {
        let keepAll = backward || keepsAllLayers
        if let acts, acts.b == b, acts.t == t, acts.supportsBackward == backward,
           acts.slots == (keepAll ? config.layers : 1) {
            return acts
        }
        let fresh = Activations(config: config, b: b, t: t, keepAllLayers: keepAll, backward: backward)
        acts = fresh
        return fresh
    }

    /// Head buffers for `rows`, reused while the row count and logits choice stay the same.
    func headActivations(rows: [Int32], c: Int, v: Int, withLogits: Bool, compactTail: Bool) -> HeadActivations {
        if let head, head.rows.count == rows.count, (head.logits != nil) == withLogits, head.compactTail == compactTail {
            head.rows = rows
            return head
        }
        let fresh = HeadActivations(rows: rows, c: c, v: v, withLogits: withLogits, compactTail: compactTail)
        head = fresh
        return fresh
    }

    /// Log-prob buffers for `rows` scored tokens.
    func scoring(rows: Int, vocab: Int, dim: Int) -> ScoringScratch {
        if let scoring, scoring.logp.count == rows { return scoring }
        let fresh = ScoringScratch(rows: rows, vocab: vocab, dim: dim)
        scoring = fresh
        return fresh
    }
}
