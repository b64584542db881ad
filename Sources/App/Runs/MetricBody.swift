import Foundation
import Storage

/// One stored metric.
struct MetricBody: Encodable, Sendable {
    var step: Int
    var key: String
    var value: Double?
    var recordedAt: Date

    init(_ metric: RunMetric) {
        step = metric.step
        key = metric.key
        value = metric.value
        recordedAt = metric.recordedAt
    }
}
