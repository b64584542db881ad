import Foundation
import Storage
import Testing
import TestSupport

/// The scaled-out topology: one API server that runs nothing (`PREFLAB_RUN_WORKERS=0`) and `preflab worker`
/// processes sharing its PostgreSQL. A worker killed with -9 mid-run loses nothing: its lease lapses,
/// another worker resumes the run from its checkpoint, and the series equals an uninterrupted run's.
@Suite struct WorkerProcessTests {
    /// `preflab worker` in a child process, read up to its "running" line.
    final class WorkerChild {
        let process: Process
        /// What it printed up to its "running" line (with the metrics URL, when it serves one).
        let printed: String

        init(database: String, environment: [String: String], arguments: [String] = []) throws {
            guard let binary = ServerProcess.binary else { throw RawClient.ClientError("build the preflab product first") }
            process = Process()
            process.executableURL = binary
            process.arguments = ["worker", "--database", database, "--log-level", "error"] + arguments
            process.environment = ProcessInfo.processInfo.environment
                .merging(["PREFLAB_MIGRATIONS_DIR": TestStores.migrator.directory.path]) { $1 }.merging(environment) { $1 }
            let out = Pipe()
            process.standardOutput = out
            process.standardError = FileHandle.nullDevice
            try process.run()
            var text = ""
            while !text.contains("PrefLab worker running") {
                let data = out.fileHandleForReading.availableData
                guard !data.isEmpty else { throw RawClient.ClientError("worker exited: \(text)") }
                text += String(decoding: data, as: UTF8.self)
            }
            printed = text
        }

        /// The port of its `/metrics`, from its "running" line.
        var metricsPort: Int? {
            guard let range = printed.range(of: "metrics on http://127.0.0.1:") else { return nil }
            return Int(printed[range.upperBound...].prefix { $0.isNumber })
        }

        var pid: Int { Int(process.processIdentifier) }

        func kill9() {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }

        func terminate() {
            guard process.isRunning else { return }
            process.terminate()
            process.waitUntilExit()
        }
    }

    @Test(.enabled(if: TestStores.postgresURL != nil, "needs PostgreSQL (PREFLAB_TEST_DATABASE_URL)"))
    func aKilledWorkersRunIsFinishedByAnotherExactly() throws {
        let location = try TestStores.location(.postgres)
        guard case .postgres(let url) = location else { return }
        let setup = try Database(location: location, migrator: TestStores.migrator)
        let secret = try setup.write { try TokenRepository.create(name: "r", role: .researcher, on: $0).secret }
        setup.close()
        let environment = ["PREFLAB_JOB_LEASE_SECONDS": "2", "PREFLAB_RUN_WORKERS": "0"]
        let api = try ServerProcess(location: location, environment: environment)
        defer { api.terminate() }
        let workers = try (0..<2).map { _ in try WorkerChild(database: url, environment: ["PREFLAB_JOB_LEASE_SECONDS": "2"]) }
        defer { workers.forEach { $0.terminate() } }
        let headers = ["Authorization": "Bearer \(secret)", "Content-Type": "application/json"]
        func get(_ path: String) throws -> [String: Any] { try RunResumeTests.get(api.port, path, secret) }
        func listed() throws -> [[String: Any]] { try get("/v1/workers")["items"] as? [[String: Any]] ?? [] }

        let pids = Set(workers.map(\.pid))
        #expect(try waitUntil(seconds: 20) { try Set(listed().compactMap { $0["pid"] as? Int }).isSuperset(of: pids) }, "both workers are listed")
        let body = Array(try JSONSerialization.data(withJSONObject: RunResumeTests.sft))
        let posted = try RawClient(port: api.port).request("POST", "/v1/runs", headers: headers, body: body)
        #expect(posted.status == 202, "\(posted.text)")
        let id = try #require(posted.json["id"] as? String)

        // The worker holding the run's lease (its owner is host:pid:nonce), once a checkpoint is behind it and it
        // is still going. Read from the job itself: the listing's current jobs lag a heartbeat, and under load a
        // pool whose beat is late drops out of it for a moment.
        let store = try Database(location: location, migrator: TestStores.migrator)
        defer { store.close() }
        func leaseHolder() throws -> Int? {
            let owner = try store.read {
                try $0.query("SELECT lease_owner FROM jobs WHERE id = ? AND status = 'running'", .text(id)).first?["lease_owner"].string
            }
            return owner.flatMap { $0.split(separator: ":").dropFirst().first.flatMap { Int($0) } }
        }
        var holder: Int?
        var atKill: [String: Any] = [:]
        let midway = try waitUntil(seconds: 60) {
            atKill = try get("/v1/runs/\(id)")
            holder = try leaseHolder()
            return holder.map(pids.contains) == true && ((atKill["progress"] as? [String: Any])?["step"] as? Int ?? 0) >= 15
        }
        let victim = try #require(workers.first { $0.pid == holder })
        victim.kill9()
        #expect(midway && atKill["status"] as? String == "running", "killed mid-run: \(atKill)")

        var run: [String: Any] = [:]
        let done = try waitUntil(seconds: 90) {
            run = try get("/v1/runs/\(id)")
            return run["status"] as? String == "succeeded" || run["status"] as? String == "failed"
        }
        #expect(done && run["status"] as? String == "succeeded", "\(run)")
        #expect((run["attempts"] as? Int ?? 0) >= 2, "another worker started the run again")
        let resumed = try RunResumeTests.series(api.port, id, key: "loss", secret)
        #expect(resumed.map(\.0) == Array(1...120), "every step once, in order")

        // The same request, uninterrupted, on the surviving worker: the same series, the same weights.
        let again = try RawClient(port: api.port).request("POST", "/v1/runs", headers: headers, body: body)
        let twin = try #require(again.json["id"] as? String)
        var twinRun: [String: Any] = [:]
        #expect(try waitUntil(seconds: 90) { twinRun = try get("/v1/runs/\(twin)"); return twinRun["status"] as? String == "succeeded" })
        #expect(try RunResumeTests.series(api.port, twin, key: "loss", secret).map(\.1) == resumed.map(\.1))
        let models = try [run, twinRun].map { try #require($0["output_model_id"] as? String) }
        let hashes = try models.map { try get("/v1/models/\($0)")["checkpoint_sha256"] as? String }
        #expect(hashes[0] != nil && hashes[0] == hashes[1], "final weights equal the uninterrupted run's")
    }
}
