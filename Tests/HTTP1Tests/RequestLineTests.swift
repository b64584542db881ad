import HTTP1
import Testing

/// request-line = method SP request-target SP HTTP-version (RFC 9112 §3).
@Suite("Request line")
struct RequestLineTests {
    // Sends "GET / HTTP/1.1\r\nHost: a\r\n\r\n": the smallest valid 1.1 request
    // (RFC 9112 §3 request-line, §3.2 Host is mandatory in 1.1). Every field of
    // the request must come out as sent, with an empty body (§6.3 item 6: a request
    // with neither Content-Length nor Transfer-Encoding has a zero-length body).
    @Test func simpleGet() throws {
        let request = try parseOne("GET / HTTP/1.1\r\nHost: a\r\n\r\n")
        #expect(request.method == .get)
        #expect(request.target == "/")
        #expect(request.rawPath == "/")
        #expect(request.pathSegments == [])
        #expect(request.query.isEmpty)
        #expect(request.version == .http1_1)
        #expect(request.headers.count == 1)
        #expect(request.headers["Host"] == "a")
        #expect(request.body.isEmpty)
        #expect(request.trailers.count == 0)
        #expect(request.keepAlive)
    }

    // Sends "M-SEARCH ..." and "get ...": method = token (RFC 9110 §9.1, §5.6.2),
    // so any tchar string parses; methods are case-sensitive (§9.1), so "get"
    // stays "get" and is not GET. Unknown methods are the router's 501, not ours.
    @Test func anyTokenIsAMethodAndCaseIsKept() throws {
        let search = try parseOne("M-SEARCH / HTTP/1.1\r\nHost: a\r\n\r\n")
        #expect(search.method.rawValue == "M-SEARCH")
        let lower = try parseOne("get / HTTP/1.1\r\nHost: a\r\n\r\n")
        #expect(lower.method.rawValue == "get")
        #expect(lower.method != .get)
    }

    // Sends "GE(T / HTTP/1.1": "(" is a delimiter, not a tchar (RFC 9110 §5.6.2),
    // so the method is not a token and the request line is invalid → 400 (RFC 9112 §3).
    @Test func methodWithDelimiterIsRejected() {
        expectFailure("GE(T / HTTP/1.1\r\nHost: a\r\n\r\n", .badRequestLine, status: 400)
    }

    // Sends "G\u{1}T / HTTP/1.1": a control byte can never be part of a token → 400.
    @Test func methodWithControlByteIsRejected() {
        expectFailure(bytes("G") + [0x01] + bytes("T / HTTP/1.1\r\nHost: a\r\n\r\n"), .badRequestLine, status: 400)
    }

    // Sends " / HTTP/1.1" (leading SP, empty method): the grammar has exactly one
    // SP between three non-empty parts (RFC 9112 §3) → 400.
    @Test func emptyMethodIsRejected() {
        expectFailure(" / HTTP/1.1\r\nHost: a\r\n\r\n", .badRequestLine, status: 400)
    }

    // Sends "GET  / HTTP/1.1" (two SPs): RFC 9112 §3 allows a recipient to accept
    // other whitespace only "if it is not also a security risk"; we take the strict
    // grammar, single SP → 400.
    @Test func doubleSpaceIsRejected() {
        expectFailure("GET  / HTTP/1.1\r\nHost: a\r\n\r\n", .badRequestLine, status: 400)
    }

    // Sends "GET / HTTP/1.1 " (trailing SP before CRLF): a fourth, empty part → 400.
    @Test func trailingSpaceIsRejected() {
        expectFailure("GET / HTTP/1.1 \r\nHost: a\r\n\r\n", .badRequestLine, status: 400)
    }

    // Sends "GET\t/ HTTP/1.1": HTAB is not the SP separator and not a tchar → 400.
    @Test func tabSeparatorIsRejected() {
        expectFailure("GET\t/ HTTP/1.1\r\nHost: a\r\n\r\n", .badRequestLine, status: 400)
    }

    // Sends "GET /\r\n\r\n": an HTTP/0.9-style line with no version has two parts,
    // not three (RFC 9112 §3) → 400.
    @Test func missingVersionIsRejected() {
        expectFailure("GET /\r\n\r\n", .badRequestLine, status: 400)
    }

    // Sends "GET / http/1.1": HTTP-name is %s"HTTP", case-sensitive (RFC 9112 §2.3),
    // so the lowercase form is not a version at all → 400, not 505.
    @Test func lowercaseHTTPNameIsRejected() {
        expectFailure("GET / http/1.1\r\nHost: a\r\n\r\n", .badRequestLine, status: 400)
    }

    // Sends "GET / HTTP/1.0\r\n\r\n": 1.0 is supported and needs no Host (RFC 9112 §3.2
    // only requires Host of HTTP/1.1 requests).
    @Test func http10IsAccepted() throws {
        let request = try parseOne("GET / HTTP/1.0\r\n\r\n")
        #expect(request.version == .http1_0)
    }

    // Sends "GET / HTTP/1.1\r\nHost: a\r\n\r\n" and checks the version is 1.1.
    @Test func http11IsAccepted() throws {
        #expect(try parseOne("GET / HTTP/1.1\r\nHost: a\r\n\r\n").version == .http1_1)
    }

    // Sends "GET / HTTP/1.2": RFC 9110 §2.5 — a higher minor version of a major we
    // implement SHOULD be processed as the highest minor we implement: 1.1.
    @Test func http12IsTreatedAs11() throws {
        let request = try parseOne("GET / HTTP/1.2\r\nHost: a\r\n\r\n")
        #expect(request.version == .http1_1)
        #expect(request.keepAlive)
    }

    // Sends "GET / HTTP/1.2" without Host: treated as 1.1, so the 1.1 Host rule
    // (RFC 9112 §3.2) applies → 400.
    @Test func http12WithoutHostIsRejected() {
        expectFailure("GET / HTTP/1.2\r\n\r\n", .missingHost, status: 400)
    }

    // Sends "GET / HTTP/2.0": a well-formed version whose major we do not implement
    // → 505 HTTP Version Not Supported (RFC 9110 §15.6.6).
    @Test func http20Is505() {
        expectFailure("GET / HTTP/2.0\r\nHost: a\r\n\r\n", .unsupportedVersion, status: 505)
    }

    // Sends "GET / HTTP/3.0" → 505 (RFC 9110 §15.6.6), like 2.0.
    @Test func http30Is505() {
        expectFailure("GET / HTTP/3.0\r\nHost: a\r\n\r\n", .unsupportedVersion, status: 505)
    }

    // Sends the HTTP/2 connection preface "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" to an
    // HTTP/1.1-only server: the version check answers 505 before anything else.
    @Test func http2PrefaceIs505() {
        expectFailure("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", .unsupportedVersion, status: 505)
    }

    // Sends "GET / HTTP/1.x", "HTTP/11", "HTTP/10.0", "HTTP/1.1.1", "HTTP/" and
    // "FOO/1.1": none matches HTTP-version = HTTP-name "/" DIGIT "." DIGIT (RFC 9112
    // §2.3), so the request line is malformed → 400 (§3), not 505 (which is for a
    // well-formed version we do not support).
    @Test(arguments: ["HTTP/1.x", "HTTP/11", "HTTP/10.0", "HTTP/1.1.1", "HTTP/", "FOO/1.1", "HTTP/1,1"])
    func garbageVersionIs400(version: String) {
        expectFailure("GET / \(version)\r\nHost: a\r\n\r\n", .badRequestLine, status: 400)
    }

    // Sends a request line of exactly maxRequestLineBytes (32) bytes before CRLF:
    // the limit is inclusive, so it parses (HTTPLimits.maxRequestLineBytes).
    @Test func requestLineAtLimitIsAccepted() throws {
        let line = "GET /" + String(repeating: "a", count: 32 - 14) + " HTTP/1.1"
        #expect(line.utf8.count == 32)
        let request = try parseOne(line + "\r\nHost: a\r\n\r\n", limits: tinyLimits)
        #expect(request.rawPath.utf8.count == 19)
    }

    // Sends a complete request whose line is 33 bytes (limit 32): only the target
    // can make a line that long, so → 414 URI Too Long (RFC 9112 §3, RFC 9110 §15.5.15).
    @Test func requestLineOverLimitIs414() {
        let line = "GET /" + String(repeating: "a", count: 33 - 14) + " HTTP/1.1"
        expectFailure(line + "\r\nHost: a\r\n\r\n", .requestLineTooLong, status: 414, limits: tinyLimits)
    }

    // Streams "GET /aaaa…" with no CRLF yet: 33 bytes (limit 32) could still be a
    // 32-byte line plus its CR, so the parser must wait; the 34th byte proves the
    // line is over the limit → 414 without waiting for the end of the line (a client
    // must not be able to make us buffer an unbounded request line).
    @Test func incompleteRequestLineOverLimitIs414WhileStreaming() {
        var parser = HTTPRequestParser(limits: tinyLimits)
        parser.append(bytes("GET /" + String(repeating: "a", count: 28)))  // 33 bytes
        #expect(step(&parser) == .needMoreData)
        parser.append(bytes("a"))  // 34 bytes, still no LF
        #expect(step(&parser) == .error(.requestLineTooLong))
        expectFailure("GET /" + String(repeating: "a", count: 200), .requestLineTooLong, status: 414, limits: tinyLimits)
    }

    // Sends "\r\n\r\nGET / HTTP/1.1…": RFC 9112 §2.2 — a server SHOULD ignore at
    // least one empty line (CRLF) received before the request-line (some clients send
    // an extra CRLF after a POST body).
    @Test func leadingEmptyLinesAreIgnored() throws {
        let request = try parseOne("\r\n\r\nGET /x HTTP/1.1\r\nHost: a\r\n\r\n")
        #expect(request.rawPath == "/x")
    }

    // Sends "\r" then, in a second read, "\nGET / …": the CR LF of an ignored empty
    // line split across reads must be ignored just the same (RFC 9112 §2.2); the
    // read boundary must not turn it into an empty request line.
    @Test func leadingEmptyLineSplitAcrossReadsIsIgnored() throws {
        let outcome = feed([bytes("\r"), bytes("\nGET / HTTP/1.1\r\nHost: a\r\n\r\n")])
        #expect(outcome.error == nil)
        #expect(outcome.requests.count == 1)
    }

    // Sends only "\r\n\r\n": ignored empty lines are not a request, so the parser
    // is idle again (hasPartialRequest false: the server closes such a connection
    // quietly on idle timeout instead of answering 408).
    @Test func onlyEmptyLinesLeaveTheParserIdle() {
        var parser = HTTPRequestParser()
        parser.append(bytes("\r\n\r\n"))
        #expect(step(&parser) == .needMoreData)
        #expect(!parser.hasPartialRequest)
    }

    // Sends "\nGET / HTTP/1.1…": an empty line ended by a bare LF. We do not take
    // the RFC 9112 §2.2 MAY of accepting bare LF, so → 400.
    @Test func leadingBareLineFeedIsRejected() {
        expectFailure("\nGET / HTTP/1.1\r\nHost: a\r\n\r\n", .bareLineFeed, status: 400)
    }
}
