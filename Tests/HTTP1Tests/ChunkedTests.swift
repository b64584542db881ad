import HTTP1
import Testing

/// The chunked transfer coding (RFC 9112 §7.1).
@Suite("Chunked bodies")
struct ChunkedTests {
    private let head = "POST /c HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"

    // Sends "5\r\nhello\r\n1\r\n,\r\n6\r\n world\r\n0\r\n\r\n": three chunks and the
    // last-chunk with an empty trailer section (RFC 9112 §7.1); the body is their
    // concatenation, and there are no trailers.
    @Test func severalChunks() throws {
        let request = try parseOne(head + "5\r\nhello\r\n1\r\n,\r\n6\r\n world\r\n0\r\n\r\n")
        #expect(request.body == bytes("hello, world"))
        #expect(request.trailers.count == 0)
    }

    // Sends "0\r\n\r\n" only: a chunked body may be empty (last-chunk alone).
    @Test func emptyChunkedBody() throws {
        #expect(try parseOne(head + "0\r\n\r\n").body.isEmpty)
    }

    // Sends "5;name=value;flag\r\n", "3 ; q=\"x y\"\r\n" and "0;last\r\n": chunk-ext =
    // *( BWS ";" BWS name [ BWS "=" BWS value ] ) (RFC 9112 §7.1.1); a recipient MUST
    // ignore unrecognized extensions, so only the data counts.
    @Test func chunkExtensionsAreIgnored() throws {
        let request = try parseOne(head + "5;name=value;flag\r\nhello\r\n3 ; q=\"x y\"\r\nabc\r\n0;last\r\n\r\n")
        #expect(request.body == bytes("helloabc"))
    }

    // Sends "A\r\n0123456789\r\n1f\r\n…31 bytes…\r\n": chunk-size = 1*HEXDIG
    // (RFC 9112 §7.1) and HEXDIG is case-insensitive (RFC 5234 §B.1), so "A" is 10
    // and "1f" is 31.
    @Test func uppercaseAndLowercaseHex() throws {
        let thirtyOne = String(repeating: "x", count: 31)
        let request = try parseOne(head + "A\r\n0123456789\r\n1f\r\n\(thirtyOne)\r\n0\r\n\r\n")
        #expect(request.body == bytes("0123456789" + thirtyOne))
    }

    // Sends "005\r\nhello\r\n000\r\n\r\n": leading zeros are still 1*HEXDIG, and
    // last-chunk = 1*("0") (RFC 9112 §7.1).
    @Test func leadingZerosInChunkSize() throws {
        #expect(try parseOne(head + "005\r\nhello\r\n000\r\n\r\n").body == bytes("hello"))
    }

    // Sends "3\r\nabc\r\n0\r\nX-Sum: 9\r\nX-Other: a\r\n\r\n": a trailer section
    // (RFC 9112 §7.1.2) is parsed like header fields and exposed as request.trailers,
    // separately from the head's headers (RFC 9110 §6.5: trailers are not headers).
    @Test func trailersAreExposedSeparately() throws {
        let request = try parseOne(head + "3\r\nabc\r\n0\r\nX-Sum: 9\r\nX-Other:  a \r\n\r\n")
        #expect(request.body == bytes("abc"))
        #expect(request.trailers["x-sum"] == "9")
        #expect(request.trailers["X-Other"] == "a")
        #expect(request.trailers.count == 2)
        #expect(request.headers["x-sum"] == nil)
    }

    // Sends a trailer line "Bad Name: x": trailer fields follow the field-line
    // grammar (RFC 9112 §7.1.2, §5) → 400.
    @Test func malformedTrailerIs400() {
        expectFailure(head + "0\r\nBad Name: x\r\n\r\n", .badHeader, status: 400)
    }

    // Sends a trailer ended by bare LF ("0\r\nX: y\n\n"): like the head, bare LF is
    // not accepted (RFC 9112 §2.2 MAY), and must be rejected as soon as the blank
    // line arrives rather than leaving the parser waiting for a CRLF CRLF forever.
    @Test func trailerWithBareLineFeedIs400() {
        expectFailure(head + "0\r\nX: y\n\n", .bareLineFeed, status: 400)
    }

    // Sends "0\r\n\n": the blank line ending an empty trailer section as a bare LF → 400.
    @Test func bareLineFeedAfterLastChunkIs400() {
        expectFailure(head + "0\r\n\n", .bareLineFeed, status: 400)
    }

    // Sends 4 trailer fields with maxHeaderCount 3: the trailer section has the same
    // count limit as the head (HTTPLimits.maxHeaderCount) → 431.
    @Test func tooManyTrailersAre431() {
        expectFailure(head + "0\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\n\r\n", .tooManyHeaders, status: 431, limits: tinyLimits)
    }

    // Streams a trailer section that never ends, over maxHeaderBytes (64) → 431
    // without waiting for its end.
    @Test func oversizedTrailersAre431() {
        expectFailure(head + "0\r\nX: " + String(repeating: "t", count: 100), .headersTooLarge, status: 431,
                      limits: tinyLimits)
    }

    // Sends a complete trailer section of exactly 64 bytes of field lines: accepted
    // (same inclusive limit as the head); 65 bytes → 431.
    @Test func trailerBytesLimitIsInclusive() throws {
        let at = "X: " + String(repeating: "t", count: 64 - 5) + "\r\n"
        #expect(try parseOne(head + "0\r\n" + at + "\r\n", limits: tinyLimits).trailers.count == 1)
        let over = "X: " + String(repeating: "t", count: 65 - 5) + "\r\n"
        expectFailure(head + "0\r\n" + over + "\r\n", .headersTooLarge, status: 431, limits: tinyLimits)
    }

    // Sends "zz\r\n": chunk-size = 1*HEXDIG (RFC 9112 §7.1); without a valid size the
    // body cannot be framed → 400.
    @Test func nonHexChunkSizeIs400() {
        expectFailure(head + "zz\r\nhello\r\n0\r\n\r\n", .badChunk, status: 400)
    }

    // Sends "\r\n" where a chunk size belongs: an empty size is not 1*HEXDIG → 400.
    @Test func emptyChunkSizeIs400() {
        expectFailure(head + "\r\nhello\r\n0\r\n\r\n", .badChunk, status: 400)
    }

    // Sends "5x\r\n": bytes after the size that are neither BWS nor ";" → 400.
    @Test func garbageAfterChunkSizeIs400() {
        expectFailure(head + "5x\r\nhello\r\n0\r\n\r\n", .badChunk, status: 400)
    }

    // Sends "-5\r\n" and "+5\r\n": a sign is not a HEXDIG → 400.
    @Test func signedChunkSizeIs400() {
        expectFailure(head + "-5\r\nhello\r\n0\r\n\r\n", .badChunk, status: 400)
        expectFailure(head + "+5\r\nhello\r\n0\r\n\r\n", .badChunk, status: 400)
    }

    // Sends a 16-hex-digit size "10000000000000005": RFC 9112 §7.1 — recipients MUST
    // prevent integer overflow; 16 hex digits can exceed Int64, so more than 15 is
    // rejected as a bad chunk → 400 (never wraps to a small size).
    @Test func chunkSizeOverflowIs400() {
        expectFailure(head + "10000000000000005\r\nhello\r\n0\r\n\r\n", .badChunk, status: 400)
    }

    // Sends "0000000000000005" (16 digits, value 5): the digit cap applies even to
    // leading zeros — strict, but no legitimate client pads a size that far → 400.
    @Test func sixteenDigitChunkSizeIs400EvenWithLeadingZeros() {
        expectFailure(head + "0000000000000005\r\nhello\r\n0\r\n\r\n", .badChunk, status: 400)
    }

    // Sends "fffffffffffffff\r\n" (15 digits, ~1.15e18): parses without overflow and
    // is over maxBodyBytes → 413 (RFC 9110 §15.5.14), before any data is buffered.
    @Test func fifteenDigitChunkSizeIs413() {
        expectFailure(head + "fffffffffffffff\r\n", .bodyTooLarge, status: 413)
    }

    // Sends "5\r\nhelloX0\r\n\r\n": chunk = size CRLF data CRLF (RFC 9112 §7.1); a
    // byte other than CR LF after the data means the size lied → 400.
    @Test func missingCRLFAfterChunkDataIs400() {
        expectFailure(head + "5\r\nhelloX0\r\n\r\n", .badChunk, status: 400)
    }

    // Sends "5\r\nhello\n0\r\n\r\n": a bare LF after chunk data is not CRLF → 400.
    @Test func bareLineFeedAfterChunkDataIs400() {
        expectFailure(head + "5\r\nhello\n0\r\n\r\n", .badChunk, status: 400)
    }

    // Sends "5\nhello…": a chunk-size line ended by bare LF → 400.
    @Test func bareLineFeedAfterChunkSizeIs400() {
        expectFailure(head + "5\nhello\r\n0\r\n\r\n", .bareLineFeed, status: 400)
    }

    // Sends "5;ext=\u{1}\r\n": a control byte in a chunk extension → 400.
    @Test func controlByteInChunkExtensionIs400() {
        expectFailure(bytes(head + "5;ext=") + [0x01] + bytes("\r\nhello\r\n0\r\n\r\n"), .badChunk, status: 400)
    }

    // Sends chunks of 10 + 7 bytes with maxBodyBytes 16: the running total is checked
    // at each size line, so the second size line fails → 413 (RFC 9110 §15.5.14).
    @Test func chunkedBodyOverLimitIs413() {
        expectFailure(head + "a\r\n0123456789\r\n7\r\nabcdefg\r\n0\r\n\r\n", .bodyTooLarge, status: 413,
                      limits: tinyLimits)
    }

    // Sends chunks of 10 + 6 bytes with maxBodyBytes 16: exactly at the limit → accepted.
    @Test func chunkedBodyAtLimitIsAccepted() throws {
        let request = try parseOne(head + "a\r\n0123456789\r\n6\r\nabcdef\r\n0\r\n\r\n", limits: tinyLimits)
        #expect(request.body.count == 16)
    }

    // Sends a chunk-size line of 17 bytes ("5;" + 15 bytes of extension) with
    // maxChunkLineBytes 16: RFC 9112 §7.1.1 — a server ought to limit extension
    // length and answer 4xx → 400.
    @Test func chunkSizeLineTooLongIs400() {
        expectFailure(head + "5;" + String(repeating: "e", count: 15) + "\r\nhello\r\n0\r\n\r\n", .badChunk, status: 400,
                      limits: tinyLimits)
    }

    // Sends a chunk-size line of exactly 16 bytes: the limit is inclusive.
    @Test func chunkSizeLineAtLimitIsAccepted() throws {
        let request = try parseOne(head + "5;" + String(repeating: "e", count: 14) + "\r\nhello\r\n0\r\n\r\n",
                                   limits: tinyLimits)
        #expect(request.body == bytes("hello"))
    }

    // Streams "5;eeee…" with no LF: once more bytes are buffered than a size line may
    // have → 400 without waiting for the LF (unbounded extensions are a resource-
    // exhaustion vector).
    @Test func chunkSizeLineTooLongWhileStreamingIs400() {
        expectFailure(head + "5;" + String(repeating: "e", count: 100), .badChunk, status: 400, limits: tinyLimits)
    }

    // Sends the head and "5\r\nhel": the parser waits mid-chunk (needMoreData, partial
    // request buffered); "lo\r\n0\r\n\r\n" completes it.
    @Test func chunkedBodyWaitsMidChunk() throws {
        var parser = HTTPRequestParser()
        parser.append(bytes(head + "5\r\nhel"))
        #expect(step(&parser) == .needMoreData)
        #expect(parser.hasPartialRequest)
        parser.append(bytes("lo\r\n0\r\n\r\n"))
        #expect(try nextRequest(&parser).body == bytes("hello"))
        #expect(!parser.hasPartialRequest)
    }
}
