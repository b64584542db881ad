/// One benchmark record printed as a single JSON line, keys in insertion order (like the anchor's
/// `json.dumps` output), so the two scripts' lines read side by side.
struct JSONLine {
    private var fields: [(String, String)] = []

    init(bench: String) { fields.append(("bench", "\"\(bench)\"")) }

    mutating func add(_ key: String, _ value: Int) { fields.append((key, String(value))) }
    mutating func add(_ key: String, _ value: String) { fields.append((key, "\"\(value)\"")) }
    mutating func add(_ key: String, _ value: Double, digits: Int = 1) {
        var scale = 1.0
        for _ in 0..<digits { scale *= 10 }
        fields.append((key, value.isFinite ? String((value * scale).rounded() / scale) : "null"))
    }

    var text: String { "{" + fields.map { "\"\($0.0)\": \($0.1)" }.joined(separator: ", ") + "}" }
}
