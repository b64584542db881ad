#if canImport(Glibc)
import Glibc
#endif
import CLinux

/// Non-blocking output: what a socket does not take at once waits on the connection for an
/// event loop, so no thread ever waits on a slow reader except a stream's own.
extension HTTPServer {
    enum Delivery { case sent, parked, failed }

    /// Sends what the socket takes now (unless `trySendNow` is false) and parks the rest on the
    /// connection for an event loop; `.parked` hands the connection over, `.failed` leaves it to close.
    func deliver(_ bytes: [UInt8], on connection: Connection, closeAfter: Bool, trySendNow: Bool) -> Delivery {
        var offset = 0
        if trySendNow {
            switch sendSome(bytes, from: &offset, to: connection.fd) {
            case .sent: return .sent
            case .failed: return .failed
            case .parked: break
            }
        }
        connection.outbox = bytes
        connection.outboxOffset = offset
        connection.closeAfterFlush = closeAfter
        return park(connection) ? .parked : .failed
    }

    /// Sends from `offset` until everything is sent (`.sent`) or the socket is full (`.parked`).
    func sendSome(_ bytes: [UInt8], from offset: inout Int, to fd: Int32) -> Delivery {
        while offset < bytes.count {
            let sent = bytes.withUnsafeBytes { raw in
                Glibc.send(fd, raw.baseAddress! + offset, raw.count - offset, Int32(MSG_NOSIGNAL))
            }
            if sent >= 0 {
                offset += sent
                continue
            }
            let code = errno
            if code == EINTR { continue }
            return code == EAGAIN || code == EWOULDBLOCK ? .parked : .failed
        }
        return .sent
    }

    /// Sends more of a parked response; parks again (with a fresh write deadline) if the socket fills.
    func flushOutbox(_ connection: Connection) -> Delivery {
        var offset = connection.outboxOffset
        let result = sendSome(connection.outbox, from: &offset, to: connection.fd)
        connection.outboxOffset = offset
        switch result {
        case .sent:
            connection.outbox = []
            connection.outboxOffset = 0
            return .sent
        case .parked:
            return park(connection) ? .parked : .failed
        case .failed:
            return .failed
        }
    }

    /// Hands the connection to epoll until its socket is writable. Hang-ups (HUP, ERR) are
    /// always reported; RDHUP is not asked for, so a client that half-closed and still reads
    /// gets its response instead of waking a loop over and over.
    /// False when the caller must finish the connection.
    func park(_ connection: Connection) -> Bool {
        let writeTimeout = configuration.writeTimeout
        connection.state.withLock { $0.registering() }
        switch register(connection, EPOLL_CTL_MOD, events: EPOLLOUT.rawValue | EPOLLONESHOT.rawValue, then: {
            $0.parked(now: .now, writeTimeout: writeTimeout)
        }) {
        case .inEpoll: return true
        case .close: return false
        case .woken:
            handOverWoken(connection)  // the pool thread sends the outbox first
            return true
        }
    }

    /// Sends everything, waiting (up to the write timeout) when the socket buffer is full.
    /// Only for threads that own a stream: nothing else may wait on a client.
    func writeAll(_ bytes: [UInt8], to fd: Int32) throws(IOError) {
        var offset = 0
        let timeout = configuration.writeTimeout
        let timeoutMS = Int32(clamping: timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000)
        while offset < bytes.count {
            let sent = bytes.withUnsafeBytes { raw in
                Glibc.send(fd, raw.baseAddress! + offset, raw.count - offset, Int32(MSG_NOSIGNAL))
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
}
