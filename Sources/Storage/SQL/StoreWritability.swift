import Synchronization

/// Whether the store took the last write: a write that failed because the store could not take
/// it (disk full, I/O error, connection lost) starts an episode, the next write that commits ends
/// it. Observers hear each transition once, not each failed write, so a full disk is logged
/// once however many requests it refuses.
public final class StoreWritability: Sendable {
    private struct State {
        var failure: String?
        var observers: [@Sendable (String?) -> Void] = []
    }

    private let state = Mutex(State())

    public init() {}

    /// Why the last write did not reach the store, or nil when it did (or none failed yet).
    public var failure: String? { state.withLock { $0.failure } }

    /// Calls `observer` with the reason when an episode starts and with nil when it ends.
    public func observe(_ observer: @escaping @Sendable (String?) -> Void) {
        state.withLock { $0.observers.append(observer) }
    }

    /// Records one batch's outcome: `failure` when a write could not be stored, nil when one committed.
    func record(failure: String?) {
        let observers: [@Sendable (String?) -> Void] = state.withLock { state in
            guard (state.failure == nil) != (failure == nil) else { return [] }
            state.failure = failure
            return state.observers
        }
        for observer in observers { observer(failure) }
    }
}
