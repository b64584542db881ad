
/// The fields PPO, RLOO and GRPO share: optimiser and sampling, the number of rollout steps, how each step's
/// rollouts are reused (epochs × minibatches, each minibatch one AdamW step), and TRL's `missing_eos_penalty`.
/// `batch_size` counts **prompts** per step; RLOO and GRPO sample K responses for each (docs/ALGORITHMS.md §12.4).
protocol RLHyperparameterSet: HyperparameterSet {
    var optimizer: OptimizerHyperparameters { get set }
    var sampling: SamplingHyperparameters { get set }
    var steps: Int { get set }
    var numMiniBatches: Int { get set }
    var missingEOSPenalty: Double { get set }
    /// Samples per prompt (K) and its key; PPO samples one.
    var group: (key: String, size: Int) { get }
}

extension RLHyperparameterSet {
    static var maxRollouts: Int { 4096 }

    static var rlFields: [HyperField<Self>] {
        OptimizerHyperparameters.fields.map { $0.lifted(\.optimizer) } + SamplingHyperparameters.fields.map { $0.lifted(\.sampling) } + [
            .count("steps", \.steps),
            .count("num_mini_batches", \.numMiniBatches, maximum: 64),
            .fraction("missing_eos_penalty", \.missingEOSPenalty, max: 1000),
        ]
    }

    func crossCheck() throws(TrainingSpecError) -> [String] {
        guard numMiniBatches <= optimizer.batchSize else {
            throw TrainingSpecError(field: "hyperparameters.num_mini_batches", message: "num_mini_batches must not exceed batch_size (prompts per step)")
        }
        // One step holds all its rollouts and their activations at once: bound what a request can ask for.
        guard optimizer.batchSize * group.size <= Self.maxRollouts else {
            throw TrainingSpecError(field: "hyperparameters.\(group.key)",
                                    message: "batch_size × \(group.key) must be at most \(Self.maxRollouts) rollouts per step")
        }
        return []
    }
}

/// PPO with a critic (Schulman et al. 2017; Ouyang et al. 2022; TRL `PPOConfig`; docs/ALGORITHMS.md §12.1).
/// TRL's defaults except: lr 3e-4 (tiny models), 40 steps of 32 prompts.
public struct PPOHyperparameters: RLHyperparameterSet {
    public var optimizer = OptimizerHyperparameters()
    public var sampling = SamplingHyperparameters()
    public var steps = 40
    public var numMiniBatches = 1
    public var missingEOSPenalty = 0.0
    /// TRL 4.
    public var numPPOEpochs = 4
    public var cliprange = 0.2
    public var cliprangeValue = 0.2
    public var vfCoef = 0.1
    public var gamma = 1.0
    public var lam = 0.95
    /// TRL `kl_coef` 0.05.
    public var klCoef = 0.05
    public var klEstimator = KLEstimator.k1
    /// TRL always whitens the advantages.
    public var whitenAdvantages = true

    public init() { optimizer.batchSize = 32 }

    var group: (key: String, size: Int) { ("batch_size", 1) }

    static var fields: [HyperField<Self>] {
        rlFields + [
            .count("num_ppo_epochs", \.numPPOEpochs, maximum: 64),
            .positive("cliprange", \.cliprange, max: 10),
            .positive("cliprange_value", \.cliprangeValue, max: 1000),
            .fraction("vf_coef", \.vfCoef, max: 100),
            .fraction("gamma", \.gamma),
            .fraction("lam", \.lam),
            .fraction("kl_coef", \.klCoef, max: 100),
            .choice("kl_estimator", \.klEstimator),
            .flag("whiten_advantages", \.whitenAdvantages),
        ]
    }
}

/// RLOO (Ahmadian et al. 2024; TRL `RLOOConfig`; docs/ALGORITHMS.md §12.2). TRL's defaults except lr 3e-4,
/// `rloo_k` 4 (TRL 2) and 40 steps of 16 prompts.
public struct RLOOHyperparameters: RLHyperparameterSet {
    public var optimizer = OptimizerHyperparameters()
    public var sampling = SamplingHyperparameters()
    public var steps = 40
    public var numMiniBatches = 1
    public var missingEOSPenalty = 0.0
    public var rlooK = 4
    public var numPPOEpochs = 4
    public var cliprange = 0.2
    public var klCoef = 0.05
    public var klEstimator = KLEstimator.k1
    /// TRL `normalize_advantage` (off by default).
    public var normalizeAdvantage = false

    public init() {}

    var group: (key: String, size: Int) { ("rloo_k", rlooK) }

    static var fields: [HyperField<Self>] {
        rlFields + [
            .count("rloo_k", \.rlooK, minimum: 2, maximum: 64),
            .count("num_ppo_epochs", \.numPPOEpochs, maximum: 64),
            .positive("cliprange", \.cliprange, max: 10),
            .fraction("kl_coef", \.klCoef, max: 100),
            .choice("kl_estimator", \.klEstimator),
            .flag("normalize_advantage", \.normalizeAdvantage),
        ]
    }
}

/// GRPO (Shao et al. 2024; TRL `GRPOConfig`; docs/ALGORITHMS.md §12.3). TRL's defaults except lr 3e-4,
/// `num_generations` 4 (TRL 8), β 0.04 (the paper's; TRL now defaults to 0) and 80 steps of 16 prompts.
public struct GRPOHyperparameters: RLHyperparameterSet {
    public var optimizer = OptimizerHyperparameters()
    public var sampling = SamplingHyperparameters()
    /// One AdamW step per step (μ = 1) where PPO and RLOO take four: twice their steps, half their samples.
    public var steps = 80
    public var numMiniBatches = 1
    public var missingEOSPenalty = 0.0
    public var numGenerations = 4
    /// μ, policy updates per batch of samples (TRL `num_iterations` 1).
    public var numIterations = 1
    public var epsilon = 0.2
    public var beta = 0.04
    /// Divide advantages by the group's standard deviation (false: Dr. GRPO's mean-only baseline).
    public var scaleRewards = true

    public init() {}

    var group: (key: String, size: Int) { ("num_generations", numGenerations) }

    static var fields: [HyperField<Self>] {
        rlFields + [
            .count("num_generations", \.numGenerations, minimum: 2, maximum: 64),
            .count("num_iterations", \.numIterations, maximum: 64),
            .positive("epsilon", \.epsilon, max: 10),
            .fraction("beta", \.beta, max: 100),
            .flag("scale_rewards", \.scaleRewards),
        ]
    }
}
