import CCurl
import Dispatch
import Foundation
import Synchronization

/// The one owner of libcurl: blocking outbound HTTP for remote judges and webhook deliveries.
///
/// Calls block, so they belong on dedicated threads (a training thread, a job worker), never on Swift's
/// cooperative pool. Easy handles are pooled and reused, so consecutive calls from a thread reuse the
/// kept-alive connection; at most `maxConcurrentRequests` calls are in flight at once (the rest wait), which
/// bounds the load a run puts on a remote service. TLS verification is on unless configured off.
public final class HTTPClient: Sendable {
    public struct Configuration: Sendable {
        /// Bodies beyond this are refused (`response_too_large`) rather than buffered.
        public var maxResponseBytes = 8 << 20
        public var maxConcurrentRequests = 8
        public var connectTimeoutMilliseconds = 5_000
        public var verifyTLS = true
        public var userAgent = "PrefLab"

        public init() {}
    }

    public let configuration: Configuration
    private let idle = Mutex<[HandleBox]>([])
    private let slots: DispatchSemaphore

    public init(configuration: Configuration = Configuration()) {
        Self.globalInit
        self.configuration = configuration
        slots = DispatchSemaphore(value: max(1, configuration.maxConcurrentRequests))
    }

    // curl_global_init is not thread-safe: run it once, before any handle exists.
    private static let globalInit: Void = { _ = curl_global_init(Int(CURL_GLOBAL_DEFAULT)) }()

    /// One exchange, no retry. A non-2xx status is a response, not an error.
    public func execute(_ request: HTTPClientRequest) throws(HTTPClientError) -> HTTPClientResponse {
        guard request.url.hasPrefix("http://") || request.url.hasPrefix("https://") else {
            throw HTTPClientError(.invalidURL, "only http:// and https:// URLs are allowed")
        }
        slots.wait()
        defer { slots.signal() }
        guard let handle = idle.withLock({ $0.popLast() })?.handle ?? EasyHandle() else {
            throw HTTPClientError(.other, "curl_easy_init failed")
        }
        let result = handle.perform(request, configuration: configuration)
        idle.withLock { $0.append(HandleBox(handle: handle)) }
        return try result.get()
    }

    /// `execute` with retries under `policy`: transient transport errors and retryable statuses are tried
    /// again after a jittered backoff, within `deadline` overall. Returns the last response (which may be a
    /// 5xx when attempts ran out) or throws the last transport error; `attempts` counts the requests made.
    public func execute(_ request: HTTPClientRequest, retry policy: RetryPolicy,
                        deadline: ContinuousClock.Instant? = nil) throws(HTTPClientError) -> HTTPClientResponse {
        var attempt = 0
        while true {
            attempt += 1
            var retryAfter: String?
            do {
                var response = try execute(request)
                response.attempts = attempt
                guard RetryPolicy.isRetryable(status: response.status) else { return response }
                retryAfter = response.header("Retry-After")
                guard let wait = nextWait(policy, attempt, retryAfter, deadline) else { return response }
                Thread.sleep(forTimeInterval: wait)
            } catch {
                var failure = error
                failure.attempts = attempt
                guard error.isTransient, let wait = nextWait(policy, attempt, nil, deadline) else { throw failure }
                Thread.sleep(forTimeInterval: wait)
            }
        }
    }

    /// Seconds to wait before the next attempt, or nil when none is left or it would pass the deadline.
    private func nextWait(_ policy: RetryPolicy, _ attempt: Int, _ retryAfter: String?,
                          _ deadline: ContinuousClock.Instant?) -> Double? {
        guard let delay = policy.delay(after: attempt, unit: Double.random(in: 0..<1), retryAfter: retryAfter) else { return nil }
        if let deadline, ContinuousClock.now + delay >= deadline { return nil }
        let (seconds, attoseconds) = delay.components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}

/// An idle handle in the pool. Handles move between threads only through the pool's lock, and each is
/// used by one thread at a time.
private struct HandleBox: @unchecked Sendable {
    let handle: EasyHandle
}
