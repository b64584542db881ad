public import Policy

/// A scalar reward source for policy-gradient runs (PPO, RLOO, GRPO; docs/ALGORITHMS.md §12): one reward per
/// `(prompt, response)` pair, in order. Implementations: a task's oracle reward (``OracleRewardScorer``), an
/// in-process reward model (``RewardModelScorer``), and a sharded scorer in the service layer.
public protocol RolloutScorer: Sendable {
    func rewards(prompts: [String], responses: [String]) throws -> [Double]
}

/// A built-in task whose oracle is a scalar reward (transitive tasks only: an intransitive oracle has none).
public protocol RewardTask: TextTask {
    /// The oracle's reward of `response` after `prompt`; the task's pairwise oracle is a function of its differences.
    func reward(prompt: String, response: String) -> Double
    /// The best reward a response can get (a right answer), for the share of optimal samples in evaluations.
    var maximumReward: Double { get }
}

/// The task's own reward, in order.
public struct OracleRewardScorer: RolloutScorer {
    public let task: any RewardTask

    public init(task: any RewardTask) { self.task = task }

    public func rewards(prompts: [String], responses: [String]) throws -> [Double] {
        guard prompts.count == responses.count else { throw PolicyError("scorer: \(prompts.count) prompts but \(responses.count) responses") }
        return zip(prompts, responses).map { task.reward(prompt: $0, response: $1) }
    }
}

/// A Bradley–Terry reward model (GPT trunk + ``ValueHead``, as stored by a `reward_model` run) scoring in process.
///
/// Scores are the head's raw value at each sequence's last token, **not** normalised with the stored
/// `reward_mean`/`reward_std`: TRL's `PPOTrainer`, `RLOOTrainer` and `GRPOTrainer` use the raw reward-model
/// logit (OpenRLHF normalises only with `--normalize_reward`). PPO whitens its advantages and GRPO scales by
/// the group's spread, so an offset or scale of the reward changes little there; RLOO's leave-one-out
/// baseline removes any offset.
///
/// Holds the checkpoint (a value) rather than a model, so it is `Sendable`; each call loads a fresh trunk,
/// which costs one copy of the weights, negligible beside the forward passes.
public struct RewardModelScorer: RolloutScorer {
    public let checkpoint: Safetensors

    /// Checks the file holds a trunk and a head of its width.
    public init(checkpoint: Safetensors) throws(PolicyError) {
        let trunk = try GPT.load(checkpoint).model
        _ = try ValueHead.load(from: checkpoint, dim: trunk.config.dim)
        self.checkpoint = checkpoint
    }

    /// The trunk and head, as new objects.
    public func model() throws(PolicyError) -> (trunk: GPT, head: ValueHead) {
        let trunk = try GPT.load(checkpoint).model
        trunk.requiresGradients = false
        return (trunk, try ValueHead.load(from: checkpoint, dim: trunk.config.dim))
    }

    public func rewards(prompts: [String], responses: [String]) throws -> [Double] {
        guard prompts.count == responses.count else { throw PolicyError("scorer: \(prompts.count) prompts but \(responses.count) responses") }
        guard !prompts.isEmpty else { return [] }
        let (trunk, head) = try model()
        return try RewardModelTraining.rewards(trunk: trunk, head: head, prompts: prompts, responses: responses)
    }
}
