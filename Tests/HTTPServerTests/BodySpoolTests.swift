import Foundation
import HTTP1
import HTTPServer
import Synchronization
import Testing
import TestSupport

/// A route with `spoolAbove` gets a large body as a file written while it arrived; small bodies stay in memory.
@Suite struct BodySpoolTests {
    @Test func largeBodyIsSpooledToAFileThatGoesAwayAfterwards() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("spool-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let seenPath = Mutex<String?>(nil)
        let fixture = try ServerFixture({ $0.spoolDirectory = directory }) { router in
            router.post("/upload", maxBodyBytes: 8 << 20, spoolAbove: 64 * 1024) { request in
                guard let spooled = request.spooledBody else {
                    return .text("memory \(request.body.count)")
                }
                seenPath.withLock { $0 = spooled.path }
                let data = try Data(contentsOf: URL(fileURLWithPath: spooled.path))
                let sum = data.reduce(0) { ($0 &* 31 &+ Int($1)) & 0xFFFFFF }
                return .text("file \(spooled.count) \(data.count) \(sum)")
            }
        }
        defer { fixture.stop() }
        var body = [UInt8](repeating: 0, count: 3 << 20)
        for i in body.indices { body[i] = UInt8(truncatingIfNeeded: i &* 7 &+ i >> 9) }
        let sum = body.reduce(0) { ($0 &* 31 &+ Int($1)) & 0xFFFFFF }
        let client = try fixture.client()
        // Sent in pieces, as a slow client would, so the server spools as it reads.
        try client.send("POST /upload HTTP/1.1\r\nHost: t\r\nContent-Length: \(body.count)\r\n\r\n")
        for start in stride(from: 0, to: body.count, by: 256 * 1024) { try client.send(Array(body[start..<min(body.count, start + 256 * 1024)])) }
        let response = try client.readResponse()
        #expect(response.status == 200)
        #expect(response.text == "file \(body.count) \(body.count) \(sum)")
        let path = try #require(seenPath.withLock { $0 })
        #expect(path.hasPrefix(directory))
        // The request is over and nothing holds the body: its file is gone.
        #expect(waitUntil { !FileManager.default.fileExists(atPath: path) })
        // The same route keeps a small body in memory, and the connection still serves.
        let small = try client.request("POST", "/upload", body: Array("hello".utf8))
        #expect(small.text == "memory 5")
        // Over the route's limit: 413 before any byte of the body is read.
        try client.send("POST /upload HTTP/1.1\r\nHost: t\r\nContent-Length: \(9 << 20)\r\n\r\n")
        #expect(try client.readResponse().status == 413)
    }
}
