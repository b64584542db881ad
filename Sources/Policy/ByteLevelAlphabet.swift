/// GPT-2's reversible map from bytes to printable Unicode scalars, which byte-level BPE vocabularies are
/// written in: printable Latin-1 bytes stand for themselves, the other 68 (controls, space, …) are
/// shifted to U+0100 onwards in byte order (so a space is "Ġ", a newline "Ċ").
public enum ByteLevelAlphabet {
    /// Scalar of each byte.
    public static let scalars: [Unicode.Scalar] = {
        var out = [Unicode.Scalar](repeating: " ", count: 256)
        var shifted: UInt32 = 256
        for byte in 0..<256 {
            let printable = (33...126).contains(byte) || (161...172).contains(byte) || (174...255).contains(byte)
            let value = printable ? UInt32(byte) : { defer { shifted += 1 }; return shifted }()
            out[byte] = Unicode.Scalar(value) ?? " "
        }
        return out
    }()

    /// Byte of each scalar in ``scalars``.
    public static let bytes: [UInt32: UInt8] = {
        var out: [UInt32: UInt8] = [:]
        for (byte, scalar) in scalars.enumerated() { out[scalar.value] = UInt8(byte) }
        return out
    }()

    /// The byte-level spelling of `bytes` (one scalar per byte).
    public static func spell(_ bytes: some Sequence<UInt8>) -> String {
        var text = String.UnicodeScalarView()
        for byte in bytes { text.append(scalars[Int(byte)]) }
        return String(text)
    }

    /// The bytes a byte-level token spells, or `nil` if it holds a scalar outside the alphabet.
    public static func unspell(_ token: String) -> [UInt8]? {
        var out: [UInt8] = []
        for scalar in token.unicodeScalars {
            guard let byte = bytes[scalar.value] else { return nil }
            out.append(byte)
        }
        return out
    }
}
