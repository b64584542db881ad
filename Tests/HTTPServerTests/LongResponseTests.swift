import Dispatch
import Foundation
import HTTP1
import HTTPServer
import Synchronization
import TestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Streams, large downloads and deferred responses hold no blocking-pool thread while they wait on a client.
@Suite struct LongResponseTests {
    // Larger than the loopback socket buffers can hold (receive autotuning reaches 32 MiB here).
    static let big = [UInt8](repeating: 0x5A, count: 48 << 20)

    /// Streams once pinned a pool thread each for their whole life: with one worker, one
    /// open stream froze every blocking route. Now each stream has a thread of its own.
    @Test func openStreamsLeaveThePoolFree() throws {
        let release = Gate()
        let fixture = try ServerFixture { $0.workers = 1 } routes: { router in
            router.get("/forever") { _ in
                ServerResponse(status: .ok, headers: ["Content-Type": "text/event-stream"], body: .stream { writer in
                    try writer.write(Array(": open\n\n".utf8))
                    release.wait(seconds: 30)
                })
            }
        }
        defer {
            release.open()
            fixture.stop()
        }
        let streams = try (0..<3).map { _ in try RawClient(port: fixture.port, timeoutSeconds: 5) }
        for stream in streams {
            try stream.send("GET /forever HTTP/1.1\r\nHost: t\r\n\r\n")
            #expect(try stream.readHead().status == 200)
            #expect(try stream.readChunk() != nil)
        }
        let other = try RawClient(port: fixture.port, timeoutSeconds: 5)
        #expect(try other.get("/echo/free").text == "free")
    }

    /// A stream whose client hangs up is told at once, so a producer waiting for the next
    /// event stops instead of holding on until its next (keep-alive) write.
    @Test func aClosedStreamIsNoticedAtOnce() throws {
        let noticed = Gate()
        let fixture = try ServerFixture { _ in } routes: { router in
            router.get("/events") { _ in
                ServerResponse(status: .ok, headers: ["Content-Type": "text/event-stream"], body: .stream { writer in
                    let wake = Gate()
                    writer.onClose { wake.open() }
                    try writer.write(Array(": open\n\n".utf8))
                    if wake.wait(seconds: 30), writer.isClosed { noticed.open() }
                })
            }
        }
        defer { fixture.stop() }
        do {
            let client = try fixture.client()
            try client.send("GET /events HTTP/1.1\r\nHost: t\r\n\r\n")
            #expect(try client.readHead().status == 200)
            #expect(try client.readChunk() != nil)
        }  // the client closes its socket here
        #expect(noticed.wait(seconds: 5))
        #expect(waitUntil { fixture.server.connectionCount == 0 })
    }

    @Test func streamsBeyondTheLimitGet503WithRetryAfter() throws {
        let release = Gate()
        let fixture = try ServerFixture { $0.maxStreams = 1 } routes: { router in
            router.get("/forever") { _ in
                ServerResponse(status: .ok, body: .stream { writer in
                    try writer.write(Array("x".utf8))
                    release.wait(seconds: 30)
                })
            }
        }
        defer {
            release.open()
            fixture.stop()
        }
        let first = try fixture.client()
        try first.send("GET /forever HTTP/1.1\r\nHost: t\r\n\r\n")
        #expect(try first.readHead().status == 200)
        let second = try fixture.client()
        let refused = try second.get("/forever")
        #expect(refused.status == 503)
        #expect(refused.header("retry-after") == "5")
        #expect(try second.get("/hello").status == 200)
    }

    /// A client that does not read a large body once held the pool thread writing it (up to the
    /// write timeout): with one worker, the API froze. Now the rest waits for EPOLLOUT on an
    /// event loop, and the reader still gets every byte when it reads.
    @Test func aSlowReaderOfALargeBodyHoldsNoPoolThread() throws {
        let fixture = try ServerFixture { config in
            config.workers = 1
            config.writeTimeout = .seconds(60)
        } routes: { router in
            router.get("/big") { _ in ServerResponse(contentType: "application/octet-stream", body: Self.big) }
        }
        defer { fixture.stop() }
        let slow = try RawClient(port: fixture.port, timeoutSeconds: 10)
        try slow.send("GET /big HTTP/1.1\r\nHost: t\r\n\r\n")
        let other = try RawClient(port: fixture.port, timeoutSeconds: 5)
        for word in ["a", "b"] {
            #expect(try other.get("/echo/\(word)").text == word)
        }
        let response = try slow.readResponse()
        #expect(response.body.count == Self.big.count)
        #expect(try slow.get("/echo/after").text == "after")
    }

    /// Completing a deferred response (as the group commit's completion thread does) never
    /// writes to the socket: a client that does not read cannot stall the completing thread.
    @Test func completingADeferredResponseNeverWaitsOnTheClient() throws {
        let promise = ResponsePromise()
        let asked = Gate()
        let fixture = try ServerFixture { $0.writeTimeout = .seconds(60) } routes: { router in
            router.get("/later", execution: .inline) { _ in
                asked.open()
                return .deferred(promise)
            }
        }
        defer { fixture.stop() }
        let client = try RawClient(port: fixture.port, timeoutSeconds: 10)
        try client.send("GET /later HTTP/1.1\r\nHost: t\r\n\r\n")
        #expect(asked.wait())
        let completed = Gate()
        Thread {
            promise.succeed(ServerResponse(contentType: "application/octet-stream", body: Self.big))
            completed.open()
        }.start()
        #expect(completed.wait(seconds: 5))
        let response = try client.readResponse()
        #expect(response.body.count == Self.big.count)
        #expect(try client.get("/hello").text == "hello")
    }
}
