import Synchronization

/// A response that a handler finishes later, on any thread: the handler
/// returns `.deferred(promise)` at once and the connection waits, holding no
/// thread, until `succeed` is called. Used where a request waits for a shared
/// resource (a group commit) and a thread per waiting request would be waste.
///
/// ```swift
/// let promise = ResponsePromise()
/// database.writeAsync(insert) { result in promise.succeed(render(result)) }
/// return .deferred(promise)
/// ```
public final class ResponsePromise: Sendable {
    private enum State {
        case pending([@Sendable (ServerResponse) -> Void])
        case done(ServerResponse)
    }

    private let state = Mutex(State.pending([]))

    public init() {}

    /// Completes the promise; calls after the first are ignored.
    public func succeed(_ response: ServerResponse) {
        let callbacks: [@Sendable (ServerResponse) -> Void] = state.withLock { state in
            guard case .pending(let callbacks) = state else { return [] }
            state = .done(response)
            return callbacks
        }
        for callback in callbacks { callback(response) }
    }

    /// Runs `callback` with the response: now if it is done, else on the thread that completes it.
    public func whenComplete(_ callback: @escaping @Sendable (ServerResponse) -> Void) {
        let ready: ServerResponse? = state.withLock { state in
            switch state {
            case .pending(let callbacks):
                state = .pending(callbacks + [callback])
                return nil
            case .done(let response):
                return response
            }
        }
        if let ready { callback(ready) }
    }
}

extension ServerResponse {
    /// A response completed later through `promise`.
    public static func deferred(_ promise: ResponsePromise) -> ServerResponse {
        ServerResponse(status: .ok, body: .deferred(promise))
    }

    /// Applies `transform` now, or when a deferred response completes: how
    /// middleware adds headers or records metrics without caring which it is.
    public func map(_ transform: @escaping @Sendable (ServerResponse) -> ServerResponse) -> ServerResponse {
        guard case .deferred(let promise) = body else { return transform(self) }
        let mapped = ResponsePromise()
        promise.whenComplete { mapped.succeed(transform($0)) }
        return .deferred(mapped)
    }
}
