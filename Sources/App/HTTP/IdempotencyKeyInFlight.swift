import Storage

/// Another request with the same `Idempotency-Key` is still running and did not finish
/// within the wait: 409 `idempotency_key_in_flight` with `Retry-After`.
struct IdempotencyKeyInFlight: Error, Sendable {
    let key: String
}
