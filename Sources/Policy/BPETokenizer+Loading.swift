import StrictJSON

extension BPETokenizer {
    /// The specials a `tokenizer_config.json` names (`bos_token`, `eos_token`, `pad_token`, each a string or
    /// `{"content": …}`); GPT-2's `<|endoftext|>` for what it leaves out.
    public struct Specials: Sendable, Equatable {
        public var bos = "<|endoftext|>", eos = "<|endoftext|>", pad: String?
        public init(bos: String = "<|endoftext|>", eos: String = "<|endoftext|>", pad: String? = nil) {
            self.bos = bos
            self.eos = eos
            self.pad = pad
        }

        /// Read from a `tokenizer_config.json`; `nil` bytes give the defaults.
        public init(tokenizerConfig bytes: [UInt8]?) throws(PolicyError) {
            guard let bytes else { return }
            guard case .object(let object)? = try? JSONReader.read(bytes) else {
                throw PolicyError("tokenizer_config.json: not a JSON object")
            }
            func name(_ key: String) throws(PolicyError) -> String? {
                switch object[key] {
                case nil, .null?: return nil
                case .string(let text)?: return text
                case .object(let token)?:
                    guard case .string(let text)? = token["content"] else { break }
                    return text
                default: break
                }
                throw PolicyError("tokenizer_config.json: \(key) must be a string or an object with a content")
            }
            let eos = try name("eos_token") ?? self.eos
            self.eos = eos
            self.bos = try name("bos_token") ?? eos
            self.pad = try name("pad_token")
        }
    }

    /// A tokenizer from a Hugging Face `tokenizer.json` holding a byte-level BPE model (as GPT-2's): no
    /// normalizer, a ByteLevel pre-tokenizer (with the GPT-2 regex), merges as `"a b"` strings or `[a, b]` pairs.
    /// Anything else is refused, naming what, rather than tokenised differently from the `tokenizers` library.
    public convenience init(tokenizerJSON bytes: [UInt8], specials: Specials = Specials()) throws(PolicyError) {
        let root: JSONValue
        do { root = try JSONReader.read(bytes) } catch { throw PolicyError("tokenizer.json: not valid JSON (\(error.path))") }
        guard case .object(let model)? = root["model"] else { throw PolicyError("tokenizer.json: no model") }
        if let type = model["type"], type != .string("BPE") { throw PolicyError("tokenizer.json: model.type must be BPE") }
        for key in ["continuing_subword_prefix", "end_of_word_suffix"] {
            if let value = model[key], !value.isNull, value != .string("") { throw PolicyError("tokenizer.json: model.\(key) is not supported") }
        }
        if model["byte_fallback"] == .bool(true) { throw PolicyError("tokenizer.json: model.byte_fallback is not supported") }
        if let dropout = model["dropout"], !dropout.isNull { throw PolicyError("tokenizer.json: model.dropout is not supported") }
        if let normalizer = root["normalizer"], !normalizer.isNull { throw PolicyError("tokenizer.json: a normalizer is not supported") }
        guard case .object(let pre)? = root["pre_tokenizer"], pre["type"] == .string("ByteLevel") else {
            throw PolicyError("tokenizer.json: pre_tokenizer must be ByteLevel")
        }
        if pre["use_regex"] == .bool(false) { throw PolicyError("tokenizer.json: pre_tokenizer.use_regex false is not supported") }
        for key in ["decoder", "post_processor"] {
            guard let value = root[key], !value.isNull else { continue }
            guard value["type"] == .string("ByteLevel") else { throw PolicyError("tokenizer.json: \(key) must be ByteLevel or null") }
        }
        guard case .object(let vocab)? = model["vocab"] else { throw PolicyError("tokenizer.json: model.vocab must be an object") }
        guard case .array(let list)? = model["merges"] else { throw PolicyError("tokenizer.json: model.merges must be an array") }
        var merges: [(String, String)] = []
        merges.reserveCapacity(list.count)
        for (index, merge) in list.enumerated() {
            switch merge {
            case .string(let text): merges.append(try Self.mergeLine(text, index))
            case .array(let pair):
                guard pair.count == 2, case .string(let a) = pair[0], case .string(let b) = pair[1] else {
                    throw PolicyError("tokenizer.json: model.merges[\(index)] must be \"a b\" or [a, b]")
                }
                merges.append((a, b))
            default: throw PolicyError("tokenizer.json: model.merges[\(index)] must be \"a b\" or [a, b]")
            }
        }
        var added: [AddedToken] = []
        if case .array(let tokens)? = root["added_tokens"] {
            for (index, token) in tokens.enumerated() {
                guard case .string(let content)? = token["content"], case .number(let id)? = token["id"], let id = Int32(exactly: id) else {
                    throw PolicyError("tokenizer.json: added_tokens[\(index)] needs an id and a content")
                }
                added.append(AddedToken(content: content, id: id, special: token["special"] == .bool(true)))
            }
        }
        try self.init(vocabulary: try Self.ids(vocab, "tokenizer.json: model.vocab"), merges: merges, added: added,
                      bos: specials.bos, eos: specials.eos, pad: specials.pad,
                      addPrefixSpace: pre["add_prefix_space"] == .bool(true), ignoreMerges: model["ignore_merges"] == .bool(true))
    }

    /// A tokenizer from GPT-2's original files: `vocab.json` (token → id) and `merges.txt` (a `#version` line,
    /// then one `a b` merge per line, in rank order). The specials must be in the vocabulary.
    public convenience init(vocabJSON: [UInt8], mergesText: [UInt8], specials: Specials = Specials()) throws(PolicyError) {
        guard case .object(let vocab)? = try? JSONReader.read(vocabJSON) else { throw PolicyError("vocab.json: not a JSON object") }
        var merges: [(String, String)] = []
        for (index, line) in String(decoding: mergesText, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = line.hasSuffix("\r") ? line.dropLast() : line
            if line.isEmpty || (index == 0 && line.hasPrefix("#version")) { continue }
            merges.append(try Self.mergeLine(String(line), index))
        }
        let ids = try Self.ids(vocab, "vocab.json")
        let specialNames = Set([specials.bos, specials.eos] + (specials.pad.map { [$0] } ?? []))
        let added = specialNames.compactMap { name in ids[name].map { AddedToken(content: name, id: $0, special: true) } }
        try self.init(vocabulary: ids, merges: merges, added: added, bos: specials.bos, eos: specials.eos, pad: specials.pad)
    }

    private static func mergeLine(_ text: String, _ index: Int) throws(PolicyError) -> (String, String) {
        let parts = text.split(separator: " ", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else { throw PolicyError("tokenizer: merge \(index) is not two tokens") }
        return (String(parts[0]), String(parts[1]))
    }

    private static func ids(_ vocab: [String: JSONValue], _ what: String) throws(PolicyError) -> [String: Int32] {
        var ids: [String: Int32] = [:]
        ids.reserveCapacity(vocab.count)
        for (token, value) in vocab {
            guard case .number(let number) = value, let id = Int32(exactly: number), id >= 0 else {
                throw PolicyError("\(what): the id of \(token) is not a non-negative integer")
            }
            ids[token] = id
        }
        return ids
    }
}
