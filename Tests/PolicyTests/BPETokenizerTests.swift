import Policy
import Testing

/// The BPE core on hand-made vocabularies, where every expected id can be worked out on paper.
@Suite struct BPETokenizerTests {
    /// Bytes are spelled in GPT-2's alphabet: "Ġ" is the space, "Ċ" the newline.
    static func byteVocabulary() -> [String: Int32] {
        var vocab: [String: Int32] = [:]
        for (byte, scalar) in ByteLevelAlphabet.scalars.enumerated() { vocab[String(scalar)] = Int32(byte) }
        return vocab
    }

    /// Merges h+e (rank 0), l+l (1), he+ll (2), Ġ+w (3), hell+o (4); "<|endoftext|>" is 300.
    static func tiny() throws -> BPETokenizer {
        var vocab = byteVocabulary()
        for (i, token) in ["he", "ll", "hell", "Ġw", "hello"].enumerated() { vocab[token] = Int32(256 + i) }
        return try BPETokenizer(vocabulary: vocab, merges: [("h", "e"), ("l", "l"), ("he", "ll"), ("Ġ", "w"), ("hell", "o")],
                                added: [.init(content: "<|endoftext|>", id: 300, special: true)], bos: "<|endoftext|>", eos: "<|endoftext|>")
    }

    @Test func mergesApplyByRank() throws {
        let tok = try Self.tiny()
        #expect(tok.encode("hello") == [260])
        #expect(tok.encode("hello world") == [260, 259, 111, 114, 108, 100])  // " w" merges, "orld" stays bytes
        #expect(tok.encode("hell") == [258])
        #expect(tok.encode("llhe") == [257, 256])
        #expect(tok.encode("hel") == [256, 108])  // no "l" partner: he + l
        #expect(tok.encode("hi", bos: true, eos: true) == [300, 104, 105, 300])
        #expect(tok.decode([260, 259, 111]) == "hello wo")
    }

    /// A merge can make a pair of lower rank than the one being applied: `tokenizers` merges it next, before the
    /// other occurrences of the current pair (its heap order), so `abab` with merges `ab a` (rank 0) then `a b` (1)
    /// is `aba b` (checked against `tokenizers` 0.22), where merging every `a b` first would give `ab ab`.
    @Test func aMergeMadeByAMergeGoesFirstWhenItsRankIsLower() throws {
        var vocab = Self.byteVocabulary()
        vocab["ab"] = 256
        vocab["aba"] = 257
        let tok = try BPETokenizer(vocabulary: vocab, merges: [("ab", "a"), ("a", "b")], added: [.init(content: "<|endoftext|>", id: 300, special: true)],
                                   bos: "<|endoftext|>", eos: "<|endoftext|>")
        #expect(tok.encode("abab") == [257, 98])
        #expect(tok.encode("ababab") == [257, 98, 256])  // aba, b, then the last "a b": nothing follows it
    }

    /// A piece of a million letters (one pre-token) is merged whole, each "hello" as on its own, and decodes back.
    @Test func aLongPieceIsMergedWhole() throws {
        let tok = try Self.tiny()
        let long = String(repeating: "hello", count: 200_000)
        let ids = tok.encode(long)
        #expect(ids == [Int32](repeating: 260, count: 200_000))
        #expect(tok.decode(ids) == long)
    }

    @Test func addedTokensSplitTheTextAndAreSkippedWhenDecoding() throws {
        let tok = try Self.tiny()
        #expect(tok.encode("hello<|endoftext|>hello") == [260, 300, 260])
        #expect(tok.encode("<|endoftext|>\u{301}") == [300, 0xCC, 0x81])  // bytes, not characters: a combining mark does not hide it
        #expect(tok.decode([260, 300, 260]) == "hellohello")
        #expect(tok.decode([0xE4, 0xB8]) == "\u{FFFD}")  // a cut UTF-8 sequence is repaired
    }

    /// With no merges, the byte-level tokenizer a byte model exports maps exactly as ``ByteTokenizer``.
    @Test func byteLevelExportMapsAsByteTokenizer() throws {
        let bpe = try #require(BPETokenizer.byteLevel())
        let bytes = ByteTokenizer()
        for text in ["héllo, 世界!\n", "  two  spaces ", "👨‍👩‍👧 e\u{301}", "tab\tend\n\n", ""] {
            #expect(bpe.encode(text, bos: true, eos: true) == bytes.encode(text, bos: true, eos: true))
            #expect(bpe.decode(bytes.encode(text, bos: true, eos: true)) == text)
        }
        #expect(bpe.vocabSize == ByteTokenizer.vocabSize && bpe.padID == ByteTokenizer.pad)
    }

    /// tokenizer.json as written here reads back to the same tokenizer; merges may also be [a, b] pairs, and
    /// vocab.json + merges.txt give the same ids.
    @Test func filesRoundTrip() throws {
        let tok = try Self.tiny()
        let again = try BPETokenizer(tokenizerJSON: tok.tokenizerJSON())
        let pairs = String(decoding: tok.tokenizerJSON(), as: UTF8.self).replacingOccurrences(of: "\"Ġ w\"", with: "[\"Ġ\",\"w\"]")
        #expect(pairs.contains("[\"Ġ\",\"w\"]"))
        let fromPairs = try BPETokenizer(tokenizerJSON: Array(pairs.utf8))
        let fromGPT2Files = try BPETokenizer(vocabJSON: tok.vocabJSON(), mergesText: tok.mergesText())
        for text in ["hello world", "hell o<|endoftext|> w", "x"] {
            #expect(again.encode(text) == tok.encode(text))
            #expect(fromPairs.encode(text) == tok.encode(text))
            #expect(fromGPT2Files.encode(text) == tok.encode(text))
        }
    }

    @Test func inconsistentFilesAreRefused() throws {
        var vocab = Self.byteVocabulary()
        #expect(throws: PolicyError.self) { try BPETokenizer(vocabulary: vocab, merges: [("h", "e")], added: [], bos: "h", eos: "h") }
        vocab["Ġ"] = nil
        #expect(throws: PolicyError.self) { try BPETokenizer(vocabulary: vocab, merges: [], added: [], bos: "h", eos: "h") }
        #expect(throws: PolicyError.self) { try BPETokenizer(vocabulary: Self.byteVocabulary(), merges: [], added: [], bos: "<s>", eos: "h") }
        let normalized = #"{"normalizer":{"type":"NFC"},"pre_tokenizer":{"type":"ByteLevel"},"model":{"type":"BPE","vocab":{},"merges":[]}}"#
        #expect(throws: PolicyError.self) { try BPETokenizer(tokenizerJSON: Array(normalized.utf8)) }
        let wordPiece = #"{"pre_tokenizer":{"type":"ByteLevel"},"model":{"type":"WordPiece","vocab":{}}}"#
        #expect(throws: PolicyError.self) { try BPETokenizer(tokenizerJSON: Array(wordPiece.utf8)) }
    }
}
