/// What a pool reports of each job it handles, for metrics: a claim, then one outcome with the
/// handler's duration.
public struct JobEvent: Sendable, Hashable {
    public enum Outcome: String, Sendable, Hashable, CaseIterable {
        case claimed, succeeded, failed, retried, dead, cancelled, released
        /// Back in the queue until woken or its time comes (a run waiting for people's judgements).
        case parked
        /// The lease was lost mid-job (another worker took it): nothing was recorded.
        case leaseLost = "lease_lost"
    }

    public var kind: String
    public var outcome: Outcome
    /// Seconds the handler ran (0 for `claimed`).
    public var seconds: Double
    /// A claim that took the job over after its previous holder's lease expired.
    public var reclaimed: Bool

    public init(kind: String, outcome: Outcome, seconds: Double, reclaimed: Bool = false) {
        self.kind = kind
        self.outcome = outcome
        self.seconds = seconds
        self.reclaimed = reclaimed
    }
}
