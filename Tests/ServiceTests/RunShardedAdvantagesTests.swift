import Alignment
import Foundation
import Jobs
import Logging
import Policy
@testable import Service
import Storage
import Tensor
import Testing
import TestSupport

/// A PPO run computes its critic's values and GAE advantages with the shared ``CriticAdvantages`` computation: in
/// shard jobs (the critic's weights at the step stored under their hash for the batch) when the rollout batch is
/// larger than the inline limit, in its own thread otherwise. Either way the advantages, and so the losses and the
/// trained weights, are the same bits.
@Suite struct RunShardedAdvantagesTests {
    static let config = ModelJudgeRunTests.config

    /// Checkpoints stored with no model: scratch critics left behind.
    static func scratchCheckpoints(_ database: Database) throws -> Int? {
        try database.read {
            try $0.query("SELECT COUNT(*) AS n FROM model_checkpoints WHERE sha256 NOT IN (SELECT checkpoint_sha256 FROM models)").first?["n"].int
        }
    }

    @Test(arguments: TestStores.backends)
    func shardedAdvantagesAreTheInThreadBits(dialect: SQLDialect) throws {
        let database = try TestStores.open(dialect)
        let trunk = try GPT(config: Self.config, seed: 5)
        let head = ValueHead(dim: Self.config.dim, seed: 6)
        let tokenizer = ByteTokenizer()
        var rng = RNG(seed: 7)
        let items = (0..<7).map { i -> AdvantageItem in
            let n = 1 + i % 5
            return AdvantageItem(prompt: tokenizer.encode("\(i)+\(i)=", bos: true), response: (0..<n).map { _ in Int32(48 + rng.next() % 10) },
                                 score: Double(i) / 3 - 1, logProbs: (0..<n).map { _ in -Double(rng.next() % 1000) / 300 },
                                 referenceLogProbs: (0..<n).map { _ in -Double(rng.next() % 1000) / 300 })
        }
        let settings = AdvantageSettings(gamma: 0.99, lambda: 0.95, klCoef: 0.05, klEstimator: .k3)
        let inThread = try CriticAdvantages.compute(trunk: trunk, head: head, settings: settings, items: items)
        let scorer = ShardedScorer(database: database, signal: ScoreSignal(), shardSize: 3, timeout: .seconds(60),
                                   helper: ShardedScorer.Helper(models: ScoringModelCache(), owner: "helper", lease: .seconds(30)))
        defer { scorer.close() }
        let sharded = try scorer.advantages(runID: "run_test", trunk: trunk, head: head, tokenizer: [:], settings: settings, items: items)
        let bits = { (results: [AdvantageResult]) in CriticAdvantages.flatten(results).map(\.bitPattern) }
        #expect(bits(sharded) == bits(inThread))
        #expect(sharded.map(\.values.count) == items.map(\.response.count))
        // The batch left nothing behind: no shard jobs, no results, no critic weights.
        #expect(try database.read { try $0.query("SELECT COUNT(*) AS n FROM jobs").first?["n"].int } == 0)
        #expect(try database.read { try $0.query("SELECT COUNT(*) AS n FROM score_shards").first?["n"].int } == 0)
        #expect(try Self.scratchCheckpoints(database) == 0)
    }

    /// A run's attempt that died mid-step leaves its advantage batch (jobs, results, the critic's weights): the next
    /// attempt, or the run's end as dead, removes it, and nothing of another run's batch.
    @Test(arguments: TestStores.backends)
    func aDeadAttemptsBatchesAreSweptWithItsCriticWeights(dialect: SQLDialect) throws {
        let database = try TestStores.open(dialect)
        let settings = AdvantageSettings(gamma: 1, lambda: 0.95, klCoef: 0.05, klEstimator: .k1)
        let item = AdvantageItem(prompt: [1, 50], response: [51], score: 1, logProbs: [-1], referenceLogProbs: [-1])
        for (run, seed) in [("run_dead", UInt64(8)), ("run_live", 9)] {
            let weights = try LoadedModel.initialised(kind: "critic", config: Self.config, seed: seed).checkpoint(kind: "critic").encoded()
            let batch = Identifier.make(ShardedScorer.advantagePrefix(runID: run))
            try database.write { connection in
                let sha = try ModelRepository.putCheckpoint(weights, on: connection)
                let payload = AdvantageShardPayload(batch: batch, index: 0, critic: sha, settings: settings, items: [item][...])
                _ = try JobQueue.enqueue(id: batch + ".000000", kind: ScoreShardJob.kind,
                                         payload: String(decoding: try JSONEncoder().encode(payload), as: UTF8.self), maxAttempts: 3, on: connection)
                try ScoreShardRepository.put(jobID: batch + ".000000", batchID: batch, index: 0, scores: [1, 2, 3], worker: "w", on: connection)
            }
        }
        // The dead attempt's reward-scoring batch goes too; a scoring request's batch (no run in its id) stays.
        for batch in [Identifier.make(ShardedScorer.scorePrefix(runID: "run_dead")), Identifier.make("scb")] {
            try database.write { connection in
                _ = try JobQueue.enqueue(id: batch + ".000000", kind: ScoreShardJob.kind, payload: "{}", maxAttempts: 3, on: connection)
                try ScoreShardRepository.put(jobID: batch + ".000000", batchID: batch, index: 0, scores: [1], worker: "w", on: connection)
            }
        }
        #expect(try Self.scratchCheckpoints(database) == 2)
        try database.write { try ShardedScorer.sweep(runID: "run_dead", on: $0) }
        #expect(try Self.scratchCheckpoints(database) == 1)
        let left = try database.read { try $0.query("SELECT id FROM jobs ORDER BY id").compactMap { $0["id"].string } }
        #expect(left.count == 2 && left[0].hasPrefix("adb_run_live_") && left[1].hasPrefix("scb_") && !left[1].contains("run_"), "\(left)")
        #expect(try database.read { try $0.query("SELECT COUNT(*) AS n FROM score_shards").first?["n"].int } == 2)
    }

    @Test(arguments: TestStores.backends)
    func shardedAndInThreadAdvantagesTrainTheSameWeights(dialect: SQLDialect) throws {
        let database = try TestStores.open(dialect)
        let models = ModelJudgeRunTests()
        let policy = try models.insert(database, kind: "policy", seed: 1)
        let judge = try models.insert(database, kind: "reward_model", seed: 2)
        let spec = try RunSpec.decode(Array("""
            {"algorithm": "ppo", "model": "\(policy)", "task": {"kind": "text", "name": "arithmetic"}, "judge": "reward_model:\(judge)",
             "seed": 4, "hyperparameters": {"steps": 3, "batch_size": 5, "num_mini_batches": 1, "eval_samples": 0}}
            """.utf8))
        let sharded = try ShardedRuns.trained(database, spec, RunScoring(shardSize: 2, inlineMax: 0, timeoutSeconds: 60))
        let inThread = try ShardedRuns.trained(database, spec, RunScoring(shardSize: 2, inlineMax: 10_000, timeoutSeconds: 60))
        #expect(sharded.losses.count == 3)
        #expect(sharded.losses.map { $0?.bitPattern } == inThread.losses.map { $0?.bitPattern })
        #expect(sharded.sha != nil && sharded.sha == inThread.sha)
        #expect(try database.read { try $0.query("SELECT COUNT(*) AS n FROM jobs WHERE kind = 'score_shard'").first?["n"].int } == 0)
        #expect(try Self.scratchCheckpoints(database) == 0)
    }
}
