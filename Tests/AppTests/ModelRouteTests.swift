import Foundation
import Storage
import Testing
import TestSupport

/// `/v1/models` over real sockets, on both stores: create, download, re-upload, sample, score.
@Suite struct ModelRouteTests {
    let tiny: [String: Any] = ["layers": 1, "dim": 16, "heads": 2, "context": 32]

    /// A scoring batch whose logits and attention would pass the per-call budget is 422 naming `items`, before any
    /// allocation; the same items in a smaller batch are scored.
    @Test func aScoringBatchOverTheMemoryBudgetIs422() throws {
        let app = try AppFixture(.sqlite)
        let id = try #require(try app.call("POST", "/v1/models", as: "researcher", json: [
            "name": "long", "architecture": ["layers": 1, "dim": 16, "heads": 16, "context": 256]]).json["id"] as? String)
        // 256 items of 253 tokens: 256·253·(259 + 16·253)·4 bytes ≈ 1.12 GB of logits and attention.
        let item: [String: Any] = ["prompt": "p", "response": String(repeating: "x", count: 250)]
        let refused = try app.call("POST", "/v1/models/\(id)/logprobs", as: "ci", json: ["items": Array(repeating: item, count: 256)])
        #expect(refused.status == 422 && refused.json["field"] as? String == "items", "\(refused.text)")
        let scored = try app.call("POST", "/v1/models/\(id)/logprobs", as: "ci", json: ["items": Array(repeating: item, count: 2)])
        #expect(scored.status == 200, "\(scored.text)")
    }

    @Test(arguments: TestStores.backends)
    func createDownloadUploadAndUse(dialect: SQLDialect) throws {
        let app = try AppFixture(dialect)
        let created = try app.call("POST", "/v1/models", as: "researcher", json: ["name": "tiny", "architecture": tiny, "seed": 7])
        #expect(created.status == 201)
        let id = try #require(created.json["id"] as? String)
        #expect(created.header("location") == "/v1/models/\(id)")
        #expect(created.json["parameter_count"] as? Int == 7968)  // 259·16 + 32·16 + one block (3280) + final norm (32)
        #expect((created.json["architecture"] as? [String: Int])?["vocab"] == 259)
        let sha = try #require(created.json["checkpoint_sha256"] as? String)

        // Same seed, same weights: a second model shares the stored checkpoint.
        let twin = try app.call("POST", "/v1/models", as: "researcher", json: ["name": "twin", "architecture": tiny, "seed": 7])
        #expect(twin.json["checkpoint_sha256"] as? String == sha)
        #expect(try app.count("model_checkpoints") == 1)

        let weights = try app.call("GET", "/v1/models/\(id)/weights", as: "ci")
        #expect(weights.status == 200)
        #expect(weights.header("etag") == "\"\(sha)\"")
        let uploaded = try app.call("POST", "/v1/models/upload?name=copy", as: "researcher", raw: weights.body,
                                    headers: ["Content-Type": "application/octet-stream"])
        #expect(uploaded.status == 201)
        #expect(uploaded.json["checkpoint_sha256"] as? String == sha)
        #expect(uploaded.json["source"] as? String == "uploaded")

        let request: [String: Any] = ["prompts": ["Hello", "Why?"], "max_new_tokens": 8, "temperature": 0.8, "seed": 3]
        let first = try app.call("POST", "/v1/models/\(id)/generate", as: "ci", json: request)
        #expect(first.status == 200)
        let items = first.json["items"] as? [[String: Any]] ?? []
        #expect(items.count == 2)
        #expect((items.first?["logprobs"] as? [Double])?.allSatisfy { $0 <= 0 } == true)
        let again = try app.call("POST", "/v1/models/\(id)/generate", as: "ci", json: request)
        #expect((again.json["items"] as? [[String: Any]])?.compactMap { $0["tokens"] as? [Int] } == items.compactMap { $0["tokens"] as? [Int] })

        let scored = try app.call("POST", "/v1/models/\(id)/logprobs", as: "ci",
                                  json: ["items": [["prompt": "Hi", "response": "abc"], ["prompt": "", "response": "x"]]])
        #expect(scored.status == 200)
        let scores = scored.json["items"] as? [[String: Any]] ?? []
        #expect(scores.compactMap { $0["tokens"] as? Int } == [4, 2])  // response bytes plus EOS
        #expect(scores.allSatisfy { ($0["sum"] as? Double ?? 0) < 0 })

        let listed = try app.call("GET", "/v1/models", as: "ann1")
        #expect((listed.json["items"] as? [Any])?.count == 3)
    }

    /// Oversize or invalid models, NaN weights and unknown ids: a 4xx naming the field, nothing stored.
    @Test(arguments: TestStores.backends)
    func invalidModelsAreRefused(dialect: SQLDialect) throws {
        let app = try AppFixture(dialect)
        let cases: [([String: Any], String, String)] = [
            (["name": "big", "architecture": ["layers": 48, "dim": 1024, "heads": 16]], "model_too_large", "architecture"),
            (["name": "odd", "architecture": ["layers": 1, "dim": 10, "heads": 3]], "invalid_field", "architecture.heads"),
            (["name": "long", "architecture": ["layers": 1, "dim": 16, "heads": 2, "context": 1024]], "invalid_field", "architecture.context"),
            (["name": "pm", "kind": "preference_model", "architecture": tiny], "invalid_field", "kind"),
            (["name": "x", "architecture": ["layers": 1, "dim": 16]], "invalid_field", "architecture"),
        ]
        for (body, code, field) in cases {
            let response = try app.call("POST", "/v1/models", as: "researcher", json: body)
            #expect(response.status == 422, "\(body)")
            #expect(response.json["code"] as? String == code, "\(body)")
            #expect(response.json["field"] as? String == field, "\(body)")
        }
        let created = try app.call("POST", "/v1/models", as: "researcher", json: ["name": "ok", "architecture": tiny])
        let id = try #require(created.json["id"] as? String)
        var bytes = try app.call("GET", "/v1/models/\(id)/weights").body
        // Poison the first weight: header length (8 bytes, little-endian), header, then the tensors.
        let headerLength = Int(bytes[0..<8].enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) })
        bytes.replaceSubrange((8 + headerLength)..<(12 + headerLength), with: [0x00, 0x00, 0xC0, 0x7F])
        let poisoned = try app.call("POST", "/v1/models/upload?name=nan", as: "researcher", raw: bytes, headers: ["Content-Type": "application/octet-stream"])
        #expect(poisoned.status == 422)
        #expect(poisoned.json["code"] as? String == "invalid_checkpoint")
        let garbage = try app.call("POST", "/v1/models/upload?name=junk", as: "researcher", raw: Array("not a safetensors file".utf8), headers: ["Content-Type": "application/octet-stream"])
        #expect(garbage.status == 422)
        #expect(try app.count("models") == 1)
        #expect(try app.call("GET", "/v1/models/mdl_missing").status == 404)
        #expect(try app.call("POST", "/v1/models/mdl_missing/generate", json: ["prompts": ["x"]]).status == 404)
        let tooLong = try app.call("POST", "/v1/models/\(id)/generate", as: "ci", json: ["prompts": ["x"], "max_new_tokens": 200])
        #expect(tooLong.status == 422)
        #expect(tooLong.json["field"] as? String == "prompts[0]")
        #expect(try app.call("POST", "/v1/models/\(id)/generate", as: "ci", json: ["prompts": ["x"], "top_p": 0]).status == 422)
        #expect(try app.call("POST", "/v1/models", as: "ann1", json: ["name": "n", "architecture": tiny]).status == 403)
    }

    /// Reward models and critics carry a value head; it survives download and upload.
    @Test(arguments: TestStores.backends)
    func rewardModelsAndCriticsScoreResponses(dialect: SQLDialect) throws {
        let app = try AppFixture(dialect)
        let reward = try app.call("POST", "/v1/models", as: "researcher", json: ["name": "rm", "kind": "reward_model", "architecture": tiny, "seed": 2])
        #expect(reward.status == 201)
        #expect(reward.json["kind"] as? String == "reward_model")
        let rewardID = try #require(reward.json["id"] as? String)
        let pairs: [String: Any] = ["items": [["prompt": "Q", "response": "good"], ["prompt": "Q", "response": "bad!"]]]
        let values = try app.call("POST", "/v1/models/\(rewardID)/values", as: "ci", json: pairs)
        #expect(values.status == 200)
        let items = values.json["items"] as? [[String: Any]] ?? []
        #expect(items.count == 2)
        #expect(items.allSatisfy { ($0["value"] as? Double)?.isFinite == true && $0["token_values"] == nil })
        #expect(items[0]["value"] as? Double != items[1]["value"] as? Double)

        let critic = try app.call("POST", "/v1/models", as: "researcher", json: ["name": "v", "kind": "critic", "architecture": tiny])
        let criticID = try #require(critic.json["id"] as? String)
        let perToken = try app.call("POST", "/v1/models/\(criticID)/values", as: "ci", json: ["prompt": "Q", "response": "abc"])
        #expect(((perToken.json["items"] as? [[String: Any]])?.first?["token_values"] as? [Double])?.count == 4)  // 3 bytes + EOS

        // The head travels with the weights.
        let bytes = try app.call("GET", "/v1/models/\(rewardID)/weights").body
        let copy = try app.call("POST", "/v1/models/upload?name=rm2&kind=reward_model", as: "researcher", raw: bytes, headers: ["Content-Type": "application/octet-stream"])
        #expect(copy.status == 201)
        let copyID = try #require(copy.json["id"] as? String)
        let again = try app.call("POST", "/v1/models/\(copyID)/values", as: "ci", json: pairs)
        #expect((again.json["items"] as? [[String: Any]])?.compactMap { $0["value"] as? Double } == items.compactMap { $0["value"] as? Double })

        let policy = try app.call("POST", "/v1/models", as: "researcher", json: ["name": "p", "architecture": tiny])
        let policyID = try #require(policy.json["id"] as? String)
        #expect(try app.call("POST", "/v1/models/\(policyID)/values", as: "ci", json: pairs).json["code"] as? String == "no_value_head")
        let headless = try app.call("POST", "/v1/models/upload?name=x&kind=critic", as: "researcher",
                                    raw: try app.call("GET", "/v1/models/\(policyID)/weights").body, headers: ["Content-Type": "application/octet-stream"])
        #expect(headless.status == 422)
        #expect(headless.json["code"] as? String == "invalid_checkpoint")
    }

    /// A safetensors file with `header` (a JSON object) in front of `data`, padded as the format does.
    static func safetensors(_ header: [String: Any], data: ArraySlice<UInt8>) throws -> [UInt8] {
        var json = Array(try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys]))
        while (8 + json.count) % 8 != 0 { json.append(0x20) }
        return withUnsafeBytes(of: UInt64(json.count).littleEndian) { Array($0) } + json + data
    }

    /// The header and data section of a stored checkpoint.
    static func split(_ bytes: [UInt8]) throws -> (header: [String: Any], data: ArraySlice<UInt8>) {
        let length = Int(bytes[0..<8].enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) })
        let header = try #require(try JSONSerialization.jsonObject(with: Data(bytes[8..<(8 + length)])) as? [String: Any])
        return (header, bytes[(8 + length)...])
    }

    /// Item 7: the header is checked whole before anything is allocated: ranges tile the data (no aliasing), and the
    /// tensors are exactly the declared architecture's. Fails before the fix: both files below were stored (201);
    /// every aliased entry was decoded into its own copy of the same bytes, which at 300 entries over a 16.8 MB
    /// body took gigabytes and aborted the server.
    @Test(arguments: TestStores.backends)
    func uploadsMustHoldExactlyTheDeclaredTensors(dialect: SQLDialect) throws {
        let app = try AppFixture(dialect)
        let created = try app.call("POST", "/v1/models", as: "researcher", json: ["name": "base", "architecture": tiny, "seed": 1])
        let id = try #require(created.json["id"] as? String)
        let (header, data) = try Self.split(try app.call("GET", "/v1/models/\(id)/weights").body)
        let upload = { (bytes: [UInt8]) in
            try app.call("POST", "/v1/models/upload?name=crafted", as: "researcher", raw: bytes, headers: ["Content-Type": "application/octet-stream"])
        }

        var aliased = header
        for i in 0..<300 { aliased["alias.\(i)"] = ["dtype": "F32", "shape": [data.count / 4], "data_offsets": [0, data.count]] }
        let refused = try upload(try Self.safetensors(aliased, data: data))
        #expect(refused.status == 422, "\(refused)")
        #expect(refused.json["code"] as? String == "invalid_checkpoint")
        #expect((refused.json["detail"] as? String)?.contains("overlaps") == true, "\(refused)")

        var extra = header
        extra["spare.weight"] = ["dtype": "F32", "shape": [2], "data_offsets": [data.count, data.count + 8]]
        let unexpected = try upload(try Self.safetensors(extra, data: data + [UInt8](repeating: 0, count: 8)))
        #expect(unexpected.status == 422, "\(unexpected)")
        #expect((unexpected.json["detail"] as? String)?.contains("spare.weight") == true, "\(unexpected)")

        var hole = header
        hole["zz.gap"] = ["dtype": "F32", "shape": [1], "data_offsets": [data.count + 4, data.count + 8]]
        let gap = try upload(try Self.safetensors(hole, data: data + [UInt8](repeating: 0, count: 8)))
        #expect(gap.status == 422, "\(gap)")
        #expect(try app.count("models") == 1)

        // The untouched file still uploads.
        #expect(try upload(try Self.safetensors(header, data: data)).status == 201)
    }
}
