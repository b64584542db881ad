/// Each annotator's agreement with the majority of the *other* annotators of the same items, as Cohen's κ
/// over a, b and tie. Leaving the annotator out keeps their own vote from inflating the score (with two
/// annotators it is their pairwise κ). Items where the others are fewer than one or skipped are not counted.
public struct AnnotatorAgreement: Sendable, Equatable {
    /// The annotator.
    public var annotator: String
    /// Items compared with a majority of the others.
    public var items: Int
    /// Share of those items where the annotator chose the others' majority.
    public var agreement: Double?
    /// Cohen's κ between the annotator's choices and the others' majority; nil when undefined (chance agreement 1).
    public var kappa: Double?

    /// Folds comparisons one at a time, per dataset: memory grows with datasets × annotators.
    public struct Tally: Sendable {
        /// Per dataset and annotator: a 3×3 confusion matrix (annotator's choice × majority), row-major.
        private var matrices: [String?: [String: [Int]]] = [:]

        public init() {}

        /// Adds one comparison's preferences, as `PreferenceRepository.forEachComparison` hands them over.
        public mutating func add(forComparison preferences: [Preference]) {
            let group = LatestJudgements.group(comparisonID: preferences.first?.comparisonID, preferences)
            let decided = group.preferences.filter { $0.choice != .skip }
            guard decided.count >= 2 else { return }
            let dataset = decided[0].dataset
            var total = VoteCounts()
            for preference in decided { total.add(preference.choice) }
            for preference in decided {
                var others = total
                switch preference.choice {
                case .a: others.a -= 1
                case .b: others.b -= 1
                case .tie: others.tie -= 1
                case .skip: break
                }
                guard let majority = MajorityResolution.outcome(of: others), let row = Self.index(preference.choice) else { continue }
                let column = Self.index(majority)
                matrices[dataset, default: [:]][preference.annotator, default: Array(repeating: 0, count: 9)][row * 3 + column] += 1
            }
        }

        /// Per dataset (as `Agreement.DatasetTally` orders them), the annotators by name.
        public func reports(dataset: String?) -> [AnnotatorAgreement] {
            (matrices[dataset] ?? [:]).keys.sorted().map { annotator in
                AnnotatorAgreement(annotator: annotator, matrix: matrices[dataset]?[annotator] ?? [])
            }
        }

        private static func index(_ choice: Choice) -> Int? {
            switch choice {
            case .a: 0
            case .b: 1
            case .tie: 2
            case .skip: nil
            }
        }

        private static func index(_ outcome: PairOutcome) -> Int {
            switch outcome {
            case .a: 0
            case .b: 1
            case .tie: 2
            }
        }
    }

    init(annotator: String, matrix: [Int]) {
        self.annotator = annotator
        let n = matrix.reduce(0, +)
        items = n
        guard n > 0, matrix.count == 9 else { return }
        let observed = Double(matrix[0] + matrix[4] + matrix[8]) / Double(n)
        var chance = 0.0
        for k in 0..<3 {
            let row = Double(matrix[k * 3] + matrix[k * 3 + 1] + matrix[k * 3 + 2]) / Double(n)
            let column = Double(matrix[k] + matrix[3 + k] + matrix[6 + k]) / Double(n)
            chance += row * column
        }
        agreement = observed
        kappa = chance < 1 ? (observed - chance) / (1 - chance) : nil
    }
}
