import Synchronization

/// How long callers wait on the store and how large the group-committed batches are, for `/metrics`.
/// One lock for the lot: it is taken once per read or write, far cheaper than the I/O it measures.
public final class StoreMetrics: Sendable {
    public enum Operation: String, Sendable, CaseIterable {
        /// A pooled read, from asking for a connection to the end of the caller's body.
        case read
        /// A write, from queueing it to its commit being durable (waiting for a batch included).
        case write
        /// One group transaction, from BEGIN to COMMIT: what a batch costs the writer.
        case commit
    }

    /// Seconds: a cached read takes tens of microseconds, a large import's commit seconds.
    public static let latencyBounds: [Double] = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]
    /// Writes per group transaction, up to the committer's largest batch (512).
    public static let batchBounds: [Double] = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512]

    private struct State {
        var latency: [Operation: Histogram] = Dictionary(uniqueKeysWithValues: Operation.allCases.map {
            ($0, Histogram(bounds: StoreMetrics.latencyBounds))
        })
        var batches = Histogram(bounds: StoreMetrics.batchBounds)
    }

    private let state = Mutex(State())

    public init() {}

    public func observe(_ operation: Operation, seconds: Double) {
        state.withLock { $0.latency[operation]?.observe(seconds) }
    }

    func observeBatch(size: Int) {
        state.withLock { $0.batches.observe(Double(size)) }
    }

    /// Latency by operation, in `Operation.allCases` order.
    public var latency: [(operation: Operation, histogram: Histogram)] {
        let latency = state.withLock { $0.latency }
        return Operation.allCases.compactMap { operation in latency[operation].map { (operation, $0) } }
    }

    public var batchSizes: Histogram { state.withLock { $0.batches } }
}

extension ContinuousClock.Instant {
    /// Seconds since this instant.
    var secondsSince: Double {
        let elapsed = ContinuousClock.now - self
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }
}
