/// Serialises response heads and chunked-body framing (RFC 9112 §4, §7.1).
public enum HTTPResponseSerializer {
    /// Appends `HTTP/1.1 <status>\r\n`, the headers and the blank line.
    ///
    /// Header names and values are written as given; the caller (the server)
    /// owns framing headers. Fields whose name or value contains CR, LF or NUL
    /// are dropped rather than written, and such bytes in the reason phrase become
    /// SP, so a handler cannot be tricked into response splitting.
    public static func writeHead(status: HTTPStatus, headers: HTTPHeaders, into out: inout [UInt8]) {
        out.append(contentsOf: "HTTP/1.1 ".utf8)
        appendStatusCode(status.code, into: &out)
        out.append(32)
        // The phrase is free text a handler may build: CR, LF or NUL become SP so it
        // cannot end the status line (response splitting, RFC 9112 §11.1).
        for byte in status.reasonPhrase.utf8 { out.append(byte == 13 || byte == 10 || byte == 0 ? 32 : byte) }
        out.append(13); out.append(10)
        for field in headers {
            guard isSafe(field.name), isSafe(field.value) else { continue }
            out.append(contentsOf: field.name.utf8)
            out.append(58); out.append(32)
            out.append(contentsOf: field.value.utf8)
            out.append(13); out.append(10)
        }
        out.append(13); out.append(10)
    }

    /// Appends one chunk of a chunked body; an empty `data` is skipped because it would end the body.
    public static func writeChunk(_ data: some Collection<UInt8>, into out: inout [UInt8]) {
        guard !data.isEmpty else { return }
        out.append(contentsOf: String(data.count, radix: 16).utf8)
        out.append(13); out.append(10)
        out.append(contentsOf: data)
        out.append(13); out.append(10)
    }

    /// Appends the last chunk and an empty trailer section.
    public static func writeLastChunk(into out: inout [UInt8]) {
        out.append(contentsOf: "0\r\n\r\n".utf8)
    }

    private static func appendStatusCode(_ code: Int, into out: inout [UInt8]) {
        let clamped = min(max(code, 100), 999)
        out.append(UInt8(48 + clamped / 100))
        out.append(UInt8(48 + clamped / 10 % 10))
        out.append(UInt8(48 + clamped % 10))
    }

    private static func isSafe(_ text: String) -> Bool {
        !text.utf8.contains { $0 == 13 || $0 == 10 || $0 == 0 }
    }
}
