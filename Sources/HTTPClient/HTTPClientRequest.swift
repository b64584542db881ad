/// One outbound request: what a remote judge or a webhook delivery sends.
public struct HTTPClientRequest: Sendable {
    public var method: String
    /// `http://` or `https://` only: other schemes (file, gopher, ...) are refused.
    public var url: String
    /// In order; a name may repeat.
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]
    /// The whole exchange, connection included.
    public var timeout: Duration

    public init(method: String = "GET", url: String, headers: [(name: String, value: String)] = [],
                body: [UInt8] = [], timeout: Duration = .seconds(30)) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeout = timeout
    }

    /// A JSON POST.
    public static func postJSON(url: String, body: [UInt8], headers: [(name: String, value: String)] = [],
                                timeout: Duration = .seconds(30)) -> HTTPClientRequest {
        HTTPClientRequest(method: "POST", url: url, headers: [("Content-Type", "application/json")] + headers,
                          body: body, timeout: timeout)
    }
}

/// A complete response, its body read up to the client's size cap.
public struct HTTPClientResponse: Sendable {
    public var status: Int
    /// As received, names as sent by the server.
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]
    /// Requests made to get this response (1 without retries).
    public var attempts: Int
    /// Whether the exchange opened a new connection (false: a kept-alive one was reused).
    public var newConnection: Bool

    /// The first header named `name` (case-insensitive).
    public func header(_ name: String) -> String? {
        let wanted = name.lowercased()
        return headers.first { $0.name.lowercased() == wanted }?.value
    }
}

extension HTTPClientRequest {
    /// Whether `url` is one the service accepts as a destination (a webhook, a remote judge): `http://` or
    /// `https://`, a non-empty host part without spaces, control characters or brackets (no IPv6 literals:
    /// name the host), then anything printable — `^https?://[^\x00-\x20\x7f/?#\[\]]+([/?#][^\x00-\x20\x7f]*)?$`,
    /// as openapi.yaml states it.
    public static func isAcceptableURL(_ url: String) -> Bool {
        let rest: Substring
        if url.hasPrefix("http://") { rest = url.dropFirst(7) } else if url.hasPrefix("https://") { rest = url.dropFirst(8) } else { return false }
        let scalars = Array(rest.unicodeScalars)
        guard scalars.allSatisfy({ $0.value > 0x20 && $0.value != 0x7F }) else { return false }
        let host = scalars.prefix { !["/", "?", "#"].contains($0) }
        return !host.isEmpty && !host.contains("[") && !host.contains("]")
    }
}
