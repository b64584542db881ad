/// One annotator's activity, for QA: how much they judged, how often they skipped, how fast.
public struct AnnotatorStats: Sendable, Equatable {
    /// The annotator's id.
    public var annotator: String
    /// Every preference they posted, per choice; `counts.total` is the whole number.
    ///
    /// Raw posts, not deduplicated per comparison: a changed mind is still work done.
    public var counts: VoteCounts
    /// The median `time_spent_ms` over their preferences that recorded one, or nil
    /// if none did. With an even count it is the mean of the two middle values.
    public var medianTimeSpentMS: Double?

    /// Creates stats.
    public init(annotator: String, counts: VoteCounts, medianTimeSpentMS: Double?) {
        self.annotator = annotator
        self.counts = counts
        self.medianTimeSpentMS = medianTimeSpentMS
    }

    /// Stats for every annotator in `preferences`, sorted by annotator id.
    public static func compute(_ preferences: [Preference]) -> [AnnotatorStats] {
        var counts: [String: VoteCounts] = [:]
        var times: [String: [Int]] = [:]
        for preference in preferences {
            counts[preference.annotator, default: VoteCounts()].add(preference.choice)
            if let time = preference.timeSpentMS { times[preference.annotator, default: []].append(time) }
        }
        return counts.keys.sorted().map { annotator in
            AnnotatorStats(annotator: annotator, counts: counts[annotator] ?? VoteCounts(),
                           medianTimeSpentMS: median(times[annotator] ?? []))
        }
    }

    /// The median of `values`, or nil when empty.
    public static func median(_ values: [Int]) -> Double? {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        let middle = sorted.count / 2
        if sorted.count % 2 == 1 { return Double(sorted[middle]) }
        // Halve each before adding so two huge values cannot overflow.
        return Double(sorted[middle - 1]) / 2 + Double(sorted[middle]) / 2
    }
}
