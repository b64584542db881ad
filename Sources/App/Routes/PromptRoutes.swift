import Foundation
import HTTP1
import HTTPServer
import Storage

/// `/v1/prompts`: create one or a batch, list, get, and JSONL import.
struct PromptRoutes {
    let database: Database
    let auth: Authenticator

    func register(on router: inout Router) {
        let database = database
        router.post("/v1/prompts", handler: auth.require(Roles.researchers) { request, principal in
            let body = try CreateBody.parse(request.body)
            let items = try body.objects.map(Self.newPrompt)
            let single = body.isSingle
            return try Idempotency.create(request, principal: principal, database: database) { connection in
                let prompts = try PromptRepository.insert(items, on: connection)
                return try CreatedResponse.records(prompts, single: single) { "/v1/prompts/\($0.id)" }
            }
        })
        router.get("/v1/prompts", handler: auth.require(Roles.everyone) { request, _ in
            let page = try PageRequest(request)
            let dataset = request.query("dataset")
            let result = try database.read { try PromptRepository.list(dataset: dataset, after: page.after, limit: page.size, on: $0) }
            return try JSONResponse.make(ListBody(items: result.items, nextPageToken: result.nextPageToken))
        })
        router.get("/v1/prompts/:id", handler: auth.require(Roles.everyone) { request, _ in
            let id = request.parameters["id"] ?? ""
            guard let prompt = try database.read({ try PromptRepository.get(id: id, on: $0) }) else {
                throw AppError(.notFound, code: "not_found", detail: "no prompt '\(id)'")
            }
            return try JSONResponse.make(prompt)
        })
        // JSONL, one {"text": ..., "dataset"?: ..., "tags"?: [...]} per line ("prompt" is accepted for "text").
        router.post("/v1/prompts/import", handler: auth.require(Roles.researchers) { request, principal in
            let items = try Self.parseJSONL(request.body, defaultDataset: try datasetParameter(request))
            return try Idempotency.create(request, principal: principal, database: database) { connection in
                let prompts = try PromptRepository.insert(items, on: connection)
                let summary = ImportSummary(imported: prompts.count, ids: prompts.map(\.id))
                return CreatedResponse(status: .created, body: Array(try JSONResponse.encoder.encode(summary)))
            }
        })
    }

    static func newPrompt(_ object: JSONObject) throws -> NewPrompt {
        try object.rejectUnknown(["text", "dataset", "tags"])
        return NewPrompt(text: try object.requiredString("text"), dataset: try object.string("dataset", maxLength: 200),
                         tags: try object.stringArray("tags"))
    }

    /// Every line is checked; any error fails the whole import, listing each bad line.
    static func parseJSONL(_ body: [UInt8], defaultDataset: String?, maxLines: Int = 100_000) throws -> [NewPrompt] {
        var items: [NewPrompt] = []
        var errors: [FieldError] = []
        var unreadable: String?
        for (offset, line) in body.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).enumerated() {
            let number = offset + 1
            if line.allSatisfy({ $0 == 32 || $0 == 9 || $0 == 13 }) { continue }
            guard items.count + errors.count < maxLines else {
                errors.append(FieldError(line: number, field: "", message: "more than \(maxLines) lines"))
                break
            }
            do {
                var object = try JSONObject.object(try JSONObject.parse(Array(line)), path: "")
                if object.fields["text"] == nil, let prompt = object.fields["prompt"] {
                    var fields = object.fields
                    fields["text"] = prompt
                    fields["prompt"] = nil
                    object = JSONObject(fields: fields, path: "")
                }
                var item = try newPrompt(object)
                item.dataset = item.dataset ?? defaultDataset
                items.append(item)
            } catch let error as AppError {
                errors.append(FieldError(line: number, field: error.field ?? "", message: error.detail))
                if ["duplicate_key", "nesting_too_deep"].contains(error.code) { unreadable = unreadable ?? error.code }
            }
        }
        if !errors.isEmpty { throw AppError.invalidImport(errors, truncated: false, unreadable: unreadable) }
        guard !items.isEmpty else { throw AppError(.unprocessableContent, code: "invalid_import", detail: "the file holds no lines", field: "") }
        return items
    }
}
