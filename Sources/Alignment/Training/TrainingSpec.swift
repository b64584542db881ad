/// A hyperparameter value as it arrives from JSON.
public enum HyperValue: Sendable, Equatable {
    case number(Double), string(String), bool(Bool)
}

/// A rejected training request, naming the offending field (`"algorithm"`, `"hyperparameters.beta"`,
/// `"task"`, `"resume"`, ...), so the API can answer 422 with a pointer.
public struct TrainingSpecError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Dotted path of the field at fault.
    public var field: String
    /// What is wrong with it.
    public var message: String

    /// Creates an error.
    public init(field: String, message: String) {
        self.field = field
        self.message = message
    }

    public var description: String { "\(field): \(message)" }
}

/// The algorithms a run can use.
public enum TrainingAlgorithm: String, Sendable, CaseIterable {
    case sft, dpo, sppo, inpo
    case nashMP = "nash_mp"
    case nashMD = "nash_md"

    /// Iterative algorithms that sample from the current policy and ask the task's oracle.
    public var isOnline: Bool { self != .sft && self != .dpo }
}

/// A validated training configuration: the algorithm, every hyperparameter with its default filled in, and
/// the seed. Defaults are scaled for tiny CPU policies (see ``TrainingSpec/defaults(for:)``), not the LLM
/// values of the papers (e.g. SPPO's η = 1000 or TRL's lr 5e-7 would not move a 100k-parameter model).
public struct TrainingSpec: Sendable {
    public var algorithm: TrainingAlgorithm
    public var seed: UInt64
    /// Every hyperparameter, defaults filled in (numbers, strings and booleans by name).
    public var values: [String: HyperValue]
    /// Accepted-but-questionable settings (e.g. Nash-MP with η > 2 loses its rate guarantee).
    public var warnings: [String] = []
    /// The hyperparameters the caller set (the rest are defaults; SFT on a task takes the task's recipe for them).
    public var provided: Set<String> = []

    /// Validates `hyperparameters` for `algorithm` and fills in defaults; every error names its field.
    public init(algorithm: String, hyperparameters: [String: HyperValue], seed: UInt64) throws(TrainingSpecError) {
        guard let algo = TrainingAlgorithm(rawValue: algorithm) else {
            let known = TrainingAlgorithm.allCases.map(\.rawValue).joined(separator: ", ")
            throw TrainingSpecError(field: "algorithm", message: "unknown algorithm '\(algorithm)'; expected one of \(known)")
        }
        self.algorithm = algo
        self.seed = seed
        let schema = TrainingSpec.schema(for: algo)
        var values: [String: HyperValue] = [:]
        for (key, rule) in schema { values[key] = rule.defaultValue }
        for key in hyperparameters.keys.sorted() {
            guard let rule = schema[key], let value = hyperparameters[key] else {
                let known = schema.keys.sorted().joined(separator: ", ")
                throw TrainingSpecError(field: "hyperparameters.\(key)",
                                        message: "unknown hyperparameter for \(algorithm); expected one of \(known)")
            }
            try rule.check(value, field: "hyperparameters.\(key)")
            values[key] = value
        }
        self.values = values
        provided = Set(hyperparameters.keys)
        try crossCheck()
    }

    /// Checks that involve several values at once.
    private mutating func crossCheck() throws(TrainingSpecError) {
        switch algorithm {
        case .inpo:
            // π_t enters the INPO regression with weight 1 − ητ; negative would make no sense (docs/ALGORITHMS.md §3).
            guard number("eta") * number("beta") <= 1 else {
                throw TrainingSpecError(field: "hyperparameters.eta", message: "INPO needs eta * beta (η·τ) ≤ 1")
            }
        case .nashMP:
            if number("eta") > 2 {
                warnings.append("nash_mp: eta > 2 voids the (1+ηβ)^-k convergence-rate bound, which needs η ≤ 2")
            }
        case .dpo:
            let loss = string("loss_type")
            let eps = number("label_smoothing")
            if loss == "robust" && eps >= 0.5 {
                throw TrainingSpecError(field: "hyperparameters.label_smoothing", message: "robust DPO needs label_smoothing < 0.5")
            }
            if eps > 0 && !["sigmoid", "cdpo", "robust"].contains(loss) {
                throw TrainingSpecError(field: "hyperparameters.label_smoothing",
                                        message: "label_smoothing applies to loss_type sigmoid, cdpo or robust only")
            }
        default:
            break
        }
    }

    /// A numeric hyperparameter (0 if absent, which validation rules out for keys in the schema).
    public func number(_ key: String) -> Double {
        if case .number(let x)? = values[key] { return x }
        return 0
    }

    /// A count hyperparameter.
    public func count(_ key: String) -> Int { Int(number(key)) }

    /// A string hyperparameter ("" if absent).
    public func string(_ key: String) -> String {
        if case .string(let s)? = values[key] { return s }
        return ""
    }

    /// Optimiser steps of the whole run: `steps` offline; `iterations × steps_per_iteration` online, twice
    /// that for Nash-MP (two prox steps per iteration).
    public var totalSteps: Int {
        switch algorithm {
        case .sft, .dpo: count("steps")
        case .nashMP: 2 * count("iterations") * count("steps_per_iteration")
        default: count("iterations") * count("steps_per_iteration")
        }
    }

    /// Optimiser steps of one phase of an online iteration.
    var stepsPerPhase: Int { count("steps_per_iteration") }

    /// The defaults of `algorithm`, by hyperparameter name.
    public static func defaults(for algorithm: TrainingAlgorithm) -> [String: HyperValue] {
        schema(for: algorithm).mapValues(\.defaultValue)
    }
}
