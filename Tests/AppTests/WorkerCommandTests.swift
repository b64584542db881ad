@testable import App
import Jobs
import Testing

/// `preflab worker --queues` names queues, not job kinds; `--metrics-port` serves the pool's job counts.
@Suite struct WorkerCommandTests {
    @Test func queuesMapToTheirJobKinds() throws {
        // The runs queue holds runs, evaluations and webhook deliveries; scoring holds shards.
        #expect(try WorkerProcess.kinds(queues: "runs,scoring") == ["run", "evaluation", "webhook", "score_shard"])
        #expect(try WorkerProcess.kinds(queues: "scoring") == ["score_shard"])
        #expect(try WorkerProcess.kinds(queues: " runs ") == ["run", "evaluation", "webhook"])
        #expect(throws: ConfigurationError("--queues: unknown queue judging; queues are runs, scoring")) {
            try WorkerProcess.kinds(queues: "scoring,judging")
        }
        #expect(throws: ConfigurationError.self) { try WorkerProcess.kinds(queues: ",") }
    }

    @Test func jobMetricsCountOutcomesAndTimeHandlersByKind() {
        let metrics = JobMetrics()
        metrics.record(JobEvent(kind: "score_shard", outcome: .claimed, seconds: 0))
        metrics.record(JobEvent(kind: "score_shard", outcome: .claimed, seconds: 0))
        metrics.record(JobEvent(kind: "score_shard", outcome: .succeeded, seconds: 0.003))
        metrics.record(JobEvent(kind: "run", outcome: .claimed, seconds: 0))
        metrics.record(JobEvent(kind: "run", outcome: .retried, seconds: 2))
        let text = metrics.render()
        for line in [
            #"preflab_jobs_total{kind="score_shard",outcome="claimed"} 2"#,
            #"preflab_jobs_total{kind="score_shard",outcome="succeeded"} 1"#,
            #"preflab_jobs_total{kind="run",outcome="retried"} 1"#,
            #"preflab_jobs_total{kind="run",outcome="failed"} 0"#,
            #"preflab_job_duration_seconds_bucket{kind="score_shard",le="0.0025"} 0"#,
            #"preflab_job_duration_seconds_bucket{kind="score_shard",le="0.005"} 1"#,
            #"preflab_job_duration_seconds_count{kind="run"} 1"#,
            #"preflab_jobs_running{kind="score_shard"} 1"#,
            #"preflab_jobs_running{kind="run"} 0"#,
        ] {
            #expect(text.contains(line + "\n"), "\(line)")
        }
    }
}
