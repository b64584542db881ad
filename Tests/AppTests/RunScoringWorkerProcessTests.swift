import Alignment
import Foundation
import Policy
import Service
import Storage
import Testing
import TestSupport

/// The scaled-out topology the issue describes: PostgreSQL, one API server that runs nothing
/// (`PREFLAB_RUN_WORKERS=0`) and three `preflab worker` processes. A PPO run judged by a stored reward
/// model scores each step's rollouts, and computes its critic's values and advantages, in shard jobs that any
/// worker takes (its own worker helps). One worker is killed with -9 while it holds a shard of the run's first
/// step, then the worker holding the run is killed mid-run; each time the work is redone by another once the
/// lease lapses, the run succeeds with every step recorded once, and its weights equal those of the same run
/// done by one worker uninterrupted. No critic weights are left behind.
@Suite struct RunScoringWorkerProcessTests {
    typealias WorkerChild = WorkerProcessTests.WorkerChild

    @Test(.enabled(if: TestStores.postgresURL != nil, "needs PostgreSQL (PREFLAB_TEST_DATABASE_URL)"))
    func killedShardAndRunWorkersLeaveTheWeightsOfAnUninterruptedRun() throws {
        let location = try TestStores.location(.postgres)
        guard case .postgres(let url) = location else { return }
        let store = try Database(location: location, migrator: TestStores.migrator)
        defer { store.close() }
        let secret = try store.write { try TokenRepository.create(name: "r", role: .researcher, on: $0).secret }
        // The reward model reads more positions than the policy writes: an untrained policy's bytes may be invalid
        // UTF-8, which the text a shard carries holds as replacement characters (three bytes each).
        var ids: [String: String] = [:]
        for (kind, seed, config) in [("policy", UInt64(5), ArithmeticTask().referenceConfig),
                                     ("reward_model", 6, GPTConfig(layers: 1, dim: 16, heads: 2, context: 64))] {
            let architecture = String(decoding: try JSONEncoder().encode(config), as: UTF8.self)
            let bytes = try LoadedModel.initialised(kind: kind, config: config, seed: seed).checkpoint(kind: kind).encoded()
            ids[kind] = try store.write {
                try ModelRepository.insert(name: kind, kind: kind, architecture: architecture, parameterCount: config.parameterCount,
                                           parentID: nil, runID: nil, seed: Int(seed), source: "initialised", checkpoint: bytes, on: $0).id
            }
        }

        // While the pause file exists every claimed shard waits, so the test sees which workers hold one.
        let pause = TestStores.scratchDirectory("pause")
        try FileManager.default.createDirectory(atPath: pause, withIntermediateDirectories: true)
        let pauseFile = pause + "/paused"
        _ = FileManager.default.createFile(atPath: pauseFile, contents: Data())
        let lease = ["PREFLAB_JOB_LEASE_SECONDS": "2"]
        let api = try ServerProcess(location: location, environment: lease.merging(["PREFLAB_RUN_WORKERS": "0"]) { $1 })
        defer { api.terminate() }
        let workers = try (0..<3).map { _ in
            try WorkerChild(database: url, environment: lease.merging([
                "PREFLAB_SCORE_INLINE_MAX": "0", "PREFLAB_SCORE_SHARD_SIZE": "2", "PREFLAB_TEST_SHARD_PAUSE_FILE": pauseFile,
            ]) { $1 }, arguments: ["--concurrency", "1"])
        }
        defer { workers.forEach { $0.terminate() } }
        func get(_ path: String) throws -> [String: Any] { try RunResumeTests.get(api.port, path, secret) }
        let pids = Set(workers.map(\.pid))
        #expect(try waitUntil(seconds: 20) {
            try Set((get("/v1/workers")["items"] as? [[String: Any]] ?? []).compactMap { $0["pid"] as? Int }).isSuperset(of: pids)
        }, "the three workers are listed")

        // 16 rollouts: 8 shards of 2 for the scores, then 8 for the advantages, per step.
        let spec: [String: Any] = [
            "algorithm": "ppo", "model": ids["policy"] ?? "", "judge": "reward_model:\(ids["reward_model"] ?? "")",
            "task": ["kind": "text", "name": "arithmetic"], "seed": 3,
            "hyperparameters": ["steps": 24, "batch_size": 16, "checkpoint_every": 2, "eval_samples": 2],
        ]
        let body = Array(try JSONSerialization.data(withJSONObject: spec))
        let headers = ["Authorization": "Bearer \(secret)", "Content-Type": "application/json"]
        let posted = try RawClient(port: api.port).request("POST", "/v1/runs", headers: headers, body: body)
        #expect(posted.status == 202, "\(posted.text)")
        let id = try #require(posted.json["id"] as? String)

        /// The pid in a lease owner (host:pid:nonce).
        func pid(_ owner: String?) -> Int? { owner.flatMap { $0.split(separator: ":").dropFirst().first.flatMap { Int($0) } } }
        func runHolder() throws -> Int? {
            pid(try store.read { try $0.query("SELECT lease_owner FROM jobs WHERE id = ? AND status = 'running'", .text(id)).first?["lease_owner"].string })
        }
        func shardHolders() throws -> Set<Int> {
            Set(try store.read {
                try $0.query("SELECT lease_owner FROM jobs WHERE kind = 'score_shard' AND status = 'running'").compactMap { pid($0["lease_owner"].string) }
            })
        }

        // Every worker holds a paused shard of step 1: the run's own worker (helping) and the two others.
        var holder: Int?
        let held = try waitUntil(seconds: 30) {
            holder = try runHolder()
            return try holder != nil && shardHolders() == pids
        }
        #expect(held, "each worker holds a shard of the run's first step (run on \(String(describing: holder)))")
        let shardVictim = try #require(workers.first { $0.pid != holder })
        shardVictim.kill9()
        try FileManager.default.removeItem(atPath: pauseFile)

        // Mid-run, the worker holding the run (a checkpoint behind it) is killed too, while its step's advantage
        // shards are held: that attempt's batch and the critic weights it reads are left for the next to remove.
        var atKill: [String: Any] = [:]
        let midway = try waitUntil(seconds: 60) {
            atKill = try get("/v1/runs/\(id)")
            holder = try runHolder()
            return holder.map { $0 != shardVictim.pid && pids.contains($0) } == true
                && ((atKill["progress"] as? [String: Any])?["step"] as? Int ?? 0) >= 8
        }
        _ = FileManager.default.createFile(atPath: pauseFile, contents: Data("advantages".utf8))
        let heldAdvantages = try waitUntil(seconds: 30) {
            try !store.read { try $0.query("SELECT id FROM jobs WHERE id LIKE 'adb_%' AND status = 'running'") }.isEmpty
        }
        #expect(heldAdvantages, "a shard of the run's advantages is held")
        holder = try runHolder()
        let runVictim = try #require(workers.first { $0.pid == holder })
        runVictim.kill9()
        try FileManager.default.removeItem(atPath: pauseFile)
        #expect(midway && atKill["status"] as? String == "running", "killed mid-run: \(atKill)")

        var run: [String: Any] = [:]
        let done = try waitUntil(seconds: 90) {
            run = try get("/v1/runs/\(id)")
            return ["succeeded", "failed", "cancelled"].contains(run["status"] as? String ?? "")
        }
        #expect(done && run["status"] as? String == "succeeded", "\(run)")
        #expect((run["attempts"] as? Int ?? 0) >= 2, "the surviving worker started the run again")
        let resumed = try RunResumeTests.series(api.port, id, key: "loss", secret)
        #expect(resumed.map(\.0) == Array(1...24), "every step once, in order")

        // The same request on the one surviving worker, uninterrupted: the same series, the same weights.
        let again = try RawClient(port: api.port).request("POST", "/v1/runs", headers: headers, body: body)
        let twin = try #require(again.json["id"] as? String)
        var twinRun: [String: Any] = [:]
        #expect(try waitUntil(seconds: 90) {
            twinRun = try get("/v1/runs/\(twin)")
            return ["succeeded", "failed", "cancelled"].contains(twinRun["status"] as? String ?? "")
        })
        #expect(twinRun["status"] as? String == "succeeded", "\(twinRun)")
        #expect(try RunResumeTests.series(api.port, twin, key: "loss", secret).map(\.1.bitPattern) == resumed.map(\.1.bitPattern))
        let models = try [run, twinRun].map { try #require($0["output_model_id"] as? String) }
        let hashes = try models.map { try get("/v1/models/\($0)")["checkpoint_sha256"] as? String }
        #expect(hashes[0] != nil && hashes[0] == hashes[1], "final weights equal the uninterrupted run's")
        let scratch = try store.read {
            try $0.query("SELECT COUNT(*) AS n FROM model_checkpoints WHERE sha256 NOT IN (SELECT checkpoint_sha256 FROM models)").first?["n"].int
        }
        #expect(scratch == 0, "the critics' weights of every batch, the dead attempt's too, are gone")
        let leftovers = try store.read {
            try $0.query("SELECT (SELECT COUNT(*) FROM jobs WHERE kind = 'score_shard') + (SELECT COUNT(*) FROM score_shards) AS n").first?["n"].int
        }
        #expect(leftovers == 0, "the dead attempt's advantage shards and their results are gone")
    }
}
