public import Alignment
import Foundation
import Jobs
import Policy
public import Storage

/// Scores a large batch over the worker pools: splits it into shards of `shardSize` items, queues one
/// `score_shard` job per shard in one transaction, waits for every shard's scores (woken by this
/// process's pool or by PostgreSQL `NOTIFY`, polling as the fallback) until a deadline, and returns the
/// scores in input order. A shard whose worker died is redone by another once its lease lapses; one
/// that fails for good, or uses up its attempts, fails the whole request with ``ScoringError/shardFailed(job:error:)``.
///
/// With a ``Helper`` the scorer also computes its own batch's queued shards while it waits (a run scoring its
/// rollouts on a worker thread): the batch then completes even where no other worker is free, and other
/// workers that are free take shards beside it. Every shard is computed by ``Scoring/compute(_:mode:items:)``,
/// so the scores are the same bits whoever computes which.
public final class ShardedScorer: Sendable {
    /// Who computes the submitter's own shards: its model cache, and the lease owner it claims them as.
    public struct Helper: Sendable {
        public var models: ScoringModelCache
        public var owner: String
        public var lease: Duration

        public init(models: ScoringModelCache, owner: String, lease: Duration) {
            self.models = models
            self.owner = owner
            self.lease = lease
        }
    }

    public let database: Database
    public let shardSize: Int
    public let maxAttempts: Int
    public let timeout: Duration
    public let pollInterval: Duration
    private let signal: ScoreSignal
    private let wake: @Sendable () -> Void
    private let listener: PostgresListener?
    private let helper: Helper?

    /// `wake` tells this process's pool that shards were queued (it claims at once instead of at its next poll).
    public init(database: Database, signal: ScoreSignal, shardSize: Int = 64, maxAttempts: Int = 3, timeout: Duration = .seconds(120),
                pollInterval: Duration = .milliseconds(250), helper: Helper? = nil, wake: @escaping @Sendable () -> Void = {}) {
        self.database = database
        self.helper = helper
        self.signal = signal
        self.shardSize = max(1, shardSize)
        self.maxAttempts = max(1, maxAttempts)
        self.timeout = timeout
        self.pollInterval = pollInterval
        self.wake = wake
        if case .postgres(let url) = database.location {
            listener = PostgresListener(url: url, channel: ScoreShardRepository.channel) { signal.notify() }
            listener?.start()
        } else {
            listener = nil
        }
    }

    /// Stops listening for other processes' shards.
    public func close() { listener?.stop() }

    /// The scores of `items` under `model` (`mode` must be the model's, see ``ScoringMode/init(kind:)``), in input order.
    /// `runID` names the run whose rollouts these are in the batch's ids, so a later attempt of the run removes what a
    /// dead one left (``sweep(runID:on:)``).
    public func score(model: ModelRecord, mode: ScoringMode, items: [ScoringItem], runID: String? = nil) throws -> [Double] {
        guard !items.isEmpty else { return [] }
        let batch = Identifier.make(runID.map(Self.scorePrefix(runID:)) ?? "scb")
        let shards = stride(from: 0, to: items.count, by: shardSize).map { Array(items[$0..<min(items.count, $0 + shardSize)]) }
        let payloads = try shards.enumerated().map { index, shard in
            String(decoding: try JSONEncoder().encode(ScoreShardPayload(batch: batch, index: index, modelID: model.id, mode: mode, items: shard)),
                   as: UTF8.self)
        }
        return try run(batch: batch, payloads: payloads, counts: shards.map(\.count)).flatMap { $0 }
    }

    /// Queues one shard job per payload (in one transaction, with `before` in it), waits for every shard's result
    /// and returns them by shard; shard i must yield `counts[i]` doubles. Whatever happens, the batch's rows are
    /// gone afterwards, and `after` has run (in the transaction that removes them when the batch completes).
    func run(batch: String, payloads: [String], counts: [Int], before: @escaping @Sendable (any SQLConnection) throws -> Void = { _ in },
             after: @escaping @Sendable (any SQLConnection) throws -> Void = { _ in }) throws -> [[Double]] {
        let prefix = batch + "."
        let attempts = maxAttempts
        try database.write { connection in
            try before(connection)
            for (index, payload) in payloads.enumerated() {
                _ = try JobQueue.enqueue(id: prefix + Self.pad(index), kind: ScoreShardJob.kind, payload: payload,
                                         maxAttempts: attempts, on: connection)
            }
        }
        wake()
        let deadline = Date().addingTimeInterval(Self.seconds(timeout))
        do {
            let results = try waitForResults(batch: batch, prefix: prefix, count: payloads.count, deadline: deadline)
            try? database.write { connection in
                try ScoreShardRepository.delete(batchID: batch, on: connection)
                try JobQueue.delete(idPrefix: prefix, on: connection)
                try after(connection)
            }
            return try counts.enumerated().map { index, count in
                guard let got = results[index], got.count == count else {
                    throw ScoringError.shardFailed(job: prefix + Self.pad(index), error: "stored scores do not match the shard")
                }
                return got
            }
        } catch {
            // Nothing more is wanted of this batch: stop its shards and drop what was written.
            try? database.write { connection in
                try JobQueue.requestCancel(idPrefix: prefix, on: connection)
                try ScoreShardRepository.delete(batchID: batch, on: connection)
                try after(connection)
            }
            throw error
        }
    }

    private func waitForResults(batch: String, prefix: String, count: Int, deadline: Date) throws -> [Int: [Double]] {
        var nextFailureCheck = Date(), nextHelp = Date()
        while true {
            let generation = signal.generation
            let done = try database.read { try ScoreShardRepository.count(batchID: batch, on: $0) }
            if done >= count {
                return try database.read { try ScoreShardRepository.results(batchID: batch, on: $0) }.mapValues(\.scores)
            }
            let now = Date()
            if now >= nextFailureCheck {
                // A scan of the batch's jobs, so once per poll interval rather than at every shard written.
                if let failed = try database.read({ try JobQueue.firstUnsuccessful(idPrefix: prefix, on: $0) }) {
                    throw ScoringError.shardFailed(job: failed.id, error: failed.lastError ?? failed.status.rawValue)
                }
                nextFailureCheck = now.addingTimeInterval(Self.seconds(pollInterval))
            }
            // Checked before helping too, so a failed shard or the deadline stops a helper with shards still queued.
            if now >= deadline {
                throw ScoringError.timedOut(seconds: Self.seconds(timeout), done: done, total: count)
            }
            if let helper, now >= nextHelp {
                if try helpWith(prefix: prefix, helper) { continue }
                // None queued: every shard is claimed. One goes back to the queue only on a retry, so look again
                // at the poll interval rather than with a write at every shard another worker stores.
                nextHelp = now.addingTimeInterval(Self.seconds(pollInterval))
            }
            signal.wait(after: generation, until: min(deadline, nextFailureCheck))
        }
    }

    /// Claims and computes one queued shard of the batch as `helper`'s owner; false when none is queued.
    private func helpWith(prefix: String, _ helper: Helper) throws -> Bool {
        guard let job = try database.write({ try JobQueue.claimQueued(idPrefix: prefix, owner: helper.owner, lease: helper.lease, on: $0) }) else {
            return false
        }
        let shard: ShardWork
        do {
            shard = try ShardWork(payload: job.payload)
        } catch {
            throw ScoringError.shardFailed(job: job.id, error: "score_shard payload: \(error)")
        }
        try ScoreShardJob.testPause(shard)
        try ScoreShardJob.perform(shard, jobID: job.id, worker: helper.owner, database: database, models: helper.models, signal: signal)
        return true
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    static func pad(_ index: Int) -> String {
        let text = String(index)
        return String(repeating: "0", count: max(0, 6 - text.count)) + text
    }

    /// This scorer as a ``RolloutScorer`` for the reward model `modelID`: batches of more than `inlineMax`
    /// rollouts are sharded, smaller ones scored in this thread with `models` (the same computation, so the
    /// same bits either way).
    public func rolloutScorer(modelID: String, runID: String? = nil, inlineMax: Int = 0,
                              models: ScoringModelCache = ScoringModelCache(capacity: 1)) -> any RolloutScorer {
        ShardedRolloutScorer(scorer: self, modelID: modelID, runID: runID, inlineMax: inlineMax, models: models)
    }
}

/// Rewards of rollouts from a stored reward model, sharded over the worker pools when the batch is large.
struct ShardedRolloutScorer: RolloutScorer {
    let scorer: ShardedScorer
    let modelID: String
    let runID: String?
    let inlineMax: Int
    let models: ScoringModelCache

    func rewards(prompts: [String], responses: [String]) throws -> [Double] {
        guard prompts.count == responses.count else { throw PolicyError("as many prompts as responses are needed") }
        guard let model = try scorer.database.read({ try ModelRepository.get(id: modelID, on: $0) }) else {
            throw ScoringError.modelMissing(modelID)
        }
        guard ScoringMode(kind: model.kind) == .rewards else { throw PolicyError("\(modelID) is a \(model.kind), not a reward_model") }
        // Responses are cut to fit the model's context at a character boundary, as ``ModelJudge`` does (a byte-level
        // policy's sample can decode to more bytes than it has tokens).
        let context = try JSONDecoder().decode(GPTConfig.self, from: Data(model.architecture.utf8)).context
        let items = zip(prompts, responses).map {
            ScoringItem(prompt: $0, response: ModelJudge.cut($1, toBytes: context - 2 - $0.utf8.count))
        }
        guard items.count > inlineMax else {
            return try models.with(model, database: scorer.database) { try Scoring.compute($0, mode: .rewards, items: items) }
        }
        return try scorer.score(model: model, mode: .rewards, items: items, runID: runID)
    }
}
