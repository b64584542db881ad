/// The provenance sidecar: one JSON object per exported row, on the same line number.
///
/// A row-aligned stream rather than extra columns, so the TRL file stays exactly
/// the schema trainers read while every row can still be traced to its judgements.
enum ExportProvenance {
    /// Keys: `comparison_id`, `dataset`, `outcome` (the resolved vote), `order`
    /// (which side this row prefers, `a>b` or `b>a`; both appear for an exported tie),
    /// `completion` and `label` for unpaired rows, `votes`, and per counted
    /// judgement (aligned arrays) `preference_ids`, `annotators`, `choices`, `strengths`,
    /// `shown_first`; and `metadata`, the extra columns of an imported line, when it had any.
    static func line(pair: ResolvedPair, winner: PairOutcome,
                     completion: (side: PairOutcome, label: Bool)?) -> [UInt8] {
        var members: [(String, JSONOutput)] = [
            ("comparison_id", .optional(pair.comparisonID)),
            ("dataset", .optional(pair.dataset)),
            ("outcome", .string(pair.outcome.rawValue)),
            ("order", .string(winner == .a ? "a>b" : "b>a")),
        ]
        if let completion {
            members.append(("completion", .string(completion.side.rawValue)))
            members.append(("label", .bool(completion.label)))
        }
        members += [
            ("votes", .object([
                ("a", .int(pair.votes.a)), ("b", .int(pair.votes.b)),
                ("tie", .int(pair.votes.tie)), ("skip", .int(pair.votes.skip)),
            ])),
            ("preference_ids", .array(pair.preferences.map { .string($0.id) })),
            ("annotators", .array(pair.preferences.map { .string($0.annotator) })),
            ("choices", .array(pair.preferences.map { .string($0.choice.rawValue) })),
            ("strengths", .array(pair.preferences.map { .optional($0.strength) })),
            // Which side each annotator saw first, for position-bias analysis.
            ("shown_first", .array(pair.preferences.map { .optional($0.shownFirst) })),
        ]
        // An imported line's extra columns (UltraFeedback's scores and ids, …), as they came in.
        if let metadata = pair.preferences.first?.metadata { members.append(("metadata", .json(metadata))) }
        return JSONOutput.object(members).jsonLine
    }
}
