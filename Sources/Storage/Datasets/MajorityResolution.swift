/// Majority resolution of several annotators' judgements of one comparison.
public enum MajorityResolution {
    /// The outcome of `votes`, or nil when there is no vote at all (only skips).
    ///
    /// A side wins only with strictly more votes than the other side *and* than
    /// the tie votes. An A/B draw, or tie votes at or above the best side, is a
    /// tie: when as many annotators saw no difference as saw one, the pair is
    /// not a clean training signal (and ties are dropped by default).
    public static func outcome(of votes: VoteCounts) -> PairOutcome? {
        guard votes.decided > 0 else { return nil }
        if votes.a > votes.b && votes.a > votes.tie { return .a }
        if votes.b > votes.a && votes.b > votes.tie { return .b }
        return .tie
    }

    /// Resolves `preferences` into one pair per comparison, plus one per inline
    /// preference, in order of first appearance. Each annotator counts once (their
    /// latest judgement); groups with only skips are dropped.
    public static func resolve(_ preferences: [Preference]) -> [ResolvedPair] {
        LatestJudgements.groups(preferences).compactMap(resolve)
    }

    /// One comparison's pair, or nil when it holds only skips.
    static func resolve(_ group: JudgementGroup) -> ResolvedPair? {
        var votes = VoteCounts()
        for preference in group.preferences { votes.add(preference.choice) }
        guard let outcome = outcome(of: votes), let first = group.preferences.first else { return nil }
        return ResolvedPair(
            comparisonID: group.comparisonID, prompt: first.prompt,
            responseA: first.responseA, responseB: first.responseB, dataset: first.dataset,
            outcome: outcome, votes: votes, preferences: group.preferences
        )
    }
}
