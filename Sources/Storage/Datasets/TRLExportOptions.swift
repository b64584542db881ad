/// The row layout of a TRL export.
public enum TRLExportFormat: String, Sendable, CaseIterable {
    /// `{"prompt": str, "chosen": str, "rejected": str}`.
    case standard
    /// `prompt`, `chosen` and `rejected` as `[{"role", "content"}]` message lists.
    case conversational
    /// KTO/BCO rows `{"prompt": str, "completion": str, "label": bool}`, two per pair.
    case unpaired
    /// Unpaired rows with conversational `prompt` and `completion`.
    case unpairedConversational = "unpaired_conversational"
}

/// What a resolved tie becomes in the export (skips are always dropped).
public enum TiePolicy: String, Sendable, CaseIterable {
    /// Ties are left out: TRL's formats have no tie.
    case drop
    /// A tie is exported as A>B and then B>A, which pairs with cDPO/robust
    /// `label_smoothing` to teach "no preference".
    case bothOrders = "both_orders"
}

/// How `TRLExport` writes rows.
public struct TRLExportOptions: Sendable, Equatable {
    /// The row layout.
    public var format: TRLExportFormat
    /// What a tie becomes.
    public var tiePolicy: TiePolicy
    /// Whether to produce the provenance sidecar line for every row.
    public var provenance: Bool

    /// Creates options; the defaults are the issue's: standard rows, ties dropped, no sidecar.
    public init(format: TRLExportFormat = .standard, tiePolicy: TiePolicy = .drop, provenance: Bool = false) {
        self.format = format
        self.tiePolicy = tiePolicy
        self.provenance = provenance
    }
}

/// One exported JSONL line and, when requested, its provenance line.
public struct TRLExportRow: Sendable, Equatable {
    /// The TRL row: one compact JSON object ending in "\n".
    public var line: [UInt8]
    /// The sidecar line for the same row, or nil when provenance was not requested.
    public var provenance: [UInt8]?

    /// Creates a row.
    public init(line: [UInt8], provenance: [UInt8]?) {
        self.line = line
        self.provenance = provenance
    }
}
