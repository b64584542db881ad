public import Alignment
public import Foundation
public import Policy

/// A validated evaluation request: a model against a baseline on a task's prompts (or a stored prompt
/// dataset), under a judge, with every default resolved. Stored as the evaluation's `spec` and job payload.
///
/// JSON: `{"model", "baseline", "task": {"kind": "text", "name"} | {"kind": "prompts", "dataset"}, "judge",
/// "judge_options", "samples_per_prompt", "seed", "generation": {"temperature", "top_p", "max_new_tokens"},
/// "max_prompts", "prompts_until"}`.
public struct EvaluationSpec: Sendable, Equatable {
    public enum Source: Sendable, Equatable {
        /// A built-in text task's evaluation prompts.
        case task(String)
        /// The prompts of a stored dataset created up to `until` (fixed at `POST`, so a retried job sees
        /// the same prompts).
        case prompts(dataset: String, until: Date)
    }

    public var model: String
    public var baseline: String
    public var source: Source
    /// `oracle:<task>` or an `http(s)://` URL.
    public var judge: String
    public var judgeOptions: RemoteJudgeOptions?
    public var samplesPerPrompt: Int
    public var seed: Int
    public var temperature: Double
    public var topP: Double
    public var maxNewTokens: Int
    public var maxPrompts: Int

    /// The key a history is filtered by: the task's name or `prompts:<dataset>`.
    public var taskKey: String {
        switch source {
        case .task(let name): name
        case .prompts(let dataset, _): "prompts:\(dataset)"
        }
    }

    public var task: (any TextTask)? {
        if case .task(let name) = source { return TextTasks.named(name) }
        return nil
    }

    /// How both policies sample.
    public var sampling: SamplingParameters {
        SamplingParameters(temperature: Float(temperature), topP: Float(topP), maxNewTokens: maxNewTokens,
                           stopAtEOS: true, seed: UInt64(seed))
    }

    /// The evaluator of this spec.
    public var evaluation: PairEvaluation {
        PairEvaluation(samplesPerPrompt: samplesPerPrompt, sampling: sampling, seed: UInt64(seed))
    }
}
