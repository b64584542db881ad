import Foundation
import Storage
import Synchronization
import Testing
import TestSupport

/// An acknowledged write survives `kill -9` of the server, on both stores.
@Suite struct DurabilityTests {
    @Test(arguments: TestStores.backends)
    func everyAcknowledgedPreferenceSurvivesKill9(dialect: SQLDialect) throws {
        let location = try TestStores.location(dialect)
        let setup = try Database(location: location, migrator: TestStores.migrator)
        let secret = try setup.write { try TokenRepository.create(name: "ann", role: .researcher, on: $0).secret }
        setup.close()

        let first = try ServerProcess(location: location)
        let acknowledged = Mutex<[String]>([])
        let stop = Atomic<Bool>(false)
        // Four clients post as fast as they can until the server dies under them.
        let group = DispatchGroup()
        for worker in 0..<4 {
            DispatchQueue.global().async(group: group) {
                guard let client = try? RawClient(port: first.port, timeoutSeconds: 5) else { return }
                var n = 0
                while !stop.load(ordering: .relaxed) {
                    n += 1
                    let body = Array(#"{"prompt":"p\#(worker)-\#(n)","response_a":"x","response_b":"y","choice":"a"}"#.utf8)
                    guard let response = try? client.request("POST", "/v1/preferences", headers: [
                        "Authorization": "Bearer \(secret)", "Content-Type": "application/json",
                    ], body: body) else { return }
                    if response.status == 201, let id = response.json["id"] as? String {
                        acknowledged.withLock { $0.append(id) }
                    }
                }
            }
        }
        #expect(waitUntil(seconds: 30) { acknowledged.withLock { $0.count } >= 300 })
        first.kill9()
        stop.store(true, ordering: .relaxed)
        group.wait()
        let acked = Set(acknowledged.withLock { $0 })
        #expect(acked.count >= 300)

        let second = try ServerProcess(location: location)
        defer { second.terminate() }
        var stored = Set<String>()
        var token: String?
        repeat {
            let page = try RawClient(port: second.port).request(
                "GET", "/v1/preferences?page_size=1000" + (token.map { "&page_token=\($0)" } ?? ""),
                headers: ["Authorization": "Bearer \(secret)"])
            #expect(page.status == 200)
            stored.formUnion((page.json["items"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String })
            token = page.json["next_page_token"] as? String
        } while token != nil
        let lost = acked.subtracting(stored)
        #expect(lost.isEmpty, "\(lost.count) acknowledged preferences were lost")
    }
}
