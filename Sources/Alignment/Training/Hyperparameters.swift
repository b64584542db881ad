public import Policy

/// Defaults are scaled for tiny CPU policies, not the LLM values of the papers (SPPO's η = 1000 or TRL's lr 5e-7
/// would not move a 100k-parameter model). The step and iteration counts were chosen on the built-in tasks
/// (`make bench-runs`, seeds 1–6): DPO needs many distinct pairs and large batches, or it overfits a few dozen
/// pairs and pushes probability onto malformed strings (likelihood displacement); INPO and Nash-MP need 12–16
/// iterations to get near the regularised equilibrium of the cyclic task, and INPO's single regression per
/// iteration needs twice the steps and prompts of a Nash-MP prox step before its iterates stop jittering; SPPO's
/// last iterate cycles around the equilibrium (docs/ALGORITHMS.md §2.5), so it stops at 8, after the first,
/// improving swing. docs/ALGORITHMS.md lists every default beside the paper's.

/// Shared by every algorithm: AdamW with a constant learning rate, clipping, checkpoints and the final evaluation.
public struct OptimizerHyperparameters: Sendable, Equatable {
    /// 3e-4 with AdamW suits ~100k-parameter policies (TRL: 5e-7…1e-6 for LLMs).
    public var learningRate = 3e-4
    /// 0, so nothing but the objective pulls the policy away from its initialisation.
    public var weightDecay = 0.0
    public var batchSize = 16
    public var maxGradNorm = 1.0
    public var checkpointEvery = 20
    /// Samples per eval prompt for the final evaluation; 0 skips it.
    public var evalSamples = 128

    public init() {}

    static var fields: [HyperField<Self>] {
        [
            .positive("learning_rate", \.learningRate, max: 1),
            .fraction("weight_decay", \.weightDecay),
            .count("batch_size", \.batchSize, maximum: 512),
            .positive("max_grad_norm", \.maxGradNorm),
            .count("checkpoint_every", \.checkpointEvery),
            .count("eval_samples", \.evalSamples, minimum: 0, maximum: 1024),
        ]
    }
}

/// How online data (and DPO's pairs from a task) are sampled from the policy.
public struct SamplingHyperparameters: Sendable, Equatable {
    public var temperature = 1.0
    /// 0 = the task's own cap.
    public var maxNewTokens = 0

    public init() {}

    static var fields: [HyperField<Self>] {
        [.positive("temperature", \.temperature, max: 10), .count("max_new_tokens", \.maxNewTokens, minimum: 0, maximum: 256)]
    }
}

/// The iteration structure of an online algorithm.
public struct OnlineSchedule: Sendable, Equatable {
    public var iterations = 16
    /// Per phase (Nash-MP has two prox phases per iteration).
    public var stepsPerIteration = 12
    public var promptsPerIteration = 32

    public init() {}

    static var fields: [HyperField<Self>] {
        [
            .count("iterations", \.iterations),
            .count("steps_per_iteration", \.stepsPerIteration),
            .count("prompts_per_iteration", \.promptsPerIteration, maximum: 512),
        ]
    }
}

/// Supervised fine-tuning: mean token NLL of the responses.
public struct SFTHyperparameters: HyperparameterSet {
    public var optimizer = OptimizerHyperparameters()
    public var steps = 100

    public init() {}

    /// A task's reference recipe as the defaults (the caller's values still win).
    public init(recipe: SFTConfig) {
        // Through their shortest text, so a Float 3e-3 stays 0.003 and not 0.0030000000260770321.
        func exact(_ x: Float) -> Double { Double("\(x)") ?? Double(x) }
        steps = recipe.steps
        optimizer.batchSize = recipe.batchSize
        optimizer.learningRate = exact(recipe.learningRate)
        optimizer.weightDecay = exact(recipe.weightDecay)
        optimizer.maxGradNorm = exact(recipe.maxGradNorm)
    }

    static var fields: [HyperField<Self>] {
        OptimizerHyperparameters.fields.map { $0.lifted(\.optimizer) } + [.count("steps", \.steps)]
    }
}

/// The DPO loss variants (TRL `loss_type`).
public enum DPOLossType: String, Sendable, CaseIterable {
    case sigmoid, hinge, ipo, cdpo, robust
    case sppoHard = "sppo_hard"
}

/// How IPO's log-ratios are normalised: TRL averages per token, OpenRLHF sums.
public enum IPONormalization: String, Sendable, CaseIterable {
    case perToken = "per_token"
    case sum
}

/// Offline DPO and its variants (Rafailov et al. 2023; docs/ALGORITHMS.md §1).
public struct DPOHyperparameters: HyperparameterSet {
    public var optimizer = OptimizerHyperparameters()
    public var sampling = SamplingHyperparameters()
    public var steps = 300
    /// TRL's β = 0.1 asks for margins of tens of nats; a tiny policy reaches them by pushing both responses down
    /// (mass leaks to unseen strings, the win rate falls). 0.25 keeps margins at a few nats.
    public var beta = 0.25
    public var lossType = DPOLossType.sigmoid
    /// With `sigmoid` and ε > 0 this is cDPO, as TRL ≤ 0.12.
    public var labelSmoothing = 0.0
    /// RPO's NLL weight on the chosen responses (TRL `rpo_alpha`, default None = 0; the RPO paper uses 1). A small
    /// weight keeps the chosen responses likely, so the margin grows by the rejected one falling rather than by both
    /// falling: on the built-in tasks 0.03 lifts DPO's worst seed on `arithmetic` from 0.51 to 0.54 and cuts
    /// malformed `styles` answers from 9–25% to 5–10%.
    public var rpoAlpha = 0.03
    public var ipoNormalization = IPONormalization.perToken
    /// Offline dataset from a task: pairs sampled from π_ref per training prompt.
    public var pairsPerPrompt = 128

    public init() { optimizer.batchSize = 64 }

    static var fields: [HyperField<Self>] {
        OptimizerHyperparameters.fields.map { $0.lifted(\.optimizer) } + SamplingHyperparameters.fields.map { $0.lifted(\.sampling) } + [
            .count("steps", \.steps),
            .positive("beta", \.beta),
            .choice("loss_type", \.lossType),
            .fraction("label_smoothing", \.labelSmoothing, max: 0.5),
            .fraction("rpo_alpha", \.rpoAlpha, max: 100),
            .choice("ipo_normalization", \.ipoNormalization),
            .count("pairs_per_prompt", \.pairsPerPrompt, maximum: 256),
        ]
    }

    func crossCheck() throws(TrainingSpecError) -> [String] {
        if lossType == .robust && labelSmoothing >= 0.5 {
            throw TrainingSpecError(field: "hyperparameters.label_smoothing", message: "robust DPO needs label_smoothing < 0.5")
        }
        if labelSmoothing > 0 && ![.sigmoid, .cdpo, .robust].contains(lossType) {
            throw TrainingSpecError(field: "hyperparameters.label_smoothing", message: "label_smoothing applies to loss_type sigmoid, cdpo or robust only")
        }
        return []
    }
}

/// The fields every online set shares: optimiser, sampling and schedule.
protocol OnlineHyperparameterSet: HyperparameterSet {
    var optimizer: OptimizerHyperparameters { get set }
    var sampling: SamplingHyperparameters { get set }
    var schedule: OnlineSchedule { get set }
}

extension OnlineHyperparameterSet {
    static var onlineFields: [HyperField<Self>] {
        OptimizerHyperparameters.fields.map { $0.lifted(\.optimizer) } + SamplingHyperparameters.fields.map { $0.lifted(\.sampling) }
            + OnlineSchedule.fields.map { $0.lifted(\.schedule) }
    }
}

/// SPPO (Wu et al. 2024; docs/ALGORITHMS.md §2): no KL-to-reference term, so no β; its step is η.
public struct SPPOHyperparameters: OnlineHyperparameterSet {
    public var optimizer = OptimizerHyperparameters()
    public var sampling = SamplingHyperparameters()
    public var schedule = OnlineSchedule()
    /// K = 5 as the SPPO pipeline.
    public var samplesPerPrompt = 5
    /// SPPO's η = 1/β of its code (1000 for LLMs).
    public var eta = 4.0

    public init() { schedule.iterations = 8 }

    static var fields: [HyperField<Self>] {
        onlineFields + [.count("samples_per_prompt", \.samplesPerPrompt, minimum: 2, maximum: 64), .positive("eta", \.eta)]
    }
}

/// INPO (Zhang et al. 2024; docs/ALGORITHMS.md §3).
public struct INPOHyperparameters: OnlineHyperparameterSet {
    public var optimizer = OptimizerHyperparameters()
    public var sampling = SamplingHyperparameters()
    public var schedule = OnlineSchedule()
    /// Consecutive samples form labelled pairs.
    public var samplesPerPrompt = 4
    /// INPO's τ (KL to π_ref).
    public var beta = 0.1
    /// The OMD step η; requires η·τ ≤ 1.
    public var eta = 2.0

    public init() {
        schedule.iterations = 12
        schedule.stepsPerIteration = 24
        schedule.promptsPerIteration = 64
    }

    static var fields: [HyperField<Self>] {
        onlineFields + [.count("samples_per_prompt", \.samplesPerPrompt, minimum: 2, maximum: 64),
                        .positive("beta", \.beta), .positive("eta", \.eta)]
    }

    func crossCheck() throws(TrainingSpecError) -> [String] {
        // π_t enters the INPO regression with weight 1 − ητ; negative would make no sense (docs/ALGORITHMS.md §3).
        guard eta * beta <= 1 else {
            throw TrainingSpecError(field: "hyperparameters.eta", message: "INPO needs eta * beta (η·τ) ≤ 1")
        }
        return []
    }
}

/// How Nash-MP solves each prox step.
public enum ProxSolver: String, Sendable, CaseIterable {
    case regression
    case policyGradient = "policy_gradient"
}

/// Nash-MP (Tiapkin et al. 2025; docs/ALGORITHMS.md §5).
public struct NashMPHyperparameters: OnlineHyperparameterSet {
    public var optimizer = OptimizerHyperparameters()
    public var sampling = SamplingHyperparameters()
    public var schedule = OnlineSchedule()
    public var samplesPerPrompt = 4
    public var beta = 0.1
    /// ≤ 2 for the linear rate (a warning above).
    public var eta = 2.0
    public var proxSolver = ProxSolver.regression

    public init() {}

    static var fields: [HyperField<Self>] {
        onlineFields + [.count("samples_per_prompt", \.samplesPerPrompt, minimum: 2, maximum: 64),
                        .positive("beta", \.beta), .positive("eta", \.eta), .choice("prox_solver", \.proxSolver)]
    }

    func crossCheck() throws(TrainingSpecError) -> [String] {
        eta > 2 ? ["nash_mp: eta > 2 voids the (1+ηβ)^-k convergence-rate bound, which needs η ≤ 2"] : []
    }
}

/// Nash-MD (Munos et al. 2024; TRL's NashMDTrainer; docs/ALGORITHMS.md §4): one fresh batch of `batch_size`
/// prompts per step.
public struct NashMDHyperparameters: OnlineHyperparameterSet {
    public var optimizer = OptimizerHyperparameters()
    public var sampling = SamplingHyperparameters()
    public var schedule = OnlineSchedule()
    /// TRL NashMDConfig.beta (the paper's τ).
    public var beta = 0.1
    /// TRL's default, ητ.
    public var mixtureCoef = 0.5

    public init() {}

    static var fields: [HyperField<Self>] {
        onlineFields + [.positive("beta", \.beta), .fraction("mixture_coef", \.mixtureCoef)]
    }
}
