public import Foundation

/// Where a run is in its life: `queued → running → succeeded | failed | cancelled`; a run judged by people
/// goes `running → waiting → running` while its pairs are in the annotation queue.
public enum RunStatus: String, Codable, Sendable, CaseIterable {
    case queued, running, waiting, succeeded, failed, cancelled

    /// Whether the run can change no more.
    public var isFinal: Bool { self == .succeeded || self == .failed || self == .cancelled }
}

/// A stored run: the validated request (immutable), its status and progress, and its outcome.
public struct RunRecord: Sendable, Equatable {
    public var id: String
    public var name: String?
    public var algorithm: String
    public var status: RunStatus
    /// The validated request as JSON, kept opaque here.
    public var spec: String
    public var modelID: String?
    public var referenceID: String?
    public var createdBy: String
    public var warnings: [String]
    public var currentStep: Int
    public var totalSteps: Int
    /// How many times execution started (more than one after a crash and resume).
    public var attempts: Int
    public var error: String?
    /// The outcome as JSON, when succeeded.
    public var result: String?
    public var outputModelID: String?
    public var createdAt: Date
    public var startedAt: Date?
    public var finishedAt: Date?
    public var updatedAt: Date

    public init(id: String, name: String?, algorithm: String, status: RunStatus, spec: String, modelID: String?,
                referenceID: String?, createdBy: String, warnings: [String], currentStep: Int = 0, totalSteps: Int,
                attempts: Int = 0, error: String? = nil, result: String? = nil, outputModelID: String? = nil,
                createdAt: Date, startedAt: Date? = nil, finishedAt: Date? = nil, updatedAt: Date) {
        self.id = id
        self.name = name
        self.algorithm = algorithm
        self.status = status
        self.spec = spec
        self.modelID = modelID
        self.referenceID = referenceID
        self.createdBy = createdBy
        self.warnings = warnings
        self.currentStep = currentStep
        self.totalSteps = totalSteps
        self.attempts = attempts
        self.error = error
        self.result = result
        self.outputModelID = outputModelID
        self.createdAt = createdAt
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.updatedAt = updatedAt
    }
}

/// One metric value at one step.
public struct RunMetric: Sendable, Equatable {
    public var step: Int
    public var key: String
    /// Nil when the trainer reported a non-finite value (stored as NULL, shown as null).
    public var value: Double?
    public var recordedAt: Date

    public init(step: Int, key: String, value: Double?, recordedAt: Date) {
        self.step = step
        self.key = key
        self.value = value
        self.recordedAt = recordedAt
    }
}
