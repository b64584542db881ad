import Dispatch
import Foundation
import HTTP1
import HTTPServer
import Logging
import Synchronization

/// A real HTTP server on a free loopback port for the client to call: echo, a body of any size, a route
/// that fails a set number of times, and one that holds requests until the test releases them.
final class LocalServer: Sendable {
    let server: HTTPServer
    var base: String { "http://127.0.0.1:\(server.port)" }
    let state = State()
    var release: DispatchSemaphore { state.release }

    final class State: Sendable {
        /// Failures still to serve per `/flaky/:key` key.
        let failures = Mutex<[String: Int]>([:])
        /// Requests inside `/held` now, and the most at once.
        let held = Mutex<(now: Int, most: Int)>((0, 0))
        let release = DispatchSemaphore(value: 0)
    }

    init() throws {
        var configuration = HTTPServerConfiguration()
        configuration.port = 0
        configuration.workers = 8
        configuration.drainTimeout = .seconds(5)
        var router = Router()
        router.post("/echo") { request in
            var headers = HTTPHeaders()
            headers.add(name: "Content-Type", value: request.headers["content-type"] ?? "none")
            headers.add(name: "X-Seen-Token", value: request.headers["authorization"] ?? "none")
            return ServerResponse(status: .ok, headers: headers, body: .bytes(request.body))
        }
        router.get("/bytes/:count") { request in
            ServerResponse(contentType: "application/octet-stream",
                           body: [UInt8](repeating: 7, count: Int(request.parameters["count"] ?? "") ?? 0))
        }
        router.get("/redirect") { _ in
            ServerResponse(status: HTTPStatus(code: 302), headers: ["Location": "file:///etc/passwd"], body: .bytes([]))
        }
        router.get("/status/:code") { request in
            ServerResponse(status: HTTPStatus(code: Int(request.parameters["code"] ?? "") ?? 500),
                           headers: ["Retry-After": "0"], body: .bytes([]))
        }
        let state = self.state
        router.get("/flaky/:key") { request in
            let key = request.parameters["key"] ?? ""
            let fail = state.failures.withLock { left -> Bool in
                guard let n = left[key], n > 0 else { return false }
                left[key] = n - 1
                return true
            }
            return fail ? .text("down", status: .internalServerError) : .text("up")
        }
        router.get("/held") { _ in
            state.held.withLock { $0.now += 1; $0.most = max($0.most, $0.now) }
            _ = state.release.wait(timeout: .now() + 10)
            state.held.withLock { $0.now -= 1 }
            return .text("released")
        }
        server = HTTPServer(configuration: configuration, responder: router, logger: Logger(label: "test"))
        try server.start()
    }

    func stop() {
        server.shutdown()
        server.waitUntilStopped()
    }
}
