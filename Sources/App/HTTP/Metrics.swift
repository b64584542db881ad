import Foundation
public import HTTPServer
import Synchronization

/// Request counts and latency histograms by route, method and status, in the
/// Prometheus text exposition format (version 0.0.4).
public final class MetricsRegistry: Sendable {
    private struct SeriesKey: Hashable {
        var route: String
        var method: String
        var status: Int
    }

    private struct LatencyKey: Hashable {
        var route: String
        var method: String
    }

    private struct Histogram {
        var buckets: [UInt64]
        var sum: Double = 0
        var count: UInt64 = 0
    }

    /// Upper bounds in seconds: from half a millisecond (a health check) to ten seconds (a large export).
    static let bounds: [Double] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

    private struct State {
        var requests: [SeriesKey: UInt64] = [:]
        var latency: [LatencyKey: Histogram] = [:]
    }

    private let state = Mutex(State())

    public init() {}

    /// Records one finished request.
    public func record(route: String, method: String, status: Int, seconds: Double) {
        state.withLock { state in
            state.requests[SeriesKey(route: route, method: method, status: status), default: 0] += 1
            let key = LatencyKey(route: route, method: method)
            var histogram = state.latency[key] ?? Histogram(buckets: Array(repeating: 0, count: Self.bounds.count))
            if let index = Self.bounds.firstIndex(where: { seconds <= $0 }) { histogram.buckets[index] += 1 }
            histogram.sum += seconds
            histogram.count += 1
            state.latency[key] = histogram
        }
    }

    /// The exposition text; `gauges` adds point-in-time values such as open connections.
    public func render(gauges: [(name: String, help: String, value: Double)] = []) -> String {
        let (requests, latency) = state.withLock { ($0.requests, $0.latency) }
        var out = "# HELP preflab_http_requests_total HTTP requests served, by route template, method and status.\n"
        out += "# TYPE preflab_http_requests_total counter\n"
        for (key, count) in requests.sorted(by: { ($0.key.route, $0.key.method, $0.key.status) < ($1.key.route, $1.key.method, $1.key.status) }) {
            out += "preflab_http_requests_total{route=\"\(escape(key.route))\",method=\"\(key.method)\",status=\"\(key.status)\"} \(count)\n"
        }
        out += "# HELP preflab_http_request_duration_seconds Time from parsed request to response, by route template and method.\n"
        out += "# TYPE preflab_http_request_duration_seconds histogram\n"
        for (key, histogram) in latency.sorted(by: { ($0.key.route, $0.key.method) < ($1.key.route, $1.key.method) }) {
            let labels = "route=\"\(escape(key.route))\",method=\"\(key.method)\""
            var cumulative: UInt64 = 0
            for (bound, count) in zip(Self.bounds, histogram.buckets) {
                cumulative += count
                out += "preflab_http_request_duration_seconds_bucket{\(labels),le=\"\(bound)\"} \(cumulative)\n"
            }
            out += "preflab_http_request_duration_seconds_bucket{\(labels),le=\"+Inf\"} \(histogram.count)\n"
            out += "preflab_http_request_duration_seconds_sum{\(labels)} \(histogram.sum)\n"
            out += "preflab_http_request_duration_seconds_count{\(labels)} \(histogram.count)\n"
        }
        for gauge in gauges {
            out += "# HELP \(gauge.name) \(gauge.help)\n# TYPE \(gauge.name) gauge\n\(gauge.name) \(gauge.value)\n"
        }
        return out
    }

    private func escape(_ value: String) -> String {
        value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n")
    }
}

/// Records every response in a `MetricsRegistry`, labelled by route template
/// (never the raw path, which would explode cardinality).
public struct MetricsMiddleware: HTTPMiddleware {
    let registry: MetricsRegistry

    public init(registry: MetricsRegistry) {
        self.registry = registry
    }

    public func respond(to request: ServerRequest, next: (ServerRequest) throws -> ServerResponse) throws -> ServerResponse {
        let start = ContinuousClock.now
        let method = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"].contains(request.method.rawValue)
            ? request.method.rawValue : "other"
        let route = request.route ?? "unmatched"
        let registry = registry
        return try next(request).map { response in
            let elapsed = ContinuousClock.now - start
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            registry.record(route: route, method: method, status: response.status.code, seconds: seconds)
            return response
        }
    }
}
