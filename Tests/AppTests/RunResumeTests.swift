import Foundation
import Storage
import Testing
import TestSupport

/// A run survives `kill -9` of its server: after a restart it resumes from its last checkpoint and
/// completes, and its metric series has every step exactly once, equal to an uninterrupted run's.
@Suite struct RunResumeTests {
    static var sft: [String: Any] { [
        "algorithm": "sft", "task": ["kind": "text", "name": "arithmetic"], "seed": 5,
        "hyperparameters": ["steps": 120, "checkpoint_every": 10, "eval_samples": 0],
    ] }

    static func get(_ port: Int, _ path: String, _ secret: String) throws -> [String: Any] {
        try RawClient(port: port).request("GET", path, headers: ["Authorization": "Bearer \(secret)"]).json
    }

    /// Every value of `key`, in step order, through the paginated metrics route.
    static func series(_ port: Int, _ id: String, key: String, _ secret: String) throws -> [(Int, Double)] {
        var out: [(Int, Double)] = []
        var token: String?
        repeat {
            let page = try get(port, "/v1/runs/\(id)/metrics?key=\(key)&page_size=50" + (token.map { "&page_token=\($0)" } ?? ""), secret)
            out += (page["items"] as? [[String: Any]] ?? []).compactMap { item in
                guard let step = item["step"] as? Int, let value = item["value"] as? Double else { return nil }
                return (step, value)
            }
            token = page["next_page_token"] as? String
        } while token != nil
        return out
    }

    @Test(arguments: TestStores.backends)
    func aRunKilledMidwayResumesFromItsCheckpointWithNoGapOrDuplicate(dialect: SQLDialect) throws {
        let location = try TestStores.location(dialect)
        let setup = try Database(location: location, migrator: TestStores.migrator)
        let secret = try setup.write { try TokenRepository.create(name: "r", role: .researcher, on: $0).secret }
        setup.close()
        let environment = ["PREFLAB_JOB_LEASE_SECONDS": "2"]
        let headers = ["Authorization": "Bearer \(secret)", "Content-Type": "application/json"]
        let body = Array(try JSONSerialization.data(withJSONObject: Self.sft))

        let first = try ServerProcess(location: location, environment: environment)
        var killed = false
        defer { if !killed { first.kill9() } }
        let posted = try RawClient(port: first.port).request("POST", "/v1/runs", headers: headers, body: body)
        #expect(posted.status == 202, "\(posted.text)")
        let id = try #require(posted.json["id"] as? String)
        // Kill once a checkpoint is behind the run and it is still going.
        var atKill: [String: Any] = [:]
        let midway = try waitUntil(seconds: 60) {
            atKill = try Self.get(first.port, "/v1/runs/\(id)", secret)
            return (atKill["progress"] as? [String: Any])?["step"] as? Int ?? 0 >= 15
        }
        first.kill9()
        killed = true
        let stepAtKill = (atKill["progress"] as? [String: Any])?["step"] as? Int ?? 0
        #expect(midway && atKill["status"] as? String == "running" && stepAtKill < 120, "killed mid-run: \(atKill)")
        // What the restart resumes from: a stored checkpoint, not step 0.
        let store = try Database(location: location, migrator: TestStores.migrator)
        let checkpoint = try store.read { try RunRepository.checkpoint(runID: id, on: $0) }?.step
        store.close()
        #expect((checkpoint ?? 0) >= 10, "checkpoint at step \(String(describing: checkpoint)) when killed at \(stepAtKill)")

        let second = try ServerProcess(location: location, environment: environment)
        defer { second.terminate() }
        var run: [String: Any] = [:]
        let done = try waitUntil(seconds: 90) {
            run = try Self.get(second.port, "/v1/runs/\(id)", secret)
            return run["status"] as? String == "succeeded" || run["status"] as? String == "failed"
        }
        #expect(done && run["status"] as? String == "succeeded", "\(run)")
        #expect((run["attempts"] as? Int ?? 0) >= 2, "the run was started again after the kill")
        let resumed = try Self.series(second.port, id, key: "loss", secret)
        #expect(resumed.map(\.0) == Array(1...120), "every step once, in order")

        // The same request run without interruption gives the same series: the resume continued exactly.
        let again = try RawClient(port: second.port).request("POST", "/v1/runs", headers: headers, body: body)
        let twin = try #require(again.json["id"] as? String)
        #expect(try waitUntil(seconds: 90) { try Self.get(second.port, "/v1/runs/\(twin)", secret)["status"] as? String == "succeeded" })
        let uninterrupted = try Self.series(second.port, twin, key: "loss", secret)
        #expect(uninterrupted.map(\.1) == resumed.map(\.1))
    }
}
