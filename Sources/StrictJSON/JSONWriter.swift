/// The one place JSON strings and numbers are written by hand (`JSONValue`, the dataset exports' `JSONOutput`,
/// the preference responses' `FastJSON`, safetensors headers), so every writer escapes and formats alike —
/// and as `JSONEncoder` does with `.withoutEscapingSlashes`, which the Codable responses use.
public enum JSONWriter {
    /// RFC 8259 §7: only the quote, the backslash and C0 controls must be escaped.
    /// A Swift `String` is always valid UTF-8, so its bytes pass through as they are.
    public static func writeString(_ text: String, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out.append(contentsOf: #"\""#.utf8)
            case UInt8(ascii: "\\"): out.append(contentsOf: #"\\"#.utf8)
            case 0x0A: out.append(contentsOf: #"\n"#.utf8)
            case 0x0D: out.append(contentsOf: #"\r"#.utf8)
            case 0x09: out.append(contentsOf: #"\t"#.utf8)
            case 0x08: out.append(contentsOf: #"\b"#.utf8)
            case 0x0C: out.append(contentsOf: #"\f"#.utf8)
            case 0x00..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                out.append(contentsOf: #"\u00"#.utf8)
                out.append(hex[Int(byte >> 4)])
                out.append(hex[Int(byte & 0x0F)])
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }

    /// A number as JSON: whole numbers print without ".0" so ids, counts and steps read as integers; JSON has
    /// no NaN or infinity, so such a number (a diverged metric) is written as null rather than failing the
    /// whole document. Anything else is Swift's shortest round-tripping form (`0.1`, `1e-07`), valid JSON.
    public static func writeNumber(_ value: Double, into out: inout [UInt8]) {
        if !value.isFinite {
            out.append(contentsOf: "null".utf8)
        } else if let int = wholeNumber(value) {
            out.append(contentsOf: String(int).utf8)
        } else {
            out.append(contentsOf: String(value).utf8)
        }
    }

    /// An integer's JSON text.
    public static func writeInt(_ value: Int, into out: inout [UInt8]) {
        out.append(contentsOf: String(value).utf8)
    }

    /// `value` as an integer when it is one and every integer near it is exact in a Double.
    static func wholeNumber(_ value: Double) -> Int64? {
        value == value.rounded() && abs(value) < 1e15 ? Int64(value) : nil
    }
}
