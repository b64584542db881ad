public import Policy

/// A built-in text environment: prompts, a preference oracle, and the recipe of a (deliberately mediocre)
/// reference policy, small enough to train and align on two CPU cores in seconds.
///
/// A task is the whole experimental setting of an online algorithm (the oracle is its judge) and can also
/// produce an offline dataset for the DPO family (pairs sampled from π_ref, labelled by the oracle).
public protocol TextTask: Sendable {
    /// Stable identifier used in the API (`"task": {"kind": "text", "name": ...}`).
    var name: String { get }
    /// One sentence for humans.
    var summary: String { get }
    /// Whether the oracle's preferences are transitive (a reward model could represent them).
    var isTransitive: Bool { get }
    /// The preference oracle `P(a ≻ b | prompt)`.
    var oracle: any PairwiseJudge { get }
    /// Prompts training samples from.
    var trainPrompts: [String] { get }
    /// Prompts evaluation samples from.
    var evalPrompts: [String] { get }
    /// Architecture of the task's reference policy.
    var referenceConfig: GPTConfig { get }
    /// Supervised data of the reference policy (prompt with BOS, response with EOS).
    var sftExamples: [SFTExample] { get }
    /// Supervised recipe of the reference policy.
    var sftConfig: SFTConfig { get }
    /// How policies answer: short responses, stopping at EOS (the seed is set by the caller).
    var sampling: SamplingParameters { get }
    /// A finite set of responses for best-response exploitability (should include every good answer).
    func candidateResponses(prompt: String) -> [String]
}

extension TextTask {
    /// Prompt tokens as the policies see them: BOS then UTF-8 bytes.
    public func promptTokens(_ prompt: String) -> [Int32] {
        ByteTokenizer().encode(prompt, bos: true)
    }

    /// Positions a policy needs to run `spec` on this task: the longest prompt (BOS included) plus the
    /// response budget (`max_new_tokens`, else the task's cap), or for SFT the longest supervised example.
    /// A policy with a shorter context cannot sample or score the task, so runs check this before they start.
    public func contextNeeded(for spec: TrainingSpec) -> Int {
        if spec.algorithm == .sft {
            return sftExamples.map { $0.prompt.count + $0.response.count }.max() ?? 0
        }
        let prompt = (trainPrompts + evalPrompts).map { promptTokens($0).count }.max() ?? 0
        let cap = spec.sampling?.maxNewTokens ?? 0
        return prompt + (cap > 0 ? cap : sampling.maxNewTokens)
    }

    /// The task's reference policy: `referenceConfig` initialised from `seed`, then SFT on `sftExamples`.
    public func trainReference(seed: UInt64 = 0) throws(PolicyError) -> GPT {
        let model = try GPT(config: referenceConfig, seed: seed)
        try SFT.train(model: model, examples: sftExamples, config: sftConfig)
        return model
    }
}

/// The registry of built-in tasks.
public enum TextTasks {
    /// Every built-in task, transitive first.
    public static let all: [any TextTask] = [ArithmeticTask(), StylesTask()]

    /// The task with this ``TextTask/name``, if any.
    public static func named(_ name: String) -> (any TextTask)? {
        all.first { $0.name == name }
    }
}
