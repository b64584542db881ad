/// One comparison's judgements for agreement: one per annotator, their latest.
public struct AgreementItem: Sendable, Equatable {
    /// The comparison.
    public var comparisonID: String
    /// Its dataset, from the first counted preference.
    public var dataset: String?
    /// Votes per choice; skips are counted but take no part in agreement.
    public var votes: VoteCounts

    /// Creates an item.
    public init(comparisonID: String, dataset: String?, votes: VoteCounts) {
        self.comparisonID = comparisonID
        self.dataset = dataset
        self.votes = votes
    }

    /// Annotator pairs among the non-skip judgements.
    public var pairs: Int { votes.decided * (votes.decided - 1) / 2 }

    /// Pairs that chose the same of a, b and tie.
    public var agreeingPairs: Int {
        [votes.a, votes.b, votes.tie].reduce(0) { $0 + $1 * ($1 - 1) / 2 }
    }

    /// The share of agreeing pairs, or nil with fewer than two non-skip judgements.
    public var rawAgreement: Double? {
        pairs > 0 ? Double(agreeingPairs) / Double(pairs) : nil
    }
}

/// Inter-annotator agreement for one dataset.
public struct AgreementReport: Sendable, Equatable {
    /// The dataset, or nil for comparisons without one.
    public var dataset: String?
    /// Items with at least two non-skip judgements: the ones measured.
    public var items: Int
    /// Items left out for having fewer than two non-skip judgements.
    public var excludedItems: Int
    /// Non-skip judgements over the measured items.
    public var judgements: Int
    /// Agreeing annotator pairs / all annotator pairs, pooled over measured items;
    /// nil when nothing was measured.
    public var rawAgreement: Double?
    /// Fleiss' κ over categories a, b, tie; nil when nothing was measured.
    public var fleiss: FleissKappa?

    /// Creates a report.
    public init(dataset: String?, items: Int, excludedItems: Int, judgements: Int,
                rawAgreement: Double?, fleiss: FleissKappa?) {
        self.dataset = dataset
        self.items = items
        self.excludedItems = excludedItems
        self.judgements = judgements
        self.rawAgreement = rawAgreement
        self.fleiss = fleiss
    }
}

/// Raw pairwise agreement and Fleiss' κ over comparisons judged by several annotators.
public enum Agreement {
    /// One item per comparison in `preferences`, in order of first appearance.
    /// Inline preferences (no comparison) have no co-judges and are left out.
    public static func items(_ preferences: [Preference]) -> [AgreementItem] {
        LatestJudgements.groups(preferences).compactMap(item)
    }

    /// The item of one comparison's preferences in input order (as
    /// `PreferenceRepository.forEachComparison` hands them over); nil for an inline preference.
    public static func item(forComparison preferences: [Preference]) -> AgreementItem? {
        item(LatestJudgements.group(comparisonID: preferences.first?.comparisonID, preferences))
    }

    private static func item(_ group: JudgementGroup) -> AgreementItem? {
        guard let comparisonID = group.comparisonID else { return nil }
        var votes = VoteCounts()
        for preference in group.preferences { votes.add(preference.choice) }
        return AgreementItem(comparisonID: comparisonID, dataset: group.preferences.first?.dataset, votes: votes)
    }

    /// The report over `items`, whatever their datasets.
    public static func report(_ items: [AgreementItem], dataset: String?) -> AgreementReport {
        var tally = Tally()
        for item in items { tally.add(item) }
        return tally.report(dataset: dataset)
    }

    /// One report per dataset in `preferences`, the nil dataset first, then by name.
    public static func perDataset(_ preferences: [Preference]) -> [AgreementReport] {
        var tally = DatasetTally()
        for item in items(preferences) { tally.add(item) }
        return tally.reports
    }

    /// One dataset's report built item by item, in memory independent of the item count.
    public struct Tally: Sendable {
        private var items = 0, measured = 0, judgements = 0, pairs = 0, agreeing = 0
        private var fleiss = FleissKappa.Accumulator()

        public init() {}

        public mutating func add(_ item: AgreementItem) {
            items += 1
            guard item.votes.decided >= 2 else { return }
            measured += 1
            judgements += item.votes.decided
            pairs += item.pairs
            agreeing += item.agreeingPairs
            fleiss.add([item.votes.a, item.votes.b, item.votes.tie])
        }

        public func report(dataset: String?) -> AgreementReport {
            AgreementReport(
                dataset: dataset, items: measured, excludedItems: items - measured, judgements: judgements,
                rawAgreement: pairs > 0 ? Double(agreeing) / Double(pairs) : nil, fleiss: fleiss.result)
        }
    }

    /// Per-dataset reports built item by item: memory grows with the datasets, not the items.
    public struct DatasetTally: Sendable {
        private var tallies: [String?: Tally] = [:]

        public init() {}

        public mutating func add(_ item: AgreementItem) {
            tallies[item.dataset, default: Tally()].add(item)
        }

        /// The nil dataset first, then by name.
        public var reports: [AgreementReport] {
            let datasets = tallies.keys.sorted { ($0 ?? "", $0 != nil ? 1 : 0) < ($1 ?? "", $1 != nil ? 1 : 0) }
            return datasets.map { (tallies[$0] ?? Tally()).report(dataset: $0) }
        }
    }
}
