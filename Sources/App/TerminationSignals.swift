import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The write end of the self-pipe the termination handlers signal through. Set once, before the
/// handlers are installed, and only read afterwards (from the handler, which may only make
/// async-signal-safe calls such as `write`).
nonisolated(unsafe) private var terminationPipe: Int32 = -1

/// SIGTERM and SIGINT turned into a blocking wait: `sigaction` handlers (installed synchronously,
/// unlike a dispatch source, so no early signal is lost) write the signal number to a pipe.
struct TerminationSignals: Sendable {
    let readEnd: Int32

    static func install() throws -> TerminationSignals {
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        terminationPipe = fds[1]
        var set = sigset_t()
        sigemptyset(&set)
        for number in [SIGTERM, SIGINT] {
            signal(number) { received in
                var byte = UInt8(truncatingIfNeeded: received)
                _ = write(terminationPipe, &byte, 1)
            }
            sigaddset(&set, number)
        }
        // A process inherits its parent's signal mask: started from a thread that blocks SIGTERM
        // (a test runner's worker, a supervisor), every thread here would block it and the signal
        // would stay pending forever. The calling thread takes them.
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
        return TerminationSignals(readEnd: fds[0])
    }

    /// Blocks until a termination signal arrives; returns its number.
    func wait() -> Int32 {
        var byte: UInt8 = 0
        while read(readEnd, &byte, 1) < 0 && errno == EINTR {}
        return Int32(byte)
    }
}
