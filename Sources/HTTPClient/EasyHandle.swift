import CCurl

/// One libcurl easy handle. It keeps its connection cache across requests (`curl_easy_reset` clears the
/// options but not the live connections), so reusing a handle reuses kept-alive connections. Used by one
/// thread at a time: the client's pool hands it out and takes it back.
final class EasyHandle {
    let raw: UnsafeMutableRawPointer

    init?() {
        guard let handle = curl_easy_init() else { return nil }
        raw = handle
    }

    deinit { curl_easy_cleanup(raw) }

    /// Performs `request` and returns the response, or why there is none.
    func perform(_ request: HTTPClientRequest, configuration: HTTPClient.Configuration) -> Result<HTTPClientResponse, HTTPClientError> {
        curl_easy_reset(raw)
        let sink = ResponseSink(limit: configuration.maxResponseBytes)
        let box = Unmanaged.passRetained(sink)
        defer { box.release() }
        var list: UnsafeMutablePointer<curl_slist>?
        defer { curl_slist_free_all(list) }
        // "Expect:" turns off curl's 100-continue wait on larger bodies (a server that ignores it costs 1 s).
        for line in request.headers.map({ "\($0.name): \($0.value)" }) + ["Expect:"] {
            guard !line.utf8.contains(where: { $0 == 13 || $0 == 10 }) else {
                return .failure(HTTPClientError(.other, "header line contains CR or LF"))
            }
            list = curl_slist_append(list, line)
        }
        let milliseconds = max(1, Int(request.timeout.components.seconds) * 1000
                                   + Int(request.timeout.components.attoseconds / 1_000_000_000_000_000))
        var code = CURLE_OK
        func set(_ c: CURLcode) { if code == CURLE_OK { code = c } }
        set(ccurl_setopt_string(raw, CURLOPT_URL, request.url))
        // Only the web: no file://, gopher://, ... even through a redirect; redirects are not followed.
        set(ccurl_setopt_string(raw, CURLOPT_PROTOCOLS_STR, "http,https"))
        set(ccurl_setopt_long(raw, CURLOPT_FOLLOWLOCATION, 0))
        // Signals are process-wide: libcurl must not use them for timeouts in a threaded server.
        set(ccurl_setopt_long(raw, CURLOPT_NOSIGNAL, 1))
        set(ccurl_setopt_long(raw, CURLOPT_TIMEOUT_MS, milliseconds))
        set(ccurl_setopt_long(raw, CURLOPT_CONNECTTIMEOUT_MS, min(milliseconds, configuration.connectTimeoutMilliseconds)))
        set(ccurl_setopt_long(raw, CURLOPT_SSL_VERIFYPEER, configuration.verifyTLS ? 1 : 0))
        set(ccurl_setopt_long(raw, CURLOPT_SSL_VERIFYHOST, configuration.verifyTLS ? 2 : 0))
        set(ccurl_setopt_string(raw, CURLOPT_USERAGENT, configuration.userAgent))
        set(ccurl_setopt_long(raw, CURLOPT_MAXFILESIZE, configuration.maxResponseBytes))
        set(ccurl_setopt_pointer(raw, CURLOPT_HTTPHEADER, list.map { UnsafeMutableRawPointer($0) }))
        set(ccurl_setopt_write_function(raw, CURLOPT_WRITEFUNCTION, ResponseSink.writeBody))
        set(ccurl_setopt_pointer(raw, CURLOPT_WRITEDATA, box.toOpaque()))
        set(ccurl_setopt_write_function(raw, CURLOPT_HEADERFUNCTION, ResponseSink.writeHeader))
        set(ccurl_setopt_pointer(raw, CURLOPT_HEADERDATA, box.toOpaque()))
        switch request.method {
        case "GET": break
        case "HEAD": set(ccurl_setopt_long(raw, CURLOPT_NOBODY, 1))
        default:
            if request.method != "POST" { set(ccurl_setopt_string(raw, CURLOPT_CUSTOMREQUEST, request.method)) }
            set(ccurl_setopt_long(raw, CURLOPT_POSTFIELDSIZE, request.body.count))
            // COPYPOSTFIELDS copies the body, so no pointer into a Swift array outlives this call.
            set(request.body.withUnsafeBufferPointer { buffer in
                ccurl_setopt_copy_postfields(raw, buffer.baseAddress.map { UnsafeRawPointer($0) }, buffer.count)
            })
        }
        guard code == CURLE_OK else { return .failure(Self.error(code, sink: sink)) }
        code = curl_easy_perform(raw)
        guard code == CURLE_OK else { return .failure(Self.error(code, sink: sink)) }
        var status = 0
        var connects = 0
        _ = ccurl_getinfo_long(raw, CURLINFO_RESPONSE_CODE, &status)
        _ = ccurl_getinfo_long(raw, CURLINFO_NUM_CONNECTS, &connects)
        return .success(HTTPClientResponse(status: status, headers: sink.headers, body: sink.body, attempts: 1,
                                           newConnection: connects > 0))
    }

    static func error(_ code: CURLcode, sink: ResponseSink) -> HTTPClientError {
        let text = String(cString: curl_easy_strerror(code))
        if sink.overflowed || code == CURLE_FILESIZE_EXCEEDED {
            return HTTPClientError(.responseTooLarge, "response body exceeds \(sink.limit) bytes")
        }
        switch code {
        case CURLE_UNSUPPORTED_PROTOCOL, CURLE_URL_MALFORMAT: return HTTPClientError(.invalidURL, text)
        case CURLE_COULDNT_CONNECT, CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY:
            return HTTPClientError(.connect, text)
        case CURLE_OPERATION_TIMEDOUT: return HTTPClientError(.timeout, text)
        case CURLE_GOT_NOTHING, CURLE_SEND_ERROR, CURLE_RECV_ERROR, CURLE_PARTIAL_FILE:
            return HTTPClientError(.connection, text)
        case CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CONNECT_ERROR, CURLE_SSL_CERTPROBLEM,
             CURLE_SSL_CACERT_BADFILE, CURLE_SSL_ISSUER_ERROR:
            return HTTPClientError(.tls, text)
        default: return HTTPClientError(.other, text)
        }
    }
}

/// Collects one response's headers and body; refuses a body past `limit` (libcurl then aborts the transfer).
final class ResponseSink {
    let limit: Int
    var body: [UInt8] = []
    var headers: [(name: String, value: String)] = []
    var overflowed = false

    init(limit: Int) { self.limit = limit }

    static let writeBody: ccurl_write_callback = { data, size, count, context in
        guard let data, let context else { return 0 }
        let sink = Unmanaged<ResponseSink>.fromOpaque(context).takeUnretainedValue()
        let n = size * count
        guard sink.body.count + n <= sink.limit else {
            sink.overflowed = true
            return 0
        }
        data.withMemoryRebound(to: UInt8.self, capacity: n) { sink.body.append(contentsOf: UnsafeBufferPointer(start: $0, count: n)) }
        return n
    }

    static let writeHeader: ccurl_write_callback = { data, size, count, context in
        guard let data, let context else { return 0 }
        let sink = Unmanaged<ResponseSink>.fromOpaque(context).takeUnretainedValue()
        let n = size * count
        let line = data.withMemoryRebound(to: UInt8.self, capacity: n) {
            String(decoding: UnsafeBufferPointer(start: $0, count: n), as: UTF8.self)
        }
        // Each status line (an interim 1xx, then the final one) starts a fresh header block.
        if line.hasPrefix("HTTP/") {
            sink.headers.removeAll()
        } else if let colon = line.firstIndex(of: ":") {
            let name = String(line[..<colon])
            let value = line[line.index(after: colon)...].trimmingCharacters(in: " \t\r\n")
            sink.headers.append((name, value))
        }
        return n
    }
}

extension StringProtocol {
    fileprivate func trimmingCharacters(in set: String) -> String {
        let scalars = Set(set.unicodeScalars)
        var view = Substring(self).unicodeScalars
        while let first = view.first, scalars.contains(first) { view.removeFirst() }
        while let last = view.last, scalars.contains(last) { view.removeLast() }
        return String(view)
    }
}
