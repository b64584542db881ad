public import Foundation
import Synchronization

/// Wakes the event streams of this process when a run records metrics or changes status, so
/// server-sent events go out as they happen; streams also poll the store, which covers runs
/// executed by workers in other processes.
public final class RunSignal: Sendable {
    private let generation = Mutex<UInt64>(0)
    private let condition = NSCondition()

    /// Something changed for some run.
    public init() {}

    public func notify() {
        condition.lock()
        generation.withLock { $0 &+= 1 }
        condition.broadcast()
        condition.unlock()
    }

    public var current: UInt64 { generation.withLock { $0 } }

    /// Returns when the generation moves past `seen` or `timeout` passes.
    public func wait(after seen: UInt64, timeout: TimeInterval) {
        let deadline = Date().addingTimeInterval(timeout)
        condition.lock()
        defer { condition.unlock() }
        while current == seen, condition.wait(until: deadline) {}
    }
}
