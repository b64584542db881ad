import Foundation
import HTTP1
import HTTPServer
import Service
import Storage

/// `/v1/evaluations`: a model against a baseline under a judge, as a durable job (202 + `Location`);
/// listing with filters (a model's history is a CI job's regression baseline), per-prompt rows as JSONL,
/// and cancel. Roles: `admin`, `researcher`, `ci`.
struct EvaluationRoutes {
    let database: Database
    let auth: Authenticator
    let executor: RunExecutor

    func register(on router: inout Router) {
        let database = database, executor = executor
        router.post("/v1/evaluations", handler: auth.require(Roles.readers) { request, principal in
            _ = try JSONObject.parse(request.body)
            let spec = try EvaluationSpec.decode(request.body)
            let response = try Idempotency.create(request, principal: principal, database: database) { connection in
                let record = try Evaluations.submit(spec, createdBy: principal.name, on: connection)
                return CreatedResponse(status: .accepted, body: Array(try JSONResponse.encoder.encode(EvaluationBody(record))),
                                       location: "/v1/evaluations/\(record.id)")
            }
            executor.wake()
            return response
        })
        router.get("/v1/evaluations", handler: auth.require(Roles.readers) { request, _ in
            let page = try PageRequest(request)
            let filter = try Self.filter(request)
            let result = try database.read { try EvaluationRepository.list(filter, after: page.after, limit: page.size, on: $0) }
            return try JSONResponse.make(ListBody(items: result.items.map(EvaluationBody.init), nextPageToken: result.nextPageToken))
        })
        router.get("/v1/evaluations/:id", handler: auth.require(Roles.readers) { request, _ in
            try JSONResponse.make(EvaluationBody(try Self.evaluation(request, database)))
        })
        router.get("/v1/evaluations/:id/rows", handler: auth.require(Roles.readers) { request, _ in
            let evaluation = try Self.evaluation(request, database)
            // Streamed from a cursor as the exports are: one 64 KiB buffer in memory, whatever the evaluation's size.
            return ServerResponse(status: .ok, headers: ["Content-Type": "application/jsonl"], body: .stream { writer in
                var buffer: [UInt8] = []
                try database.readWhileStreaming { connection in
                    try EvaluationRepository.forEachRow(evaluationID: evaluation.id, on: connection) { row in
                        buffer += Array(row.utf8)
                        buffer.append(10)
                        if buffer.count >= 64 * 1024 {
                            try writer.write(buffer)
                            buffer.removeAll(keepingCapacity: true)
                        }
                    }
                }
                try writer.write(buffer)
            })
        })
        router.post("/v1/evaluations/:id/cancel", handler: auth.require(Roles.readers) { request, _ in
            let id = request.parameters["id"] ?? ""
            let record = try database.write { connection -> EvaluationRecord in
                guard let record = try EvaluationRepository.get(id: id, on: connection) else { throw Self.notFound(id) }
                guard !record.status.isFinal else {
                    throw AppError(.conflict, code: "evaluation_finished", detail: "evaluation \(id) has already \(record.status.rawValue)", field: "status")
                }
                try Evaluations.requestCancel(id: id, on: connection)
                return try EvaluationRepository.get(id: id, on: connection) ?? record
            }
            executor.cancelLocally(runID: id)
            return try JSONResponse.make(EvaluationBody(record), status: .accepted)
        })
    }

    static func filter(_ request: ServerRequest) throws -> EvaluationFilter {
        func time(_ name: String) throws -> Date? {
            try request.query(name).map { text in
                guard let date = RFC3339.parse(text) else {
                    throw AppError(.badRequest, code: "invalid_parameter", detail: "\(name) must be an RFC 3339 time", field: name)
                }
                return date
            }
        }
        let status = try request.query("status").map { text in
            guard let status = RunStatus(rawValue: text) else {
                throw AppError(.badRequest, code: "invalid_parameter",
                               detail: "status must be one of \(RunStatus.allCases.map(\.rawValue).joined(separator: ", "))", field: "status")
            }
            return status
        }
        return EvaluationFilter(model: request.query("model"), baseline: request.query("baseline"), task: request.query("task"),
                                judge: request.query("judge"), status: status, since: try time("since"), until: try time("until"))
    }

    static func evaluation(_ request: ServerRequest, _ database: Database) throws -> EvaluationRecord {
        let id = request.parameters["id"] ?? ""
        guard let record = try database.read({ try EvaluationRepository.get(id: id, on: $0) }) else { throw notFound(id) }
        return record
    }

    static func notFound(_ id: String) -> AppError {
        AppError(.notFound, code: "not_found", detail: "no evaluation \(id)")
    }
}
