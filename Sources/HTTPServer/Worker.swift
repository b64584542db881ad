#if canImport(Glibc)
import Glibc
#endif
import CLinux
import HTTP1

/// Per-thread scratch space: one read buffer and one output buffer, reused.
final class WorkerContext {
    let readBuffer: UnsafeMutableRawBufferPointer
    var output: [UInt8] = []
    var dateCache = HTTPDateCache()

    init(readBufferSize: Int = 64 * 1024) {
        readBuffer = .allocate(byteCount: readBufferSize, alignment: 16)
        output.reserveCapacity(16 * 1024)
    }

    deinit { readBuffer.deallocate() }
}

extension HTTPServer {
    /// An event loop: wait for ready connections, take each, serve what it sent.
    func eventLoop() {
        let context = WorkerContext()
        // A batch per wake-up: under load the next connections are already ready.
        var events = [epoll_event](repeating: epoll_event(), count: 32)
        while true {
            let ready = epoll_wait(epollFD, &events, Int32(events.count), -1)
            if ready < 0 {
                if errno == EINTR { continue }
                logger.error("epoll_wait failed", metadata: ["errno": "\(errno)"])
                return
            }
            for index in 0..<Int(ready) {
                let id = events[index].data.u64
                if id == 0 { return }  // stop event: level-triggered, so it reaches every loop
                guard let connection = connections.withLock({ $0[id] }),
                    connection.state.withLock({ $0.claimed() })
                else { continue }  // closed by the reaper meanwhile
                serve(connection, context, onPool: false)
            }
        }
    }

    /// A pool thread: take connections handed over with a `.blocking` request.
    func poolWorker() {
        let context = WorkerContext()
        while let job = pool.next() {
            if let request = job.request {
                switch handle(request, on: job.connection, context) {
                case .close:
                    finish(job.connection)
                    continue
                case .suspended:
                    continue  // the promise's completion owns the connection now
                case .keepOpen:
                    break
                }
            }
            serve(job.connection, context, onPool: true)
        }
    }

    /// Owns `connection` until it is re-armed, closed, or handed to the pool.
    private func serve(_ connection: Connection, _ context: WorkerContext, onPool: Bool) {
        var lastReadFilledBuffer = !onPool
        while true {
            let event: HTTPParserEvent
            do {
                event = try connection.parser.next()
            } catch {
                var response = configuration.parseErrorResponder(error)
                response.headers.replaceOrAdd(name: "Connection", value: "close")
                _ = try? write(response, for: nil, keepAlive: false, to: connection, output: &context.output, date: context.dateCache.current())
                return finish(connection)
            }
            switch event {
            case .request(let request):
                if !onPool, responder.execution(for: request) == .blocking {
                    if pool.submit(BlockingPool.Job(connection: connection, request: request)) { return }
                    return finish(connection)  // stopping
                }
                switch handle(request, on: connection, context) {
                case .keepOpen: continue
                case .close: return finish(connection)
                case .suspended: return  // the promise's completion owns the connection now
                }
            case .continueExpected:
                let interim = Array("HTTP/1.1 100 Continue\r\n\r\n".utf8)
                guard (try? writeAll(interim, to: connection.fd)) != nil else { return finish(connection) }
            case .needMoreData:
                // A short read drained the socket; epoll is level-triggered, so re-arming
                // is enough and saves the read that would only say EAGAIN.
                if !lastReadFilledBuffer { return rearm(connection) }
                let count = recv(connection.fd, context.readBuffer.baseAddress, context.readBuffer.count, 0)
                if count > 0 {
                    connection.parser.append(UnsafeRawBufferPointer(rebasing: context.readBuffer[0..<count]))
                    lastReadFilledBuffer = count == context.readBuffer.count
                } else if count < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) {
                    return rearm(connection)
                } else if count < 0 && errno == EINTR {
                    continue
                } else {
                    return finish(connection)  // EOF or reset
                }
            }
        }
    }

    /// What became of a connection after a request.
    enum HandleOutcome {
        case keepOpen, close
        /// The response is deferred; its completion writes it and carries on with the connection.
        case suspended
    }

    /// Runs the handler and writes its response.
    private func handle(_ request: HTTPRequest, on connection: Connection, _ context: WorkerContext) -> HandleOutcome {
        let response = responder.respond(to: ServerRequest(http: request))
        if case .deferred(let promise) = response.body {
            promise.whenComplete { [self] final in resume(connection, after: request, with: final) }
            return .suspended
        }
        let keepAlive = request.keepAlive && !isClosing(connection)
        do {
            try write(response, for: request, keepAlive: keepAlive, to: connection, output: &context.output, date: context.dateCache.current())
        } catch {
            return .close
        }
        return keepAlive ? .keepOpen : .close
    }

    /// Decided after the handler: a shutdown that began meanwhile makes this the last response.
    private func isClosing(_ connection: Connection) -> Bool {
        connection.state.withLock { $0.closeAfterResponse } || draining.load(ordering: .relaxed)
    }

    /// Writes a deferred response on the thread that completed it, then hands the
    /// connection back to epoll — or to the pool when pipelined bytes are already buffered.
    private func resume(_ connection: Connection, after request: HTTPRequest, with response: ServerResponse) {
        let keepAlive = request.keepAlive && !isClosing(connection)
        var output: [UInt8] = []
        output.reserveCapacity(1024)
        do {
            try write(response, for: request, keepAlive: keepAlive, to: connection, output: &output, date: sharedDate.withLock { $0.current() })
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

    /// Frames and sends a response: `Content-Length` for bytes, chunked for
    /// streams (close-delimited for HTTP/1.0 clients, which cannot read chunks).
    private func write(_ response: ServerResponse, for request: HTTPRequest?, keepAlive: Bool, to connection: Connection,
                       output: inout [UInt8], date: String) throws(IOError) {
        var headers = response.headers
        headers.replaceOrAdd(name: "Date", value: date)
        let http10 = request?.version == .http1_0
        if !keepAlive {
            headers.replaceOrAdd(name: "Connection", value: "close")
        } else if http10 {
            headers.replaceOrAdd(name: "Connection", value: "keep-alive")
        }
        let bodyless = request?.method == .head || response.status.code == 204 || response.status.code == 304
            || response.status.code < 200
        output.removeAll(keepingCapacity: true)
        switch response.body {
        case .bytes(let body):
            if response.status.code != 204 && response.status.code >= 200 {
                headers.replaceOrAdd(name: "Content-Length", value: String(body.count))
            }
            HTTPResponseSerializer.writeHead(status: response.status, headers: headers, into: &output)
            if !bodyless { output.append(contentsOf: body) }
            try writeAll(output, to: connection.fd)
        case .stream(let produce):
            let chunked = !http10
            if chunked {
                headers.replaceOrAdd(name: "Transfer-Encoding", value: "chunked")
            } else {
                headers.replaceOrAdd(name: "Connection", value: "close")
            }
            headers.remove(name: "Content-Length")
            HTTPResponseSerializer.writeHead(status: response.status, headers: headers, into: &output)
            try writeAll(output, to: connection.fd)
            if bodyless { return }
            let writer = SocketBodyWriter(server: self, fd: connection.fd, chunked: chunked)
            do {
                try produce(writer)
            } catch let error as IOError {
                throw error
            } catch {
                // The stream's own failure: end the body abruptly so the client sees it incomplete.
                throw IOError(errno: ECONNABORTED, function: "stream")
            }
            if chunked {
                try writeAll(Array("0\r\n\r\n".utf8), to: connection.fd)
            } else {
                throw IOError(errno: ECONNABORTED, function: "close-delimited body ends by closing")
            }
        case .deferred:
            // A promise completed with another deferred response: a handler bug, answered as such.
            var headers = headers
            headers.replaceOrAdd(name: "Content-Length", value: "0")
            headers.replaceOrAdd(name: "Connection", value: "close")
            HTTPResponseSerializer.writeHead(status: .internalServerError, headers: headers, into: &output)
            try writeAll(output, to: connection.fd)
            throw IOError(errno: EINVAL, function: "nested deferred response")
        }
    }

    /// Sends everything, waiting (up to the write timeout) when the socket buffer is full.
    func writeAll(_ bytes: [UInt8], to fd: Int32) throws(IOError) {
        var offset = 0
        let timeout = configuration.writeTimeout
        let timeoutMS = Int32(clamping: timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000)
        while offset < bytes.count {
            let sent = bytes.withUnsafeBytes { raw in
                send(fd, raw.baseAddress! + offset, raw.count - offset, Int32(MSG_NOSIGNAL))
            }
            if sent >= 0 {
                offset += sent
                continue
            }
            let code = errno
            if code == EINTR { continue }
            guard code == EAGAIN || code == EWOULDBLOCK else { throw IOError(errno: code, function: "send") }
            var entry = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
            let ready = try syscall("poll") { poll(&entry, 1, timeoutMS) }
            if ready == 0 { throw IOError(errno: ETIMEDOUT, function: "send") }
        }
    }

    private func rearm(_ connection: Connection) {
        let partial = connection.parser.hasPartialRequest
        let closeNow: Bool = connection.state.withLock { machine in
            if machine.closeAfterResponse && !partial {
                machine.closedByOwner()
                return true
            }
            machine.armed(now: .now, partial: partial)
            var event = epoll_event()
            event.events = EPOLLIN.rawValue | EPOLLRDHUP.rawValue | EPOLLONESHOT.rawValue
            event.data.u64 = connection.id
            if epoll_ctl(epollFD, EPOLL_CTL_MOD, connection.fd, &event) != 0 {
                _ = machine.forceClosed()
                return true
            }
            return false
        }
        if closeNow { closeDescriptor(connection) }
    }

    private func finish(_ connection: Connection) {
        connection.state.withLock { $0.closedByOwner() }
        closeDescriptor(connection)
    }
}

/// Streams a response body straight to the socket, one chunk per write.
final class SocketBodyWriter: ResponseBodyWriter, @unchecked Sendable {
    // Used only on the worker thread that owns the connection while the stream runs.
    private let server: HTTPServer
    private let fd: Int32
    private let chunked: Bool

    init(server: HTTPServer, fd: Int32, chunked: Bool) {
        self.server = server
        self.fd = fd
        self.chunked = chunked
    }

    var isShuttingDown: Bool { server.draining.load(ordering: .relaxed) }

    func write(_ bytes: [UInt8]) throws {
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

/// The `Date` header value (RFC 9110 §5.6.7), recomputed once per second.
struct HTTPDateCache {
    private var second = 0
    private var value = ""

    mutating func current() -> String {
        let now = time(nil)
        if now != second || value.isEmpty {
            second = now
            var t = now
            var parts = tm()
            gmtime_r(&t, &parts)
            var buffer = [CChar](repeating: 0, count: 64)
            let n = strftime(&buffer, buffer.count, "%a, %d %b %Y %H:%M:%S GMT", &parts)
            value = String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
        return value
    }
}
