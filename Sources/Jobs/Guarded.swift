import Foundation

/// State guarded by a condition variable, for threads that sleep until it changes or a deadline
/// passes (`Mutex` cannot wait). Every access goes through the lock, hence `@unchecked Sendable`.
final class Guarded<State>: @unchecked Sendable {
    private let condition = NSCondition()
    private var state: State

    init(_ state: State) {
        self.state = state
    }

    func withLock<T>(_ body: (inout State) throws -> T) rethrows -> T {
        condition.lock()
        defer { condition.unlock() }
        return try body(&state)
    }

    /// Changes the state and wakes every waiter to look at it.
    func update<T>(_ body: (inout State) throws -> T) rethrows -> T {
        condition.lock()
        defer {
            condition.broadcast()
            condition.unlock()
        }
        return try body(&state)
    }

    /// Waits until `done` holds or `deadline` passes, then runs `body` under the lock.
    func wait<T>(until deadline: Date, for done: (State) -> Bool, then body: (inout State) throws -> T) rethrows -> T {
        condition.lock()
        defer { condition.unlock() }
        while !done(state), condition.wait(until: deadline) {}
        return try body(&state)
    }
}
