public import StrictJSON

/// A JSON value to be written with its object keys in the order given.
///
/// Hand-written rather than `JSONSerialization` so key order is the natural
/// TRL order (`prompt`, `chosen`, `rejected`) on every platform, non-ASCII
/// text stays raw UTF-8, and `/` is not escaped (`JSONWriter` writes the strings).
public indirect enum JSONOutput {
    case null
    case bool(Bool)
    case int(Int)
    case string(String)
    case array([JSONOutput])
    case object([(String, JSONOutput)])
    /// Stored JSON written as it is (object keys sorted).
    case json(JSONValue)

    /// A string, or `null` when absent.
    static func optional(_ text: String?) -> JSONOutput {
        text.map(JSONOutput.string) ?? .null
    }

    /// An integer, or `null` when absent.
    static func optional(_ number: Int?) -> JSONOutput {
        number.map(JSONOutput.int) ?? .null
    }

    /// The value as one JSONL line: compact JSON followed by "\n".
    var jsonLine: [UInt8] {
        var out: [UInt8] = []
        write(into: &out)
        out.append(0x0A)
        return out
    }

    func write(into out: inout [UInt8]) {
        switch self {
        case .null: out.append(contentsOf: "null".utf8)
        case .bool(let value): out.append(contentsOf: (value ? "true" : "false").utf8)
        case .int(let value): JSONWriter.writeInt(value, into: &out)
        case .string(let value): JSONWriter.writeString(value, into: &out)
        case .array(let elements):
            out.append(UInt8(ascii: "["))
            for (index, element) in elements.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                element.write(into: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .json(let value): value.write(into: &out)
        case .object(let members):
            out.append(UInt8(ascii: "{"))
            for (index, (key, value)) in members.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                JSONWriter.writeString(key, into: &out)
                out.append(UInt8(ascii: ":"))
                value.write(into: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }
}
