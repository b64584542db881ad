import HTTP1
import Testing

// Shared helpers for the byte-level parser tests. Every test builds its input
// from an explicit byte string; these helpers feed it to a fresh parser, drain
// every event, and (where it matters) check that feeding the very same bytes
// one at a time gives the same outcome, so each test also pins down that the
// read boundary never changes how a message parses.

/// The bytes of `text`, exactly as written (`\r\n` is CR LF).
func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

/// Everything a parser produced from a sequence of reads.
struct Outcome {
    var requests: [HTTPRequest] = []
    /// How many `.continueExpected` events were seen.
    var continues = 0
    /// The error that stopped parsing, if any.
    var error: HTTPParseError?
    /// Whether the parser still held bytes of an unfinished request at the end.
    var partial = false
}

/// Feeds `pieces` one read at a time, draining `next()` after each read.
func feed(_ pieces: [[UInt8]], limits: HTTPLimits = .default) -> Outcome {
    var parser = HTTPRequestParser(limits: limits)
    var outcome = Outcome()
    for piece in pieces {
        parser.append(piece)
        drain: while true {
            do throws(HTTPParseError) {
                switch try parser.next() {
                case .request(let request): outcome.requests.append(request)
                case .continueExpected: outcome.continues += 1
                case .headBeforeLargeBody: continue
                case .needMoreData: break drain
                }
            } catch {
                outcome.error = error
                outcome.partial = parser.hasPartialRequest
                return outcome
            }
        }
    }
    outcome.partial = parser.hasPartialRequest
    return outcome
}

/// Feeds `input` in one read.
func feedWhole(_ input: [UInt8], limits: HTTPLimits = .default) -> Outcome {
    feed([input], limits: limits)
}

/// Feeds `input` one byte per read.
func feedByteByByte(_ input: [UInt8], limits: HTTPLimits = .default) -> Outcome {
    feed(input.map { [$0] }, limits: limits)
}

/// A comparable picture of a parsed request (HTTPRequest itself is not Equatable).
struct Snapshot: Equatable, CustomStringConvertible {
    var method: String
    var target: String
    var rawPath: String
    var segments: [String]?
    var query: [[String]]
    var version: String
    var headers: [[String]]
    var trailers: [[String]]
    var body: [UInt8]
    var keepAlive: Bool

    init(_ request: HTTPRequest) {
        method = request.method.rawValue
        target = request.target
        rawPath = request.rawPath
        segments = request.pathSegments
        query = request.query.map { [$0.name, $0.value] }
        version = request.version.description
        headers = request.headers.fields.map { [$0.name, $0.value] }
        trailers = request.trailers.fields.map { [$0.name, $0.value] }
        body = request.body
        keepAlive = request.keepAlive
    }

    var description: String {
        "\(method) \(target) \(version) headers=\(headers) trailers=\(trailers) body=\(body.count)B keepAlive=\(keepAlive)"
    }
}

/// Parses `input`, requiring success with no leftover partial request, and
/// requiring that byte-by-byte feeding yields identical requests.
func parseAll(
    _ input: [UInt8], limits: HTTPLimits = .default, sourceLocation: SourceLocation = #_sourceLocation
) throws -> [HTTPRequest] {
    let whole = feedWhole(input, limits: limits)
    try #require(whole.error == nil, "unexpected error \(String(describing: whole.error))", sourceLocation: sourceLocation)
    #expect(!whole.partial, "bytes of an unfinished request were left over", sourceLocation: sourceLocation)
    let split = feedByteByByte(input, limits: limits)
    try #require(split.error == nil, "byte-by-byte error \(String(describing: split.error))", sourceLocation: sourceLocation)
    #expect(split.requests.map(Snapshot.init) == whole.requests.map(Snapshot.init), sourceLocation: sourceLocation)
    return whole.requests
}

/// Parses `input`, requiring exactly one request (see `parseAll`).
func parseOne(
    _ input: String, limits: HTTPLimits = .default, sourceLocation: SourceLocation = #_sourceLocation
) throws -> HTTPRequest {
    let requests = try parseAll(bytes(input), limits: limits, sourceLocation: sourceLocation)
    try #require(requests.count == 1, "expected one request, got \(requests.count)", sourceLocation: sourceLocation)
    return requests[0]
}

/// Requires that `input` fails with `code` and response status `status`, both
/// when fed whole and when fed one byte at a time, and that no request came out.
func expectFailure(
    _ input: [UInt8], _ code: HTTPParseError.Code, status: Int, limits: HTTPLimits = .default,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    for (how, outcome) in [("whole", feedWhole(input, limits: limits)), ("byte-by-byte", feedByteByByte(input, limits: limits))] {
        #expect(outcome.error?.code == code, "\(how): got \(String(describing: outcome.error))", sourceLocation: sourceLocation)
        #expect(outcome.error?.status.code == status, "\(how): wrong status", sourceLocation: sourceLocation)
        #expect(outcome.requests.isEmpty, "\(how): a request came out", sourceLocation: sourceLocation)
    }
}

func expectFailure(
    _ input: String, _ code: HTTPParseError.Code, status: Int, limits: HTTPLimits = .default,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    expectFailure(bytes(input), code, status: status, limits: limits, sourceLocation: sourceLocation)
}

/// Small limits so boundary tests stay readable.
let tinyLimits = HTTPLimits(
    maxRequestLineBytes: 32, maxHeaderCount: 3, maxHeaderBytes: 64, maxBodyBytes: 16, maxChunkLineBytes: 16)

/// A deterministic generator (SplitMix64) for the property tests: no external
/// dependencies, and a failing seed can be replayed exactly.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Splits `input` into consecutive reads of random sizes (1 to `maxRead` bytes).
func randomChunks(_ input: [UInt8], maxRead: Int, using rng: inout SeededGenerator) -> [[UInt8]] {
    var pieces: [[UInt8]] = []
    var i = 0
    while i < input.count {
        let n = Int.random(in: 1...maxRead, using: &rng)
        pieces.append(Array(input[i..<min(input.count, i + n)]))
        i += n
    }
    return pieces
}

/// One `next()` call, as a comparable value.
enum Event: Equatable {
    case request(Snapshot)
    case continueExpected
    case headBeforeLargeBody
    case needMoreData
    case error(HTTPParseError.Code)

    var isRequest: Bool { if case .request = self { true } else { false } }
}

/// Calls `next()` once.
func step(_ parser: inout HTTPRequestParser) -> Event {
    do throws(HTTPParseError) {
        switch try parser.next() {
        case .request(let request): return .request(Snapshot(request))
        case .continueExpected: return .continueExpected
        case .headBeforeLargeBody: return .headBeforeLargeBody
        case .needMoreData: return .needMoreData
        }
    } catch {
        return .error(error.code)
    }
}

/// Calls `next()` once, requiring a request.
func nextRequest(_ parser: inout HTTPRequestParser, sourceLocation: SourceLocation = #_sourceLocation) throws -> HTTPRequest {
    let event: HTTPParserEvent
    do throws(HTTPParseError) {
        event = try parser.next()
    } catch {
        Issue.record("unexpected error \(error)", sourceLocation: sourceLocation)
        throw error
    }
    guard case .request(let request) = event else {
        Issue.record("expected a request, got \(event)", sourceLocation: sourceLocation)
        throw HTTPParseError(.badRequestLine, "test: no request")
    }
    return request
}
