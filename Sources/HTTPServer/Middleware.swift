import Foundation
public import Logging
import Synchronization

/// Gives every request an id (a client-supplied `X-Request-Id` of sane shape, or
/// a fresh one) and echoes it on the response, so logs and problem documents can be correlated.
public struct RequestIDMiddleware: HTTPMiddleware {
    private static let counter = Atomic<UInt64>(0)
    private static let prefix = String(UInt32.random(in: 0...UInt32.max), radix: 16)

    public init() {}

    public func respond(to request: ServerRequest, next: (ServerRequest) throws -> ServerResponse) throws -> ServerResponse {
        var request = request
        if let given = request.headers["x-request-id"], given.utf8.count <= 128,
            given.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) {
            request.requestID = given
        } else {
            let n = Self.counter.add(1, ordering: .relaxed).newValue
            request.requestID = "req_\(Self.prefix)_\(String(n, radix: 16))"
        }
        let id = request.requestID
        return try next(request).map { response in
            var response = response
            response.headers.replaceOrAdd(name: "X-Request-Id", value: id)
            return response
        }
    }
}

/// Times the rest of the chain: adds `Server-Timing: app;dur=<ms>` and logs one
/// access line at debug level (never above: per-request success is not news).
public struct AccessLogMiddleware: HTTPMiddleware {
    let logger: Logger

    public init(logger: Logger) {
        self.logger = logger
    }

    public func respond(to request: ServerRequest, next: (ServerRequest) throws -> ServerResponse) throws -> ServerResponse {
        let start = ContinuousClock.now
        let logger = logger
        return try next(request).map { response in
            var response = response
            let elapsed = ContinuousClock.now - start
            let ms = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
            response.headers.replaceOrAdd(name: "Server-Timing", value: "app;dur=\(String(format: "%.3f", ms))")
            logger.debug("request", metadata: [
                "request_id": "\(request.requestID)",
                "http.method": "\(request.method)",
                "http.target": "\(request.http.target)",
                "http.status": "\(response.status.code)",
                "duration.ms": "\(String(format: "%.3f", ms))",
            ])
            return response
        }
    }
}
