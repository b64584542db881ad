/// Architecture of a GPT-2-style decoder: pre-norm blocks, learned positions, tied embeddings.
public struct GPTConfig: Sendable, Codable, Equatable, Hashable {
    /// Number of transformer blocks.
    public var layers: Int
    /// Width of the residual stream (C).
    public var dim: Int
    /// Attention heads; must divide `dim`.
    public var heads: Int
    /// Maximum sequence length (rows of the position table).
    public var context: Int
    /// Vocabulary size; 259 for the byte-level tokenizer (256 bytes + BOS, EOS, PAD).
    public var vocab: Int

    /// A configuration; call ``validate()`` before trusting values from outside.
    public init(layers: Int, dim: Int, heads: Int, context: Int, vocab: Int = ByteTokenizer.vocabSize) {
        self.layers = layers
        self.dim = dim
        self.heads = heads
        self.context = context
        self.vocab = vocab
    }

    /// Throws ``PolicyError`` if the configuration cannot describe a model.
    public func validate() throws(PolicyError) {
        guard layers >= 1, dim >= 1, heads >= 1, context >= 2, vocab >= 2 else {
            throw PolicyError("config: layers, dim, heads must be ≥ 1, context and vocab ≥ 2")
        }
        guard dim % heads == 0 else { throw PolicyError("config: dim \(dim) is not divisible by heads \(heads)") }
        // 2^28 parameters (1 GiB of Float32): GPT-2 small (124M) fits, with room for its medium sibling's width.
        guard parameterCount <= 1 << 28 else { throw PolicyError("config: \(parameterCount) parameters is too large") }
    }

    /// Number of trainable parameters (wte is shared with the output head, so counted once).
    public var parameterCount: Int {
        let c = dim
        let perLayer = 2 * c + (3 * c * c + 3 * c) + (c * c + c) + 2 * c + (4 * c * c + 4 * c) + (4 * c * c + c)
        return vocab * c + context * c + layers * perLayer + 2 * c
    }
}

/// An error from the policy layer (bad configuration, bad checkpoint, bad input tokens), with a
/// message fit for an API response.
public struct PolicyError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong.
    public var message: String
    /// Wraps a message.
    public init(_ message: String) { self.message = message }
    /// The message.
    public var description: String { message }
}
