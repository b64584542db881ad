import Foundation
import Storage

/// A run as the API shows it: the stored request, status, progress and outcome.
struct RunBody: Encodable, Sendable {
    struct Progress: Encodable, Sendable {
        var step: Int
        var totalSteps: Int
        var fraction: Double
    }

    var id: String
    var name: String?
    var algorithm: String
    var status: String
    var modelId: String?
    var referenceId: String?
    var task: JSONValue?
    var dataset: JSONValue?
    var judge: JSONValue?
    var judgeOptions: JSONValue?
    var hyperparameters: JSONValue?
    var seed: JSONValue?
    /// `checkpoints.keep_last`, when the run was given it.
    var checkpoints: JSONValue?
    var warnings: [String]
    var progress: Progress
    /// While `waiting`: the batch of pairs people are judging (``HumanJudgeStatus``).
    var waiting: JSONValue?
    var attempts: Int
    var error: String?
    var result: JSONValue?
    var outputModelId: String?
    var createdBy: String
    var createdAt: Date
    var startedAt: Date?
    var finishedAt: Date?
    var updatedAt: Date

    init(_ run: RunRecord, waiting: JSONValue? = nil) {
        self.waiting = run.status == .waiting ? waiting : nil
        let spec = JSONValue(text: run.spec)
        id = run.id
        name = run.name
        algorithm = run.algorithm
        status = run.status.rawValue
        modelId = run.modelID
        referenceId = run.referenceID
        task = spec["task"]
        dataset = spec["dataset"]
        judge = spec["judge"]
        judgeOptions = spec["judge_options"]
        hyperparameters = spec["hyperparameters"] ?? .object([:])
        seed = spec["seed"]
        checkpoints = spec["checkpoints"]
        warnings = run.warnings
        let step = run.status == .succeeded ? run.totalSteps : min(run.currentStep, run.totalSteps)
        progress = Progress(step: step, totalSteps: run.totalSteps,
                            fraction: run.totalSteps > 0 ? Double(step) / Double(run.totalSteps) : (run.status == .succeeded ? 1 : 0))
        attempts = run.attempts
        error = run.error
        result = run.result.map(JSONValue.init(text:))
        outputModelId = run.outputModelID
        createdBy = run.createdBy
        createdAt = run.createdAt
        startedAt = run.startedAt
        finishedAt = run.finishedAt
        updatedAt = run.updatedAt
    }
}
