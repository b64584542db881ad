#if canImport(Glibc)
import Glibc
#endif

/// A failed system call: which one, and the `errno` it left.
public struct IOError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The `errno` value read immediately after the call.
    public let errno: Int32
    /// The call or operation that failed.
    public let function: String

    public init(errno: Int32, function: String) {
        self.errno = errno
        self.function = function
    }

    /// The call would block (`EAGAIN`/`EWOULDBLOCK`) on a non-blocking descriptor.
    public var isWouldBlock: Bool { errno == EAGAIN || errno == EWOULDBLOCK }

    /// The peer went away (`ECONNRESET`, `EPIPE`): an ordinary end of a connection, not a fault.
    public var isDisconnect: Bool { errno == ECONNRESET || errno == EPIPE || errno == ENOTCONN }

    public var description: String {
        "\(function) failed: \(String(cString: strerror(errno))) (errno \(errno))"
    }
}

/// The funnel for POSIX calls whose failure is an error to report (opening, binding and accepting
/// sockets, setting up epoll, `poll`): retries `EINTR`, reads `errno` straight after a negative result and throws it as an
/// `IOError`. The event loops' hot calls (`recv`, `send`, `epoll_wait`, `epoll_ctl`) check `errno`
/// inline instead, where `EAGAIN` or a failed registration is an outcome to act on, not an error.
@discardableResult
@inline(__always)
package func syscall<T: BinaryInteger>(_ function: String, _ body: () -> T) throws(IOError) -> T {
    while true {
        let result = body()
        if result >= 0 { return result }
        let code = errno
        if code == EINTR { continue }
        throw IOError(errno: code, function: function)
    }
}
