/// Why an outbound request produced no response.
public struct HTTPClientError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        /// Not an absolute http(s) URL, or a scheme other than http/https.
        case invalidURL = "invalid_url"
        /// No connection: refused, unreachable, name not resolved.
        case connect
        /// The exchange took longer than the request's timeout.
        case timeout
        /// The connection broke mid-exchange or the server sent nothing.
        case connection
        /// Certificate or handshake failure (verification is on by default).
        case tls
        /// The body was larger than the client's cap.
        case responseTooLarge = "response_too_large"
        /// Anything else libcurl reports.
        case other
    }

    public var kind: Kind
    public var message: String
    /// Requests made before giving up.
    public var attempts: Int

    public init(_ kind: Kind, _ message: String, attempts: Int = 1) {
        self.kind = kind
        self.message = message
        self.attempts = attempts
    }

    /// Worth another try: the failure may be the network's or a busy server's, not the request's.
    public var isTransient: Bool {
        switch kind {
        case .connect, .timeout, .connection: true
        case .invalidURL, .tls, .responseTooLarge, .other: false
        }
    }

    public var description: String { "\(kind.rawValue): \(message)" }
}
