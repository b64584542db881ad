import Foundation
import HTTP1
import HTTPServer
import Storage
import StrictJSON

/// Deleting data, and the audit log that records it: `DELETE` of a dataset (with `?confirm=<its name>`),
/// a finished run, or a model nothing refers to; `GET /v1/audit`. Each deletion and its audit entry are one
/// transaction, so a 2xx means both are committed and a failure leaves neither.
///
/// Who may: admins delete anything; a researcher may delete the runs it created (runs record their
/// creator's token name; datasets and models record no owner, so only admins delete those).
struct LifecycleRoutes {
    let database: Database
    let auth: Authenticator

    struct DeletedBody: Encodable, Sendable {
        var id: String
        /// Rows removed, by table.
        var deleted: [String: Int]
        var auditId: String
    }

    struct CheckpointBody: Encodable, Sendable {
        var step: Int
        var bytes: Int
        var createdAt: Date

        init(_ checkpoint: RunCheckpoint) {
            step = checkpoint.step
            bytes = checkpoint.bytes
            createdAt = checkpoint.createdAt
        }
    }

    struct AuditBody: Encodable, Sendable {
        var id: String
        var at: Date
        var actor: String
        var actorToken: String?
        var action: String
        var target: String
        var detail: JSONValue

        init(_ entry: AuditEntry) {
            id = entry.id
            at = entry.at
            actor = entry.actor
            actorToken = entry.actorToken
            action = entry.action
            target = entry.target
            detail = (try? JSONReader.read(Array(entry.detail.utf8))) ?? .object([:])
        }
    }

    func register(on router: inout Router) {
        let database = database
        let admins: Set<Role> = [.admin]
        router.delete("/v1/datasets/:name", handler: auth.require(admins) { request, principal in
            let name = request.parameters["name"] ?? ""
            // A typo must not delete data: the caller repeats the name it means.
            guard let confirm = request.query("confirm"), confirm == name else {
                throw AppError(.badRequest, code: "confirmation_required",
                               detail: "deleting dataset '\(name)' removes its comparisons and judgements; repeat its name as ?confirm=<name>",
                               field: "confirm")
            }
            let body = try database.write { connection -> DeletedBody in
                let counts: DeletionRepository.Counts
                switch try DeletionRepository.deleteDataset(name, on: connection) {
                case .notFound:
                    throw AppError(.notFound, code: "not_found", detail: "no dataset '\(name)'")
                case .inUse(let runs):
                    throw AppError(.conflict, code: "dataset_in_use",
                                   detail: "dataset '\(name)' is used by runs not yet finished: \(runs.joined(separator: ", ")); cancel them or let them end first",
                                   field: "name")
                case .deleted(let deleted):
                    counts = deleted
                }
                let entry = try Self.audit(principal, "dataset.delete", name, counts, on: connection)
                return DeletedBody(id: name, deleted: counts, auditId: entry.id)
            }
            return try JSONResponse.make(body)
        })
        router.delete("/v1/runs/:id", handler: auth.require(Roles.researchers) { request, principal in
            let id = request.parameters["id"] ?? ""
            let body = try database.write { connection -> DeletedBody in
                if principal.role != .admin, let run = try RunRepository.get(id: id, on: connection), run.createdBy != principal.name {
                    throw AppError(.forbidden, code: "forbidden", detail: "researchers may delete only the runs they created; \(id) was created by \(run.createdBy)")
                }
                switch try DeletionRepository.deleteRun(id: id, on: connection) {
                case .notFound:
                    throw AppError(.notFound, code: "not_found", detail: "no run \(id)")
                case .active(let status):
                    throw AppError(.conflict, code: "run_active", detail: "run \(id) is \(status.rawValue); cancel it first (POST /v1/runs/\(id)/cancel)",
                                   field: "status")
                case .deleted(let counts):
                    let entry = try Self.audit(principal, "run.delete", id, counts, on: connection)
                    return DeletedBody(id: id, deleted: counts, auditId: entry.id)
                }
            }
            return try JSONResponse.make(body)
        })
        router.delete("/v1/models/:id", handler: auth.require(admins) { request, principal in
            let id = request.parameters["id"] ?? ""
            let body = try database.write { connection -> DeletedBody in
                switch try DeletionRepository.deleteModel(id: id, on: connection) {
                case .notFound:
                    throw AppError(.notFound, code: "not_found", detail: "no model \(id)")
                case .referenced(let runs, let evaluations, let models):
                    let named = [("runs", runs), ("evaluations", evaluations), ("models", models)].filter { !$0.1.isEmpty }
                        .map { "\($0.0) \($0.1.joined(separator: ", "))" }.joined(separator: "; ")
                    throw AppError(.conflict, code: "model_in_use", detail: "model \(id) is referred to by \(named); delete those first", field: "id")
                case .deleted(let counts):
                    let entry = try Self.audit(principal, "model.delete", id, counts, on: connection)
                    return DeletedBody(id: id, deleted: counts, auditId: entry.id)
                }
            }
            return try JSONResponse.make(body)
        })
        router.get("/v1/runs/:id/checkpoints", handler: auth.require(Roles.readers) { request, _ in
            let run = try RunRoutes.run(request, database)
            let items = try database.read { try RunRepository.checkpoints(runID: run.id, on: $0) }
            return try JSONResponse.make(ListBody(items: items.map(CheckpointBody.init), nextPageToken: nil))
        })
        router.get("/v1/audit", handler: auth.require(admins) { request, _ in
            let page = try PageRequest(request)
            let action = request.query("action")
            if let action, !AuditRepository.actions.contains(action) {
                throw AppError(.badRequest, code: "invalid_parameter",
                               detail: "action must be one of \(AuditRepository.actions.joined(separator: ", "))", field: "action")
            }
            let since = try Self.time(request, "since"), until = try Self.time(request, "until")
            let result = try database.read {
                try AuditRepository.list(action: action, since: since, until: until, after: page.after, limit: page.size, on: $0)
            }
            return try JSONResponse.make(ListBody(items: result.items.map(AuditBody.init), nextPageToken: result.nextPageToken))
        })
    }

    static func audit(_ principal: Principal, _ action: String, _ target: String, _ counts: [String: Int],
                      on connection: any SQLConnection) throws -> AuditEntry {
        try AuditRepository.record(actor: principal.name, actorToken: principal.tokenID, action: action, target: target,
                                   detail: ["deleted": .object(counts.mapValues { .number(Double($0)) })], on: connection)
    }

    static func time(_ request: ServerRequest, _ name: String) throws -> Date? {
        guard let text = request.query(name) else { return nil }
        guard let date = RFC3339.parse(text) else {
            throw AppError(.badRequest, code: "invalid_parameter", detail: "\(name) must be an ISO 8601 time such as 2026-01-31T12:00:00Z", field: name)
        }
        return date
    }
}
