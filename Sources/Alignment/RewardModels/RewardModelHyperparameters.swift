/// A Bradley–Terry reward model's (or pairwise preference model's) training (docs/ALGORITHMS.md §7.3; TRL `RewardConfig`).
public struct RewardModelHyperparameters: HyperparameterSet {
    /// TRL's reward trainer uses lr 1e-4 for LLMs; a ~100k-parameter trunk with a fresh head learns at 1e-3.
    public var optimizer: OptimizerHyperparameters = {
        var o = OptimizerHyperparameters()
        o.learningRate = 1e-3
        o.batchSize = 32
        return o
    }()
    public var steps = 200
    /// Share of the comparisons held out for `eval/*` metrics (split by comparison, seeded).
    public var evalFraction = 0.1
    /// TRL's `center_rewards_coefficient`: pulls the mean reward towards 0 (0 = off, 0.01 recommended).
    public var centerRewardsCoefficient = 0.0
    /// Margin per unit of annotator strength above 1: the chosen side must win by (strength − 1)·this.
    public var strengthMargin = 0.0
    /// Pairs per prompt labelled by a task's oracle (task data only).
    public var pairsPerPrompt = 16

    public init() {}

    static var fields: [HyperField<Self>] {
        OptimizerHyperparameters.fields.map { $0.lifted(\.optimizer) } + [
            .count("steps", \.steps),
            .fraction("eval_fraction", \.evalFraction, max: 0.5),
            .fraction("center_rewards_coefficient", \.centerRewardsCoefficient, max: 10),
            .fraction("strength_margin", \.strengthMargin, max: 10),
            .count("pairs_per_prompt", \.pairsPerPrompt, maximum: 256),
        ]
    }

    /// Reads `values` over the defaults; every error names `hyperparameters.<key>`.
    public init(values: [String: HyperValue]) throws(TrainingSpecError) {
        try self.init(reading: values, algorithm: "reward_model")
    }

    /// Every hyperparameter by key, defaults included.
    public var hyperparameters: [String: HyperValue] { values }
}
