/// The algorithms a run can use.
public enum TrainingAlgorithm: String, Sendable, CaseIterable, Codable {
    case sft, dpo, sppo, inpo
    case nashMP = "nash_mp"
    case nashMD = "nash_md"
    case ppo, rloo, grpo

    /// Iterative algorithms that sample from the current policy and ask the task's oracle.
    public var isOnline: Bool { self != .sft && self != .dpo }

    /// Policy-gradient algorithms learning from a scalar reward (a ``RolloutScorer``), not from a pairwise judge.
    public var usesRewards: Bool { self == .ppo || self == .rloo || self == .grpo }
}

/// An algorithm with its typed hyperparameters: the one place where the algorithms of a training run are
/// enumerated. Adding an algorithm adds a case here, its hyperparameter set beside the others
/// (Hyperparameters.swift) and its objective (Objectives/); docs/ARCHITECTURE.md lists the remaining steps.
public enum TrainingMethod: Sendable, Equatable {
    case sft(SFTHyperparameters)
    case dpo(DPOHyperparameters)
    case sppo(SPPOHyperparameters)
    case inpo(INPOHyperparameters)
    case nashMP(NashMPHyperparameters)
    case nashMD(NashMDHyperparameters)
    case ppo(PPOHyperparameters)
    case rloo(RLOOHyperparameters)
    case grpo(GRPOHyperparameters)

    public var algorithm: TrainingAlgorithm {
        switch self {
        case .sft: .sft
        case .dpo: .dpo
        case .sppo: .sppo
        case .inpo: .inpo
        case .nashMP: .nashMP
        case .nashMD: .nashMD
        case .ppo: .ppo
        case .rloo: .rloo
        case .grpo: .grpo
        }
    }

    /// Reads `values` over the algorithm's defaults (`base` for SFT: a task's recipe).
    init(_ algorithm: TrainingAlgorithm, values: [String: HyperValue], sftBase: SFTHyperparameters) throws(TrainingSpecError) {
        let name = algorithm.rawValue
        switch algorithm {
        case .sft: self = .sft(try SFTHyperparameters(reading: values, algorithm: name, base: sftBase))
        case .dpo: self = .dpo(try DPOHyperparameters(reading: values, algorithm: name))
        case .sppo: self = .sppo(try SPPOHyperparameters(reading: values, algorithm: name))
        case .inpo: self = .inpo(try INPOHyperparameters(reading: values, algorithm: name))
        case .nashMP: self = .nashMP(try NashMPHyperparameters(reading: values, algorithm: name))
        case .nashMD: self = .nashMD(try NashMDHyperparameters(reading: values, algorithm: name))
        case .ppo: self = .ppo(try PPOHyperparameters(reading: values, algorithm: name))
        case .rloo: self = .rloo(try RLOOHyperparameters(reading: values, algorithm: name))
        case .grpo: self = .grpo(try GRPOHyperparameters(reading: values, algorithm: name))
        }
    }

    private var parameterSet: any HyperparameterSet {
        switch self {
        case .sft(let h): h
        case .dpo(let h): h
        case .sppo(let h): h
        case .inpo(let h): h
        case .nashMP(let h): h
        case .nashMD(let h): h
        case .ppo(let h): h
        case .rloo(let h): h
        case .grpo(let h): h
        }
    }

    /// Every hyperparameter by its JSON key, defaults included.
    public var values: [String: HyperValue] { parameterSet.values }

    func crossCheck() throws(TrainingSpecError) -> [String] { try parameterSet.crossCheck() }
}

/// A validated training configuration: the algorithm with every hyperparameter resolved, and the seed.
public struct TrainingSpec: Sendable, Equatable {
    public var method: TrainingMethod
    public var seed: UInt64
    /// Accepted-but-questionable settings (e.g. Nash-MP with η > 2 loses its rate guarantee).
    public private(set) var warnings: [String]

    /// Checks `method`'s cross-field constraints.
    public init(method: TrainingMethod, seed: UInt64) throws(TrainingSpecError) {
        self.method = method
        self.seed = seed
        warnings = try method.crossCheck()
    }

    /// Validates `hyperparameters` for `algorithm` and fills in defaults once; every error names its field.
    /// SFT on a `task` takes the task's reference recipe for whatever the caller does not set.
    public init(algorithm: String, hyperparameters: [String: HyperValue], seed: UInt64,
                task: (any TextTask)? = nil) throws(TrainingSpecError) {
        guard let algo = TrainingAlgorithm(rawValue: algorithm) else {
            let known = TrainingAlgorithm.allCases.map(\.rawValue).joined(separator: ", ")
            throw TrainingSpecError(field: "algorithm", message: "unknown algorithm '\(algorithm)'; expected one of \(known)")
        }
        let base = task.map { SFTHyperparameters(recipe: $0.sftConfig) } ?? SFTHyperparameters()
        try self.init(method: try TrainingMethod(algo, values: hyperparameters, sftBase: base), seed: seed)
    }

    public var algorithm: TrainingAlgorithm { method.algorithm }

    /// Every hyperparameter by its JSON key, defaults included: what a stored run shows.
    public var hyperparameters: [String: HyperValue] { method.values }

    public var optimizer: OptimizerHyperparameters {
        switch method {
        case .sft(let h): h.optimizer
        case .dpo(let h): h.optimizer
        case .sppo(let h): h.optimizer
        case .inpo(let h): h.optimizer
        case .nashMP(let h): h.optimizer
        case .nashMD(let h): h.optimizer
        case .ppo(let h): h.optimizer
        case .rloo(let h): h.optimizer
        case .grpo(let h): h.optimizer
        }
    }

    /// How data is sampled from policies (nil for SFT, which samples nothing).
    public var sampling: SamplingHyperparameters? {
        switch method {
        case .sft: nil
        case .dpo(let h): h.sampling
        case .sppo(let h): h.sampling
        case .inpo(let h): h.sampling
        case .nashMP(let h): h.sampling
        case .nashMD(let h): h.sampling
        case .ppo(let h): h.sampling
        case .rloo(let h): h.sampling
        case .grpo(let h): h.sampling
        }
    }

    /// The iteration structure of an online algorithm (nil offline).
    public var schedule: OnlineSchedule? {
        switch method {
        case .sft, .dpo, .ppo, .rloo, .grpo: nil
        case .sppo(let h): h.schedule
        case .inpo(let h): h.schedule
        case .nashMP(let h): h.schedule
        case .nashMD(let h): h.schedule
        }
    }

    /// Optimiser steps of the whole run: `steps` offline; `iterations × steps_per_iteration` online, twice
    /// that for Nash-MP (two prox steps per iteration).
    public var totalSteps: Int {
        switch method {
        case .sft(let h): h.steps
        case .dpo(let h): h.steps
        case .ppo(let h): h.steps
        case .rloo(let h): h.steps
        case .grpo(let h): h.steps
        case .nashMP(let h): 2 * h.schedule.iterations * h.schedule.stepsPerIteration
        case .sppo, .inpo, .nashMD:
            (schedule?.iterations ?? 0) * (schedule?.stepsPerIteration ?? 0)
        }
    }

    /// Optimiser steps of one phase of an online iteration.
    var stepsPerPhase: Int { schedule?.stepsPerIteration ?? totalSteps }

    /// The defaults of `algorithm`, by hyperparameter name.
    public static func defaults(for algorithm: TrainingAlgorithm) -> [String: HyperValue] {
        // Reading no values cannot fail.
        (try? TrainingMethod(algorithm, values: [:], sftBase: SFTHyperparameters()))?.values ?? [:]
    }
}
