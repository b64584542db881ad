/// The parser's explicit limits. Each one, when exceeded, fails the request with
/// the status RFC 9110 assigns to it, and the connection is closed afterwards.
public struct HTTPLimits: Sendable, Hashable {
    /// Longest request line, in bytes, without its CRLF. Exceeding it gives
    /// 414 URI Too Long, since only the target can make a valid line that long.
    /// Default 8 KiB, the common front-end limit (nginx, Node).
    public var maxRequestLineBytes: Int
    /// Most header fields in the head (and, separately, in a chunked trailer).
    /// Exceeding it gives 431. Default 100, Apache's LimitRequestFields.
    public var maxHeaderCount: Int
    /// Most bytes in the header section (and in a trailer section), excluding
    /// the request line. Exceeding it gives 431. Default 16 KiB, Node's limit.
    public var maxHeaderBytes: Int
    /// Largest body, in bytes, whether framed by Content-Length or chunked.
    /// Exceeding it gives 413. Default 16 MiB: a bulk batch of preferences fits.
    public var maxBodyBytes: Int
    /// Longest chunk-size line including extensions. Exceeding it gives 400:
    /// unbounded chunk extensions are a known resource-exhaustion vector.
    public var maxChunkLineBytes: Int

    public init(
        maxRequestLineBytes: Int = 8 * 1024,
        maxHeaderCount: Int = 100,
        maxHeaderBytes: Int = 16 * 1024,
        maxBodyBytes: Int = 16 * 1024 * 1024,
        maxChunkLineBytes: Int = 4 * 1024
    ) {
        self.maxRequestLineBytes = maxRequestLineBytes
        self.maxHeaderCount = maxHeaderCount
        self.maxHeaderBytes = maxHeaderBytes
        self.maxBodyBytes = maxBodyBytes
        self.maxChunkLineBytes = maxChunkLineBytes
    }

    /// The defaults described on each property.
    public static let `default` = HTTPLimits()
}
