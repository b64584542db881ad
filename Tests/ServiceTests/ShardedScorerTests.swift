import Foundation
import Jobs
import Logging
import Policy
@testable import Service
import Storage
import Synchronization
import Testing
import TestSupport

/// A batch split into shards over a worker pool comes back whole, in input order, and equal bit for bit to
/// the same batch scored in one piece, whatever the shard size; a shard that keeps failing fails the batch.
@Suite struct ShardedScorerTests {
    static let config = GPTConfig(layers: 1, dim: 16, heads: 2, context: 64)

    /// A stored model of `kind` with a seeded random head (and, for a reward model, reward statistics).
    static func storeModel(_ database: Database, kind: String, seed: UInt64 = 3) throws -> ModelRecord {
        let model = try LoadedModel.initialised(kind: kind, config: config, seed: seed)
        var file = model.checkpoint(kind: kind)
        if kind == "reward_model" {
            file.metadata["reward_mean"] = "0.25"
            file.metadata["reward_std"] = "2"
        }
        let bytes = file.encoded()
        let architecture = String(decoding: try JSONEncoder().encode(config), as: UTF8.self)
        return try database.write { connection in
            try ModelRepository.insert(name: kind, kind: kind, architecture: architecture, parameterCount: config.parameterCount,
                                       parentID: nil, runID: nil, seed: Int(seed), source: "initialised", checkpoint: bytes, on: connection)
        }
    }

    static func items(_ count: Int, pairs: Bool) -> [ScoringItem] {
        (0..<count).map { i in
            ScoringItem(prompt: "Q\(i % 7): \(String(repeating: "x", count: i % 5))?", response: "answer \(i * 31 % 17)",
                        responseB: pairs ? "other \(i % 3)" : nil)
        }
    }

    /// The inline computation, one piece.
    static func direct(_ database: Database, _ record: ModelRecord, mode: ScoringMode, items: [ScoringItem]) throws -> [Double] {
        try ScoringModelCache().with(record, database: database) { try Scoring.compute($0, mode: mode, items: items) }
    }

    @Test(arguments: TestStores.backends)
    func shardedScoresEqualInlineScoresInInputOrderForEveryShardSize(dialect: SQLDialect) throws {
        let database = try TestStores.open(dialect)
        let reward = try Self.storeModel(database, kind: "reward_model")
        let preference = try Self.storeModel(database, kind: "preference_model", seed: 5)
        let executor = RunExecutor(database: database, signal: RunSignal(), threads: 2, lease: .seconds(30), logger: Logger(label: "test"),
                                   kinds: [ScoreShardJob.kind])
        executor.start()
        defer { executor.stop() }
        for (record, mode) in [(reward, ScoringMode.rewards), (preference, .probabilities)] {
            let items = Self.items(23, pairs: mode == .probabilities)
            let expected = try Self.direct(database, record, mode: mode, items: items)
            #expect(Set(expected).count > 10, "distinct items get distinct scores, so order matters")
            for size in [1, 3, 7, 23, 100] {
                let scorer = ShardedScorer(database: database, signal: executor.scoreSignal, shardSize: size, timeout: .seconds(60),
                                           pollInterval: .milliseconds(50), wake: { executor.wake() })
                defer { scorer.close() }
                let got = try scorer.score(model: record, mode: mode, items: items)
                #expect(got.map(\.bitPattern) == expected.map(\.bitPattern), "\(mode), shards of \(size)")
            }
            // Scoring an item alone or among others gives the same bits: a score depends on its item only.
            let alone = try Self.direct(database, record, mode: mode, items: [items[5]])
            #expect(alone[0].bitPattern == expected[5].bitPattern)
        }
        // The scorer leaves nothing behind: results collected and deleted, shard jobs deleted.
        #expect(try database.read { try $0.query("SELECT COUNT(*) AS n FROM score_shards").first?["n"].int } == 0)
        #expect(try database.read { try $0.query("SELECT COUNT(*) AS n FROM jobs WHERE kind = 'score_shard'").first?["n"].int } == 0)
    }

    @Test(arguments: TestStores.backends)
    func theScorerIsARolloutScorerForRewardModels(dialect: SQLDialect) throws {
        let database = try TestStores.open(dialect)
        let reward = try Self.storeModel(database, kind: "reward_model")
        let executor = RunExecutor(database: database, signal: RunSignal(), threads: 1, lease: .seconds(30), logger: Logger(label: "test"),
                                   kinds: [ScoreShardJob.kind])
        executor.start()
        defer { executor.stop() }
        let scorer = ShardedScorer(database: database, signal: executor.scoreSignal, shardSize: 4, timeout: .seconds(60), wake: { executor.wake() })
        defer { scorer.close() }
        let items = Self.items(9, pairs: false)
        let rewards = try scorer.rolloutScorer(modelID: reward.id).rewards(prompts: items.map(\.prompt), responses: items.map(\.response))
        #expect(rewards == (try Self.direct(database, reward, mode: .rewards, items: items)))
    }

    /// With no pool at all, a scorer that helps computes its own batch's shards: a run on the only thread of a
    /// pool never waits for shards no one else can take. The scores are the inline computation's bits, and the
    /// shards it held are completed under its name.
    @Test(arguments: TestStores.backends)
    func aHelpingScorerCompletesItsBatchAlone(dialect: SQLDialect) throws {
        let database = try TestStores.open(dialect)
        let reward = try Self.storeModel(database, kind: "reward_model")
        let scorer = ShardedScorer(database: database, signal: ScoreSignal(), shardSize: 2, timeout: .seconds(30),
                                   helper: ShardedScorer.Helper(models: ScoringModelCache(), owner: "helper:1:x", lease: .seconds(30)))
        defer { scorer.close() }
        let items = Self.items(9, pairs: false)
        let got = try scorer.score(model: reward, mode: .rewards, items: items)
        #expect(got.map(\.bitPattern) == (try Self.direct(database, reward, mode: .rewards, items: items)).map(\.bitPattern))
        #expect(try database.read { try $0.query("SELECT COUNT(*) AS n FROM jobs WHERE kind = 'score_shard'").first?["n"].int } == 0)
    }

    /// A shard that fails on every attempt is retried with backoff, then dead-lettered, and the waiting scorer
    /// fails naming the shard and its last error rather than waiting for its deadline.
    @Test(arguments: TestStores.backends)
    func aShardThatUsesUpItsAttemptsFailsTheBatch(dialect: SQLDialect) throws {
        let database = try TestStores.open(dialect)
        let reward = try Self.storeModel(database, kind: "reward_model")
        let signal = ScoreSignal()
        let attempts = Mutex(0)
        let pool = WorkerPool(database: database, kinds: [ScoreShardJob.kind], threads: 1, lease: .seconds(30), pollInterval: .milliseconds(20)) { _ in
            attempts.withLock { $0 += 1 }
            throw RetryableJobError("the scoring backend is down", retryAfter: .milliseconds(10))
        }
        pool.start()
        defer { pool.stop(timeout: .seconds(5)) }
        let scorer = ShardedScorer(database: database, signal: signal, shardSize: 100, maxAttempts: 2, timeout: .seconds(60),
                                   pollInterval: .milliseconds(50), wake: { pool.wake() })
        defer { scorer.close() }
        #expect {
            try scorer.score(model: reward, mode: .rewards, items: Self.items(3, pairs: false))
        } throws: { error in
            guard case .shardFailed(_, let message)? = error as? ScoringError else { return false }
            return message.contains("the scoring backend is down") && message.contains("attempt 2 of 2")
        }
        #expect(attempts.withLock { $0 } == 2)
    }

    @Test func withNoWorkerTheScorerGivesUpAtItsDeadlineAndCancelsItsShards() throws {
        let database = try TestStores.open(.sqlite)
        let reward = try Self.storeModel(database, kind: "reward_model")
        let scorer = ShardedScorer(database: database, signal: ScoreSignal(), shardSize: 2, timeout: .milliseconds(300),
                                   pollInterval: .milliseconds(50))
        #expect(throws: ScoringError.timedOut(seconds: 0.3, done: 0, total: 2)) {
            try scorer.score(model: reward, mode: .rewards, items: Self.items(3, pairs: false))
        }
        let live = try database.read { try $0.query("SELECT COUNT(*) AS n FROM jobs WHERE status IN ('queued', 'running')").first?["n"].int }
        #expect(live == 0, "no worker will pick up shards nobody waits for")
    }
}
