import App
import Foundation
import Logging
import Storage
import Testing
import TestSupport

/// `/metrics` is valid Prometheus text and holds every family an operator's dashboards and alerts use.
@Suite struct FleetMetricsTests {
    static let families: [String: String] = [
        "preflab_build_info": "gauge", "preflab_jobs": "gauge", "preflab_runs": "gauge",
        "preflab_job_retries_total": "counter", "preflab_lease_expiries_total": "counter",
        "preflab_group_commit_batch_size": "histogram", "preflab_store_operation_seconds": "histogram",
        "process_resident_memory_bytes": "gauge", "process_cpu_seconds_total": "counter", "process_open_fds": "gauge",
        "process_threads": "gauge", "preflab_worker_last_heartbeat_timestamp_seconds": "gauge",
        "preflab_http_requests_total": "counter", "preflab_http_request_duration_seconds": "histogram",
    ]

    @Test(arguments: TestStores.backends)
    func metricsParseAndHoldEveryFamily(dialect: SQLDialect) throws {
        let app = try AppFixture(dialect)
        // One write, so the group committer and the store latency have something to show.
        let created = try app.call("POST", "/v1/comparisons", as: "researcher",
                                   json: ["prompt": "2+2=", "response_a": "4", "response_b": "5", "dataset": "m"])
        #expect(created.status == 201, "\(created.text)")
        let response = try app.call("GET", "/metrics", as: nil)
        #expect(response.status == 200)
        #expect(response.header("content-type")?.hasPrefix("text/plain; version=0.0.4") == true)
        let families = try PrometheusTextParser.parse(response.text)
        for (name, type) in Self.families {
            #expect(families[name]?.type == type, "\(name) is a \(type)")
        }
        let build = try #require(families["preflab_build_info"]?.samples.first)
        #expect(build.labels.keys.sorted() == ["commit", "version"] && build.value == 1)
        let jobs = families["preflab_jobs"]?.samples.map { "\($0.labels["queue"] ?? "")/\($0.labels["state"] ?? "")" } ?? []
        #expect(Set(jobs) == ["runs/queued", "runs/running", "scoring/queued", "scoring/running"])
        let runs = Set(families["preflab_runs"]?.samples.compactMap { $0.labels["status"] } ?? [])
        #expect(runs == Set(RunStatus.allCases.map(\.rawValue)))
        // The fixture's own pool (PREFLAB_RUN_WORKERS defaults to 1) registered with a heartbeat of about now.
        let beats = families["preflab_worker_last_heartbeat_timestamp_seconds"]?.samples ?? []
        #expect(beats.count == 1 && abs((beats.first?.value ?? 0) - Date().timeIntervalSince1970) < 600)
        // The comparison's write went through the group committer.
        let batches = families["preflab_group_commit_batch_size"]?.samples.first { $0.name.hasSuffix("_count") }
        #expect((batches?.value ?? 0) >= 1)
        let writes = families["preflab_store_operation_seconds"]?.samples.first { $0.name.hasSuffix("_count") && $0.labels["operation"] == "write" }
        #expect((writes?.value ?? 0) >= 1)
        #expect((families["process_resident_memory_bytes"]?.samples.first?.value ?? 0) > 1_000_000)
        #expect((families["process_threads"]?.samples.first?.value ?? 0) >= 2)
        #expect((families["process_open_fds"]?.samples.first?.value ?? 0) >= 3)
    }

    /// Queue depth counts queued runs per queue, which is what a worker autoscaler follows.
    @Test func queueDepthCountsQueuedRuns() throws {
        let app = try AppFixture(.sqlite) { $0.runWorkers = 0 }
        let run: [String: Any] = ["algorithm": "sft", "task": ["kind": "text", "name": "arithmetic"], "hyperparameters": ["steps": 1]]
        for _ in 0..<3 { #expect(try app.call("POST", "/v1/runs", as: "researcher", json: run).status == 202) }
        let families = try PrometheusTextParser.parse(try app.call("GET", "/metrics", as: nil).text)
        let queued = families["preflab_jobs"]?.samples.first { $0.labels == ["queue": "runs", "state": "queued"] }
        #expect(queued?.value == 3)
        #expect(families["preflab_runs"]?.samples.first { $0.labels["status"] == "queued" }?.value == 3)
    }

    /// The parser is strict: it refuses what Prometheus would.
    @Test func parserRefusesMalformedText() {
        for bad in ["x{a=\"1\"} 1\nx{a=\"1\"} 2\n", "x{a=\"1} 1\n", "x 1", "# TYPE x gauge\n# TYPE x gauge\nx 1\n",
                    "# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 1\nh_count 1\nh_sum 0\n",
                    "a 1\nb 1\na 2\n", "x{a=\"\\q\"} 1\n", "1x 1\n", "x one\n"] {
            #expect(throws: PrometheusTextParser.ParseError.self, "\(bad)") { try PrometheusTextParser.parse(bad) }
        }
    }
}
