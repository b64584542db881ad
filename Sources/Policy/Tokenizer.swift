/// What a policy needs from a tokenizer: text to ids and back, and the ids of its specials.
///
/// ``ByteTokenizer`` (the built-in tasks' default) and ``BPETokenizer`` (GPT-2-style byte-level BPE, loaded
/// with a Hugging Face checkpoint) conform, so sampling, scoring and training work with either.
public protocol Tokenizer: Sendable {
    /// Number of ids the tokenizer can produce (the model's vocabulary may be larger, never smaller).
    var vocabSize: Int { get }
    /// Prepended to prompts.
    var bosID: Int32 { get }
    /// Appended to responses; sampling stops when it is drawn.
    var eosID: Int32 { get }
    /// Fills the right end of a batch's shorter rows; never scored.
    var padID: Int32 { get }
    /// Ids of `text`, optionally preceded by BOS and followed by EOS.
    func encode(_ text: String, bos: Bool, eos: Bool) -> [Int32]
    /// Text of `tokens`: specials are dropped and invalid UTF-8 is repaired with U+FFFD.
    func decode(_ tokens: [Int32]) -> String
}

extension Tokenizer {
    /// Ids of `text` without BOS or EOS.
    public func encode(_ text: String) -> [Int32] { encode(text, bos: false, eos: false) }
}

extension Tokenizer {
    /// Ids of `text`, optionally after BOS (no EOS).
    public func encode(_ text: String, bos: Bool) -> [Int32] { encode(text, bos: bos, eos: false) }
    /// Ids of `text`, optionally before EOS (no BOS).
    public func encode(_ text: String, eos: Bool) -> [Int32] { encode(text, bos: false, eos: eos) }

    /// Prompts and responses concatenated and right-padded with this tokenizer's PAD.
    public func batch(prompts: [[Int32]], responses: [[Int32]]) throws(PolicyError) -> SequenceBatch {
        try SequenceBatch(prompts: prompts, responses: responses, pad: padID)
    }
}
