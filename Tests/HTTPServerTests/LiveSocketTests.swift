import Dispatch
import Foundation
import HTTP1
import HTTPServer
import TestSupport
import Testing

/// The server over real loopback sockets.
@Suite struct LiveSocketTests {
    @Test func keepAliveReusesOneConnection() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let client = try fixture.client()
        for word in ["a", "b", "c"] {
            let response = try client.get("/echo/\(word)")
            #expect(response.status == 200)
            #expect(response.text == word)
            #expect(response.header("connection") == nil)
        }
        #expect(fixture.server.connectionCount == 1)
    }

    /// Three requests in one write, the second with a body: three responses, in order.
    @Test func pipelinedRequestsAreAnsweredInOrder() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let client = try fixture.client()
        try client.send("GET /echo/one HTTP/1.1\r\nHost: t\r\n\r\nPOST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\n\r\ntwoGET /echo/three HTTP/1.1\r\nHost: t\r\n\r\n")
        #expect(try client.readResponse().text == "one")
        #expect(try client.readResponse().text == "two")
        #expect(try client.readResponse().text == "three")
    }

    @Test func chunkedRequestBodyIsReassembled() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let client = try fixture.client()
        try client.send("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n")
        try client.send("1;ext=x\r\n \r\n6\r\nworld!\r\n0\r\nX-Trailer: 1\r\n\r\n")
        let response = try client.readResponse()
        #expect(response.status == 200)
        #expect(response.text == "hello world!")
    }

    /// RFC 9110 §10.1.1: the server answers 100 Continue before the client sends the body.
    @Test func expectContinueGetsInterimResponse() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let client = try fixture.client()
        try client.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n")
        let interim = try client.readResponse()
        #expect(interim.status == 100)
        try client.send("body")
        let final = try client.readResponse()
        #expect(final.status == 200)
        #expect(final.text == "body")
    }

    /// `100 Continue` only for a request the server will take: an unknown route, a refused
    /// head (here: no token) or a body over the route's limit gets its final status first,
    /// and the client never sends the body.
    @Test(arguments: [
        ("POST /nowhere HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n", 404),
        ("PUT /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n", 405),
        ("POST /guarded HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n", 401),
        ("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 4096\r\nExpect: 100-continue\r\n\r\n", 413),
    ])
    func expectContinueIsRefusedWithTheFinalStatusFirst(request: String, status: Int) throws {
        struct Unauthenticated: Error {}
        let fixture = try ServerFixture { config in
            config.limits = HTTPLimits(maxRequestLineBytes: 256, maxHeaderCount: 10, maxHeaderBytes: 512, maxBodyBytes: 1024)
        } routes: { router in
            router.post("/guarded") { request in .text("took \(request.body.count) bytes") }
            router.continueCheck = { request in
                if request.route == "/guarded", request.headers["authorization"] == nil { throw Unauthenticated() }
            }
            router.errorMapper = { error, request in
                error is Unauthenticated ? .text("no token\n", status: .unauthorized) : Router.plainErrorMapper(error, request)
            }
        }
        defer { fixture.stop() }
        let client = try fixture.client()
        try client.send(request)
        let response = try client.readResponse()
        #expect(response.status == status)
        #expect(response.header("connection") == "close")
        #expect(client.isClosedByPeer())

        let allowed = try fixture.client()
        try allowed.send("POST /guarded HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer x\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n")
        #expect(try allowed.readResponse().status == 100)
        try allowed.send("body")
        #expect(try allowed.readResponse().text == "took 4 bytes")
    }

    @Test func headHasLengthButNoBody() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let client = try fixture.client()
        try client.send("HEAD /hello HTTP/1.1\r\nHost: t\r\n\r\n")
        let head = try client.readResponse(bodyless: true)
        #expect(head.status == 200)
        #expect(head.header("content-length") == "5")
        // The next response starts right away: no stray body bytes were sent.
        #expect(try client.get("/echo/next").text == "next")
    }

    /// RFC 9112 §9.3: HTTP/1.0 closes after the response unless keep-alive is asked for.
    @Test func http10ClosesByDefaultAndKeepsAliveOnRequest() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let closing = try fixture.client()
        try closing.send("GET /hello HTTP/1.0\r\n\r\n")
        #expect(try closing.readResponse().header("connection") == "close")
        #expect(closing.isClosedByPeer())

        let persistent = try fixture.client()
        try persistent.send("GET /hello HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
        #expect(try persistent.readResponse().header("connection") == "keep-alive")
        try persistent.send("GET /echo/again HTTP/1.0\r\n\r\n")
        #expect(try persistent.readResponse().text == "again")
    }

    @Test func connectionCloseIsHonoured() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let client = try fixture.client()
        let response = try client.get("/hello", headers: "Connection: close\r\n")
        #expect(response.header("connection") == "close")
        #expect(client.isClosedByPeer())
    }

    /// Each limit: the right status, then the connection is closed (framing is lost).
    @Test(arguments: [
        ("GET /\(String(repeating: "a", count: 300)) HTTP/1.1\r\nHost: t\r\n\r\n", 414),
        ("GET / HTTP/1.1\r\nHost: t\r\nX-Big: \(String(repeating: "b", count: 600))\r\n\r\n", 431),
        ("GET / HTTP/1.1\r\nHost: t\r\n" + (0..<12).map { "X-\($0): v\r\n" }.joined() + "\r\n", 431),
        ("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 2000\r\n\r\n", 413),
        ("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n800\r\n", 413),
        ("GET / HTTP/2.0\r\nHost: t\r\n\r\n", 505),
        ("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: gzip\r\n\r\n", 501),
        ("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n", 400),
        ("GET / HTTP/1.1\r\nHost: t\r\n folded\r\n\r\n", 400),
        ("GET / HTTP/1.1\r\n\r\n", 400),
        ("POST /echo HTTP/1.1\r\nHost: t\r\nExpect: teapot\r\n\r\n", 417),
    ])
    func limitsAndMalformedRequests(request: String, status: Int) throws {
        let fixture = try ServerFixture { config in
            config.limits = HTTPLimits(maxRequestLineBytes: 256, maxHeaderCount: 10, maxHeaderBytes: 512, maxBodyBytes: 1024)
        }
        defer { fixture.stop() }
        let client = try fixture.client()
        try client.send(request)
        let response = try client.readResponse()
        #expect(response.status == status)
        #expect(response.header("connection") == "close")
        #expect(client.isClosedByPeer())
    }

    /// A slow client (slowloris) gets 408 at the read deadline and holds no worker meanwhile:
    /// with a single worker thread, a normal client is served while five slow ones trickle bytes.
    @Test func slowClientsTimeOutWithoutStarvingOthers() throws {
        let fixture = try ServerFixture { config in
            config.eventLoops = 1
            config.workers = 1
            config.readTimeout = .milliseconds(600)
        }
        defer { fixture.stop() }
        let slow = try (0..<5).map { _ in try fixture.client() }
        for client in slow { try client.send("GET /hello HTTP/1.1\r\nHo") }
        let started = Date()
        let normal = try fixture.client()
        var served = 0
        // Keep the slow clients trickling while the normal one is served repeatedly.
        while Date().timeIntervalSince(started) < 0.4 {
            for client in slow { try? client.send("s") }
            #expect(try normal.get("/hello").status == 200)
            served += 1
        }
        #expect(served > 3)
        for client in slow {
            let response = try client.readResponse()
            #expect(response.status == 408)
            #expect(client.isClosedByPeer())
        }
        #expect(Date().timeIntervalSince(started) < 5)
    }

    @Test func idleKeepAliveConnectionIsClosedQuietly() throws {
        let fixture = try ServerFixture { $0.idleTimeout = .milliseconds(200) }
        defer { fixture.stop() }
        let client = try fixture.client()
        #expect(try client.get("/hello").status == 200)
        #expect(client.isClosedByPeer())
        #expect(waitUntil { fixture.server.connectionCount == 0 })
    }

    /// 200 connections open at once, each with a request in flight, answered twice over keep-alive.
    @Test func twoHundredConcurrentClients() throws {
        let fixture = try ServerFixture()
        defer { fixture.stop() }
        let clients = try (0..<200).map { _ in try fixture.client() }
        for round in 0..<2 {
            for (i, client) in clients.enumerated() {
                try client.send("GET /echo/c\(i)r\(round) HTTP/1.1\r\nHost: t\r\n\r\n")
            }
            #expect(waitUntil { fixture.server.connectionCount == 200 })
            for (i, client) in clients.enumerated() {
                let response = try client.readResponse()
                #expect(response.status == 200)
                #expect(response.text == "c\(i)r\(round)")
            }
        }
    }

    /// A full table admits a new client by closing the longest-idle keep-alive connection;
    /// only when every connection has a request in progress does the newcomer get 503.
    @Test func connectionsBeyondTheMaximumDisplaceIdleOnesElseGet503() throws {
        let fixture = try ServerFixture { $0.maxConnections = 2 }
        defer { fixture.stop() }
        let first = try fixture.client(), second = try fixture.client()
        #expect(try first.get("/hello").status == 200)
        #expect(try second.get("/hello").status == 200)
        let third = try fixture.client()
        #expect(try third.get("/hello").status == 200)
        #expect(first.isClosedByPeer())
        #expect(try second.get("/hello").status == 200)

        // Both remaining connections now hold half a request: nothing may be displaced.
        try second.send("GET /hello HTTP/1.1\r\nHo")
        try third.send("GET /hello HTTP/1.1\r\nHo")
        let fourth = try fixture.client()
        let refused = try fourth.readResponse()
        #expect(refused.status == 503)
        #expect(refused.header("retry-after") != nil)
        #expect(fourth.isClosedByPeer())
        try second.send("st: t\r\n\r\n")
        #expect(try second.readResponse().status == 200)
    }

    @Test func servesIPv6Loopback() throws {
        let fixture = try ServerFixture { $0.host = "::1" }
        defer { fixture.stop() }
        #expect(try fixture.client(host: "::1").get("/hello").text == "hello")
    }

    @Test func localhostListensOnBothFamilies() throws {
        let fixture = try ServerFixture { $0.host = "localhost" }
        defer { fixture.stop() }
        #expect(try fixture.client(host: "127.0.0.1").get("/hello").status == 200)
        #expect(try fixture.client(host: "::1").get("/hello").status == 200)
    }

    /// Server-sent events reach the client as they are written, not when the stream ends.
    @Test func streamedResponseArrivesIncrementally() throws {
        let gate = Gate()
        let fixture = try ServerFixture { _ in } routes: { router in
            router.get("/events") { _ in
                ServerResponse(status: .ok, headers: ["Content-Type": "text/event-stream"], body: .stream { writer in
                    try writer.write(ServerSentEvent(event: "metric", id: "1", data: "{\"step\":1}").bytes)
                    gate.wait()
                    try writer.write(ServerSentEvent(event: "status", id: "2", data: "done").bytes)
                })
            }
        }
        defer { fixture.stop() }
        let client = try fixture.client()
        try client.send("GET /events HTTP/1.1\r\nHost: t\r\n\r\n")
        let head = try client.readHead()
        #expect(head.header("content-type") == "text/event-stream")
        #expect(head.header("transfer-encoding") == "chunked")
        let first = try #require(try client.readChunk())
        #expect(String(decoding: first, as: UTF8.self) == "id: 1\nevent: metric\ndata: {\"step\":1}\n\n")
        gate.open()
        let second = try #require(try client.readChunk())
        #expect(String(decoding: second, as: UTF8.self) == "id: 2\nevent: status\ndata: done\n\n")
        #expect(try client.readChunk() == nil)
        #expect(try client.get("/hello").status == 200)
    }

    /// Graceful shutdown: stop accepting, close idle connections, finish the request in flight.
    @Test func gracefulShutdownFinishesInFlightRequest() throws {
        let entered = Gate(), release = Gate()
        let fixture = try ServerFixture { _ in } routes: { router in
            router.get("/slow") { _ in
                entered.open()
                release.wait()
                return .text("finished")
            }
        }
        let idle = try fixture.client()
        #expect(try idle.get("/hello").status == 200)
        let busy = try fixture.client()
        try busy.send("GET /slow HTTP/1.1\r\nHost: t\r\n\r\n")
        #expect(entered.wait())

        fixture.server.shutdown()
        #expect(idle.isClosedByPeer())
        #expect(waitUntil { (try? RawClient(port: fixture.port, timeoutSeconds: 1)) == nil })

        release.open()
        let response = try busy.readResponse()
        #expect(response.status == 200)
        #expect(response.text == "finished")
        #expect(response.header("connection") == "close")
        let stopped = Gate()
        DispatchQueue.global().async {
            fixture.server.waitUntilStopped()
            stopped.open()
        }
        #expect(stopped.wait(seconds: 5))
    }

    /// A deferred response is written by whichever thread completes it; the connection
    /// holds no thread meanwhile, and pipelined requests behind it are still answered in order.
    @Test func deferredResponsesCompleteFromAnotherThread() throws {
        let gate = Gate()
        let fixture = try ServerFixture { config in
            config.eventLoops = 1
            config.workers = 1
        } routes: { router in
            router.get("/later/:word", execution: .inline) { request in
                let promise = ResponsePromise()
                let word = request.parameters["word"] ?? ""
                DispatchQueue.global().async {
                    gate.wait()
                    promise.succeed(.text("later \(word)"))
                }
                return .deferred(promise)
            }
        }
        defer { fixture.stop() }
        let waiting = try fixture.client()
        try waiting.send("GET /later/one HTTP/1.1\r\nHost: t\r\n\r\nGET /echo/two HTTP/1.1\r\nHost: t\r\n\r\n")
        // With one event loop and one worker, others are served while the first response waits.
        #expect(try fixture.client().get("/hello").text == "hello")
        #expect(try fixture.client().get("/echo/free").text == "free")
        gate.open()
        #expect(try waiting.readResponse().text == "later one")
        #expect(try waiting.readResponse().text == "two")
        #expect(try waiting.get("/hello").text == "hello")
    }
}
