public import Foundation

/// What a webhook can subscribe to.
public enum WebhookEvent: String, Codable, Sendable, CaseIterable {
    case runSucceeded = "run.succeeded"
    case runFailed = "run.failed"
    case runWaiting = "run.waiting"
    case evaluationFinished = "evaluation.finished"
    case comparisonsCompleted = "comparisons.completed"
}

/// A registered receiver. The secret signs every delivery; it is shown once, when the webhook is created.
public struct WebhookRecord: Sendable, Equatable {
    public var id: String
    public var url: String
    public var events: [WebhookEvent]
    public var secret: String
    public var description: String?
    public var createdBy: String
    public var createdAt: Date

    public init(id: String, url: String, events: [WebhookEvent], secret: String, description: String?,
                createdBy: String, createdAt: Date) {
        self.id = id
        self.url = url
        self.events = events
        self.secret = secret
        self.description = description
        self.createdBy = createdBy
        self.createdAt = createdAt
    }
}

/// Where a delivery stands: `pending` while attempts are left, then `succeeded` (a 2xx) or `failed`.
public enum DeliveryStatus: String, Codable, Sendable {
    case pending, succeeded, failed
}

/// One event sent (or being sent) to one webhook, with every attempt made.
public struct WebhookDelivery: Codable, Sendable, Equatable {
    public var id: String
    public var webhookId: String
    public var event: WebhookEvent
    /// The exact body that is signed and sent.
    public var payload: String
    public var status: DeliveryStatus
    public var attempts: [WebhookAttempt]
    public var createdAt: Date
    public var updatedAt: Date
}

/// One HTTP attempt of a delivery: the receiver's status, or the transport error when there was none.
public struct WebhookAttempt: Codable, Sendable, Equatable {
    public var attempt: Int
    public var at: Date
    public var statusCode: Int?
    public var error: String?
    public var durationMs: Int

    public init(attempt: Int, at: Date, statusCode: Int?, error: String?, durationMs: Int) {
        self.attempt = attempt
        self.at = at
        self.statusCode = statusCode
        self.error = error
        self.durationMs = durationMs
    }
}
