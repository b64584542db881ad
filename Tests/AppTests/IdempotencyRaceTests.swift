import Dispatch
import Foundation
import Storage
import Synchronization
import Testing
import TestSupport

/// Concurrent retries with one `Idempotency-Key`: each gets the first request's response (a
/// later one waits for the first to commit), or the documented 409 `idempotency_key_in_flight`
/// with `Retry-After` — never an undocumented `409 conflict`, and only one record is stored.
@Suite struct IdempotencyRaceTests {
    struct Outcome: Sendable {
        var status: Int
        var body: [UInt8]
        var code: String?
        var retryAfter: String?
    }

    @Test(arguments: TestStores.backends)
    func concurrentRetriesReplayTheFirstResponse(dialect: SQLDialect) throws {
        let app = try AppFixture(dialect)
        let rounds = 20, clients = 8
        for round in 0..<rounds {
            let responses = Mutex<[Outcome?]>(Array(repeating: nil, count: clients))
            runOnThreads(clients) { index in
                let response = try? app.call("POST", "/v1/prompts", as: "researcher", json: ["text": "race \(round)"],
                                             headers: ["Idempotency-Key": "race-\(round)"])
                let outcome = response.map {
                    Outcome(status: $0.status, body: $0.body, code: $0.json["code"] as? String, retryAfter: $0.header("retry-after"))
                }
                responses.withLock { $0[index] = outcome }
            }
            let all = responses.withLock { $0 }.compactMap { $0 }
            #expect(all.count == clients)
            let created = all.filter { $0.status == 201 }
            #expect(!created.isEmpty)
            #expect(Set(created.map(\.body)).count == 1, "round \(round): the retries got different records")
            for response in all where response.status != 201 {
                #expect(response.status == 409 && response.code == "idempotency_key_in_flight" && response.retryAfter != nil,
                        "round \(round): \(response.status) \(String(decoding: response.body, as: UTF8.self))")
            }
        }
        #expect(try app.count("prompts") == rounds)
    }

    /// A first request that holds its key longer than the bounded wait: the retry gets the documented
    /// 409 with `Retry-After` (after about 5 s), stores nothing, and a later retry succeeds.
    @Test(.enabled(if: TestStores.testsPostgres, "SQLite has one writer: a retry never overlaps the first request"))
    func aRetryWaitingTooLongGetsTheDocumented409() throws {
        let app = try AppFixture(.postgres)
        let tokenID = try #require(try app.app.database.read {
            try $0.query("SELECT id FROM tokens WHERE name = 'researcher'", []).first?[0].string
        })
        // Another server's transaction holding the key, as a first request stuck mid-write would.
        let other = try Database(location: app.app.configuration.database, migrator: TestStores.migrator)
        let locked = DispatchSemaphore(value: 0), release = DispatchSemaphore(value: 0)
        let holder = Thread {
            _ = try? other.write { connection in
                try IdempotencyRepository.lock(principal: tokenID, key: "held", on: connection)
                locked.signal()
                release.wait()
            }
        }
        holder.start()
        locked.wait()
        // The server waits its 5 s lock timeout first: the client allows far more, so a loaded CI machine cannot turn
        // the documented 409 into a client-side timeout.
        let waited = try app.call("POST", "/v1/prompts", as: "researcher", json: ["text": "held"], headers: ["Idempotency-Key": "held"],
                                  timeoutSeconds: 60)
        release.signal()
        #expect(waited.status == 409)
        #expect(waited.json["code"] as? String == "idempotency_key_in_flight")
        #expect(waited.json["field"] as? String == "Idempotency-Key")
        #expect(waited.header("retry-after") == "1")
        #expect(try app.count("prompts") == 0)
        let retried = try app.call("POST", "/v1/prompts", as: "researcher", json: ["text": "held"], headers: ["Idempotency-Key": "held"])
        #expect(retried.status == 201)
        #expect(try app.count("prompts") == 1)
    }
}
