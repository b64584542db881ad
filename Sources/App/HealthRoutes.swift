import Foundation
import HTTP1
import HTTPServer
import Storage

/// `/livez`, `/readyz` and `/metrics`: what load balancers, orchestrators and Prometheus poll.
enum HealthRoutes {
    static let livezBody = Array(#"{"status":"ok"}"#.utf8)

    static func register(on router: inout Router, database: Database, metrics: MetricsRegistry,
                         connections: @escaping @Sendable () -> Int, extra: @escaping @Sendable () -> String = { "" }) {
        // Liveness: the process answers. Deliberately checks nothing else.
        router.get("/livez", execution: .inline) { _ in
            ServerResponse(contentType: "application/json", body: livezBody)
        }
        // Readiness: the store answers a query and, if a write failed because it could not be stored
        // (a full disk), takes writes again.
        router.get("/readyz") { _ in
            var failure = StoreProbe.check(database.location)
            var status = failure == nil ? "ok" : "unavailable"
            if failure == nil, database.writability.failure != nil {
                // An idle server gets no other write to end the episode: probe for room; a commit ends it.
                try? database.probeWrite()
                if let reason = database.writability.failure {
                    failure = "the store is not writable: \(reason)"
                    status = "not_writable"
                }
            }
            var store: [String: JSONValue] = ["backend": .string(database.location.backend), "status": .string(status)]
            if let failure { store["error"] = .string(failure) }
            let document = JSONValue.object(["status": .string(failure == nil ? "ready" : "not_ready"), "checks": .object(["store": .object(store)])])
            let body = document.bytes
            return ServerResponse(status: failure == nil ? .ok : .serviceUnavailable, contentType: "application/json", body: body)
        }
        // Not inline: the fleet's gauges are read from the store.
        router.get("/metrics") { _ in
            let text = metrics.render(gauges: [
                (name: "preflab_http_open_connections", help: "Open client connections.", value: Double(connections())),
            ]) + extra() + FleetMetrics.render(database: database, includeStore: true)
            return ServerResponse(contentType: "text/plain; version=0.0.4; charset=utf-8", body: Array(text.utf8))
        }
    }
}
