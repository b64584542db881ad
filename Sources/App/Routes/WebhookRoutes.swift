import Foundation
import HTTPClient
import HTTPServer
import Service
import Storage

/// `/v1/webhooks` (admin): register receivers of run and dataset events, list them, delete them, and see
/// each delivery with its attempts. Deliveries are signed per Standard Webhooks with the endpoint's
/// secret, which is returned once, by the `POST` that creates it.
struct WebhookRoutes {
    let database: Database
    let auth: Authenticator

    struct WebhookBody: Encodable, Sendable {
        var id: String
        var url: String
        var events: [String]
        var description: String?
        var createdBy: String
        var createdAt: Date
        /// Only in the response that creates the webhook.
        var secret: String?

        init(_ record: WebhookRecord, showSecret: Bool = false) {
            id = record.id
            url = record.url
            events = record.events.map(\.rawValue)
            description = record.description
            createdBy = record.createdBy
            createdAt = record.createdAt
            secret = showSecret ? record.secret : nil
        }
    }

    func register(on router: inout Router) {
        let database = database
        let admins: Set<Role> = [.admin]
        router.post("/v1/webhooks", handler: auth.require(admins) { request, principal in
            let body = try JSONObject.object(try JSONObject.parse(request.body), path: "")
            let webhook = try Self.newWebhook(body, createdBy: principal.name)
            return try Idempotency.create(request, principal: principal, database: database) { connection in
                try WebhookRepository.insert(webhook, on: connection)
                let bytes = Array(try JSONResponse.encoder.encode(WebhookBody(webhook, showSecret: true)))
                return CreatedResponse(status: .created, body: bytes, location: "/v1/webhooks/\(webhook.id)")
            }
        })
        router.get("/v1/webhooks", handler: auth.require(admins) { request, _ in
            let page = try PageRequest(request)
            let result = try database.read { try WebhookRepository.list(after: page.after, limit: page.size, on: $0) }
            return try JSONResponse.make(ListBody(items: result.items.map { WebhookBody($0) }, nextPageToken: result.nextPageToken))
        })
        router.get("/v1/webhooks/:id", handler: auth.require(admins) { request, _ in
            try JSONResponse.make(WebhookBody(try Self.webhook(request, database)))
        })
        router.delete("/v1/webhooks/:id", handler: auth.require(admins) { request, _ in
            let id = request.parameters["id"] ?? ""
            guard try database.write({ try WebhookRepository.delete(id: id, on: $0) }) else { throw Self.notFound(id) }
            return ServerResponse(status: .noContent)
        })
        router.get("/v1/webhooks/:id/deliveries", handler: auth.require(admins) { request, _ in
            let webhook = try Self.webhook(request, database)
            let page = try PageRequest(request)
            let result = try database.read {
                try WebhookRepository.deliveries(webhookID: webhook.id, before: page.after, limit: page.size, on: $0)
            }
            return try JSONResponse.make(ListBody(items: result.items, nextPageToken: result.nextPageToken))
        })
    }

    static func newWebhook(_ body: JSONObject, createdBy: String) throws -> WebhookRecord {
        try body.rejectUnknown(["url", "events", "description"])
        let url = try body.requiredString("url", maxLength: 2000)
        guard HTTPClientRequest.isAcceptableURL(url) else {
            throw AppError.invalidField("url", "url must be an absolute http:// or https:// URL without spaces, control characters or brackets in the host")
        }
        let names = try body.stringArray("events", maxCount: WebhookEvent.allCases.count, maxLength: 100)
        guard !names.isEmpty else { throw AppError.invalidField("events", "events must name at least one event") }
        var events: [WebhookEvent] = []
        for (index, name) in names.enumerated() {
            guard let event = WebhookEvent(rawValue: name) else {
                let known = WebhookEvent.allCases.map(\.rawValue).joined(separator: ", ")
                throw AppError.invalidField("events[\(index)]", "unknown event '\(name)'; expected one of \(known)")
            }
            if !events.contains(event) { events.append(event) }
        }
        return WebhookRecord(id: Identifier.make("whk"), url: url, events: events, secret: WebhookSignature.newSecret(),
                             description: try body.string("description", maxLength: 500), createdBy: createdBy, createdAt: Date())
    }

    static func webhook(_ request: ServerRequest, _ database: Database) throws -> WebhookRecord {
        let id = request.parameters["id"] ?? ""
        guard let webhook = try database.read({ try WebhookRepository.get(id: id, on: $0) }) else { throw notFound(id) }
        return webhook
    }

    static func notFound(_ id: String) -> AppError {
        AppError(.notFound, code: "not_found", detail: "no webhook '\(id)'")
    }
}
