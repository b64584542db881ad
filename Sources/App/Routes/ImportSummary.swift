import Storage

/// The result of an import.
struct ImportSummary: Encodable, Sendable {
    var imported: Int
    var ids: [String]
}
