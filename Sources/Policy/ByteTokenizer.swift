/// Byte-level tokenizer: each UTF-8 byte is a token (0–255), plus three specials.
///
/// No merges and no vocabulary file, so any text round-trips exactly and the vocabulary (259)
/// matches the PyTorch anchor's default.
public struct ByteTokenizer: Tokenizer {
    /// Beginning of sequence.
    public static let bos: Int32 = 256
    /// End of sequence; sampling stops when it is drawn.
    public static let eos: Int32 = 257
    /// Padding; never scored.
    public static let pad: Int32 = 258
    /// 256 bytes + BOS, EOS, PAD.
    public static let vocabSize = 259

    /// A tokenizer (stateless).
    public init() {}

    public var vocabSize: Int { Self.vocabSize }
    public var bosID: Int32 { Self.bos }
    public var eosID: Int32 { Self.eos }
    public var padID: Int32 { Self.pad }

    /// UTF-8 bytes of `text`, optionally preceded by BOS and followed by EOS.
    public func encode(_ text: String, bos: Bool = false, eos: Bool = false) -> [Int32] {
        var out: [Int32] = bos ? [Self.bos] : []
        out.reserveCapacity(text.utf8.count + 2)
        for byte in text.utf8 { out.append(Int32(byte)) }
        if eos { out.append(Self.eos) }
        return out
    }

    /// Text from tokens: specials are dropped and invalid UTF-8 is repaired with U+FFFD.
    public func decode(_ tokens: [Int32]) -> String {
        let bytes = tokens.compactMap { $0 >= 0 && $0 < 256 ? UInt8($0) : nil }
        return String(decoding: bytes, as: UTF8.self)
    }
}
