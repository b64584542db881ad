/// Reads one decoded JSONL record as a preference, collecting every field error.
struct ImportRecordParser {
    let line: Int
    private(set) var errors: [ImportLineError] = []

    init(line: Int) {
        self.line = line
    }

    /// The preference in `value`, or nil with `errors` filled in.
    mutating func parse(_ value: JSONValue) -> ImportedPreference? {
        guard case .object(let fields) = value else {
            fail(nil, "expected a JSON object, got \(value.typeName)")
            return nil
        }
        guard let chosen = required(fields, "chosen"), let rejected = required(fields, "rejected") else {
            _ = required(fields, "rejected")  // report both when both are missing
            return nil
        }
        var row: ImportedPreference?
        switch (chosen, fields["prompt"]) {
        case (.string(let text), let prompt):
            row = parseStrings(chosen: text, rejected: rejected, prompt: prompt)
        case (.array, .string(let prompt)?):
            row = parseUltraFeedback(chosen: chosen, rejected: rejected, prompt: prompt)
        case (.array, let prompt):
            row = parseConversation(chosen: chosen, rejected: rejected, prompt: prompt)
        default:
            fail("chosen", "expected a string or a list of messages, got \(chosen.typeName)")
            return nil
        }
        // Every other column is kept as it came, for the provenance export.
        let extra = fields.filter { !Self.rowKeys.contains($0.key) }
        if !extra.isEmpty, var found = row {
            found.metadata = (found.metadata ?? [:]).merging(extra) { kept, _ in kept }
            row = found
        }
        return row
    }

    /// The keys a row's layout reads; any other key is metadata.
    static let rowKeys: Set<String> = ["prompt", "chosen", "rejected"]

    // MARK: - Field checks

    mutating func required(_ fields: [String: JSONValue], _ name: String) -> JSONValue? {
        if let value = fields[name] { return value }
        if !errors.contains(where: { $0.field == name }) { fail(name, "is missing") }
        return nil
    }

    mutating func missing(_ field: String) -> String? {
        fail(field, "is missing")
        return nil
    }

    mutating func nonEmptyString(_ value: JSONValue, _ field: String, like: String) -> String? {
        guard case .string(let text) = value else {
            fail(field, "expected a string\(like.isEmpty ? "" : " " + like), got \(value.typeName)")
            return nil
        }
        return notBlank(text, field) ? text : nil
    }

    /// Whitespace-only text counts as empty: it cannot be shown or trained on.
    mutating func notBlank(_ text: String, _ field: String, _ message: String = "is empty") -> Bool {
        if text.unicodeScalars.allSatisfy(\.properties.isWhitespace) {
            fail(field, message)
            return false
        }
        return true
    }

    mutating func fail(_ field: String?, _ message: String) {
        errors.append(ImportLineError(line: line, field: field, message: message))
    }
}
