import Foundation
import Jobs
import Service
import Storage

/// The families every PrefLab process exports beside its own (the API's requests, a pool's jobs): the
/// build, the process, the store's latency and group-commit batches; and, read from the shared store at
/// scrape time, what the fleet as a whole is doing: jobs by queue and state (queue depth, what a worker
/// autoscaler follows), runs by status, and each worker pool's last heartbeat.
enum FleetMetrics {
    static func render(database: Database, includeStore: Bool) -> String {
        var out = PrometheusText.header("preflab_build_info", "gauge", "The running binary's version and commit (always 1).")
        out += "preflab_build_info{version=\"\(PrometheusText.escape(BuildInfo.version))\",commit=\"\(PrometheusText.escape(BuildInfo.commit))\"} 1\n"
        out += ProcessMetrics.render()
        out += PrometheusText.header("preflab_store_operation_seconds", "histogram",
                                     "Time spent on the store: a read (borrowing a connection and querying), a write (queued until durable), a group transaction's commit.")
        for (operation, histogram) in database.metrics.latency {
            out += PrometheusText.histogram("preflab_store_operation_seconds", labels: "operation=\"\(operation.rawValue)\"", histogram)
        }
        out += PrometheusText.header("preflab_group_commit_batch_size", "histogram", "Writes committed together in one group transaction.")
        out += PrometheusText.histogram("preflab_group_commit_batch_size", labels: "", database.metrics.batchSizes)
        if includeStore { out += storeGauges(database) }
        return out
    }

    private static func storeGauges(_ database: Database) -> String {
        let read: (jobs: [String: [String: Int]], runs: [String: Int], workers: [(String, Date)])
        do {
            read = try database.read { connection in
                var jobs: [String: [String: Int]] = [:]
                // Only the live states: their partial indexes make this cheap however many jobs have finished.
                for row in try connection.query("SELECT kind, status, COUNT(*) AS n FROM jobs WHERE status IN ('queued', 'running') GROUP BY kind, status", []) {
                    jobs[row["kind"].string ?? "", default: [:]][row["status"].string ?? "", default: 0] += row["n"].int ?? 0
                }
                var runs: [String: Int] = [:]
                for row in try connection.query("SELECT status, COUNT(*) AS n FROM runs GROUP BY status", []) {
                    runs[row["status"].string ?? "", default: 0] += row["n"].int ?? 0
                }
                let workers = try connection.query("SELECT id, heartbeat_at FROM workers ORDER BY id", []).map {
                    ($0["id"].string ?? "", Timestamp.date($0["heartbeat_at"]))
                }
                return (jobs, runs, workers)
            }
        } catch {
            return PrometheusText.header("preflab_store_up", "gauge", "Whether the store answered this scrape's queries.") + "preflab_store_up 0\n"
        }
        var out = PrometheusText.header("preflab_store_up", "gauge", "Whether the store answered this scrape's queries.") + "preflab_store_up 1\n"
        out += PrometheusText.header("preflab_jobs", "gauge", "Live jobs in the store by queue and state (queued = queue depth), over every process.")
        for queue in RunExecutor.queues {
            for state in [JobStatus.queued, .running] {
                let count = queue.kinds.reduce(0) { $0 + (read.jobs[$1]?[state.rawValue] ?? 0) }
                out += "preflab_jobs{queue=\"\(queue.name)\",state=\"\(state.rawValue)\"} \(count)\n"
            }
        }
        out += PrometheusText.header("preflab_runs", "gauge", "Runs in the store by status.")
        for status in RunStatus.allCases {
            out += "preflab_runs{status=\"\(status.rawValue)\"} \(read.runs[status.rawValue] ?? 0)\n"
        }
        out += PrometheusText.header("preflab_worker_last_heartbeat_timestamp_seconds", "gauge",
                                     "When each registered worker pool last renewed its leases, in seconds since the Unix epoch.")
        for (id, heartbeat) in read.workers {
            out += "preflab_worker_last_heartbeat_timestamp_seconds{worker=\"\(PrometheusText.escape(id))\"} \(PrometheusText.number((heartbeat.timeIntervalSince1970 * 1000).rounded() / 1000))\n"
        }
        return out
    }
}
