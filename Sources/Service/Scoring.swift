import Alignment
import Foundation
import Policy
import Tensor

/// What a scoring request asks of a model: rewards of `(prompt, response)` from a reward model, or
/// P(a ≻ b) of `(prompt, response_a, response_b)` from a preference model.
public enum ScoringMode: String, Sendable, Codable, Hashable {
    case rewards
    case probabilities

    /// The mode a model of `kind` answers, or nil when it scores nothing.
    public init?(kind: String) {
        switch kind {
        case "reward_model": self = .rewards
        case "preference_model": self = .probabilities
        default: return nil
        }
    }
}

/// One item to score: `responseB` is set exactly for ``ScoringMode/probabilities``.
public struct ScoringItem: Sendable, Hashable, Codable {
    public var prompt: String
    public var response: String
    public var responseB: String?

    public init(prompt: String, response: String, responseB: String? = nil) {
        self.prompt = prompt
        self.response = response
        self.responseB = responseB
    }
}

/// The one scoring computation, shared by the inline HTTP path and the shard workers.
///
/// Every item is scored alone (a batch of one, unpadded) with kernels run serially on the calling
/// thread: its score then depends on the model and the item only, never on which items share its batch
/// or shard, on the padding, or on the process's thread count. So a batch split into shards and
/// scored by any workers equals, bit for bit, the same batch scored inline (`ScoringTests`).
public enum Scoring {
    /// Tokens the model reads for `item` (BOS, prompt, response(s), one EOS each).
    public static func tokenCount(_ item: ScoringItem, mode: ScoringMode) -> Int {
        let base = 1 + item.prompt.utf8.count + item.response.utf8.count + 1
        return mode == .probabilities ? base + (item.responseB?.utf8.count ?? 0) + 1 : base
    }

    /// Scores `items` in order with `model` (which must carry a value head).
    public static func compute(_ model: LoadedModel, mode: ScoringMode, items: [ScoringItem]) throws -> [Double] {
        guard let head = model.head else { throw PolicyError("the model has no value head to score with") }
        let context = model.trunk.config.context
        if let long = items.firstIndex(where: { tokenCount($0, mode: mode) > context }) {
            throw PolicyError("item \(long) exceeds the model's context of \(context) tokens")
        }
        let scoring = PairScoring(rawValue: model.metadata["pair_scoring"] ?? "preference") ?? .preference
        return try Parallel.serial {
            try items.map { item -> Double in
                switch mode {
                case .rewards:
                    return try RewardModelTraining.rewards(trunk: model.trunk, head: head, prompts: [item.prompt],
                                                           responses: [item.response])[0]
                case .probabilities:
                    return try RewardModelTraining.probabilities(trunk: model.trunk, head: head, scoring: scoring, prompts: [item.prompt],
                                                                 a: [item.response], b: [item.responseB ?? ""])[0]
                }
            }
        }
    }

    /// `(score − reward_mean) / reward_std` with the statistics stored with a reward model, or nil without them.
    public static func normalised(_ scores: [Double], metadata: [String: String]) -> [Double]? {
        guard let mean = metadata["reward_mean"].flatMap(Double.init), let std = metadata["reward_std"].flatMap(Double.init),
              mean.isFinite, std.isFinite, std > 0 else { return nil }
        return scores.map { ($0 - mean) / std }
    }
}
