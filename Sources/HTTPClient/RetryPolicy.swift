/// When and how long to wait before retrying an outbound request: exponential backoff with full jitter
/// (delay drawn uniformly from [0, min(cap, base·2^(n−1))]), so many clients retrying one busy server do
/// not arrive in lockstep. Retries transient transport failures, 429 and 5xx except 501/505 (which a
/// retry cannot fix); a `Retry-After` in seconds is honoured when it is within the cap. Pure: the caller
/// supplies the random draw.
public struct RetryPolicy: Sendable, Equatable {
    /// Requests in all, the first included (1 = no retry).
    public var maxAttempts: Int
    public var baseDelay: Duration
    public var maxDelay: Duration

    public init(maxAttempts: Int = 3, baseDelay: Duration = .milliseconds(200), maxDelay: Duration = .seconds(5)) {
        self.maxAttempts = max(1, maxAttempts)
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
    }

    public static let none = RetryPolicy(maxAttempts: 1)

    /// Whether a response with `status` is worth retrying.
    public static func isRetryable(status: Int) -> Bool {
        status == 429 || (500...599).contains(status) && status != 501 && status != 505
    }

    /// The wait before attempt `attempt + 1` after `attempt` failed (1-based), or nil when no attempt is
    /// left. `unit` is a uniform draw in [0, 1); `retryAfter` is the server's `Retry-After` value.
    public func delay(after attempt: Int, unit: Double, retryAfter: String? = nil) -> Duration? {
        guard attempt < maxAttempts else { return nil }
        if let retryAfter, let seconds = Int(retryAfter.trimmingSpaces), seconds >= 0,
           Duration.seconds(seconds) <= maxDelay {
            return .seconds(seconds)
        }
        let exponent = min(attempt - 1, 30)
        let ceiling = min(maxDelay, baseDelay * (1 << exponent))
        return ceiling * min(max(unit, 0), 1)
    }
}

extension String {
    fileprivate var trimmingSpaces: Substring {
        let bytes = self.drop { $0 == " " || $0 == "\t" }
        var end = bytes.endIndex
        while end > bytes.startIndex, bytes[bytes.index(before: end)] == " " || bytes[bytes.index(before: end)] == "\t" {
            end = bytes.index(before: end)
        }
        return bytes[bytes.startIndex..<end]
    }
}
