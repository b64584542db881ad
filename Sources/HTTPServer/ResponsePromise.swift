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
    public typealias Transform = @Sendable (ServerResponse) -> ServerResponse

    private enum State {
        /// Transforms (from middleware, in the order added) run before the callbacks see the response.
        case pending(transforms: [Transform], callbacks: [@Sendable (ServerResponse) -> Void])
        case done(ServerResponse)
    }

    private let state = Mutex(State.pending(transforms: [], callbacks: []))

    public init() {}

    /// Completes the promise; calls after the first are ignored.
    public func succeed(_ response: ServerResponse) {
        // Transforms run under the lock so that no callback registered meanwhile can see the
        // response before them; they are middleware bookkeeping and never touch this promise.
        let (final, callbacks): (ServerResponse?, [@Sendable (ServerResponse) -> Void]) = state.withLock { state in
            guard case .pending(let transforms, let callbacks) = state else { return (nil, []) }
            let final = transforms.reduce(response) { $1($0) }
            state = .done(final)
            return (final, callbacks)
        }
        guard let final else { return }
        for callback in callbacks { callback(final) }
    }

    /// Runs `callback` with the response: now if it is done, else on the thread that completes it.
    public func whenComplete(_ callback: @escaping @Sendable (ServerResponse) -> Void) {
        let ready: ServerResponse? = state.withLock { state in
            switch state {
            case .pending(let transforms, let callbacks):
                state = .pending(transforms: transforms, callbacks: callbacks + [callback])
                return nil
            case .done(let response):
                return response
            }
        }
        if let ready { callback(ready) }
    }

    /// Adds a transform applied at completion; false when the promise is already done.
    fileprivate func adding(_ transform: @escaping Transform) -> Bool {
        state.withLock { state in
            guard case .pending(let transforms, let callbacks) = state, callbacks.isEmpty else { return false }
            state = .pending(transforms: transforms + [transform], callbacks: callbacks)
            return true
        }
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
        // The common case costs no new promise: the transform joins the pending one.
        if promise.adding(transform) { return self }
        let mapped = ResponsePromise()
        promise.whenComplete { mapped.succeed(transform($0)) }
        return .deferred(mapped)
    }
}
