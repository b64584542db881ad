import HTTP1
import Testing

/// A random valid request, its bytes, and what the parser must make of them.
struct GeneratedRequest {
    var wire: [UInt8]
    var method: String
    var segments: [String]
    var query: [[String]]
    var version: HTTPVersion
    var headers: [[String]]
    var trailers: [[String]]
    var body: [UInt8]
    var keepAlive: Bool
    var expectsContinue: Bool

    /// Compares everything the generator controls with a parsed request.
    func mismatch(_ request: HTTPRequest) -> String? {
        let got = Snapshot(request)
        if got.method != method { return "method \(got.method) != \(method)" }
        if got.segments != segments { return "segments \(String(describing: got.segments)) != \(segments)" }
        if got.query != query { return "query \(got.query) != \(query)" }
        if request.version != version { return "version \(request.version) != \(version)" }
        if got.headers != headers { return "headers \(got.headers) != \(headers)" }
        if got.trailers != trailers { return "trailers \(got.trailers) != \(trailers)" }
        if got.body != body { return "body of \(got.body.count) bytes != \(body.count)" }
        if got.keepAlive != keepAlive { return "keepAlive \(got.keepAlive) != \(keepAlive)" }
        return nil
    }
}

/// Builds random but valid requests (RFC 9112 grammar) from a seeded generator.
struct RequestGenerator {
    var rng: SeededGenerator

    init(seed: UInt64) { rng = SeededGenerator(seed: seed) }

    private static let unreserved = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~".utf8)
    private static let pathLiterals = Set("!$'()*,;=:@+".utf8)
    private static let queryLiterals = Set("!$'()*,;:@/?".utf8)
    private static let alphabet = ["a", "b", "Z", "0", "9", "-", ".", "_", "~", " ", "/", "+", "%", "?", "#", "&", "=",
                                   ";", ":", "@", "!", "é", "中", "😀", "\"", "<"]
    private static let tchars = Array("abcxyzABCXYZ0189!#$%&'*+-.^_`|~".utf8)

    private mutating func chance(_ percent: Int) -> Bool { Int.random(in: 0..<100, using: &rng) < percent }
    private mutating func pick<T>(_ items: [T]) -> T { items[Int.random(in: 0..<items.count, using: &rng)] }

    private mutating func text(_ lengths: ClosedRange<Int>) -> String {
        (0..<Int.random(in: lengths, using: &rng)).map { _ in pick(Self.alphabet) }.joined()
    }

    private mutating func hex(_ byte: UInt8) -> String {
        let digits = String(byte, radix: 16, uppercase: chance(50))
        return byte < 16 ? "0" + digits : digits
    }

    /// Percent-encodes `text`; `literals` may also go unescaped, SP may become "+".
    private mutating func encode(_ text: String, literals: Set<UInt8>, plusForSpace: Bool) -> String {
        var out = ""
        for byte in text.utf8 {
            if Self.unreserved.contains(byte) || (literals.contains(byte) && chance(50)) {
                out.unicodeScalars.append(Unicode.Scalar(byte))
            } else if byte == 32, plusForSpace, chance(50) {
                out += "+"
            } else {
                out += "%" + hex(byte)
            }
        }
        return out
    }

    private mutating func fieldValue() -> String {
        let words = (0..<Int.random(in: 0...3, using: &rng)).map { _ in
            String(decoding: (0..<Int.random(in: 1...6, using: &rng)).map { _ in UInt8.random(in: 0x21...0x7E, using: &rng) },
                   as: UTF8.self)
        }
        return words.joined(separator: pick([" ", "  ", "\t"]))
    }

    private mutating func ows() -> String { pick(["", "", " ", "\t", "  \t"]) }

    private mutating func fieldName(prefix: String) -> String {
        prefix + String(decoding: (0..<Int.random(in: 1...8, using: &rng)).map { _ in pick(Self.tchars) }, as: UTF8.self)
    }

    mutating func request() -> GeneratedRequest {
        let method = pick(["GET", "POST", "PUT", "PATCH", "DELETE", "X-CUSTOM"])
        let versionText = pick(["HTTP/1.1", "HTTP/1.1", "HTTP/1.1", "HTTP/1.0", "HTTP/1.2"])
        let version: HTTPVersion = versionText == "HTTP/1.0" ? .http1_0 : .http1_1

        var segments: [String] = []
        var path = ""
        for _ in 0..<Int.random(in: 0...4, using: &rng) {
            let segment = text(1...6)
            segments.append(segment)
            path += "/" + encode(segment, literals: Self.pathLiterals, plusForSpace: false)
        }
        if path.isEmpty || chance(20) { path += "/" }

        var query: [[String]] = []
        var queryText = ""
        if chance(50) {
            var pairs: [String] = []
            for _ in 0..<Int.random(in: 0...4, using: &rng) {
                let name = text(1...5), value = text(0...5)
                query.append([name, value])
                let encodedName = encode(name, literals: Self.queryLiterals, plusForSpace: true)
                let encodedValue = encode(value, literals: Self.queryLiterals, plusForSpace: true)
                pairs.append(value.isEmpty && chance(50) ? encodedName : encodedName + "=" + encodedValue)
            }
            queryText = "?" + pairs.joined(separator: "&")
        }

        var headers: [[String]] = []
        var lines: [String] = []
        func add(_ name: String, _ value: String, _ leading: String, _ trailing: String) {
            headers.append([name, value])
            lines.append("\(name):\(leading)\(value)\(trailing)")
        }
        if version == .http1_1 || chance(50) { add(pick(["Host", "host", "HOST"]), "example.com", ows(), ows()) }
        for _ in 0..<Int.random(in: 0...5, using: &rng) { add(fieldName(prefix: "X-"), fieldValue(), ows(), ows()) }

        let connection = pick(["", "", "close", "keep-alive", "foo, close", "Keep-Alive, upgrade"])
        if !connection.isEmpty { add("Connection", connection, " ", "") }
        let tokens = connection.split(separator: ",").map { $0.trimmingPrefix(" ").lowercased() }
        let keepAlive = !tokens.contains("close") && (version == .http1_1 || tokens.contains("keep-alive"))

        var body: [UInt8] = []
        var trailers: [[String]] = []
        var bodyWire: [UInt8] = []
        var expectsContinue = false
        switch Int.random(in: 0..<3, using: &rng) {
        case 1:
            body = (0..<Int.random(in: 0...40, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            add("Content-Length", String(body.count), ows(), ows())
            bodyWire = body
        case 2 where version == .http1_1:
            add("Transfer-Encoding", pick(["chunked", "Chunked", "CHUNKED"]), " ", ows())
            for _ in 0..<Int.random(in: 0...4, using: &rng) {
                let chunk = (0..<Int.random(in: 1...20, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
                body += chunk
                let size = String(chunk.count, radix: 16, uppercase: chance(50))
                let ext = chance(30) ? pick([";a=b", " ; flag", ";q=\"x y\""]) : ""
                bodyWire += Array("\(pick(["", "0", "00"]))\(size)\(ext)\r\n".utf8) + chunk + [13, 10]
            }
            bodyWire += Array("0\r\n".utf8)
            for _ in 0..<Int.random(in: 0...2, using: &rng) {
                let name = fieldName(prefix: "T-"), value = fieldValue()
                trailers.append([name, value])
                bodyWire += Array("\(name):\(ows())\(value)\(ows())\r\n".utf8)
            }
            bodyWire += [13, 10]
        default:
            break
        }
        if !bodyWire.isEmpty, chance(20) {
            add("Expect", "100-continue", " ", "")
            expectsContinue = version == .http1_1
        }

        let head = "\(method) \(path)\(queryText) \(versionText)\r\n" + lines.map { $0 + "\r\n" }.joined() + "\r\n"
        return GeneratedRequest(
            wire: Array(head.utf8) + bodyWire, method: method, segments: segments, query: query, version: version,
            headers: headers, trailers: trailers, body: body, keepAlive: keepAlive, expectsContinue: expectsContinue)
    }

    /// One to four requests back to back.
    mutating func pipeline() -> [GeneratedRequest] {
        (0..<Int.random(in: 1...4, using: &rng)).map { _ in request() }
    }

    mutating func chunks(_ input: [UInt8]) -> [[UInt8]] {
        randomChunks(input, maxRead: pick([1, 2, 3, 7, 16, 64, 512]), using: &rng)
    }
}

/// Property-style tests over generated requests; each seed is reproducible.
@Suite("Properties")
struct PropertyTests {
    static let seeds: [UInt64] = Array(1...300)

    // Builds 300 random pipelines of 1–4 valid requests (random methods, percent-
    // encoded paths and queries, OWS, Host spellings, Connection lists, CL or chunked
    // bodies with extensions and trailers, 1.0/1.1/1.2) and feeds each in one read:
    // every request must come out exactly as built, in order (RFC 9112 §9.3.2).
    @Test func generatedRequestsParseAsBuilt() {
        for seed in Self.seeds {
            var generator = RequestGenerator(seed: seed)
            let pipeline = generator.pipeline()
            let outcome = feedWhole(pipeline.flatMap(\.wire))
            #expect(outcome.error == nil, "seed \(seed): \(String(describing: outcome.error))")
            #expect(outcome.requests.count == pipeline.count, "seed \(seed)")
            #expect(outcome.continues == 0, "seed \(seed): bodies arrived with their heads")
            #expect(!outcome.partial, "seed \(seed)")
            for (built, parsed) in zip(pipeline, outcome.requests) {
                if let problem = built.mismatch(parsed) { Issue.record("seed \(seed): \(problem)") }
            }
        }
    }

    // Feeds each random pipeline in 5 random chunkings (reads of 1…512 bytes): the
    // requests must be identical to the one-read parse, and 100-continue may be asked
    // at most once per request that sent Expect (RFC 9110 §10.1.1).
    @Test func randomChunkingsParseIdentically() {
        for seed in Self.seeds {
            var generator = RequestGenerator(seed: seed)
            let pipeline = generator.pipeline()
            let input = pipeline.flatMap(\.wire)
            let expected = feedWhole(input).requests.map(Snapshot.init)
            for round in 0..<5 {
                let outcome = feed(generator.chunks(input))
                #expect(outcome.error == nil, "seed \(seed) round \(round)")
                #expect(outcome.requests.map(Snapshot.init) == expected, "seed \(seed) round \(round)")
                #expect(outcome.continues <= pipeline.filter(\.expectsContinue).count, "seed \(seed) round \(round)")
            }
        }
    }

    // Feeds every strict prefix of 50 random single requests: a valid request cut
    // short is never an error and never yields a request; it is only "partial", so
    // the server answers 408 on timeout rather than 400.
    @Test func everyStrictPrefixIsIncomplete() {
        for seed in Self.seeds.prefix(50) {
            var generator = RequestGenerator(seed: seed)
            let input = generator.request().wire
            for length in 1..<input.count {
                let outcome = feedWhole(Array(input[..<length]))
                if outcome.error != nil || !outcome.requests.isEmpty || !outcome.partial {
                    Issue.record("seed \(seed) prefix \(length): \(String(describing: outcome.error)), \(outcome.requests.count) requests")
                    break
                }
            }
        }
    }

    // Corrupts 1–3 random bytes of each random pipeline and feeds the result whole
    // and byte by byte: valid or not, both must give the same requests and the same
    // error code — the read boundary never changes the verdict — and never crash.
    @Test func corruptedInputGivesTheSameVerdictWhateverTheReads() {
        for seed in Self.seeds {
            var generator = RequestGenerator(seed: seed)
            var input = generator.pipeline().flatMap(\.wire)
            var rng = SeededGenerator(seed: seed ^ 0xDEAD_BEEF)
            for _ in 0..<Int.random(in: 1...3, using: &rng) {
                let index = Int.random(in: 0..<input.count, using: &rng)
                input[index] = [0, 9, 10, 13, 32, 58, 0x7F, 0xFF, UInt8.random(in: 0...255, using: &rng)].randomElement(using: &rng)!
            }
            let whole = feedWhole(input)
            let split = feedByteByByte(input)
            #expect(whole.error?.code == split.error?.code, "seed \(seed)")
            #expect(whole.requests.map(Snapshot.init) == split.requests.map(Snapshot.init), "seed \(seed)")
        }
    }
}
