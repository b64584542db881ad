public import Foundation
public import Storage

/// A run's end, and the webhook event announcing it, in one transaction.
public enum RunEvents {
    /// Ends the run (see ``RunRepository/finish``) and queues `run.succeeded` / `run.failed` deliveries
    /// when it did end now. Returns whether it ended now.
    @discardableResult
    public static func finish(id: String, status: RunStatus, error: String? = nil, result: String? = nil,
                              outputModelID: String? = nil, now: Date = Date(), on connection: any SQLConnection) throws -> Bool {
        guard try RunRepository.finish(id: id, status: status, error: error, result: result, outputModelID: outputModelID,
                                       now: now, on: connection) else { return false }
        let event: WebhookEvent? = switch status {
        case .succeeded: .runSucceeded
        case .failed: .runFailed
        default: nil
        }
        if let event, let run = try RunRepository.get(id: id, on: connection) {
            try Webhooks.emit(event, data: summary(run), now: now, on: connection)
        }
        return true
    }

    /// What a receiver gets of a run: enough to act on, with the URL to fetch the rest.
    static func summary(_ run: RunRecord) -> JSONValue {
        var fields: [String: JSONValue] = [
            "id": .string(run.id),
            "algorithm": .string(run.algorithm),
            "status": .string(run.status.rawValue),
            "created_by": .string(run.createdBy),
            "url": .string("/v1/runs/\(run.id)"),
        ]
        if let name = run.name { fields["name"] = .string(name) }
        if let error = run.error { fields["error"] = .string(error) }
        if let model = run.outputModelID { fields["output_model_id"] = .string(model) }
        if let finished = run.finishedAt { fields["finished_at"] = .string(ISO8601Time.string(finished)) }
        return .object(fields)
    }
}
