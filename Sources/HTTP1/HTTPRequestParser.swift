/// What the parser produced from the bytes fed so far.
public enum HTTPParserEvent: Sendable {
    /// A complete request. Call `next()` again: pipelined requests may follow.
    case request(HTTPRequest)
    /// The head asked for `Expect: 100-continue` and the body has not arrived:
    /// the server should send `100 Continue` now. Produced at most once per request.
    case continueExpected
    /// The head of a request whose route allows a body beyond the parser's default limit, before that body has
    /// arrived (and without `Expect: 100-continue`): the server may refuse it on its head alone (an unknown token)
    /// rather than hold up to the route's limit for a request it will refuse. Produced at most once per request.
    case headBeforeLargeBody
    /// Feed more bytes.
    case needMoreData
}

/// A byte-driven HTTP/1.1 request parser (RFC 9112): a pure state machine fed
/// arbitrary chunks through `append(_:)`, drained through `next()`.
///
/// It frames requests by `Content-Length` or `Transfer-Encoding: chunked`,
/// enforces `HTTPLimits`, and rejects the framing ambiguities used for request
/// smuggling. After an error the parser stays failed: the connection must close.
///
/// ```swift
/// var parser = HTTPRequestParser()
/// parser.append(bytes)
/// while case .request(let request) = try parser.next() { respond(to: request) }
/// ```
public struct HTTPRequestParser: Sendable {
    /// A body limit for one request, from its method and raw path; nil keeps `limits.maxBodyBytes`.
    /// Lets a server allow large uploads on one route without raising the limit everywhere.
    public typealias BodyLimit = @Sendable (HTTPMethod, String) -> Int?

    public let limits: HTTPLimits
    private let bodyLimit: BodyLimit?

    private var buffer: [UInt8] = []
    /// Index of the first byte not yet consumed; every offset in `state` is relative to it.
    private var start = 0
    private var state: State = .head(scanned: 0)

    private enum State: Sendable {
        /// Looking for the end of the head; `scanned` bytes have been searched.
        case head(scanned: Int)
        case body(PendingRequest)
        case failed(HTTPParseError)
    }

    private struct PendingRequest: Sendable {
        var request: HTTPRequest
        var framing: Framing
        var expectContinue: Bool
        var maxBody: Int
        /// The route allows more than the default body limit: the head is shown before its body (``HTTPParserEvent/headBeforeLargeBody``).
        var checkHead: Bool
        /// Body bytes already handed out by `drainBody()` (a chunked body's limit counts them too).
        var drained = 0
    }

    private enum Framing: Sendable {
        case length(Int)
        case chunked(ChunkState)
    }

    private enum ChunkState: Sendable {
        case sizeLine
        case data(remaining: Int)
        case dataEnd
        case trailers(scanned: Int)
    }

    public init(limits: HTTPLimits = .default, bodyLimit: BodyLimit? = nil) {
        self.limits = limits
        self.bodyLimit = bodyLimit
    }

    /// Whether bytes of an unfinished request are buffered; the server uses it to
    /// tell an idle keep-alive connection (close quietly) from a stalled request (408).
    public var hasPartialRequest: Bool {
        if case .head(0) = state { return start < buffer.count }
        return true
    }

    /// The head of the request whose body is being received (no body yet); nil between requests
    /// and while a head is still arriving. Lets a server vet the head before `100 Continue`.
    public var pendingHead: HTTPRequest? {
        if case .body(let pending) = state { return pending.request }
        return nil
    }

    /// Body bytes of the pending request received and not yet drained (0 between requests).
    public var pendingBodyBytes: Int {
        guard case .body(let pending) = state else { return 0 }
        switch pending.framing {
        case .length(let length): return min(length, buffer.count - start)
        case .chunked: return pending.request.body.count
        }
    }

    /// Hands over the pending request's body bytes received so far, so a server can stream a large body
    /// elsewhere (to a file) instead of holding it: the request `next()` completes then carries only the
    /// bytes received after the last drain. Empty between requests. Framing and limits are unchanged.
    public mutating func drainBody() -> [UInt8] {
        guard case .body(var pending) = state else { return [] }
        state = .head(scanned: 0)
        var out: [UInt8] = []
        switch pending.framing {
        case .length(let length):
            let take = min(length, buffer.count - start)
            out = Array(buffer[start..<(start + take)])
            start += take
            pending.framing = .length(length - take)
        case .chunked:
            swap(&out, &pending.request.body)
        }
        pending.drained += out.count
        state = .body(pending)
        compact()
        return out
    }

    /// Adds received bytes.
    public mutating func append(_ bytes: UnsafeRawBufferPointer) {
        compact()
        buffer.append(contentsOf: bytes)
    }

    /// Adds received bytes.
    public mutating func append(_ bytes: some Sequence<UInt8>) {
        compact()
        buffer.append(contentsOf: bytes)
    }

    /// Drops consumed bytes so the buffer does not grow across pipelined requests.
    private mutating func compact() {
        guard start > 0 else { return }
        if start == buffer.count {
            buffer.removeAll(keepingCapacity: buffer.capacity <= 64 * 1024)
            start = 0
        } else if start >= 16 * 1024 {
            buffer.removeSubrange(0..<start)
            start = 0
        }
    }

    /// Advances the state machine over the buffered bytes.
    public mutating func next() throws(HTTPParseError) -> HTTPParserEvent {
        do throws(HTTPParseError) {
            while true {
                switch state {
                case .failed(let error):
                    throw error
                case .head(let scanned):
                    guard let headLength = try findEndOfHead(scanned: scanned) else { return .needMoreData }
                    let pending = try parseHead(length: headLength)
                    start += headLength
                    if case .length(0) = pending.framing {
                        state = .head(scanned: 0)
                        return .request(pending.request)
                    }
                    state = .body(pending)
                case .body(var pending):
                    // Release the state's reference so appending to the body does not copy it.
                    state = .head(scanned: 0)
                    switch pending.framing {
                    case .length(let length):
                        guard buffer.count - start >= length else {
                            return expectContinue(&pending)
                        }
                        pending.request.body = Array(buffer[start..<(start + length)])
                        start += length
                        state = .head(scanned: 0)
                        return .request(pending.request)
                    case .chunked(let chunk):
                        guard try advanceChunked(&pending, chunk) else {
                            return expectContinue(&pending)
                        }
                        state = .head(scanned: 0)
                        return .request(pending.request)
                    }
                }
            }
        } catch {
            state = .failed(error)
            throw error
        }
    }

    /// Marks the pending request as still waiting, answering `100-continue` (or showing a large body's head) once.
    private mutating func expectContinue(_ pending: inout PendingRequest) -> HTTPParserEvent {
        let ask = pending.expectContinue, check = pending.checkHead
        pending.expectContinue = false
        pending.checkHead = false
        state = .body(pending)
        return ask ? .continueExpected : check ? .headBeforeLargeBody : .needMoreData
    }

    // MARK: - Head

    /// Returns the length of the head (through its blank line), or nil if incomplete.
    private mutating func findEndOfHead(scanned: Int) throws(HTTPParseError) -> Int? {
        // RFC 9112 §2.2: ignore empty lines received before the request line.
        // A lone CR at the end of the buffer may be half of such a line: wait for
        // the next byte rather than let the read boundary decide how it parses.
        while scanned == 0, start < buffer.count, buffer[start] == 13 {
            guard start + 1 < buffer.count else { return nil }
            guard buffer[start + 1] == 10 else { break }
            start += 2
        }
        let available = buffer.count - start
        var result: Int?
        buffer.withUnsafeBufferPointer { all in
            let bytes = UnsafeBufferPointer(rebasing: all[start...])
            var i = max(0, scanned - 3)
            while i < available {
                if bytes[i] == 10 {
                    // A blank line ends the head: "\n\n" (bare LF, rejected later) or "\n\r\n".
                    if i >= 1, bytes[i - 1] == 10 { result = i + 1; return }
                    if i >= 2, bytes[i - 1] == 13, bytes[i - 2] == 10 { result = i + 1; return }
                }
                i += 1
            }
        }
        let firstLineEnd = buffer[start...].prefix(limits.maxRequestLineBytes + 2).firstIndex(of: 10).map { $0 - start }
        let lineLength = firstLineEnd ?? available
        if lineLength > limits.maxRequestLineBytes + 1 {
            throw HTTPParseError(.requestLineTooLong, "request line exceeds \(limits.maxRequestLineBytes) bytes")
        }
        // Field lines with their CRLFs, not counting the request line or the blank line.
        // `lineLength` includes the request line's CR, so the section starts one byte
        // after it. A complete head ends with the blank line's CRLF; an incomplete one
        // holds at most that CR, so its fields are already at least `after - 1` bytes.
        let after = (result ?? available) - lineLength - 1
        let fieldBytes = result == nil ? after - 1 : after - 2
        if fieldBytes > limits.maxHeaderBytes {
            throw HTTPParseError(.headersTooLarge, "header section exceeds \(limits.maxHeaderBytes) bytes")
        }
        if result == nil { state = .head(scanned: available) }
        return result
    }

    private func parseHead(length: Int) throws(HTTPParseError) -> PendingRequest {
        let lines = try splitLines(start, start + length)
        guard let requestLine = lines.first else {
            throw HTTPParseError(.badRequestLine, "empty request")
        }
        let (method, target, parsedVersion) = try parseRequestLine(requestLine)
        var version = parsedVersion
        let (rawPath, query) = try parseTarget(target, method: method)
        let headers = try parseFields(lines.dropFirst().dropLast(), countLimit: limits.maxHeaderCount)

        if version.minor > 1 { version = .http1_1 }  // RFC 9112 §2.3: treat as the highest 1.x we implement
        let hosts = headers.values(name: "host")
        if hosts.count > 1 { throw HTTPParseError(.duplicateHost, "more than one Host header") }
        // RFC 9112 §3.2: a Host field with an invalid value also gets 400.
        if let host = hosts.first, !isValidHost(host) {
            throw HTTPParseError(.badHeader, "invalid Host header value")
        }
        if version == .http1_1, hosts.isEmpty {
            throw HTTPParseError(.missingHost, "HTTP/1.1 request without a Host header")
        }

        // Only a request with a body needs its route's limit: GETs skip the lookup.
        let hasBody = headers.contains(name: "content-length") || headers.contains(name: "transfer-encoding")
        let maxBody = (hasBody ? bodyLimit?(method, rawPath) : nil) ?? limits.maxBodyBytes
        let framing = try parseFraming(headers, version: version, maxBody: maxBody)
        let connection = headers.tokens(name: "connection")
        // RFC 9112 §9.3: "close" ends persistence whatever the version; otherwise 1.1
        // persists and 1.0 persists only with "keep-alive".
        let keepAlive = !connection.contains("close") && (version == .http1_1 || connection.contains("keep-alive"))

        var expectContinue = false
        if headers.contains(name: "expect") {
            let expectations = headers.tokens(name: "expect")
            if expectations != ["100-continue"] {
                throw HTTPParseError(.unsupportedExpectation, "only 'Expect: 100-continue' is supported")
            }
            // RFC 9110 §10.1.1: a 1.0 client cannot understand 100 Continue.
            expectContinue = version == .http1_1
        }

        let request = HTTPRequest(
            method: method, target: target, rawPath: rawPath, query: query, version: version,
            headers: headers, keepAlive: keepAlive)
        return PendingRequest(request: request, framing: framing, expectContinue: expectContinue, maxBody: maxBody,
                              checkHead: maxBody > limits.maxBodyBytes)
    }

    /// Splits [from, to) into lines without their CRLF; the last element is the blank line.
    private func splitLines(_ from: Int, _ to: Int) throws(HTTPParseError) -> [ArraySlice<UInt8>] {
        var lines: [ArraySlice<UInt8>] = []
        var lineStart = from
        for i in from..<to where buffer[i] == 10 {
            guard i > lineStart, buffer[i - 1] == 13 else {
                throw HTTPParseError(.bareLineFeed, "line terminated by LF without CR")
            }
            lines.append(buffer[lineStart..<(i - 1)])
            lineStart = i + 1
        }
        return lines
    }

    private func parseRequestLine(_ line: ArraySlice<UInt8>) throws(HTTPParseError) -> (HTTPMethod, String, HTTPVersion) {
        let parts = line.split(separator: 32, omittingEmptySubsequences: false)
        guard parts.count == 3, !parts[0].isEmpty, !parts[1].isEmpty else {
            throw HTTPParseError(.badRequestLine, "request line is not 'method SP target SP version'")
        }
        guard parts[0].allSatisfy(isTokenByte) else {
            throw HTTPParseError(.badRequestLine, "method is not a token")
        }
        guard parts[1].allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
            throw HTTPParseError(.badTarget, "request target contains a byte outside visible ASCII")
        }
        let version = parts[2]
        let prefix: [UInt8] = Array("HTTP/".utf8)
        guard version.count == 8, version.starts(with: prefix),
            let major = digit(version[version.startIndex + 5]), version[version.startIndex + 6] == UInt8(ascii: "."),
            let minor = digit(version[version.startIndex + 7])
        else {
            // RFC 9112 §2.3: HTTP-version = "HTTP/" DIGIT "." DIGIT. Anything else (HTTP/1.x,
            // HTTP/10.0, HTTP/1.1.1) is a malformed request line, 400, not a version we lack.
            throw HTTPParseError(.badRequestLine, "malformed protocol version '\(String(decoding: version, as: UTF8.self))'")
        }
        guard major == 1 else {
            throw HTTPParseError(.unsupportedVersion, "only HTTP/1.0 and HTTP/1.1 are supported")
        }
        return (HTTPMethod(String(decoding: parts[0], as: UTF8.self)), String(decoding: parts[1], as: UTF8.self),
                HTTPVersion(major: major, minor: minor))
    }

    /// RFC 9112 §3.2: origin-form, absolute-form, asterisk-form (OPTIONS) and authority-form (CONNECT).
    private func parseTarget(_ target: String, method: HTTPMethod) throws(HTTPParseError) -> (String, [(name: String, value: String)]) {
        var bytes = Array(target.utf8)
        if bytes == [UInt8(ascii: "*")] {
            guard method == .options else { throw HTTPParseError(.badTarget, "'*' target is only valid for OPTIONS") }
            return ("*", [])
        }
        if method == .connect { return (target, []) }
        // Checked before absolute-form is reduced to its path, which would otherwise
        // drop a fragment in the authority ("http://host#frag").
        if bytes.contains(UInt8(ascii: "#")) {
            throw HTTPParseError(.badTarget, "request target must not contain a fragment")
        }
        if bytes.first != UInt8(ascii: "/") {
            let lower = target.lowercasedASCII()
            guard lower.hasPrefix("http://") || lower.hasPrefix("https://") else {
                throw HTTPParseError(.badTarget, "request target must start with '/'")
            }
            let afterScheme = bytes.index(bytes.startIndex, offsetBy: lower.hasPrefix("http://") ? 7 : 8)
            if let slash = bytes[afterScheme...].firstIndex(where: { $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "?") }) {
                bytes = (bytes[slash] == UInt8(ascii: "/") ? [] : [UInt8(ascii: "/")]) + Array(bytes[slash...])
            } else {
                bytes = [UInt8(ascii: "/")]
            }
        }
        let question = bytes.firstIndex(of: UInt8(ascii: "?")) ?? bytes.endIndex
        let pathBytes = bytes[..<question]
        guard PercentDecoding.decode(pathBytes, plusAsSpace: false) != nil else {
            throw HTTPParseError(.badTarget, "path has a malformed percent-escape or invalid UTF-8")
        }
        var query: [(name: String, value: String)] = []
        if question != bytes.endIndex {
            guard let decoded = PercentDecoding.decodeQuery(bytes[(question + 1)...]) else {
                throw HTTPParseError(.badTarget, "query has a malformed percent-escape or invalid UTF-8")
            }
            query = decoded
        }
        return (String(decoding: pathBytes, as: UTF8.self), query)
    }

    /// Parses header or trailer field lines (RFC 9112 §5).
    private func parseFields(_ lines: ArraySlice<ArraySlice<UInt8>>, countLimit: Int) throws(HTTPParseError) -> HTTPHeaders {
        guard lines.count <= countLimit else {
            throw HTTPParseError(.tooManyHeaders, "more than \(countLimit) header fields")
        }
        var headers = HTTPHeaders()
        for line in lines {
            guard let first = line.first else { continue }
            if first == 32 || first == 9 {
                throw HTTPParseError(.obsoleteLineFolding, "header line starts with whitespace (obsolete line folding)")
            }
            guard let colon = line.firstIndex(of: UInt8(ascii: ":")), colon > line.startIndex else {
                throw HTTPParseError(.badHeader, "header line without a field name and ':'")
            }
            let name = line[..<colon]
            guard name.allSatisfy(isTokenByte) else {
                throw HTTPParseError(.badHeader, "invalid header name '\(String(decoding: name, as: UTF8.self))'")
            }
            var lo = colon + 1, hi = line.endIndex
            while lo < hi, line[lo] == 32 || line[lo] == 9 { lo += 1 }
            while hi > lo, line[hi - 1] == 32 || line[hi - 1] == 9 { hi -= 1 }
            let value = line[lo..<hi]
            // field-vchar / SP / HTAB / obs-text; CR, LF, NUL and other controls are rejected.
            guard value.allSatisfy({ $0 == 9 || ($0 >= 0x20 && $0 != 0x7F) }) else {
                throw HTTPParseError(.badHeader, "header '\(String(decoding: name, as: UTF8.self))' has a control character in its value")
            }
            let text = String(validating: value, as: UTF8.self) ?? String(value.map { Character(Unicode.Scalar($0)) })
            headers.add(name: String(decoding: name, as: UTF8.self), value: text)
        }
        return headers
    }

    /// RFC 9112 §6: message body length, with the smuggling defences of §6.1 and §6.3.
    private func parseFraming(_ headers: HTTPHeaders, version: HTTPVersion, maxBody: Int) throws(HTTPParseError) -> Framing {
        let lengths = headers.values(name: "content-length")
        if headers.contains(name: "transfer-encoding") {
            if !lengths.isEmpty {
                throw HTTPParseError(.contentLengthWithTransferEncoding, "both Content-Length and Transfer-Encoding are present")
            }
            if version == .http1_0 {
                throw HTTPParseError(.badTransferEncoding, "Transfer-Encoding is not defined for HTTP/1.0")
            }
            let codings = headers.tokens(name: "transfer-encoding")
            guard codings.last == "chunked" else {
                if codings.contains("chunked") || codings.isEmpty {
                    throw HTTPParseError(.badTransferEncoding, "'chunked' must be the final transfer coding")
                }
                throw HTTPParseError(.unsupportedTransferEncoding, "unsupported transfer coding '\(codings.joined(separator: ", "))'")
            }
            guard codings.count == 1 else {
                throw HTTPParseError(.unsupportedTransferEncoding, "only the 'chunked' transfer coding is supported")
            }
            return .chunked(.sizeLine)
        }
        guard !lengths.isEmpty else { return .length(0) }
        var length: Int?
        for value in lengths {
            for element in value.split(separator: ",", omittingEmptySubsequences: false) {
                let digits = Array(element.trimmingOWS().utf8)
                guard !digits.isEmpty, digits.allSatisfy({ $0 >= 48 && $0 <= 57 }) else {
                    throw HTTPParseError(.badContentLength, "Content-Length is not a non-negative integer")
                }
                if digits.count > 18 {
                    throw HTTPParseError(.bodyTooLarge, "body exceeds \(maxBody) bytes")
                }
                let parsed = digits.reduce(0) { $0 * 10 + Int($1 - 48) }
                if let length, length != parsed {
                    throw HTTPParseError(.conflictingContentLength, "conflicting Content-Length values")
                }
                length = parsed
            }
        }
        let bodyLength = length ?? 0
        if bodyLength > maxBody {
            throw HTTPParseError(.bodyTooLarge, "body of \(bodyLength) bytes exceeds \(maxBody)")
        }
        return .length(bodyLength)
    }

    // MARK: - Chunked body (RFC 9112 §7.1)

    /// Consumes chunked body bytes; true once the last chunk and trailers are in.
    private mutating func advanceChunked(_ pending: inout PendingRequest, _ initial: ChunkState) throws(HTTPParseError) -> Bool {
        var chunk = initial
        defer { pending.framing = .chunked(chunk) }
        while true {
            let available = buffer.count - start
            switch chunk {
            case .sizeLine:
                guard let lf = buffer[start...].prefix(limits.maxChunkLineBytes + 2).firstIndex(of: 10) else {
                    if available > limits.maxChunkLineBytes + 1 {
                        throw HTTPParseError(.badChunk, "chunk-size line exceeds \(limits.maxChunkLineBytes) bytes")
                    }
                    return false
                }
                guard lf > start, buffer[lf - 1] == 13 else {
                    throw HTTPParseError(.bareLineFeed, "chunk-size line terminated by LF without CR")
                }
                let size = try parseChunkSize(buffer[start..<(lf - 1)])
                if size > pending.maxBody - pending.drained - pending.request.body.count {
                    throw HTTPParseError(.bodyTooLarge, "chunked body exceeds \(pending.maxBody) bytes")
                }
                start = lf + 1
                chunk = size == 0 ? .trailers(scanned: 0) : .data(remaining: size)
            case .data(let remaining):
                guard available > 0 else { return false }
                let take = min(remaining, available)
                pending.request.body.append(contentsOf: buffer[start..<(start + take)])
                start += take
                chunk = take == remaining ? .dataEnd : .data(remaining: remaining - take)
                if take < remaining { return false }
            case .dataEnd:
                guard available >= 2 else { return false }
                guard buffer[start] == 13, buffer[start + 1] == 10 else {
                    throw HTTPParseError(.badChunk, "chunk data is not followed by CRLF")
                }
                start += 2
                chunk = .sizeLine
            case .trailers(let scanned):
                // The trailer section ends at a blank line; with no trailers that is the very next CRLF.
                if available >= 2, buffer[start] == 13, buffer[start + 1] == 10 {
                    start += 2
                    return true
                }
                // Like the head, a blank line ended by a bare LF ("\n\n", "\n\r\n", or a lone
                // "\n" first) also ends the section, so splitLines rejects it now instead of
                // the parser waiting for a CRLF CRLF that never comes.
                var end: Int?
                var i = start + max(0, scanned - 3)
                while i < buffer.count {
                    if buffer[i] == 10,
                        i == start || buffer[i - 1] == 10 || (i - start >= 2 && buffer[i - 1] == 13 && buffer[i - 2] == 10) {
                        end = i + 1
                        break
                    }
                    i += 1
                }
                // Field-line bytes, as for the head: an incomplete section holds at most the
                // blank line's CR, a complete one its CRLF.
                guard let end else {
                    if available - 1 > limits.maxHeaderBytes {
                        throw HTTPParseError(.headersTooLarge, "trailer section exceeds \(limits.maxHeaderBytes) bytes")
                    }
                    chunk = .trailers(scanned: available)
                    return false
                }
                if end - start - 2 > limits.maxHeaderBytes {
                    throw HTTPParseError(.headersTooLarge, "trailer section exceeds \(limits.maxHeaderBytes) bytes")
                }
                let lines = try splitLines(start, end)
                pending.request.trailers = try parseFields(lines.dropLast(), countLimit: limits.maxHeaderCount)
                start = end
                return true
            }
        }
    }

    /// chunk-size = 1*HEXDIG, optionally followed by `;` extensions (ignored) and BWS.
    private func parseChunkSize(_ line: ArraySlice<UInt8>) throws(HTTPParseError) -> Int {
        var size = 0
        var digits = 0
        var i = line.startIndex
        while i < line.endIndex, let value = PercentDecoding.hexValue(line[i]) {
            digits += 1
            // 15 hex digits cannot overflow Int; more than that is never a sane chunk.
            guard digits <= 15 else { throw HTTPParseError(.badChunk, "chunk size overflows") }
            size = size << 4 | Int(value)
            i += 1
        }
        guard digits > 0 else { throw HTTPParseError(.badChunk, "chunk size is not hexadecimal") }
        while i < line.endIndex, line[i] == 32 || line[i] == 9 { i += 1 }
        guard i == line.endIndex || line[i] == UInt8(ascii: ";") else {
            throw HTTPParseError(.badChunk, "unexpected bytes after chunk size")
        }
        if i < line.endIndex {
            guard line[i...].allSatisfy({ $0 == 9 || ($0 >= 0x20 && $0 != 0x7F) }) else {
                throw HTTPParseError(.badChunk, "control character in chunk extension")
            }
        }
        return size
    }
}

/// Host = uri-host [ ":" port ] (RFC 9110 §7.2, RFC 3986 §3.2.2): an IP-literal in
/// brackets, or a reg-name / IPv4 address (unreserved, pct-encoded, sub-delims), then
/// an optional port of digits. An empty value is valid (RFC 9112 §3.2).
func isValidHost(_ value: String) -> Bool {
    let bytes = Array(value.utf8)
    var i = 0
    if bytes.first == UInt8(ascii: "[") {
        guard let close = bytes.firstIndex(of: UInt8(ascii: "]")), close > 1 else { return false }
        let literalOK = bytes[1..<close].allSatisfy {
            PercentDecoding.hexValue($0) != nil || $0 == UInt8(ascii: ":") || $0 == UInt8(ascii: ".")
                || $0 == UInt8(ascii: "v") || $0 == UInt8(ascii: "V") || isUnreservedOrSubDelim($0)
        }
        guard literalOK else { return false }
        i = close + 1
    } else {
        while i < bytes.count, bytes[i] != UInt8(ascii: ":") {
            guard isUnreservedOrSubDelim(bytes[i]) || bytes[i] == UInt8(ascii: "%") else { return false }
            i += 1
        }
    }
    guard i < bytes.count else { return true }
    guard bytes[i] == UInt8(ascii: ":") else { return false }
    return bytes[(i + 1)...].allSatisfy { $0 >= 48 && $0 <= 57 }
}

@inline(__always)
private func isUnreservedOrSubDelim(_ c: UInt8) -> Bool {
    switch c {
    case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
        UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"),
        UInt8(ascii: "!"), UInt8(ascii: "$"), UInt8(ascii: "&"), UInt8(ascii: "'"), UInt8(ascii: "("), UInt8(ascii: ")"),
        UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: ","), UInt8(ascii: ";"), UInt8(ascii: "="):
        return true
    default:
        return false
    }
}

/// tchar (RFC 9110 §5.6.2).
@inline(__always)
func isTokenByte(_ c: UInt8) -> Bool {
    switch c {
    case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
        return true
    case UInt8(ascii: "!"), UInt8(ascii: "#"), UInt8(ascii: "$"), UInt8(ascii: "%"), UInt8(ascii: "&"), UInt8(ascii: "'"),
        UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "^"), UInt8(ascii: "_"),
        UInt8(ascii: "`"), UInt8(ascii: "|"), UInt8(ascii: "~"):
        return true
    default:
        return false
    }
}

@inline(__always)
private func digit(_ c: UInt8) -> Int? {
    c >= 48 && c <= 57 ? Int(c - 48) : nil
}
