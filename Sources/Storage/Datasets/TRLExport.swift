/// Turns preferences into JSONL rows in TRL's preference dataset formats.
///
/// Pure: the caller fetches preferences and writes bytes. To stream, read the store
/// with `PreferenceRepository.forEachComparison` and write `rows(forComparison:)`
/// of each comparison as it comes: the bytes are those of `rows(for:)` over all.
public struct TRLExport: Sendable {
    /// The options rows are written with.
    public var options: TRLExportOptions

    /// Creates an exporter.
    public init(options: TRLExportOptions = TRLExportOptions()) {
        self.options = options
    }

    /// All rows for `preferences`, resolved by majority per comparison.
    public func rows(for preferences: [Preference]) -> [TRLExportRow] {
        MajorityResolution.resolve(preferences).flatMap { rows(for: $0) }
    }

    /// The rows of one comparison's preferences in input order (or of one inline preference),
    /// as `PreferenceRepository.forEachComparison` hands them over.
    public func rows(forComparison preferences: [Preference]) -> [TRLExportRow] {
        let group = LatestJudgements.group(comparisonID: preferences.first?.comparisonID, preferences)
        return MajorityResolution.resolve(group).map { rows(for: $0) } ?? []
    }

    /// The whole export as two JSONL documents aligned line by line; `provenance`
    /// is empty unless the options ask for it.
    public func jsonl(for preferences: [Preference]) -> (rows: [UInt8], provenance: [UInt8]) {
        var data: [UInt8] = []
        var sidecar: [UInt8] = []
        for row in rows(for: preferences) {
            data.append(contentsOf: row.line)
            sidecar.append(contentsOf: row.provenance ?? [])
        }
        return (data, sidecar)
    }

    /// The rows for one resolved pair: none for a dropped tie, one (paired) or two
    /// (unpaired) per order otherwise.
    public func rows(for pair: ResolvedPair) -> [TRLExportRow] {
        orders(for: pair.outcome).flatMap { winner in
            let chosen = winner == .a ? pair.responseA : pair.responseB
            let rejected = winner == .a ? pair.responseB : pair.responseA
            let loser: PairOutcome = winner == .a ? .b : .a
            switch options.format {
            case .standard, .conversational:
                let conversational = options.format == .conversational
                let line = JSONOutput.object([
                    ("prompt", promptValue(pair, conversational: conversational)),
                    ("chosen", completionValue(chosen, conversational: conversational)),
                    ("rejected", completionValue(rejected, conversational: conversational)),
                ])
                return [row(line, pair: pair, winner: winner, completion: nil)]
            case .unpaired, .unpairedConversational:
                let conversational = options.format == .unpairedConversational
                return [(chosen, true, winner), (rejected, false, loser)].map { text, label, side in
                    let line = JSONOutput.object([
                        ("prompt", promptValue(pair, conversational: conversational)),
                        ("completion", completionValue(text, conversational: conversational)),
                        ("label", .bool(label)),
                    ])
                    return row(line, pair: pair, winner: winner, completion: (side, label))
                }
            }
        }
    }

    /// The winning side of each pair to emit, A>B before B>A for a tie.
    private func orders(for outcome: PairOutcome) -> [PairOutcome] {
        switch (outcome, options.tiePolicy) {
        case (.a, _): [.a]
        case (.b, _): [.b]
        case (.tie, .drop): []
        case (.tie, .bothOrders): [.a, .b]
        }
    }

    /// A conversational prompt stored as messages goes back out as those messages (system turns and
    /// earlier turns included), so an imported conversational file exports as it came.
    private func promptValue(_ pair: ResolvedPair, conversational: Bool) -> JSONOutput {
        guard conversational else { return .string(pair.prompt) }
        guard let messages = pair.preferences.first?.promptMessages, !messages.isEmpty else {
            return Self.messages(role: "user", content: pair.prompt)
        }
        return .array(messages.map { .object([("role", .string($0.role)), ("content", .string($0.content))]) })
    }

    private func completionValue(_ text: String, conversational: Bool) -> JSONOutput {
        conversational ? Self.messages(role: "assistant", content: text) : .string(text)
    }

    private static func messages(role: String, content: String) -> JSONOutput {
        .array([.object([("role", .string(role)), ("content", .string(content))])])
    }

    private func row(_ line: JSONOutput, pair: ResolvedPair, winner: PairOutcome,
                     completion: (side: PairOutcome, label: Bool)?) -> TRLExportRow {
        TRLExportRow(
            line: line.jsonLine,
            provenance: options.provenance
                ? ExportProvenance.line(pair: pair, winner: winner, completion: completion) : nil
        )
    }
}
