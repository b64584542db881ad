import Foundation
public import Jobs
import Policy
public import Storage

/// The payload of a `score_shard` job: which model scores which items, and where the scores go.
struct ScoreShardPayload: Codable, Sendable {
    var batch: String
    var index: Int
    var modelID: String
    var mode: ScoringMode
    var items: [ScoringItem]
}

/// What a `score_shard` job computes: scores of items under a stored model, or a PPO critic's values and
/// advantages of rollouts (``AdvantageShardPayload``, told apart by its `task`).
enum ShardWork {
    case scores(ScoreShardPayload)
    case advantages(AdvantageShardPayload)

    init(payload text: String) throws {
        let data = Data(text.utf8)
        struct Task: Decodable { var task: String? }
        if try JSONDecoder().decode(Task.self, from: data).task == AdvantageShardPayload.task {
            self = .advantages(try JSONDecoder().decode(AdvantageShardPayload.self, from: data))
        } else {
            self = .scores(try JSONDecoder().decode(ScoreShardPayload.self, from: data))
        }
    }
}

/// The handler of `score_shard` jobs: scores its items with the shared ``Scoring`` computation (or computes a
/// critic's advantages with ``CriticAdvantages``) and stores the results under the job's id (and announces them).
/// Redone after a lapsed lease, it writes the same results again: they depend on the weights and the items alone.
public struct ScoreShardJob: Sendable {
    /// The job kind; workers take it when started with the `scoring` queue.
    public static let kind = "score_shard"

    let database: Database
    let models: ScoringModelCache
    let signal: ScoreSignal

    public init(database: Database, models: ScoringModelCache, signal: ScoreSignal) {
        self.database = database
        self.models = models
        self.signal = signal
    }

    public func execute(_ context: JobContext, worker: String) throws {
        let payload: ShardWork
        do {
            payload = try ShardWork(payload: context.job.payload)
        } catch {
            throw PolicyError("score_shard payload: \(error)")
        }
        try Self.testPause(payload) { try context.checkCancellation() }
        do {
            try Self.perform(payload, jobID: context.job.id, worker: worker, database: database, models: models, signal: signal) {
                try context.checkCancellation()
            }
        } catch let error as StorageError where error.code == .unavailable {
            throw RetryableJobError("store: \(error)")
        }
    }

    /// Scores a shard and stores its scores with the job's completion, in one commit (a commit is most of a
    /// small shard's overhead; the pool's own completion then finds the job done and changes nothing). Without
    /// the lease (another worker redoes the shard) the scores are written all the same: they are the same scores.
    /// Shared by the pools' handler and a scorer that computes its own batch's shards while it waits.
    static func perform(_ work: ShardWork, jobID: String, worker: String, database: Database, models: ScoringModelCache,
                        signal: ScoreSignal, beforeWrite: () throws -> Void = {}) throws {
        let scores: [Double], batch: String, index: Int
        switch work {
        case .scores(let payload):
            guard let record = try database.read({ try ModelRepository.get(id: payload.modelID, on: $0) }) else {
                throw ScoringError.modelMissing(payload.modelID)
            }
            scores = try models.with(record, database: database) { model in
                try Scoring.compute(model, mode: payload.mode, items: payload.items)
            }
            (batch, index) = (payload.batch, payload.index)
        case .advantages(let payload):
            scores = try payload.compute(database: database, models: models)
            (batch, index) = (payload.batch, payload.index)
        }
        try beforeWrite()
        try database.write { connection in
            try ScoreShardRepository.put(jobID: jobID, batchID: batch, index: index, scores: scores,
                                         worker: worker, on: connection)
            try JobQueue.complete(id: jobID, owner: worker, on: connection)
        }
        signal.notify()
    }

    static let pauseFile = ProcessInfo.processInfo.environment["PREFLAB_TEST_SHARD_PAUSE_FILE"]

    /// A test-only hook: while the file named by `PREFLAB_TEST_SHARD_PAUSE_FILE` exists, a claimed shard
    /// waits before scoring (in a pool or in the scorer that helps with its own batch), so a test can see
    /// which workers hold shards and kill one mid-shard. A file naming `advantages` holds only those shards.
    static func testPause(_ work: ShardWork, _ checkCancellation: () throws -> Void = {}) throws {
        guard let path = pauseFile else { return }
        while let contents = FileManager.default.contents(atPath: path) {
            if case .scores = work, String(decoding: contents, as: UTF8.self) == AdvantageShardPayload.task { return }
            try checkCancellation()
            Thread.sleep(forTimeInterval: 0.02)
        }
    }
}
