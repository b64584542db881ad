import Foundation
import HTTP1
import HTTPServer
import Storage

/// `/v1/comparisons` and the annotation queue `GET /v1/queue/next`.
struct ComparisonRoutes {
    let database: Database
    let auth: Authenticator

    func register(on router: inout Router) {
        let database = database
        router.post("/v1/comparisons", handler: auth.require(Roles.researchers) { request, principal in
            let body = try CreateBody.parse(request.body)
            let items = try body.objects.map(Self.newComparison)
            let single = body.isSingle
            let prefix: @Sendable (Int) -> String = { single ? "" : "items[\($0)]." }
            return try Idempotency.create(request, principal: principal, database: database) { connection in
                let created = try AppError.naming({ prefix($1 ?? 0) + "prompt_id" }) { try ComparisonRepository.insert(items, on: connection) }
                return try CreatedResponse.records(created, single: single) { "/v1/comparisons/\($0.id)" }
            }
        })
        router.get("/v1/comparisons", handler: auth.require(Roles.readers) { request, _ in
            let page = try PageRequest(request)
            let dataset = request.query("dataset")
            let result = try database.read { try ComparisonRepository.list(dataset: dataset, after: page.after, limit: page.size, on: $0) }
            return try JSONResponse.make(ListBody(items: result.items, nextPageToken: result.nextPageToken))
        })
        router.get("/v1/comparisons/:id", handler: auth.require(Roles.readers) { request, _ in
            let id = request.parameters["id"] ?? ""
            guard let comparison = try database.read({ try ComparisonRepository.get(id: id, on: $0) }) else {
                throw AppError(.notFound, code: "not_found", detail: "no comparison '\(id)'")
            }
            return try JSONResponse.make(comparison)
        })
        // Leases the next open comparison to the calling annotator; 204 when none is left.
        router.get("/v1/queue/next", handler: auth.require(Roles.annotators) { request, principal in
            var leaseSeconds = 600
            if let text = request.query("lease_seconds") {
                guard let value = Int(text), (1...86_400).contains(value) else {
                    throw AppError(.badRequest, code: "invalid_parameter", detail: "lease_seconds must be from 1 to 86400", field: "lease_seconds")
                }
                leaseSeconds = value
            }
            let dataset = request.query("dataset")
            let annotator = principal.name
            let seconds = leaseSeconds
            guard let lease = try database.write({ try QueueRepository.next(annotator: annotator, dataset: dataset, leaseSeconds: seconds, on: $0) })
            else { return ServerResponse(status: .noContent) }
            return try JSONResponse.make(QueueItem(lease))
        })
    }

    static func newComparison(_ object: JSONObject) throws -> NewComparison {
        try object.rejectUnknown(["prompt_id", "prompt", "response_a", "response_b", "model_a", "model_b", "dataset", "judgements_required"])
        let promptID = try object.string("prompt_id", maxLength: 64)
        // A prompt may be a conversation: its messages are kept for the annotation page, their rendering is the text.
        let messages = try Self.messages(object, "prompt")
        let prompt = try messages.map(ConversationRendering.prompt) ?? object.string("prompt")
        guard (promptID == nil) != (prompt == nil) else {
            throw AppError.invalidField(object.name("prompt_id"), "give exactly one of prompt_id and prompt")
        }
        return NewComparison(
            promptID: promptID, promptText: prompt, responseA: try object.requiredString("response_a"),
            responseB: try object.requiredString("response_b"), modelA: try object.string("model_a", maxLength: 200),
            modelB: try object.string("model_b", maxLength: 200), dataset: try object.string("dataset", maxLength: 200),
            judgementsRequired: try object.integer("judgements_required", range: 1...100) ?? 1, promptMessages: messages)
    }

    /// `key` as a list of `{"role", "content"}` messages, or nil when it is not a list.
    static func messages(_ object: JSONObject, _ key: String) throws -> [ChatMessage]? {
        guard case .array(let elements)? = object.present(key) else { return nil }
        guard !elements.isEmpty, elements.count <= 1_000 else {
            throw AppError.invalidField(object.name(key), "\(object.name(key)) must be a string or a list of 1 to 1000 messages")
        }
        return try elements.enumerated().map { index, element in
            let message = try JSONObject.object(element, path: "\(object.name(key))[\(index)]")
            try message.rejectUnknown(["role", "content"])
            return ChatMessage(role: try message.requiredString("role", maxLength: 64),
                               content: try message.string("content", required: true, allowEmpty: true) ?? "")
        }
    }
}
