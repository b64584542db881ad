import CLinux
import Foundation
import HTTP1
@testable import HTTPServer
import Logging
import Synchronization
import TestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The connection table under attack: silent connections, and running out of descriptors.
@Suite struct ConnectionTableTests {
    /// Connections that never send a byte once filled the table, and every newcomer (health
    /// checks included) got 503 until the idle timeout; now the oldest silent one makes room.
    @Test func silentConnectionsDoNotLockOutNewClients() throws {
        let fixture = try ServerFixture { config in
            config.maxConnections = 4
            config.firstRequestTimeout = .seconds(60)
            config.deferAccept = false  // the table itself under test, not the kernel's deferral
        }
        defer { fixture.stop() }
        let silent = try (0..<8).map { _ in try fixture.client() }
        #expect(waitUntil { fixture.server.connectionCount == 4 })
        for _ in 0..<3 {
            #expect(try fixture.client().get("/hello").status == 200)
        }
        // The newest silent connections are still held; the oldest went first.
        #expect(silent.first?.isClosedByPeer() == true)
    }

    /// A connection that has not sent its first request head within the deadline is closed,
    /// while a served keep-alive connection waits out its (longer) idle timeout.
    @Test func firstRequestHeadHasADeadline() throws {
        let fixture = try ServerFixture { config in
            config.firstRequestTimeout = .milliseconds(200)
            config.idleTimeout = .seconds(60)
            config.deferAccept = false
        }
        defer { fixture.stop() }
        let silent = try fixture.client()
        let halfHead = try fixture.client()
        try halfHead.send("GET /hello HTTP/1.1\r\nHo")
        let served = try fixture.client()
        #expect(try served.get("/hello").status == 200)
        #expect(silent.isClosedByPeer())
        #expect(try halfHead.readResponse().status == 408)
        #expect(try served.get("/hello").status == 200)
    }

    /// With `TCP_DEFER_ACCEPT` a connection that sends nothing is never handed to the server,
    /// so it takes neither a slot nor a place ahead of real clients in the accept queue.
    @Test func silentConnectionsStayInTheKernel() throws {
        let fixture = try ServerFixture { config in
            config.maxConnections = 4
            config.firstRequestTimeout = .seconds(30)
        }
        defer { fixture.stop() }
        let silent = try (0..<8).map { _ in try fixture.client() }
        let client = try fixture.client()
        #expect(try client.get("/hello").status == 200)
        #expect(fixture.server.connectionCount == 1)
        // A stalled first head is displaced before anything else once it is in the table.
        try silent[0].send("GET /hello HTTP/1.1\r\nHo")
        #expect(waitUntil { fixture.server.connectionCount == 2 })
    }

    /// A client that sends a byte of its first head and stalls cannot hold a slot against newcomers.
    @Test func stalledFirstHeadsAreDisplacedToo() throws {
        let fixture = try ServerFixture { config in
            config.maxConnections = 2
            config.firstRequestTimeout = .seconds(30)
        }
        defer { fixture.stop() }
        let stalled = try (0..<2).map { _ in try fixture.client() }
        for client in stalled { try client.send("G") }
        #expect(waitUntil { fixture.server.connectionCount == 2 })
        #expect(try fixture.client().get("/hello").status == 200)
        #expect(stalled[0].isClosedByPeer())
    }

    /// `accept` failing with EMFILE once spun the acceptor (millions of warnings a second):
    /// now it pauses between attempts, warns once, and serves the waiting client when
    /// descriptors are back.
    @Test func acceptFailingWithEMFILEBacksOffAndWarnsOnce() throws {
        let failing = Atomic<Bool>(false)
        let attempts = Atomic<Int>(0)
        let capture = LogCapture()
        let fixture = try ServerFixture(logger: capture.logger) { config in
            config.accept = { listener in
                guard failing.load(ordering: .relaxed) else {
                    return clinux_accept4(listener, Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue))
                }
                attempts.add(1, ordering: .relaxed)
                errno = EMFILE
                return -1
            }
        }
        defer { fixture.stop() }
        let before = try fixture.client()
        #expect(try before.get("/hello").status == 200)
        failing.store(true, ordering: .relaxed)
        let waiting = try fixture.client()  // completes in the kernel's backlog
        try waiting.send("GET /hello HTTP/1.1\r\nHost: t\r\n\r\n")
        #expect(waitUntil { attempts.load(ordering: .relaxed) >= 5 })
        #expect(capture.count(.warning, containing: "accept failed") == 1)
        // Connections already accepted are served meanwhile.
        #expect(try before.get("/hello").status == 200)
        failing.store(false, ordering: .relaxed)
        #expect(try waiting.readResponse().status == 200)
    }

    /// The cap is lowered to what the open-file limit leaves, keeping a reserve for the rest of the process.
    @Test func connectionCapFitsTheOpenFileLimit() {
        #expect(FileLimit.connectionCap(configured: 4096, openFileLimit: 1024) == 896)
        #expect(FileLimit.connectionCap(configured: 4096, openFileLimit: 256) == 192)
        #expect(FileLimit.connectionCap(configured: 100, openFileLimit: 1_048_576) == 100)
        #expect(FileLimit.connectionCap(configured: 4096, openFileLimit: 40) == 1)
    }

    @Test func acceptBackoffDoublesUpToASecondAndRateLimitsWarnings() {
        let t0 = ContinuousClock.now
        var backoff = AcceptBackoff(warningInterval: .seconds(10))
        #expect(backoff.failed(at: t0, resourceShortage: true) == .init(suppressed: 0, pause: .milliseconds(10)))
        for i in 1...20 {
            #expect(backoff.failed(at: t0 + .milliseconds(i), resourceShortage: true) == nil)
        }
        #expect(backoff.pause == .seconds(1))
        #expect(backoff.failed(at: t0 + .seconds(10), resourceShortage: true) == .init(suppressed: 20, pause: .seconds(1)))
        backoff.succeeded()
        #expect(backoff.pause == nil)
    }
}
