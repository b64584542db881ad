/// Percent-decoding for request targets (RFC 3986 §2.1) and form-encoded
/// queries. Decoded bytes must be valid UTF-8 without NUL: a NUL smuggled in
/// as `%00` would truncate the string when it reaches C code such as libpq.
public enum PercentDecoding {
    /// Decodes `bytes`; nil on a malformed escape, invalid UTF-8 or NUL.
    /// Inlinable so that callers get a version specialised to their collection: every request's
    /// path segments and query pass through here, and the unspecialised generic is several times slower.
    @inlinable
    public static func decode(_ bytes: some Collection<UInt8>, plusAsSpace: Bool) -> String? {
        // Most path segments and query values hold nothing to decode: validate and copy them once.
        if !bytes.contains(where: { $0 == UInt8(ascii: "%") || $0 == 0 || (plusAsSpace && $0 == UInt8(ascii: "+")) }) {
            return String(validating: bytes, as: UTF8.self)
        }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var i = bytes.startIndex
        while i != bytes.endIndex {
            let byte = bytes[i]
            if byte == UInt8(ascii: "%") {
                let h = bytes.index(after: i)
                guard h != bytes.endIndex else { return nil }
                let l = bytes.index(after: h)
                guard l != bytes.endIndex, let hi = hexValue(bytes[h]), let lo = hexValue(bytes[l]) else { return nil }
                out.append(hi << 4 | lo)
                i = bytes.index(after: l)
                continue
            }
            out.append(plusAsSpace && byte == UInt8(ascii: "+") ? UInt8(ascii: " ") : byte)
            i = bytes.index(after: i)
        }
        guard !out.contains(0) else { return nil }
        return String(validating: out, as: UTF8.self)
    }

    /// Splits and decodes an `application/x-www-form-urlencoded` query string.
    @inlinable
    public static func decodeQuery(_ bytes: some Collection<UInt8>) -> [(name: String, value: String)]? {
        var out: [(name: String, value: String)] = []
        for pair in bytes.split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: true) {
            let parts = pair.split(separator: UInt8(ascii: "="), maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = decode(parts[0], plusAsSpace: true) else { return nil }
            let value = parts.count > 1 ? decode(parts[1], plusAsSpace: true) : ""
            guard let value else { return nil }
            out.append((name: name, value: value))
        }
        return out
    }

    @inlinable @inline(__always)
    static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
