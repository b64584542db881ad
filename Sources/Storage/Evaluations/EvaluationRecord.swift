public import Foundation

/// A stored evaluation: the validated request (immutable), its status and progress, and its summary.
/// Statuses are a run's: queued → running → succeeded / failed / cancelled.
public struct EvaluationRecord: Sendable, Equatable {
    public var id: String
    public var modelID: String
    public var baselineID: String
    /// `arithmetic`, `styles` (a built-in task) or `prompts:<dataset>`.
    public var task: String
    public var judge: String
    /// The validated request as JSON.
    public var spec: String
    public var status: RunStatus
    public var error: String?
    /// The summary as JSON, once succeeded.
    public var result: String?
    public var progressDone: Int
    public var progressTotal: Int
    public var createdBy: String
    public var createdAt: Date
    public var startedAt: Date?
    public var finishedAt: Date?
    public var updatedAt: Date

    public init(id: String, modelID: String, baselineID: String, task: String, judge: String, spec: String,
                createdBy: String, createdAt: Date) {
        self.id = id
        self.modelID = modelID
        self.baselineID = baselineID
        self.task = task
        self.judge = judge
        self.spec = spec
        status = .queued
        progressDone = 0
        progressTotal = 0
        self.createdBy = createdBy
        self.createdAt = createdAt
        updatedAt = createdAt
    }
}

/// Which evaluations a listing returns.
public struct EvaluationFilter: Sendable, Equatable {
    public var model: String?
    public var baseline: String?
    public var task: String?
    public var judge: String?
    public var status: RunStatus?
    public var since: Date?
    public var until: Date?

    public init(model: String? = nil, baseline: String? = nil, task: String? = nil, judge: String? = nil,
                status: RunStatus? = nil, since: Date? = nil, until: Date? = nil) {
        self.model = model
        self.baseline = baseline
        self.task = task
        self.judge = judge
        self.status = status
        self.since = since
        self.until = until
    }
}
