public import Foundation
import HTTPClient
import Jobs
import Logging
public import Storage

/// Webhook deliveries as durable jobs. An event queues one delivery per subscribed webhook in the
/// transaction that makes it true (a run's end and its `run.succeeded` commit together, or neither), and
/// a `webhook` job sends it: a Standard Webhooks signed POST, retried with backoff (honouring the
/// receiver's `Retry-After`) until a 2xx or `maxAttempts`, every attempt recorded.
public enum Webhooks {
    public static let jobKind = "webhook"
    /// Attempts before a delivery is given up (`failed`).
    public static let maxAttempts = 8
    /// Per attempt; a receiver should answer at once and do its work afterwards.
    static let timeout: Duration = .seconds(10)
    /// The longest `Retry-After` a receiver may ask for.
    static let maxRetryAfter: Duration = .seconds(300)

    /// Queues `event` for every webhook subscribed to it, in the caller's transaction. `data` is the
    /// event's object (a run, an evaluation, ...).
    public static func emit(_ event: WebhookEvent, data: JSONValue, now: Date = Date(), on connection: any SQLConnection) throws {
        let subscribers = try WebhookRepository.subscribers(of: event, on: connection)
        guard !subscribers.isEmpty else { return }
        let payload = JSONValue.object([
            "type": .string(event.rawValue),
            "timestamp": .string(ISO8601Time.string(now)),
            "data": data,
        ]).text
        for webhook in subscribers {
            let id = Identifier.make("msg", now: now)
            try WebhookRepository.insertDelivery(id: id, webhookID: webhook.id, event: event, payload: payload, now: now, on: connection)
            _ = try JobQueue.enqueue(id: id, kind: jobKind, payload: id, maxAttempts: maxAttempts, now: now, on: connection)
        }
    }

    /// The `webhook` job handler: one attempt of the delivery whose id is the job's. Throws
    /// ``RetryableJobError`` when the receiver did not take it, so the queue tries again later.
    static func deliver(_ context: JobContext, database: Database, client: HTTPClient, logger: Logger) throws {
        let id = context.job.id
        guard let delivery = try database.read({ try WebhookRepository.delivery(id: id, on: $0) }),
              delivery.status == .pending,
              let webhook = try database.read({ try WebhookRepository.get(id: delivery.webhookId, on: $0) }) else {
            return  // the webhook was deleted, or the delivery already ended
        }
        let body = Array(delivery.payload.utf8)
        let start = ContinuousClock.now
        let sentAt = Date()
        let timestamp = Int(sentAt.timeIntervalSince1970)
        var headers: [(name: String, value: String)] = [("webhook-id", id), ("webhook-timestamp", String(timestamp))]
        if let signature = WebhookSignature.sign(secret: webhook.secret, id: id, timestamp: timestamp, body: body) {
            headers.append(("webhook-signature", signature))
        }
        var status: Int?
        var failure: String?
        var retryAfter: Duration?
        do {
            let response = try client.execute(.postJSON(url: webhook.url, body: body, headers: headers, timeout: timeout))
            status = response.status
            if !(200...299).contains(response.status) {
                failure = "receiver answered \(response.status)"
                if let seconds = response.header("Retry-After").flatMap({ Int($0.trimmingCharacters(in: .whitespaces)) }), seconds >= 0 {
                    retryAfter = min(.seconds(seconds), maxRetryAfter)
                }
            }
        } catch {
            failure = error.description
        }
        let elapsed = ContinuousClock.now - start
        let milliseconds = Int(elapsed.components.seconds) * 1000 + Int(elapsed.components.attoseconds / 1_000_000_000_000_000)
        let attempt = WebhookAttempt(attempt: context.attempt, at: sentAt, statusCode: status, error: failure, durationMs: milliseconds)
        let outcome: DeliveryStatus = failure == nil ? .succeeded : context.attempt >= context.job.maxAttempts ? .failed : .pending
        try database.write { try WebhookRepository.recordAttempt(attempt, deliveryID: id, status: outcome, on: $0) }
        if let failure {
            logger.info("webhook delivery failed", metadata: ["delivery": "\(id)", "attempt": "\(context.attempt)", "error": "\(failure)"])
            throw RetryableJobError(failure, retryAfter: retryAfter)
        }
    }
}
