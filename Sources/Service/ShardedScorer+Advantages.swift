public import Alignment
import Foundation
public import Policy
public import Storage
import Jobs

/// The payload of a `score_shard` job that computes a PPO critic's values and GAE advantages of rollouts with
/// ``CriticAdvantages``: the critic's weights at the step are stored under their hash (`critic`), the settings
/// and the rollouts travel in the payload, doubles as the hexadecimal IEEE-754 bit patterns so they cross the
/// store bit for bit. Its result is ``CriticAdvantages/flatten(_:)`` of the shard's results.
struct AdvantageShardPayload: Codable, Sendable {
    static let task = "advantages"

    struct Item: Codable, Sendable {
        var prompt: [Int32]
        var response: [Int32]
        var score: String
        var logProbs: String
        var referenceLogProbs: String
    }

    var task = Self.task
    var batch: String
    var index: Int
    var critic: String
    var gamma: String
    var lambda: String
    var klCoef: String
    var klEstimator: String
    var items: [Item]

    init(batch: String, index: Int, critic: String, settings: AdvantageSettings, items: ArraySlice<AdvantageItem>) {
        self.batch = batch
        self.index = index
        self.critic = critic
        gamma = Bits.encode([settings.gamma])
        lambda = Bits.encode([settings.lambda])
        klCoef = Bits.encode([settings.klCoef])
        klEstimator = settings.klEstimator.rawValue
        self.items = items.map {
            Item(prompt: $0.prompt, response: $0.response, score: Bits.encode([$0.score]), logProbs: Bits.encode($0.logProbs),
                 referenceLogProbs: Bits.encode($0.referenceLogProbs))
        }
    }

    /// The shard's values, advantages and returns, flattened, under the stored critic.
    func compute(database: Database, models: ScoringModelCache) throws -> [Double] {
        guard let estimator = KLEstimator(rawValue: klEstimator), let gamma = Bits.decode(gamma).first, let lambda = Bits.decode(lambda).first,
              let klCoef = Bits.decode(klCoef).first else {
            throw PolicyError("advantage shard: bad settings")
        }
        let settings = AdvantageSettings(gamma: gamma, lambda: lambda, klCoef: klCoef, klEstimator: estimator)
        let rollouts = try items.map { item -> AdvantageItem in
            guard let score = Bits.decode(item.score).first else { throw PolicyError("advantage shard: bad score") }
            return AdvantageItem(prompt: item.prompt, response: item.response, score: score, logProbs: Bits.decode(item.logProbs),
                                 referenceLogProbs: Bits.decode(item.referenceLogProbs))
        }
        return try models.with(sha256: critic, kind: "critic", name: "critic " + critic, database: database) { model in
            guard let head = model.head else { throw PolicyError("the critic has no value head") }
            return CriticAdvantages.flatten(try CriticAdvantages.compute(trunk: model.trunk, head: head, settings: settings, items: rollouts))
        }
    }
}

/// Doubles as their IEEE-754 bit patterns, 16 hexadecimal digits each.
enum Bits {
    static func encode(_ values: [Double]) -> String {
        values.map { let hex = String($0.bitPattern, radix: 16); return String(repeating: "0", count: 16 - hex.count) + hex }.joined()
    }

    /// The doubles of `text`; a malformed digit group decodes as NaN, which the computation's checks refuse.
    static func decode(_ text: String) -> [Double] {
        let utf8 = Array(text.utf8)
        return stride(from: 0, to: utf8.count - utf8.count % 16, by: 16).map { start in
            UInt64(String(decoding: utf8[start..<(start + 16)], as: UTF8.self), radix: 16).map { Double(bitPattern: $0) } ?? .nan
        }
    }
}

extension ShardedScorer {
    /// PPO's critic values and advantages of `items` under `trunk` + `head`, in shards over the worker pools: the
    /// critic's weights are stored under their hash for the batch (the checkpoint of a `critic`, with the policy's
    /// `tokenizer` metadata) and deleted with it unless something else holds the same bytes. The batch's ids name
    /// `runID`, so a later attempt of the run removes what a dead one left (``sweep(runID:on:)``).
    public func advantages(runID: String, trunk: GPT, head: ValueHead, tokenizer: [String: String], settings: AdvantageSettings,
                           items: [AdvantageItem]) throws -> [AdvantageResult] {
        guard !items.isEmpty else { return [] }
        let weights = LoadedModel(trunk: trunk, head: head, metadata: tokenizer).checkpoint(kind: "critic").encoded()
        let sha = ModelRepository.hash(weights)
        let batch = Identifier.make(Self.advantagePrefix(runID: runID))
        let starts = Array(stride(from: 0, to: items.count, by: shardSize))
        let payloads = try starts.enumerated().map { index, start in
            let payload = AdvantageShardPayload(batch: batch, index: index, critic: sha, settings: settings,
                                                items: items[start..<min(items.count, start + shardSize)])
            return String(decoding: try JSONEncoder().encode(payload), as: UTF8.self)
        }
        let counts = starts.map { start in 3 * items[start..<min(items.count, start + shardSize)].reduce(0) { $0 + $1.response.count } }
        let prefix = batch + "."
        let flat = try run(batch: batch, payloads: payloads, counts: counts,
                           before: { _ = try ModelRepository.putCheckpoint(weights, on: $0) },
                           after: { try ModelRepository.deleteScratchCheckpoint(sha256: sha, keepingJobsOutside: prefix, on: $0) })
        guard let results = CriticAdvantages.unflatten(flat.flatMap { $0 }, lengths: items.map(\.response.count)) else {
            throw ScoringError.shardFailed(job: prefix, error: "stored advantages do not match the batch")
        }
        return results
    }

    static func advantagePrefix(runID: String) -> String { "adb_" + runID }
    static func scorePrefix(runID: String) -> String { "scb_" + runID }

    /// Removes the scoring and advantage batches of `runID`, and the critic weights the latter read: what an attempt
    /// of the run that died mid-step left behind (its worker never collected them). Called as the run starts again
    /// and as it ends without its handler.
    public static func sweep(runID: String, on connection: any SQLConnection) throws {
        let scores = scorePrefix(runID: runID) + "_"
        try connection.query("DELETE FROM score_shards WHERE substr(batch_id, 1, CAST(? AS INTEGER)) = ?",
                             .integer(Int64(scores.count)), .text(scores))
        try JobQueue.delete(idPrefix: scores, on: connection)
        let prefix = advantagePrefix(runID: runID) + "_"
        let payloads = try connection.query("SELECT payload FROM jobs WHERE substr(id, 1, CAST(? AS INTEGER)) = ?",
                                            .integer(Int64(prefix.count)), .text(prefix)).compactMap { $0["payload"].string }
        guard !payloads.isEmpty else { return }
        struct Critic: Decodable { var critic: String }
        let hashes = Set(payloads.compactMap { try? JSONDecoder().decode(Critic.self, from: Data($0.utf8)).critic })
        try connection.query("DELETE FROM score_shards WHERE substr(batch_id, 1, CAST(? AS INTEGER)) = ?",
                             .integer(Int64(prefix.count)), .text(prefix))
        try JobQueue.delete(idPrefix: prefix, on: connection)
        for sha in hashes.sorted() {
            try ModelRepository.deleteScratchCheckpoint(sha256: sha, keepingJobsOutside: prefix, on: connection)
        }
    }

    /// This scorer as a PPO run's ``AdvantageEstimator``: batches of more than `inlineMax` rollouts are sharded,
    /// smaller ones computed in the run's thread (the same computation, so the same bits either way).
    public func advantageEstimator(runID: String, inlineMax: Int, tokenizer: [String: String]) -> any AdvantageEstimator {
        ShardedAdvantageEstimator(scorer: self, runID: runID, inlineMax: inlineMax, tokenizer: tokenizer)
    }
}

struct ShardedAdvantageEstimator: AdvantageEstimator {
    let scorer: ShardedScorer
    let runID: String
    let inlineMax: Int
    let tokenizer: [String: String]

    func advantages(trunk: GPT, head: ValueHead, settings: AdvantageSettings, items: [AdvantageItem]) throws -> [AdvantageResult] {
        guard items.count > inlineMax else { return try CriticAdvantages.compute(trunk: trunk, head: head, settings: settings, items: items) }
        return try scorer.advantages(runID: runID, trunk: trunk, head: head, tokenizer: tokenizer, settings: settings, items: items)
    }
}
