import Foundation
import Storage
import Testing
import TestSupport

/// Imports in the background: `?async=true` or a body over 16 MiB (spooled to a file as it arrives) answers 202
/// with a progress resource; the import is all or nothing and the server's memory does not grow with the file.
@Suite struct ImportStreamingTests {
    static func line(_ i: Int, padding: Int = 0) -> String {
        #"{"prompt":"Question \#(i)?","chosen":"Answer \#(i).","rejected":"No \#(i).","prompt_id":"p\#(i)","pad":"\#(String(repeating: "x", count: padding))"}"#
    }

    /// Polls `/v1/imports/{id}` until it is finished; returns its last state.
    func finished(_ location: String, port: Int, token: String) throws -> [String: Any] {
        var last: [String: Any] = [:]
        let done = try waitUntil(seconds: 120) {
            let response = try RawClient(port: port).get(location, headers: "Authorization: Bearer \(token)\r\n")
            last = (try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any]) ?? [:]
            return ["succeeded", "failed"].contains(last["status"] as? String ?? "")
        }
        #expect(done, "the import did not finish: \(last)")
        return last
    }

    @Test(arguments: TestStores.backends)
    func asyncImportReportsProgressAndIsAllOrNothing(dialect: SQLDialect) throws {
        let app = try AppFixture(dialect)
        let researcher = try #require(app.tokens["researcher"])
        let good = (0..<500).map { Self.line($0) }.joined(separator: "\n") + "\n"
        let accepted = try app.call("POST", "/v1/preferences/import?dataset=bg&async=true", as: "researcher", raw: Array(good.utf8),
                                    headers: ["Content-Type": "application/jsonl"])
        #expect(accepted.status == 202)
        let location = try #require(accepted.header("location"))
        #expect(location.hasPrefix("/v1/imports/imp_"))
        let done = try finished(location, port: app.port, token: researcher)
        #expect(done["status"] as? String == "succeeded")
        #expect(done["imported"] as? Int == 500)
        #expect(done["bytes_total"] as? Int == good.utf8.count)
        #expect(try app.count("preferences") == 500)
        // One bad line at the end: the file is refused whole, the errors name it, nothing is stored. A body held
        // in memory is checked before the answer.
        let bad = good + #"{"prompt":"q","chosen":"same","rejected":"same"}"# + "\n"
        let refused = try app.call("POST", "/v1/preferences/import?dataset=bg&async=true", as: "researcher", raw: Array(bad.utf8),
                                   headers: ["Content-Type": "application/jsonl"])
        #expect(refused.status == 422)
        let errors = refused.json["errors"] as? [[String: Any]] ?? []
        #expect(errors.first?["line"] as? Int == 501)
        #expect(errors.first?["field"] as? String == "rejected")
        #expect(try app.count("preferences") == 500)
        #expect(try app.call("GET", "/v1/imports/imp_unknown", as: "researcher").status == 404)
        // An empty body is refused at once, not accepted and failed later.
        let empty = try app.call("POST", "/v1/preferences/import?async=true", as: "researcher", raw: [],
                                 headers: ["Content-Type": "application/jsonl"])
        #expect(empty.status == 422)
        #expect(empty.json["code"] as? String == "invalid_import")
        let badKey = try app.call("POST", "/v1/preferences/import?async=true", as: "researcher", raw: Array(good.utf8),
                                  headers: ["Content-Type": "application/jsonl", "Idempotency-Key": "a b"])
        #expect(badKey.status == 400)
        #expect(badKey.json["code"] as? String == "invalid_idempotency_key")
        #expect(try app.call("GET", location, as: "ann1").status == 403)
    }

    /// A /proc/PID/status field, in KiB.
    func status(_ pid: Int32, _ field: String) throws -> Int {
        let text = try String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
        let line = try #require(text.split(separator: "\n").first { $0.hasPrefix(field + ":") })
        return try #require(Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? ""))
    }

    @Test(arguments: TestStores.backends)
    func largeImportIsSpooledInBoundedMemory(dialect: SQLDialect) throws {
        let location = try TestStores.location(dialect)
        let token = try {
            let database = try Database(location: location, migrator: TestStores.migrator)
            defer { database.close() }
            return try database.write { try TokenRepository.create(name: "researcher", role: .researcher, on: $0).secret }
        }()
        let server = try ServerProcess(location: location)
        defer { server.terminate() }
        let pid = server.process.processIdentifier
        #expect(try RawClient(port: server.port).get("/v1/imports/imp_none", headers: "Authorization: Bearer \(token)\r\n").status == 404)
        let before = try status(pid, "VmRSS")
        try Data("5".utf8).write(to: URL(fileURLWithPath: "/proc/\(pid)/clear_refs"))
        // 40 MiB of 2 KiB lines, generated while sent: the test holds one piece at a time too.
        let lines = 20_000
        let piece = (0..<100).map { Self.line($0, padding: 1_950) }.joined(separator: "\n") + "\n"
        let total = piece.utf8.count * (lines / 100)
        let client = try RawClient(port: server.port, timeoutSeconds: 120)
        try client.send("POST /v1/preferences/import?dataset=big HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer \(token)\r\n"
                        + "Content-Type: application/jsonl\r\nContent-Length: \(total)\r\n\r\n")
        for _ in 0..<(lines / 100) { try client.send(Array(piece.utf8)) }
        let accepted = try client.readResponse()
        #expect(accepted.status == 202)
        let done = try finished(try #require(accepted.header("location")), port: server.port, token: token)
        #expect(done["status"] as? String == "succeeded")
        #expect(done["imported"] as? Int == lines)
        let growth = try status(pid, "VmHWM") - before
        print("import of \(total / 1024) KiB on \(dialect): peak RSS grew by \(growth) KiB")
        #expect(growth < total / 1024 / 2, "peak RSS grew by \(growth) KiB importing \(total / 1024) KiB")
    }
}
