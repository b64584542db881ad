public import HTTP1

/// What a handler answers: status, headers, and a body that is either bytes or a stream.
public struct ServerResponse: Sendable {
    /// A response body.
    public enum Body: Sendable {
        /// A complete body, sent with `Content-Length`.
        case bytes([UInt8])
        /// A body produced while the response is being sent (server-sent events,
        /// exports), framed with chunked transfer coding. The closure runs on a stream
        /// thread of its own (at most `maxStreams` at once; beyond that the request gets
        /// 503 with `Retry-After`), never on a blocking-pool thread; it ends the body by returning.
        case stream(@Sendable (any ResponseBodyWriter) throws -> Void)
        /// Finished later through the promise; see `ResponsePromise`.
        case deferred(ResponsePromise)
    }

    public var status: HTTPStatus
    public var headers: HTTPHeaders
    public var body: Body

    public init(status: HTTPStatus = .ok, headers: HTTPHeaders = HTTPHeaders(), body: Body = .bytes([])) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// A response with a byte body and its content type.
    public init(status: HTTPStatus = .ok, contentType: String, body: [UInt8]) {
        self.init(status: status, headers: ["Content-Type": contentType], body: .bytes(body))
    }

    /// A `text/plain; charset=utf-8` response.
    public static func text(_ text: String, status: HTTPStatus = .ok) -> ServerResponse {
        ServerResponse(status: status, contentType: "text/plain; charset=utf-8", body: Array(text.utf8))
    }
}

/// Writes a streamed response body. Each `write` reaches the socket before it returns,
/// so a server-sent event is seen by the client as soon as it is written.
public protocol ResponseBodyWriter: AnyObject, Sendable {
    /// Sends `bytes` as one chunk; throws once the client has gone or the server is stopping.
    func write(_ bytes: [UInt8]) throws
    /// Whether the server is draining: long streams should finish promptly.
    var isShuttingDown: Bool { get }
    /// Whether the client has gone: seen as soon as it hangs up, not at the next write.
    var isClosed: Bool { get }
    /// Calls `wake` once when the client hangs up (at once if it already has), so a
    /// producer waiting for something to send can stop waiting.
    func onClose(_ wake: @escaping @Sendable () -> Void)
}

extension ResponseBodyWriter {
    public var isClosed: Bool { false }
    public func onClose(_ wake: @escaping @Sendable () -> Void) {}
}

/// One server-sent event (WHATWG HTML §9.2), serialised with `bytes`.
public struct ServerSentEvent: Sendable, Hashable {
    public var event: String?
    public var id: String?
    public var data: String

    public init(event: String? = nil, id: String? = nil, data: String) {
        self.event = event
        self.id = id
        self.data = data
    }

    /// The wire form; multi-line data becomes several `data:` lines.
    public var bytes: [UInt8] {
        var text = ""
        if let id { text += "id: \(Self.singleLine(id))\n" }
        if let event { text += "event: \(Self.singleLine(event))\n" }
        for line in data.split(separator: "\n", omittingEmptySubsequences: false) {
            text += "data: \(line.replacingCarriageReturns())\n"
        }
        text += "\n"
        return Array(text.utf8)
    }

    private static func singleLine(_ s: String) -> String {
        String(s.filter { $0 != "\n" && $0 != "\r" })
    }
}

extension Substring {
    fileprivate func replacingCarriageReturns() -> String {
        String(self.filter { $0 != "\r" })
    }
}
