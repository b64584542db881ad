import Foundation
import HTTPClient
public import Logging
import Service
public import Storage

/// What `preflab eval` asks for.
public struct EvalRequest: Sendable {
    public var model: String
    public var baseline: String
    /// A built-in task's name, or nil with `promptsDataset`.
    public var task: String?
    public var promptsDataset: String?
    public var judge: String?
    public var samplesPerPrompt: Int?
    public var seed: Int?
    public var maxPrompts: Int?
    /// Earlier evaluations the regression check averages over.
    public var historyCount = 5
    /// How long to wait for the evaluation to finish.
    public var timeout: Duration = .seconds(3600)

    public init(model: String, baseline: String) {
        self.model = model
        self.baseline = baseline
    }

    /// The `POST /v1/evaluations` body.
    var body: [UInt8] {
        var object: [String: Any] = ["model": model, "baseline": baseline]
        if let promptsDataset {
            object["task"] = ["kind": "prompts", "dataset": promptsDataset]
        } else {
            object["task"] = ["kind": "text", "name": task ?? "arithmetic"]
        }
        if let judge { object["judge"] = judge }
        if let samplesPerPrompt { object["samples_per_prompt"] = samplesPerPrompt }
        if let seed { object["seed"] = seed }
        if let maxPrompts { object["max_prompts"] = maxPrompts }
        return Array((try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8))
    }
}

/// Why `preflab eval` could not judge the model: exit code 2.
public struct EvalError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Runs one evaluation for the CLI, against a server or embedded in this process, and gathers its history.
public enum EvalSession {
    /// Through a server's API: `POST`, then poll until it ends, reporting `progress(done, total)`.
    public static func remote(server: String, token: String?, request: EvalRequest,
                              progress: (Int, Int) -> Void) throws(EvalError) -> EvalOutcome {
        let client = HTTPClient()
        let base = server.hasSuffix("/") ? String(server.dropLast()) : server
        var headers: [(name: String, value: String)] = [("Accept", "application/json")]
        if let token { headers.append(("Authorization", "Bearer \(token)")) }
        func call(_ method: String, _ path: String, body: [UInt8] = [], extra: [(name: String, value: String)] = []) throws(EvalError) -> HTTPClientResponse {
            let contentType: [(name: String, value: String)] = body.isEmpty ? [] : [("Content-Type", "application/json")]
            do {
                return try client.execute(HTTPClientRequest(method: method, url: base + path, headers: headers + contentType + extra,
                                                            body: body, timeout: .seconds(60)),
                                          retry: RetryPolicy(maxAttempts: 3, baseDelay: .milliseconds(200), maxDelay: .seconds(2)))
            } catch {
                throw EvalError("server \(base) unreachable: \(error)")
            }
        }
        let posted = try call("POST", "/v1/evaluations", body: request.body, extra: [("Idempotency-Key", UUID().uuidString)])
        guard posted.status == 202, let location = posted.header("Location") else {
            throw EvalError("POST /v1/evaluations answered \(posted.status): \(problem(posted.body))")
        }
        let deadline = ContinuousClock.now + request.timeout
        var body: [String: Any] = [:]
        var text = ""
        while true {
            let response = try call("GET", location)
            guard response.status == 200 else { throw EvalError("GET \(location) answered \(response.status): \(problem(response.body))") }
            text = String(decoding: response.body, as: UTF8.self)
            body = (try? JSONSerialization.jsonObject(with: Data(response.body))) as? [String: Any] ?? [:]
            if let p = body["progress"] as? [String: Any] { progress(p["prompts"] as? Int ?? 0, p["total_prompts"] as? Int ?? 0) }
            if ["succeeded", "failed", "cancelled"].contains(body["status"] as? String ?? "") { break }
            guard ContinuousClock.now < deadline else { throw EvalError("the evaluation did not finish within its timeout (\(location))") }
            Thread.sleep(forTimeInterval: 0.5)
        }
        let outcome = EvalOutcome(evaluation: text, history: [])
        guard outcome.status == "succeeded" else { return outcome }
        var history: [(Date, Double)] = []
        var query = "/v1/evaluations?status=succeeded&page_size=1000"
        for (key, value) in [("model", outcome.model), ("baseline", outcome.baseline), ("task", outcome.task), ("judge", outcome.judge)] {
            query += "&\(key)=\(value.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? value)"
        }
        var token: String?
        for _ in 0..<100 {
            let page = try call("GET", query + (token.map { "&page_token=\($0)" } ?? ""))
            guard page.status == 200, let object = (try? JSONSerialization.jsonObject(with: Data(page.body))) as? [String: Any] else { break }
            for item in object["items"] as? [[String: Any]] ?? [] where item["id"] as? String != outcome.id {
                if let rate = (item["result"] as? [String: Any])?["win_rate"] as? Double,
                   let created = (item["created_at"] as? String).flatMap(RFC3339.parse) {
                    history.append((created, rate))
                }
            }
            token = object["next_page_token"] as? String
            if token == nil { break }
        }
        return EvalOutcome(evaluation: text, history: history.sorted { $0.0 > $1.0 }.prefix(request.historyCount).map(\.1))
    }

    /// In this process against a store (`--database`), with a one-thread worker pool of its own.
    public static func embedded(location: DatabaseLocation, request: EvalRequest, logger: Logger,
                                progress: (Int, Int) -> Void) throws(EvalError) -> EvalOutcome {
        let database: Database
        do { database = try Database(location: location, migrator: try Migrator.locate()) } catch {
            throw EvalError("cannot open \(location): \(error)")
        }
        defer { database.close() }
        do {
            let spec = try EvaluationSpec.decode(request.body)
            let record = try database.write { try Evaluations.submit(spec, createdBy: "preflab-eval", on: $0) }
            let executor = RunExecutor(database: database, signal: RunSignal(), threads: 1, lease: .seconds(30), logger: logger)
            executor.start()
            defer { executor.stop() }
            let deadline = ContinuousClock.now + request.timeout
            var current = record
            while !current.status.isFinal {
                guard ContinuousClock.now < deadline else { throw EvalError("the evaluation did not finish within its timeout") }
                Thread.sleep(forTimeInterval: 0.2)
                current = try database.read { try EvaluationRepository.get(id: record.id, on: $0) } ?? current
                progress(current.progressDone, current.progressTotal)
            }
            let text = String(decoding: try JSONResponse.encoder.encode(EvaluationBody(current)), as: UTF8.self)
            let filter = EvaluationFilter(model: current.modelID, baseline: current.baselineID, task: current.task,
                                          judge: current.judge, status: .succeeded)
            let earlier = try database.read { try EvaluationRepository.latest(filter, limit: request.historyCount + 1, on: $0) }
            let history = earlier.filter { $0.id != current.id }.prefix(request.historyCount).compactMap { record -> Double? in
                guard case .object(let fields)? = record.result.map(JSONValue.init(text:)), case .number(let rate)? = fields["win_rate"] else { return nil }
                return rate
            }
            return EvalOutcome(evaluation: text, history: history)
        } catch let error as EvalError {
            throw error
        } catch let error as RunSpecError {
            throw EvalError("invalid evaluation: \(error)")
        } catch let error as MissingReference {
            throw EvalError("invalid evaluation: \(error.field): no \(error.id)")
        } catch {
            throw EvalError("\(error)")
        }
    }

    static func problem(_ body: [UInt8]) -> String {
        guard let object = (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any] else {
            return String(decoding: body.prefix(200), as: UTF8.self)
        }
        let detail = object["detail"] as? String ?? object["title"] as? String ?? ""
        return (object["field"] as? String).map { "\($0): \(detail)" } ?? detail
    }
}
