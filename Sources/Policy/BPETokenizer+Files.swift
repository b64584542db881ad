import StrictJSON

extension BPETokenizer {
    /// A byte-level BPE tokenizer that maps exactly as ``ByteTokenizer``: byte b is token b (in
    /// ``ByteLevelAlphabet``'s spelling), no merges, and the three specials as added tokens 256–258. What a
    /// byte-tokenizer model exports, so the `tokenizers` library encodes text as PrefLab does.
    public static func byteLevel() -> BPETokenizer? {
        var vocab: [String: Int32] = [:]
        for (byte, scalar) in ByteLevelAlphabet.scalars.enumerated() { vocab[String(scalar)] = Int32(byte) }
        let added = [AddedToken(content: byteBOS, id: ByteTokenizer.bos, special: true),
                     AddedToken(content: byteEOS, id: ByteTokenizer.eos, special: true),
                     AddedToken(content: bytePad, id: ByteTokenizer.pad, special: true)]
        return try? BPETokenizer(vocabulary: vocab, merges: [], added: added, bos: byteBOS, eos: byteEOS, pad: bytePad)
    }

    /// Names of ``ByteTokenizer``'s specials in an exported tokenizer.
    public static let byteBOS = "<|startoftext|>", byteEOS = "<|endoftext|>", bytePad = "<|pad|>"

    /// The names of this tokenizer's specials.
    public var specials: Specials {
        Specials(bos: tokens[bosID] ?? "", eos: tokens[eosID] ?? "", pad: padID == eosID ? nil : tokens[padID])
    }

    /// `tokenizer.json` as the `tokenizers` library writes a GPT-2 tokenizer (merges as `"a b"` strings, which
    /// every version reads; byte-level tokens hold no spaces).
    public func tokenizerJSON() -> [UInt8] {
        let addedTokens: [JSONValue] = added.sorted { $0.id < $1.id }.map { token in
            .object(["id": .number(Double(token.id)), "content": .string(token.content), "single_word": .bool(false),
                     "lstrip": .bool(false), "rstrip": .bool(false), "normalized": .bool(false), "special": .bool(token.special)])
        }
        let byteLevel: [String: JSONValue] = ["type": .string("ByteLevel"), "add_prefix_space": .bool(addPrefixSpace),
                                              "trim_offsets": .bool(true), "use_regex": .bool(true)]
        let model: [String: JSONValue] = [
            "type": .string("BPE"), "dropout": .null, "unk_token": .null, "continuing_subword_prefix": .null,
            "end_of_word_suffix": .null, "fuse_unk": .bool(false), "byte_fallback": .bool(false), "ignore_merges": .bool(ignoreMerges),
            "vocab": .object(vocabJSONObject), "merges": .array(merges.map { .string($0.0 + " " + $0.1) }),
        ]
        return JSONValue.object([
            "version": .string("1.0"), "truncation": .null, "padding": .null, "added_tokens": .array(addedTokens),
            "normalizer": .null, "pre_tokenizer": .object(byteLevel), "post_processor": .object(byteLevel),
            "decoder": .object(byteLevel), "model": .object(model),
        ]).bytes
    }

    private var vocabJSONObject: [String: JSONValue] { vocabulary.mapValues { .number(Double($0)) } }

    /// GPT-2's `vocab.json`.
    public func vocabJSON() -> [UInt8] { JSONValue.object(vocabJSONObject).bytes }

    /// GPT-2's `merges.txt`.
    public func mergesText() -> [UInt8] { Array(("#version: 0.2\n" + merges.map { $0.0 + " " + $0.1 + "\n" }.joined()).utf8) }

    /// `tokenizer_config.json` and `special_tokens_map.json` for `AutoTokenizer` (a GPT2TokenizerFast).
    public func tokenizerConfigJSON(maxLength: Int) -> [UInt8] {
        var object = specialsMap
        object["tokenizer_class"] = .string("GPT2Tokenizer")
        object["model_max_length"] = .number(Double(maxLength))
        object["add_prefix_space"] = .bool(addPrefixSpace)
        object["clean_up_tokenization_spaces"] = .bool(false)
        return JSONValue.object(object).bytes
    }

    public func specialTokensMapJSON() -> [UInt8] { JSONValue.object(specialsMap).bytes }

    private var specialsMap: [String: JSONValue] {
        var object: [String: JSONValue] = ["bos_token": .string(tokens[bosID] ?? ""), "eos_token": .string(tokens[eosID] ?? ""),
                                           "unk_token": .string(tokens[eosID] ?? "")]
        if padID != eosID { object["pad_token"] = .string(tokens[padID] ?? "") }
        return object
    }
}
