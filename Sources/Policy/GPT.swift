// B batch, T time, C channels, V vocab, NH heads, L layers; N = B*T; R = rows whose head is evaluated.
public import Tensor

/// A GPT-2-style decoder (nanoGPT / llm.c architecture): token + learned position embedding,
/// `L` pre-norm blocks (x + attn(ln1(x)), then x + mlp(ln2(x))), a final layer norm and an output
/// head tied to the token embedding.
///
/// Parameters and gradients each live in one flat ``FloatBuffer`` laid out by ``ParameterLayout``,
/// so the optimiser and checkpoints see a single array. Activations for the last forward are kept
/// for the backward pass; a `GPT` is therefore used by one thread at a time (not `Sendable`).
public final class GPT {
    /// The architecture.
    public let config: GPTConfig
    /// Names, shapes and offsets of all parameter tensors.
    public let layout: ParameterLayout
    /// All parameters, flat.
    public let parameters: FloatBuffer
    /// Gradients, same layout; backward passes accumulate into them.
    public let gradients: FloatBuffer
    /// Set to `false` for a frozen model (a DPO reference policy): forward passes then skip storing
    /// what only a backward pass reads, and any backward traps.
    public var requiresGradients = true

    /// Pass state for single-group work (logits, value head, uncached sampling, small batches);
    /// it accumulates straight into ``gradients``.
    let primary = Replica(ownGradients: nil)
    /// Replicas 1... of data-parallel scoring (replica 0 is ``primary``), created on first use.
    var extraReplicas: [Replica] = []
    /// How the last ``sequenceLogProbs(_:)`` was split: per replica, its first row, row count and
    /// number of scored tokens.
    var lastSplit: [(row: Int, rows: Int, tokens: Int)] = []
    /// Scored tokens per sequence of the last ``sequenceLogProbs(_:)``.
    var lastCounts: [Int] = []
    /// Below this many multiply-adds (tokens × parameters), log-probs are scored on one replica.
    var dataParallelMinimumWork = 1 << 22
    /// Counts forward passes, so a backward can check that the activations it is about to use
    /// are still those of the pass it belongs to.
    var passCount = 0
    /// ``passCount`` of the last ``sequenceLogProbs(_:)``.
    var logProbsPass = -1

    /// The head rows of the primary replica's last forward.
    var head: HeadActivations? { primary.head }

    /// A model with GPT-2 initialisation drawn from `seed`: N(0, 0.02) weights, residual
    /// projections scaled by 1/√(2L) (GPT-2 paper §2.3), zero biases, unit layer-norm gains.
    public convenience init(config: GPTConfig, seed: UInt64) throws(PolicyError) {
        try self.init(uninitialized: config)
        var rng = RNG(seed: seed)
        let residualStd = 0.02 / Float(2 * config.layers).squareRoot()
        for e in layout.entries {
            let p = parameters.pointer + e.offset
            if e.name.hasSuffix(".bias") {
                continue
            } else if e.name.hasPrefix("lnf.") || e.name.contains(".ln") {
                p.update(repeating: 1, count: e.count)
            } else if e.name.hasSuffix("proj.weight") || e.name.hasSuffix("out.weight") {
                rng.fillNormal(p, count: e.count, std: residualStd)
            } else {
                rng.fillNormal(p, count: e.count, std: 0.02)
            }
        }
    }

    /// A model with all-zero parameters, for loaders that overwrite every tensor anyway.
    init(uninitialized config: GPTConfig) throws(PolicyError) {
        try config.validate()
        self.config = config
        layout = ParameterLayout(config)
        parameters = FloatBuffer(count: layout.count)
        gradients = FloatBuffer(count: layout.count)
    }

    /// Number of parameters.
    public var parameterCount: Int { layout.count }

    /// Sets every gradient to zero (call before accumulating a new step's backward).
    public func zeroGradients() { gradients.zero() }

    /// Pointer to a named parameter tensor; `nil` for an unknown name.
    public func parameter(named name: String) -> UnsafeMutableBufferPointer<Float>? {
        guard let e = layout.entries.first(where: { $0.name == name }) else { return nil }
        return UnsafeMutableBufferPointer(start: parameters.pointer + e.offset, count: e.count)
    }

    /// Throws unless every token is a valid id and the length fits the context.
    func checkTokens(_ tokens: [Int32], b: Int, t: Int) throws(PolicyError) {
        guard b >= 1, t >= 1, tokens.count == b * t else {
            throw PolicyError("tokens: expected \(b)×\(t) ids, got \(tokens.count)")
        }
        guard t <= config.context else { throw PolicyError("tokens: length \(t) exceeds context \(config.context)") }
        guard tokens.allSatisfy({ $0 >= 0 && Int($0) < config.vocab }) else {
            throw PolicyError("tokens: id outside 0..<\(config.vocab)")
        }
    }

    /// Runs the trunk over tokens (B,T), caching activations, then the final layer norm (and, if
    /// `withLogits`, the tied output head) on the residual rows listed in `rows` (all when `nil`).
    func forward(tokens: [Int32], b: Int, t: Int, rows: [Int32]?, withLogits: Bool) throws(PolicyError) {
        try checkTokens(tokens, b: b, t: t)
        passCount += 1
        forward(tokens: tokens, b: b, t: t, rows: rows, withLogits: withLogits, in: primary)
    }

    /// ``forward(tokens:b:t:rows:withLogits:)`` on already validated tokens, into `replica`.
    func forward(tokens: [Int32], b: Int, t: Int, rows: [Int32]?, withLogits: Bool, in replica: Replica) {
        let c = config.dim, n = b * t, nh = config.heads, v = config.vocab
        let acts = replica.activations(config: config, b: b, t: t, backward: requiresGradients)
        replica.lastTokens = tokens
        let w = parameters.pointer
        tokens.withUnsafeBufferPointer { tok in
            guard let tp = tok.baseAddress else { return }
            Embedding.forward(out: acts.encoded.pointer, tokens: tp, wte: w + layout.wte, wpe: w + layout.wpe, b: b, t: t, c: c)
        }
        // Final layer norm and head only on the rows someone will read (e.g. response positions);
        // when that is a strict subset, the last block's tail runs on those rows alone.
        let rowList = rows ?? (0..<Int32(n)).map { $0 }
        let r = rowList.count
        let compact = r < n
        let head = replica.headActivations(rows: rowList, c: c, v: v, withLogits: withLogits, compactTail: compact)
        for l in 0..<config.layers {
            let p = layout.blocks[l], i = acts.slot(l)
            let x = acts.input(l)
            LayerNorm.forward(out: acts.ln1[i].pointer, mean: acts.ln1Mean[i].pointer, rstd: acts.ln1Rstd[i].pointer,
                              inp: x, weight: w + p.ln1w, bias: w + p.ln1b, n: n, c: c)
            Linear.forward(out: acts.qkv[i].pointer, inp: acts.ln1[i].pointer, weight: w + p.qkvw, bias: w + p.qkvb,
                           n: n, c: c, oc: 3 * c)
            Attention.forward(out: acts.atty[i].pointer, att: acts.att[i].pointer, qkv: acts.qkv[i].pointer,
                              b: b, t: t, c: c, nh: nh)
            if compact && l == config.layers - 1 {
                // gather the head rows of the attention output and of the residual input
                for (i, row) in rowList.enumerated() {
                    (head.atty.pointer + i * c).update(from: acts.atty[acts.slot(l)].pointer + Int(row) * c, count: c)
                    (head.x.pointer + i * c).update(from: x + Int(row) * c, count: c)
                }
                tailForward(p, x: head.x.pointer, BlockTail(head), n: r)
            } else {
                tailForward(p, x: x, BlockTail(acts, layer: l), n: n)
            }
        }
        if !compact {
            let last = acts.res3[acts.slot(config.layers - 1)].pointer
            for (i, row) in rowList.enumerated() { (head.hidden.pointer + i * c).update(from: last + Int(row) * c, count: c) }
        }
        LayerNorm.forward(out: head.lnf.pointer, mean: head.lnfMean.pointer, rstd: head.lnfRstd.pointer,
                          inp: head.hidden.pointer, weight: w + layout.lnfw, bias: w + layout.lnfb, n: r, c: c)
        if let logits = head.logits {
            // tied head: logits (R,V) = lnf (R,C) · wteᵀ
            Linear.forward(out: logits.pointer, inp: head.lnf.pointer, weight: w + layout.wte, bias: nil, n: r, c: c, oc: v)
        }
    }

    /// Logits for every position of a batch of equal-length sequences: (B,T) ids → (B,T,V).
    public func logits(tokens: [Int32], batch b: Int, time t: Int) throws(PolicyError) -> Tensor {
        try forward(tokens: tokens, b: b, t: t, rows: nil, withLogits: true)
        guard let logits = head?.logits else { return Tensor(zeros: [b, t, config.vocab]) }
        return Tensor(shape: [b, t, config.vocab], data: logits.array)
    }

    /// Final hidden states (after the last layer norm) for every position: (B,T) ids → (B,T,C).
    public func hiddenStates(tokens: [Int32], batch b: Int, time t: Int) throws(PolicyError) -> Tensor {
        try forward(tokens: tokens, b: b, t: t, rows: nil, withLogits: false)
        guard let lnf = head?.lnf else { return Tensor(zeros: [b, t, config.dim]) }
        return Tensor(shape: [b, t, config.dim], data: lnf.array)
    }
}
