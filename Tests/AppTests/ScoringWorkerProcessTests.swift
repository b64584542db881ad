import Foundation
import Policy
import Service
import Storage
import Synchronization
import Testing
import TestSupport

/// Scoring sharded over `preflab worker` processes sharing one PostgreSQL with an API server that runs
/// nothing itself: a worker killed with -9 while it holds a shard loses nothing; the shard is redone by
/// another once the lease lapses, and the scores equal an uninterrupted computation's, bit for bit.
@Suite struct ScoringWorkerProcessTests {
    typealias WorkerChild = WorkerProcessTests.WorkerChild

    /// `preflab_jobs_total{kind="score_shard",outcome=...}` on a worker's `/metrics`.
    static func shardCount(_ worker: WorkerChild, _ outcome: String) throws -> Int {
        let port = try #require(worker.metricsPort)
        let text = try RawClient(port: port).request("GET", "/metrics").text
        let prefix = "preflab_jobs_total{kind=\"score_shard\",outcome=\"\(outcome)\"} "
        return text.split(separator: "\n").first { $0.hasPrefix(prefix) }.flatMap { Int($0.dropFirst(prefix.count)) } ?? 0
    }

    @Test(.enabled(if: TestStores.postgresURL != nil, "needs PostgreSQL (PREFLAB_TEST_DATABASE_URL)"))
    func aKilledWorkersShardIsRedoneAndTheScoresAreExact() throws {
        let location = try TestStores.location(.postgres)
        guard case .postgres(let url) = location else { return }
        let setup = try Database(location: location, migrator: TestStores.migrator)
        let secret = try setup.write { try TokenRepository.create(name: "r", role: .researcher, on: $0).secret }
        let model = try LoadedModel.initialised(kind: "reward_model", config: GPTConfig(layers: 1, dim: 16, heads: 2, context: 64), seed: 11)
        let architecture = String(decoding: try JSONEncoder().encode(model.trunk.config), as: UTF8.self)
        let bytes = model.checkpoint(kind: "reward_model").encoded(), parameterCount = model.trunk.parameterCount
        let record = try setup.write {
            try ModelRepository.insert(name: "rm", kind: "reward_model", architecture: architecture, parameterCount: parameterCount,
                                       parentID: nil, runID: nil, seed: 11, source: "initialised", checkpoint: bytes, on: $0)
        }
        let items = (0..<10).map { ScoringItem(prompt: "Q\($0)?", response: "A \($0 * 13 % 7)") }
        let expected = try ScoringModelCache().with(record, database: setup) { try Scoring.compute($0, mode: .rewards, items: items) }
        setup.close()

        let pause = TestStores.scratchDirectory("pause")
        try FileManager.default.createDirectory(atPath: pause, withIntermediateDirectories: true)
        let pauseFile = pause + "/paused"
        _ = FileManager.default.createFile(atPath: pauseFile, contents: Data())
        let api = try ServerProcess(location: location, environment: [
            "PREFLAB_RUN_WORKERS": "0", "PREFLAB_JOB_LEASE_SECONDS": "2", "PREFLAB_SCORE_INLINE_MAX": "0", "PREFLAB_SCORE_SHARD_SIZE": "2",
        ])
        defer { api.terminate() }
        let workers = try (0..<3).map { _ in
            try WorkerChild(database: url, environment: ["PREFLAB_JOB_LEASE_SECONDS": "2", "PREFLAB_TEST_SHARD_PAUSE_FILE": pauseFile],
                            arguments: ["--queues", "scoring", "--metrics-port", "0"])
        }
        defer { workers.forEach { $0.terminate() } }
        func listed() throws -> [[String: Any]] { try RunResumeTests.get(api.port, "/v1/workers", secret)["items"] as? [[String: Any]] ?? [] }
        #expect(try waitUntil(seconds: 20) { try Set(listed().compactMap { $0["pid"] as? Int }).isSuperset(of: Set(workers.map(\.pid))) })

        let body = Array(try JSONSerialization.data(withJSONObject: ["items": items.map { ["prompt": $0.prompt, "response": $0.response] }]))
        let headers = ["Authorization": "Bearer \(secret)", "Content-Type": "application/json"]
        let port = api.port, path = "/v1/models/\(record.id)/scores"
        let answer = Mutex<(status: Int, body: [UInt8])?>(nil)
        let poster = Thread {
            let response = try? RawClient(port: port, timeoutSeconds: 120).request("POST", path, headers: headers, body: body)
            answer.withLock { $0 = (response?.status ?? 0, response?.body ?? []) }
        }
        poster.start()

        // Every worker holds a paused shard (5 shards of 2 items, 3 workers of one thread each).
        var holders: [Int: String] = [:]
        let held = try waitUntil(seconds: 30) {
            holders = [:]
            for worker in try listed() {
                if let pid = worker["pid"] as? Int, let job = (worker["current_jobs"] as? [String])?.first { holders[pid] = job }
            }
            return holders.count == 3
        }
        #expect(held, "each worker holds a shard: \(holders)")
        let victim = try #require(workers.first { holders[$0.pid] != nil })
        victim.kill9()
        try FileManager.default.removeItem(atPath: pauseFile)

        #expect(waitUntil(seconds: 60) { answer.withLock { $0 != nil } }, "the request is answered once every shard is scored")
        let response = try #require(answer.withLock { $0 })
        #expect(response.status == 200, "\(String(decoding: response.body, as: UTF8.self))")
        let scores = try ScoreRouteTests.numbers(response.body, "scores")
        #expect(scores.map(\.bitPattern) == expected.map(\.bitPattern), "equal to the uninterrupted computation, bit for bit")
        // The survivors scored all five shards between them, the victim's one included.
        let survivors = workers.filter { $0.pid != victim.pid }
        #expect(try survivors.map { try Self.shardCount($0, "succeeded") }.reduce(0, +) == 5)
        #expect(try survivors.map { try Self.shardCount($0, "claimed") }.reduce(0, +) == 5)
        // The metrics port serves /metrics and nothing else.
        let other = try RawClient(port: try #require(survivors[0].metricsPort)).request("GET", "/v1/workers", headers: headers)
        #expect(other.status == 404)

        // Uninterrupted, over the two survivors: the same bits again.
        let again = try RawClient(port: api.port, timeoutSeconds: 120).request("POST", "/v1/models/\(record.id)/scores", headers: headers, body: body)
        #expect(try ScoreRouteTests.numbers(again.body, "scores").map(\.bitPattern) == expected.map(\.bitPattern))
    }
}
