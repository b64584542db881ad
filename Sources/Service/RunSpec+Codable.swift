import Alignment
import Foundation
import HTTPClient
public import Storage

/// Decoding validates: a request body and a stored payload go through the same checks, so what a worker
/// runs is exactly what was accepted. Encoding writes the resolved form, which decodes to the same spec.
extension RunSpec: Codable {
    static let fields: Set<String> = ["version", "name", "algorithm", "model", "reference", "task", "dataset", "judge", "judge_options",
                                      "hyperparameters", "seed", "checkpoints"]

    /// Decodes and validates a request body or a stored payload; every error names its field.
    public static func decode(_ bytes: [UInt8]) throws(RunSpecError) -> RunSpec {
        do {
            return try JSONDecoder().decode(RunSpec.self, from: Data(bytes))
        } catch let error as RunSpecError {
            throw error
        } catch let error as DecodingError {
            switch error {
            case .typeMismatch(_, let context), .valueNotFound(_, let context), .keyNotFound(_, let context),
                 .dataCorrupted(let context):
                throw RunSpecError(fieldPath(context.codingPath), context.debugDescription)
            @unknown default:
                throw RunSpecError("", "the run specification is not valid JSON")
            }
        } catch {
            throw RunSpecError("", "the run specification is not valid JSON")
        }
    }

    /// The resolved JSON: sorted keys, so equal specs store equal text.
    public var json: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Encoding plain numbers, strings and arrays cannot fail.
        return (try? encoder.encode(self)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }

    public init(from decoder: any Decoder) throws {
        let body = try SpecObject(decoder)
        try body.rejectUnknown(Self.fields)
        let version = try body.integer("version", range: 1...Int(Int32.max)) ?? Self.currentVersion
        guard version <= Self.currentVersion else {
            throw RunSpecError("version", "this server reads run specifications up to version \(Self.currentVersion)")
        }
        name = try body.string("name", maxLength: 200)
        let algorithm = try body.requiredString("algorithm", maxLength: 64)
        seed = try body.integer("seed", range: 0...Int(Int32.max)) ?? 0
        let task = try body.object("task")
        let hyper = try body.object("hyperparameters")
        if task == nil, !body.has("dataset") {
            throw RunSpecError("task", "a run needs a task ({\"kind\": \"tabular\", ...} or {\"kind\": \"text\", \"name\": ...}) or a dataset filter")
        }
        let kind = try task.map { task throws(RunSpecError) -> String in
            let kind = try task.requiredString("kind", maxLength: 64)
            guard ["tabular", "text", "prompts"].contains(kind) else { throw RunSpecError("task.kind", "must be one of tabular, text, prompts") }
            return kind
        }
        if let task, kind == "tabular" {
            for key in ["model", "reference", "dataset"] where body.has(key) {
                throw RunSpecError(key, "a tabular run has no \(key): its policy is a probability vector over the game's responses")
            }
            if let judge = try body.string("judge", maxLength: 300), judge != "matrix" {
                throw RunSpecError("judge", "a tabular run is judged by its preference matrix ('matrix')")
            }
            job = .tabular(try TabularRunSpec(algorithm: algorithm, task: task, hyperparameters: hyper))
        } else if let scoring = RewardModelRunSpec.algorithms[algorithm] {
            if kind == "prompts" { throw RunSpecError("task.kind", "a \(algorithm) learns from comparisons: a text task or a dataset filter") }
            job = .rewardModel(try RewardModelRunSpec(body, scoring: scoring, task: task, hyperparameters: hyper))
        } else {
            job = .training(try TrainingRunSpec(body, algorithm: algorithm, task: task, hyperparameters: hyper, seed: seed))
        }
        checkpointKeepLast = try Self.keepLast(body, job: job)
    }

    public func encode(to encoder: any Encoder) throws {
        var out = encoder.container(keyedBy: AnyKey.self)
        try out.encode(Self.currentVersion, forKey: AnyKey("version"))
        try out.encodeIfPresent(name, forKey: AnyKey("name"))
        try out.encode(algorithm, forKey: AnyKey("algorithm"))
        try out.encode(seed, forKey: AnyKey("seed"))
        try out.encodeIfPresent(checkpointKeepLast.map { ["keep_last": $0] }, forKey: AnyKey("checkpoints"))
        switch job {
        case .tabular(let t):
            try out.encode("matrix", forKey: AnyKey("judge"))
            var task = out.nestedContainer(keyedBy: AnyKey.self, forKey: AnyKey("task"))
            try task.encode("tabular", forKey: AnyKey("kind"))
            try task.encode(t.preferenceMatrix, forKey: AnyKey("preference_matrix"))
            try task.encode(t.reference, forKey: AnyKey("reference"))
            try task.encodeIfPresent(t.initial, forKey: AnyKey("initial"))
            try out.encode(t.hyperparameters, forKey: AnyKey("hyperparameters"))
        case .rewardModel(let r):
            try out.encode(r.judge, forKey: AnyKey("judge"))
            try out.encodeIfPresent(r.model, forKey: AnyKey("model"))
            try out.encode(r.hyperparameters.hyperparameters, forKey: AnyKey("hyperparameters"))
            try Self.encode(r.source, into: &out)
        case .training(let t):
            try out.encode(t.judge, forKey: AnyKey("judge"))
            try out.encodeIfPresent(t.judgeOptions, forKey: AnyKey("judge_options"))
            try out.encodeIfPresent(t.humanJudge, forKey: AnyKey("judge_options"))
            try out.encodeIfPresent(t.model, forKey: AnyKey("model"))
            try out.encodeIfPresent(t.reference, forKey: AnyKey("reference"))
            try out.encode(t.training.hyperparameters, forKey: AnyKey("hyperparameters"))
            try Self.encode(t.source, into: &out)
        }
    }

    static func encode(_ source: TrainingRunSpec.Source, into out: inout KeyedEncodingContainer<AnyKey>) throws {
            switch source {
            case .task(let name):
                var task = out.nestedContainer(keyedBy: AnyKey.self, forKey: AnyKey("task"))
                try task.encode("text", forKey: AnyKey("kind"))
                try task.encode(name, forKey: AnyKey("name"))
            case .prompts(let dataset, let evalFraction, let until):
                var task = out.nestedContainer(keyedBy: AnyKey.self, forKey: AnyKey("task"))
                try task.encode("prompts", forKey: AnyKey("kind"))
                try task.encode(dataset, forKey: AnyKey("dataset"))
                try task.encode(evalFraction, forKey: AnyKey("eval_fraction"))
                try task.encode(ISO8601Time.string(until), forKey: AnyKey("until"))
            case .dataset(let selection):
                var dataset = out.nestedContainer(keyedBy: AnyKey.self, forKey: AnyKey("dataset"))
                try dataset.encodeIfPresent(selection.dataset, forKey: AnyKey("dataset"))
                try dataset.encodeIfPresent(selection.annotator, forKey: AnyKey("annotator"))
                try dataset.encodeIfPresent(selection.since.map(ISO8601Time.string), forKey: AnyKey("since"))
                try dataset.encode(ISO8601Time.string(selection.until), forKey: AnyKey("until"))
            }
    }
}

extension TabularRunSpec {
    /// The game, start and hyperparameters; errors name `task.preference_matrix`, `task.reference`,
    /// `task.initial` or `hyperparameters.<key>`.
    init(algorithm: String, task: SpecObject, hyperparameters: SpecObject?) throws(RunSpecError) {
        try task.rejectUnknown(["kind", "preference_matrix", "reference", "initial"])
        guard let rows = try task.decode([[Double]].self, "preference_matrix", what: "an array of rows of numbers") else {
            throw RunSpecError("task.preference_matrix", "is required")
        }
        guard rows.count >= 2, rows.count <= 64 else { throw RunSpecError("task.preference_matrix", "the game needs 2 to 64 responses") }
        for (i, row) in rows.enumerated() where row.count > 64 {
            throw RunSpecError("task.preference_matrix[\(i)]", "must be an array of at most 64 numbers")
        }
        func probabilities(_ key: String) throws(RunSpecError) -> [Double]? {
            guard let values = try task.decode([Double].self, key, what: "an array of numbers") else { return nil }
            guard values.count == rows.count else { throw RunSpecError("task.\(key)", "task.\(key) needs \(rows.count) probabilities, one per response") }
            return values
        }
        guard let reference = try probabilities("reference") else { throw RunSpecError("task.reference", "is required") }
        var values: [String: Double] = [:]
        for (key, value) in try hyperparameters?.hyperparameters() ?? [:] {
            guard case .number(let x) = value else { throw RunSpecError("hyperparameters.\(key)", "\(key) must be a number") }
            values[key] = x
        }
        self.algorithm = algorithm
        preferenceMatrix = rows
        self.reference = reference
        initial = try probabilities("initial")
        self.hyperparameters = values
        // Validate now, and store what the run resolves (Nash-MP's default η, the iteration count).
        let run = try makeRun()
        var effective: [String: Double] = [:]
        if algorithm != "dpo" { effective["iterations"] = Double(run.iterations) }
        if let beta = run.beta { effective["beta"] = beta }
        if let eta = run.eta { effective["eta"] = eta }
        self.hyperparameters = effective
    }
}

extension TrainingRunSpec {
    /// Judges a task's or stored preferences' run cannot take where they are refused (each is available elsewhere).
    static let futureJudges = ["reward_model:", "preference_model:", "http:", "https:"]

    /// The judge string of people judging in the annotation queue.
    public static let humanJudgeName = "human"

    /// The validated spec and data source of a transformer run; errors name `task.name`, `dataset.*`,
    /// `judge`, `algorithm`, `model`, `reference` or `hyperparameters.<key>`.
    init(_ body: SpecObject, algorithm: String, task: SpecObject?, hyperparameters: SpecObject?, seed: Int) throws(RunSpecError) {
        let values = try hyperparameters?.hyperparameters() ?? [:]
        let prompts = try Self.promptSource(task)
        let builtIn = prompts == nil ? try Self.builtInTask(task) : nil
        do {
            training = try TrainingSpec(algorithm: algorithm, hyperparameters: values, seed: UInt64(seed), task: builtIn)
        } catch {
            throw RunSpecError(error.field, error.message)
        }
        if try body.string("judge", maxLength: 2000) == Self.humanJudgeName {
            (source, judge, humanJudge) = try Self.humanSource(body, prompts: prompts, task: builtIn, algorithm: training.algorithm)
        } else if let prompts {
            (source, judge, judgeOptions) = try Self.promptJudge(body, source: prompts, algorithm: training.algorithm)
        } else {
            if body.has("judge_options") { throw RunSpecError("judge_options", "only a remote (http:// or https://) judge takes options") }
            (source, self.judge) = try Self.source(body, task: builtIn, online: training.algorithm.isOnline, algorithm: algorithm,
                                                   rewards: training.algorithm.usesRewards)
        }
        model = try body.string("model", maxLength: 64)
        if training.algorithm == .sft, body.has("reference") {
            throw RunSpecError("reference", "sft takes no reference: it learns from examples alone")
        }
        reference = training.algorithm == .sft ? nil : (try body.string("reference", maxLength: 64) ?? model)
        if model == nil, !(training.algorithm == .sft && builtIn != nil) {
            throw RunSpecError("model", "\(algorithm) needs the id of the policy to train")
        }
    }
}

extension TrainingRunSpec {
    /// The model id of a `reward_model:<id>` judge.
    static func rewardModelID(_ judge: String) -> String? {
        judge.hasPrefix("reward_model:") ? String(judge.dropFirst("reward_model:".count)) : nil
    }

    /// The stored reward model that scores this run's rollouts, if its judge is one.
    public var rewardModel: String? { Self.rewardModelID(judge) }

    /// A `reward_model:<id>` or `preference_model:<id>` judge: the model's kind and id.
    static func judgeModel(_ judge: String) -> (kind: ModelKind, id: String)? {
        if let id = rewardModelID(judge) { return (.rewardModel, id) }
        if judge.hasPrefix("preference_model:") { return (.preferenceModel, String(judge.dropFirst("preference_model:".count))) }
        return nil
    }

    /// The stored model that judges this run's pairs or scores its rollouts, if its judge is one.
    public var judgeModel: (kind: ModelKind, id: String)? { Self.judgeModel(judge) }

    /// `{"kind": "prompts", "dataset", "eval_fraction"?, "until"?}`, or nil for another kind.
    static func promptSource(_ task: SpecObject?) throws(RunSpecError) -> Source? {
        guard let task, try task.string("kind", maxLength: 64) == "prompts" else { return nil }
        try task.rejectUnknown(["kind", "dataset", "eval_fraction", "until"])
        let dataset = try task.requiredString("dataset", maxLength: 200)
        let fraction = try task.decode(Double.self, "eval_fraction", what: "a number") ?? 0.1
        guard fraction.isFinite, (0...0.5).contains(fraction) else { throw RunSpecError("task.eval_fraction", "must be from 0 to 0.5") }
        let until = try task.string("until", maxLength: 40).map { text throws(RunSpecError) -> Date in
            guard let date = RFC3339.parse(text) else { throw RunSpecError("task.until", "must be an RFC 3339 time") }
            return date
        } ?? Date()
        // To the microsecond, as stored: the resolved spec then reads back equal.
        return .prompts(dataset: dataset, evalFraction: fraction, until: Timestamp.date(Timestamp.micros(until)))
    }

    /// The judge of a run on stored prompts: a remote judge (`http(s)://`, with `judge_options`) for every
    /// algorithm but SFT, or for PPO, RLOO and GRPO a stored reward model. The remote judge of those three
    /// must speak the reward protocol (they need a scalar per response).
    static func promptJudge(_ body: SpecObject, source: Source, algorithm: TrainingAlgorithm) throws(RunSpecError)
        -> (Source, String, RemoteJudgeOptions?) {
        guard algorithm != .sft else { throw RunSpecError("task.kind", "sft learns from examples: a text task or a dataset filter") }
        guard !body.has("dataset") else { throw RunSpecError("dataset", "a run learns from a task or from a dataset, not both") }
        guard let judge = try body.string("judge", maxLength: 2000) else {
            throw RunSpecError("judge", "a run on stored prompts needs a judge: an http:// or https:// URL\(algorithm.usesRewards ? " or reward_model:<model id>" : "")")
        }
        if let (kind, id) = judgeModel(judge), !algorithm.usesRewards || kind == .rewardModel {
            guard !id.isEmpty, id.count <= 64 else { throw RunSpecError("judge", "\(kind.rawValue):<id> needs the id of a stored \(kind.rawValue)") }
            if body.has("judge_options") { throw RunSpecError("judge_options", "only a remote (http:// or https://) judge takes options") }
            return (source, judge, nil)
        }
        guard HTTPClientRequest.isAcceptableURL(judge) else {
            throw RunSpecError("judge", "judge '\(judge)' is not available on stored prompts: use an http:// or https:// judge or reward_model:<id>\(algorithm.usesRewards ? "" : " or preference_model:<id>")")
        }
        var options = RemoteJudgeOptions()
        if body.has("judge_options") {
            guard let nested = try body.object("judge_options") else { throw RunSpecError("judge_options", "must be an object") }
            options = try RemoteJudgeOptions(reading: nested)
        }
        if algorithm.usesRewards, options.protocol != .reward {
            throw RunSpecError("judge_options.protocol", "\(algorithm.rawValue) needs a reward per response: the reward protocol")
        }
        return (source, judge, options)
    }

    /// People judge the pairs a run samples from a task or stored prompts (`judge: "human"`): the pairwise
    /// algorithms only, since PPO, RLOO and GRPO need a reward per response.
    static func humanSource(_ body: SpecObject, prompts: Source?, task: (any TextTask)?, algorithm: TrainingAlgorithm) throws(RunSpecError)
        -> (Source, String, HumanJudgeOptions) {
        guard algorithm != .sft, !algorithm.usesRewards else {
            throw RunSpecError("judge", "judge 'human' compares pairs: it judges sppo, inpo, nash_mp, nash_md and dpo, not \(algorithm.rawValue)")
        }
        if body.has("dataset") {
            throw RunSpecError("dataset", "a run judged by people samples its pairs from a task or stored prompts, not from stored preferences")
        }
        guard let source = prompts ?? task.map({ Source.task($0.name) }) else {
            throw RunSpecError("task", "judge 'human' needs a text task or a prompt dataset to sample pairs from")
        }
        return (source, humanJudgeName, try HumanJudgeOptions(reading: try body.object("judge_options")))
    }

    /// The built-in task named by `task`, if any (`task.name` must name one).
    static func builtInTask(_ task: SpecObject?) throws(RunSpecError) -> (any TextTask)? {
        guard let task else { return nil }
        try task.rejectUnknown(["kind", "name"])
        let name = try task.requiredString("name", maxLength: 64)
        guard let found = TextTasks.named(name) else {
            throw RunSpecError("task.name", "no text task '\(name)'; built in: \(TextTasks.all.map(\.name).joined(separator: ", "))")
        }
        return found
    }

    /// Where the data comes from and who judges it: a task and its oracle, or stored preferences. PPO, RLOO and
    /// GRPO (`rewards`) need a scalar reward: the task's oracle reward (transitive tasks only) or
    /// `reward_model:<model id>` (checked to exist and be a reward model by ``RunSpec/checkModels(on:)``).
    static func source(_ body: SpecObject, task: (any TextTask)?, online: Bool, algorithm: String,
                       rewards: Bool = false) throws(RunSpecError) -> (Source, String) {
        let judge = try body.string("judge", maxLength: 300)
        if rewards, let task {
            if body.has("dataset") { throw RunSpecError("dataset", "a run learns from a task or from a dataset, not both") }
            let oracle = "oracle:\(task.name)"
            if let judge, let id = rewardModelID(judge) {
                guard !id.isEmpty, id.count <= 64 else { throw RunSpecError("judge", "reward_model:<id> needs the id of a stored reward model") }
                return (.task(task.name), judge)
            }
            if let judge, judge != oracle {
                throw RunSpecError("judge", "\(algorithm) on task '\(task.name)' is judged by '\(oracle)' or 'reward_model:<model id>'")
            }
            guard task is any RewardTask else {
                throw RunSpecError("judge", "task '\(task.name)' has no scalar reward (its oracle is intransitive); \(algorithm) needs 'reward_model:<model id>'")
            }
            return (.task(task.name), oracle)
        }
        if let task, let judge, let (_, id) = judgeModel(judge), online || algorithm == "dpo" {
            // A stored reward or preference model judges the pairs of a task's samples instead of its oracle.
            if body.has("dataset") { throw RunSpecError("dataset", "a run learns from a task or from a dataset, not both") }
            guard !id.isEmpty, id.count <= 64 else { throw RunSpecError("judge", "\(judge.prefix { $0 != ":" }):<id> needs the id of a stored model") }
            return (.task(task.name), judge)
        }
        if let judge, futureJudges.contains(where: { judge.hasPrefix($0) }) {
            throw RunSpecError("judge", "judge '\(judge)' is not available here: a task's runs are judged by oracle:<task>, reward_model:<id> or preference_model:<id>; stored prompts by an http(s):// judge; stored preferences by themselves")
        }
        if let task {
            if body.has("dataset") { throw RunSpecError("dataset", "a run learns from a task or from a dataset, not both") }
            let oracle = "oracle:\(task.name)"
            if let judge, judge != oracle {
                throw RunSpecError("judge", "a run on task '\(task.name)' is judged by '\(oracle)'\(online || algorithm == "dpo" ? ", reward_model:<id> or preference_model:<id>" : "")")
            }
            return (.task(task.name), oracle)
        }
        guard let filter = try body.object("dataset") else { throw RunSpecError("dataset", "must be an object") }
        let selection = try DatasetSelection(filter)
        guard !online else {
            throw RunSpecError("task", "\(algorithm) is online: it samples from the policy and needs a task whose oracle judges the samples")
        }
        if let judge, judge != "preferences" { throw RunSpecError("judge", "a run on stored preferences is judged by them ('preferences')") }
        return (.dataset(selection), "preferences")
    }
}

extension RewardModelRunSpec {
    /// Errors name `task.*`, `dataset.*`, `judge`, `model` or `hyperparameters.<key>`.
    init(_ body: SpecObject, scoring: PairScoring, task: SpecObject?, hyperparameters: SpecObject?) throws(RunSpecError) {
        self.scoring = scoring
        let values = try hyperparameters?.hyperparameters() ?? [:]
        do {
            self.hyperparameters = try RewardModelHyperparameters(values: values)
        } catch {
            throw RunSpecError(error.field, error.message)
        }
        let name = scoring == .reward ? "reward_model" : "preference_model"
        if body.has("reference") { throw RunSpecError("reference", "a \(name) has no reference policy") }
        let builtIn = try TrainingRunSpec.builtInTask(task)
        (source, judge) = try TrainingRunSpec.source(body, task: builtIn, online: false, algorithm: name)
        model = try body.string("model", maxLength: 64)
        if model == nil, builtIn == nil {
            throw RunSpecError("model", "a \(name) on stored preferences needs `model`, the policy whose architecture and weights its trunk starts from")
        }
    }
}

extension DatasetSelection {
    init(_ object: SpecObject) throws(RunSpecError) {
        try object.rejectUnknown(["dataset", "annotator", "since", "until"])
        dataset = try object.string("dataset", maxLength: 200)
        annotator = try object.string("annotator", maxLength: 200)
        func time(_ key: String) throws(RunSpecError) -> Date? {
            guard let text = try object.string(key, maxLength: 64) else { return nil }
            guard let date = RFC3339.parse(text) else {
                throw RunSpecError(object.name(key), "\(key) must be an ISO 8601 time such as 2026-01-31T12:00:00Z")
            }
            return Timestamp.date(Timestamp.micros(date))
        }
        since = try time("since")
        // Microseconds, as stored: the spec a worker decodes selects exactly what this one does.
        until = try time("until") ?? Timestamp.date(Timestamp.micros(Date()))
    }

    /// The repository filter this selection stands for.
    public var filter: PreferenceFilter {
        PreferenceFilter(annotator: annotator, dataset: dataset, since: since, until: until)
    }
}

extension RunSpec {
    /// `checkpoints: {"keep_last": N}`: only transformer policy runs checkpoint.
    static func keepLast(_ body: SpecObject, job: Job) throws(RunSpecError) -> Int? {
        guard let checkpoints = try body.object("checkpoints") else { return nil }
        try checkpoints.rejectUnknown(["keep_last"])
        guard case .training = job else {
            throw RunSpecError("checkpoints", "only runs that train a transformer policy checkpoint; tabular and reward-model runs take no checkpoints")
        }
        return try checkpoints.integer("keep_last", range: 1...1000)
    }
}
