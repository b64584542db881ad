import Dispatch
import Foundation
import HTTPClient
import Synchronization
import Testing
import TestSupport

/// The client against a real local server over loopback sockets.
@Suite struct HTTPClientTests {
    @Test func postsBodyAndHeadersAndReadsTheResponse() throws {
        let local = try LocalServer()
        defer { local.stop() }
        let client = HTTPClient()
        let body = Array(#"{"query":["a","b"]}"#.utf8)
        let response = try client.execute(.postJSON(url: local.base + "/echo", body: body,
                                                    headers: [("Authorization", "Bearer s3cret")]))
        #expect(response.status == 200)
        #expect(response.body == body)
        #expect(response.header("content-type") == "application/json")
        #expect(response.header("X-SEEN-TOKEN") == "Bearer s3cret")
        #expect(response.attempts == 1)
    }

    @Test func largeBodiesArriveWhole() throws {
        let local = try LocalServer()
        defer { local.stop() }
        let response = try HTTPClient().execute(HTTPClientRequest(url: local.base + "/bytes/3000000"))
        #expect(response.body.count == 3_000_000)
    }

    @Test func consecutiveCallsReuseTheConnection() throws {
        let local = try LocalServer()
        defer { local.stop() }
        let client = HTTPClient()
        let first = try client.execute(HTTPClientRequest(url: local.base + "/bytes/10"))
        let second = try client.execute(HTTPClientRequest(url: local.base + "/bytes/10"))
        #expect(first.newConnection)
        #expect(!second.newConnection)
        #expect(local.server.connectionCount == 1)
    }

    @Test func aBodyPastTheCapIsRefused() throws {
        let local = try LocalServer()
        defer { local.stop() }
        var configuration = HTTPClient.Configuration()
        configuration.maxResponseBytes = 1000
        let client = HTTPClient(configuration: configuration)
        #expect(try client.execute(HTTPClientRequest(url: local.base + "/bytes/1000")).body.count == 1000)
        #expect { try client.execute(HTTPClientRequest(url: local.base + "/bytes/1001")) } throws: {
            ($0 as? HTTPClientError)?.kind == .responseTooLarge
        }
    }

    @Test func onlyHTTPAndHTTPSAreCalledAndRedirectsAreNotFollowed() throws {
        let local = try LocalServer()
        defer { local.stop() }
        let client = HTTPClient()
        for url in ["file:///etc/passwd", "gopher://127.0.0.1/", "ftp://127.0.0.1/", "127.0.0.1/x"] {
            #expect(throws: HTTPClientError.self) { try client.execute(HTTPClientRequest(url: url)) }
        }
        let response = try client.execute(HTTPClientRequest(url: local.base + "/redirect"))
        #expect(response.status == 302)
        #expect(response.body.isEmpty)
    }

    @Test func headerInjectionIsRefused() throws {
        let local = try LocalServer()
        defer { local.stop() }
        let request = HTTPClientRequest(url: local.base + "/bytes/1", headers: [("X-A", "1\r\nX-Injected: 2")])
        #expect(throws: HTTPClientError.self) { try HTTPClient().execute(request) }
    }

    @Test func aClosedPortIsAConnectError() throws {
        let local = try LocalServer()
        let url = local.base + "/bytes/1"
        local.stop()
        #expect { try HTTPClient().execute(HTTPClientRequest(url: url)) } throws: {
            ($0 as? HTTPClientError)?.kind == .connect
        }
    }

    @Test func aSilentServerTimesOut() throws {
        let local = try LocalServer()
        defer {
            local.release.signal()
            local.stop()
        }
        let request = HTTPClientRequest(url: local.base + "/held", timeout: .milliseconds(300))
        #expect { try HTTPClient().execute(request) } throws: {
            ($0 as? HTTPClientError)?.kind == .timeout
        }
    }

    @Test func retriesServerErrorsThenSucceeds() throws {
        let local = try LocalServer()
        defer { local.stop() }
        local.state.failures.withLock { $0["a"] = 2 }
        let client = HTTPClient()
        let policy = RetryPolicy(maxAttempts: 3, baseDelay: .milliseconds(1), maxDelay: .milliseconds(5))
        let response = try client.execute(HTTPClientRequest(url: local.base + "/flaky/a"), retry: policy)
        #expect(response.status == 200)
        #expect(response.attempts == 3)

        local.state.failures.withLock { $0["b"] = 5 }
        let exhausted = try client.execute(HTTPClientRequest(url: local.base + "/flaky/b"), retry: policy)
        #expect(exhausted.status == 500)
        #expect(exhausted.attempts == 3)

        let notFound = try client.execute(HTTPClientRequest(url: local.base + "/status/404"), retry: policy)
        #expect(notFound.attempts == 1)
        let busy = try client.execute(HTTPClientRequest(url: local.base + "/status/503"), retry: policy)
        #expect(busy.attempts == 3)
    }

    @Test func transportFailuresAreRetriedAndCounted() throws {
        let local = try LocalServer()
        let url = local.base + "/bytes/1"
        local.stop()
        let policy = RetryPolicy(maxAttempts: 4, baseDelay: .milliseconds(1), maxDelay: .milliseconds(2))
        #expect { try HTTPClient().execute(HTTPClientRequest(url: url), retry: policy) } throws: {
            ($0 as? HTTPClientError)?.attempts == 4
        }
    }

    @Test func concurrentCallsAreBoundedByTheLimit() throws {
        let local = try LocalServer()
        defer { local.stop() }
        var configuration = HTTPClient.Configuration()
        configuration.maxConcurrentRequests = 2
        let client = HTTPClient(configuration: configuration)
        let done = Mutex(0)
        for _ in 0..<4 {
            Thread.detachNewThread {
                _ = try? client.execute(HTTPClientRequest(url: local.base + "/held"))
                done.withLock { $0 += 1 }
            }
        }
        #expect(waitUntil { local.state.held.withLock { $0.now } == 2 })
        for _ in 0..<4 { local.release.signal() }
        #expect(waitUntil { done.withLock { $0 } == 4 })
        #expect(local.state.held.withLock { $0.most } == 2)
    }
}
