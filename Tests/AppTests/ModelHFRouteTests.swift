import Foundation
import Policy
import Storage
import Testing
import TestSupport

/// Hugging Face folders in and out over real sockets, on both stores (transformers itself checks the same
/// routes in `make check-hf`).
@Suite struct ModelHFRouteTests {
    let config = GPTConfig(layers: 1, dim: 16, heads: 2, context: 32, vocab: 262)
    let octet = ["Content-Type": "application/octet-stream"]

    /// Byte vocabulary plus "he", "ll", "hell" (ids 259–261) after the three byte-model specials.
    func tokenizer() throws -> BPETokenizer {
        var vocab: [String: Int32] = [:]
        for (byte, scalar) in ByteLevelAlphabet.scalars.enumerated() { vocab[String(scalar)] = Int32(byte) }
        for (i, token) in ["he", "ll", "hell"].enumerated() { vocab[token] = Int32(259 + i) }
        return try BPETokenizer(vocabulary: vocab, merges: [("h", "e"), ("l", "l"), ("he", "ll")],
                                added: [.init(content: "<|endoftext|>", id: 257, special: true)], bos: "<|endoftext|>", eos: "<|endoftext|>")
    }

    @Test(arguments: TestStores.backends)
    func importScoreExportAndReupload(dialect: SQLDialect) throws {
        let app = try AppFixture(dialect)
        let model = try GPT(config: config, seed: 11)
        let tok = try tokenizer()
        let archive = HFModelFolder.archive(model: model, tokenizer: tok)
        let created = try app.call("POST", "/v1/models/upload?format=hf&name=gpt2ish", as: "researcher", raw: archive, headers: octet)
        #expect(created.status == 201)
        let id = try #require(created.json["id"] as? String)
        #expect((created.json["architecture"] as? [String: Int])?["vocab"] == 262)
        #expect(created.json["parameter_count"] as? Int == model.parameterCount)

        let tokenized = try app.call("POST", "/v1/models/\(id)/tokenize", as: "ci", json: ["texts": ["hello hell"]])
        let item = try #require((tokenized.json["items"] as? [[String: Any]])?.first)
        #expect(item["tokens"] as? [Int] == [261, 111, 32, 261])
        #expect(item["text"] as? String == "hello hell")

        // The server scores with the stored tokenizer: BOS + prompt, response + EOS, as the model computes directly.
        let scored = try app.call("POST", "/v1/models/\(id)/logprobs", as: "ci", json: ["items": [["prompt": "hell", "response": "o hello"]]])
        let sum = try #require((scored.json["items"] as? [[String: Any]])?.first?["sum"] as? Double)
        let batch = try SequenceBatch(prompts: [tok.encode("hell", bos: true, eos: false)], responses: [tok.encode("o hello", bos: false, eos: true)])
        model.requiresGradients = false
        #expect(abs(sum - Double(try model.sequenceLogProbs(batch).sum[0])) < 1e-5)

        let exported = try app.call("GET", "/v1/models/\(id)/export?format=hf", as: "ci")
        #expect(exported.status == 200)
        #expect(exported.header("content-type") == "application/x-tar")
        let files = try TarArchive(bytes: exported.body).files
        #expect(Set(files.keys) == ["config.json", "model.safetensors", "tokenizer.json", "vocab.json", "merges.txt",
                                    "tokenizer_config.json", "special_tokens_map.json"])
        #expect(files["tokenizer.json"] == tok.tokenizerJSON())
        #expect(try HFModelFolder(archive: exported.body).model().parameters.array == model.parameters.array)

        // The stored checkpoint (weights + tokenizer in its metadata) uploads again as a native file.
        let weights = try app.call("GET", "/v1/models/\(id)/weights", as: "ci")
        let again = try app.call("POST", "/v1/models/upload?name=copy", as: "researcher", raw: weights.body, headers: octet)
        #expect(again.status == 201)
        #expect(again.json["checkpoint_sha256"] as? String == created.json["checkpoint_sha256"] as? String)
    }

    /// An evaluation scores each side's samples under both models, which one byte tokenizer makes sound; a BPE
    /// import fails it by name instead of being scored as bytes.
    @Test func evaluationsRefuseBPEModelsByName() throws {
        let app = try AppFixture(.sqlite)
        let archive = HFModelFolder.archive(model: try GPT(config: config, seed: 2), tokenizer: try tokenizer())
        let id = try #require(try app.call("POST", "/v1/models/upload?format=hf&name=e", as: "researcher", raw: archive, headers: octet)
            .json["id"] as? String)
        let posted = try app.call("POST", "/v1/evaluations", as: "ci", json: [
            "model": id, "baseline": id, "task": ["kind": "text", "name": "arithmetic"], "samples_per_prompt": 2, "seed": 5,
        ])
        let location = try #require(posted.header("location"), "\(posted)")
        var body: [String: Any] = [:]
        #expect(try waitUntil(seconds: 60) {
            body = try app.call("GET", location, as: "ci").json
            return ["succeeded", "failed", "cancelled"].contains(body["status"] as? String ?? "")
        })
        #expect(body["status"] as? String == "failed" && "\(body)".contains("BPE tokenizer"), "\(body)")
    }

    @Test(arguments: TestStores.backends)
    func badFoldersAndExportsAreRefusedByField(dialect: SQLDialect) throws {
        let app = try AppFixture(dialect)
        let model = try GPT(config: config, seed: 1)
        var files = try TarArchive(bytes: HFModelFolder.archive(model: model, tokenizer: try tokenizer())).files
        let goodConfig = String(decoding: files["config.json"] ?? [], as: UTF8.self)
        files["config.json"] = Array(goodConfig.replacingOccurrences(of: "gelu_new", with: "relu").utf8)
        let cases: [([UInt8], String, Int, String, String)] = [
            (TarArchive(files: files).encoded(), "format=hf&name=a", 422, "invalid_hf_config", "config.activation_function"),
            (Array("not a tar".utf8), "format=hf&name=b", 422, "invalid_archive", "body"),
            ([1, 2, 3], "format=zip&name=c", 400, "invalid_parameter", "format"),
            (HFModelFolder.archive(model: model, tokenizer: try tokenizer()), "format=hf&name=d&kind=critic", 422, "invalid_field", "kind"),
        ]
        for (body, query, status, code, field) in cases {
            let response = try app.call("POST", "/v1/models/upload?\(query)", as: "researcher", raw: body, headers: octet)
            #expect(response.status == status, "\(query)")
            #expect(response.json["code"] as? String == code && response.json["field"] as? String == field, "\(query): \(response.json)")
        }
        #expect(try app.count("models") == 0)

        let critic = try app.call("POST", "/v1/models", as: "researcher",
                                  json: ["name": "c", "kind": "critic", "architecture": ["layers": 1, "dim": 16, "heads": 2, "context": 32]])
        let criticID = try #require(critic.json["id"] as? String)
        let refused = try app.call("GET", "/v1/models/\(criticID)/export?format=hf", as: "ci")
        #expect(refused.status == 422 && refused.json["code"] as? String == "unsupported_export")
        #expect(try app.call("GET", "/v1/models/\(criticID)/export", as: "ci").status == 400)
    }
}
