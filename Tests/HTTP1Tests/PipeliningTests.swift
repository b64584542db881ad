import HTTP1
import Testing

/// Pipelined requests (RFC 9112 §9.3.2) and independence from read boundaries.
@Suite("Pipelining and read boundaries")
struct PipeliningTests {
    static let get1 = "GET /one HTTP/1.1\r\nHost: a\r\n\r\n"
    static let post = "POST /two?x=1 HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello"
    static let chunked = "PUT /three HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\nT: 1\r\n\r\n"
    static let get4 = "GET /four HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"

    // Sends two GETs back to back in one read: RFC 9112 §9.3.2 — a server may read
    // pipelined requests and must answer them in order, so they come out in order.
    @Test func twoRequestsInOneBuffer() throws {
        let requests = try parseAll(bytes(Self.get1 + Self.get4))
        #expect(requests.map(\.rawPath) == ["/one", "/four"])
        #expect(requests.map(\.keepAlive) == [true, false])
    }

    // Sends GET, POST with a 5-byte body, GET in one read: the body's bytes must not
    // be mistaken for the next request line, and the third request starts right
    // after "hello".
    @Test func threeRequestsWithABodyInBetween() throws {
        let requests = try parseAll(bytes(Self.get1 + Self.post + Self.get4))
        #expect(requests.map(\.rawPath) == ["/one", "/two", "/four"])
        #expect(requests.map(\.body) == [[], bytes("hello"), []])
    }

    // Sends GET, chunked PUT with a trailer, POST, GET in one read: chunked framing
    // (RFC 9112 §7.1) ends exactly after the trailer section's blank line.
    @Test func chunkedRequestInsideAPipeline() throws {
        let requests = try parseAll(bytes(Self.get1 + Self.chunked + Self.post + Self.get4))
        #expect(requests.map(\.rawPath) == ["/one", "/three", "/two", "/four"])
        #expect(requests[1].body == bytes("abc"))
        #expect(requests[1].trailers["t"] == "1")
        #expect(requests[2].body == bytes("hello"))
    }

    // Sends "POST…hello\r\nGET…": an extra CRLF between pipelined requests is an
    // empty line before a request-line and is ignored (RFC 9112 §2.2).
    @Test func emptyLineBetweenPipelinedRequestsIsIgnored() throws {
        let requests = try parseAll(bytes(Self.post + "\r\n" + Self.get1))
        #expect(requests.map(\.rawPath) == ["/two", "/one"])
    }

    // Sends a pipeline of all four shapes one byte per read: the parser must give the
    // same requests as when fed at once (parseAll checks this; asserted here too).
    @Test func byteByByteEqualsWhole() {
        let input = bytes(Self.get1 + Self.chunked + Self.post + Self.get4)
        let whole = feedWhole(input).requests.map(Snapshot.init)
        let split = feedByteByByte(input).requests.map(Snapshot.init)
        #expect(whole.count == 4)
        #expect(split == whole)
    }

    // Sends the pair GET + POST-with-body split into two reads at EVERY offset
    // 0…n: whatever the boundary (inside the request line, a CRLF, the blank line,
    // the body), the same two requests come out and nothing is left over.
    @Test func everyTwoWaySplitOfAPipelinedPair() {
        let input = bytes(Self.post + Self.get1)
        let expected = feedWhole(input).requests.map(Snapshot.init)
        #expect(expected.count == 2)
        for cut in 0...input.count {
            let outcome = feed([Array(input[..<cut]), Array(input[cut...])])
            #expect(outcome.error == nil, "cut at \(cut)")
            #expect(outcome.requests.map(Snapshot.init) == expected, "cut at \(cut)")
            #expect(!outcome.partial, "cut at \(cut)")
        }
    }

    // Sends the pair chunked PUT + GET split into two reads at every offset: the
    // chunked state machine (size line, data, CRLF, trailers) resumes at any byte.
    @Test func everyTwoWaySplitOfAChunkedPair() {
        let input = bytes(Self.chunked + Self.get1)
        let expected = feedWhole(input).requests.map(Snapshot.init)
        #expect(expected.count == 2)
        for cut in 0...input.count {
            let outcome = feed([Array(input[..<cut]), Array(input[cut...])])
            #expect(outcome.error == nil, "cut at \(cut)")
            #expect(outcome.requests.map(Snapshot.init) == expected, "cut at \(cut)")
        }
    }

    // Sends GET + POST split into three reads at every pair of offsets (i ≤ j):
    // boundaries interact (e.g. one in the head, one in the body) and still give the
    // same two requests.
    @Test func everyThreeWaySplitOfAPipelinedPair() {
        let input = bytes(Self.get1 + Self.post)
        let expected = feedWhole(input).requests.map(Snapshot.init)
        var mismatches = 0
        for i in 0...input.count {
            for j in i...input.count {
                let outcome = feed([Array(input[..<i]), Array(input[i..<j]), Array(input[j...])])
                if outcome.error != nil || outcome.requests.map(Snapshot.init) != expected {
                    mismatches += 1
                    Issue.record("split at \(i), \(j) differs")
                    if mismatches > 5 { return }
                }
            }
        }
    }

    // Sends 1,000 pipelined POSTs (~70 KB) in one read, then in 4 KiB reads: the
    // parser compacts its buffer as it goes (consumed bytes > 16 KiB) and must not
    // lose or reorder requests when it does.
    @Test func longPipelineSurvivesBufferCompaction() {
        var input: [UInt8] = []
        for i in 0..<1000 {
            let body = "body-\(i)"
            input += bytes("POST /n/\(i) HTTP/1.1\r\nHost: a\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)")
        }
        var pieces: [[UInt8]] = []
        var k = 0
        while k < input.count { pieces.append(Array(input[k..<min(input.count, k + 4096)])); k += 4096 }
        for outcome in [feedWhole(input), feed(pieces)] {
            #expect(outcome.error == nil)
            #expect(outcome.requests.count == 1000)
            #expect(outcome.requests.enumerated().allSatisfy { $0.element.pathSegments == ["n", "\($0.offset)"] })
            #expect(outcome.requests.enumerated().allSatisfy { $0.element.body == bytes("body-\($0.offset)") })
        }
    }

    // Sends a valid GET followed by "BAD\r\n\r\n": the first request comes out, then
    // the error — pipelined requests before a bad one are still served.
    @Test func validRequestBeforeABadOneIsStillReturned() {
        let outcome = feedWhole(bytes(Self.get1 + "BAD\r\n\r\n"))
        #expect(outcome.requests.map(\.rawPath) == ["/one"])
        #expect(outcome.error?.code == .badRequestLine)
    }
}

/// Parser state: failure is sticky; hasPartialRequest tells idle from mid-request.
@Suite("Parser state")
struct ParserStateTests {
    // Sends "GET / HTTP/9.9\r\n\r\n" (→ 505), then calls next() again and then appends
    // a valid request: after an error framing is lost (RFC 9112 §6.3: the server
    // MUST close), so the parser stays failed and throws the same error every time.
    @Test func errorIsSticky() {
        var parser = HTTPRequestParser()
        parser.append(bytes("GET / HTTP/9.9\r\n\r\n"))
        #expect(step(&parser) == .error(.unsupportedVersion))
        #expect(step(&parser) == .error(.unsupportedVersion))
        parser.append(bytes("GET / HTTP/1.1\r\nHost: a\r\n\r\n"))
        #expect(step(&parser) == .error(.unsupportedVersion))
    }

    // Feeds nothing: a fresh parser is idle and asks for data.
    @Test func freshParserIsIdle() {
        var parser = HTTPRequestParser()
        #expect(!parser.hasPartialRequest)
        #expect(step(&parser) == .needMoreData)
        #expect(!parser.hasPartialRequest)
    }

    // Feeds "GET / HT", then the rest of the head, then nothing: hasPartialRequest is
    // true mid-head (a stalled client gets 408) and false once the request is out
    // (an idle keep-alive connection closes quietly).
    @Test func partialHeadIsReportedThenCleared() throws {
        var parser = HTTPRequestParser()
        parser.append(bytes("GET / HT"))
        #expect(parser.hasPartialRequest)
        #expect(step(&parser) == .needMoreData)
        #expect(parser.hasPartialRequest)
        parser.append(bytes("TP/1.1\r\nHost: a\r\n\r\n"))
        _ = try nextRequest(&parser)
        #expect(!parser.hasPartialRequest)
        #expect(step(&parser) == .needMoreData)
        #expect(!parser.hasPartialRequest)
    }

    // Feeds a complete head with "Content-Length: 3" and no body: the head is
    // consumed but the request is not finished, so hasPartialRequest stays true.
    @Test func awaitingBodyIsPartial() {
        var parser = HTTPRequestParser()
        parser.append(bytes("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\n"))
        #expect(step(&parser) == .needMoreData)
        #expect(parser.hasPartialRequest)
    }

    // Feeds a request plus the first bytes of a pipelined one: after the first comes
    // out, the leftover bytes make the parser partial again.
    @Test func leftoverPipelinedBytesArePartial() throws {
        var parser = HTTPRequestParser()
        parser.append(bytes("GET / HTTP/1.1\r\nHost: a\r\n\r\nGET /n"))
        _ = try nextRequest(&parser)
        #expect(parser.hasPartialRequest)
        #expect(step(&parser) == .needMoreData)
        #expect(parser.hasPartialRequest)
    }

    // Uses append(UnsafeRawBufferPointer), the server's zero-copy path: same result.
    @Test func appendFromRawBuffer() throws {
        var parser = HTTPRequestParser()
        let input = bytes("GET /raw HTTP/1.1\r\nHost: a\r\n\r\n")
        input.withUnsafeBytes { parser.append($0) }
        #expect(try nextRequest(&parser).rawPath == "/raw")
    }

    // Checks the documented defaults of HTTPLimits: 8 KiB line, 100 fields, 16 KiB
    // of fields, 16 MiB body, 4 KiB chunk line.
    @Test func defaultLimits() {
        let limits = HTTPLimits.default
        #expect(limits.maxRequestLineBytes == 8192)
        #expect(limits.maxHeaderCount == 100)
        #expect(limits.maxHeaderBytes == 16384)
        #expect(limits.maxBodyBytes == 16 * 1024 * 1024)
        #expect(limits.maxChunkLineBytes == 4096)
        #expect(HTTPRequestParser().limits == limits)
    }

    // Checks that every error code maps to the status RFC 9110 assigns it.
    @Test func errorStatuses() {
        let expected: [HTTPParseError.Code: Int] = [
            .badRequestLine: 400, .badTarget: 400, .badHeader: 400, .obsoleteLineFolding: 400, .bareLineFeed: 400,
            .missingHost: 400, .duplicateHost: 400, .badContentLength: 400, .conflictingContentLength: 400,
            .contentLengthWithTransferEncoding: 400, .badTransferEncoding: 400, .unsupportedTransferEncoding: 501,
            .badChunk: 400, .requestLineTooLong: 414, .headersTooLarge: 431, .tooManyHeaders: 431,
            .bodyTooLarge: 413, .unsupportedVersion: 505, .unsupportedExpectation: 417, .timeout: 408,
        ]
        for (code, status) in expected {
            #expect(HTTPParseError(code, "x").status.code == status, "\(code)")
        }
    }
}
