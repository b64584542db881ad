#if canImport(Glibc)
import Glibc
#endif
import CLinux
import Logging

/// Accepting: the acceptor thread's loop, its back-off when descriptors run out, and the
/// admission of a new connection into a full table.
extension HTTPServer {
    func acceptLoop(listeners: [Int32]) {
        var pollFDs = listeners.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
        pollFDs.append(pollfd(fd: acceptorWakeFD, events: Int16(POLLIN), revents: 0))
        var backoff = AcceptBackoff()
        while !draining.load(ordering: .acquiring) {
            let ready = poll(&pollFDs, nfds_t(pollFDs.count), 1000)
            if ready <= 0 { continue }
            for entry in pollFDs.dropLast() where entry.revents != 0 {
                acceptAll(listener: entry.fd, backoff: &backoff)
            }
            if let pause = backoff.pause {
                // Out of descriptors: the pending connections stay in the backlog until some close.
                // Wait on the wake descriptor only, so a shutdown still ends the pause at once.
                var wake = pollfd(fd: acceptorWakeFD, events: Int16(POLLIN), revents: 0)
                _ = poll(&wake, 1, Int32(pause.components.seconds * 1000 + pause.components.attoseconds / 1_000_000_000_000_000))
            }
        }
        for fd in listeners { close(fd) }
        logger.debug("listeners closed")
    }

    private func acceptAll(listener: Int32, backoff: inout AcceptBackoff) {
        while true {
            let fd: Int32
            do {
                fd = try syscall("accept4") { configuration.accept(listener) }
            } catch {
                if error.isWouldBlock || error.errno == ECONNABORTED { return }
                let outOfResources = [EMFILE, ENFILE, ENOBUFS, ENOMEM].contains(error.errno)
                if let report = backoff.failed(at: .now, resourceShortage: outOfResources) {
                    logger.warning("accept failed; backing off", metadata: [
                        "error": "\(error)", "accept.failures_since_last_warning": "\(report.suppressed)",
                        "accept.backoff_ms": "\(report.pause.components.seconds * 1000 + report.pause.components.attoseconds / 1_000_000_000_000_000)",
                    ])
                }
                return
            }
            backoff.succeeded()
            // Small responses must not wait for Nagle's algorithm.
            try? setOption(fd, Int32(IPPROTO_TCP), TCP_NODELAY, 1)
            register(fd)
        }
    }

    private func register(_ fd: Int32) {
        if connectionCount >= maxConnections.load(ordering: .relaxed), !evictOne() {
            var reply = Array("HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nRetry-After: 1\r\nConnection: close\r\n\r\n".utf8)
            _ = reply.withUnsafeMutableBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            close(fd)
            return
        }
        let id = nextID.add(1, ordering: .relaxed).newValue
        var machine = ConnectionStateMachine(idleTimeout: configuration.idleTimeout, readTimeout: configuration.readTimeout,
                                             firstRequestTimeout: configuration.firstRequestTimeout)
        machine.registering()
        let connection = Connection(id: id, fd: fd, limits: configuration.limits, bodyLimit: bodyLimit, machine: machine)
        connections.withLock { $0[id] = connection }
        let outcome = register(connection, EPOLL_CTL_ADD, events: EPOLLIN.rawValue | EPOLLRDHUP.rawValue | EPOLLONESHOT.rawValue) {
            $0.armed(now: .now, partial: false, headSeen: false)
        }
        switch outcome {
        case .inEpoll: break
        case .close: closeDescriptor(connection)
        case .woken: handOverWoken(connection)
        }
    }

    /// The table is full: closes the connection that has waited longest without sending a
    /// byte, else the oldest stalled first request head, else the longest-idle keep-alive one, so a flood of silent connections cannot
    /// lock out new clients (health checks included). A candidate whose request bytes are
    /// already in the socket is spared. False when every connection is busy.
    private func evictOne() -> Bool {
        let snapshot = connections.withLock { Array($0.values) }
        var spared = Set<UInt64>()
        for _ in 0..<4 {
            var best: (rank: ConnectionStateMachine.Evictable, since: ContinuousClock.Instant, connection: Connection)?
            for connection in snapshot where !spared.contains(connection.id) {
                let (rank, since) = connection.state.withLock { ($0.evictable, $0.waitingSince) }
                guard let rank else { continue }
                if best.map({ (rank, since) < ($0.rank, $0.since) }) ?? true { best = (rank, since, connection) }
            }
            guard let victim = best?.connection else { return false }
            var byte: UInt8 = 0
            // Bytes already waiting: a client about to be served, not a silent one.
            if recv(victim.fd, &byte, 1, Int32(MSG_PEEK | MSG_DONTWAIT)) > 0 {
                spared.insert(victim.id)
                continue
            }
            if victim.state.withLock({ $0.evicted() }) {
                closeDescriptor(victim)
                return true
            }
            spared.insert(victim.id)
        }
        return false
    }
}
