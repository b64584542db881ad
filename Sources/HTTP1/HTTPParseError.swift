/// Why a request could not be parsed. Every case maps to one status; the
/// connection cannot be reused after any of them because framing is lost.
public struct HTTPParseError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The stable kind of failure.
    public enum Code: String, Sendable, Hashable {
        case badRequestLine = "bad_request_line"
        case badTarget = "bad_target"
        case badHeader = "bad_header"
        case obsoleteLineFolding = "obsolete_line_folding"
        case bareLineFeed = "bare_line_feed"
        case missingHost = "missing_host"
        case duplicateHost = "duplicate_host"
        case badContentLength = "bad_content_length"
        case conflictingContentLength = "conflicting_content_length"
        case contentLengthWithTransferEncoding = "content_length_with_transfer_encoding"
        case badTransferEncoding = "bad_transfer_encoding"
        case unsupportedTransferEncoding = "unsupported_transfer_encoding"
        case badChunk = "bad_chunk"
        case requestLineTooLong = "request_line_too_long"
        case headersTooLarge = "headers_too_large"
        case tooManyHeaders = "too_many_headers"
        case bodyTooLarge = "body_too_large"
        case unsupportedVersion = "unsupported_version"
        case unsupportedExpectation = "unsupported_expectation"
        case timeout = "request_timeout"
    }

    /// The kind of failure.
    public let code: Code
    /// A human-readable explanation naming the offending part of the message.
    public let detail: String

    public init(_ code: Code, _ detail: String) {
        self.code = code
        self.detail = detail
    }

    /// The response status RFC 9110/9112 prescribes for this failure.
    public var status: HTTPStatus {
        switch code {
        case .requestLineTooLong: .uriTooLong
        case .headersTooLarge, .tooManyHeaders: .requestHeaderFieldsTooLarge
        case .bodyTooLarge: .contentTooLarge
        case .unsupportedVersion: .httpVersionNotSupported
        case .unsupportedTransferEncoding: .notImplemented
        case .unsupportedExpectation: .expectationFailed
        case .timeout: .requestTimeout
        default: .badRequest
        }
    }

    public var description: String { "\(status.code) \(code.rawValue): \(detail)" }
}
