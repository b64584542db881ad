import Foundation

/// Wakes scorers of this process when a shard's scores are written (by this process's pool, or by
/// another process, relayed by PostgreSQL `NOTIFY`). Scorers also poll, so a lost wake only delays.
public final class ScoreSignal: Sendable {
    /// Every access goes through the condition's lock.
    private final class Box: @unchecked Sendable {
        let condition = NSCondition()
        var generation: UInt64 = 0
    }

    private let box = Box()

    public init() {}

    public var generation: UInt64 {
        box.condition.lock()
        defer { box.condition.unlock() }
        return box.generation
    }

    public func notify() {
        box.condition.lock()
        box.generation &+= 1
        box.condition.broadcast()
        box.condition.unlock()
    }

    /// Waits until a notify after `generation` was read, or `deadline`.
    func wait(after generation: UInt64, until deadline: Date) {
        box.condition.lock()
        defer { box.condition.unlock() }
        while box.generation == generation, box.condition.wait(until: deadline) {}
    }
}
