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
        var accumulator = Accumulator()
        for row in counts { accumulator.add(row) }
        return accumulator.result
    }

    /// κ built one subject at a time, in O(categories) memory: what `compute` gives for the
    /// same rows in the same order, bit for bit.
    public struct Accumulator: Sendable {
        private var perCategory: [Int] = []
        private var totalRatings = 0
        private var sumP = 0.0
        private var subjects = 0

        public init() {}

        /// Adds one subject's counts per category; a subject with fewer than two ratings is left out.
        public mutating func add(_ row: [Int]) {
            let n = row.reduce(0, +)
            guard n >= 2 else { return }
            if perCategory.count < row.count { perCategory += [Int](repeating: 0, count: row.count - perCategory.count) }
            subjects += 1
            totalRatings += n
            for (j, count) in row.enumerated() { perCategory[j] += count }
            let agreeingPairs = row.reduce(0) { $0 + $1 * ($1 - 1) }
            sumP += Double(agreeingPairs) / Double(n * (n - 1))
        }

        /// κ over the subjects added, or nil when none had two ratings.
        public var result: FleissKappa? {
            guard subjects > 0 else { return nil }
            let observed = sumP / Double(subjects)
            let expected = perCategory.reduce(0.0) { sum, count in
                let share = Double(count) / Double(totalRatings)
                return sum + share * share
            }
            // Compared with a tolerance: Σ p_j² of a single category can round just below 1.
            let kappa: Double? = expected >= 1 - 1e-12 ? nil : (observed - expected) / (1 - expected)
            return FleissKappa(subjects: subjects, observedAgreement: observed, expectedAgreement: expected, kappa: kappa)
        }
    }
}
