import Foundation
public import Jobs
import Synchronization

/// Job counts and handler latencies of one process's worker pool, by job kind, in the Prometheus text
/// format: what `preflab worker --metrics-port` serves (and `serve` appends to its `/metrics`).
public final class JobMetrics: Sendable {
    private struct Histogram {
        var buckets: [UInt64] = Array(repeating: 0, count: JobMetrics.bounds.count)
        var sum: Double = 0
        var count: UInt64 = 0
    }

    private struct State {
        var counts: [String: [JobEvent.Outcome: UInt64]] = [:]
        var latency: [String: Histogram] = [:]
        var running: [String: Int] = [:]
        var leaseExpiries: UInt64 = 0
    }

    /// Upper bounds in seconds: a one-item shard takes about a millisecond, a training run minutes.
    static let bounds: [Double] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800]

    private let state = Mutex(State())

    public init() {}

    /// Records one event of the pool (pass it as the pool's `events`).
    public func record(_ event: JobEvent) {
        state.withLock { state in
            state.counts[event.kind, default: [:]][event.outcome, default: 0] += 1
            if event.outcome == .claimed {
                state.running[event.kind, default: 0] += 1
                if event.reclaimed { state.leaseExpiries += 1 }
                return
            }
            state.running[event.kind, default: 1] -= 1
            var histogram = state.latency[event.kind] ?? Histogram()
            if let index = Self.bounds.firstIndex(where: { event.seconds <= $0 }) { histogram.buckets[index] += 1 }
            histogram.sum += event.seconds
            histogram.count += 1
            state.latency[event.kind] = histogram
        }
    }

    public func render() -> String {
        let (counts, latency, running, expiries) = state.withLock { ($0.counts, $0.latency, $0.running, $0.leaseExpiries) }
        var out = "# HELP preflab_jobs_total Jobs this process's pool claimed, and how each ended, by job kind.\n"
        out += "# TYPE preflab_jobs_total counter\n"
        for kind in counts.keys.sorted() {
            for outcome in JobEvent.Outcome.allCases {
                out += "preflab_jobs_total{kind=\"\(kind)\",outcome=\"\(outcome.rawValue)\"} \(counts[kind]?[outcome] ?? 0)\n"
            }
        }
        out += "# HELP preflab_job_duration_seconds Time a handler ran (a scoring shard's latency), by job kind.\n"
        out += "# TYPE preflab_job_duration_seconds histogram\n"
        for (kind, histogram) in latency.sorted(by: { $0.key < $1.key }) {
            var cumulative: UInt64 = 0
            for (bound, count) in zip(Self.bounds, histogram.buckets) {
                cumulative += count
                out += "preflab_job_duration_seconds_bucket{kind=\"\(kind)\",le=\"\(bound)\"} \(cumulative)\n"
            }
            out += "preflab_job_duration_seconds_bucket{kind=\"\(kind)\",le=\"+Inf\"} \(histogram.count)\n"
            out += "preflab_job_duration_seconds_sum{kind=\"\(kind)\"} \(histogram.sum)\n"
            out += "preflab_job_duration_seconds_count{kind=\"\(kind)\"} \(histogram.count)\n"
        }
        out += "# HELP preflab_jobs_running Jobs this process's pool is running now, by job kind.\n"
        out += "# TYPE preflab_jobs_running gauge\n"
        for (kind, count) in running.sorted(by: { $0.key < $1.key }) {
            out += "preflab_jobs_running{kind=\"\(kind)\"} \(count)\n"
        }
        let retries = counts.values.reduce(0) { $0 + ($1[.retried] ?? 0) }
        out += "# HELP preflab_job_retries_total Jobs this process's pool handed back for another attempt after a retryable failure.\n"
        out += "# TYPE preflab_job_retries_total counter\npreflab_job_retries_total \(retries)\n"
        out += "# HELP preflab_lease_expiries_total Jobs this process's pool took over after their holder's lease expired (a worker died or stalled).\n"
        out += "# TYPE preflab_lease_expiries_total counter\npreflab_lease_expiries_total \(expiries)\n"
        return out
    }
}
