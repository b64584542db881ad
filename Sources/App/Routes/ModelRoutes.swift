import Crypto
import Foundation
import HTTP1
import HTTPServer
import Policy
import Service
import Storage
import Synchronization

/// `/v1/models`: create policies from an architecture and seed or from an uploaded
/// safetensors file, list them, download their weights, sample and score with them.
struct ModelRoutes {
    let database: Database
    let auth: Authenticator
    let cache: ModelCache

    /// GPT-2 small (124M parameters) fits; past 160M a model is refused (it trains on two cores).
    static let maxParameters = 160_000_000
    /// Context of models created here; imported Hugging Face models may have up to ``maxImportedContext``.
    static let maxContext = 256
    static let maxImportedContext = 2048
    /// Kinds `/values` reads: one scalar per sequence (reward models) or per token (critics); preference models
    /// score pairs (`/scores`).
    static let valueKinds: Set<String> = ["reward_model", "critic"]

    func register(on router: inout Router) {
        let database = database, cache = cache
        router.post("/v1/models", handler: auth.require(Roles.researchers) { request, principal in
            let object = try JSONObject.object(try JSONObject.parse(request.body), path: "")
            try object.rejectUnknown(["name", "kind", "architecture", "seed", "parent_id"])
            let name = try object.requiredString("name", maxLength: 200)
            let kind = try Self.kind(try object.string("kind"))
            let config = try Self.architecture(try JSONObject.object(object.fields["architecture"] ?? .null, path: "architecture"))
            let seed = try object.integer("seed", range: 0...Int(Int32.max)) ?? 0
            let parent = try object.string("parent_id", maxLength: 64)
            let checkpoint = try LoadedModel.initialised(kind: kind, config: config, seed: UInt64(seed)).checkpoint(kind: kind).encoded()
            let architecture = try Self.json(config)
            return try Idempotency.create(request, principal: principal, database: database) { connection in
                let record = try AppError.naming({ _, _ in "parent_id" }) {
                    try ModelRepository.insert(
                        name: name, kind: kind, architecture: architecture, parameterCount: config.parameterCount, parentID: parent,
                        runID: nil, seed: seed, source: "initialised", checkpoint: checkpoint, on: connection)
                }
                return try CreatedResponse.records([ModelBody(record)], single: true) { "/v1/models/\($0.id)" }
            }
        })
        // The body is a safetensors file (as written by Python's `safetensors` or by this service), or with
        // format=hf a tar of a Hugging Face save_pretrained folder. 768 MiB: GPT-2 small in float32 is 500 MB;
        // every other route keeps the 16 MiB limit.
        router.post("/v1/models/upload", maxBodyBytes: Self.maxUploadBytes, handler: auth.require(Roles.researchers) { request, principal in
            guard let name = request.query("name"), !name.isEmpty, name.utf8.count <= 200 else {
                throw AppError(.badRequest, code: "invalid_parameter", detail: "name (1-200 bytes) is required", field: "name")
            }
            let kind = try Self.kind(request.query("kind"))
            switch request.query("format") {
            case nil, "safetensors": break
            case "hf": return try Self.uploadHF(request, principal: principal, name: name, kind: kind, database: database)
            default: throw AppError(.badRequest, code: "invalid_parameter", detail: "format must be safetensors or hf", field: "format")
            }
            let bytes = request.body
            let model: GPT
            do {
                // Everything is checked on the header before a single tensor is decoded: the declared architecture
                // (within limits), and the file's tensors exactly that architecture's, tiling the data. Decoding then
                // allocates what the body holds, once, however the header was crafted.
                let header = try Safetensors.Header(bytes: bytes)
                let declared = try Self.declaredArchitecture(header)
                try LoadedModel.checkTensors(header, config: declared, kind: kind)
                model = try LoadedModel.load(try Safetensors(bytes: bytes, header: header), kind: kind).trunk
            } catch let error as PolicyError {
                throw AppError(.unprocessableContent, code: "invalid_checkpoint", detail: error.message, field: "body")
            }
            let architecture = try Self.json(model.config)
            let parameterCount = model.parameterCount
            return try Idempotency.create(request, principal: principal, database: database) { connection in
                let record = try ModelRepository.insert(
                    name: name, kind: kind, architecture: architecture, parameterCount: parameterCount, parentID: nil,
                    runID: nil, seed: nil, source: "uploaded", checkpoint: bytes, on: connection)
                return try CreatedResponse.records([ModelBody(record)], single: true) { "/v1/models/\($0.id)" }
            }
        })
        router.get("/v1/models", handler: auth.require(Roles.everyone) { request, _ in
            let page = try PageRequest(request)
            let kind = request.query("kind")
            let result = try database.read { try ModelRepository.list(kind: kind, after: page.after, limit: page.size, on: $0) }
            return try JSONResponse.make(ListBody(items: result.items.map(ModelBody.init), nextPageToken: result.nextPageToken))
        })
        router.get("/v1/models/:id", handler: auth.require(Roles.everyone) { request, _ in
            try JSONResponse.make(ModelBody(try Self.record(request, database)))
        })
        router.get("/v1/models/:id/weights", handler: auth.require(Roles.everyone) { request, _ in
            let record = try Self.record(request, database)
            guard let bytes = try database.read({ try ModelRepository.checkpoint(sha256: record.checkpointSHA256, on: $0) }) else {
                throw AppError(.notFound, code: "not_found", detail: "the checkpoint of \(record.id) is missing")
            }
            var response = ServerResponse(contentType: "application/octet-stream", body: bytes)
            response.headers.add(name: "ETag", value: "\"\(record.checkpointSHA256)\"")
            response.headers.add(name: "Content-Disposition", value: "attachment; filename=\"\(record.id).safetensors\"")
            return response
        })
        router.post("/v1/models/:id/generate", handler: Self.answeringBusy(auth.require(Roles.everyone) { request, _ in
            let record = try Self.record(request, database)
            let object = try JSONObject.object(try JSONObject.parse(request.body), path: "")
            try object.rejectUnknown(["prompts", "max_new_tokens", "temperature", "top_k", "top_p", "seed", "stop_at_eos"])
            let prompts = try object.stringArray("prompts", maxCount: 64, maxLength: 4096)
            guard !prompts.isEmpty else { throw AppError.invalidField("prompts", "prompts must hold 1 to 64 strings") }
            var parameters = SamplingParameters(
                temperature: Float(try object.number("temperature", range: 0...100) ?? 1),
                topK: try object.integer("top_k", range: 0...1_000_000) ?? 0,
                topP: Float(try object.number("top_p", range: 0.000_001...1) ?? 1),
                maxNewTokens: try object.integer("max_new_tokens", range: 0...Self.maxImportedContext) ?? 64,
                seed: UInt64(try object.integer("seed", range: 0...Int(Int32.max)) ?? 0))
            if let stop = object.fields["stop_at_eos"] {
                guard case .bool(let flag) = stop else { throw AppError.invalidField("stop_at_eos", "stop_at_eos must be a boolean") }
                parameters.stopAtEOS = flag
            }
            let (tokenizer, completions) = try cache.with(record, database: database) { loaded throws in
                let model = loaded.trunk, tokenizer = loaded.tokenizer
                let encoded = prompts.map { tokenizer.encode($0, bos: true, eos: false) }
                for (index, prompt) in encoded.enumerated() where prompt.count + parameters.maxNewTokens > model.config.context {
                    throw AppError.invalidField("prompts[\(index)]", "prompt plus max_new_tokens exceeds the model's context of \(model.config.context) tokens")
                }
                var parameters = parameters
                parameters.eos = tokenizer.eosID
                return (tokenizer, try model.sample(prompts: encoded, parameters: parameters))
            }
            let items = zip(prompts, completions).map { prompt, completion in
                GenerationBody(prompt: prompt, text: tokenizer.decode(completion.tokens), tokens: completion.tokens.map(Int.init),
                               logprobs: completion.logProbs.map(Double.init), sumLogprob: completion.logProbs.reduce(0) { $0 + Double($1) },
                               finishReason: completion.endedWithEOS ? "eos" : "length")
            }
            return try JSONResponse.make(["items": items])
        }))
        // Log-probabilities of responses given prompts (response tokens only, EOS included), summed and per token.
        router.post("/v1/models/:id/logprobs", handler: Self.answeringBusy(auth.require(Roles.everyone) { request, _ in
            let record = try Self.record(request, database)
            let body = try CreateBody.parse(request.body, maxItems: 256)
            let texts = try Self.pairs(body)
            let scores = try cache.with(record, database: database) { loaded throws in
                let (prompts, responses) = Self.encode(texts, loaded.tokenizer)
                try Self.checkContext(prompts, responses, loaded.trunk.config, body)
                return try loaded.trunk.sequenceLogProbs(try loaded.tokenizer.batch(prompts: prompts, responses: responses))
            }
            let items = scores.sum.indices.map { LogProbBody(sum: Double(scores.sum[$0]), mean: Double(scores.mean[$0]), tokens: scores.count[$0]) }
            return try JSONResponse.make(["items": items])
        }))
        // Reward models and critics: the scalar head's value per sequence (at its last token, as TRL's
        // reward models read it) and, for critics, per response token.
        router.post("/v1/models/:id/values", handler: Self.answeringBusy(auth.require(Roles.everyone) { request, _ in
            let record = try Self.record(request, database)
            guard Self.valueKinds.contains(record.kind) else {
                throw AppError(.unprocessableContent, code: "no_value_head", detail: "\(record.id) is a \(record.kind); values come from reward models and critics")
            }
            let body = try CreateBody.parse(request.body, maxItems: 256)
            let texts = try Self.pairs(body)
            let (prompts, responses, perToken, perSequence, time) = try cache.with(record, database: database) { loaded throws in
                let (prompts, responses) = Self.encode(texts, loaded.tokenizer)
                try Self.checkContext(prompts, responses, loaded.trunk.config, body)
                guard let head = loaded.head else { throw AppError(.internalServerError, code: "internal", detail: "value head missing") }
                let batch = try loaded.tokenizer.batch(prompts: prompts, responses: responses)
                let values = try head.values(trunk: loaded.trunk, batch: batch)
                return (prompts, responses, values.perToken, values.perSequence, batch.time)
            }
            let items = prompts.indices.map { i -> ValueBody in
                let start = i * time + prompts[i].count
                let tokens = perToken[start..<(start + responses[i].count)].map(Double.init)
                return ValueBody(value: Double(perSequence[i]), tokenValues: record.kind == "critic" ? tokens : nil)
            }
            return try JSONResponse.make(["items": items])
        }))
        registerHF(on: &router)
    }

    /// A model call over the model's bound (``ModelCache/Busy``) is answered 503 with `Retry-After`
    /// at once, rather than waiting for the model on a blocking-pool thread.
    static func answeringBusy(_ handler: @escaping RequestHandler) -> RequestHandler {
        { request in
            do {
                return try handler(request)
            } catch let busy as ModelCache.Busy {
                let error = AppError(.serviceUnavailable, code: "model_busy",
                                     detail: "model \(busy.modelID) already has \(busy.limit) calls running or waiting; retry shortly")
                var response = ErrorMapping.response(for: error, request: request)
                response.headers.replaceOrAdd(name: "Retry-After", value: "1")
                return response
            }
        }
    }

    /// The (prompt, response) texts of a scoring body's items.
    static func pairs(_ body: CreateBody) throws -> [(prompt: String, response: String)] {
        try body.objects.map { object in
            try object.rejectUnknown(["prompt", "response"])
            return (try object.string("prompt", required: true, allowEmpty: true) ?? "", try object.requiredString("response"))
        }
    }

    /// Prompts with BOS, responses with EOS, in the model's own tokenizer.
    static func encode(_ texts: [(prompt: String, response: String)], _ tokenizer: any Tokenizer) -> (prompts: [[Int32]], responses: [[Int32]]) {
        (texts.map { tokenizer.encode($0.prompt, bos: true, eos: false) }, texts.map { tokenizer.encode($0.response, bos: false, eos: true) })
    }

    /// What one scoring call may allocate for its padded batch: the logits of every position and one layer's
    /// attention. A GPT-2 import's 50,257-word logits make 256 items of a thousand tokens 50 GB; such a batch
    /// is 422 (send fewer or shorter items) rather than an allocation the machine cannot hold.
    static let scoringBudgetBytes = 1 << 30

    static func checkContext(_ prompts: [[Int32]], _ responses: [[Int32]], _ config: GPTConfig, _ body: CreateBody) throws {
        let context = config.context
        for index in prompts.indices where prompts[index].count + responses[index].count > context {
            throw AppError.invalidField(body.prefix(index) + "response", "prompt plus response exceeds the model's context of \(context) tokens")
        }
        let time = zip(prompts, responses).map { $0.count + $1.count }.max() ?? 0
        let bytes = prompts.count * time * (config.vocab + config.heads * time) * 4
        guard bytes <= scoringBudgetBytes else {
            throw AppError.invalidField("items", "\(prompts.count) items of up to \(time) tokens need \(bytes >> 20) MiB of logits and attention "
                                        + "with this model; at most \(scoringBudgetBytes >> 20) MiB: send fewer or shorter items")
        }
    }

    static func record(_ request: ServerRequest, _ database: Database) throws -> ModelRecord {
        let id = request.parameters["id"] ?? ""
        guard let record = try database.read({ try ModelRepository.get(id: id, on: $0) }) else {
            throw AppError(.notFound, code: "not_found", detail: "no model '\(id)'")
        }
        return record
    }

    /// Policies, reward models and critics; pairwise preference models are made by their training runs.
    static func kind(_ kind: String?) throws -> String {
        let kind = kind ?? "policy"
        guard ["policy", "reward_model", "critic"].contains(kind) else {
            throw AppError.invalidField("kind", "kind must be policy, reward_model or critic; preference models are made by training runs")
        }
        return kind
    }

    static func architecture(_ object: JSONObject) throws -> GPTConfig {
        try object.rejectUnknown(["layers", "dim", "heads", "context", "vocab"])
        guard let layers = try object.integer("layers", range: 1...48), let dim = try object.integer("dim", range: 1...2048),
            let heads = try object.integer("heads", range: 1...64)
        else { throw AppError.invalidField("architecture", "architecture needs layers, dim and heads") }
        let context = try object.integer("context", range: 2...maxContext) ?? maxContext
        if let vocab = try object.integer("vocab", range: 2...100_000), vocab != ByteTokenizer.vocabSize {
            throw AppError.invalidField("architecture.vocab", "the byte-level tokenizer has a vocabulary of \(ByteTokenizer.vocabSize)")
        }
        guard dim % heads == 0 else { throw AppError.invalidField("architecture.heads", "dim \(dim) is not divisible by heads \(heads)") }
        let config = GPTConfig(layers: layers, dim: dim, heads: heads, context: context)
        try checkLimits(config, field: "architecture")
        return config
    }

    /// The `config` an uploaded checkpoint declares in its metadata, within the service's limits. Sizes are
    /// bounded before the parameter count is taken, so absurd ones cannot overflow it.
    static func declaredArchitecture(_ header: Safetensors.Header) throws -> GPTConfig {
        guard let text = header.metadata["config"], let declared = try? JSONDecoder().decode(GPTConfig.self, from: Data(text.utf8)) else {
            throw AppError(.unprocessableContent, code: "invalid_checkpoint",
                           detail: "the file's __metadata__ needs a 'config' with layers, dim, heads, context and vocab", field: "body")
        }
        guard (1...4096).contains(declared.layers), (1...65_536).contains(declared.dim), (1...65_536).contains(declared.heads),
              (2...65_536).contains(declared.context), (2...1_000_000).contains(declared.vocab) else {
            throw AppError(.unprocessableContent, code: "model_too_large", detail: "the declared architecture is out of range", field: "body")
        }
        // A checkpoint that stores its tokenizer (as this service writes an imported model's) is checked against
        // it when loaded; without one it is a byte-tokenizer model.
        let imported = header.metadata[StoredTokenizer.jsonKey] != nil
        try checkLimits(declared, field: "body", byteVocabulary: !imported, maxContext: imported ? maxImportedContext : maxContext)
        return declared
    }

    static func checkLimits(_ config: GPTConfig, field: String, byteVocabulary: Bool = true, maxContext: Int = maxContext) throws {
        guard config.parameterCount <= maxParameters else {
            throw AppError(.unprocessableContent, code: "model_too_large",
                           detail: "\(config.parameterCount) parameters; this service takes at most \(maxParameters)", field: field)
        }
        guard config.context <= maxContext, !byteVocabulary || config.vocab == ByteTokenizer.vocabSize else {
            throw AppError(.unprocessableContent, code: "unsupported_architecture",
                           detail: "context must be at most \(maxContext)" + (byteVocabulary ? " and the vocabulary \(ByteTokenizer.vocabSize)" : ""),
                           field: field)
        }
    }

    static func json(_ config: GPTConfig) throws -> String {
        String(decoding: try JSONEncoder().encode(config), as: UTF8.self)
    }
}
