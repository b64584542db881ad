// B batch, G sequences in one decode group, V vocab.
import Tensor

extension GPT {
    /// Samples a continuation of every prompt. Sequences advance in lock-step from position 0:
    /// while a sequence is still inside its prompt its next token is forced, afterwards it is
    /// drawn, so prompts of different lengths need no padding or position shifts.
    ///
    /// With `useCache` (the default) the positions all prompts share are prefilled in one batched
    /// forward, then each step feeds one token per sequence through the KV cache; the batch is split
    /// into one group per core, each decoding on its own thread. Without it, every step recomputes
    /// the whole prefix; that path exists to check the cache.
    public func sample(prompts: [[Int32]], parameters: SamplingParameters, useCache: Bool = true,
                       cacheBudget: Int = GPT.samplingCacheBudget) throws(PolicyError) -> [Completion] {
        try parameters.validate()
        guard !prompts.isEmpty else { return [] }
        for prompt in prompts {
            guard !prompt.isEmpty else { throw PolicyError("sampling: empty prompt (start it with BOS)") }
            guard prompt.count <= config.context else { throw PolicyError("sampling: prompt longer than context \(config.context)") }
            guard prompt.allSatisfy({ $0 >= 0 && Int($0) < config.vocab }) else {
                throw PolicyError("tokens: id outside 0..<\(config.vocab)")
            }
        }
        if !useCache {
            return try decodeUncached(prompts: prompts, first: 0, parameters: parameters)
        }
        let groups = max(1, min(Parallel.workers, prompts.count))
        // A group's cache holds every sequence it decodes at once; past the memory budget it decodes
        // in chunks (each row keeps its own seed, so the samples are the same either way).
        let chunk = max(1, cacheBudget / (groups * KVCache.bytesPerSequence(config)))
        var results = [[Completion]](repeating: [], count: groups)
        results.withUnsafeMutableBufferPointer { out in
            // Each group owns its cache and writes only its own slot of `results`.
            Parallel.forEach(groups, costPerItem: 1 << 20) { gi in
                let lo = prompts.count * gi / groups, hi = prompts.count * (gi + 1) / groups
                out[gi] = Parallel.serial {
                    stride(from: lo, to: hi, by: chunk).flatMap { start in
                        let end = min(start + chunk, hi)
                        return decodeCached(prompts: Array(prompts[start..<end]), first: start, parameters: parameters)
                    }
                }
            }
        }
        return results.flatMap { $0 }
    }

    /// Bytes of KV cache and decode buffers one sampling call may hold at once, over all its groups:
    /// 51,200 sequences of a 4-layer, 128-wide, 256-token policy would otherwise need 27 GB.
    public static let samplingCacheBudget = 512 << 20

    private func decodeCached(prompts: [[Int32]], first: Int, parameters: SamplingParameters) -> [Completion] {
        let cache = KVCache(config: config, sequences: prompts.count)
        // Positions every prompt covers (all but the last token of the shortest one) go through one
        // batched forward instead of that many single-token steps.
        let prefix = (prompts.map(\.count).min() ?? 1) - 1
        if prefix > 0 { prefill(prompts: prompts, count: prefix, cache: cache) }
        return decodeLoop(prompts: prompts, first: first, start: prefix, parameters: parameters) { tokens, pos in
            decodeStep(tokens: tokens, pos: pos, cache: cache)
            return UnsafePointer(cache.logits.pointer)
        }
    }

    /// Runs positions 0..<count of every prompt through a full forward in a private replica (so
    /// groups on other threads are unaffected) and copies their keys and values into the cache.
    private func prefill(prompts: [[Int32]], count p: Int, cache: KVCache) {
        let g = prompts.count, c = config.dim
        let replica = Replica(ownGradients: nil)
        replica.keepsAllLayers = true
        let tokens = prompts.flatMap { $0[0..<p] }
        // no head rows: only the keys and values of these positions are needed
        forward(tokens: tokens, b: g, t: p, rows: [], withLogits: false, in: replica)
        guard let acts = replica.acts else { preconditionFailure("prefill forward left no activations") }
        for l in 0..<config.layers {
            let qkv = acts.qkv[l].pointer, kc = cache.keys[l].pointer, vc = cache.values[l].pointer
            for s in 0..<g {
                for i in 0..<p {
                    let row = qkv + (s * p + i) * 3 * c
                    (kc + (s * cache.ctx + i) * c).update(from: row + c, count: c)
                    (vc + (s * cache.ctx + i) * c).update(from: row + 2 * c, count: c)
                }
            }
        }
    }

    private func decodeUncached(prompts: [[Int32]], first: Int, parameters: SamplingParameters) throws(PolicyError) -> [Completion] {
        let g = prompts.count
        var history = [[Int32]](repeating: [], count: g)
        var failure: PolicyError?
        let out = decodeLoop(prompts: prompts, first: first, start: 0, parameters: parameters) { tokens, pos in
            for s in 0..<g { history[s].append(tokens[s]) }
            let rows = (0..<g).map { Int32($0 * (pos + 1) + pos) }
            do throws(PolicyError) {
                try forward(tokens: history.flatMap { $0 }, b: g, t: pos + 1, rows: rows, withLogits: true)
            } catch {
                failure = error
            }
            guard let logits = head?.logits else { preconditionFailure("forward left no logits") }
            return UnsafePointer(logits.pointer)
        }
        if let failure { throw failure }
        return out
    }

    /// The shared sampling loop, from position `start` (earlier positions are already cached);
    /// `step(tokens, pos)` feeds one token per sequence at `pos` and returns next-token logits (G,V).
    private func decodeLoop(
        prompts: [[Int32]], first: Int, start: Int, parameters: SamplingParameters,
        step: ([Int32], Int) -> UnsafePointer<Float>
    ) -> [Completion] {
        let g = prompts.count, v = config.vocab
        var rngs = (0..<g).map { RNG(seed: parameters.seed ^ (UInt64(first + $0) &* 0x9E37_79B9_7F4A_7C15)) }
        var pickers = (0..<g).map { _ in TokenPicker(parameters: parameters) }
        var out = [Completion](repeating: Completion(tokens: [], logProbs: [], endedWithEOS: false), count: g)
        var done = prompts.map { $0.count >= config.context || parameters.maxNewTokens == 0 }
        var current = prompts.map { $0[start] }
        var pos = start
        while !done.allSatisfy({ $0 }) && pos + 1 < config.context {
            let logits = step(current, pos)
            for s in 0..<g {
                if done[s] { continue }
                if pos + 1 < prompts[s].count {
                    current[s] = prompts[s][pos + 1]
                    continue
                }
                let (tok, lp) = pickers[s].pick(logits + s * v, v: v, rng: &rngs[s])
                out[s].logProbs.append(lp)
                current[s] = tok
                if parameters.stopAtEOS && tok == parameters.eos {
                    out[s].endedWithEOS = true
                    done[s] = true
                } else {
                    out[s].tokens.append(tok)
                    if out[s].tokens.count >= parameters.maxNewTokens { done[s] = true }
                }
            }
            pos += 1
        }
        return out
    }
}
