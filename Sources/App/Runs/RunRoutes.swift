import Foundation
import HTTP1
import HTTPServer
import Service
import Storage

/// `/v1/runs`: start a run (202 + `Location`), list and read runs, their metrics, a live event
/// stream, and cancel. Runs are executed by the job workers (``RunExecutor``).
struct RunRoutes {
    let database: Database
    let auth: Authenticator
    let executor: RunExecutor
    let signal: RunSignal

    func register(on router: inout Router) {
        let database = database, executor = executor, signal = signal
        router.post("/v1/runs", handler: auth.require(Roles.researchers) { request, principal in
            // The reader's checks (UTF-8, duplicate keys, depth, NUL) first; then the typed decode.
            _ = try JSONObject.parse(request.body)
            let spec = try RunSpec.decode(request.body)
            try database.read { try spec.checkModels(on: $0) }
            let response = try Idempotency.create(request, principal: principal, database: database) { connection in
                let run = try RunExecutor.submit(spec, createdBy: principal.name, on: connection)
                return CreatedResponse(status: .accepted, body: Array(try JSONResponse.encoder.encode(RunBody(run))),
                                       location: "/v1/runs/\(run.id)")
            }
            executor.wake()
            return response
        })
        router.get("/v1/runs", handler: auth.require(Roles.readers) { request, _ in
            let page = try PageRequest(request)
            let status = try request.query("status").map { text in
                guard let status = RunStatus(rawValue: text) else {
                    throw AppError(.badRequest, code: "invalid_parameter",
                                   detail: "status must be one of \(RunStatus.allCases.map(\.rawValue).joined(separator: ", "))", field: "status")
                }
                return status
            }
            let algorithm = request.query("algorithm")
            let (result, waiting) = try database.read { connection in
                let page = try RunRepository.list(status: status, algorithm: algorithm, after: page.after, limit: page.size, on: connection)
                return (page, try Self.waiting(page.items, on: connection))
            }
            return try JSONResponse.make(ListBody(items: result.items.map { RunBody($0, waiting: waiting[$0.id]) },
                                                  nextPageToken: result.nextPageToken))
        })
        router.get("/v1/runs/:id", handler: auth.require(Roles.readers) { request, _ in
            let run = try Self.run(request, database)
            let waiting = try database.read { try Self.waiting([run], on: $0) }
            return try JSONResponse.make(RunBody(run, waiting: waiting[run.id]))
        })
        router.get("/v1/runs/:id/metrics", handler: auth.require(Roles.readers) { request, _ in
            let run = try Self.run(request, database)
            let page = try PageRequest(request, defaultSize: 500, maxSize: 10_000, decode: PageToken.decodeText)
            let cursor = try page.after.map { text -> (step: Int, key: String) in
                let parts = text.split(separator: "\t", maxSplits: 1)
                guard parts.count == 2, let step = Int(parts[0]) else {
                    throw AppError(.badRequest, code: "invalid_parameter", detail: "page_token is not one this server issued", field: "page_token")
                }
                return (step, String(parts[1]))
            }
            let key = request.query("key").flatMap { $0.isEmpty ? nil : $0 }
            let result = try database.read { try RunRepository.metrics(runID: run.id, key: key, after: cursor, limit: page.size, on: $0) }
            return try JSONResponse.make(ListBody(items: result.items.map(MetricBody.init),
                                                  nextPageToken: result.next.map { PageToken.encode("\($0.step)\t\($0.key)") }))
        })
        router.get("/v1/runs/:id/events", handler: auth.require(Roles.readers) { request, _ in
            let run = try Self.run(request, database)
            // A reconnecting EventSource sends the id of the last event it saw: the step to resume after.
            let after = request.headers["last-event-id"].flatMap { Int($0) } ?? -1
            var headers: HTTPHeaders = ["Content-Type": "text/event-stream; charset=utf-8"]
            headers.add(name: "Cache-Control", value: "no-cache")
            return ServerResponse(status: .ok, headers: headers, body: .stream { writer in
                var stream = RunEventStream(runID: run.id, after: after, database: database, signal: signal)
                try stream.run(writer)
            })
        })
        router.post("/v1/runs/:id/cancel", handler: auth.require(Roles.researchers) { request, _ in
            let id = request.parameters["id"] ?? ""
            let run = try database.write { connection -> RunRecord in
                guard let run = try RunRepository.get(id: id, on: connection) else {
                    throw AppError(.notFound, code: "not_found", detail: "no run \(id)")
                }
                guard !run.status.isFinal else {
                    throw AppError(.conflict, code: "run_finished", detail: "run \(id) has already \(run.status.rawValue)", field: "status")
                }
                try RunExecutor.requestCancel(runID: id, on: connection)
                return try RunRepository.get(id: id, on: connection) ?? run
            }
            executor.cancelLocally(runID: id)
            signal.notify()
            return try JSONResponse.make(RunBody(run), status: .accepted)
        })
    }

    /// The `waiting` objects of the waiting runs among `runs`, by id.
    static func waiting(_ runs: [RunRecord], on connection: any SQLConnection) throws -> [String: JSONValue] {
        var out: [String: JSONValue] = [:]
        for run in runs where run.status == .waiting { out[run.id] = try HumanJudgeStatus.waiting(runID: run.id, on: connection) }
        return out
    }

    static func run(_ request: ServerRequest, _ database: Database) throws -> RunRecord {
        let id = request.parameters["id"] ?? ""
        guard let run = try database.read({ try RunRepository.get(id: id, on: $0) }) else {
            throw AppError(.notFound, code: "not_found", detail: "no run \(id)")
        }
        return run
    }
}
