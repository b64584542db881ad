/// A strict RFC 8259 reader for request bodies, import lines and stored JSON, producing `JSONValue`s.
/// Where it is stricter than `JSONSerialization`, on purpose:
/// - a trailing comma (`[1,]`) is not JSON and is refused;
/// - a key given twice in one object is refused (`duplicateKey`): with "last one wins", a validator and a
///   consumer can read different values from one body;
/// - a string holding U+0000 is refused (`nul`): PostgreSQL's text type cannot store it and libpq truncates at
///   it, so the two stores would keep different texts;
/// - containers nest at most `maxDepth` deep (`tooDeep`).
/// Every error carries the path of the value at fault (`items[2].chosen`), built only while an error unwinds.
///
/// Why not `JSONSerialization`: it was a tenth of the CPU time of a preference POST (its generic
/// parser and bridging allocate per value), and every annotation passes through here. Time is linear in the
/// input: each byte is looked at a bounded number of times, and nothing is re-walked or copied per level.
/// Numbers are the nearest `Double` to their literal, which must be finite (`NaN`, `Infinity`, `1e400`, leading `+`
/// or zeros, `1.` are not JSON or not a Double). Input must already be valid UTF-8 (the caller checks), so strings
/// are sliced, not decoded byte by byte.
public struct JSONReader {
    /// Nesting deeper than this many containers is refused rather than recursed into.
    public static let defaultMaxDepth = 64

    private let bytes: [UInt8]
    private let maxDepth: Int
    private var i = 0

    private init(_ bytes: [UInt8], maxDepth: Int) {
        self.bytes = bytes
        self.maxDepth = maxDepth
    }

    /// The one value `bytes` holds (any JSON value, surrounding whitespace allowed).
    public static func read(_ bytes: [UInt8], maxDepth: Int = defaultMaxDepth) throws(JSONReadError) -> JSONValue {
        var reader = JSONReader(bytes, maxDepth: maxDepth)
        let value = try reader.value(depth: 0)
        reader.skipWhitespace()
        guard reader.i == bytes.count else { throw reader.fail(.syntax) }
        return value
    }

    private func fail(_ kind: JSONReadError.Kind) -> JSONReadError { JSONReadError(kind, offset: i) }

    private mutating func skipWhitespace() {
        while i < bytes.count, bytes[i] == 0x20 || bytes[i] == 0x0A || bytes[i] == 0x0D || bytes[i] == 0x09 { i += 1 }
    }

    private mutating func value(depth: Int) throws(JSONReadError) -> JSONValue {
        skipWhitespace()
        guard i < bytes.count else { throw fail(.syntax) }
        switch bytes[i] {
        case UInt8(ascii: "{"): return .object(try object(depth: depth))
        case UInt8(ascii: "["): return .array(try array(depth: depth))
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        default: return .number(try number())
        }
    }

    private mutating func literal(_ word: StaticString) throws(JSONReadError) {
        let count = word.utf8CodeUnitCount
        guard i + count <= bytes.count else { throw fail(.syntax) }
        let matches = word.withUTF8Buffer { expected in (0..<count).allSatisfy { bytes[i + $0] == expected[$0] } }
        guard matches else { throw fail(.syntax) }
        i += count
    }

    private mutating func object(depth: Int) throws(JSONReadError) -> [String: JSONValue] {
        guard depth < maxDepth else { throw fail(.tooDeep) }
        i += 1
        var fields: [String: JSONValue] = [:]
        skipWhitespace()
        if i < bytes.count, bytes[i] == UInt8(ascii: "}") { i += 1; return fields }
        while true {
            skipWhitespace()
            guard i < bytes.count, bytes[i] == UInt8(ascii: "\"") else { throw fail(.syntax) }
            let key = try string()
            skipWhitespace()
            guard i < bytes.count, bytes[i] == UInt8(ascii: ":") else { throw fail(.syntax) }
            i += 1
            let field: JSONValue
            do throws(JSONReadError) { field = try value(depth: depth + 1) } catch { throw error.inside(.key(key)) }
            // One hash lookup, as plain assignment: refusing duplicates costs nothing extra.
            if fields.updateValue(field, forKey: key) != nil { throw fail(.duplicateKey).inside(.key(key)) }
            skipWhitespace()
            guard i < bytes.count else { throw fail(.syntax) }
            if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
            guard bytes[i] == UInt8(ascii: "}") else { throw fail(.syntax) }
            i += 1
            return fields
        }
    }

    private mutating func array(depth: Int) throws(JSONReadError) -> [JSONValue] {
        guard depth < maxDepth else { throw fail(.tooDeep) }
        i += 1
        var items: [JSONValue] = []
        skipWhitespace()
        if i < bytes.count, bytes[i] == UInt8(ascii: "]") { i += 1; return items }
        while true {
            do throws(JSONReadError) { items.append(try value(depth: depth + 1)) } catch { throw error.inside(.index(items.count)) }
            skipWhitespace()
            guard i < bytes.count else { throw fail(.syntax) }
            if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
            guard bytes[i] == UInt8(ascii: "]") else { throw fail(.syntax) }
            i += 1
            return items
        }
    }

    /// A string literal starting at the opening quote. Runs without escapes are copied whole.
    private mutating func string() throws(JSONReadError) -> String {
        i += 1
        let start = i
        while i < bytes.count {
            let byte = bytes[i]
            if byte == UInt8(ascii: "\"") {
                defer { i += 1 }
                return String(decoding: bytes[start..<i], as: UTF8.self)
            }
            if byte == UInt8(ascii: "\\") { break }
            guard byte >= 0x20 else { throw fail(.syntax) }
            i += 1
        }
        // Escapes: build the bytes.
        var out = Array(bytes[start..<i])
        while i < bytes.count {
            let byte = bytes[i]
            switch byte {
            case UInt8(ascii: "\""):
                i += 1
                return String(decoding: out, as: UTF8.self)
            case UInt8(ascii: "\\"):
                i += 1
                guard i < bytes.count else { throw fail(.syntax) }
                let escape = bytes[i]
                i += 1
                switch escape {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(escape)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "u"): try unicodeEscape(into: &out)
                default: throw fail(.syntax)
                }
            default:
                guard byte >= 0x20 else { throw fail(.syntax) }
                out.append(byte)
                i += 1
            }
        }
        throw fail(.syntax)
    }

    /// `\uXXXX` (after the `u`); `\u0000` is refused (a raw NUL byte already is, as a control character), with a following `\uXXXX` low surrogate when this is a high one;
    /// a lone surrogate is refused, as `JSONSerialization` refuses it.
    private mutating func unicodeEscape(into out: inout [UInt8]) throws(JSONReadError) {
        var scalar = try hex4()
        if (0xD800...0xDBFF).contains(scalar) {
            guard i + 1 < bytes.count, bytes[i] == UInt8(ascii: "\\"), bytes[i + 1] == UInt8(ascii: "u") else { throw fail(.syntax) }
            i += 2
            let low = try hex4()
            guard (0xDC00...0xDFFF).contains(low) else { throw fail(.syntax) }
            scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
        } else if (0xDC00...0xDFFF).contains(scalar) {
            throw fail(.syntax)
        }
        guard scalar != 0 else { throw fail(.nul) }
        guard let unicode = Unicode.Scalar(scalar) else { throw fail(.syntax) }
        UTF8.encode(unicode) { out.append($0) }
    }

    private mutating func hex4() throws(JSONReadError) -> UInt32 {
        guard i + 4 <= bytes.count else { throw fail(.syntax) }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let c = bytes[i]
            let digit: UInt32
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(c - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(c - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(c - UInt8(ascii: "A") + 10)
            default: throw fail(.syntax)
            }
            value = value << 4 | digit
            i += 1
        }
        return value
    }

    /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`
    private mutating func number() throws(JSONReadError) -> Double {
        let start = i
        if bytes[i] == UInt8(ascii: "-") { i += 1 }
        guard i < bytes.count, isDigit(bytes[i]) else { throw fail(.syntax) }
        if bytes[i] == UInt8(ascii: "0") {
            i += 1
        } else {
            while i < bytes.count, isDigit(bytes[i]) { i += 1 }
        }
        var integral = true
        if i < bytes.count, bytes[i] == UInt8(ascii: ".") {
            integral = false
            i += 1
            guard i < bytes.count, isDigit(bytes[i]) else { throw fail(.syntax) }
            while i < bytes.count, isDigit(bytes[i]) { i += 1 }
        }
        if i < bytes.count, bytes[i] == UInt8(ascii: "e") || bytes[i] == UInt8(ascii: "E") {
            integral = false
            i += 1
            if i < bytes.count, bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-") { i += 1 }
            guard i < bytes.count, isDigit(bytes[i]) else { throw fail(.syntax) }
            while i < bytes.count, isDigit(bytes[i]) { i += 1 }
        }
        // Integers of up to 15 digits (the common case: counts, ids, ratings) are exact in a Double and summed
        // here; anything else goes through Swift's correctly rounded parser, which is linear in the literal.
        if integral, i - start <= 15 {
            var negative = false, value = 0.0
            for byte in bytes[start..<i] {
                if byte == UInt8(ascii: "-") { negative = true } else { value = value * 10 + Double(byte - UInt8(ascii: "0")) }
            }
            return negative ? -value : value
        }
        // A literal beyond Double's range (`1e400`) is refused, as JSONSerialization refuses it, rather than read as infinity.
        guard let value = Double(String(decoding: bytes[start..<i], as: UTF8.self)), value.isFinite else { throw fail(.syntax) }
        return value
    }

    private func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }
}
