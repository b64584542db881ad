import HTTP1
import HTTPServer
import Policy
import Service
import Storage
import Synchronization

/// Hugging Face interop: a `GPT2LMHeadModel` `save_pretrained` folder (as a tar) in and out, and the model's
/// tokenizer over HTTP.
extension ModelRoutes {
    /// 768 MiB: GPT-2 small's float32 folder is about 500 MB.
    static let maxUploadBytes = 768 * 1024 * 1024
    /// Exports being built: each holds several copies of its model (GPT-2 small: about 3 GB), so at most
    /// `exportLimit` run at once and more are 503 `model_busy` with `Retry-After`.
    static let exportsRunning = Mutex(0)
    static let exportLimit = 2

    func registerHF(on router: inout Router) {
        let database = database, cache = cache
        router.get("/v1/models/:id/export", handler: Self.answeringBusy(auth.require(Roles.everyone) { request, _ in
            guard request.query("format") == "hf" else {
                throw AppError(.badRequest, code: "invalid_parameter", detail: "format must be hf (the weights alone: GET /v1/models/{id}/weights)", field: "format")
            }
            let record = try Self.record(request, database)
            let admitted = Self.exportsRunning.withLock { running -> Bool in
                guard running < Self.exportLimit else { return false }
                running += 1
                return true
            }
            guard admitted else { throw ModelCache.Busy(modelID: record.id, limit: Self.exportLimit) }
            defer { Self.exportsRunning.withLock { $0 -= 1 } }
            guard record.kind == "policy" else {
                throw AppError(.unprocessableContent, code: "unsupported_export", detail: "\(record.id) is a \(record.kind); only policies export as GPT2LMHeadModel", field: "kind")
            }
            guard let bytes = try database.read({ try ModelRepository.checkpoint(sha256: record.checkpointSHA256, on: $0) }) else {
                throw AppError(.notFound, code: "not_found", detail: "the checkpoint of \(record.id) is missing")
            }
            let file = try Safetensors(bytes: bytes)
            let model = try GPT.load(file).model
            let archive: [UInt8]
            if let stored = try StoredTokenizer.bpe(file.metadata) {
                archive = HFModelFolder.archive(model: model, tokenizer: stored.tokenizer, tokenizerJSON: stored.json)
            } else if let bytesTokenizer = BPETokenizer.byteLevel() {
                archive = HFModelFolder.archive(model: model, tokenizer: bytesTokenizer)
            } else {
                throw AppError(.internalServerError, code: "internal", detail: "the byte-level tokenizer could not be built")
            }
            var response = ServerResponse(contentType: "application/x-tar", body: archive)
            response.headers.add(name: "ETag", value: "\"\(record.checkpointSHA256)-hf\"")
            response.headers.add(name: "Content-Disposition", value: "attachment; filename=\"\(record.id).tar\"")
            return response
        }))
        // Text → ids → text with the model's own tokenizer, as its scoring and sampling routes see the text.
        router.post("/v1/models/:id/tokenize", handler: Self.answeringBusy(auth.require(Roles.everyone) { request, _ in
            let record = try Self.record(request, database)
            let object = try JSONObject.object(try JSONObject.parse(request.body), path: "")
            try object.rejectUnknown(["texts"])
            let texts = try object.stringArray("texts", maxCount: 256, maxLength: 65_536)
            guard !texts.isEmpty else { throw AppError.invalidField("texts", "texts must hold 1 to 256 strings") }
            let items = try cache.with(record, database: database) { loaded in
                texts.map { text -> TokenizeBody in
                    let ids = loaded.tokenizer.encode(text, bos: false, eos: false)
                    return TokenizeBody(tokens: ids.map(Int.init), text: loaded.tokenizer.decode(ids))
                }
            }
            return try JSONResponse.make(["items": items])
        }))
    }

    /// `POST /v1/models/upload?format=hf`: the folder is checked (archive, config, tokenizer) and the architecture
    /// bounded before the weights are converted; the stored checkpoint keeps the tokenizer in its metadata.
    static func uploadHF(_ request: ServerRequest, principal: Principal, name: String, kind: String, database: Database) throws -> ServerResponse {
        guard kind == "policy" else { throw AppError.invalidField("kind", "a GPT2LMHeadModel imports as a policy") }
        let model: GPT, folder: HFModelFolder
        do {
            folder = try HFModelFolder(archive: request.body)
            try checkLimits(folder.config, field: "config.json", byteVocabulary: false, maxContext: maxImportedContext)
            model = try folder.model()
        } catch let error as HFImportError {
            throw AppError(.unprocessableContent, code: error.code, detail: error.message, field: error.field)
        }
        var file = model.checkpoint(metadata: StoredTokenizer.metadata(folder.tokenizer, json: folder.tokenizerJSON))
        file.metadata["kind"] = kind
        let checkpoint = file.encoded()
        let architecture = try json(model.config)
        let parameterCount = model.parameterCount
        return try Idempotency.create(request, principal: principal, database: database) { connection in
            let record = try ModelRepository.insert(
                name: name, kind: kind, architecture: architecture, parameterCount: parameterCount, parentID: nil,
                runID: nil, seed: nil, source: "uploaded", checkpoint: checkpoint, on: connection)
            return try CreatedResponse.records([ModelBody(record)], single: true) { "/v1/models/\($0.id)" }
        }
    }
}

/// One text of `/tokenize`: its ids (no BOS or EOS) and their decoding.
struct TokenizeBody: Encodable, Sendable {
    let tokens: [Int]
    let text: String
}
