import HTTP1
import Testing

/// request-target forms (RFC 9112 §3.2) and percent-decoding (RFC 3986 §2.1).
@Suite("Request target")
struct TargetTests {
    private func get(_ target: String) throws -> HTTPRequest {
        try parseOne("GET \(target) HTTP/1.1\r\nHost: a\r\n\r\n")
    }

    private func rejects(_ target: String, sourceLocation: SourceLocation = #_sourceLocation) {
        expectFailure("GET \(target) HTTP/1.1\r\nHost: a\r\n\r\n", .badTarget, status: 400, sourceLocation: sourceLocation)
    }

    // Sends "GET /v1/runs/caf%C3%A9/a%20b HTTP/1.1": origin-form (RFC 9112 §3.2.1).
    // rawPath keeps the escapes; pathSegments decodes each segment on its own
    // (RFC 3986 §2.1: %C3%A9 is the UTF-8 of "é", %20 is SP).
    @Test func originFormPathSegmentsAreDecoded() throws {
        let request = try get("/v1/runs/caf%C3%A9/a%20b")
        #expect(request.rawPath == "/v1/runs/caf%C3%A9/a%20b")
        #expect(request.pathSegments == ["v1", "runs", "café", "a b"])
        #expect(request.query.isEmpty)
    }

    // Sends "/files/a%2Fb/c": an encoded "/" is data, not a delimiter (RFC 3986
    // §2.2: percent-encoding a reserved character makes it data), so it stays inside
    // its segment — the reason rawPath is kept encoded.
    @Test func encodedSlashStaysInsideOneSegment() throws {
        let request = try get("/files/a%2Fb/c")
        #expect(request.pathSegments == ["files", "a/b", "c"])
    }

    // Sends "/a+b": "+" means SP only in form-encoded queries, never in a path
    // (RFC 3986 §3.3 has no such rule), so the segment is "a+b".
    @Test func plusInPathIsNotASpace() throws {
        #expect(try get("/a+b").pathSegments == ["a+b"])
    }

    // Sends "//a///b/": empty segments are dropped by pathSegments.
    @Test func emptySegmentsAreDropped() throws {
        let request = try get("//a///b/")
        #expect(request.rawPath == "//a///b/")
        #expect(request.pathSegments == ["a", "b"])
    }

    // Sends "/s?q=a+b&sp=%20x&k=1&k=2&empty=&flag&&=v": form-encoded query
    // (application/x-www-form-urlencoded): "+" and %20 are SP, repeated keys are kept
    // in order, "empty=" and a bare "flag" have empty values, empty pairs ("&&") are
    // skipped, and "=v" has an empty name.
    @Test func queryIsDecodedInOrder() throws {
        let request = try get("/s?q=a+b&sp=%20x&k=1&k=2&empty=&flag&&=v")
        #expect(request.rawPath == "/s")
        #expect(request.query.map { [$0.name, $0.value] } == [
            ["q", "a b"], ["sp", " x"], ["k", "1"], ["k", "2"], ["empty", ""], ["flag", ""], ["", "v"],
        ])
        #expect(request.queryValue("k") == "1")
        #expect(request.queryValue("missing") == nil)
    }

    // Sends "/s?a=1%3D2%26b": encoded "=" and "&" are data inside a value, so there
    // is one pair whose value is "1=2&b".
    @Test func encodedQueryDelimitersAreData() throws {
        #expect(try get("/s?a=1%3D2%26b").query.map { [$0.name, $0.value] } == [["a", "1=2&b"]])
    }

    // Sends "/?" : an empty query is no parameters.
    @Test func emptyQueryHasNoParameters() throws {
        let request = try get("/?")
        #expect(request.rawPath == "/")
        #expect(request.query.isEmpty)
    }

    // Sends "/a%G1": pct-encoded = "%" HEXDIG HEXDIG (RFC 3986 §2.1); "G" is not
    // a hex digit, so the target is malformed → 400.
    @Test func nonHexEscapeIs400() { rejects("/a%G1") }

    // Sends "/a%4": a truncated escape at the end of the path → 400.
    @Test func truncatedEscapeAtEndIs400() { rejects("/a%4") }

    // Sends "/a%4/b": a truncated escape followed by "/" → 400.
    @Test func truncatedEscapeBeforeSlashIs400() { rejects("/a%4/b") }

    // Sends "/s?x=%4": a malformed escape in the query → 400 too.
    @Test func malformedEscapeInQueryIs400() { rejects("/s?x=%4") }

    // Sends "/a%00b": NUL decoded from %00 would truncate strings handed to C
    // (libpq, SQLite), so PercentDecoding refuses it → 400.
    @Test func encodedNulInPathIs400() { rejects("/a%00b") }

    // Sends "/s?x=%00": the same NUL rule for query values → 400.
    @Test func encodedNulInQueryIs400() { rejects("/s?x=%00") }

    // Sends "/%FF": 0xFF can never appear in UTF-8 (RFC 3629 §1), so the decoded
    // segment is not text → 400.
    @Test func invalidUTF8InPathIs400() { rejects("/%FF") }

    // Sends "/%C0%AF": the overlong two-byte encoding of "/" (RFC 3629 §10, a
    // classic path-traversal trick) is invalid UTF-8 → 400.
    @Test func overlongUTF8InPathIs400() { rejects("/%C0%AF") }

    // Sends "/s?x=%C3": a lone UTF-8 lead byte in the query → 400.
    @Test func invalidUTF8InQueryIs400() { rejects("/s?x=%C3") }

    // Sends "GET http://example.com/path?x=1 HTTP/1.1": absolute-form (RFC 9112
    // §3.2.2), which a server MUST accept. The path is the part after the
    // authority; target stays exactly as sent.
    @Test func absoluteFormYieldsThePath() throws {
        let request = try get("http://example.com/path?x=1")
        #expect(request.target == "http://example.com/path?x=1")
        #expect(request.rawPath == "/path")
        #expect(request.pathSegments == ["path"])
        #expect(request.query.map { [$0.name, $0.value] } == [["x", "1"]])
    }

    // Sends "HTTPS://Example.com:8443?x=1": the scheme is case-insensitive (RFC
    // 3986 §3.1) and an empty path in absolute-form means "/" (RFC 9112 §3.2.1).
    @Test func absoluteFormWithoutPathIsRoot() throws {
        let request = try get("HTTPS://Example.com:8443?x=1")
        #expect(request.rawPath == "/")
        #expect(request.query.map { [$0.name, $0.value] } == [["x", "1"]])
        #expect(try get("http://example.com").rawPath == "/")
    }

    // Sends "OPTIONS * HTTP/1.1": asterisk-form is only for a server-wide OPTIONS
    // (RFC 9112 §3.2.4).
    @Test func asteriskFormForOptions() throws {
        let request = try parseOne("OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n")
        #expect(request.method == .options)
        #expect(request.target == "*")
        #expect(request.rawPath == "*")
    }

    // Sends "GET * HTTP/1.1": asterisk-form with any other method is invalid
    // (RFC 9112 §3.2.4) → 400.
    @Test func asteriskFormForGetIs400() { rejects("*") }

    // Sends "/page#frag": a fragment is not part of any request-target form (RFC 9112
    // §3.2; RFC 9110 §7.1: fragments are never sent) → 400.
    @Test func fragmentIs400() { rejects("/page#frag") }

    // Sends "http://example.com#frag" and "http://ex#ample.com/p": a fragment in an
    // absolute-form target is just as invalid (RFC 9112 §3.2.2: absolute-URI has no
    // fragment), even where reducing the target to its path would drop it → 400.
    @Test func fragmentInAbsoluteFormIs400() {
        rejects("http://example.com#frag")
        rejects("http://ex#ample.com/p")
    }

    // Sends "/caf\u{E9}" as raw UTF-8 bytes (C3 A9): request-target is ASCII
    // (RFC 3986 §2: non-ASCII must be percent-encoded) → 400.
    @Test func rawNonASCIIByteInTargetIs400() {
        expectFailure(bytes("GET /caf") + [0xC3, 0xA9] + bytes(" HTTP/1.1\r\nHost: a\r\n\r\n"), .badTarget, status: 400)
    }

    // Sends "/a<DEL>": 0x7F is a control, not a visible character → 400.
    @Test func deleteByteInTargetIs400() {
        expectFailure(bytes("GET /a") + [0x7F] + bytes(" HTTP/1.1\r\nHost: a\r\n\r\n"), .badTarget, status: 400)
    }

    // Sends "GET /a\u{1}b HTTP/1.1": a control byte inside the target → 400.
    @Test func controlByteInTargetIs400() {
        expectFailure(bytes("GET /a") + [0x01] + bytes("b HTTP/1.1\r\nHost: a\r\n\r\n"), .badTarget, status: 400)
    }

    // Sends "GET index.html HTTP/1.1": not origin-, absolute- or asterisk-form → 400.
    @Test func relativeTargetIs400() { rejects("index.html") }

    // Sends "GET example.com:443 HTTP/1.1": authority-form is only for CONNECT
    // (RFC 9112 §3.2.3) → 400.
    @Test func authorityFormForGetIs400() { rejects("example.com:443") }

    // Sends "CONNECT example.com:443 HTTP/1.1": authority-form is accepted for CONNECT
    // (RFC 9112 §3.2.3) and passed through undecoded; the router decides (501/405).
    @Test func authorityFormForConnectIsPassedThrough() throws {
        let request = try parseOne("CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n")
        #expect(request.method == .connect)
        #expect(request.rawPath == "example.com:443")
    }
}
