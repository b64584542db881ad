public import HTTP1

/// A parsed request as handlers see it: the HTTP message plus what routing and
/// the server add to it.
public struct ServerRequest: Sendable {
    /// The message as parsed.
    public var http: HTTPRequest
    /// Values of the route's `:name` path parameters, percent-decoded.
    public var parameters: [String: String]
    /// The matched route pattern (e.g. `/v1/runs/:id`), used as a low-cardinality
    /// metrics label; `nil` when no route matched.
    public var route: String?
    /// A per-request identifier, echoed as `X-Request-Id`.
    public var requestID: String
    /// The body, when its route spools and it was larger than the route's threshold: `body` is then empty.
    public var spooledBody: SpooledBody?
    /// What `Router.route(_:)` found for this request, so answering it needs no second lookup.
    var match: RouteMatch?

    public init(http: HTTPRequest, parameters: [String: String] = [:], route: String? = nil, requestID: String = "") {
        self.http = http
        self.parameters = parameters
        self.route = route
        self.requestID = requestID
    }

    public var method: HTTPMethod { http.method }
    public var headers: HTTPHeaders { http.headers }
    public var body: [UInt8] { http.body }

    /// The first value of query parameter `name`.
    public func query(_ name: String) -> String? { http.queryValue(name) }
}
