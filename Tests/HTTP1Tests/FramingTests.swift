import HTTP1
import Testing

/// Message body length (RFC 9112 §6) and the smuggling defences of §6.1, §6.3, §11.2.
@Suite("Framing: Content-Length and Transfer-Encoding")
struct FramingTests {
    private func post(_ fields: String, body: String = "", version: String = "HTTP/1.1") -> String {
        "POST /p \(version)\r\nHost: a\r\n\(fields)\r\n\(body)"
    }

    // Sends "Content-Length: 5" and "hello": the body is exactly 5 octets (RFC 9112
    // §6.2, §6.3 item 6).
    @Test func contentLengthBody() throws {
        let request = try parseOne(post("Content-Length: 5\r\n", body: "hello"))
        #expect(request.body == bytes("hello"))
    }

    // Sends "Content-Length: 0": an empty body; the request is complete at the head.
    @Test func contentLengthZero() throws {
        let request = try parseOne(post("Content-Length: 0\r\n"))
        #expect(request.body.isEmpty)
    }

    // Sends the head with "Content-Length: 5" and only "hel": the parser must wait
    // (needMoreData, a partial request buffered), then finish when "lo" arrives.
    @Test func contentLengthBodyWaitsForAllBytes() throws {
        var parser = HTTPRequestParser()
        parser.append(bytes(post("Content-Length: 5\r\n", body: "hel")))
        #expect(step(&parser) == .needMoreData)
        #expect(parser.hasPartialRequest)
        parser.append(bytes("lo"))
        #expect(try nextRequest(&parser).body == bytes("hello"))
        #expect(!parser.hasPartialRequest)
    }

    // Sends two lines "Content-Length: 5": RFC 9110 §8.6 lets a recipient accept
    // repeated identical values as the single value.
    @Test func duplicateIdenticalContentLengthIsAccepted() throws {
        let request = try parseOne(post("Content-Length: 5\r\nContent-Length: 5\r\n", body: "hello"))
        #expect(request.body == bytes("hello"))
    }

    // Sends "Content-Length: 5, 5": the list form of the same identical values
    // (RFC 9110 §8.6, e.g. "42, 42") → accepted.
    @Test func identicalContentLengthListIsAccepted() throws {
        #expect(try parseOne(post("Content-Length: 5, 5\r\n", body: "hello")).body == bytes("hello"))
    }

    // Sends "Content-Length: 5" and "Content-Length: 6": which one frames the body
    // is ambiguous — the classic CL.CL smuggling vector. RFC 9112 §6.3 item 5: an
    // invalid Content-Length is an unrecoverable framing error → 400.
    @Test func conflictingContentLengthsAre400() {
        expectFailure(post("Content-Length: 5\r\nContent-Length: 6\r\n", body: "hello!"),
                      .conflictingContentLength, status: 400)
    }

    // Sends "Content-Length: 5, 6": the same conflict as a list → 400.
    @Test func conflictingContentLengthListIs400() {
        expectFailure(post("Content-Length: 5, 6\r\n", body: "hello!"), .conflictingContentLength, status: 400)
    }

    // Sends "Content-Length: abc", "-5", "+5", "", "5 5", "0x5", "5,", "5.0":
    // Content-Length = 1*DIGIT (RFC 9110 §8.6); anything else is invalid framing
    // → 400 (RFC 9112 §6.3 item 5).
    @Test(arguments: ["abc", "-5", "+5", "", "5 5", "0x5", "5,", "5.0"])
    func malformedContentLengthIs400(value: String) {
        expectFailure(post("Content-Length: \(value)\r\n", body: "hello"), .badContentLength, status: 400)
    }

    // Sends "Content-Length: 99999999999999999999999" (23 digits): RFC 9110 §8.6 —
    // recipients MUST anticipate large numerals and avoid overflow. It is far over
    // any body we accept → 413 Content Too Large (RFC 9110 §15.5.14), not a crash.
    @Test func hugeContentLengthIs413() {
        expectFailure(post("Content-Length: 99999999999999999999999\r\n"), .bodyTooLarge, status: 413)
    }

    // Sends "Content-Length: 9223372036854775807" (Int.max, 19 digits) → 413, no overflow.
    @Test func intMaxContentLengthIs413() {
        expectFailure(post("Content-Length: 9223372036854775807\r\n"), .bodyTooLarge, status: 413)
    }

    // Sends "Content-Length: 17" with maxBodyBytes 16 and no body bytes: 413 is
    // decided from the head alone, before the client sends (and we buffer) the body.
    @Test func contentLengthOverLimitIs413BeforeTheBody() {
        expectFailure(post("Content-Length: 17\r\n"), .bodyTooLarge, status: 413, limits: tinyLimits)
    }

    // Sends "Content-Length: 16" with maxBodyBytes 16: the limit is inclusive.
    @Test func contentLengthAtLimitIsAccepted() throws {
        let body = String(repeating: "b", count: 16)
        #expect(try parseOne(post("Content-Length: 16\r\n", body: body), limits: tinyLimits).body.count == 16)
    }

    // Sends "Content-Length: 5" and "Transfer-Encoding: chunked": the CL.TE / TE.CL
    // smuggling vector (RFC 9112 §6.3 item 3, §11.2). The server MAY reject; we do → 400.
    @Test func contentLengthWithTransferEncodingIs400() {
        expectFailure(post("Content-Length: 5\r\nTransfer-Encoding: chunked\r\n", body: "0\r\n\r\n"),
                      .contentLengthWithTransferEncoding, status: 400)
    }

    // Sends "Transfer-Encoding: gzip": a coding we do not implement — RFC 9112 §6.1,
    // a server SHOULD answer 501 Not Implemented (RFC 9110 §15.6.2).
    @Test func gzipTransferEncodingIs501() {
        expectFailure(post("Transfer-Encoding: gzip\r\n"), .unsupportedTransferEncoding, status: 501)
    }

    // Sends "Transfer-Encoding: gzip, chunked": framing is valid (chunked is last,
    // RFC 9112 §6.3 item 4) but gzip is not implemented → 501 (§6.1).
    @Test func gzipThenChunkedIs501() {
        expectFailure(post("Transfer-Encoding: gzip, chunked\r\n", body: "0\r\n\r\n"),
                      .unsupportedTransferEncoding, status: 501)
    }

    // Sends "Transfer-Encoding: chunked, gzip": chunked is not the final coding, so
    // the body length cannot be determined — RFC 9112 §6.3 item 4: MUST respond 400.
    @Test func chunkedThenGzipIs400() {
        expectFailure(post("Transfer-Encoding: chunked, gzip\r\n", body: "0\r\n\r\n"), .badTransferEncoding, status: 400)
    }

    // Sends "Transfer-Encoding: gzip" then "Transfer-Encoding: chunked" on two lines:
    // the lines form one list "gzip, chunked" (RFC 9110 §5.3) → 501 like the list form.
    @Test func transferEncodingSplitAcrossLinesIsOneList() {
        expectFailure(post("Transfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n", body: "0\r\n\r\n"),
                      .unsupportedTransferEncoding, status: 501)
    }

    // Sends "Transfer-Encoding: chunked, chunked": RFC 9112 §7 forbids applying
    // chunked twice; a parser that decodes once would misframe → rejected (501).
    @Test func doubleChunkedIsRejected() {
        let outcome = feedWhole(bytes(post("Transfer-Encoding: chunked, chunked\r\n", body: "0\r\n\r\n")))
        #expect(outcome.requests.isEmpty)
        #expect(outcome.error?.code == .unsupportedTransferEncoding)
        #expect(outcome.error?.status.code == 501)
    }

    // Sends "Transfer-Encoding:" with an empty value: no final chunked → 400
    // (RFC 9112 §6.3 item 4).
    @Test func emptyTransferEncodingIs400() {
        expectFailure(post("Transfer-Encoding:\r\n", body: "0\r\n\r\n"), .badTransferEncoding, status: 400)
    }

    // Sends "Transfer-Encoding: chunked" on an HTTP/1.0 request: RFC 9112 §6.1 —
    // a 1.0 message with Transfer-Encoding MUST be treated as having faulty framing
    // (1.0 intermediaries do not understand it) → 400.
    @Test func transferEncodingOnHTTP10Is400() {
        expectFailure(post("Transfer-Encoding: chunked\r\n", body: "0\r\n\r\n", version: "HTTP/1.0"),
                      .badTransferEncoding, status: 400)
    }

    // Sends "Transfer-Encoding: Chunked": coding names are case-insensitive
    // (RFC 9112 §7) → decoded as chunked.
    @Test func chunkedIsCaseInsensitive() throws {
        let request = try parseOne(post("Transfer-Encoding: Chunked\r\n", body: "3\r\nabc\r\n0\r\n\r\n"))
        #expect(request.body == bytes("abc"))
    }
}
