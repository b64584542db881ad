/// An ordered list of header fields. Names compare case-insensitively
/// (RFC 9110 §5.1); repeated fields are kept in order.
public struct HTTPHeaders: Sendable, Equatable, Sequence, ExpressibleByDictionaryLiteral {
    /// The fields, in the order they were sent or added.
    public private(set) var fields: [(name: String, value: String)]

    public init() { fields = [] }

    public init(_ fields: [(String, String)]) {
        self.fields = fields.map { (name: $0.0, value: $0.1) }
    }

    public init(dictionaryLiteral elements: (String, String)...) {
        self.init(elements)
    }

    public var count: Int { fields.count }

    public func makeIterator() -> some IteratorProtocol<(name: String, value: String)> {
        fields.makeIterator()
    }

    /// Appends a field, keeping any existing fields of the same name.
    public mutating func add(name: String, value: String) {
        fields.append((name: name, value: value))
    }

    /// Replaces every field named `name` with one field.
    public mutating func replaceOrAdd(name: String, value: String) {
        remove(name: name)
        fields.append((name: name, value: value))
    }

    /// Removes every field named `name`.
    public mutating func remove(name: String) {
        fields.removeAll { asciiCaseInsensitiveEquals($0.name, name) }
    }

    /// The first value of `name`, if present.
    public subscript(name: String) -> String? {
        first(name: name)
    }

    /// The first value of `name`, if present.
    public func first(name: String) -> String? {
        for field in fields where asciiCaseInsensitiveEquals(field.name, name) {
            return field.value
        }
        return nil
    }

    /// Every value of `name`, in order.
    public func values(name: String) -> [String] {
        fields.filter { asciiCaseInsensitiveEquals($0.name, name) }.map(\.value)
    }

    /// Whether any field named `name` exists.
    public func contains(name: String) -> Bool {
        fields.contains { asciiCaseInsensitiveEquals($0.name, name) }
    }

    /// The comma-separated list elements of every `name` field, trimmed and
    /// lower-cased (RFC 9110 §5.6.1), e.g. the tokens of `Connection`.
    public func tokens(name: String) -> [String] {
        var out: [String] = []
        for value in values(name: name) {
            for part in value.split(separator: ",", omittingEmptySubsequences: true) {
                let token = part.trimmingOWS().lowercasedASCII()
                if !token.isEmpty { out.append(token) }
            }
        }
        return out
    }

    public static func == (lhs: HTTPHeaders, rhs: HTTPHeaders) -> Bool {
        lhs.fields.count == rhs.fields.count
            && zip(lhs.fields, rhs.fields).allSatisfy {
                asciiCaseInsensitiveEquals($0.name, $1.name) && $0.value == $1.value
            }
    }
}

/// Compares two strings ignoring ASCII case, without allocating.
@inlinable
package func asciiCaseInsensitiveEquals(_ a: String, _ b: String) -> Bool {
    var a = a, b = b
    return a.withUTF8 { x in
        b.withUTF8 { y in
            guard x.count == y.count else { return false }
            for i in 0..<x.count where x[i] != y[i] {
                if x[i] | 0x20 != y[i] | 0x20 { return false }
                let lower = x[i] | 0x20
                if lower < UInt8(ascii: "a") || lower > UInt8(ascii: "z") { return false }
            }
            return true
        }
    }
}

extension StringProtocol {
    /// Trims optional whitespace (SP and HTAB, RFC 9110 §5.6.3) from both ends.
    package func trimmingOWS() -> String {
        let utf8 = Array(self.utf8)
        var lo = 0, hi = utf8.count
        while lo < hi, utf8[lo] == 0x20 || utf8[lo] == 0x09 { lo += 1 }
        while hi > lo, utf8[hi - 1] == 0x20 || utf8[hi - 1] == 0x09 { hi -= 1 }
        return String(decoding: utf8[lo..<hi], as: UTF8.self)
    }

    /// Lower-cases ASCII letters only, leaving other bytes alone.
    package func lowercasedASCII() -> String {
        String(decoding: self.utf8.map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 }, as: UTF8.self)
    }
}
