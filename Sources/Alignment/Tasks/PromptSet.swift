public import Policy
import Tensor

/// The prompts a run samples from when they are the researcher's own (a stored prompt dataset): a seeded
/// train/evaluation split and how policies answer. A built-in task is the other source; its oracle judges,
/// where here the run's judge (a remote service, a model) does.
public struct PromptSet: Sendable, Equatable {
    /// `prompts:<dataset>`, as evaluations name it.
    public var name: String
    public var trainPrompts: [String]
    public var evalPrompts: [String]
    public var sampling: SamplingParameters

    public init(name: String, trainPrompts: [String], evalPrompts: [String], sampling: SamplingParameters) {
        self.name = name
        self.trainPrompts = trainPrompts
        self.evalPrompts = evalPrompts
        self.sampling = sampling
    }

    /// Splits `prompts` (in their stored order) by a seeded shuffle: the first `evalFraction` of the shuffled
    /// order (at least one prompt when there are two or more) is held out for evaluation, order kept.
    public static func split(name: String, prompts: [String], evalFraction: Double, seed: UInt64,
                             sampling: SamplingParameters) -> PromptSet {
        var order = Array(prompts.indices)
        var rng = RNG(seed: Seeds.derive(seed, Seeds.prompts, -1))
        for i in stride(from: order.count - 1, to: 0, by: -1) {
            order.swapAt(i, Int(rng.next() % UInt64(i + 1)))
        }
        var held = Int((Double(prompts.count) * evalFraction).rounded(.down))
        if evalFraction > 0, prompts.count >= 2 { held = max(held, 1) }
        held = min(held, max(prompts.count - 1, 0))
        let evalSet = Set(order.prefix(held))
        return PromptSet(name: name, trainPrompts: prompts.indices.filter { !evalSet.contains($0) }.map { prompts[$0] },
                         evalPrompts: prompts.indices.filter { evalSet.contains($0) }.map { prompts[$0] }, sampling: sampling)
    }
}
