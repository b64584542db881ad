/// A complete, framed request: head and fully received body.
public struct HTTPRequest: Sendable {
    public var method: HTTPMethod
    /// The request target exactly as sent (e.g. `/v1/runs?page_size=10`).
    public var target: String
    /// The path, still percent-encoded, so that `%2F` stays inside one segment.
    public var rawPath: String
    /// The decoded query parameters, in order (`+` is a space, RFC 1866 form encoding).
    public var query: [(name: String, value: String)]
    public var version: HTTPVersion
    public var headers: HTTPHeaders
    /// Trailer fields of a chunked body, if any.
    public var trailers: HTTPHeaders
    public var body: [UInt8]
    /// Whether the connection may carry another request after this one
    /// (RFC 9112 §9.3: 1.1 persists unless `close`; 1.0 only with `keep-alive`).
    public var keepAlive: Bool

    public init(
        method: HTTPMethod, target: String, rawPath: String, query: [(name: String, value: String)] = [],
        version: HTTPVersion = .http1_1, headers: HTTPHeaders = HTTPHeaders(), trailers: HTTPHeaders = HTTPHeaders(),
        body: [UInt8] = [], keepAlive: Bool = true
    ) {
        self.method = method
        self.target = target
        self.rawPath = rawPath
        self.query = query
        self.version = version
        self.headers = headers
        self.trailers = trailers
        self.body = body
        self.keepAlive = keepAlive
    }

    /// The percent-decoded path segments; nil if a segment decodes to invalid UTF-8 or NUL.
    public var pathSegments: [String]? {
        var out: [String] = []
        for part in rawPath.utf8.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: true) {
            guard let segment = PercentDecoding.decode(part, plusAsSpace: false) else { return nil }
            out.append(segment)
        }
        return out
    }

    /// The first value of the query parameter `name`.
    public func queryValue(_ name: String) -> String? {
        query.first { $0.name == name }?.value
    }
}
