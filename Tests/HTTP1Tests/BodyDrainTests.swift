import HTTP1
import Testing

/// `drainBody()`: a server can take a large body out of the parser as it arrives (to a file), and the
/// framing and the body limit still hold.
@Suite struct BodyDrainTests {
    @Test func contentLengthBodyDrainsInPieces() throws {
        var parser = HTTPRequestParser()
        parser.append(bytes("POST /p HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\n\r\nhel"))
        #expect(step(&parser) == .needMoreData)
        #expect(parser.pendingBodyBytes == 3)
        var drained = parser.drainBody()
        #expect(drained == bytes("hel"))
        #expect(parser.pendingBodyBytes == 0)
        parser.append(bytes("lo wo"))
        #expect(step(&parser) == .needMoreData)
        drained += parser.drainBody()
        // The rest, and a pipelined request after it, which must not be taken as body.
        parser.append(bytes("rldGET /next HTTP/1.1\r\nHost: a\r\n\r\n"))
        guard case .request(let request) = try parser.next() else { Issue.record("expected the request"); return }
        #expect(drained + request.body == bytes("hello world"))
        #expect(request.body == bytes("rld"))
        guard case .request(let next) = try parser.next() else { Issue.record("expected the pipelined request"); return }
        #expect(next.rawPath == "/next")
        #expect(parser.drainBody().isEmpty)
    }

    @Test func chunkedBodyDrainsAndItsLimitCountsDrainedBytes() throws {
        var parser = HTTPRequestParser(limits: HTTPLimits(maxBodyBytes: 8))
        parser.append(bytes("POST /p HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n"))
        #expect(step(&parser) == .needMoreData)
        #expect(parser.drainBody() == bytes("hello"))
        // 5 drained + 4 more is over the limit of 8, though the parser holds only 4.
        parser.append(bytes("4\r\nmore\r\n0\r\n\r\n"))
        #expect(throws: HTTPParseError.self) { _ = try parser.next() }
    }

    @Test func drainedChunkedBodyCompletes() throws {
        var parser = HTTPRequestParser()
        parser.append(bytes("POST /p HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n"))
        #expect(step(&parser) == .needMoreData)
        let first = parser.drainBody()
        parser.append(bytes("2\r\nde\r\n0\r\n\r\n"))
        guard case .request(let request) = try parser.next() else { Issue.record("expected the request"); return }
        #expect(first + request.body == bytes("abcde"))
    }
}
