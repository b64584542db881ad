import HTTP1
import Synchronization

/// One accepted connection.
final class Connection: @unchecked Sendable {
    // `parser` is touched only by the worker that owns the connection under
    // one-shot epoll arming (ConnectionStateMachine.claimed); `state` is behind its Mutex.
    let id: UInt64
    let fd: Int32
    var parser: HTTPRequestParser
    let state: Mutex<ConnectionStateMachine>

    init(id: UInt64, fd: Int32, limits: HTTPLimits, bodyLimit: HTTPRequestParser.BodyLimit?, machine: ConnectionStateMachine) {
        self.id = id
        self.fd = fd
        self.parser = HTTPRequestParser(limits: limits, bodyLimit: bodyLimit)
        self.state = Mutex(machine)
    }
}
