import Alignment
import Foundation
import Jobs
import Policy
import Storage

extension RunJob {
    /// Trains a transformer policy, resuming from the run's checkpoint when one exists (a previous
    /// attempt died or was stopped). Metrics after that checkpoint are dropped first and recomputed:
    /// training is deterministic for a seed, so the series ends with no gap and no duplicate step.
    /// Stores the trained policy and ends the run succeeded.
    func runTraining(_ run: TrainingRunSpec, keepLast: Int? = nil, run record: RunRecord) throws {
        let database = environment.database, runID = runID, spec = run.training
        let (policy, stored) = try loadPolicy(run.model, task: run.task, seed: spec.seed)
        let reference = try run.reference.map { id -> GPT in
            let (reference, referenceTokenizer) = try loadPolicy(id, task: run.task, seed: spec.seed)
            guard referenceTokenizer == stored else { throw RunSpecError("reference", "the reference's tokenizer differs from the policy's") }
            return reference
        }
        // The policy's own tokenizer (a Hugging Face import's BPE, else bytes): the data is tokenised with it and
        // the trained policy stores it again.
        let tokenizer = try StoredTokenizer.tokenizer(stored)
        let data = try trainingData(run, tokenizer: tokenizer)
        let resume = try database.read { try RunRepository.checkpoint(runID: runID, on: $0) }
        try database.write { try RunRepository.deleteMetrics(runID: runID, after: resume?.step ?? 0, on: $0) }
        let resumeFile = try resume.map { try Safetensors(bytes: $0.data) }
        // A reward-model judge scores the rollouts of PPO, RLOO and GRPO, and PPO's critic starts as a copy of it (TRL).
        let rewardModel = try run.rewardModel.map { try RewardModelScorer(checkpoint: try checkpoint(of: $0, field: "judge")) }
        // A remote judge judges pairs, and for PPO, RLOO and GRPO scores each response (reward protocol).
        let remote = try run.judgeOptions.map { try RemoteJudge(url: run.judge, options: $0) }
        // Its scores come from the shared scoring computation, sharded over the worker pools when the batch is large: the
        // same bits whichever worker scores which rollout, so a run resumed elsewhere repeats its steps exactly.
        let sharedScorer = run.rewardModel.map { id in environment.rewards?(id, runID) ?? rewardModel.map { $0 as any RolloutScorer } }
        let scorer: (any RolloutScorer)? = spec.algorithm.usesRewards ? (sharedScorer.flatMap { $0 } ?? remote) : nil
        // A stored reward or preference model judges the pairs of the pairwise methods.
        let modelJudge = try run.judgeModel.flatMap { judge -> ModelJudge? in
            spec.algorithm.usesRewards ? nil : try ModelJudge(checkpoint: try checkpoint(of: judge.id, field: "judge"), kind: judge.kind.rawValue)
        }
        // People judge in the annotation queue; the run waits for them with its job parked (``HumanJudge``).
        let human = run.humanJudge.map { HumanJudge(runID: runID, options: $0, database: database) }
        let judge: (any BatchJudge)? = remote ?? modelJudge ?? human
        let training = try TrainingRun(spec: spec, policy: policy, reference: reference, data: data, resumeFrom: resumeFile,
                                       scorer: scorer, valueModel: spec.algorithm.usesRewards ? try rewardModel?.model() : nil, judge: judge)
        training.tokenizer = tokenizer
        if spec.algorithm.usesRewards, environment.rewards != nil || environment.advantages != nil {
            // A previous attempt that died mid-step left its batch of scoring or advantage shards (and the critic weights
            // the latter read).
            try database.write { try ShardedScorer.sweep(runID: runID, on: $0) }
        }
        if case .ppo = spec.method, let advantages = environment.advantages {
            training.advantageEstimator = advantages(runID, stored.filter { [StoredTokenizer.jsonKey, StoredTokenizer.specialsKey].contains($0.key) })
        }
        let observer = RunObserver(recorder: RunRecorder(runID: runID, database: database, signal: environment.signal, keepLast: keepLast),
                                   context: context,
                                   judge: remote)
        let outcome: TrainingOutcome
        do {
            outcome = try training.run(observer: observer)
        } catch is TrainingCancelled {
            try observer.recorder.flush()
            throw JobCancelled()
        } catch let pending as HumanJudgementPending {
            // Checkpointed by the trainer: the job goes back to the queue until the batch is judged (a
            // judgement completing it wakes the job) or its deadline, holding no thread and no lease meanwhile.
            try observer.recorder.flush()
            environment.signal.notify()
            let batchID = pending.batchID
            throw JobDeferred(until: pending.deadline) { connection in
                try RunJudgeBatchRepository.progress(batchID: batchID, on: connection).isComplete
            }
        }
        try observer.recorder.flush()
        let trained = outcome.policy
        let architecture = String(decoding: try JSONEncoder().encode(trained.config), as: UTF8.self)
        let bytes = trained.checkpoint(metadata: stored.merging(["kind": ModelKind.policy.rawValue]) { $1 }).encoded()
        let name = record.name ?? "\(record.algorithm) \(runID)"
        var result: [String: JSONValue] = ["steps": .number(Double(outcome.steps))]
        for (key, value) in outcome.summary where value.isFinite { result[key] = .number(value) }
        // Says how the win rate's interval was computed, as an evaluation's `interval` does (the same evaluator).
        if let method = outcome.intervalMethod { result["eval/interval_method"] = .string(method) }
        let summary = result, parentID = record.modelID, seed = Int(spec.seed), parameterCount = trained.parameterCount
        // The policy and the run's end are one transaction: a crash between them cannot store the policy twice.
        try database.write { connection in
            let model = try ModelRepository.insert(name: name, kind: ModelKind.policy.rawValue, architecture: architecture, parameterCount: parameterCount,
                                                   parentID: parentID, runID: runID, seed: seed, source: "trained",
                                                   checkpoint: bytes, on: connection)
            var result = summary
            result["model_id"] = .string(model.id)
            try RunEvents.finish(id: runID, status: .succeeded, result: JSONValue.object(result).text, outputModelID: model.id, on: connection)
        }
        environment.signal.notify()
        logFinished(.succeeded)
    }

    /// A stored policy and the metadata entries that store its tokenizer (none for a byte model), or (SFT on a task
    /// with no model given) the task's reference architecture freshly initialised.
    func loadPolicy(_ id: String?, task: (any TextTask)?, seed: UInt64) throws -> (GPT, [String: String]) {
        guard let id else {
            guard let task else { throw RunSpecError("model", "the run names no policy") }
            return (try GPT(config: task.referenceConfig, seed: seed), [:])
        }
        let database = environment.database
        guard let record = try database.read({ try ModelRepository.get(id: id, on: $0) }),
              let bytes = try database.read({ try ModelRepository.checkpoint(sha256: record.checkpointSHA256, on: $0) }) else {
            throw MissingReference(field: "model", id: id)
        }
        let file = try Safetensors(bytes: bytes)
        return (try GPT.load(file).model, file.metadata.filter { [StoredTokenizer.jsonKey, StoredTokenizer.specialsKey].contains($0.key) })
    }

    /// The stored checkpoint of model `id`; a missing one names `field`.
    func checkpoint(of id: String, field: String) throws -> Safetensors {
        let database = environment.database
        guard let record = try database.read({ try ModelRepository.get(id: id, on: $0) }),
              let bytes = try database.read({ try ModelRepository.checkpoint(sha256: record.checkpointSHA256, on: $0) }) else {
            throw MissingReference(field: field, id: id)
        }
        return try Safetensors(bytes: bytes)
    }

    /// The task, or the stored preferences resolved by majority (ties dropped) as pairs, or their
    /// chosen responses as SFT examples.
    func trainingData(_ run: TrainingRunSpec, tokenizer: any Tokenizer) throws -> TrainingData {
        let selection: DatasetSelection
        switch run.source {
        case .task:
            guard let task = run.task else { throw RunSpecError("task.name", "this server has no such task") }
            return .task(task)
        case .dataset(let s):
            selection = s
        case .prompts(let dataset, let fraction, let until):
            let prompts = try Self.prompts(dataset: dataset, until: until, database: environment.database)
            guard !prompts.isEmpty else { throw RunSpecError("task.dataset", "dataset '\(dataset)' has no prompts") }
            var sampling = SamplingParameters(temperature: 1, maxNewTokens: 64, stopAtEOS: true)
            if let cap = run.training.sampling?.maxNewTokens, cap > 0 { sampling.maxNewTokens = cap }
            return .prompts(PromptSet.split(name: "prompts:\(dataset)", prompts: prompts, evalFraction: fraction,
                                            seed: run.training.seed, sampling: sampling))
        }
        let preferences = try Self.preferences(selection.filter, database: environment.database)
        let pairs = MajorityResolution.resolve(preferences).compactMap { pair -> TextPair? in
            switch pair.outcome {
            case .a: TextPair(prompt: pair.prompt, chosen: pair.responseA, rejected: pair.responseB)
            case .b: TextPair(prompt: pair.prompt, chosen: pair.responseB, rejected: pair.responseA)
            case .tie: nil
            }
        }
        guard !pairs.isEmpty else {
            throw RunSpecError("dataset", "the filter selects no decided preference (ties and skips do not count)")
        }
        guard run.training.algorithm == .sft else { return .pairs(pairs) }
        return .examples(pairs.map {
            SFTExample(prompt: tokenizer.encode($0.prompt, bos: true), response: tokenizer.encode($0.chosen, eos: true))
        })
    }

    /// The texts of a prompt dataset's prompts created up to `until`, in creation order.
    static func prompts(dataset: String, until: Date, database: Database) throws -> [String] {
        var out: [String] = []
        var cursor: String?
        repeat {
            let page = try database.read { try PromptRepository.list(dataset: dataset, after: cursor, limit: 1000, on: $0) }
            out += page.items.filter { $0.createdAt <= until }.map(\.text)
            cursor = page.nextPageToken.flatMap(PageToken.decodeText)
        } while cursor != nil && out.count <= RunSpec.maxPrompts
        return Array(out.prefix(RunSpec.maxPrompts))
    }

    /// Every preference the filter selects, page by page.
    static func preferences(_ filter: PreferenceFilter, database: Database) throws -> [Preference] {
        var out: [Preference] = []
        var cursor: String?
        repeat {
            let page = try database.read { try PreferenceRepository.list(filter, after: cursor, limit: 1000, on: $0) }
            out += page.items
            cursor = page.nextPageToken.flatMap(PageToken.decode)
        } while cursor != nil
        return out
    }
}

/// Bridges a training run to the store and the job: metrics and checkpoints go to the recorder,
/// and a cancel (or shutdown) seen by the job stops training at the next step boundary.
final class RunObserver: TrainingObserver {
    let recorder: RunRecorder
    let context: JobContext
    /// A remote judge whose calls since the last step join each step's metrics (`judge/calls`,
    /// `judge/errors`, `judge/latency_ms`).
    let judge: RemoteJudge?

    init(recorder: RunRecorder, context: JobContext, judge: RemoteJudge? = nil) {
        self.recorder = recorder
        self.context = context
        self.judge = judge
    }

    func record(step: Int, metrics: [String: Double]) throws {
        var metrics = metrics
        if let statistics = judge?.takeStatistics() {
            metrics["judge/calls"] = Double(statistics.calls)
            metrics["judge/errors"] = Double(statistics.errors)
            metrics["judge/latency_ms"] = statistics.latencyMilliseconds
        }
        try recorder.record(step: step, metrics: metrics)
    }

    /// A checkpoint over this many bytes is not stored: both stores cap one value at 1 GB (SQLite's
    /// SQLITE_MAX_LENGTH, PostgreSQL's bytea), and a GPT-2-small run's weights with AdamW's two moments are 1.5 GB.
    /// Such a run still trains and stores its policy, but after a crash it starts again from step 0 (it is
    /// deterministic, so it records the same series).
    static let limit = 900_000_000
    var maxCheckpointBytes: Int { Self.limit }

    func checkpoint(step: Int, file: Safetensors) throws {
        guard file.tensors.values.reduce(0, { $0 + 4 * $1.count }) <= Self.limit else {
            try recorder.flush()
            return
        }
        try recorder.checkpoint(step: step, data: file.encoded())
    }

    var isCancelled: Bool { context.isCancelled }
}
