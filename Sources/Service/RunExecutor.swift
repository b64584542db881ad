import Alignment
public import Foundation
import HTTPClient
public import Jobs
public import Logging
import Policy
public import Storage

/// Executes runs (and sends webhook deliveries): the handler of the `run` and `webhook` jobs claimed by this process's worker pool. A run's job payload
/// is its ``RunSpec``; the handler decodes it (with the same validation as at `POST`), marks the run running, executed with its metrics and checkpoints
/// written as it goes, and ended (succeeded, failed or cancelled) in the store. A run whose worker
/// died is claimed again once its lease lapses and resumes from its last checkpoint.
public final class RunExecutor: Sendable {
    public static let jobKind = "run"

    public let database: Database
    public let signal: RunSignal
    /// Wakes this process's scorers when its pool writes a shard's scores.
    public let scoreSignal: ScoreSignal
    private let pool: WorkerPool?
    /// Scores the rollouts of runs judged by a reward model, in shards over every pool (this one's runs help).
    private let runScorer: ShardedScorer?

    /// The queues a pool can take (`--queues`), and the job kinds each holds.
    public static let queues: [(name: String, kinds: [String])] = [
        ("runs", [jobKind, Evaluations.jobKind, Webhooks.jobKind]), ("scoring", [ScoreShardJob.kind]),
    ]

    /// The job kinds of the named queues, or nil naming an unknown queue.
    public static func kinds(queues names: [String]) -> Result<[String], QueueNameError> {
        var kinds: [String] = []
        for name in names {
            guard let queue = queues.first(where: { $0.name == name }) else { return .failure(QueueNameError(name: name)) }
            kinds += queue.kinds.filter { !kinds.contains($0) }
        }
        return .success(kinds)
    }

    /// `threads` = 0 makes an API-only process (runs and shards are executed by workers elsewhere).
    /// `kinds` are the job kinds its pool takes (by default all: runs, evaluations, webhook deliveries, scoring shards).
    public init(database: Database, signal: RunSignal, threads: Int, lease: Duration, logger: Logger,
                kinds: [String] = [jobKind, Evaluations.jobKind, Webhooks.jobKind, ScoreShardJob.kind], scoreSignal: ScoreSignal = ScoreSignal(),
                scoring: RunScoring = RunScoring(), events: (@Sendable (JobEvent) -> Void)? = nil) {
        self.database = database
        self.signal = signal
        self.scoreSignal = scoreSignal
        let client = HTTPClient()
        let models = ScoringModelCache()
        let shards = ScoreShardJob(database: database, models: models, signal: scoreSignal)
        let owner = WorkerPool.defaultOwner()
        runScorer = threads > 0
            ? ShardedScorer(database: database, signal: scoreSignal, shardSize: scoring.shardSize, timeout: .seconds(scoring.timeoutSeconds),
                            helper: ShardedScorer.Helper(models: models, owner: owner, lease: lease))
            : nil
        var environment = RunJob.Environment(database: database, signal: signal, logger: logger)
        if let scorer = runScorer {
            let inlineMax = scoring.inlineMax
            environment.rewards = { @Sendable (id: String, runID: String) -> any RolloutScorer in
                scorer.rolloutScorer(modelID: id, runID: runID, inlineMax: inlineMax, models: models)
            }
            environment.advantages = { @Sendable (runID: String, tokenizer: [String: String]) -> any AdvantageEstimator in
                scorer.advantageEstimator(runID: runID, inlineMax: inlineMax, tokenizer: tokenizer)
            }
        }
        let job = environment
        pool = threads > 0
            ? WorkerPool(database: database, kinds: kinds, threads: threads, owner: owner, lease: lease, logger: logger, events: events,
                         ended: { job, connection in
                             switch job.kind {
                             case Self.jobKind:
                                 try Self.endRun(of: job, on: connection)
                                 signal.notify()
                             case Webhooks.jobKind: try WebhookRepository.markFailed(deliveryID: job.id, on: connection)
                             case Evaluations.jobKind: try Evaluations.ended(job, on: connection)
                             // A shard that ends this way fails its batch, which its scorer sees.
                             default: break
                             }
                         }) { context in
                switch context.job.kind {
                case ScoreShardJob.kind: try shards.execute(context, worker: owner)
                case Webhooks.jobKind: try Webhooks.deliver(context, database: database, client: client, logger: logger)
                case Evaluations.jobKind: try Evaluations.execute(context, database: database, logger: logger)
                default: try RunJob(context: context, environment: job).execute()
                }
            }
            : nil
    }

    public func start() { pool?.start() }

    /// Stops taking runs; running ones are released at a step boundary and resume after restart.
    public func stop() {
        pool?.stop(timeout: .seconds(10))
        runScorer?.close()
    }

    /// A run was queued by this process: start it without waiting for the poll.
    public func wake() { pool?.wake() }

    /// A cancel was stored: tell the local handler now rather than at its next heartbeat.
    public func cancelLocally(runID: String) { pool?.cancel(jobID: runID) }

    /// Stores a new run and queues the job that executes it (same id, payload: the spec), in the caller's
    /// transaction, so a run is never stored without its job or queued without its row.
    public static func submit(_ spec: RunSpec, createdBy: String, now: Date = Date(), on connection: any SQLConnection) throws -> RunRecord {
        let json = spec.json
        let run = RunRecord(
            id: Identifier.make("run", now: now), name: spec.name, algorithm: spec.algorithm, status: .queued,
            spec: json, modelID: spec.modelID, referenceID: spec.referenceID, createdBy: createdBy,
            warnings: spec.warnings, totalSteps: spec.totalSteps, createdAt: now, updatedAt: now)
        try RunRepository.insert(run, on: connection)
        _ = try JobQueue.enqueue(id: run.id, kind: jobKind, payload: json, maxAttempts: 5, on: connection)
        return run
    }

    /// Cancels a queued run at once; a running one is asked to stop and ends `cancelled` when it does.
    /// A run whose job has already ended (or has none) ends `cancelled` now.
    public static func requestCancel(runID: String, on connection: any SQLConnection) throws {
        let job = try JobQueue.requestCancel(id: runID, on: connection)
        if job?.status.isFinal ?? true {
            try RunEvents.finish(id: runID, status: .cancelled, error: nil, on: connection)
        }
    }

    /// The run of a job that ended without its handler (it died too often, or was cancelled while
    /// no worker ran it) ends with it, so it never stays `running` with nothing to finish it.
    static func endRun(of job: JobRecord, on connection: any SQLConnection) throws {
        let cancelled = job.status == .cancelled
        try ShardedScorer.sweep(runID: job.id, on: connection)
        try RunEvents.finish(id: job.id, status: cancelled ? .cancelled : .failed,
                                 error: cancelled ? nil : job.lastError, on: connection)
    }
}

/// How runs judged by a reward model score their rollouts: batches of more than `inlineMax` rollouts in
/// shards of `shardSize` over the worker pools (the configuration's PREFLAB_SCORE_* values), waiting at most
/// `timeoutSeconds` for a batch.
public struct RunScoring: Sendable {
    public var shardSize = 64
    public var inlineMax = 256
    public var timeoutSeconds = 120

    public init(shardSize: Int = 64, inlineMax: Int = 256, timeoutSeconds: Int = 120) {
        self.shardSize = shardSize
        self.inlineMax = inlineMax
        self.timeoutSeconds = timeoutSeconds
    }
}

/// A `--queues` name that is not one of ``RunExecutor/queues``.
public struct QueueNameError: Error, Sendable, Equatable {
    public let name: String
}

/// One execution of one run, on a worker thread.
struct RunJob {
    struct Environment: Sendable {
        let database: Database
        let signal: RunSignal
        let logger: Logger
        /// The scorer of a run judged by `reward_model:<id>`, given the model and the run (whose id names its batches;
        /// sharded when a batch is large); nil: in this thread.
        var rewards: (@Sendable (String, String) -> any RolloutScorer)? = nil
        /// Where PPO's critic values and advantages are computed, given the policy's tokenizer metadata (else in the run's thread).
        var advantages: (@Sendable (String, [String: String]) -> any AdvantageEstimator)? = nil
    }

    let context: JobContext
    let environment: Environment
    var runID: String { context.job.id }

    func execute() throws {
        let database = environment.database, runID = runID
        // A store that is unreachable here is a retry, not a failed run: nothing has started yet.
        let run: RunRecord
        do {
            guard let stored = try database.read({ try RunRepository.get(id: runID, on: $0) }), !stored.status.isFinal else { return }
            try database.write { try RunRepository.markRunning(id: runID, on: $0) }
            run = stored
        } catch let error as StorageError where error.code == .unavailable {
            throw RetryableJobError("store: \(error)")
        }
        environment.signal.notify()
        environment.logger.info(context.attempt > 1 ? "run resumed" : "run started", metadata: [
            "run_id": "\(runID)", "algorithm": "\(run.algorithm)", "attempt": "\(context.attempt)",
        ])
        do {
            // Jobs queued before specs were payloads carry `{}`: their stored request is the spec.
            let payload = context.job.payload.utf8.count > 2 ? context.job.payload : run.spec
            let spec = try RunSpec.decode(Array(payload.utf8))
            switch spec.job {
            case .tabular(let tabular):
                try finish(.succeeded, result: try runTabular(try tabular.makeRun()))
            case .training(let training):
                try runTraining(training, keepLast: spec.checkpointKeepLast, run: run)
            case .rewardModel(let rewardModel):
                try runRewardModel(rewardModel, seed: spec.seed, run: run)
            }
        } catch let error as JobCancelled {
            // Shutdown and a lost lease leave the run as it is: another worker (or this one after a restart) resumes it.
            if context.cancellationReason == .requested { try finish(.cancelled) }
            throw error
        } catch let deferred as JobDeferred {
            // Waiting for people, checkpointed: the pool parks the job until it is woken or its deadline.
            throw deferred
        } catch let error as StorageError where error.code == .unavailable {
            // The store went away mid-run: the run stays running with its checkpoint and resumes.
            throw RetryableJobError("store: \(error)")
        } catch {
            guard !context.isCancelled || context.cancellationReason == .requested else { throw JobCancelled() }
            try finish(.failed, error: Self.describe(error))
            throw error
        }
    }

    func finish(_ status: RunStatus, error: String? = nil, result: JSONValue? = nil) throws {
        let runID = runID, text = result?.text
        try environment.database.write { connection in
            _ = try RunEvents.finish(id: runID, status: status, error: error, result: text, on: connection)
        }
        environment.signal.notify()
        logFinished(status, error: error)
    }

    /// A failed run is the researcher's news (a bad spec, a diverged loss), not the operator's: info, like its start.
    func logFinished(_ status: RunStatus, error: String? = nil) {
        var metadata: Logger.Metadata = ["run_id": "\(runID)", "status": "\(status.rawValue)", "attempt": "\(context.attempt)"]
        if let error { metadata["error"] = "\(error)" }
        environment.logger.info("run \(status.rawValue)", metadata: metadata)
    }

    /// The exact tabular updates: instant, so they are not checkpointed; a restart recomputes them.
    func runTabular(_ tabular: TabularRun) throws -> JSONValue {
        let recorder = RunRecorder(runID: runID, database: environment.database, signal: environment.signal)
        let outcome = try tabular.run { step, metrics in
            try context.checkCancellation()
            try recorder.record(step: step, metrics: metrics)
        }
        try recorder.flush()
        var result: [String: JSONValue] = [
            "policy": .array(outcome.policy.probabilities.map(JSONValue.number)),
            "iterations": .number(Double(tabular.iterations)),
        ]
        if let average = outcome.averagePolicy { result["average_policy"] = .array(average.probabilities.map(JSONValue.number)) }
        if let equilibrium = outcome.equilibrium { result["equilibrium"] = .array(equilibrium.probabilities.map(JSONValue.number)) }
        for (key, value) in outcome.summary where !key.hasPrefix("policy/") { result[key] = .number(value) }
        // A metric that could not be certified (the equilibrium at a tiny β) is null, with the reason.
        for key in outcome.unavailable { result[key] = .null }
        if !outcome.warnings.isEmpty { result["warnings"] = .array(outcome.warnings.map(JSONValue.string)) }
        return .object(result)
    }

    /// The run's error as stored and shown: the field at fault where there is one.
    static func describe(_ error: any Error) -> String {
        switch error {
        case let error as RunSpecError: error.description
        case let error as TrainingSpecError: error.description
        case let error as TabularError: error.message
        case let error as PolicyError: error.message
        case let error as MissingReference: "\(error.field): no \(error.id)"
        case let error as MissingRecord: "no \(error.entity.rawValue) \(error.id)"
        default: String(describing: error)
        }
    }
}
