import HTTP1
import Testing

/// Response heads and chunked framing (RFC 9112 §4, §7.1).
@Suite("Response serializer")
struct SerializerTests {
    private func head(_ status: HTTPStatus, _ headers: HTTPHeaders) -> String {
        var out: [UInt8] = []
        HTTPResponseSerializer.writeHead(status: status, headers: headers, into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    // Writes 200 with two headers: status-line = HTTP-version SP status-code SP
    // reason-phrase CRLF (RFC 9112 §4), then "name: value" CRLF per field in order
    // (§5), then the empty line.
    @Test func statusLineAndHeaders() {
        let text = head(.ok, ["Content-Type": "text/plain", "Content-Length": "2"])
        #expect(text == "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\n")
    }

    // Writes 404 with no headers: just the status line and the blank line.
    @Test func noHeaders() {
        #expect(head(.notFound, HTTPHeaders()) == "HTTP/1.1 404 Not Found\r\n\r\n")
    }

    // Writes a status the table does not name (299): the generic phrase for its class.
    @Test func unknownStatusGetsAGenericPhrase() {
        #expect(head(HTTPStatus(code: 299), HTTPHeaders()) == "HTTP/1.1 299 Success\r\n\r\n")
    }

    // Writes repeated "Set-Cookie" fields: each is its own line, in order (RFC 9110
    // §5.3: Set-Cookie cannot be combined).
    @Test func repeatedHeadersAreEachWritten() {
        let text = head(.ok, HTTPHeaders([("Set-Cookie", "a=1"), ("Set-Cookie", "b=2")]))
        #expect(text == "HTTP/1.1 200 OK\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\n\r\n")
    }

    // Writes "X-Evil: a\r\nSet-Cookie: pwned=1" (and a bare LF variant): CR/LF in a
    // value would start a new header or end the head — response splitting (RFC 9112
    // §11.1). The field is dropped, the others are kept.
    @Test func headerValueWithCRLFIsDropped() {
        let text = head(.ok, HTTPHeaders([
            ("X-Evil", "a\r\nSet-Cookie: pwned=1"), ("X-Lf", "a\nb"), ("X-Cr", "a\rb"), ("X-Ok", "fine"),
        ]))
        #expect(text == "HTTP/1.1 200 OK\r\nX-Ok: fine\r\n\r\n")
    }

    // Writes a field whose NAME contains CRLF, and a value with NUL: both dropped.
    @Test func headerNameWithCRLFAndValueWithNulAreDropped() {
        let text = head(.ok, HTTPHeaders([("X\r\nInjected", "1"), ("X-Nul", "a\u{0}b"), ("X-Ok", "1")]))
        #expect(text == "HTTP/1.1 200 OK\r\nX-Ok: 1\r\n\r\n")
    }

    // Writes a status whose reason phrase carries "\r\nSet-Cookie: x": the phrase is
    // free text a handler may build, so CR/LF must not reach the wire either
    // (RFC 9112 §11.1); the status line stays one line.
    @Test func reasonPhraseCannotSplitTheResponse() {
        let text = head(HTTPStatus(code: 200, reasonPhrase: "OK\r\nSet-Cookie: x=1"), HTTPHeaders())
        #expect(text.hasPrefix("HTTP/1.1 200 "))
        #expect(text.utf8.filter { $0 == 10 }.count == 2)  // the status line's and the blank line's
        #expect(!text.contains("\r\nSet-Cookie"))
    }

    // Writes "hello" (5 bytes) and 26 bytes as chunks: chunk = chunk-size (hex) CRLF
    // data CRLF (RFC 9112 §7.1); 26 is "1a".
    @Test func chunkFraming() {
        var out: [UInt8] = []
        HTTPResponseSerializer.writeChunk(bytes("hello"), into: &out)
        HTTPResponseSerializer.writeChunk(Array(repeating: UInt8(ascii: "z"), count: 26), into: &out)
        #expect(out == bytes("5\r\nhello\r\n1a\r\n" + String(repeating: "z", count: 26) + "\r\n"))
    }

    // Writes an empty chunk: "0\r\n\r\n" would be the last-chunk and end the body
    // early (RFC 9112 §7.1), so an empty write produces no bytes.
    @Test func emptyChunkWritesNothing() {
        var out: [UInt8] = []
        HTTPResponseSerializer.writeChunk([UInt8](), into: &out)
        #expect(out.isEmpty)
    }

    // Writes the end of a chunked body: last-chunk "0" CRLF, then an empty trailer
    // section's CRLF (RFC 9112 §7.1).
    @Test func lastChunk() {
        var out: [UInt8] = []
        HTTPResponseSerializer.writeLastChunk(into: &out)
        #expect(out == bytes("0\r\n\r\n"))
    }

    // Frames chunks with the serializer and feeds them, after a request head, to the
    // parser: both sides of our chunked codec agree on the bytes.
    @Test func serializedChunksParseBack() throws {
        var wire = bytes("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n")
        let parts: [[UInt8]] = [bytes("first"), [], Array(repeating: 7, count: 300), bytes("!")]
        for part in parts { HTTPResponseSerializer.writeChunk(part, into: &wire) }
        HTTPResponseSerializer.writeLastChunk(into: &wire)
        let requests = try parseAll(wire)
        #expect(requests.first?.body == parts.flatMap { $0 })
    }
}
