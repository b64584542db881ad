import Dispatch
import Foundation
import HTTP1
import HTTPServer
import TestSupport
import Logging
import Synchronization

/// A server on a free loopback port with test routes, shut down afterwards.
struct ServerFixture {
    let server: HTTPServer
    var port: Int { server.port }

    init(logger: Logger = Logger(label: "test"), _ tweak: (inout HTTPServerConfiguration) -> Void = { _ in },
         routes: (inout Router) -> Void = { _ in }) throws {
        var configuration = HTTPServerConfiguration()
        configuration.port = 0
        configuration.workers = 4
        configuration.drainTimeout = .seconds(5)
        configuration.timerResolution = .milliseconds(20)
        tweak(&configuration)
        var router = Router()
        router.get("/hello", execution: .inline) { _ in .text("hello") }
        router.get("/echo/:word") { request in .text(request.parameters["word"] ?? "") }
        router.post("/echo") { request in
            ServerResponse(contentType: "application/octet-stream", body: request.body)
        }
        routes(&router)
        server = HTTPServer(configuration: configuration, responder: router, logger: logger)
        try server.start()
    }

    func client(host: String = "127.0.0.1") throws -> RawClient {
        try RawClient(host: host, port: port)
    }

    func stop() {
        server.shutdown()
        server.waitUntilStopped()
    }
}

/// A one-shot gate: `wait` blocks until `open` (or the deadline), for handlers that must stay in flight.
final class Gate: @unchecked Sendable {  // DispatchSemaphore is thread-safe
    private let semaphore = DispatchSemaphore(value: 0)

    func open() { semaphore.signal() }

    @discardableResult
    func wait(seconds: Double = 10) -> Bool {
        semaphore.wait(timeout: .now() + seconds) == .success
    }
}

/// Keeps what a logger was given, for tests that count warnings.
final class LogCapture: Sendable {
    private let messages = Mutex<[(level: Logger.Level, message: String)]>([])

    var logger: Logger {
        Logger(label: "test") { _ in Handler(capture: self) }
    }

    func count(_ level: Logger.Level, containing text: String) -> Int {
        messages.withLock { $0.filter { $0.level == level && $0.message.contains(text) }.count }
    }

    func messages(containing text: String) -> [String] {
        messages.withLock { $0.filter { $0.message.contains(text) }.map(\.message) }
    }

    fileprivate func record(_ level: Logger.Level, _ message: String) {
        messages.withLock { $0.append((level, message)) }
    }

    private struct Handler: LogHandler {
        let capture: LogCapture
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            let details = (event.metadata ?? [:]).sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
            capture.record(event.level, "\(event.message) \(details)")
        }
    }
}
