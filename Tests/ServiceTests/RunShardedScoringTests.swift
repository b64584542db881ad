import Alignment
import Foundation
import Logging
import Policy
@testable import Service
import Storage
import Testing
import TestSupport

/// A run judged by a stored reward model scores its rollouts with the shared scoring computation: in shard
/// jobs when the batch is larger than the inline limit (its own worker computing shards beside the pool's), in
/// its own thread otherwise. Either way the scores, and so the trained weights, are the same bits.
@Suite struct RunShardedScoringTests {
    @Test(arguments: TestStores.backends)
    func shardedAndInlineScoringTrainTheSameWeights(dialect: SQLDialect) throws {
        let database = try TestStores.open(dialect)
        let models = ModelJudgeRunTests()
        let policy = try models.insert(database, kind: "policy", seed: 1)
        // The reward model's context is the task's (16): an untrained policy's responses are cut to fit it.
        let judge = try models.insert(database, kind: "reward_model", seed: 2)
        let spec = try RunSpec.decode(Array("""
            {"algorithm": "rloo", "model": "\(policy)", "task": {"kind": "text", "name": "arithmetic"}, "judge": "reward_model:\(judge)",
             "seed": 4, "hyperparameters": {"steps": 3, "batch_size": 4, "rloo_k": 2, "eval_samples": 0}}
            """.utf8))
        let sharded = try ShardedRuns.trained(database, spec, RunScoring(shardSize: 3, inlineMax: 0, timeoutSeconds: 60), threads: 1).sha
        let inline = try ShardedRuns.trained(database, spec, RunScoring(shardSize: 3, inlineMax: 10_000, timeoutSeconds: 60), threads: 1).sha
        #expect(sharded != nil && sharded == inline)
        // The batches left nothing behind.
        #expect(try database.read { try $0.query("SELECT COUNT(*) AS n FROM jobs WHERE kind = 'score_shard'").first?["n"].int } == 0)
    }
}
