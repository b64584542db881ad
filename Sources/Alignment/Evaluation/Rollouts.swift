import Policy
import Tensor

/// One sampled response: its text as the judge reads it and its tokens as the policy scores them.
struct Rollout: Sendable, Equatable {
    /// Decoded text; a response holding a special token (BOS/PAD) decodes to a string no task accepts.
    var text: String
    /// Generated tokens, plus EOS when the sample ended by drawing it (what `log π(y|x)` is over).
    var tokens: [Int32]
}

/// Stateless seeds: every random draw of a run is a pure function of (seed, purpose, indices), so a run
/// resumed at any step draws exactly what the uninterrupted run drew, with no generator state to carry.
enum Seeds {
    /// SplitMix-style mixing of the run seed with a purpose tag and indices.
    static func derive(_ seed: UInt64, _ tag: UInt64, _ a: Int = 0, _ b: Int = 0) -> UInt64 {
        var rng = RNG(seed: seed ^ (tag &* 0x9E37_79B9_7F4A_7C15))
        var x = rng.next()
        x ^= UInt64(truncatingIfNeeded: a) &* 0xBF58_476D_1CE4_E5B9
        x ^= UInt64(truncatingIfNeeded: b) &* 0x94D0_49BB_1331_11EB
        var out = RNG(seed: x)
        return out.next()
    }

    static let evaluation: UInt64 = 1, dataset: UInt64 = 2, batch: UInt64 = 3, sampling: UInt64 = 4
    static let labels: UInt64 = 5, prompts: UInt64 = 6, opponent: UInt64 = 7, critic: UInt64 = 8
}

enum Rollouts {
    /// Text of a completion for the judge.
    static func text(_ tokens: [Int32], _ tokenizer: any Tokenizer = ByteTokenizer()) -> String {
        // U+FFFD is outside every task's alphabet, so such a response is judged malformed.
        guard tokenizer is ByteTokenizer else { return tokenizer.decode(tokens) }
        return tokens.contains { $0 >= 256 } ? "\u{FFFD}" : tokenizer.decode(tokens)
    }

    /// `count` samples for each prompt (prompt-major: all samples of prompt 0 first), seeded by `seed`.
    static func sample(
        _ model: GPT, prompts: [String], count: Int, parameters: SamplingParameters, seed: UInt64,
        tokenizer tok: any Tokenizer = ByteTokenizer()
    ) throws(PolicyError) -> [[Rollout]] {
        var params = parameters
        params.seed = seed
        params.eos = tok.eosID
        let flat = prompts.flatMap { p in Array(repeating: tok.encode(p, bos: true), count: count) }
        let completions = try model.sample(prompts: flat, parameters: params)
        let rollouts = completions.map { c in
            Rollout(text: text(c.tokens, tok), tokens: c.endedWithEOS ? c.tokens + [tok.eosID] : c.tokens)
        }
        return prompts.indices.map { i in Array(rollouts[(i * count)..<((i + 1) * count)]) }
    }

    /// Summed and per-token log-probs of `responses` after `prompts` (BOS added), scored in chunks so a
    /// large dataset never builds one huge batch. Frozen models should have `requiresGradients = false`.
    static func logProbs(
        _ model: GPT, prompts: [String], responses: [[Int32]], chunk: Int = 64, tokenizer tok: any Tokenizer = ByteTokenizer()
    ) throws(PolicyError) -> (sum: [Double], perToken: [[Double]]) {
        var sums: [Double] = [], tokens: [[Double]] = []
        var start = 0
        while start < prompts.count {
            let end = min(start + chunk, prompts.count)
            let batch = try tok.batch(
                prompts: prompts[start..<end].map { tok.encode($0, bos: true) }, responses: Array(responses[start..<end]))
            let lp = try model.sequenceLogProbs(batch)
            var k = 0
            for row in 0..<(end - start) {
                sums.append(Double(lp.sum[row]))
                tokens.append(lp.perToken[k..<(k + lp.count[row])].map { Double($0) })
                k += lp.count[row]
            }
            start = end
        }
        return (sums, tokens)
    }

    /// A frozen copy of `model` (same weights, no gradient storage).
    static func frozenCopy(_ model: GPT) throws(PolicyError) -> GPT {
        let copy = try GPT(config: model.config, seed: 0)
        copy.parameters.pointer.update(from: model.parameters.pointer, count: model.parameterCount)
        copy.requiresGradients = false
        return copy
    }
}
