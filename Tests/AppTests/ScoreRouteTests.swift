import Foundation
import Policy
import Service
import Storage
import Testing
import TestSupport

/// `POST /v1/models/{id}/scores` and OpenRLHF's `get_reward`: small batches inline, large ones sharded over
/// the pool, the same bits either way; bad input is a 4xx naming the field.
@Suite struct ScoreRouteTests {
    static let config = GPTConfig(layers: 1, dim: 16, heads: 2, context: 64)

    /// A stored model with a seeded random head; a reward model carries reward statistics.
    static func storeModel(_ fixture: AppFixture, kind: String, seed: UInt64 = 3) throws -> ModelRecord {
        let model = try LoadedModel.initialised(kind: kind, config: config, seed: seed)
        var file = model.checkpoint(kind: kind)
        if kind == "reward_model" {
            file.metadata["reward_mean"] = "0.5"
            file.metadata["reward_std"] = "4"
        }
        let bytes = file.encoded()
        let architecture = String(decoding: try JSONEncoder().encode(config), as: UTF8.self)
        return try fixture.app.database.write { connection in
            try ModelRepository.insert(name: kind, kind: kind, architecture: architecture, parameterCount: config.parameterCount,
                                       parentID: nil, runID: nil, seed: Int(seed), source: "initialised", checkpoint: bytes, on: connection)
        }
    }

    static func expected(_ fixture: AppFixture, _ record: ModelRecord, mode: ScoringMode, items: [ScoringItem]) throws -> [Double] {
        try ScoringModelCache().with(record, database: fixture.app.database) { try Scoring.compute($0, mode: mode, items: items) }
    }

    /// The numbers of a response's `key`, read exactly (Foundation's JSONSerialization on Linux can be off by an ulp).
    static func numbers(_ response: RawClient.Response, _ key: String) throws -> [Double] {
        try numbers(response.body, key)
    }

    static func numbers(_ body: [UInt8], _ key: String) throws -> [Double] {
        try #require(try JSONDecoder().decode([String: Numbers].self, from: Data(body))[key]?.values)
    }

    struct Numbers: Decodable {
        var values: [Double]?
        init(from decoder: any Decoder) throws {
            values = try? decoder.singleValueContainer().decode([Double].self)
        }
    }

    static func rewardItems(_ n: Int) -> [ScoringItem] {
        (0..<n).map { ScoringItem(prompt: "Capital \($0 % 4)?", response: "City \($0 * 7 % 11).") }
    }

    @Test(arguments: TestStores.backends)
    func rewardScoresInlineAndShardedAreTheSameBits(dialect: SQLDialect) throws {
        let fixture = try AppFixture(dialect) { $0.scoreInlineMax = 3; $0.scoreShardSize = 2 }
        let record = try Self.storeModel(fixture, kind: "reward_model")
        for count in [3, 9] {  // inline, then sharded over the in-process pool
            let items = Self.rewardItems(count)
            let response = try fixture.call("POST", "/v1/models/\(record.id)/scores", as: "ann1",
                                            json: ["items": items.map { ["prompt": $0.prompt, "response": $0.response] }])
            #expect(response.status == 200, "\(response.text)")
            let scores = try Self.numbers(response, "scores")
            let expected = try Self.expected(fixture, record, mode: .rewards, items: items)
            #expect(scores.map(\.bitPattern) == expected.map(\.bitPattern), "\(count) items")
            let normalised = try #require(response.json["normalized_scores"] as? [Double])
            #expect(zip(normalised, expected).allSatisfy { abs($0 - ($1 - 0.5) / 4) < 1e-12 })
            #expect(response.json["reward_mean"] as? Double == 0.5 && response.json["reward_std"] as? Double == 4)
        }
    }

    @Test(arguments: TestStores.backends)
    func preferenceModelsGiveProbabilities(dialect: SQLDialect) throws {
        let fixture = try AppFixture(dialect) { $0.scoreInlineMax = 2; $0.scoreShardSize = 1 }
        let record = try Self.storeModel(fixture, kind: "preference_model", seed: 9)
        let items = [ScoringItem(prompt: "2+2?", response: "4", responseB: "5"), ScoringItem(prompt: "2+2?", response: "5", responseB: "4"),
                     ScoringItem(prompt: "Sky?", response: "blue", responseB: "green")]
        let response = try fixture.call("POST", "/v1/models/\(record.id)/scores", as: "ci",
                                        json: ["items": items.map { ["prompt": $0.prompt, "response_a": $0.response, "response_b": $0.responseB ?? ""] }])
        #expect(response.status == 200, "\(response.text)")
        let probabilities = try Self.numbers(response, "probabilities")
        #expect(probabilities.map(\.bitPattern) == (try Self.expected(fixture, record, mode: .probabilities, items: items)).map(\.bitPattern))
        #expect(abs(probabilities[0] + probabilities[1] - 1) < 1e-6, "P(a ≻ b) = 1 − P(b ≻ a)")
        #expect(probabilities.allSatisfy { $0 > 0 && $0 < 1 })
    }

    @Test func getRewardSpeaksOpenRLHFsRemoteRewardModelProtocol() throws {
        let fixture = try AppFixture(.sqlite)
        let record = try Self.storeModel(fixture, kind: "reward_model")
        let items = Self.rewardItems(3)
        let queries = items.map { $0.prompt + $0.response }
        let split = try fixture.call("POST", "/v1/models/\(record.id)/get_reward", as: "researcher",
                                     json: ["query": queries, "prompts": items.map(\.prompt), "labels": ["a", "b", "c"]])
        #expect(split.status == 200, "\(split.text)")
        let rewards = try #require(split.json["rewards"] as? [Double])
        // Normalised with the stored statistics, as `serve_rm --normalize_reward`; split at each prompt.
        let raw = try Self.expected(fixture, record, mode: .rewards, items: items)
        #expect(zip(rewards, raw).allSatisfy { abs($0 - ($1 - 0.5) / 4) < 1e-12 })
        // Without prompts, the whole query is the response to an empty prompt.
        let whole = try fixture.call("POST", "/v1/models/\(record.id)/get_reward", as: "researcher", json: ["query": queries])
        let unsplit = try Self.expected(fixture, record, mode: .rewards, items: queries.map { ScoringItem(prompt: "", response: $0) })
        #expect(zip(try #require(whole.json["rewards"] as? [Double]), unsplit).allSatisfy { abs($0 - ($1 - 0.5) / 4) < 1e-12 })
    }

    @Test func badRequestsNameTheField() throws {
        let fixture = try AppFixture(.sqlite) { $0.scoreMaxItems = 4 }
        let reward = try Self.storeModel(fixture, kind: "reward_model")
        let preference = try Self.storeModel(fixture, kind: "preference_model")
        let policy = try fixture.call("POST", "/v1/models", as: "researcher", json: [
            "name": "p", "architecture": ["layers": 1, "dim": 16, "heads": 2, "context": 32],
        ])
        let policyID = try #require(policy.json["id"] as? String)
        let pair = ["prompt": "x", "response": "y"]
        let cases: [(String, Any, Int, String, String?)] = [
            ("/v1/models/\(policyID)/scores", ["items": [pair]], 422, "not_a_scoring_model", nil),
            ("/v1/models/\(reward.id)/scores", ["items": []], 422, "invalid_field", "items"),
            ("/v1/models/\(reward.id)/scores", ["items": Array(repeating: pair, count: 5)], 422, "invalid_field", "items"),
            ("/v1/models/\(reward.id)/scores", ["items": [["prompt": "x"]]], 422, "invalid_field", "items[0].response"),
            ("/v1/models/\(reward.id)/scores", ["items": [pair, ["prompt": "x", "response": String(repeating: "y", count: 80)]]], 422,
             "invalid_field", "items[1].response"),
            ("/v1/models/\(preference.id)/scores", ["items": [["prompt": "x", "response_a": "y"]]], 422, "invalid_field", "items[0].response_b"),
            ("/v1/models/\(preference.id)/scores", ["items": [pair]], 422, "unknown_field", "items[0].response"),
            ("/v1/models/\(preference.id)/get_reward", ["query": ["xy"]], 422, "not_a_scoring_model", nil),
            ("/v1/models/\(reward.id)/get_reward", ["query": []], 422, "invalid_field", "query"),
            ("/v1/models/\(reward.id)/get_reward", ["query": ["xy"], "prompts": ["x", "z"]], 422, "invalid_field", "prompts"),
            ("/v1/models/mdl_nope/scores", ["items": [pair]], 404, "not_found", nil),
        ]
        for (path, body, status, code, field) in cases {
            let response = try fixture.call("POST", path, as: "ann1", json: body)
            #expect(response.status == status && response.json["code"] as? String == code, "\(path) \(body): \(response.text)")
            if let field { #expect(response.json["field"] as? String == field, "\(path): \(response.text)") }
        }
        #expect(try fixture.call("POST", "/v1/models/\(reward.id)/scores", as: nil, json: ["items": [pair]]).status == 401)
    }
}
