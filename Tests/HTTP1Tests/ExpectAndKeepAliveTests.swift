import HTTP1
import Testing

/// Expect: 100-continue (RFC 9110 §10.1.1).
@Suite("Expect")
struct ExpectTests {
    // Sends "POST … Expect: 100-continue, Content-Length: 5" and no body: the client
    // waits for 100 Continue before sending content (RFC 9110 §10.1.1), so the parser
    // asks for it exactly once (.continueExpected), then only needMoreData; when
    // "hello" arrives the request comes out.
    @Test func continueIsAskedOnceBeforeTheBody() throws {
        var parser = HTTPRequestParser()
        parser.append(bytes("POST /u HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n"))
        #expect(step(&parser) == .continueExpected)
        #expect(step(&parser) == .needMoreData)
        parser.append(bytes("he"))
        #expect(step(&parser) == .needMoreData)
        parser.append(bytes("llo"))
        #expect(try nextRequest(&parser).body == bytes("hello"))
        #expect(step(&parser) == .needMoreData)
    }

    // A route allowing more than the default body limit (an upload) shows its head before the body even without
    // the expectation, once, so the server can refuse it on the head; a route within the default limit does not.
    @Test func aLargeBodyRoutesHeadIsShownOnceBeforeItsBody() throws {
        var parser = HTTPRequestParser(limits: .default, bodyLimit: { _, path in path == "/upload" ? HTTPLimits.default.maxBodyBytes * 4 : nil })
        parser.append(bytes("POST /upload HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\n"))
        #expect(step(&parser) == .headBeforeLargeBody)
        #expect(step(&parser) == .needMoreData)
        parser.append(bytes("hello"))
        #expect(try nextRequest(&parser).body == bytes("hello"))
        parser.append(bytes("POST /small HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\n"))
        #expect(step(&parser) == .needMoreData)
        parser.append(bytes("hello"))
        #expect(try nextRequest(&parser).body == bytes("hello"))
    }

    // Sends the same head with a chunked body still to come: the 100-continue logic
    // applies to any framing → .continueExpected once, then the chunked request.
    @Test func continueIsAskedForChunkedBodies() throws {
        var parser = HTTPRequestParser()
        parser.append(bytes("POST /u HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nTransfer-Encoding: chunked\r\n\r\n"))
        #expect(step(&parser) == .continueExpected)
        parser.append(bytes("3\r\nabc\r\n"))
        #expect(step(&parser) == .needMoreData)
        parser.append(bytes("0\r\n\r\n"))
        #expect(try nextRequest(&parser).body == bytes("abc"))
    }

    // Sends head and body "hello" in one read: RFC 9110 §10.1.1 — a server MAY omit
    // 100 Continue if it has already received the content; sending it then would
    // only put a stray interim response on the wire. So: the request, no continue.
    @Test func noContinueWhenTheBodyCameWithTheHead() throws {
        let outcome = feedWhole(bytes("POST /u HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\nhello"))
        #expect(outcome.error == nil)
        #expect(outcome.continues == 0)
        #expect(outcome.requests.count == 1)
    }

    // Sends "Expect: 100-continue" with no body (no Content-Length): nothing to wait
    // for, so the request comes out at once and no 100 is asked for.
    @Test func noContinueWithoutABody() {
        let outcome = feedWhole(bytes("GET / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\n\r\n"))
        #expect(outcome.continues == 0)
        #expect(outcome.requests.count == 1)
    }

    // Sends the Expect head on HTTP/1.0: RFC 9110 §10.1.1 — a server that receives
    // 100-continue in an HTTP/1.0 request MUST ignore it (1.0 has no 1xx), so only
    // needMoreData until the body arrives.
    @Test func continueIsIgnoredOnHTTP10() throws {
        var parser = HTTPRequestParser()
        parser.append(bytes("POST /u HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n"))
        #expect(step(&parser) == .needMoreData)
        parser.append(bytes("hello"))
        #expect(try nextRequest(&parser).body == bytes("hello"))
    }

    // Sends "Expect: 100-Continue": the expectation value is case-insensitive
    // (RFC 9110 §10.1.1).
    @Test func continueIsCaseInsensitive() {
        let outcome = feed([bytes("POST /u HTTP/1.1\r\nHost: a\r\nExpect: 100-Continue\r\nContent-Length: 1\r\n\r\n"), bytes("x")])
        #expect(outcome.error == nil)
        #expect(outcome.continues == 1)
        #expect(outcome.requests.count == 1)
    }

    // Sends "Expect: something-else": RFC 9110 §10.1.1 — a server MAY answer 417
    // Expectation Failed (§15.5.18) to any expectation other than 100-continue.
    @Test func otherExpectationIs417() {
        expectFailure("POST /u HTTP/1.1\r\nHost: a\r\nExpect: something-else\r\nContent-Length: 0\r\n\r\n",
                      .unsupportedExpectation, status: 417)
    }

    // Sends "Expect: 100-continue, foo": one member we do not understand → 417.
    @Test func continuePlusOtherExpectationIs417() {
        expectFailure("POST /u HTTP/1.1\r\nHost: a\r\nExpect: 100-continue, foo\r\nContent-Length: 0\r\n\r\n",
                      .unsupportedExpectation, status: 417)
    }
}

/// Persistence (RFC 9112 §9.3) and the Connection field (RFC 9110 §7.6.1).
@Suite("Keep-alive")
struct KeepAliveTests {
    // Sends a 1.1 request without Connection: RFC 9112 §9.3 — 1.1 persists by default.
    @Test func http11DefaultsToKeepAlive() throws {
        #expect(try parseOne("GET / HTTP/1.1\r\nHost: a\r\n\r\n").keepAlive)
    }

    // Sends "Connection: close" on 1.1: the close option ends persistence (RFC 9112 §9.3).
    @Test func http11ConnectionCloseCloses() throws {
        #expect(try !parseOne("GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n").keepAlive)
    }

    // Sends "Connection: CLOSE": connection options are case-insensitive (RFC 9110 §7.6.1).
    @Test func connectionOptionsAreCaseInsensitive() throws {
        #expect(try !parseOne("GET / HTTP/1.1\r\nHost: a\r\nConnection: CLOSE\r\n\r\n").keepAlive)
    }

    // Sends a 1.0 request without Connection: RFC 9112 §9.3 — 1.0 closes by default.
    @Test func http10DefaultsToClose() throws {
        #expect(try !parseOne("GET / HTTP/1.0\r\n\r\n").keepAlive)
    }

    // Sends "Connection: keep-alive" on 1.0: RFC 9112 §9.3 (and Appendix C.2.2) —
    // a 1.0 connection persists only with the keep-alive option.
    @Test func http10KeepAliveKeepsAlive() throws {
        #expect(try parseOne("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n").keepAlive)
    }

    // Sends "Connection: foo, close": Connection is a list (RFC 9110 §7.6.1); close
    // anywhere in it closes.
    @Test func closeInsideATokenList() throws {
        #expect(try !parseOne("GET / HTTP/1.1\r\nHost: a\r\nConnection: foo, close\r\n\r\n").keepAlive)
    }

    // Sends "Connection: upgrade" and a second line "Connection: close": the lines
    // form one list (RFC 9110 §5.3), so the connection closes.
    @Test func closeOnASecondConnectionLine() throws {
        #expect(try !parseOne("GET / HTTP/1.1\r\nHost: a\r\nConnection: upgrade\r\nConnection: close\r\n\r\n").keepAlive)
    }

    // Sends "Connection: keep-alive, close" on 1.0: close wins (RFC 9112 §9.3 checks
    // close first).
    @Test func closeWinsOverKeepAliveOn10() throws {
        #expect(try !parseOne("GET / HTTP/1.0\r\nConnection: keep-alive, close\r\n\r\n").keepAlive)
    }

    // Sends "Connection: closed": a token that merely starts with "close" is not close.
    @Test func similarTokenIsNotClose() throws {
        #expect(try parseOne("GET / HTTP/1.1\r\nHost: a\r\nConnection: closed\r\n\r\n").keepAlive)
    }
}
