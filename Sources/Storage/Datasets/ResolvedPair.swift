/// The outcome of resolving one comparison's judgements.
public enum PairOutcome: String, Sendable, Equatable {
    /// Response A won the vote.
    case a
    /// Response B won the vote.
    case b
    /// No side won: tie votes were the plurality, or A and B drew.
    case tie
}

/// One comparison (or one inline preference) resolved to a single outcome,
/// with the judgements that decided it.
public struct ResolvedPair: Sendable, Equatable {
    /// The comparison, or nil for an inline preference exported on its own.
    public var comparisonID: String?
    /// The prompt text, taken from the first counted preference.
    public var prompt: String
    /// Response A's text.
    public var responseA: String
    /// Response B's text.
    public var responseB: String
    /// The dataset of the first counted preference.
    public var dataset: String?
    /// The resolved outcome.
    public var outcome: PairOutcome
    /// Counts over the counted judgements (one per annotator).
    public var votes: VoteCounts
    /// The counted preferences, one per annotator (their latest), skips included.
    public var preferences: [Preference]

    /// Creates a resolved pair.
    public init(comparisonID: String?, prompt: String, responseA: String, responseB: String, dataset: String?,
                outcome: PairOutcome, votes: VoteCounts, preferences: [Preference]) {
        self.comparisonID = comparisonID
        self.prompt = prompt
        self.responseA = responseA
        self.responseB = responseB
        self.dataset = dataset
        self.outcome = outcome
        self.votes = votes
        self.preferences = preferences
    }
}
