/// Fleiss' κ over a subjects × categories count matrix.
public struct FleissKappa: Sendable, Equatable {
    /// Subjects counted (those with at least two ratings).
    public var subjects: Int
    /// P̄: the mean over subjects of the share of agreeing rater pairs.
    public var observedAgreement: Double
    /// P_e: Σ p_j², the agreement expected by chance from the category shares.
    public var expectedAgreement: Double
    /// κ = (P̄ − P_e) / (1 − P_e), or nil when P_e = 1 (every rating in one
    /// category: agreement is perfect but chance explains all of it, so κ is 0/0).
    public var kappa: Double?

    /// Creates a result.
    public init(subjects: Int, observedAgreement: Double, expectedAgreement: Double, kappa: Double?) {
        self.subjects = subjects
        self.observedAgreement = observedAgreement
        self.expectedAgreement = expectedAgreement
        self.kappa = kappa
    }

    /// κ for `counts[i][j]` = raters who put subject i in category j, or nil when
    /// no subject has two ratings.
    ///
    /// Subjects may have different numbers of raters (overlap varies per
    /// comparison): P_i uses its own n_i and p_j pools all ratings, the usual
    /// generalisation; with equal n_i it is exactly Fleiss (1971).
    public static func compute(_ counts: [[Int]]) -> FleissKappa? {
        let rows = counts.filter { $0.reduce(0, +) >= 2 }
        guard !rows.isEmpty, let categories = rows.map(\.count).max() else { return nil }
        var perCategory = [Int](repeating: 0, count: categories)
        var totalRatings = 0
        var sumP = 0.0
        for row in rows {
            let n = row.reduce(0, +)
            totalRatings += n
            for (j, count) in row.enumerated() { perCategory[j] += count }
            let agreeingPairs = row.reduce(0) { $0 + $1 * ($1 - 1) }
            sumP += Double(agreeingPairs) / Double(n * (n - 1))
        }
        let observed = sumP / Double(rows.count)
        let expected = perCategory.reduce(0.0) { sum, count in
            let share = Double(count) / Double(totalRatings)
            return sum + share * share
        }
        // Compared with a tolerance: Σ p_j² of a single category can round just below 1.
        let kappa: Double? = expected >= 1 - 1e-12 ? nil : (observed - expected) / (1 - expected)
        return FleissKappa(subjects: rows.count, observedAgreement: observed, expectedAgreement: expected, kappa: kappa)
    }
}
