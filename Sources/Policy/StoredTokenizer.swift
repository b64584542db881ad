import StrictJSON

/// A model's tokenizer as kept in its checkpoint's `__metadata__`: `tokenizer` holds the `tokenizer.json` text
/// and `tokenizer_specials` names BOS, EOS and PAD. A checkpoint without them is a byte-tokenizer model.
public enum StoredTokenizer {
    public static let jsonKey = "tokenizer", specialsKey = "tokenizer_specials"

    /// The metadata entries that store `tokenizer` (read from `json`).
    public static func metadata(_ tokenizer: BPETokenizer, json: [UInt8]) -> [String: String] {
        var specials: [String: JSONValue] = ["bos_token": .string(tokenizer.specials.bos), "eos_token": .string(tokenizer.specials.eos)]
        if let pad = tokenizer.specials.pad { specials["pad_token"] = .string(pad) }
        return [jsonKey: String(decoding: json, as: UTF8.self), specialsKey: JSONValue.object(specials).text]
    }

    /// The BPE tokenizer a checkpoint's metadata stores and its `tokenizer.json` bytes; `nil` for a byte-tokenizer model.
    public static func bpe(_ metadata: [String: String]) throws(PolicyError) -> (tokenizer: BPETokenizer, json: [UInt8])? {
        guard let text = metadata[jsonKey] else { return nil }
        let specials = try BPETokenizer.Specials(tokenizerConfig: metadata[specialsKey].map { Array($0.utf8) })
        let json = Array(text.utf8)
        return (try BPETokenizer(tokenizerJSON: json, specials: specials), json)
    }

    /// The tokenizer of a checkpoint with this metadata: its BPE tokenizer, else ``ByteTokenizer``.
    public static func tokenizer(_ metadata: [String: String]) throws(PolicyError) -> any Tokenizer {
        try bpe(metadata)?.tokenizer ?? ByteTokenizer()
    }
}
