import HTTPClient
import Testing

@Suite struct RetryPolicyTests {
    @Test func backoffDoublesUpToTheCapWithJitterScaling() {
        let policy = RetryPolicy(maxAttempts: 6, baseDelay: .milliseconds(100), maxDelay: .milliseconds(500))
        #expect(policy.delay(after: 1, unit: 0.999_999)! <= .milliseconds(100))
        #expect(policy.delay(after: 2, unit: 0.5) == .milliseconds(100))
        #expect(policy.delay(after: 3, unit: 0.5) == .milliseconds(200))
        #expect(policy.delay(after: 4, unit: 1) == .milliseconds(500))
        #expect(policy.delay(after: 5, unit: 0) == .zero)
        #expect(policy.delay(after: 6, unit: 0.5) == nil)
    }

    @Test func retryAfterIsHonouredWithinTheCap() {
        let policy = RetryPolicy(maxAttempts: 3, baseDelay: .milliseconds(100), maxDelay: .seconds(5))
        #expect(policy.delay(after: 1, unit: 0.5, retryAfter: " 2 ") == .seconds(2))
        #expect(policy.delay(after: 1, unit: 0.5, retryAfter: "3600") == .milliseconds(50))
        #expect(policy.delay(after: 1, unit: 0.5, retryAfter: "Wed, 21 Oct 2015 07:28:00 GMT") == .milliseconds(50))
    }

    @Test func whichStatusesAreRetried() {
        #expect(RetryPolicy.isRetryable(status: 500))
        #expect(RetryPolicy.isRetryable(status: 503))
        #expect(RetryPolicy.isRetryable(status: 429))
        #expect(!RetryPolicy.isRetryable(status: 501))
        #expect(!RetryPolicy.isRetryable(status: 404))
        #expect(!RetryPolicy.isRetryable(status: 200))
        #expect(RetryPolicy.none.delay(after: 1, unit: 0.5) == nil)
    }
}
