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
                guard let connection = connections.withLock({ $0[id] }) else { continue }  // closed meanwhile
                if let notice = connection.hangUp.withLock({ $0 }) {
                    // A stream's client hung up: its thread still owns the connection, and stops at once.
                    notice.fire()
                    continue
                }
                guard connection.state.withLock({ $0.claimed() }) else { continue }  // closed by the reaper meanwhile
                serve(connection, context, onPool: false)
            }
        }
    }

    /// A pool thread: take connections handed over with a `.blocking` request.
    func poolWorker() {
        let context = WorkerContext()
        while let job = pool.next() {
            if let request = job.request {
                let outcome = job.continueCheck
                    ? answerExpectation(request, on: job.connection, context, sendContinue: job.sendContinue)
                    : handle(request, on: job.connection, context)
                switch outcome {
                case .close:
                    finish(job.connection)
                    continue
                case .suspended:
                    continue  // a promise, a stream thread or an event loop owns the connection now
                case .keepOpen:
                    break
                }
            }
            serve(job.connection, context, onPool: true, readFirst: job.readFirst)
        }
    }

    /// Owns `connection` until it is re-armed, parked, closed, or handed to the pool or a stream.
    private func serve(_ connection: Connection, _ context: WorkerContext, onPool: Bool, readFirst: Bool = false) {
        // An event loop was woken by bytes to read; a pool thread reads only when told there are some.
        var lastReadFilledBuffer = !onPool || readFirst
        if !connection.outbox.isEmpty {
            switch flushOutbox(connection) {
            case .parked: return
            case .failed: return finish(connection)
            case .sent:
                if connection.closeAfterFlush { return finish(connection) }
                // Pipelined bytes still in the socket make the level-triggered re-arm fire at once.
                lastReadFilledBuffer = false
            }
        }
        while true {
            let event: HTTPParserEvent
            do {
                event = try connection.parser.next()
            } catch {
                var response = configuration.parseErrorResponder(error)
                response.headers.replaceOrAdd(name: "Connection", value: "close")
                guard case .bytes(let body) = response.body else { return finish(connection) }
                frame(response, body, for: nil, keepAlive: false, into: &context.output, date: context.dateCache.current())
                if deliver(context.output, on: connection, closeAfter: true, trySendNow: true) == .parked { return }
                return finish(connection)
            }
            switch event {
            case .request(var parsed):
                connection.headSeen = true
                var spooled: SpooledBody?
                if let spool = connection.spool {
                    connection.spool = nil
                    guard spool.write(parsed.body), let done = spool.finish() else { return refuseBody(connection, context) }
                    parsed.body = []
                    spooled = done
                }
                var request = responder.route(parsed)
                request.spooledBody = spooled
                if !onPool, responder.execution(for: request) == .blocking {
                    if pool.submit(BlockingPool.Job(connection: connection, request: request)) { return }
                    return finish(connection)  // stopping
                }
                switch handle(request, on: connection, context) {
                case .keepOpen: continue
                case .close: return finish(connection)
                case .suspended: return
                }
            case .continueExpected, .headBeforeLargeBody:
                guard let pending = connection.parser.pendingHead else { continue }
                connection.headSeen = true
                let head = responder.route(pending)
                let sendContinue = if case .continueExpected = event { true } else { false }
                if !onPool, responder.execution(for: head) == .blocking {
                    if pool.submit(BlockingPool.Job(connection: connection, request: head, continueCheck: true, sendContinue: sendContinue)) { return }
                    return finish(connection)
                }
                switch answerExpectation(head, on: connection, context, sendContinue: sendContinue) {
                case .keepOpen: continue
                case .close: return finish(connection)
                case .suspended: return
                }
            case .needMoreData:
                guard spoolPending(connection) else { return refuseBody(connection, context) }
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

    /// Moves the pending request's body into its route's spool file once it passes the route's threshold (from
    /// the first byte when its declared length does), and from then on every read; false when the file cannot be
    /// made or written.
    private func spoolPending(_ connection: Connection) -> Bool {
        let pending = connection.parser.pendingBodyBytes
        guard pending > 0 else { return true }
        if connection.spool == nil {
            guard let head = connection.parser.pendingHead,
                  let threshold = responder.spoolThreshold(method: head.method, rawPath: head.rawPath),
                  pending > threshold || (head.headers["content-length"].flatMap { Int($0) } ?? 0) > threshold
            else { return true }
            guard let spool = BodySpool(directory: configuration.spoolDirectory) else { return false }
            connection.spool = spool
        }
        return connection.spool?.write(connection.parser.drainBody()) ?? true
    }

    /// A body that could not be spooled (disk full): 503, and the connection closes with the rest unread.
    private func refuseBody(_ connection: Connection, _ context: WorkerContext) {
        connection.spool = nil
        let response = ServerResponse.text("the server could not store the request body; retry later\n", status: .serviceUnavailable)
        guard case .bytes(let body) = response.body else { return finish(connection) }
        frame(response, body, for: nil, keepAlive: false, into: &context.output, date: context.dateCache.current())
        if deliver(context.output, on: connection, closeAfter: true, trySendNow: true) == .parked { return }
        finish(connection)
    }

    /// What became of a connection after a request.
    enum HandleOutcome {
        case keepOpen, close
        /// A promise, a stream thread or an event loop (sending the rest) owns the connection now.
        case suspended
    }

    /// Runs the handler and sends its response.
    private func handle(_ request: ServerRequest, on connection: Connection, _ context: WorkerContext) -> HandleOutcome {
        let response = responder.respond(to: request)
        let outcome = sendResponse(response, for: request.http, on: connection, output: &context.output,
                                   date: context.dateCache.current(), trySendNow: true)
        // A large download leaves the scratch buffer shared with the parked outbox: start afresh.
        if context.output.capacity > 1 << 20 { context.output = [] }
        return outcome
    }

    /// `Expect: 100-continue` (RFC 9110 §10.1.1): `100 Continue` only once the route exists and the
    /// responder accepts the head (the application checks the token; the parser already checked
    /// the declared length against the route's limit). Otherwise the final response goes first,
    /// and the connection closes with the body unread. The head of a large body sent without the expectation
    /// (`sendContinue` false) is put to the same check, so a request refused on its head (no valid token) never
    /// makes the server hold up to its route's limit (hundreds of MiB for an upload) first.
    private func answerExpectation(_ head: ServerRequest, on connection: Connection, _ context: WorkerContext,
                                   sendContinue: Bool = true) -> HandleOutcome {
        if let refusal = responder.refusalBeforeContinue(for: head) {
            var last = head.http
            last.keepAlive = false
            return sendResponse(refusal, for: last, on: connection, output: &context.output, date: context.dateCache.current(),
                        trySendNow: true)
        }
        guard sendContinue else { return .keepOpen }
        switch deliver(Self.continueBytes, on: connection, closeAfter: false, trySendNow: true) {
        case .sent: return .keepOpen
        case .parked: return .suspended
        case .failed: return .close
        }
    }

    private static let continueBytes = Array("HTTP/1.1 100 Continue\r\n\r\n".utf8)

    /// Decided after the handler: a shutdown that began meanwhile makes this the last response.
    func isClosing(_ connection: Connection) -> Bool {
        connection.state.withLock { $0.closeAfterResponse } || draining.load(ordering: .relaxed)
    }

    /// Sends a response without ever blocking the calling thread: bytes the socket does not
    /// take at once are parked for an event loop to send on EPOLLOUT (so a slow reader holds
    /// no pool thread), a stream gets a thread of its own, a deferred response comes back
    /// here when complete. `trySendNow` false parks everything: for threads that must not
    /// touch sockets at all.
    func sendResponse(_ response: ServerResponse, for request: HTTPRequest, on connection: Connection, output: inout [UInt8],
              date: String, trySendNow: Bool) -> HandleOutcome {
        switch response.body {
        case .deferred(let promise):
            promise.whenComplete { [self] final in resume(connection, after: request, with: final) }
            return .suspended
        case .stream(let produce):
            return startStream(response, produce, for: request, on: connection, date: date, trySendNow: trySendNow)
        case .bytes(let body):
            let keepAlive = request.keepAlive && !isClosing(connection)
            frame(response, body, for: request, keepAlive: keepAlive, into: &output, date: date)
            switch deliver(output, on: connection, closeAfter: !keepAlive, trySendNow: trySendNow) {
            case .sent: return keepAlive ? .keepOpen : .close
            case .parked: return .suspended
            case .failed: return .close
            }
        }
    }

    /// A deferred response completed, on whichever thread completed it — the group commit's
    /// completion thread, which must never wait on a client: the response is framed here and
    /// handed to an event loop, which sends it and carries on with the connection.
    private func resume(_ connection: Connection, after request: HTTPRequest, with response: ServerResponse) {
        var output: [UInt8] = []
        switch sendResponse(response, for: request, on: connection, output: &output, date: sharedDate.withLock { $0.current() },
                    trySendNow: false) {
        case .suspended: break
        case .close: finish(connection)
        case .keepOpen: rearm(connection)
        }
    }

    /// Frames a byte response with `Content-Length` into `output`.
    func frame(_ response: ServerResponse, _ body: [UInt8], for request: HTTPRequest?, keepAlive: Bool, into output: inout [UInt8],
               date: String) {
        var headers = response.headers
        headers.replaceOrAdd(name: "Date", value: date)
        if !keepAlive {
            headers.replaceOrAdd(name: "Connection", value: "close")
        } else if request?.version == .http1_0 {
            headers.replaceOrAdd(name: "Connection", value: "keep-alive")
        }
        let code = response.status.code
        if code != 204 && code >= 200 {
            headers.replaceOrAdd(name: "Content-Length", value: String(body.count))
        }
        output.removeAll(keepingCapacity: true)
        HTTPResponseSerializer.writeHead(status: response.status, headers: headers, into: &output)
        let bodyless = request?.method == .head || code == 204 || code == 304 || code < 200
        if !bodyless { output.append(contentsOf: body) }
    }

    /// Hands the caller's connection back to epoll to wait for its next request (or, once a drain has begun,
    /// closes it if it is idle).
    func rearm(_ connection: Connection) {
        let partial = connection.parser.hasPartialRequest
        let headSeen = connection.headSeen || connection.parser.pendingHead != nil
        let spooling = connection.spool != nil
        connection.state.withLock {
            if spooling { $0.bodyProgressed() }
            $0.registering()
        }
        let outcome = register(connection, EPOLL_CTL_MOD, events: EPOLLIN.rawValue | EPOLLRDHUP.rawValue | EPOLLONESHOT.rawValue) {
            $0.armed(now: .now, partial: partial, headSeen: headSeen)
        }
        switch outcome {
        case .inEpoll: break
        case .close: closeDescriptor(connection)
        case .woken: handOverWoken(connection)
        }
    }

    /// `epoll_ctl` for a connection its caller owns and has marked `registering()`, made outside the state's lock
    /// (see `ConnectionStateMachine`); `then` records what it waits for once it is in epoll.
    func register(_ connection: Connection, _ operation: Int32, events: UInt32,
                  then: (inout ConnectionStateMachine) -> Void) -> ConnectionStateMachine.Registration {
        var event = epoll_event()
        event.events = events
        event.data.u64 = connection.id
        let succeeded = epoll_ctl(epollFD, operation, connection.fd, &event) == 0
        return connection.state.withLock { $0.registered(succeeded, then: then) }
    }

    /// An event fired while the connection was being registered: the caller still owns it, and may be a thread
    /// that must not serve it (a commit's completion thread), so a pool thread carries on, reading first.
    func handOverWoken(_ connection: Connection) {
        if !pool.submit(BlockingPool.Job(connection: connection, request: nil, readFirst: true)) { finish(connection) }
    }

    func finish(_ connection: Connection) {
        connection.state.withLock { $0.closedByOwner() }
        closeDescriptor(connection)
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
