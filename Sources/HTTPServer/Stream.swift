#if canImport(Glibc)
import Glibc
#endif
import CLinux
import HTTP1

extension HTTPServer {
    /// Starts a streamed response on a thread of its own, so a stream waiting on its client or
    /// on new events holds no pool thread and no event loop; past `maxStreams` the request gets
    /// the overload response with `Retry-After` instead.
    func startStream(_ response: ServerResponse, _ produce: @escaping @Sendable (any ResponseBodyWriter) throws -> Void,
                     for request: HTTPRequest, on connection: Connection, date: String, trySendNow: Bool) -> HandleOutcome {
        if activeStreams.add(1, ordering: .relaxed).newValue > max(1, configuration.maxStreams) {
            activeStreams.subtract(1, ordering: .relaxed)
            var busy = configuration.overloadResponder()
            if case .bytes = busy.body {} else { busy = .text("too many streams in progress; retry later\n", status: .serviceUnavailable) }
            busy.headers.replaceOrAdd(name: "Retry-After", value: "5")
            var output: [UInt8] = []
            return sendResponse(busy, for: request, on: connection, output: &output, date: date, trySendNow: trySendNow)
        }
        spawn("preflab-stream", stackSize: 512 * 1024) { [self] in
            defer { activeStreams.subtract(1, ordering: .relaxed) }
            runStream(response, produce, for: request, on: connection, date: date)
        }
        return .suspended
    }

    /// The stream's thread: head, then each chunk as the producer writes it (a slow reader
    /// blocks only this thread), then the last chunk; then the connection carries on.
    private func runStream(_ response: ServerResponse, _ produce: @Sendable (any ResponseBodyWriter) throws -> Void,
                           for request: HTTPRequest, on connection: Connection, date: String) {
        let http10 = request.version == .http1_0
        // HTTP/1.0 clients cannot read chunks: their body ends when the connection closes.
        let keepAlive = request.keepAlive && !isClosing(connection) && !http10
        var headers = response.headers
        headers.replaceOrAdd(name: "Date", value: date)
        headers.remove(name: "Content-Length")
        if !keepAlive { headers.replaceOrAdd(name: "Connection", value: "close") }
        if !http10 { headers.replaceOrAdd(name: "Transfer-Encoding", value: "chunked") }
        var output: [UInt8] = []
        HTTPResponseSerializer.writeHead(status: response.status, headers: headers, into: &output)
        let code = response.status.code
        let bodyless = request.method == .head || code == 204 || code == 304 || code < 200
        do throws(IOError) {
            try writeAll(output, to: connection.fd)
            if !bodyless {
                let notice = HangUpNotice()
                connection.hangUp.withLock { $0 = notice }
                defer { connection.hangUp.withLock { $0 = nil } }
                watchForHangUp(connection)
                let writer = SocketBodyWriter(server: self, fd: connection.fd, chunked: !http10, hangUp: notice)
                do {
                    try produce(writer)
                } catch let error as IOError {
                    throw error
                } catch {
                    // The stream's own failure: end the body abruptly so the client sees it incomplete.
                    throw IOError(errno: ECONNABORTED, function: "stream")
                }
                if notice.happened { throw IOError(errno: EPIPE, function: "stream") }
                if http10 { throw IOError(errno: ECONNABORTED, function: "close-delimited body ends by closing") }
                try writeAll(Array("0\r\n\r\n".utf8), to: connection.fd)
            }
        } catch {
            return finish(connection)
        }
        guard keepAlive else { return finish(connection) }
        if connection.parser.hasPartialRequest {
            if !pool.submit(BlockingPool.Job(connection: connection, request: nil)) { finish(connection) }
        } else {
            rearm(connection)
        }
    }

    /// While the stream thread owns the connection, epoll reports only the peer hanging up
    /// (RDHUP; HUP and ERR always): the event loop that sees it fires the connection's notice.
    private func watchForHangUp(_ connection: Connection) {
        var event = epoll_event()
        event.events = EPOLLRDHUP.rawValue | EPOLLONESHOT.rawValue
        event.data.u64 = connection.id
        _ = epoll_ctl(epollFD, EPOLL_CTL_MOD, connection.fd, &event)
    }
}

/// Streams a response body straight to the socket, one chunk per write, from the stream's thread.
final class SocketBodyWriter: ResponseBodyWriter {
    private let server: HTTPServer
    private let fd: Int32
    private let chunked: Bool
    private let hangUp: HangUpNotice

    init(server: HTTPServer, fd: Int32, chunked: Bool, hangUp: HangUpNotice) {
        self.server = server
        self.fd = fd
        self.chunked = chunked
        self.hangUp = hangUp
    }

    var isShuttingDown: Bool { server.draining.load(ordering: .relaxed) }

    var isClosed: Bool { hangUp.happened }

    func onClose(_ wake: @escaping @Sendable () -> Void) { hangUp.onFire(wake) }

    func write(_ bytes: [UInt8]) throws {
        guard !hangUp.happened else { throw IOError(errno: EPIPE, function: "send") }
        guard !bytes.isEmpty else { return }
        if chunked {
            var framed: [UInt8] = []
            framed.reserveCapacity(bytes.count + 12)
            HTTPResponseSerializer.writeChunk(bytes, into: &framed)
            try server.writeAll(framed, to: fd)
        } else {
            try server.writeAll(bytes, to: fd)
        }
    }
}
