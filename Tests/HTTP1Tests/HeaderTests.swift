import HTTP1
import Testing

/// field-line = field-name ":" OWS field-value OWS (RFC 9112 §5).
@Suite("Header fields")
struct HeaderTests {
    private func head(_ fields: String, version: String = "HTTP/1.1") -> String {
        "GET / \(version)\r\n\(fields)\r\n"
    }

    // Sends "Content-TYPE: text/plain": field names are case-insensitive (RFC 9110
    // §5.1), so every spelling finds it, while the name is kept as sent.
    @Test func lookupIsCaseInsensitive() throws {
        let request = try parseOne(head("Host: a\r\nContent-TYPE: text/plain\r\n"))
        #expect(request.headers["content-type"] == "text/plain")
        #expect(request.headers.first(name: "CONTENT-TYPE") == "text/plain")
        #expect(request.headers.contains(name: "Content-Type"))
        #expect(request.headers.fields.last?.name == "Content-TYPE")
        #expect(request.headers["content-typ"] == nil)
    }

    // Sends "X-A: 1", "X-B: b", "x-a: 2": repeated field lines are kept in the
    // order received (RFC 9110 §5.3: order is significant), interleaving included.
    @Test func repeatedHeadersKeepTheirOrder() throws {
        let request = try parseOne(head("Host: a\r\nX-A: 1\r\nX-B: b\r\nx-a: 2\r\n"))
        #expect(request.headers.values(name: "X-A") == ["1", "2"])
        #expect(request.headers["x-a"] == "1")
        #expect(request.headers.fields.map(\.name) == ["Host", "X-A", "X-B", "x-a"])
    }

    // Sends "Accept-Encoding: gzip, ,DEFLATE" and "Accept-Encoding:  br ": tokens()
    // reads the combined list (RFC 9110 §5.6.1): elements from every line, in order,
    // OWS trimmed, empty elements ignored (§5.6.1.2 "MUST ignore a reasonable number
    // of empty list elements"), lower-cased.
    @Test func tokensSplitsListsAcrossLines() throws {
        let request = try parseOne(head("Host: a\r\nAccept-Encoding: gzip, ,DEFLATE\r\nAccept-Encoding:  br \r\n"))
        #expect(request.headers.tokens(name: "accept-encoding") == ["gzip", "deflate", "br"])
        #expect(request.headers.tokens(name: "missing") == [])
    }

    // Sends "X:  \t value  with inner \t \r\n": OWS around the value is not part of
    // it (RFC 9112 §5, RFC 9110 §5.5) but whitespace inside it is.
    @Test func surroundingWhitespaceIsTrimmed() throws {
        let request = try parseOne(head("Host: a\r\nX:  \t value  with inner \t \r\n"))
        #expect(request.headers["x"] == "value  with inner")
    }

    // Sends "X:\r\n" and "Y:   \r\n": an empty field value is valid (RFC 9110 §5.5).
    @Test func emptyValueIsAllowed() throws {
        let request = try parseOne(head("Host: a\r\nX:\r\nY:   \r\n"))
        #expect(request.headers["x"] == "")
        #expect(request.headers["y"] == "")
    }

    // Sends "X: caf\u{E9}" as UTF-8: bytes ≥ 0x80 are obs-text, allowed in values
    // (RFC 9110 §5.5), and kept.
    @Test func obsTextInValueIsKept() throws {
        let request = try parseOne(head("Host: a\r\nX: café\r\n"))
        #expect(request.headers["x"] == "café")
    }

    // Sends "X: a\r\n b\r\n": a line starting with SP is obs-fold (RFC 9112 §5.2); a
    // server MUST reject it with 400 (or unfold it; we reject).
    @Test func obsFoldWithSpaceIs400() {
        expectFailure(head("Host: a\r\nX: a\r\n b\r\n"), .obsoleteLineFolding, status: 400)
    }

    // Sends "X: a\r\n\tb\r\n": obs-fold with HTAB → 400 (RFC 9112 §5.2).
    @Test func obsFoldWithTabIs400() {
        expectFailure(head("Host: a\r\nX: a\r\n\tb\r\n"), .obsoleteLineFolding, status: 400)
    }

    // Sends "GET / HTTP/1.1\r\n Host: a": whitespace between the start-line and the
    // first field (RFC 9112 §2.2) — a server MUST reject or ignore such lines; we reject.
    @Test func whitespaceBeforeFirstFieldIs400() {
        expectFailure(head(" Host: a\r\n"), .obsoleteLineFolding, status: 400)
    }

    // Sends "Host : a": RFC 9112 §5.1 — a server MUST reject with 400 any request
    // with whitespace between a field name and the colon (a smuggling vector).
    @Test func whitespaceBeforeColonIs400() {
        expectFailure(head("Host : a\r\n"), .badHeader, status: 400)
    }

    // Sends "Host\t: a": HTAB before the colon, same rule → 400.
    @Test func tabBeforeColonIs400() {
        expectFailure(head("Host\t: a\r\n"), .badHeader, status: 400)
    }

    // Sends "Host: a\r\nNoColonHere\r\n": not a field-line at all → 400.
    @Test func missingColonIs400() {
        expectFailure(head("Host: a\r\nNoColonHere\r\n"), .badHeader, status: 400)
    }

    // Sends ": value": field-name = token, which has at least one tchar → 400.
    @Test func emptyNameIs400() {
        expectFailure(head("Host: a\r\n: value\r\n"), .badHeader, status: 400)
    }

    // Sends "X(y): z": "(" is a delimiter, not a tchar (RFC 9110 §5.6.2) → 400.
    @Test func delimiterInNameIs400() {
        expectFailure(head("Host: a\r\nX(y): z\r\n"), .badHeader, status: 400)
    }

    // Sends "X: a<0x01>b": CTLs other than HTAB are not field-vchar (RFC 9110 §5.5)
    // → 400.
    @Test func controlCharacterInValueIs400() {
        expectFailure(bytes(head("Host: a\r\nX: a")) + [0x01] + bytes("b\r\n\r\n"), .badHeader, status: 400)
    }

    // Sends "X: a<NUL>b": RFC 9110 §5.5 — NUL is invalid and dangerous; a recipient
    // MUST reject the message or replace it with SP; we reject → 400.
    @Test func nulInValueIs400() {
        expectFailure(bytes("GET / HTTP/1.1\r\nHost: a\r\nX: a") + [0x00] + bytes("b\r\n\r\n"), .badHeader, status: 400)
    }

    // Sends "X: a\rb": a bare CR inside a value is invalid (RFC 9110 §5.5, RFC 9112
    // §2.2: a bare CR MUST be treated as invalid or replaced) → 400.
    @Test func bareCRInValueIs400() {
        expectFailure("GET / HTTP/1.1\r\nHost: a\r\nX: a\rb\r\n\r\n", .badHeader, status: 400)
    }

    // Sends "X: a<DEL>": 0x7F is a control, not a vchar → 400.
    @Test func deleteInValueIs400() {
        expectFailure(bytes("GET / HTTP/1.1\r\nHost: a\r\nX: a") + [0x7F] + bytes("\r\n\r\n"), .badHeader, status: 400)
    }

    // Sends "GET / HTTP/1.1\nHost: a\n\n": lines ended by bare LF. RFC 9112 §2.2 only
    // says a recipient MAY accept them; accepting LF where a front end expects CRLF
    // is a smuggling vector, so we reject → 400.
    @Test func bareLineFeedsAre400() {
        expectFailure("GET / HTTP/1.1\nHost: a\n\n", .bareLineFeed, status: 400)
    }

    // Sends "GET / HTTP/1.1\r\nHost: a\nX: b\r\n\r\n": one header line ended by bare LF
    // among CRLF lines → 400.
    @Test func oneBareLineFeedAmongCRLFsIs400() {
        expectFailure("GET / HTTP/1.1\r\nHost: a\nX: b\r\n\r\n", .bareLineFeed, status: 400)
    }

    // Sends "Host: a\r\n\n" — head ended by CRLF then a bare LF → 400.
    @Test func bareLineFeedAsBlankLineIs400() {
        expectFailure("GET / HTTP/1.1\r\nHost: a\r\n\n", .bareLineFeed, status: 400)
    }

    // Sends exactly maxHeaderCount (3) fields: the limit is inclusive.
    @Test func headerCountAtLimitIsAccepted() throws {
        let request = try parseOne(head("Host: a\r\nB: 1\r\nC: 2\r\n"), limits: tinyLimits)
        #expect(request.headers.count == 3)
    }

    // Sends 4 fields with maxHeaderCount 3 → 431 Request Header Fields Too Large
    // (RFC 6585 §5).
    @Test func headerCountOverLimitIs431() {
        expectFailure(head("Host: a\r\nB: 1\r\nC: 2\r\nD: 3\r\n"), .tooManyHeaders, status: 431, limits: tinyLimits)
    }

    /// Field lines totalling `total` bytes, CRLFs included (the blank line is not counted).
    private func fields(totalling total: Int) -> String {
        let host = "Host: a\r\n"  // 9 bytes
        let padding = total - host.utf8.count - "X: \r\n".utf8.count
        return host + "X: " + String(repeating: "v", count: padding) + "\r\n"
    }

    // Sends field lines of exactly maxHeaderBytes (64) bytes, CRLFs included:
    // the limit is inclusive (HTTPLimits.maxHeaderBytes excludes the request line).
    @Test func headerBytesAtLimitAreAccepted() throws {
        let request = try parseOne(head(fields(totalling: 64)), limits: tinyLimits)
        #expect(request.headers.count == 2)
    }

    // Sends field lines of 65 bytes with maxHeaderBytes 64 → 431 (RFC 6585 §5).
    @Test func headerBytesOverLimitAre431() {
        expectFailure(head(fields(totalling: 65)), .headersTooLarge, status: 431, limits: tinyLimits)
    }

    // Streams a head that never ends ("X: vvvv…" with no CRLF CRLF): once the
    // buffered field bytes are over the limit → 431 without waiting for the end,
    // so a client cannot make us buffer an unbounded header section.
    @Test func headerBytesOverLimitAre431WhileStreaming() {
        expectFailure("GET / HTTP/1.1\r\nHost: a\r\nX: " + String(repeating: "v", count: 200), .headersTooLarge,
                      status: 431, limits: tinyLimits)
    }

    // Sends "GET / HTTP/1.1\r\n\r\n": RFC 9112 §3.2 — a server MUST respond 400 to an
    // HTTP/1.1 request without Host.
    @Test func missingHostOn11Is400() {
        expectFailure("GET / HTTP/1.1\r\nX: y\r\n\r\n", .missingHost, status: 400)
    }

    // Sends "GET / HTTP/1.0\r\n\r\n": Host is only mandatory in 1.1 (RFC 9112 §3.2).
    @Test func hostIsOptionalOn10() throws {
        let request = try parseOne("GET / HTTP/1.0\r\n\r\n")
        #expect(request.headers["host"] == nil)
    }

    // Sends "Host: a" and "host: b": RFC 9112 §3.2 — a server MUST respond 400 to a
    // request with more than one Host field line (which one routes is ambiguous).
    @Test func duplicateHostIs400() {
        expectFailure(head("Host: a\r\nhost: b\r\n"), .duplicateHost, status: 400)
    }

    // Sends two identical "Host: a" lines: still more than one Host line → 400.
    @Test func duplicateIdenticalHostIs400() {
        expectFailure(head("Host: a\r\nHost: a\r\n"), .duplicateHost, status: 400)
    }

    // Sends "Host: example.com:8080", "Host: 127.0.0.1", "Host: [::1]:9000", "Host:"
    // and "Host: example.com:": Host = uri-host [ ":" port ] (RFC 9110 §7.2) with
    // port = *DIGIT (RFC 3986 §3.2.3); an empty Host is what a client sends when the
    // target has no authority (RFC 9112 §3.2). All accepted.
    @Test(arguments: ["example.com:8080", "127.0.0.1", "[::1]:9000", "", "example.com:", "xn--caf-dma.example"])
    func validHostValuesAreAccepted(host: String) throws {
        #expect(try parseOne("GET / HTTP/1.1\r\nHost: \(host)\r\n\r\n").headers["host"] == host)
    }

    // Sends Host values that are not uri-host [":" port]: an inner space, a path, a
    // userinfo "@", a non-numeric port, a second colon, an unclosed IPv6 literal.
    // RFC 9112 §3.2: a server MUST respond 400 to a Host with an invalid value.
    @Test(arguments: ["a b", "example.com/evil", "user@example.com", "example.com:80x", "a:1:2", "[::1", "caf\u{E9}.example"])
    func invalidHostValuesAre400(host: String) {
        expectFailure("GET / HTTP/1.1\r\nHost: \(host)\r\n\r\n", .badHeader, status: 400)
    }

    // Sends two Host lines on HTTP/1.0: the §3.2 rule covers "any request message" → 400.
    @Test func duplicateHostOn10Is400() {
        expectFailure(head("Host: a\r\nHost: b\r\n", version: "HTTP/1.0"), .duplicateHost, status: 400)
    }
}
