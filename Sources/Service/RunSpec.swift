public import Alignment
public import Foundation
public import Storage

/// Everything a worker needs to execute a run, and nothing of HTTP: decoded and validated once from the
/// `POST /v1/runs` body, with every default resolved, then stored as the run's job payload (its JSON is
/// also what `GET /v1/runs/{id}` shows). Versioned: a worker refuses a payload of a later version.
///
/// JSON shape (version 1): `{"version", "name", "algorithm", "seed", "hyperparameters", "judge", and
/// either "task": {"kind": "tabular", "preference_matrix", "reference", "initial"}, or "task": {"kind":
/// "text", "name"} with "model"/"reference", or "dataset": {"dataset", "annotator", "since", "until"}
/// with "model"/"reference"}`.
public struct RunSpec: Sendable, Equatable {
    public static let currentVersion = 1

    public var name: String?
    public var seed: Int
    public var job: Job
    /// `checkpoints.keep_last`: how many of its newest checkpoints a transformer run keeps, also after it
    /// ends. Nil: the newest only, deleted when the run ends.
    public var checkpointKeepLast: Int? = nil

    /// What the run executes.
    public enum Job: Sendable, Equatable {
        /// The exact updates on a tabular game.
        case tabular(TabularRunSpec)
        /// A transformer policy trained on a built-in task or on stored preferences.
        case training(TrainingRunSpec)
        /// A Bradley–Terry reward model trained on stored preferences or a task's oracle labels.
        case rewardModel(RewardModelRunSpec)
    }

    public init(name: String?, seed: Int, job: Job) {
        self.name = name
        self.seed = seed
        self.job = job
    }

    public var algorithm: String {
        switch job {
        case .tabular(let t): t.algorithm
        case .training(let t): t.training.algorithm.rawValue
        case .rewardModel(let r): r.algorithm
        }
    }

    public var modelID: String? {
        switch job {
        case .tabular: nil
        case .training(let t): t.model
        case .rewardModel(let r): r.model
        }
    }

    public var referenceID: String? {
        if case .training(let t) = job { return t.reference }
        return nil
    }

    public var warnings: [String] {
        switch job {
        case .tabular(let t): (try? t.makeRun().warnings) ?? []
        case .training(let t): t.training.warnings
        case .rewardModel: []
        }
    }

    /// Steps the progress counts to.
    public var totalSteps: Int {
        switch job {
        case .tabular(let t): (try? t.makeRun().iterations) ?? 1
        case .training(let t): t.training.totalSteps
        case .rewardModel(let r): r.hyperparameters.steps
        }
    }
}

/// A run on a tabular game (docs/ALGORITHMS.md §6): the game, the start, and the hyperparameters as resolved.
public struct TabularRunSpec: Sendable, Equatable {
    public var algorithm: String
    public var preferenceMatrix: [[Double]]
    public var reference: [Double]
    public var initial: [Double]?
    /// `beta`, `eta`, `iterations` as the run uses them (defaults filled in).
    public var hyperparameters: [String: Double]

    /// The run, validated (the game's and the algorithm's checks).
    public func makeRun() throws(RunSpecError) -> TabularRun {
        let matrix: PreferenceMatrix
        do { matrix = try PreferenceMatrix(preferenceMatrix) } catch { throw RunSpecError("task.preference_matrix", error.message) }
        let game: TabularGame
        do {
            game = try TabularGame(matrix: matrix, reference: try ProbabilityVector(reference))
        } catch {
            throw RunSpecError("task.reference", error.message)
        }
        var start: ProbabilityVector?
        if let initial {
            do { start = try ProbabilityVector(initial) } catch { throw RunSpecError("task.initial", error.message) }
        }
        do {
            return try TabularRun(algorithm: algorithm, game: game, initial: start, hyperparameters: hyperparameters)
        } catch {
            throw RunSpecError(error.field, error.message)
        }
    }
}

/// A transformer run: the training configuration, the policies, the data and its judge.
public struct TrainingRunSpec: Sendable, Equatable {
    public var training: TrainingSpec
    /// The policy to train; nil only for SFT on a task (the task's reference architecture is initialised).
    public var model: String?
    /// π_ref (defaults to `model`; none for SFT).
    public var reference: String?
    public var source: Source
    /// `oracle:<task>` on a task, `preferences` on stored judgements.
    public var judge: String

    public enum Source: Sendable, Equatable {
        /// A built-in text task, by name.
        case task(String)
        /// Stored human preferences.
        case dataset(DatasetSelection)
        /// A stored prompt dataset (prompts created up to `until`, fixed at `POST`), split train/eval by
        /// `evalFraction` with the run's seed; judged by the run's judge.
        case prompts(dataset: String, evalFraction: Double, until: Date)
    }

    /// How a remote (`http(s)://`) judge is called; nil for other judges.
    public var judgeOptions: RemoteJudgeOptions?
    /// Where a run judged by people (`judge: "human"`) posts its pairs and how long it waits; nil for other judges.
    public var humanJudge: HumanJudgeOptions?

    /// The built-in task, when the run has one.
    public var task: (any TextTask)? {
        if case .task(let name) = source { return TextTasks.named(name) }
        return nil
    }
}

/// A reward-model or preference-model run: a scalar head on a GPT trunk (initialised from `model`'s weights,
/// or on a task with no `model`, from the task's reference architecture) trained on comparisons.
public struct RewardModelRunSpec: Sendable, Equatable {
    /// `reward_model` or `preference_model`.
    public static let algorithms: [String: PairScoring] = ["reward_model": .reward, "preference_model": .preference]
    public var scoring: PairScoring
    public var hyperparameters: RewardModelHyperparameters
    public var model: String?
    public var source: TrainingRunSpec.Source
    public var judge: String

    public var task: (any TextTask)? {
        if case .task(let name) = source { return TextTasks.named(name) }
        return nil
    }

    public var algorithm: String { scoring == .reward ? "reward_model" : "preference_model" }

    /// The kind of the model the run stores.
    public var modelKind: ModelKind { scoring == .reward ? .rewardModel : .preferenceModel }
}

/// Which stored preferences an offline run learns from. `until` is fixed when the run is posted, so a run
/// resumed after a crash sees exactly the data it started with.
public struct DatasetSelection: Sendable, Equatable {
    public var dataset: String?
    public var annotator: String?
    public var since: Date?
    public var until: Date

    public init(dataset: String? = nil, annotator: String? = nil, since: Date? = nil, until: Date) {
        self.dataset = dataset
        self.annotator = annotator
        self.since = since
        self.until = until
    }
}
