import Foundation
import Storage

/// An evaluation as the API shows it: the resolved request, status, progress and summary.
struct EvaluationBody: Encodable, Sendable {
    struct Progress: Encodable, Sendable {
        var prompts: Int
        var totalPrompts: Int
        var fraction: Double
    }

    var id: String
    var model: String
    var baseline: String
    var task: String
    var judge: String
    var spec: JSONValue
    var status: String
    var progress: Progress
    var error: String?
    var result: JSONValue?
    var createdBy: String
    var createdAt: Date
    var startedAt: Date?
    var finishedAt: Date?
    var updatedAt: Date

    init(_ record: EvaluationRecord) {
        id = record.id
        model = record.modelID
        baseline = record.baselineID
        task = record.task
        judge = record.judge
        spec = JSONValue(text: record.spec)
        status = record.status.rawValue
        progress = Progress(prompts: record.progressDone, totalPrompts: record.progressTotal,
                            fraction: record.progressTotal > 0 ? Double(record.progressDone) / Double(record.progressTotal) : 0)
        error = record.error
        result = record.result.map(JSONValue.init(text:))
        createdBy = record.createdBy
        createdAt = record.createdAt
        startedAt = record.startedAt
        finishedAt = record.finishedAt
        updatedAt = record.updatedAt
    }
}
