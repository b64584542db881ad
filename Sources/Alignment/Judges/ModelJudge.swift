public import Policy

/// A stored reward or preference model as the judge of pairs (`judge: "reward_model:<id>"` or
/// `"preference_model:<id>"`): P(a ≻ b) = σ(r(x, a) − r(x, b)) for a reward model (Bradley–Terry), the
/// model's antisymmetric pair probability for a preference model (docs/ALGORITHMS.md §7). A reward model
/// also reports its rewards. Holds the checkpoint (a value), so it is `Sendable`; each call loads the
/// weights once, negligible beside the forward passes.
///
/// Responses are cut (at a character boundary) so that what the model reads fits its context, as OpenRLHF's
/// reward models truncate to `max_len`: a byte-level policy's sample can decode to more bytes than it has
/// tokens (a special token reads as U+FFFD, three bytes), and a preference model reads both responses.
public struct ModelJudge: BatchJudge {
    public let checkpoint: Safetensors
    public let scoring: PairScoring

    /// Checks the file holds a trunk and a head of its width; `scoring` comes from its `pair_scoring`
    /// metadata (a reward model's checkpoint may predate it: reward).
    public init(checkpoint: Safetensors, kind: String) throws(PolicyError) {
        let trunk = try GPT.load(checkpoint).model
        _ = try ValueHead.load(from: checkpoint, dim: trunk.config.dim)
        self.checkpoint = checkpoint
        scoring = kind == "preference_model" ? .preference : PairScoring(rawValue: checkpoint.metadata["pair_scoring"] ?? "") ?? .reward
    }

    func model() throws(PolicyError) -> (trunk: GPT, head: ValueHead) {
        let trunk = try GPT.load(checkpoint).model
        trunk.requiresGradients = false
        return (trunk, try ValueHead.load(from: checkpoint, dim: trunk.config.dim))
    }

    public func probabilities(prompts: [String], a: [String], b: [String]) throws -> [Double] {
        guard !prompts.isEmpty else { return [] }
        let (trunk, head) = try model()
        var a = a, b = b
        for i in prompts.indices {
            // BOS, the prompt, then one EOS per response read (both for a preference model, each alone for a reward model).
            let room = trunk.config.context - 1 - prompts[i].utf8.count - (scoring == .preference ? 2 : 1)
            let share = scoring == .preference ? room / 2 : room
            a[i] = Self.cut(a[i], toBytes: share)
            b[i] = Self.cut(b[i], toBytes: share)
        }
        return try RewardModelTraining.probabilities(trunk: trunk, head: head, scoring: scoring, prompts: prompts, a: a, b: b)
    }

    public func judgedRewards(prompts: [String], responses: [String]) throws -> [Double]? {
        guard scoring == .reward, !prompts.isEmpty else { return scoring == .reward ? [] : nil }
        let (trunk, head) = try model()
        let cut = prompts.indices.map { Self.cut(responses[$0], toBytes: trunk.config.context - 2 - prompts[$0].utf8.count) }
        return try RewardModelTraining.rewards(trunk: trunk, head: head, prompts: prompts, responses: cut)
    }

    /// The longest prefix of `text` of at most `limit` UTF-8 bytes that ends at a character boundary.
    public static func cut(_ text: String, toBytes limit: Int) -> String {
        guard text.utf8.count > limit else { return text }
        var out = ""
        var used = 0
        for scalar in text.unicodeScalars {
            let size = String(scalar).utf8.count
            guard used + size <= max(limit, 0) else { break }
            out.unicodeScalars.append(scalar)
            used += size
        }
        return out
    }
}
