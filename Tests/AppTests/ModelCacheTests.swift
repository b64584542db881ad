@testable import App
import Foundation
import HTTP1
import HTTPServer
import Storage
import Testing
import TestSupport

/// Model calls are bounded per model: over the bound they are answered 503 with `Retry-After`
/// at once instead of queueing on the model's lock, each holding a blocking-pool thread.
@Suite struct ModelCacheTests {
    @Test(arguments: TestStores.backends)
    func callsOverTheModelsBoundFailFastInsteadOfWaiting(dialect: SQLDialect) throws {
        let app = try AppFixture(dialect)
        let created = try app.call("POST", "/v1/models", as: "researcher", json: [
            "name": "tiny", "architecture": ["layers": 1, "dim": 16, "heads": 2, "context": 32], "seed": 7,
        ])
        let id = try #require(created.json["id"] as? String)
        let record = try #require(try app.app.database.read { try ModelRepository.get(id: id, on: $0) })
        let cache = ModelCache(capacity: 2, maxCallersPerModel: 1)
        let entered = DispatchSemaphore(value: 0), release = DispatchSemaphore(value: 0), done = DispatchSemaphore(value: 0)
        let holder = Thread {
            _ = try? cache.with(record, database: app.app.database) { _ in
                entered.signal()
                _ = release.wait(timeout: .now() + 30)
            }
            done.signal()
        }
        holder.start()
        #expect(entered.wait(timeout: .now() + 30) == .success)
        let answered = DispatchSemaphore(value: 0)
        let busy = Thread {
            do {
                try cache.with(record, database: app.app.database) { _ in }
            } catch is ModelCache.Busy {
                answered.signal()
            } catch {}
        }
        busy.start()
        let failedFast = answered.wait(timeout: .now() + 5) == .success
        release.signal()
        #expect(failedFast)
        #expect(done.wait(timeout: .now() + 30) == .success)
        // Once the model is free, calls go through again.
        #expect(throws: Never.self) { try cache.with(record, database: app.app.database) { _ in } }
    }

    @Test func busyIsAnswered503WithRetryAfter() throws {
        let handler = ModelRoutes.answeringBusy { _ in throw ModelCache.Busy(modelID: "mdl_1", limit: 4) }
        let response = try handler(ServerRequest(http: HTTPRequest(method: .post, target: "/v1/models/mdl_1/generate",
                                                                    rawPath: "/v1/models/mdl_1/generate")))
        #expect(response.status == .serviceUnavailable)
        #expect(response.headers["retry-after"] == "1")
        guard case .bytes(let body) = response.body else { Issue.record("expected a problem body"); return }
        #expect(String(decoding: body, as: UTF8.self).contains("\"model_busy\""))
    }
}
